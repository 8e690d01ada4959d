// SPDX-License-Identifier: MIT
// LIME's whole fitting stage for all explained classes in one call: cosine distances of the samples
// to row 0, kernel weights, lime's feature selection per class, then the surrogate (ridge / ordinary
// least squares / lasso) per class, with its weighted R² and its prediction at row 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace limeshap {

struct LimeFitParams {
  double kernelWidth = 0.25;
  std::string regressor = "ridge";         // "ridge" | "linear" | "lasso"
  double alpha = 1;                        // ridge / lasso strength ("linear" ignores it)
  std::string featureSelection = "auto";   // lime's names: none, forward_selection, highest_weights, lasso_path, auto
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
