// SPDX-License-Identifier: MIT
// Quickshift passes for AVX2 (4 doubles per vector). Compiled with -mavx2 -mfma; called only when
// cpu.cc reports AVX2 and FMA (see quickshift_simd.h for why the results equal the scalar path).
#include <immintrin.h>

#include "segment/quickshift_simd.h"
#include "simd/exp_avx2.h"
#include "simd/exp_table.h"

namespace limeshap {
namespace {

struct Avx2 {
  using D = __m256d;
  using M = __m256d;
  static constexpr int kLanes = 4;
  static D Load(const double* x) { return _mm256_loadu_pd(x); }
  static void Store(double* x, D v) { _mm256_storeu_pd(x, v); }
  static D Set(double x) { return _mm256_set1_pd(x); }
  static D Iota() { return _mm256_set_pd(3, 2, 1, 0); }
  static D Add(D a, D b) { return _mm256_add_pd(a, b); }
  static D Sub(D a, D b) { return _mm256_sub_pd(a, b); }
  static D Mul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D Sqrt(D a) { return _mm256_sqrt_pd(a); }
  static M Gt(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
  static M Lt(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
  static M Ge(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
  static M Le(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
  static M And(M a, M b) { return _mm256_and_pd(a, b); }
  static M Or(M a, M b) { return _mm256_or_pd(a, b); }
  static int Bits(M m) { return _mm256_movemask_pd(m); }
  static bool None(M m) { return _mm256_movemask_pd(m) == 0; }
  static D Select(M m, D a, D b) { return _mm256_blendv_pd(b, a, m); }
};

// exp as glibc computes it, vectorised (exp_avx2.h): bit-identical to std::exp where the
// self-check passes (glibc 2.28+ on x86-64 with FMA).
struct Avx2FastExp : Avx2 {
  const ExpTable* table = GetExpTable();
  D Exp(D x) const { return ExpAvx2(x, table); }
};

// Any other libm: call it per lane, so the densities still equal the scalar path's.
struct Avx2LibmExp : Avx2 {
  D Exp(D x) const {
    alignas(32) double v[4];
    _mm256_store_pd(v, x);
    for (double& e : v) e = std::exp(e);
    return _mm256_load_pd(v);
  }
};

bool VectorExpMatchesLibm() {
  static const bool matches = ExpAvx2MatchesLibm();
  return matches;
}

}  // namespace

void QsDensityAvx2(const QsPlanes& p, const double* noise, int r0, int r1) {
  if (VectorExpMatchesLibm()) {
    DensityRows(p, noise, r0, r1, Avx2FastExp());
  } else {
    DensityRows(p, noise, r0, r1, Avx2LibmExp());
  }
}
// The pair density takes the bit-exact exp too (any error within kQsExpRelError would do).
void QsPairDensityAvx2(const QsPlanes& p, int r0, int r1, double* acc) {
  if (VectorExpMatchesLibm()) {
    PairDensityRows<Avx2FastExp, 2>(p, r0, r1, acc, Avx2FastExp());
  } else {
    PairDensityRows<Avx2LibmExp, 2>(p, r0, r1, acc, Avx2LibmExp());
  }
}
void QsParentAvx2(const QsPlanes& p, int r0, int r1, double tolerance, int64_t* parent, double* dist,
                  uint8_t* uncertain) {
  ParentRows<Avx2>(p, r0, r1, tolerance, parent, dist, uncertain);
}

}  // namespace limeshap
