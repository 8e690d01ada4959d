// SPDX-License-Identifier: MIT
// numpy's default_rng(seed).normal(...) bit for bit; see numpy_random.h for why this exists.
//
// Written from the published descriptions of the algorithms (numpy's SeedSequence documentation,
// O'Neill's PCG paper, Marsaglia & Tsang's ziggurat). The ziggurat tables are computed here, not
// copied; the comment above BuildZigguratTables says exactly what numpy's tables are.
#include "util/numpy_random.h"

#include <cmath>
#include <limits>

#if defined(_MSC_VER) && defined(_M_X64)
#include <intrin.h>
#endif

namespace limeshap {
namespace {

static_assert(std::numeric_limits<double>::is_iec559, "IEEE-754 double required for bit-exact output");
#if defined(__FAST_MATH__)
#error "numpy_random.cc needs exact IEEE semantics (double-double sums, signed zeros): no -ffast-math"
#endif

// ---------------------------------------------------------------------------------------------
// SeedSequence (numpy.random.SeedSequence with no spawn key, pool_size 4)

constexpr uint32_t kInitA = 0x43b0d7e5u;
constexpr uint32_t kMultA = 0x931e8875u;
constexpr uint32_t kInitB = 0x8b51f9ddu;
constexpr uint32_t kMultB = 0x58f38dedu;
constexpr uint32_t kMixMultL = 0xca01f9ddu;
constexpr uint32_t kMixMultR = 0x4973f715u;
constexpr int kXShift = 16;  // half the word size
constexpr int kPoolSize = 4;

// The multiplier advances on every call, so the same input hashes differently each time.
uint32_t HashMix(uint32_t value, uint32_t* hash_const) {
  value ^= *hash_const;
  *hash_const *= kMultA;
  value *= *hash_const;
  value ^= value >> kXShift;
  return value;
}

uint32_t Mix(uint32_t x, uint32_t y) {
  uint32_t result = kMixMultL * x - kMixMultR * y;
  result ^= result >> kXShift;
  return result;
}

// SeedSequence(seed).generate_state(4, uint64): the 256 bits that seed PCG64.
void SeedSequenceState(uint64_t seed, uint64_t out[4]) {
  // numpy turns a Python int into its uint32 words, least significant first; 0 is one zero word
  // (not an empty list), and a seed below 2^32 is one word, not two.
  uint32_t entropy[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  const int n_entropy = (seed >> 32) != 0 ? 2 : 1;

  uint32_t pool[kPoolSize];
  uint32_t hash_const = kInitA;
  for (int i = 0; i < kPoolSize; ++i) pool[i] = HashMix(i < n_entropy ? entropy[i] : 0u, &hash_const);
  // Let every pool word influence every other one. (Entropy longer than the pool would be folded
  // in afterwards; a 64-bit seed never is.)
  for (int src = 0; src < kPoolSize; ++src) {
    for (int dst = 0; dst < kPoolSize; ++dst) {
      if (src != dst) pool[dst] = Mix(pool[dst], HashMix(pool[src], &hash_const));
    }
  }

  // generate_state cycles over the pool, 8 uint32 words for 4 uint64s, viewed little-endian.
  uint32_t words[8];
  hash_const = kInitB;
  for (int i = 0; i < 8; ++i) {
    uint32_t v = pool[i % kPoolSize];
    v ^= hash_const;
    hash_const *= kMultB;
    v *= hash_const;
    v ^= v >> kXShift;
    words[i] = v;
  }
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<uint64_t>(words[2 * i]) | (static_cast<uint64_t>(words[2 * i + 1]) << 32);
}

// ---------------------------------------------------------------------------------------------
// 128-bit arithmetic for PCG64, as (high, low) halves.

void Mul64(uint64_t a, uint64_t b, uint64_t* hi, uint64_t* lo) {
#if defined(__SIZEOF_INT128__)
  __extension__ typedef unsigned __int128 U128;  // __extension__: no -Wpedantic noise
  const U128 p = static_cast<U128>(a) * b;
  *hi = static_cast<uint64_t>(p >> 64);
  *lo = static_cast<uint64_t>(p);
#elif defined(_MSC_VER) && defined(_M_X64)
  *lo = _umul128(a, b, hi);
#else
  const uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
  const uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  *lo = (mid << 32) | (p00 & 0xffffffffu);
  *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

// PCG's default 128-bit LCG multiplier.
constexpr uint64_t kPcgMultHi = 0x2360ed051fc65da4ull;
constexpr uint64_t kPcgMultLo = 0x4385df649fccf645ull;

// ---------------------------------------------------------------------------------------------
// Ziggurat tables.
//
// numpy draws a normal from one 64-bit word: 8 bits pick a layer idx, 1 bit the sign, 52 bits an
// integer rabs. Layer i >= 1 is the rectangle [0, x_i] x [f(x_i), f(x_{i-1})] of the density
// f(x) = exp(-x^2/2), where x_255 = r > ... > x_1 > x_0 = 0 and every layer has the same area v:
//   x_i * (f(x_{i-1}) - f(x_i)) = v,  i.e.  x_{i-1} = sqrt(-2 ln(f(x_i) + v / x_i)).
// Layer 0 is the base strip [0, r] x [0, f(r)] plus the tail beyond r, also of area v.
//   wi[i] = x_i / 2^52                 (so rabs * wi[i] is uniform on [0, x_i))
//   ki[i] = round(2^52 * x_{i-1}/x_i)  (rabs below it: the point is under f, accept at once)
//   fi[i] = f(x_i)                     (for the wedge test)
// and for the base strip wi[0] = (v / f(r)) / 2^52, ki[0] = round(2^52 * r f(r) / v), fi[0] = 1.
//
// To be bit-identical with numpy these must be numpy's tables to the last bit, and numpy's were
// produced by a specific float64 computation, so that is what we evaluate:
//   * r = 3.6541528853610088 and v = 0.0049286732339746519 (numpy's generator constant; the exact
//     area r f(r) + sqrt(pi/2) erfc(r/sqrt(2)) = 0.00492867323397465494 is ~3 ulp larger and gives
//     different tables, as does carrying the recurrence in higher precision: rounding errors are
//     amplified ~1/x^2 going up, so the top layers depend on every intermediate rounding);
//   * the recurrence from x_255 = r down to x_1 in float64: -0.5*x*x, exp, v/x, +, log, -2*,
//     sqrt, each rounded to float64, with exp and log correctly rounded;
//   * ki rounded half-to-even from the float64 ratio x_{i-1}/x_i times 2^52.
// One value in numpy's tables is not a correctly rounded exp: f(x_38) is one ulp above
// RN(exp(-0.5*x_38*x_38)) (the exact value lies 0.396 ulp above the correctly rounded one and
// 0.604 ulp below numpy's: the generating libm's exp erred there). It feeds fi[38] and the whole
// recurrence above layer 38 (x_37 ... x_1), so we reproduce it explicitly (kNumpyExpErratumLayer).
// With it every entry of all three tables equals numpy's; without it 38 fi, 37 wi and 17 ki
// entries differ and about 14% of the normals drawn come out different.
//
// exp and log are evaluated in double-double (~100 bits) and rounded once, so the tables do not
// depend on the platform's libm; the closest of the ~510 exact results to a float64 rounding
// boundary is 0.0014 ulp away, far more than double-double's error.

constexpr int kLayers = 256;
constexpr double kZigR = 3.6541528853610088;      // x_255, where the tail starts
constexpr double kZigInvR = 0.27366123732975828;  // 1 / r, rounded as numpy has it
constexpr double kZigV = 0.0049286732339746519;   // area of every layer, numpy's constant
constexpr int kNumpyExpErratumLayer = 38;
constexpr double kTwo52 = 4503599627370496.0;  // 2^52: rabs has 52 bits

struct ZigguratTables {
  uint64_t ki[kLayers];
  double wi[kLayers];
  double fi[kLayers];
};

// Double-double: value = hi + lo with |lo| <= ulp(hi) / 2.
struct DD {
  double hi, lo;
};

DD TwoSum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

DD QuickTwoSum(double a, double b) {  // needs |a| >= |b|
  const double s = a + b;
  return {s, b - (s - a)};
}

DD TwoProd(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};  // explicit fma: exact product error on any target
}

DD Add(DD a, DD b) {
  DD s = TwoSum(a.hi, b.hi);
  const DD t = TwoSum(a.lo, b.lo);
  s.lo += t.hi;
  s = QuickTwoSum(s.hi, s.lo);
  s.lo += t.lo;
  return QuickTwoSum(s.hi, s.lo);
}

DD Mul(DD a, DD b) {
  DD p = TwoProd(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return QuickTwoSum(p.hi, p.lo);
}

DD DivSmallInt(DD a, double n) {
  const double q1 = a.hi / n;
  const DD back = TwoProd(q1, n);
  const double rem = ((a.hi - back.hi) - back.lo) + a.lo;
  return QuickTwoSum(q1, rem / n);
}

// exp(a) for a double a in about [-60, 60], as a double-double accurate to ~2^-100 relative.
DD ExpDD(double a) {
  // ln 2 = kLn2Hi + kLn2Lo to ~2^-106.
  constexpr double kLn2Hi = 0x1.62e42fefa39efp-1;
  constexpr double kLn2Lo = 0x1.abc9e3b39803fp-56;
  const double k = std::nearbyint(a / kLn2Hi);
  // r = a - k ln2 exactly enough: |r| <= ~0.35.
  DD r = Add({a, 0.0}, Mul({-k, 0.0}, {kLn2Hi, kLn2Lo}));
  // Taylor series in Horner form, 1 + r(1 + r/2(1 + r/3(...))); 0.35^28/28! < 2^-110.
  DD acc = {1.0, 0.0};
  for (int n = 27; n >= 1; --n) acc = Add({1.0, 0.0}, DivSmallInt(Mul(r, acc), n));
  const int e = static_cast<int>(k);
  return {std::ldexp(acc.hi, e), std::ldexp(acc.lo, e)};
}

// Correctly rounded float64 exp / log (for the table arguments; see above).
double ExpRN(double a) {
  const DD e = ExpDD(a);
  return e.hi + e.lo;  // the one float64 rounding of the double-double value
}

double LogRN(double s) {
  // One Newton step on exp from libm's estimate y0: log s = y0 + log1p(t) with t = s e^-y0 - 1,
  // |t| ~ 2^-52, so y0 + t - t^2/2 is exact to ~2^-150.
  const double y0 = std::log(s);
  const DD t = Add(Mul({s, 0.0}, ExpDD(-y0)), {-1.0, 0.0});
  const DD y = Add({y0, 0.0}, Add(t, {-0.5 * t.hi * t.hi, 0.0}));
  return y.hi + y.lo;
}

double Pdf(double x) { return ExpRN(-0.5 * x * x); }

ZigguratTables BuildZigguratTables() {
  ZigguratTables t;
  double x[kLayers];
  double f[kLayers];
  x[kLayers - 1] = kZigR;
  f[kLayers - 1] = Pdf(kZigR);
  for (int i = kLayers - 2; i >= 1; --i) {
    x[i] = std::sqrt(-2.0 * LogRN(f[i + 1] + kZigV / x[i + 1]));
    f[i] = Pdf(x[i]);
    if (i == kNumpyExpErratumLayer) f[i] = std::nextafter(f[i], 2.0);
  }
  x[0] = 0.0;
  f[0] = 1.0;

  for (int i = 0; i < kLayers; ++i) {
    t.wi[i] = x[i] / kTwo52;
    t.fi[i] = f[i];
  }
  t.wi[0] = kZigV / f[kLayers - 1] / kTwo52;
  // nearbyint: round half to even, as numpy.round (the default rounding mode is assumed).
  t.ki[0] = static_cast<uint64_t>(std::nearbyint(kZigR * f[kLayers - 1] / kZigV * kTwo52));
  for (int i = 1; i < kLayers; ++i) t.ki[i] = static_cast<uint64_t>(std::nearbyint(x[i - 1] / x[i] * kTwo52));
  return t;
}

const ZigguratTables& Tables() {
  static const ZigguratTables tables = BuildZigguratTables();  // built once; thread-safe init
  return tables;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// PCG64

Pcg64::Pcg64(uint64_t seed) {
  uint64_t s[4];
  SeedSequenceState(seed, s);
  // numpy: initstate = s[0] << 64 | s[1], initseq = s[2] << 64 | s[3]; then pcg's setseq srandom:
  // state = 0, inc = initseq << 1 | 1, step, state += initstate, step.
  inc_hi_ = (s[2] << 1) | (s[3] >> 63);
  inc_lo_ = (s[3] << 1) | 1u;
  state_hi_ = 0;
  state_lo_ = 0;
  NextU64();
  const uint64_t lo = state_lo_ + s[1];
  state_hi_ += s[0] + (lo < state_lo_ ? 1 : 0);
  state_lo_ = lo;
  NextU64();
}

uint64_t Pcg64::NextU64() {
  // Advance first, then output from the new state (XSL-RR: xor the halves, rotate by the top 6 bits).
  uint64_t hi, lo;
  Mul64(state_lo_, kPcgMultLo, &hi, &lo);
  hi += state_hi_ * kPcgMultLo + state_lo_ * kPcgMultHi;
  const uint64_t new_lo = lo + inc_lo_;
  state_hi_ = hi + inc_hi_ + (new_lo < lo ? 1 : 0);
  state_lo_ = new_lo;

  const uint64_t x = state_hi_ ^ state_lo_;
  const unsigned rot = static_cast<unsigned>(state_hi_ >> 58);
  return (x >> rot) | (x << ((64u - rot) & 63u));
}

double Pcg64::NextDouble() { return static_cast<double>(NextU64() >> 11) * (1.0 / 9007199254740992.0); }

double Pcg64::StandardNormal() {
  const ZigguratTables& t = Tables();
  for (;;) {
    uint64_t r = NextU64();
    const int idx = static_cast<int>(r & 0xff);
    r >>= 8;
    const bool negative = (r & 1) != 0;
    const uint64_t rabs = (r >> 1) & 0x000fffffffffffffull;
    double x = static_cast<double>(rabs) * t.wi[idx];
    if (negative) x = -x;
    if (rabs < t.ki[idx]) return x;  // inside the layer's rectangle: ~99% of draws
    if (idx == 0) {
      // Tail beyond r (Marsaglia's method). numpy uses log1p(-U) = log(1 - U) so U = 0 is safe;
      // the sign comes from bit 8 of rabs, not from the sign bit.
      for (;;) {
        const double xx = -kZigInvR * std::log1p(-NextDouble());
        const double yy = -std::log1p(-NextDouble());
        if (yy + yy > xx * xx) return ((rabs >> 8) & 1) ? -(kZigR + xx) : kZigR + xx;
      }
    }
    // Wedge: accept if a uniform height in [f(x_i), f(x_{i-1})] falls under the curve.
    if ((t.fi[idx - 1] - t.fi[idx]) * NextDouble() + t.fi[idx] < std::exp(-0.5 * x * x)) return x;
  }
}

void NumpyNormal(uint64_t seed, double scale, double* out, size_t n) {
  Pcg64 rng(seed);
  // numpy computes loc + scale * z with loc = 0.0; the addition matters for z = -0.0 (rabs 0 with
  // the sign bit set), where 0.0 + -0.0 gives +0.0.
  const double loc = 0.0;
  for (size_t i = 0; i < n; ++i) out[i] = loc + scale * rng.StandardNormal();
}

}  // namespace limeshap
