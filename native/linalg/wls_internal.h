// SPDX-License-Identifier: MIT
// Internal to the least-squares files (linalg/*.cc, shap/kernel_shap.cc; not a public API): argument
// checks, 4-lane vectors with a fixed summation order, the blocked AᵀA kernel and the Gram builder
// GramOf that every estimator's normal matrix goes through.
//
// Everything here lives in an anonymous namespace: gram_avx2.cc includes this header compiled with
// -mavx2, and a shared inline function's AVX2 copy could otherwise be the one the linker keeps for the
// scalar callers (segment/quickshift_simd.h has the same rule).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/thread_pool.h"

namespace limeshap {

// The AᵀA block-row kernel: one per SIMD level (gram.cc, gram_avx2.cc), picked by PickGramBlockRow()
// from simd/cpu.h's ActiveSimd(). Same operations in the same order at every level.
using GramBlockRowFn = void (*)(const double* P, size_t ld, size_t len, size_t Rp, size_t j0, double* G);
void GramBlockRowScalar(const double* P, size_t ld, size_t len, size_t Rp, size_t j0, double* G);
void GramBlockRowAvx2(const double* P, size_t ld, size_t len, size_t Rp, size_t j0, double* G);
GramBlockRowFn PickGramBlockRow();

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr size_t kChunk = 256;  // samples per panel: 300 columns x 256 x 8 B = 600 KB, L2-sized

inline void Require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("limeshap wls: ") + what);
}

inline void CheckWeights(const double* w, size_t n) {
  if (!w) return;
  for (size_t i = 0; i < n; ++i)
    if (!(w[i] >= 0) || !std::isfinite(w[i]))
      throw std::invalid_argument("limeshap wls: weights must be finite and >= 0");
}

