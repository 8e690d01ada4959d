// SPDX-License-Identifier: MIT
// The weighted normal equations (wls.h: BuildNormalEquations) and the scalar AᵀA kernel.
//
// The normal matrix is the hot part of every fit (n = 1000..10000 samples, p up to ~300 columns). It
// is built as G = AᵀA with A = [sqrt(W)(Z - x̄) | sqrt(W)(Y - ȳ)] (targets appended as extra columns,
// so Xᵀ W y and the weighted total sum of squares come out of the same pass). The samples are
// processed in panels of kChunk rows, transposed into a column-major buffer (so each column of the
// panel is contiguous and the panel stays in L2); for each panel, 4-column blocks of G are handed to
// the thread pool, and each task accumulates register tiles of 4-lane vectors. Every entry of G is a
// sum over panels in panel order, inside a panel over 4 lanes (i mod 4) that are reduced as
// (l0 + l1) + (l2 + l3): the arithmetic does not depend on the thread count, on the tile shape or on
// the SIMD level (gram_avx2.cc only uses wider registers for the same operations; no FMA
// contraction), so results are bit-identical everywhere.
#include "linalg/wls.h"
#include "linalg/wls_internal.h"
#include "simd/cpu.h"

namespace limeshap {

void GramBlockRowScalar(const double* P, size_t ld, size_t len, size_t Rp, size_t j0, double* G) {
  GramBlockRowT<2, 2>(P, ld, len, Rp, j0, G);  // 4 accumulators = 8 xmm on plain SSE2
}

GramBlockRowFn PickGramBlockRow() {
  // AVX-512 machines use the AVX2 tile too: the 4-lane arithmetic is the same at every level.
  if (ActiveSimd() >= SimdLevel::kAvx2) return GramBlockRowAvx2;
  return GramBlockRowScalar;
}

namespace {

template <class T>
NormalEquations BuildNormalEquationsT(const T* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                                      const NormalEquationsParams& params) {
  Require(Z != nullptr || n * m == 0, "Z is null");
  Require(Y != nullptr || K == 0, "Y is null");
  CheckWeights(w, n);
  const std::vector<int32_t> cols = ResolveColumns(params.columns, params.numColumns, m);
  const size_t p = cols.size();
  NormalEquations ne;
  ne.p = p;
  ne.K = K;
  ne.xMean.assign(p, 0.0);
  ne.yMean.assign(K, 0.0);
  double S = 0;
  for (size_t i = 0; i < n; ++i) S += w ? w[i] : 1.0;
  ne.sumWeights = S;
  if (params.center) {
    Require(S > 0, "weights sum to zero");
    std::vector<double> sx(p, 0.0), sy(K, 0.0);
    for (size_t i = 0; i < n; ++i) {
      const double wi = w ? w[i] : 1.0;
      const T* zr = Z + i * m;
      for (size_t j = 0; j < p; ++j) sx[j] += wi * static_cast<double>(zr[cols[j]]);
      for (size_t k = 0; k < K; ++k) sy[k] += wi * Y[i * K + k];
    }
    for (size_t j = 0; j < p; ++j) ne.xMean[j] = sx[j] / S;
    for (size_t k = 0; k < K; ++k) ne.yMean[k] = sy[k] / S;
  }
  const size_t R = p + K;
  const double* xm = ne.xMean.data();
  const double* ym = ne.yMean.data();
  std::vector<double> sw(kChunk);
  std::vector<double> G = GramOf(n, R, [&](size_t i0, size_t i1, double* P, size_t ld) {
    const size_t len = i1 - i0;
    for (size_t c = 0; c < len; ++c) sw[c] = w ? std::sqrt(w[i0 + c]) : 1.0;
    // Column by column: contiguous writes into the panel, strided reads from the chunk of Z (which
    // is small enough to stay in cache); row by row would scatter every write to another line.
    for (size_t j = 0; j < p; ++j) {
      const T* zc = Z + i0 * m + cols[j];
      double* out = P + j * ld;
      const double mean = xm[j];
      for (size_t c = 0; c < len; ++c) out[c] = (static_cast<double>(zc[c * m]) - mean) * sw[c];
    }
    for (size_t k = 0; k < K; ++k) {
      const double* yc = Y + i0 * K + k;
      double* out = P + (p + k) * ld;
      for (size_t c = 0; c < len; ++c) out[c] = (yc[c * K] - ym[k]) * sw[c];
    }
  });
  ne.gram.resize(p * p);
  ne.xty.resize(p * K);
  ne.yty.resize(K);
  for (size_t j = 0; j < p; ++j) {
    for (size_t k = 0; k < p; ++k) ne.gram[j * p + k] = G[j * R + k];
    for (size_t k = 0; k < K; ++k) ne.xty[j * K + k] = G[j * R + p + k];
  }
  for (size_t k = 0; k < K; ++k) ne.yty[k] = G[(p + k) * R + p + k];
  return ne;
}

}  // namespace

NormalEquations BuildNormalEquations(const double* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                                     const NormalEquationsParams& params) {
  return BuildNormalEquationsT(Z, n, m, w, Y, K, params);
}
NormalEquations BuildNormalEquations(const uint8_t* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                                     const NormalEquationsParams& params) {
  return BuildNormalEquationsT(Z, n, m, w, Y, K, params);
}

}  // namespace limeshap
