// SPDX-License-Identifier: MIT
// The data for a vectorised exp(double) that returns exactly what glibc's exp returns.
//
// Quickshift's density pass sums exp(-d2 / (2 k^2)) over a window per pixel, and scikit-image (our
// reference) calls libm's exp for every term. For the SIMD density kernels to give densities that
// are bit-identical to the scalar path (and so to scikit-image), their exp must reproduce glibc's
// exp(double) bit for bit, not merely be accurate. glibc >= 2.28 uses Szabolcs Nagy's table-driven
// exp (also in ARM optimized-routines and musl):
//
//   k = round(x * N/ln2) (N = 128, rounding done by adding 0x1.8p52), r = x - k*ln2/N (ln2/N split in
//   a hi and a lo part), exp(x) = 2^(k/N) * exp(r) where 2^(j/N) = H[j] * (1 + T[j]) (H[j] the double
//   nearest to 2^(j/N), T[j] the double nearest to the relative remainder) and exp(r) - 1 is
//   r + r^2 (C2 + r C3) + r^4 (C4 + r C5); the result is scale + scale * (T[j] + exp(r) - 1) with a
//   special path for |x| >= 512 (the exponent of scale would leave the normal range), which rounds
//   once more before scaling into the subnormal range.
//
// This file holds that table (T[j] and the bits of H[j] with j/N's integer contribution pre-removed),
// computed here at first use from exact integer arithmetic (no table is pasted in); exp_avx2.h and
// exp_avx512.h hold the vector code. The table is plain data built by baseline x86-64 code.
#pragma once

#include <cstdint>

namespace limeshap {

/// Number of table entries: 2^(j/kExpTableSize) for j in [0, kExpTableSize).
constexpr int kExpTableSize = 128;

/// The exp table. For j in [0, 128): 2^(j/128) ~= H * (1 + tail[j]) where H is the double nearest
/// to 2^(j/128) and tail[j] the double nearest to 2^(j/128)/H - 1; sbits[j] = bits(H) - (j << 45),
/// so that sbits[k % 128] + (k << 45) (64-bit wrap-around) are the bits of 2^(k/128) rounded, for
/// every integer k whose result is a normal double. Separate arrays so each can be gathered with a
/// scale of 8.
struct ExpTable {
  alignas(64) double tail[kExpTableSize];
  alignas(64) std::uint64_t sbits[kExpTableSize];
};

namespace exp_detail {
// Constants of glibc's exp (N = 128, polynomial order 5), shared by the vector implementations.
constexpr double kInvLn2N = 0x1.71547652b82fep0 * 128;
constexpr double kNegLn2HiN = -0x1.62e42fefa0000p-8;
constexpr double kNegLn2LoN = -0x1.cf79abc9e3b3ap-47;
constexpr double kShift = 0x1.8p52;
constexpr double kC2 = 0x1.ffffffffffdbdp-2;
constexpr double kC3 = 0x1.555555555543cp-3;
constexpr double kC4 = 0x1.55555cf172b91p-5;
constexpr double kC5 = 0x1.1111167a4d017p-7;
}  // namespace exp_detail

/// The table, built on first use (thread-safe: a function-local static). Hot loops should fetch the
/// pointer once and pass it to ExpAvx2(x, table) / ExpAvx512(x, table); the one-argument overloads
/// call this function (an out-of-line call) every time.
const ExpTable* GetExpTable();

/// The arguments of the run-time self-check of the vectorised exps (exp_avx2.h, exp_avx512.h):
/// kExpCheckCount values, uniform and log-spaced over [-800, 0], the underflow range, the 512 boundary,
/// +-0, tiny values, +-inf and NaN. Built once.
constexpr int kExpCheckCount = 4096;
const double* ExpCheckArguments();

/// True when y[i] equals this process's std::exp(x[i]) bit for bit for every i (NaN matches NaN).
bool ExpMatchesLibm(const double* x, const double* y, int n);

}  // namespace limeshap
