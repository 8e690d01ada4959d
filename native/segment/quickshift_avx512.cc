// SPDX-License-Identifier: MIT
// Quickshift passes for AVX-512 (8 doubles per vector). Compiled with -mavx512f and friends; called
// only when cpu.cc reports AVX-512 (see quickshift_simd.h for why the results equal the scalar path).
#include <immintrin.h>

#include "segment/quickshift_simd.h"
#include "simd/exp_avx512.h"
#include "simd/exp_fast_avx512.h"
#include "simd/exp_table.h"

namespace limeshap {
namespace {

struct Avx512 {
  using D = __m512d;
  using M = __mmask8;
  static constexpr int kLanes = 8;
  static D Load(const double* x) { return _mm512_loadu_pd(x); }
  static void Store(double* x, D v) { _mm512_storeu_pd(x, v); }
  static D Set(double x) { return _mm512_set1_pd(x); }
  static D Iota() { return _mm512_set_pd(7, 6, 5, 4, 3, 2, 1, 0); }
  static D Add(D a, D b) { return _mm512_add_pd(a, b); }
  static D Sub(D a, D b) { return _mm512_sub_pd(a, b); }
  static D Mul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D Sqrt(D a) { return _mm512_maskz_sqrt_pd(0xff, a); }  // maskz: GCC bug 105593
  static M Gt(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
  static M Lt(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
  static M Ge(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
  static M Le(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
  static M And(M a, M b) { return static_cast<M>(a & b); }
  static M Or(M a, M b) { return static_cast<M>(a | b); }
  static int Bits(M m) { return m; }
  static bool None(M m) { return m == 0; }
  static D Select(M m, D a, D b) { return _mm512_mask_blend_pd(m, b, a); }
};

// exp as glibc computes it, vectorised (exp_avx512.h): bit-identical to std::exp where the
// self-check passes (glibc 2.28+ on x86-64 with FMA). Two table reads: gathers, or (faster) permutes.
struct Avx512FastExp : Avx512 {
  const ExpTable* table = GetExpTable();
  D Exp(D x) const { return ExpAvx512(x, table); }
};
struct Avx512PermExp : Avx512 {
  const ExpAvx512PermLut* lut;
  explicit Avx512PermExp(const ExpAvx512PermLut* l) : lut(l) {}
  D Exp(D x) const { return ExpAvx512(x, *lut); }
};

// The pair density's exp: within kQsExpRelError of libm (exp_fast_avx512.h), any libm.
struct Avx512ApproxExp : Avx512 {
  __m512d t0, t1;
  Avx512ApproxExp() { ExpFastTableAvx512(GetExpTable(), t0, t1); }
  D Exp(D x) const { return ExpFastAvx512(x, t0, t1); }
};

// Any other libm: call it per lane, so the densities still equal the scalar path's.
struct Avx512LibmExp : Avx512 {
  D Exp(D x) const {
    alignas(64) double v[8];
    _mm512_store_pd(v, x);
    for (double& e : v) e = std::exp(e);
    return _mm512_load_pd(v);
  }
};

bool VectorExpMatchesLibm() {
  static const bool matches = ExpAvx512MatchesLibm();
  return matches;
}

// The permute lookup, built and verified once; null when it cannot reproduce the table or libm.
const ExpAvx512PermLut* PermLut() {
  static ExpAvx512PermLut lut;
  static const bool usable = [] {
    lut.Build(GetExpTable());
    return ExpAvx512PermMatchesLibm(lut);
  }();
  return usable ? &lut : nullptr;
}

}  // namespace

void QsDensityAvx512(const QsPlanes& p, const double* noise, int r0, int r1) {
  if (VectorExpMatchesLibm()) {
    if (const ExpAvx512PermLut* lut = PermLut()) {
      DensityRows(p, noise, r0, r1, Avx512PermExp(lut));
      return;
    }
    DensityRows(p, noise, r0, r1, Avx512FastExp());
  } else {
    DensityRows(p, noise, r0, r1, Avx512LibmExp());
  }
}
void QsPairDensityAvx512(const QsPlanes& p, int r0, int r1, double* acc) {
  PairDensityRows<Avx512ApproxExp, 2>(p, r0, r1, acc, Avx512ApproxExp());
}
void QsPairExpAvx512(const double* x, double* out, long n) {
  const Avx512ApproxExp v;
  alignas(64) double lane[8];
  for (long i = 0; i < n; i += 8) {
    const long m = n - i < 8 ? n - i : 8;
    for (long j = 0; j < 8; ++j) lane[j] = j < m ? x[i + j] : 0.0;
    _mm512_store_pd(lane, v.Exp(_mm512_load_pd(lane)));
    for (long j = 0; j < m; ++j) out[i + j] = lane[j];
  }
}
void QsParentAvx512(const QsPlanes& p, int r0, int r1, double tolerance, int64_t* parent, double* dist,
                    uint8_t* uncertain) {
  ParentRows<Avx512>(p, r0, r1, tolerance, parent, dist, uncertain);
}

}  // namespace limeshap
