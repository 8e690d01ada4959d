// SPDX-License-Identifier: MIT
// ExpFastAvx512: exp of 8 doubles x <= 0, within 4e-15 (relative) of libm's exp — not bit-identical.
//
// Why: quickshift's pair density pass (segment/quickshift.cc, PairDensity) only needs densities within a known
// bound, which it widens by this error; exp's share of that pass halves against the bit-exact
// ExpAvx512 (no double-double table rebuild, no special-case checks).
//
// Algorithm and error: x is clamped to >= -1100 (exp is then 0 after scaling either way), k = round(x ·
// 16/ln2), r = x - k·ln2/16 with ln2/16 split in a 36-bit hi part (k·hi is exact for |k| < 2^17) and a
// lo part, so |r| <= ln2/32 · (1 + 2^-40). exp(x) = 2^(k/16) · e^r = 2^floor(k/16) · T[k mod 16] · e^r
// with T[j] the double nearest 2^(j/16) (relative error <= 2^-53) and e^r by its degree-6 Taylor
// polynomial (truncation <= e^|r| · |r|^7 / 7! < 4.5e-16 relative), evaluated by Horner (|r| < 0.022,
// so each step's rounding adds <= 1.1 ulp of a value near 1: < 8e-16 in all), one product (<= 1.1e-16),
// and an exact scaling (_mm512_scalef_pd) for normal results. Total < 1.5e-15 relative to e^x, plus
// libm's own <= 0.52 ulp: kQsExpRelError = 4e-15 leaves a factor 2.5. Results below 2^-1022
// (x < -708) lose relative precision but are < 2.3e-308 in absolute value, far below any density bound.
// test/segment/quickshift-fast.test.ts measures the largest relative difference against libm (through
// QsPairExpAvx512, quickshift_avx512.cc).
//
// Only include this header from a translation unit compiled with -mavx512f -mavx512dq.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "simd/exp_table.h"

namespace limeshap {

/// The two registers of 2^(j/16): entry 8j of ExpTable is H = the double nearest 2^(8j/128).
inline void ExpFastTableAvx512(const ExpTable* table, __m512d& t0, __m512d& t1) {
  alignas(64) double t[16];
  for (int j = 0; j < 16; ++j) {
    const std::uint64_t bits = table->sbits[8 * j] + (static_cast<std::uint64_t>(8 * j) << 45);
    std::memcpy(&t[j], &bits, sizeof bits);
  }
  t0 = _mm512_load_pd(t);
  t1 = _mm512_load_pd(t + 8);
}

/// exp(x) lane by lane for x <= 0 (see above). t0, t1: 2^(j/16) rounded to nearest, j in [0, 8) and
/// [8, 16) (ExpFastTableAvx512 makes them from exp_table.h's entries 8j).
inline __m512d ExpFastAvx512(__m512d x, const __m512d& t0, const __m512d& t1) {
  constexpr double kInvLn2x16 = 0x1.71547652b82fep0 * 16;
  constexpr double kNegLn2Hi = -0x1.62e42fefa0000p-5;  // ln2/16, 36 significant bits
  constexpr double kNegLn2Lo = -0x1.cf79abc9e3b3ap-44;
  x = _mm512_maskz_max_pd(0xff, x, _mm512_set1_pd(-1100.0));  // maskz forms: GCC bug 105593
  const __m512d k = _mm512_maskz_roundscale_pd(0xff, _mm512_mul_pd(x, _mm512_set1_pd(kInvLn2x16)),
                                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512d r = _mm512_fmadd_pd(k, _mm512_set1_pd(kNegLn2Hi), x);
  r = _mm512_fmadd_pd(k, _mm512_set1_pd(kNegLn2Lo), r);
  // permutex2var reads the low 4 bits of each index: k mod 16, also for negative k (two's complement).
  const __m512i j = _mm512_maskz_cvtpd_epi64(0xff, k);  // maskz: GCC bug 105593
  const __m512d tj = _mm512_permutex2var_pd(t0, j, t1);
  __m512d poly = _mm512_set1_pd(1.0 / 720);
  poly = _mm512_fmadd_pd(poly, r, _mm512_set1_pd(1.0 / 120));
  poly = _mm512_fmadd_pd(poly, r, _mm512_set1_pd(1.0 / 24));
  poly = _mm512_fmadd_pd(poly, r, _mm512_set1_pd(1.0 / 6));
  poly = _mm512_fmadd_pd(poly, r, _mm512_set1_pd(0.5));
  poly = _mm512_fmadd_pd(poly, r, _mm512_set1_pd(1.0));
  poly = _mm512_fmadd_pd(poly, r, _mm512_set1_pd(1.0));
  const __m512d e = _mm512_maskz_roundscale_pd(0xff, _mm512_mul_pd(k, _mm512_set1_pd(1.0 / 16)),
                                               _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  return _mm512_maskz_scalef_pd(0xff, _mm512_mul_pd(tj, poly), e);
}

}  // namespace limeshap
