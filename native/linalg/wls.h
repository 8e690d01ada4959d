// SPDX-License-Identifier: MIT
// Weighted least-squares estimators for LIME and Kernel SHAP, in double precision throughout. One
// header, one file per estimator: gram.cc (normal equations), solve.cc (SPD / min-norm solves),
// ridge.cc, lasso.cc, lars.cc; gram_avx2.cc is the AVX2 AᵀA kernel; wls_internal.h is shared by them.
// LIME's distances and kernel are in lime/distances.h, Kernel SHAP's constrained solve in
// shap/kernel_shap.h.
//
// Layouts: every matrix is dense, row-major. Z / X is n x m (one row per sample), Y is n x K (one
// column per target, e.g. per explained label), coefficient outputs are K x p (one row per target).
// Column subsets are lists of column indices into Z; outputs follow the order of that list.
//
// What each routine reproduces (reference semantics):
//  * RidgeFit: sklearn Ridge(alpha, fit_intercept).fit(Z[:, cols], y, sample_weight=w) for K targets:
//      S = Σw, x̄ = Σ w z / S, ȳ = Σ w y / S (only when fitIntercept; else x̄ = ȳ = 0),
//      A = sqrt(W)(Z - x̄),  (AᵀA + αI) β = Aᵀ sqrt(W)(y - ȳ),  b = ȳ - x̄·β.
//      The normal matrix AᵀA is built once and Cholesky-factorised once for all K targets (it does
//      not depend on y). If Cholesky breaks down (α = 0 with a constant / duplicated / collinear
//      column), the minimum-norm least-squares solution is returned instead (what
//      numpy.linalg.lstsq and sklearn's 'svd' fallback give): a rank-revealing pivoted Cholesky
//      G = M Mᵀ (M = m x r, full column rank) and β = M (MᵀM)⁻² Mᵀ c, which is pinv(G) c.
//      score = sklearn r2_score(y, ŷ, sample_weight=w) = 1 - Σw(y-ŷ)² / Σw(y-ȳ_w)²  (ȳ_w always the
//      weighted mean; a zero denominator gives 1 if the numerator is 0 too, else 0, sklearn's
//      force_finite rule). prediction = b + z_row·β (lime's local_pred uses row 0).
//  * LassoFit: sklearn Lasso(alpha, fit_intercept, tol=1e-4, max_iter=1000).fit(X, y, sample_weight)
//      sklearn rescales sample_weight to sum to n, centres with weighted means and multiplies rows
//      by sqrt(sw); the objective is then (1/(2n)) Σ sw_i r_i² + α|β|₁ = (1/(2Σw)) Σ w_i r_i² + α|β|₁.
//      Cyclic coordinate descent exactly like sklearn's cd_fast.enet_coordinate_descent: after a
//      sweep whose max |Δβ_j| / max |β_j| < tol (or at the last sweep) the duality gap is computed
//      and the loop stops when gap < tol·|y_s|².
//  * LarsPath: sklearn lars_path(X, y, method='lar'|'lasso', max_iter, alpha_min=0) (the Gram
//      variant: same steps, same argmax / tie / drop / early-stop rules, same index permutation so
//      ties resolve the same way). Returns alphas, the active list in order of entry, and the path.
//      One deliberate difference: when the lasso variant drops a variable (its coefficient crosses
//      zero) the stored coefficient is exactly 0, where sklearn leaves a 0-or-1e-16 rounding residue
//      that lime's lasso_path would count as a non-zero. Past rank(X) (n < m) the path is
//      numerically degenerate (in sklearn too) and only agrees up to rounding-driven choices.
//
// Speed: the normal-matrix build has an AVX2 copy of the same kernel (gram_avx2.cc, picked through
// simd/cpu.h's ActiveSimd(); same operations in the same order, so bit-identical to the scalar path).
//
// All functions throw std::invalid_argument for inconsistent sizes, out-of-range column indices or
// negative / non-finite weights. None keeps state; all may be called from several threads at once
// (the heavy normal-matrix build itself runs on the shared ParallelFor pool, deterministically: each
// output entry is summed by one task in a fixed order, so results do not depend on thread count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace limeshap {

// ---------------------------------------------------------------------------------------------
// Weighted normal equations (the hot part, shared by Ridge, forward selection and LARS)
// ---------------------------------------------------------------------------------------------

struct NormalEquationsParams {
  bool center = true;                // subtract weighted means of the columns and of y (fit_intercept)
  const int32_t* columns = nullptr;  // optional column subset (indices into Z's m columns)
  size_t numColumns = 0;             // used only when columns != nullptr
};

