// SPDX-License-Identifier: MIT
// Ridge / ordinary least squares (wls.h: RidgeFit, LIME's surrogate model) and sklearn's weighted
// r2_score. All K targets share one normal matrix and one factorisation (linalg/solve.cc).
#include "linalg/wls.h"
#include "linalg/wls_internal.h"

namespace limeshap {
namespace {

template <class T>
RidgeResult RidgeFitT(const T* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                      const RidgeParams& params) {
  Require(params.alpha >= 0 && std::isfinite(params.alpha), "alpha must be finite and >= 0");
  Require(params.predictRow < static_cast<int64_t>(n), "predictRow out of range");
  NormalEquationsParams np;
  np.center = params.fitIntercept;
  np.columns = params.columns;
  np.numColumns = params.numColumns;
  NormalEquations ne = BuildNormalEquations(Z, n, m, w, Y, K, np);
  const std::vector<int32_t> cols = ResolveColumns(params.columns, params.numColumns, m);
  const size_t p = ne.p;
  RidgeResult res;
  res.p = p;
  res.K = K;
  std::vector<double> A = ne.gram;
  for (size_t j = 0; j < p; ++j) A[j * p + j] += params.alpha;
  std::vector<double> X(p * K);
  res.fallback = SolveSymmetricPsd(A.data(), p, ne.xty.data(), K, X.data());
  res.coef.resize(K * p);
  res.intercept.assign(K, 0.0);
  for (size_t k = 0; k < K; ++k) {
    for (size_t j = 0; j < p; ++j) res.coef[k * p + j] = X[j * K + k];
    if (params.fitIntercept) res.intercept[k] = ne.yMean[k] - Dot(ne.xMean.data(), res.coef.data() + k * p, p);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  res.prediction.assign(K, nan);
  res.score.assign(K, nan);
  std::vector<double> row(p);
  auto predictRow = [&](size_t i, double* out) {
    const T* zr = Z + i * m;
    for (size_t j = 0; j < p; ++j) row[j] = static_cast<double>(zr[cols[j]]);
    for (size_t k = 0; k < K; ++k) out[k] = res.intercept[k] + Dot(row.data(), res.coef.data() + k * p, p);
  };
  if (params.predictRow >= 0 && n > 0) predictRow(static_cast<size_t>(params.predictRow), res.prediction.data());
  if (params.computeScore) {
    // ȳ_w for the denominator (the fit's own means are 0 without an intercept).
    std::vector<double> ybar(K, 0.0);
    double S = 0;
    for (size_t i = 0; i < n; ++i) {
      const double wi = w ? w[i] : 1.0;
      S += wi;
      for (size_t k = 0; k < K; ++k) ybar[k] += wi * Y[i * K + k];
    }
    for (size_t k = 0; k < K; ++k) ybar[k] = S != 0 ? ybar[k] / S : 0.0;
    // Residual pass: fixed-size chunks, partial sums combined in chunk order (deterministic).
    const size_t grain = 512;
    const size_t nChunks = (n + grain - 1) / grain;
    std::vector<double> partial(nChunks * 2 * K, 0.0);
    auto work = [&](size_t c0, size_t c1) {
      std::vector<double> rowBuf(p), yhat(K);
      for (size_t c = c0; c < c1; ++c) {
        double* num = partial.data() + c * 2 * K;
        double* den = num + K;
        for (size_t i = c * grain; i < std::min(n, (c + 1) * grain); ++i) {
          const double wi = w ? w[i] : 1.0;
          const T* zr = Z + i * m;
          for (size_t j = 0; j < p; ++j) rowBuf[j] = static_cast<double>(zr[cols[j]]);
          for (size_t k = 0; k < K; ++k) {
            const double yh = res.intercept[k] + Dot(rowBuf.data(), res.coef.data() + k * p, p);
            const double e = Y[i * K + k] - yh;
            const double t = Y[i * K + k] - ybar[k];
            num[k] += wi * e * e;
            den[k] += wi * t * t;
          }
        }
      }
    };
    if (PoolThreads() > 1 && static_cast<double>(n) * p * K > 2e6)
      ParallelFor(0, nChunks, 1, work);
    else
      work(0, nChunks);
    for (size_t k = 0; k < K; ++k) {
      double num = 0, den = 0;
      for (size_t c = 0; c < nChunks; ++c) {
        num += partial[c * 2 * K + k];
        den += partial[c * 2 * K + K + k];
      }
      res.score[k] = den != 0 ? 1.0 - num / den : (num == 0 ? 1.0 : 0.0);
    }
  }
  return res;
}

}  // namespace

RidgeResult RidgeFit(const double* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                     const RidgeParams& params) {
  return RidgeFitT(Z, n, m, w, Y, K, params);
}
RidgeResult RidgeFit(const uint8_t* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                     const RidgeParams& params) {
  return RidgeFitT(Z, n, m, w, Y, K, params);
}

double WeightedR2(const double* y, const double* yHat, const double* w, size_t n) {
  CheckWeights(w, n);
  double S = 0, sy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double wi = w ? w[i] : 1.0;
    S += wi;
    sy += wi * y[i];
  }
  const double ybar = S != 0 ? sy / S : 0.0;
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    const double wi = w ? w[i] : 1.0;
    num += wi * (y[i] - yHat[i]) * (y[i] - yHat[i]);
    den += wi * (y[i] - ybar) * (y[i] - ybar);
  }
  return den != 0 ? 1.0 - num / den : (num == 0 ? 1.0 : 0.0);
}

}  // namespace limeshap
