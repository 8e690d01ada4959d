// SPDX-License-Identifier: MIT
// ExpAvx512: exp of 8 doubles, bit-identical to glibc's exp(double) (glibc >= 2.28 on x86-64 with
// FMA: the __exp_fma variant), for every input including subnormal results, underflow to 0, +-0,
// tiny |x| < 2^-54, |x| >= 1024, +-inf and NaN.
//
// Why: quickshift's density is a sum of exp terms that scikit-image (the reference) evaluates with
// libm's exp; the SIMD kernels must give the same densities as the scalar path (std::exp), bit for
// bit. Same algorithm, same rounding steps and the same fused operations as ExpAvx2 (see
// exp_avx2.h for which operations glibc fuses and exp_table.h for the algorithm).
//
// Only include this header from a translation unit compiled with
// -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma. The table comes from GetExpTable(); pass
// it in hot loops (ExpAvx512(x, table)), the one-argument form fetches it per call.
//
// Matching glibc is a property of the process's libm, not of this code: call ExpAvx512MatchesLibm() once
// before choosing this path over std::exp (false on older glibc, musl or another libm).
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "simd/exp_table.h"

namespace limeshap {

namespace exp_avx512_detail {

// Lanes off the fast path: |x| >= 512, |x| < 2^-54 (incl. 0 and subnormals), inf, NaN.
inline __m512d ExpAvx512Special(__m512d x, __m512d tmp, __m512i sbits, __m512d fast_res, __mmask8 fast) {
  const __m512d one = _mm512_set1_pd(1.0);
  const __m512d zero = _mm512_setzero_pd();
  const __m512d ax = _mm512_abs_pd(x);
  const __mmask8 neg = _mm512_cmp_pd_mask(x, zero, _CMP_LT_OQ);

  // |x| in [512, 1024), x < 0: result may be subnormal; round before scaling by 2^-1022. The product
  // scale*tmp is rounded once and reused (glibc does not fuse here).
  const __m512d scale_n =
      _mm512_castsi512_pd(_mm512_add_epi64(sbits, _mm512_set1_epi64(static_cast<long long>(1022ULL << 52))));
  const __m512d prod = _mm512_mul_pd(scale_n, tmp);
  __m512d y = _mm512_add_pd(scale_n, prod);
  {
    const __m512d hi = _mm512_add_pd(one, y);
    __m512d lo = _mm512_add_pd(_mm512_sub_pd(scale_n, y), prod);
    lo = _mm512_add_pd(_mm512_add_pd(_mm512_sub_pd(one, hi), y), lo);
    __m512d ys = _mm512_sub_pd(_mm512_add_pd(hi, lo), one);
    ys = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(ys, zero, _CMP_EQ_OQ), ys, zero);  // no -0.0
    y = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(y, one, _CMP_LT_OQ), y, ys);
  }
  const __m512d res_neg = _mm512_mul_pd(y, _mm512_set1_pd(0x1p-1022));
  // |x| in [512, 1024), x > 0: may overflow.
  const __m512d scale_p =
      _mm512_castsi512_pd(_mm512_sub_epi64(sbits, _mm512_set1_epi64(static_cast<long long>(1009ULL << 52))));
  const __m512d res_pos = _mm512_mul_pd(_mm512_fmadd_pd(scale_p, tmp, scale_p), _mm512_set1_pd(0x1p1009));

  __m512d res = _mm512_mask_blend_pd(neg, res_pos, res_neg);
  // |x| >= 1024 (and +-inf): 0 or +inf.
  const __mmask8 huge = _mm512_cmp_pd_mask(ax, _mm512_set1_pd(1024.0), _CMP_GE_OQ);
  res = _mm512_mask_blend_pd(huge & neg, res, zero);
  res = _mm512_mask_blend_pd(huge & static_cast<__mmask8>(~neg), res, _mm512_set1_pd(__builtin_inf()));
  // |x| < 2^-54 or NaN: 1 + x.
  const __mmask8 tiny = _mm512_cmp_pd_mask(ax, _mm512_set1_pd(0x1p-54), _CMP_NGE_UQ);
  res = _mm512_mask_blend_pd(tiny, res, _mm512_add_pd(one, x));
  return _mm512_mask_blend_pd(fast, res, fast_res);
}

}  // namespace exp_avx512_detail

