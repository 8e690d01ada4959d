// SPDX-License-Identifier: MIT
// Lasso by cyclic coordinate descent (wls.h: LassoFit), sklearn semantics.
#include "linalg/wls.h"
#include "linalg/wls_internal.h"

namespace limeshap {

// ---------------------------------------------------------------------------------------------
// Lasso: sklearn cd_fast.enet_coordinate_descent (beta = 0, cyclic, not positive) on the
// preprocessed problem (sw rescaled to sum to n, weighted centring, rows times sqrt(sw)).
// ---------------------------------------------------------------------------------------------

LassoResult LassoFit(const double* X, size_t n, size_t m, const double* w, const double* y, const LassoParams& params) {
  Require((X && y) || n == 0, "null pointer");
  Require(params.alpha >= 0 && std::isfinite(params.alpha), "alpha must be finite and >= 0");
  Require(params.maxIter >= 1, "maxIter must be >= 1");
  CheckWeights(w, n);
  LassoResult res;
  res.coef.assign(m, 0.0);
  if (n == 0) return res;
  // sample_weight * (n_samples / sum(sample_weight))
  std::vector<double> sw(n, 1.0);
  if (w) {
    double S = 0;
    for (size_t i = 0; i < n; ++i) S += w[i];
    Require(S > 0, "weights sum to zero");
    for (size_t i = 0; i < n; ++i) sw[i] = w[i] * (static_cast<double>(n) / S);
  }
  std::vector<double> xm(m, 0.0);
  double ym = 0;
  if (params.fitIntercept) {
    double S = 0;
    for (size_t i = 0; i < n; ++i) S += sw[i];
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < m; ++j) xm[j] += sw[i] * X[i * m + j];
      ym += sw[i] * y[i];
    }
    for (size_t j = 0; j < m; ++j) xm[j] /= S;
    ym /= S;
  }
  // Column-major preprocessed X and y.
  std::vector<double> Xs(m * n), ys(n);
  for (size_t i = 0; i < n; ++i) {
    const double s = w ? std::sqrt(sw[i]) : 1.0;
    for (size_t j = 0; j < m; ++j) Xs[j * n + i] = (X[i * m + j] - xm[j]) * s;
    ys[i] = (y[i] - ym) * s;
  }
  const double alpha = params.alpha * static_cast<double>(n);  // l1_reg = alpha * l1_ratio * n_samples
  std::vector<double> normCols(m), R(ys), XtA(m);
  for (size_t j = 0; j < m; ++j) normCols[j] = Dot(&Xs[j * n], &Xs[j * n], n);
  std::vector<double>& coef = res.coef;
  const double tol = params.tol * Dot(ys.data(), ys.data(), n);
  res.gapTol = tol;
  double gap = tol + 1.0;
  int it = 0;
  for (; it < params.maxIter; ++it) {
    double wMax = 0, dwMax = 0;
    for (size_t j = 0; j < m; ++j) {
      if (normCols[j] == 0.0) continue;
      const double* xj = &Xs[j * n];
      const double old = coef[j];
      if (old != 0.0)
        for (size_t i = 0; i < n; ++i) R[i] += old * xj[i];
      const double tmp = Dot(xj, R.data(), n);
      coef[j] = (tmp > 0 ? 1.0 : (tmp < 0 ? -1.0 : 0.0)) * std::max(std::fabs(tmp) - alpha, 0.0) / normCols[j];
      if (coef[j] != 0.0)
        for (size_t i = 0; i < n; ++i) R[i] -= coef[j] * xj[i];
      dwMax = std::max(dwMax, std::fabs(coef[j] - old));
      wMax = std::max(wMax, std::fabs(coef[j]));
    }
    if (wMax == 0.0 || dwMax / wMax < params.tol || it == params.maxIter - 1) {
      double dualNorm = 0;
      for (size_t j = 0; j < m; ++j) {
        XtA[j] = Dot(&Xs[j * n], R.data(), n);
        dualNorm = std::max(dualNorm, std::fabs(XtA[j]));
      }
      const double rNorm2 = Dot(R.data(), R.data(), n);
      double cst;
      if (dualNorm > alpha) {
        cst = alpha / dualNorm;
        gap = 0.5 * (rNorm2 + rNorm2 * cst * cst);
      } else {
        cst = 1.0;
        gap = rNorm2;
      }
      double l1 = 0;
      for (size_t j = 0; j < m; ++j) l1 += std::fabs(coef[j]);
      gap += alpha * l1 - cst * Dot(R.data(), ys.data(), n);
      if (gap < tol) {
        res.converged = true;
        break;
      }
    }
  }
  res.nIter = std::min(it + 1, params.maxIter);
  res.dualGap = gap;
  res.intercept = params.fitIntercept ? ym - Dot(xm.data(), coef.data(), m) : 0.0;
  return res;
}

}  // namespace limeshap
