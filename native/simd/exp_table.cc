// SPDX-License-Identifier: MIT
// Builds the 2^(j/128) table of the glibc-compatible vector exp (see exp_table.h for what is
// reproduced and why). The entries must be the correctly rounded values glibc ships, so they are
// computed with exact integer fixed-point arithmetic (224 fraction bits), never with long double:
//   ln2 = sum_{n>=1} 2^-n / n, a = j ln2 / 128, t = exp(a) = sum a^n / n!  (error ~2^-215),
//   H = t rounded to 53 bits, tail = (t - H) / H rounded to 53 bits.
// Baseline x86-64 code; runs once (about 0.1 ms).
#include "simd/exp_table.h"

#include <array>
#include <cstdint>

#include <cmath>
#include <cstring>

namespace limeshap {
namespace {

// Unsigned fixed point: limb[0] is the integer part, limb[1..kLimbs-1] the fraction, most
// significant first, 32 bits each.
__extension__ typedef unsigned __int128 U128;  // GCC/Clang (the addon's x86-64 Linux targets)

constexpr int kLimbs = 8;
struct Fixed {
  std::uint32_t limb[kLimbs] = {};
};

Fixed FromInt(std::uint32_t v) {
  Fixed f;
  f.limb[0] = v;
  return f;
}

bool IsZero(const Fixed& a) {
  for (std::uint32_t l : a.limb) {
    if (l != 0) return false;
  }
  return true;
}

Fixed Add(const Fixed& a, const Fixed& b) {
  Fixed r;
  std::uint64_t carry = 0;
  for (int i = kLimbs - 1; i >= 0; --i) {
    std::uint64_t s = std::uint64_t{a.limb[i]} + b.limb[i] + carry;
    r.limb[i] = static_cast<std::uint32_t>(s);
    carry = s >> 32;
  }
  return r;
}

// a - b, requires a >= b.
Fixed Sub(const Fixed& a, const Fixed& b) {
  Fixed r;
  std::int64_t borrow = 0;
  for (int i = kLimbs - 1; i >= 0; --i) {
    std::int64_t s = std::int64_t{a.limb[i]} - b.limb[i] - borrow;
    borrow = s < 0 ? 1 : 0;
    r.limb[i] = static_cast<std::uint32_t>(s + (borrow << 32));
  }
  return r;
}

int Compare(const Fixed& a, const Fixed& b) {
  for (int i = 0; i < kLimbs; ++i) {
    if (a.limb[i] != b.limb[i]) return a.limb[i] < b.limb[i] ? -1 : 1;
  }
  return 0;
}

// Truncated product (the integer part must not overflow 32 bits).
Fixed Mul(const Fixed& a, const Fixed& b) {
  U128 acc[2 * kLimbs] = {};
  for (int i = 0; i < kLimbs; ++i) {
    for (int j = 0; j < kLimbs; ++j) acc[i + j] += std::uint64_t{a.limb[i]} * b.limb[j];
  }
  for (int p = 2 * kLimbs - 1; p > 0; --p) {
    acc[p - 1] += acc[p] >> 32;
    acc[p] &= 0xffffffffu;
  }
  Fixed r;
  for (int i = 0; i < kLimbs; ++i) r.limb[i] = static_cast<std::uint32_t>(acc[i]);
  return r;
}

Fixed MulSmall(const Fixed& a, std::uint32_t m) {
  Fixed r;
  std::uint64_t carry = 0;
  for (int i = kLimbs - 1; i >= 0; --i) {
    std::uint64_t s = std::uint64_t{a.limb[i]} * m + carry;
    r.limb[i] = static_cast<std::uint32_t>(s);
    carry = s >> 32;
  }
  return r;
}

// Truncated quotient by an integer below 2^64.
Fixed DivSmall(const Fixed& a, std::uint64_t d) {
  Fixed r;
  U128 rem = 0;
  for (int i = 0; i < kLimbs; ++i) {
    U128 cur = (rem << 32) | a.limb[i];
    r.limb[i] = static_cast<std::uint32_t>(cur / d);
    rem = cur % d;
  }
  return r;
}

// Bit `pos` of the fixed-point value, pos 0 = the most significant fraction bit (weight 2^-1).
int FracBit(const Fixed& a, int pos) {
  int limb = 1 + pos / 32;
  int shift = 31 - pos % 32;
  return (a.limb[limb] >> shift) & 1;
}

bool FracBitsNonZeroFrom(const Fixed& a, int pos) {
  for (int p = pos; p < (kLimbs - 1) * 32; ++p) {
    if (FracBit(a, p)) return true;
  }
  return false;
}

// Rounds a value in (0, 1) (fraction only) to the nearest double, ties to even.
double RoundFraction(const Fixed& a) {
  int lead = 0;
  while (!FracBit(a, lead)) ++lead;  // a != 0, so this stops
  std::uint64_t mant = 0;
  for (int p = lead; p < lead + 53; ++p) mant = (mant << 1) | static_cast<std::uint64_t>(FracBit(a, p));
  int round = FracBit(a, lead + 53);
  bool sticky = FracBitsNonZeroFrom(a, lead + 54);
  if (round && (sticky || (mant & 1))) ++mant;  // mant may become 2^53: still exact in a double
  // Value = mant * 2^-(lead + 53): exact (normal range, mant < 2^54).
  return std::ldexp(static_cast<double>(mant), -(lead + 53));
}

ExpTable BuildExpTable() {
  // ln2 = sum_{n>=1} 2^-n / n.
  Fixed ln2;
  Fixed pow2 = FromInt(1);
  for (int n = 1; n <= (kLimbs - 1) * 32 + 8; ++n) {
    pow2 = DivSmall(pow2, 2);
    ln2 = Add(ln2, DivSmall(pow2, static_cast<std::uint64_t>(n)));
  }
  ExpTable table;
  for (int j = 0; j < kExpTableSize; ++j) {
    Fixed a = DivSmall(MulSmall(ln2, static_cast<std::uint32_t>(j)), kExpTableSize);
    Fixed t = FromInt(1);
    Fixed term = FromInt(1);
    for (std::uint32_t n = 1; !IsZero(term); ++n) {
      term = DivSmall(Mul(term, a), n);
      t = Add(t, term);
    }
    // t in [1, 2): H = t rounded to 52 fraction bits, ties to even.
    std::uint64_t frac = 0;
    for (int p = 0; p < 52; ++p) frac = (frac << 1) | static_cast<std::uint64_t>(FracBit(t, p));
    int round = FracBit(t, 52);
    bool sticky = FracBitsNonZeroFrom(t, 53);
    if (round && (sticky || (frac & 1))) ++frac;  // t < 2^(127/128): never carries into 2
    const std::uint64_t h_bits = (std::uint64_t{1023} << 52) | frac;
    // H as fixed point: 1 + frac * 2^-52.
    Fixed h = FromInt(1);
    h.limb[1] = static_cast<std::uint32_t>(frac >> 20);
    h.limb[2] = static_cast<std::uint32_t>((frac & 0xfffff) << 12);
    // tail = (t - H) / H = (t - H) * 2^52 / M, M = 2^52 + frac (|t - H| <= 2^-53, so the shift fits).
    double tail = 0.0;
    const int cmp = Compare(t, h);
    if (cmp != 0) {
      Fixed d = cmp > 0 ? Sub(t, h) : Sub(h, t);
      for (int s = 0; s < 52; s += 26) d = MulSmall(d, 1u << 26);
      const Fixed q = DivSmall(d, (std::uint64_t{1} << 52) | frac);
      tail = RoundFraction(q);
      if (cmp < 0) tail = -tail;
    }
    table.tail[j] = tail;
    table.sbits[j] = h_bits - (static_cast<std::uint64_t>(j) << 45);
  }
  return table;
}

}  // namespace

const ExpTable* GetExpTable() {
  static const ExpTable table = BuildExpTable();
  return &table;
}

const double* ExpCheckArguments() {
  static const auto args = [] {
    std::array<double, kExpCheckCount> x{};
    const double specials[] = {0.0,
                               -0.0,
                               -0x1p-54,
                               -0x1p-55,
                               -0x1p-1074,
                               -512.0,
                               -0x1.fffffffffffffp8,
                               -708.3964185322641,
                               -745.1332191019411,
                               -745.1332191019412,
                               -746.0,
                               -1024.0,
                               -HUGE_VAL,
                               std::nan(""),
                               1.0,
                               700.0};
    constexpr int kSpecials = static_cast<int>(sizeof(specials) / sizeof(specials[0]));
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < kExpCheckCount; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const double u = static_cast<double>(state >> 11) * 0x1p-53;  // [0, 1)
      switch (i % 4) {
        case 0: x[i] = -800.0 * u; break;
        case 1: x[i] = -std::exp2(-60.0 + 69.6 * u); break;  // log-uniform down to -800
        case 2: x[i] = -700.0 - 50.0 * u; break;             // subnormal results, underflow
        default: x[i] = -40.0 * u; break;                    // typical quickshift arguments
      }
      if (i < kSpecials) x[i] = specials[i];
    }
    return x;
  }();
  return args.data();
}

bool ExpMatchesLibm(const double* x, const double* y, int n) {
  for (int i = 0; i < n; ++i) {
    const double ref = std::exp(x[i]);
    if (ref != ref && y[i] != y[i]) continue;  // both NaN
    std::uint64_t a, b;
    std::memcpy(&a, &ref, sizeof a);
    std::memcpy(&b, &y[i], sizeof b);
    if (a != b) return false;
  }
  return true;
}

}  // namespace limeshap
