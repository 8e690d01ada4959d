// SPDX-License-Identifier: MIT
// LIME's whole fitting stage for all explained classes in one call: cosine distances of the samples
// to row 0, kernel weights, lime's feature selection per class, then the surrogate (ridge / ordinary
// least squares / lasso) per class, with its weighted R² and its prediction at row 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lime/feature_selection.h"

namespace limeshap {

/// lime's surrogate: Ridge(alpha), ordinary least squares (ridge with alpha 0), or Lasso(alpha).
enum class LimeRegressor { kRidge, kLinear, kLasso };

struct LimeFitParams {
  double kernelWidth = 0.25;
  LimeRegressor regressor = LimeRegressor::kRidge;
  double alpha = 1;  // ridge / lasso strength ("linear" ignores it)
  FeatureSelection featureSelection = FeatureSelection::kAuto;
  size_t numFeatures = 100000;
};

/// Outputs, caller-allocated: distances[n], weights[n], intercept[K], coef[K x m] (0 for segments not
/// selected), score[K], localPrediction[K].
struct LimeFitOutput {
  double* distances;
  double* weights;
  double* intercept;
  double* coef;
  double* score;
  double* localPrediction;
};

/// masks: n x m (1 = segment on, row 0 all on), targets: n x K (row-major).
void LimeFit(const uint8_t* masks, size_t n, size_t m, const double* targets, size_t K, const LimeFitParams& params,
             const LimeFitOutput& out);

}  // namespace limeshap