namespace exp_avx512_detail {

// The glibc algorithm around a lookup of (tail, sbits) for the lanes' indices k mod 128. `lut` has
// Lookup(ki, tail, sbits) where ki holds k in its low bits (the bits of the shifted kd).
template <class Lut>
inline __m512d ExpAvx512Core(__m512d x, const Lut& lut) {
  using namespace exp_detail;
  const __m512d shift = _mm512_set1_pd(kShift);
  const __m512d kd_shifted = _mm512_fmadd_pd(x, _mm512_set1_pd(kInvLn2N), shift);
  const __m512i ki = _mm512_castpd_si512(kd_shifted);
  const __m512d kd = _mm512_sub_pd(kd_shifted, shift);
  __m512d r = _mm512_fmadd_pd(kd, _mm512_set1_pd(kNegLn2HiN), x);
  r = _mm512_fmadd_pd(kd, _mm512_set1_pd(kNegLn2LoN), r);
  __m512d tail;
  __m512i sbits;
  lut.Lookup(ki, tail, sbits);
  sbits = _mm512_add_epi64(sbits, _mm512_maskz_slli_epi64(0xff, ki, 45));
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d p23 = _mm512_fmadd_pd(r, _mm512_set1_pd(kC3), _mm512_set1_pd(kC2));
  const __m512d p45 = _mm512_fmadd_pd(r, _mm512_set1_pd(kC5), _mm512_set1_pd(kC4));
  __m512d tmp = _mm512_fmadd_pd(r2, p23, _mm512_add_pd(tail, r));
  tmp = _mm512_fmadd_pd(_mm512_mul_pd(r2, r2), p45, tmp);
  const __m512d scale = _mm512_castsi512_pd(sbits);
  const __m512d res = _mm512_fmadd_pd(scale, tmp, scale);

  // Fast path iff 2^-54 <= |x| < 512 (false for NaN).
  const __m512d ax = _mm512_abs_pd(x);
  const __mmask8 fast = _mm512_cmp_pd_mask(ax, _mm512_set1_pd(512.0), _CMP_LT_OQ) &
                        _mm512_cmp_pd_mask(ax, _mm512_set1_pd(0x1p-54), _CMP_GE_OQ);
  if (__builtin_expect(fast == 0xff, 1)) return res;
  // glibc returns exactly +0 for x <= -746 (and -inf); a cheap exit when those are the only others.
  const __mmask8 zero_lanes = _mm512_cmp_pd_mask(x, _mm512_set1_pd(-746.0), _CMP_LE_OQ);
  if ((fast | zero_lanes) == 0xff) return _mm512_maskz_mov_pd(static_cast<__mmask8>(~zero_lanes), res);
  return ExpAvx512Special(x, tmp, sbits, res, fast);
}

// The table read with two gathers.
struct GatherLookup {
  const ExpTable* table;
  void Lookup(__m512i ki, __m512d& tail, __m512i& sbits) const {
    const __m512i idx = _mm512_and_si512(ki, _mm512_set1_epi64(kExpTableSize - 1));
    // Masked/zeroing forms: the plain intrinsics start from _mm512_undefined_*(), which makes GCC 12
    // warn (-Wmaybe-uninitialized, GCC bug 105593) in every caller.
    const __mmask8 all = 0xff;
    tail = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), all, idx, table->tail, 8);
    sbits = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), all, idx, table->sbits, 8);
  }
};

}  // namespace exp_avx512_detail

/// exp of each lane, bit-identical to glibc's exp. `table` = GetExpTable().
inline __m512d ExpAvx512(__m512d x, const ExpTable* table) {
  return exp_avx512_detail::ExpAvx512Core(x, exp_avx512_detail::GatherLookup{table});
}

