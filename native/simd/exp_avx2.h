// SPDX-License-Identifier: MIT
// ExpAvx2: exp of 4 doubles, bit-identical to glibc's exp(double) (glibc >= 2.28 on x86-64 with FMA,
// i.e. the __exp_fma variant glibc's ifunc picks on any CPU with AVX2+FMA), for every input including
// subnormal results, underflow to 0, +-0, tiny |x| < 2^-54, |x| >= 1024, +-inf and NaN.
//
// Why: quickshift's density is a sum of exp terms and scikit-image (the reference) evaluates them
// with libm's exp; the SIMD kernels must give the same densities as the scalar path (which calls
// std::exp), so "accurate" is not enough, the bits must be the same. See exp_table.h for the
// algorithm. Which operations are fused matters; glibc's __exp_fma (gcc -mfma -mavx2, contraction
// on) computes, verified against its disassembly and over 2e8+ random inputs:
//   kd = fma(x, N/ln2, 0x1.8p52)            (the product is fused into the rounding shift)
//   r  = fma(k, -ln2lo/N, fma(k, -ln2hi/N, x))
//   tmp = fma(r2*r2, fma(r, C5, C4), fma(r2, fma(r, C3, C2), tail + r))   (r2 = r*r, r4 = r2*r2 rounded)
//   result = fma(scale, tmp, scale)
// and in the |x| >= 512, x < 0 special case the product scale*tmp is rounded once and reused (not
// fused) in both y = scale + scale*tmp and lo = (scale - y) + scale*tmp; for x >= 512 it is fused.
//
// Only include this header from a translation unit compiled with -mavx2 -mfma. The table comes from
// GetExpTable(); pass it in hot loops (ExpAvx2(x, table)), the one-argument form fetches it per call.
//
// Matching glibc is a property of the process's libm, not of this code: call ExpAvx2MatchesLibm() once
// before choosing this path over std::exp (false on older glibc, musl or another libm).
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "simd/exp_table.h"