struct NormalEquations {
  size_t p = 0;               // number of (selected) columns
  size_t K = 0;               // number of targets
  double sumWeights = 0;      // S = Σ w
  std::vector<double> xMean;  // p: weighted column means (0 when !center)
  std::vector<double> yMean;  // K: weighted target means (0 when !center)
  std::vector<double> gram;   // p x p symmetric (both triangles filled): Xcᵀ W Xc
  std::vector<double> xty;    // p x K: Xcᵀ W yc
  std::vector<double> yty;    // K: yc ᵀ W yc  (= Σw(y-ȳ_w)² when center)
};

/// Builds Xcᵀ W Xc, Xcᵀ W Yc, Ycᵀ W Yc in one blocked pass over the data. w may be nullptr (all ones).
/// Y may be nullptr with K = 0.
NormalEquations BuildNormalEquations(const double* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                                     const NormalEquationsParams& params = {});
NormalEquations BuildNormalEquations(const uint8_t* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                                     const NormalEquationsParams& params = {});

/// Solves (A) X = B for symmetric positive semi-definite A (p x p, row-major, both triangles) and K
/// right-hand sides B (p x K, row-major) into X (p x K). Cholesky first; if a pivot is not clearly
/// positive (<= 1e-12 x its original diagonal entry, or not finite) it returns the minimum-norm
/// solution pinv(A) B instead (pivoted-Cholesky rank revealing, cutoff p·eps·max diag).
/// Returns true when the fallback was used.
bool SolveSymmetricPsd(const double* A, size_t p, const double* B, size_t K, double* X);

// ---------------------------------------------------------------------------------------------
// Ridge / OLS (LIME's surrogate model)
// ---------------------------------------------------------------------------------------------

struct RidgeParams {
  double alpha = 1.0;  // >= 0; 0 = ordinary least squares (with the min-norm fallback)
  bool fitIntercept = true;
  const int32_t* columns = nullptr;  // optional subset (LIME's used_features), in that order
  size_t numColumns = 0;
  int64_t predictRow = 0;    // row of Z at which to evaluate the fit (LIME: 0); -1 = none
  bool computeScore = true;  // weighted R² on the same samples (one extra pass over Z)
};

struct RidgeResult {
  size_t p = 0, K = 0;
  std::vector<double> coef;        // K x p
  std::vector<double> intercept;   // K
  std::vector<double> score;       // K (NaN when !computeScore)
  std::vector<double> prediction;  // K (NaN when predictRow < 0)
  bool fallback = false;           // the min-norm solve was used
};

/// K targets from one factorisation. Z: n x m, w: n (>= 0; nullptr = ones), Y: n x K.
RidgeResult RidgeFit(const double* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                     const RidgeParams& params = {});
RidgeResult RidgeFit(const uint8_t* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                     const RidgeParams& params = {});

/// sklearn r2_score with sample_weight (w may be nullptr), force_finite semantics.
double WeightedR2(const double* y, const double* yHat, const double* w, size_t n);

// ---------------------------------------------------------------------------------------------
// Lasso (coordinate descent, sklearn semantics)
// ---------------------------------------------------------------------------------------------

struct LassoParams {
  double alpha = 1.0;  // > 0 (alpha = 0 works but converges slowly, as in sklearn)
  bool fitIntercept = true;
  int maxIter = 1000;
  double tol = 1e-4;
};

struct LassoResult {
  std::vector<double> coef;  // m
  double intercept = 0;
  double dualGap = 0;  // final gap (in sklearn's scaled units)
  double gapTol = 0;   // tol · |y_s|², what the gap was compared with
  int nIter = 0;       // sweeps done
  bool converged = false;
};

/// One target. X: n x m, w: n (nullptr = unweighted), y: n.
LassoResult LassoFit(const double* X, size_t n, size_t m, const double* w, const double* y,
                     const LassoParams& params = {});

// ---------------------------------------------------------------------------------------------
// LARS / LARS-lasso path (sklearn lars_path semantics)
// ---------------------------------------------------------------------------------------------

enum class LarsMethod { kLar, kLasso };

struct LarsParams {
  LarsMethod method = LarsMethod::kLar;
  size_t maxIter = 500;
  double alphaMin = 0;
  double eps = 2.220446049250313e-16;  // np.finfo(float).eps: floor of the Cholesky diagonal
};

struct LarsResult {
  size_t m = 0;
  std::vector<double> alphas;   // nSteps + 1
  std::vector<int32_t> active;  // active features at the end, in order of entry
  std::vector<double> coefs;    // (nSteps + 1) x m: path point t is row t (row-major)
  size_t nIter = 0;
  size_t numPoints() const { return alphas.size(); }
};

/// From the Gram matrix G = XᵀX (m x m, both triangles) and Xy = Xᵀy (m); nSamples = len(y).
LarsResult LarsPathGram(const double* gram, const double* xy, size_t m, double nSamples, const LarsParams& params = {});
/// lars_path(X, y): X n x m raw (no centring; centre / weight beforehand as the caller needs).
LarsResult LarsPath(const double* X, size_t n, size_t m, const double* y, const LarsParams& params = {});

}  // namespace limeshap
