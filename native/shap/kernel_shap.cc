// SPDX-License-Identifier: MIT
// Kernel SHAP's constrained weighted least squares (shap/kernel_shap.h): the solve, through the
// shared Gram builder and SPD solve of linalg/, and the per-target driver with L1 selection.
#include "shap/kernel_shap.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "linalg/wls.h"
#include "linalg/wls_internal.h"

namespace limeshap {

KernelShapResult KernelShapSolve(const double* masks, size_t n, size_t M, const double* w, const double* y, size_t K,
                                 const double* delta, const KernelShapParams& params) {
  Require((masks && y && delta) || n == 0 || K == 0 || M == 0, "null pointer");
  CheckWeights(w, n);
  std::vector<int32_t> sel = ResolveColumns(params.selected, params.numSelected, M);
  {
    std::vector<char> seen(M, 0);
    for (int32_t s : sel) {
      Require(!seen[s], "duplicate selected feature");
      seen[s] = 1;
    }
  }
  KernelShapResult res;
  res.M = M;
  res.K = K;
  res.phi.assign(M * K, 0.0);
  if (sel.empty() || K == 0) return res;
  const size_t p = sel.size() - 1;  // unknowns after eliminating the last selected feature
  const size_t last = static_cast<size_t>(sel.back());
  std::vector<double> sol(p * K, 0.0);
  if (p > 0) {
    // X_j = mask_{sel_j} - mask_last, y'_k = y_k - mask_last * delta_k; rows times sqrt(w).
    const size_t R = p + K;
    std::vector<double> sq(kChunk);
    std::vector<double> G = GramOf(n, R, [&](size_t i0, size_t i1, double* P, size_t ld) {
      const size_t len = i1 - i0;
      for (size_t c = 0; c < len; ++c) sq[c] = w ? std::sqrt(w[i0 + c]) : 1.0;
      for (size_t j = 0; j < p; ++j) {
        double* out = P + j * ld;
        for (size_t c = 0; c < len; ++c) {
          const double* mr = masks + (i0 + c) * M;
          out[c] = (mr[sel[j]] - mr[last]) * sq[c];
        }
      }
      for (size_t k = 0; k < K; ++k) {
        double* out = P + (p + k) * ld;
        for (size_t c = 0; c < len; ++c) {
          const size_t i = i0 + c;
          out[c] = (y[i * K + k] - masks[i * M + last] * delta[k]) * sq[c];
        }
      }
    });
    std::vector<double> A(p * p), B(p * K);
    for (size_t a = 0; a < p; ++a) {
      for (size_t b = 0; b < p; ++b) A[a * p + b] = G[a * R + b];
      for (size_t k = 0; k < K; ++k) B[a * K + k] = G[a * R + p + k];
    }
    res.fallback = SolveSymmetricPsd(A.data(), p, B.data(), K, sol.data());
  }
  for (size_t k = 0; k < K; ++k) {
    double* phi = &res.phi[k * M];
    double sum = 0;
    for (size_t j = 0; j < p; ++j) {
      phi[sel[j]] = sol[j * K + k];
      sum += sol[j * K + k];
    }
    phi[last] = delta[k] - sum;
    if (params.zeroTol > 0)
      for (size_t j = 0; j < M; ++j)
        if (std::fabs(phi[j]) < params.zeroTol) phi[j] = 0;
  }
  return res;
}

void KernelShapSolveWithSelection(const uint8_t* masks8, size_t n, size_t M, const double* w, const double* y, size_t K,
                                  const double* delta, const KernelShapL1Params& params, double* out) {
  const KernelShapL1 mode = params.mode;
  const double l1Value = params.value;
  const double zeroTol = params.zeroTol;
  std::vector<double> masks(n * M);
  for (size_t i = 0; i < n * M; ++i) masks[i] = masks8[i] ? 1.0 : 0.0;
  if (mode == KernelShapL1::kNone) {
    KernelShapParams p;
    p.zeroTol = zeroTol;
    KernelShapResult r = KernelShapSolve(masks.data(), n, M, w, y, K, delta, p);
    for (size_t i = 0; i < K * M; ++i) out[i] = r.phi[i];
    return;
  }
  // Selection is per target (shap runs it per output dimension), so each target is solved alone.
  std::vector<double> col(n);
  for (size_t k = 0; k < K; ++k) {
    for (size_t i = 0; i < n; ++i) col[i] = y[i * K + k];
    std::vector<int32_t> sel;
    switch (mode) {
      case KernelShapL1::kNumFeatures:
        sel = KernelShapSelectNumFeatures(masks.data(), n, M, w, col.data(), delta[k], static_cast<size_t>(l1Value));
        break;
      case KernelShapL1::kAlpha:
        sel = KernelShapSelectLasso(masks.data(), n, M, w, col.data(), delta[k], l1Value);
        break;
      case KernelShapL1::kAic:
      case KernelShapL1::kBic:
        sel = KernelShapSelectInformationCriterion(masks.data(), n, M, w, col.data(), delta[k],
                                                   mode == KernelShapL1::kBic);
        break;
      case KernelShapL1::kNone: break;
    }
    double* phi = out + k * M;
    if (sel.empty()) {
      // shap: nothing selected → all zeros (efficiency cannot hold then, as in shap).
      for (size_t j = 0; j < M; ++j) phi[j] = 0;
      continue;
    }
    KernelShapParams p;
    p.selected = sel.data();
    p.numSelected = sel.size();
    p.zeroTol = zeroTol;
    KernelShapResult r = KernelShapSolve(masks.data(), n, M, w, col.data(), 1, &delta[k], p);
    for (size_t j = 0; j < M; ++j) phi[j] = r.phi[j];
  }
}

}  // namespace limeshap
