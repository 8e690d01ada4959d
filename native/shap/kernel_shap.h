// SPDX-License-Identifier: MIT
// Kernel SHAP's constrained weighted least squares and the L1 feature selections shap's
// KernelExplainer runs before it (l1_reg), in double precision. kernel_shap.cc: the solve and the
// per-target driver; l1_selection.cc: the selections on shap's augmented system.
//
//  * KernelShapSolve: shap KernelExplainer.solve: with the selected features s_1..s_p (all when no
//      subset), eliminate s_p through Σφ = Δ:  X_j = mask_{s_j} - mask_{s_p} (j < p),
//      y' = y - mask_{s_p} Δ, solve (XᵀWX) φ = XᵀW y' (fallback: min-norm lstsq), φ_{s_p} = Δ - Σφ_j.
//      Unselected features get 0. Values with |φ| < zeroTol (shap: 1e-10) are set to 0 afterwards.
//  * The selections (shap KernelExplainer.solve, l1_reg) run on the augmented system that encodes
//      the efficiency constraint:
//        rows  sqrt(w_i (M - s_i)) · mask_i      with target sqrt(w_i (M - s_i)) · y_i
//              sqrt(w_i s_i) · (mask_i - 1)       with target sqrt(w_i s_i) · (y_i - delta)
//      (s_i = Σ_j mask_ij).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace limeshap {

struct KernelShapParams {
  const int32_t* selected = nullptr;  // optional selected features (e.g. from an L1 step), in the
  size_t numSelected = 0;             // order they came; the LAST one is eliminated. nullptr = all M
  double zeroTol = 1e-10;             // |φ| < zeroTol -> 0, as shap does (0 disables)
};

struct KernelShapResult {
  size_t M = 0, K = 0;
  std::vector<double> phi;  // K x M
  bool fallback = false;    // min-norm lstsq was used
};

/// masks: n x M (0/1 as doubles), w: n kernel weights, y: n x K already link(f(z)) - link(f_null),
/// delta: K totals link(f(x)) - link(f_null). Σ_j φ_kj = delta_k (up to rounding, before zeroTol).
KernelShapResult KernelShapSolve(const double* masks, size_t n, size_t M, const double* w, const double* y, size_t K,
                                 const double* delta, const KernelShapParams& params = {});

/// shap's l1_reg="num_features(r)" selection for one target: LAR (max_iter = r) on the augmented
/// system (above). Returns lars_path(...)[1]: the active features in order of entry.
std::vector<int32_t> KernelShapSelectNumFeatures(const double* masks, size_t n, size_t M, const double* w,
                                                 const double* y, double delta, size_t numFeatures);

/// shap's l1_reg=<float> selection: indices of non-zero Lasso(alpha).fit(mask_aug, y_aug).coef_,
/// ascending (np.nonzero order).
std::vector<int32_t> KernelShapSelectLasso(const double* masks, size_t n, size_t M, const double* w, const double* y,
                                           double delta, double alpha);

/// shap's l1_reg="aic" / "bic": sklearn LassoLarsIC(criterion, fit_intercept=True, max_iter=500)
/// .fit(X_aug, y_aug).coef_'s non-zero indices, ascending. Throws std::invalid_argument when the
/// augmented system has no more rows than M + 1 (sklearn refuses that too).
std::vector<int32_t> KernelShapSelectInformationCriterion(const double* masks, size_t n, size_t M, const double* w,
                                                          const double* y, double delta, bool bic);

/// Which selection runs before the solve (shap's l1_reg): none, "num_features(r)", a Lasso alpha,
/// "aic" or "bic".
enum class KernelShapL1 { kNone, kNumFeatures, kAlpha, kAic, kBic };

struct KernelShapL1Params {
  KernelShapL1 mode = KernelShapL1::kNone;
  double value = 0;        // r for kNumFeatures, alpha for kAlpha; unused otherwise
  double zeroTol = 1e-10;  // |φ| < zeroTol -> 0 (0 disables)
};

/// The whole Kernel SHAP solve for K targets: masks n x M (0/1 bytes), w: n, y: n x K, delta: K,
/// out: K x M. Without selection all targets share one solve; with one, each target is selected and
/// solved alone (shap runs it per output dimension), and a target with nothing selected gets zeros.
void KernelShapSolveWithSelection(const uint8_t* masks, size_t n, size_t M, const double* w, const double* y, size_t K,
                                  const double* delta, const KernelShapL1Params& params, double* out);

}  // namespace limeshap