inline std::vector<int32_t> ResolveColumns(const int32_t* cols, size_t numCols, size_t m) {
  std::vector<int32_t> out;
  if (!cols) {
    out.resize(m);
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  out.assign(cols, cols + numCols);
  for (int32_t c : out) Require(c >= 0 && static_cast<size_t>(c) < m, "column index out of range");
  return out;
}

// ---- 4-lane vectors ----------------------------------------------------------------------------
// GCC/Clang vector extensions: portable (SSE2 splits them in two, AVX2 uses one ymm) and, unlike a
// plain loop, the lane structure of each reduction is explicit, so no -ffast-math is needed to
// vectorise and the summation order is fixed.
#if defined(__GNUC__)
// The helpers are always inlined, so no 32-byte vector crosses a call boundary (-Wpsabi is about
// that ABI only) and the AVX2 clone gets them compiled for AVX2.
#pragma GCC diagnostic ignored "-Wpsabi"
#define LIMESHAP_INLINE inline __attribute__((always_inline))
typedef double V4 __attribute__((vector_size(32)));
LIMESHAP_INLINE V4 Load4(const double* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
LIMESHAP_INLINE V4 Zero4() { return V4{0, 0, 0, 0}; }
LIMESHAP_INLINE double Sum4(const V4& v) { return (v[0] + v[1]) + (v[2] + v[3]); }
#else
#define LIMESHAP_INLINE inline
struct V4 {
  double v[4];
  double& operator[](int i) { return v[i]; }
  double operator[](int i) const { return v[i]; }
};
inline V4 Load4(const double* p) {
  V4 r;
  std::memcpy(r.v, p, sizeof r.v);
  return r;
}
inline V4 Zero4() { return V4{{0, 0, 0, 0}}; }
inline V4 operator*(V4 a, V4 b) { return V4{{a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]}}; }
inline V4& operator+=(V4& a, V4 b) {
  for (int i = 0; i < 4; ++i) a.v[i] += b[i];
  return a;
}
inline double Sum4(V4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }
#endif

// Dot product with 4 lanes (fixed order); used by the triangular solves and predictions.
inline double Dot(const double* a, const double* b, size_t len) {
  V4 acc = Zero4();
  size_t i = 0;
  for (; i + 4 <= len; i += 4) acc += Load4(a + i) * Load4(b + i);
  double s = Sum4(acc);
  for (; i < len; ++i) s += a[i] * b[i];
  return s;
}

// ---- the blocked AᵀA kernel ---------------------------------------------------------------------
// P: panel, Rp rows (columns of A, Rp a multiple of 4) of `ld` doubles, `len` (multiple of 4) used.
// Accumulates the 4-row block j0..j0+3 of the upper triangle of G (Rp x Rp) for columns k0 >= j0.
// TJ x TK is the register tile; any shape gives the same arithmetic per entry.
template <int TJ, int TK>
LIMESHAP_INLINE void GramBlockRowT(const double* P, size_t ld, size_t len, size_t Rp, size_t j0, double* G) {
  for (size_t jj = j0; jj < j0 + 4; jj += TJ) {
    for (size_t k0 = j0; k0 < Rp; k0 += TK) {
      if (k0 + TK <= jj) continue;  // tile entirely below the diagonal
      V4 acc[TJ][TK];
      for (int a = 0; a < TJ; ++a)
        for (int b = 0; b < TK; ++b) acc[a][b] = Zero4();
      const double* x[TJ];
      const double* y[TK];
      for (int a = 0; a < TJ; ++a) x[a] = P + (jj + a) * ld;
      for (int b = 0; b < TK; ++b) y[b] = P + (k0 + b) * ld;
      for (size_t i = 0; i < len; i += 4) {
        V4 xv[TJ];
        for (int a = 0; a < TJ; ++a) xv[a] = Load4(x[a] + i);
        for (int b = 0; b < TK; ++b) {
          V4 yv = Load4(y[b] + i);
          for (int a = 0; a < TJ; ++a) acc[a][b] += xv[a] * yv;
        }
      }
      for (int a = 0; a < TJ; ++a)
        for (int b = 0; b < TK; ++b) G[(jj + a) * Rp + k0 + b] += Sum4(acc[a][b]);
    }
  }
}

// Aligned scratch buffer.
struct Buffer {
  std::unique_ptr<double[]> raw;
  double* data = nullptr;
  explicit Buffer(size_t count) : raw(new double[count + 8]) {
    auto addr = reinterpret_cast<uintptr_t>(raw.get());
    data = raw.get() + ((64 - addr % 64) % 64) / sizeof(double);
    std::fill(data, data + count, 0.0);
  }
};

// G (R x R, both triangles) = AᵀA where fill(i0, i1, panel, ld) writes A[i, r] to panel[r*ld + i-i0]
// for i in [i0, i1), r < R (rows r >= R and columns >= i1-i0 stay zero).
template <class Fill>
inline std::vector<double> GramOf(size_t n, size_t R, Fill&& fill) {
  const size_t Rp = (R + 3) & ~size_t(3);
  std::vector<double> Gp(Rp * Rp, 0.0);
  if (R == 0) return {};
  const size_t ld = kChunk;
  Buffer panel(Rp * ld);
  const GramBlockRowFn blockRow = PickGramBlockRow();
  const size_t nBlocks = Rp / 4;
  // Small problems: the pool's hand-off costs more than it saves.
  const bool parallel = PoolThreads() > 1 && static_cast<double>(n) * Rp * Rp > 4e6;
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const size_t i1 = std::min(n, i0 + kChunk);
    const size_t len = ((i1 - i0) + 3) & ~size_t(3);
    if (i1 - i0 < kChunk) std::fill(panel.data, panel.data + Rp * ld, 0.0);
    fill(i0, i1, panel.data, ld);
    const double* P = panel.data;
    double* G = Gp.data();
    auto run = [&](size_t b0, size_t b1) {
      for (size_t b = b0; b < b1; ++b) blockRow(P, ld, len, Rp, 4 * b, G);
    };
    if (parallel)
      ParallelFor(0, nBlocks, 1, run);
    else
      run(0, nBlocks);
  }
  std::vector<double> out(R * R);
  for (size_t j = 0; j < R; ++j)
    for (size_t k = j; k < R; ++k) out[j * R + k] = out[k * R + j] = Gp[j * Rp + k];
  return out;
}

}  // namespace
}  // namespace limeshap