namespace limeshap {

namespace exp_avx2_detail {

// Lanes that are not on the fast path: |x| >= 512, |x| < 2^-54 (incl. 0 and subnormals), inf, NaN.
// tmp, sbits are the fast-path intermediates for every lane.
inline __m256d ExpAvx2Special(__m256d x, __m256d tmp, __m256i sbits) {
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d zero = _mm256_setzero_pd();
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  const __m256d ax = _mm256_and_pd(x, abs_mask);
  const __m256d neg = _mm256_cmp_pd(x, zero, _CMP_LT_OQ);

  // |x| in [512, 1024), x < 0: result may be subnormal; round before scaling by 2^-1022.
  const __m256d scale_n =
      _mm256_castsi256_pd(_mm256_add_epi64(sbits, _mm256_set1_epi64x(static_cast<long long>(1022ULL << 52))));
  const __m256d prod = _mm256_mul_pd(scale_n, tmp);
  __m256d y = _mm256_add_pd(scale_n, prod);
  {
    const __m256d hi = _mm256_add_pd(one, y);
    __m256d lo = _mm256_add_pd(_mm256_sub_pd(scale_n, y), prod);
    lo = _mm256_add_pd(_mm256_add_pd(_mm256_sub_pd(one, hi), y), lo);
    __m256d ys = _mm256_sub_pd(_mm256_add_pd(hi, lo), one);
    ys = _mm256_andnot_pd(_mm256_cmp_pd(ys, zero, _CMP_EQ_OQ), ys);  // no -0.0
    y = _mm256_blendv_pd(y, ys, _mm256_cmp_pd(y, one, _CMP_LT_OQ));
  }
  const __m256d res_neg = _mm256_mul_pd(y, _mm256_set1_pd(0x1p-1022));
  // |x| in [512, 1024), x > 0: may overflow.
  const __m256d scale_p =
      _mm256_castsi256_pd(_mm256_sub_epi64(sbits, _mm256_set1_epi64x(static_cast<long long>(1009ULL << 52))));
  const __m256d res_pos = _mm256_mul_pd(_mm256_fmadd_pd(scale_p, tmp, scale_p), _mm256_set1_pd(0x1p1009));

  __m256d res = _mm256_blendv_pd(res_pos, res_neg, neg);
  // |x| >= 1024 (and +-inf): 0 or +inf.
  const __m256d huge = _mm256_cmp_pd(ax, _mm256_set1_pd(1024.0), _CMP_GE_OQ);
  res = _mm256_blendv_pd(res, zero, _mm256_and_pd(neg, huge));
  res = _mm256_blendv_pd(res, _mm256_andnot_pd(neg, _mm256_set1_pd(__builtin_inf())), _mm256_andnot_pd(neg, huge));
  // |x| < 2^-54 or NaN: 1 + x.
  const __m256d tiny = _mm256_cmp_pd(ax, _mm256_set1_pd(0x1p-54), _CMP_NGE_UQ);
  res = _mm256_blendv_pd(res, _mm256_add_pd(one, x), tiny);
  // Fast lanes keep the fast result.
  return res;
}

}  // namespace exp_avx2_detail

/// exp of each lane, bit-identical to glibc's exp. `table` = GetExpTable().
inline __m256d ExpAvx2(__m256d x, const ExpTable* table) {
  using namespace exp_detail;
  const __m256d shift = _mm256_set1_pd(kShift);
  const __m256d kd_shifted = _mm256_fmadd_pd(x, _mm256_set1_pd(kInvLn2N), shift);
  const __m256i ki = _mm256_castpd_si256(kd_shifted);
  const __m256d kd = _mm256_sub_pd(kd_shifted, shift);
  __m256d r = _mm256_fmadd_pd(kd, _mm256_set1_pd(kNegLn2HiN), x);
  r = _mm256_fmadd_pd(kd, _mm256_set1_pd(kNegLn2LoN), r);
  const __m256i idx = _mm256_and_si256(ki, _mm256_set1_epi64x(kExpTableSize - 1));
  const __m256d tail = _mm256_i64gather_pd(table->tail, idx, 8);
  const __m256i sbits = _mm256_add_epi64(
      _mm256_i64gather_epi64(reinterpret_cast<const long long*>(table->sbits), idx, 8), _mm256_slli_epi64(ki, 45));
  const __m256d r2 = _mm256_mul_pd(r, r);
  const __m256d p23 = _mm256_fmadd_pd(r, _mm256_set1_pd(kC3), _mm256_set1_pd(kC2));
  const __m256d p45 = _mm256_fmadd_pd(r, _mm256_set1_pd(kC5), _mm256_set1_pd(kC4));
  __m256d tmp = _mm256_fmadd_pd(r2, p23, _mm256_add_pd(tail, r));
  tmp = _mm256_fmadd_pd(_mm256_mul_pd(r2, r2), p45, tmp);
  const __m256d scale = _mm256_castsi256_pd(sbits);
  const __m256d res = _mm256_fmadd_pd(scale, tmp, scale);

  // Fast path iff 2^-54 <= |x| < 512 (false for NaN).
  const __m256d ax = _mm256_and_pd(x, _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL)));
  const __m256d fast = _mm256_and_pd(_mm256_cmp_pd(ax, _mm256_set1_pd(512.0), _CMP_LT_OQ),
                                     _mm256_cmp_pd(ax, _mm256_set1_pd(0x1p-54), _CMP_GE_OQ));
  if (__builtin_expect(_mm256_movemask_pd(fast) == 0xf, 1)) return res;
  // glibc returns exactly +0 for x <= -746 (and -inf); a cheap exit when those are the only others.
  const __m256d zero_lanes = _mm256_cmp_pd(x, _mm256_set1_pd(-746.0), _CMP_LE_OQ);
  if (_mm256_movemask_pd(_mm256_or_pd(fast, zero_lanes)) == 0xf) return _mm256_andnot_pd(zero_lanes, res);
  return _mm256_blendv_pd(exp_avx2_detail::ExpAvx2Special(x, tmp, sbits), res, fast);
}

/// Same, fetching the table itself (an out-of-line call per use: prefer the two-argument form).
inline __m256d ExpAvx2(__m256d x) { return ExpAvx2(x, GetExpTable()); }

/// Run-time guard: true when ExpAvx2 agrees bit for bit with this process's std::exp on a fixed set of
/// ~4000 arguments (uniform and log-spaced over [-800, 0], the underflow range, the 512 boundary,
/// +-0, tiny values, +-inf, NaN). It can be false where libm is not glibc >= 2.28's FMA exp (older
/// glibc, musl, another libm): callers should then keep the scalar std::exp path. About 20 us.
inline bool ExpAvx2MatchesLibm() {
  const ExpTable* table = GetExpTable();
  const double* x = ExpCheckArguments();
  alignas(64) double y[kExpCheckCount];
  for (int i = 0; i < kExpCheckCount; i += 4) _mm256_storeu_pd(y + i, ExpAvx2(_mm256_loadu_pd(x + i), table));
  return ExpMatchesLibm(x, y, kExpCheckCount);
}

}  // namespace limeshap