/// A gather-free replacement of the table read (gathers cost ~2/3 of ExpAvx512 on Zen 4/5).
/// With j = k mod 128 = 16 jh + jl, 2^(j/128) = 2^(jh/8) · 2^(jl/128): both factors come from
/// register permutes (8 and 16 entries, as double-doubles hi + lo taken from the exact table), their
/// product in double-double arithmetic rounds to H_j exactly (checked for all 128 j when built) and
/// leaves a remainder lo ~ t - H_j. tail_j = lo / H_j is approximated as lo · (1/2^(jh/8)) ·
/// (1/2^(jl/128)) and made exact by adding a per-j correction of a few units in the last place (int8,
/// read with one 64-bit permute). Build() computes the corrections from GetExpTable() and verifies
/// every j; when anything does not fit, `ok` is false and callers use the gathers.
struct ExpAvx512PermLut {
  alignas(64) double ah[8], al[8], rh[8];
  alignas(64) double bh[16], bl[16], rl[16];
  alignas(64) std::int8_t corr[128];
  bool ok = false;
  // Masked/zeroing forms throughout: see GatherLookup (GCC bug 105593).
  static constexpr __mmask8 all = 0xff;

  __m512d Approx(__m512i ki, __m512i& sbits) const {
    const __m512i jh = _mm512_maskz_srli_epi64(all, ki, 4);  // permutexvar reads the low 3 bits, permutex2var 4
    const __m512d a_h = _mm512_maskz_permutexvar_pd(all, jh, _mm512_load_pd(ah));
    const __m512d a_l = _mm512_maskz_permutexvar_pd(all, jh, _mm512_load_pd(al));
    const __m512d b_h = _mm512_permutex2var_pd(_mm512_load_pd(bh), ki, _mm512_load_pd(bh + 8));
    const __m512d b_l = _mm512_permutex2var_pd(_mm512_load_pd(bl), ki, _mm512_load_pd(bl + 8));
    const __m512d p = _mm512_mul_pd(a_h, b_h);
    __m512d e = _mm512_fmsub_pd(a_h, b_h, p);  // exact error of p
    e = _mm512_fmadd_pd(a_l, b_h, e);
    e = _mm512_fmadd_pd(a_h, b_l, e);
    const __m512d s = _mm512_add_pd(p, e);  // H_j
    const __m512d lo = _mm512_add_pd(_mm512_sub_pd(p, s), e);
    const __m512d rcp = _mm512_mul_pd(_mm512_maskz_permutexvar_pd(all, jh, _mm512_load_pd(rh)),
                                      _mm512_permutex2var_pd(_mm512_load_pd(rl), ki, _mm512_load_pd(rl + 8)));
    const __m512i j = _mm512_and_si512(ki, _mm512_set1_epi64(kExpTableSize - 1));
    sbits = _mm512_sub_epi64(_mm512_castpd_si512(s), _mm512_maskz_slli_epi64(all, j, 45));
    return _mm512_mul_pd(lo, rcp);
  }

