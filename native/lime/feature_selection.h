// SPDX-License-Identifier: MIT
// LIME's feature selection (lime/lime_base.py, LimeBase.feature_selection), for K targets at once.
//
// Inputs: Z (n x m, row-major; LIME's binary perturbation matrix, row 0 = the original instance),
// sample weights w (n, >= 0), Y (n x K, one column per explained label). Output: for each target the
// selected column indices, in lime's order (that order is the column order of the final Ridge fit).
//
//  * kNone:             all columns 0..m-1.
//  * kForwardSelection: greedy, min(numFeatures, m) rounds; each round tries every unused column
//                       with Ridge(alpha=0, fit_intercept=True) on used + [column] and keeps the
//                       best weighted R² (strictly greater wins, so ties go to the lower index, and
//                       the running maximum starts at -1e8 as in lime). Computed from the centred
//                       weighted Gram matrix with an incremental Cholesky:
//                       RSS(S ∪ f) = RSS(S) - (c_f - vᵀq)² / d,  v = L⁻¹ G_Sf,  q = L⁻¹ c_S,
//                       d = G_ff - vᵀv; a column collinear with S (d <= 1e-12 G_ff) does not
//                       improve the fit (what sklearn's svd fallback gives).
//  * kHighestWeights:   Ridge(alpha=0.01, fit_intercept=True) on all columns, rank by
//                       |coef_j * Z[0, j]| descending (Python's sorted is stable: ties keep the
//                       lower index first), keep the first numFeatures.
//  * kLassoPath:        X = sqrt(w)(Z - x̄_w), y = sqrt(w)(y - ȳ_w), sklearn lars_path(X, y,
//                       method='lasso'); walk the path points from the last down to point 1 and
//                       take the non-zero coefficients (ascending index) of the first point with
//                       <= numFeatures of them (point 1 if none qualifies; all columns if the path
//                       has a single point).
//  * kAuto:             kForwardSelection if numFeatures <= 6, else kHighestWeights.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace limeshap {

/// lime's feature_selection: "none", "forward_selection", "highest_weights", "lasso_path", "auto"
/// (the binding maps the names to these).
enum class FeatureSelection { kNone, kForwardSelection, kHighestWeights, kLassoPath, kAuto };

/// One vector of selected column indices per target (K of them).
std::vector<std::vector<int32_t>> SelectFeatures(const double* Z, size_t n, size_t m, const double* w, const double* Y,
                                                 size_t K, size_t numFeatures, FeatureSelection method);
std::vector<std::vector<int32_t>> SelectFeatures(const uint8_t* Z, size_t n, size_t m, const double* w, const double* Y,
                                                 size_t K, size_t numFeatures, FeatureSelection method);

}  // namespace limeshap
