// SPDX-License-Identifier: MIT
#include "lime/lime_fit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "lime/distances.h"
#include "lime/feature_selection.h"
#include "linalg/wls.h"

namespace limeshap {

void LimeFit(const uint8_t* masks, size_t n, size_t m, const double* targets, size_t K, const LimeFitParams& params,
             const LimeFitOutput& out) {
  if (n < 2 || m < 1 || K < 1)
    throw std::invalid_argument("LimeFit: need n >= 2 samples, m >= 1 segments, K >= 1 targets");
  // Non-finite values would give NaN scores everywhere, and feature selection picks by score.
  for (size_t i = 0; i < n * K; ++i)
    if (!std::isfinite(targets[i])) throw std::invalid_argument("LimeFit: targets must be finite");
  CosineDistancesToFirstRow(masks, n, m, out.distances);
  KernelWeights(out.distances, n, params.kernelWidth, out.weights);
  const double* w = out.weights;
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(w[i]))
      throw std::invalid_argument(
          "LimeFit: a sample weight is not finite (kernelWidth too small for its square to be a positive double?)");

  // lime selects features on the targets it explains, one selection per class.
  auto selected = SelectFeatures(masks, n, m, w, targets, K, params.numFeatures, params.featureSelection);
  std::fill(out.coef, out.coef + K * m, 0.0);

  // Classes that share their selected columns (always the case with all columns) share one
  // factorisation of the weighted normal equations.
  std::vector<bool> done(K, false);
  std::vector<double> y(n), column(n * m);
  for (size_t k = 0; k < K; ++k) {
    if (done[k]) continue;
    std::vector<size_t> group;
    for (size_t j = k; j < K; ++j)
      if (!done[j] && selected[j] == selected[k]) group.push_back(j);
    const std::vector<int32_t>& cols = selected[k];
    const size_t p = cols.size();
    if (params.regressor == LimeRegressor::kLasso) {
      // Coordinate descent works on a dense copy of the selected columns.
      std::vector<double> X(n * p);
      for (size_t i = 0; i < n; ++i)
        for (size_t c = 0; c < p; ++c) X[i * p + c] = masks[i * m + cols[c]];
      for (size_t j : group) {
        for (size_t i = 0; i < n; ++i) y[i] = targets[i * K + j];
        LassoParams lp;
        lp.alpha = params.alpha;
        LassoResult r = LassoFit(X.data(), n, p, w, y.data(), lp);
        std::vector<double> yHat(n);
        for (size_t i = 0; i < n; ++i) {
          double s = r.intercept;
          for (size_t c = 0; c < p; ++c) s += X[i * p + c] * r.coef[c];
          yHat[i] = s;
        }
        out.intercept[j] = r.intercept;
        out.score[j] = WeightedR2(y.data(), yHat.data(), w, n);
        out.localPrediction[j] = yHat[0];
        for (size_t c = 0; c < p; ++c) out.coef[j * m + cols[c]] = r.coef[c];
        done[j] = true;
      }
      continue;
    }
    std::vector<double> Y(n * group.size());
    for (size_t i = 0; i < n; ++i)
      for (size_t g = 0; g < group.size(); ++g) Y[i * group.size() + g] = targets[i * K + group[g]];
    RidgeParams rp;
    rp.alpha = params.regressor == LimeRegressor::kLinear ? 0.0 : params.alpha;
    rp.columns = cols.data();
    rp.numColumns = p;
    RidgeResult r = RidgeFit(masks, n, m, w, Y.data(), group.size(), rp);
    for (size_t g = 0; g < group.size(); ++g) {
      size_t j = group[g];
      out.intercept[j] = r.intercept[g];
      out.score[j] = r.score[g];
      out.localPrediction[j] = r.prediction[g];
      for (size_t c = 0; c < p; ++c) out.coef[j * m + cols[c]] = r.coef[g * p + c];
      done[j] = true;
    }
  }
}

}  // namespace limeshap
