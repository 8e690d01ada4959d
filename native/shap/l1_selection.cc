// SPDX-License-Identifier: MIT
// shap's L1 feature selections for Kernel SHAP (shap/kernel_shap.h), all on the augmented system
// built once by KernelShapAugment.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "linalg/wls.h"
#include "linalg/wls_internal.h"
#include "shap/kernel_shap.h"

namespace limeshap {

namespace {
// shap's augmented L1 system: [sqrt(w(M-s)) mask ; sqrt(w s) (mask - 1)], targets likewise.
void KernelShapAugment(const double* masks, size_t n, size_t M, const double* w, const double* y, double delta,
                       std::vector<double>& Xa, std::vector<double>& ya) {
  Require((masks && y) || n == 0, "null pointer");
  CheckWeights(w, n);
  Xa.assign(2 * n * M, 0.0);
  ya.assign(2 * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double* mr = masks + i * M;
    double s = 0;
    for (size_t j = 0; j < M; ++j) s += mr[j];
    const double wi = w ? w[i] : 1.0;
    const double a = std::sqrt(wi * (static_cast<double>(M) - s));
    const double b = std::sqrt(wi * s);
    for (size_t j = 0; j < M; ++j) {
      Xa[i * M + j] = a * mr[j];
      Xa[(n + i) * M + j] = b * (mr[j] - 1.0);
    }
    ya[i] = y[i] * a;
    ya[n + i] = (y[i] - delta) * b;
  }
}
}  // namespace

std::vector<int32_t> KernelShapSelectNumFeatures(const double* masks, size_t n, size_t M, const double* w,
                                                 const double* y, double delta, size_t numFeatures) {
  std::vector<double> Xa, ya;
  KernelShapAugment(masks, n, M, w, y, delta, Xa, ya);
  LarsParams lp;
  lp.method = LarsMethod::kLar;
  lp.maxIter = numFeatures;
  return LarsPath(Xa.data(), 2 * n, M, ya.data(), lp).active;
}

std::vector<int32_t> KernelShapSelectLasso(const double* masks, size_t n, size_t M, const double* w, const double* y,
                                           double delta, double alpha) {
  std::vector<double> Xa, ya;
  KernelShapAugment(masks, n, M, w, y, delta, Xa, ya);
  LassoParams lp;
  lp.alpha = alpha;
  LassoResult r = LassoFit(Xa.data(), 2 * n, M, nullptr, ya.data(), lp);
  std::vector<int32_t> out;
  for (size_t j = 0; j < M; ++j)
    if (r.coef[j] != 0.0) out.push_back(static_cast<int32_t>(j));
  return out;
}

// sklearn LassoLarsIC(criterion='aic'|'bic', fit_intercept=True, max_iter=500).fit(X, y).coef_'s
// non-zero indices (ascending, np.nonzero order), on shap's augmented system (KernelShapAugment).
//   Xc, yc = centred X, y;  path = lars_path(Xc, yc, method='lasso', alpha_min=0, max_iter=500)
//   σ² = |yc - Xc β_ols|² / (rows - M - 1)   (OLS without intercept on the centred data)
//   criterion_t = rows · log(2π σ²) + RSS_t / σ² + factor · df_t,  factor = 2 (AIC) or log(rows)
//   df_t = #{ |β_tj| > eps };  best = first argmin.
std::vector<int32_t> KernelShapSelectInformationCriterion(const double* masks, size_t n, size_t M, const double* w,
                                                          const double* y, double delta, bool bic) {
  const size_t rows = 2 * n;
  if (rows <= M + 1)
    throw std::invalid_argument("l1 'aic'/'bic' needs more samples than features: the augmented system has " +
                                std::to_string(rows) + " rows for " + std::to_string(M) +
                                " features (sklearn LassoLarsIC refuses this too); use more evaluations or another l1");
  std::vector<double> X, t;
  KernelShapAugment(masks, n, M, w, y, delta, X, t);
  // Centre (fit_intercept=True, unweighted).
  std::vector<double> xm(M, 0.0);
  double ym = 0;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < M; ++j) xm[j] += X[i * M + j];
    ym += t[i];
  }
  for (size_t j = 0; j < M; ++j) xm[j] /= static_cast<double>(rows);
  ym /= static_cast<double>(rows);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < M; ++j) X[i * M + j] -= xm[j];
    t[i] -= ym;
  }
  LarsParams lp;
  lp.method = LarsMethod::kLasso;
  lp.maxIter = 500;
  LarsResult path = LarsPath(X.data(), rows, M, t.data(), lp);

  // Noise variance from the OLS fit on the centred data (no intercept).
  RidgeParams rp;
  rp.alpha = 0;
  rp.fitIntercept = false;
  rp.predictRow = -1;
  rp.computeScore = false;
  RidgeResult ols = RidgeFit(X.data(), rows, M, nullptr, t.data(), 1, rp);
  auto rss = [&](const double* beta) {
    double sum = 0;
    for (size_t i = 0; i < rows; ++i) {
      double r = t[i];
      for (size_t j = 0; j < M; ++j) r -= X[i * M + j] * beta[j];
      sum += r * r;
    }
    return sum;
  };
  const double sigma2 = rss(ols.coef.data()) / static_cast<double>(rows - M - 1);
  const double factor = bic ? std::log(static_cast<double>(rows)) : 2.0;
  const double eps = std::numeric_limits<double>::epsilon();
  size_t best = 0;
  double bestValue = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < path.numPoints(); ++k) {
    const double* beta = &path.coefs[k * M];
    size_t df = 0;
    for (size_t j = 0; j < M; ++j)
      if (std::fabs(beta[j]) > eps) ++df;
    double value = static_cast<double>(rows) * std::log(2 * 3.14159265358979323846 * sigma2) + rss(beta) / sigma2 +
                   factor * static_cast<double>(df);
    // np.argmin: the first minimum; NaN (σ² = 0, an exact fit) counts as the minimum as numpy does.
    if (std::isnan(value)) {
      if (!std::isnan(bestValue)) {
        best = k;
        bestValue = value;
      }
      break;
    }
    if (value < bestValue) {
      best = k;
      bestValue = value;
    }
  }
  std::vector<int32_t> out;
  const double* beta = &path.coefs[best * M];
  for (size_t j = 0; j < M; ++j)
    if (beta[j] != 0.0) out.push_back(static_cast<int32_t>(j));
  return out;
}

}  // namespace limeshap