  void Lookup(__m512i ki, __m512d& tail, __m512i& sbits) const {
    const __m512d approx = Approx(ki, sbits);
    // The 8 corrections of j's group of 8, then byte j % 8 of them, sign-extended.
    const __m512i group = _mm512_permutex2var_epi64(_mm512_load_si512(corr), _mm512_maskz_srli_epi64(all, ki, 3),
                                                    _mm512_load_si512(corr + 64));
    const __m512i toTop =
        _mm512_maskz_slli_epi64(all, _mm512_maskz_andnot_epi64(all, ki, _mm512_set1_epi64(7)), 3);  // 8 (7 - j % 8)
    const __m512i c = _mm512_maskz_srai_epi64(all, _mm512_maskz_sllv_epi64(all, group, toTop), 56);
    tail = _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(approx), c));
  }

  void Build(const ExpTable* t) {
    auto h = [t](int j) {
      const std::uint64_t bits = t->sbits[j] + (static_cast<std::uint64_t>(j) << 45);
      double v;
      std::memcpy(&v, &bits, sizeof v);
      return v;
    };
    for (int i = 0; i < 16; ++i) bh[i] = h(i), bl[i] = h(i) * t->tail[i], rl[i] = 1.0 / h(i);
    for (int i = 0; i < 8; ++i) ah[i] = h(16 * i), al[i] = h(16 * i) * t->tail[16 * i], rh[i] = 1.0 / h(16 * i);
    for (std::int8_t& c : corr) c = 0;
    ok = true;
    alignas(64) std::int64_t got[8];
    alignas(64) std::uint64_t gotSbits[8];
    for (int pass = 0; pass < 2; ++pass) {  // pass 0 derives the corrections, pass 1 checks them
      for (int j = 0; j < kExpTableSize; j += 8) {
        // Arbitrary high bits above the index, as in real use (k itself is not reduced).
        const __m512i ki =
            _mm512_add_epi64(_mm512_set_epi64(j + 7, j + 6, j + 5, j + 4, j + 3, j + 2, j + 1, j),
                             _mm512_set1_epi64(static_cast<long long>(0x4338000000000000ULL - (37 << 7))));
        __m512i sb;
        __m512d tail;
        if (pass == 0) {
          tail = Approx(ki, sb);
        } else {
          Lookup(ki, tail, sb);
        }
        _mm512_store_si512(got, _mm512_castpd_si512(tail));
        _mm512_store_si512(gotSbits, sb);
        for (int i = 0; i < 8; ++i) {
          std::int64_t want;
          std::memcpy(&want, &t->tail[j + i], sizeof want);
          const std::int64_t d = want - got[i];
          if (pass == 0) {
            if (d < -128 || d > 127) ok = false;
            corr[j + i] = static_cast<std::int8_t>(d);
          } else if (d != 0) {
            ok = false;
          }
          if (gotSbits[i] != t->sbits[j + i]) ok = false;
        }
      }
    }
  }
};

/// exp of each lane with the permute lookup (lut.ok must be true): bit-identical to ExpAvx512.
inline __m512d ExpAvx512(__m512d x, const ExpAvx512PermLut& lut) { return exp_avx512_detail::ExpAvx512Core(x, lut); }

/// Same, fetching the table itself (an out-of-line call per use: prefer the two-argument form).
inline __m512d ExpAvx512(__m512d x) { return ExpAvx512(x, GetExpTable()); }

/// Run-time guard: true when ExpAvx512 agrees bit for bit with this process's std::exp on a fixed set of
/// ~4000 arguments (uniform and log-spaced over [-800, 0], the underflow range, the 512 boundary,
/// +-0, tiny values, +-inf, NaN). It can be false where libm is not glibc >= 2.28's FMA exp (older
/// glibc, musl, another libm): callers should then keep the scalar std::exp path. About 20 us.
template <class Exp>
inline bool ExpAvx512MatchesLibmWith(const Exp& exp) {
  const double* x = ExpCheckArguments();
  alignas(64) double y[kExpCheckCount];
  for (int i = 0; i < kExpCheckCount; i += 8) _mm512_storeu_pd(y + i, exp(_mm512_loadu_pd(x + i)));
  return ExpMatchesLibm(x, y, kExpCheckCount);
}

inline bool ExpAvx512MatchesLibm() {
  const ExpTable* table = GetExpTable();
  return ExpAvx512MatchesLibmWith([table](__m512d x) { return ExpAvx512(x, table); });
}

/// Same check for the permute lookup (false when lut.ok is false).
inline bool ExpAvx512PermMatchesLibm(const ExpAvx512PermLut& lut) {
  return lut.ok && ExpAvx512MatchesLibmWith([&lut](__m512d x) { return ExpAvx512(x, lut); });
}

}  // namespace limeshap
