// SPDX-License-Identifier: MIT
// Binding of Kernel SHAP's constrained weighted least squares (wls.h: KernelShapSolve and the L1
// selections shap's KernelExplainer runs before it). The worker solves on owned copies into a native
// vector, copied into `out` on the main thread when done (napi_util.h explains why).
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings/napi_util.h"
#include "linalg/wls.h"

namespace limeshap {
namespace {

enum class L1Mode { kNone, kNumFeatures, kAlpha, kAic, kBic };

// sklearn LassoLarsIC(criterion='aic'|'bic', fit_intercept=True, max_iter=500).fit(X, y).coef_'s
// non-zero indices (ascending, np.nonzero order), on shap's augmented system. X: rows x M.
//   Xc, yc = centred X, y;  path = lars_path(Xc, yc, method='lasso', alpha_min=0, max_iter=500)
//   σ² = |yc - Xc β_ols|² / (rows - M - 1)   (OLS without intercept on the centred data)
//   criterion_t = rows · log(2π σ²) + RSS_t / σ² + factor · df_t,  factor = 2 (AIC) or log(rows)
//   df_t = #{ |β_tj| > eps };  best = first argmin.
std::vector<int32_t> SelectInformationCriterion(const double* masks, size_t n, size_t M, const double* w, const double* y,
                                                double delta, bool bic) {
  const size_t rows = 2 * n;
  if (rows <= M + 1)
    throw std::invalid_argument("l1 'aic'/'bic' needs more samples than features: the augmented system has " +
                                std::to_string(rows) + " rows for " + std::to_string(M) +
                                " features (sklearn LassoLarsIC refuses this too); use more evaluations or another l1");
  // shap's augmented system (same as KernelShapSelectNumFeatures / KernelShapSelectLasso).
  std::vector<double> X(rows * M, 0.0), t(rows, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double* mr = masks + i * M;
    double s = 0;
    for (size_t j = 0; j < M; ++j) s += mr[j];
    const double a = std::sqrt(w[i] * (static_cast<double>(M) - s));
    const double b = std::sqrt(w[i] * s);
    for (size_t j = 0; j < M; ++j) {
      X[i * M + j] = a * mr[j];
      X[(n + i) * M + j] = b * (mr[j] - 1.0);
    }
    t[i] = y[i] * a;
    t[n + i] = (y[i] - delta) * b;
  }
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

void RunKernelShap(const uint8_t* masks8, size_t n, size_t M, const double* w, const double* y, size_t K,
                   const double* delta, L1Mode mode, double l1Value, double zeroTol, double* out) {
  std::vector<double> masks(n * M);
  for (size_t i = 0; i < n * M; ++i) masks[i] = masks8[i] ? 1.0 : 0.0;
  if (mode == L1Mode::kNone) {
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
      case L1Mode::kNumFeatures:
        sel = KernelShapSelectNumFeatures(masks.data(), n, M, w, col.data(), delta[k], static_cast<size_t>(l1Value));
        break;
      case L1Mode::kAlpha:
        sel = KernelShapSelectLasso(masks.data(), n, M, w, col.data(), delta[k], l1Value);
        break;
      case L1Mode::kAic:
      case L1Mode::kBic:
        sel = SelectInformationCriterion(masks.data(), n, M, w, col.data(), delta[k], mode == L1Mode::kBic);
        break;
      case L1Mode::kNone:
        break;
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

// The solve builds M x M systems: beyond this many features it needs gigabytes; TypeScript refuses
// far earlier, and this bound keeps a direct call from ending in bad_alloc.
constexpr double kMaxFeatures = 16384;

struct ShapJob {
  std::vector<uint8_t> masks;
  std::vector<double> weights, y, delta;
  size_t n = 0, M = 0, K = 0;
  L1Mode mode = L1Mode::kNone;
  double l1Value = 0, zeroTol = 1e-10;
  OutArray<double> out;
  explicit ShapJob(const Napi::Value& outValue, size_t length) : out(outValue, "out", length) {}
};

// Refuses a NaN or infinite element of an owned copy, naming it.
void RequireFinite(const std::vector<double>& v, const char* name) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) throw ArgError{true, std::string(name) + "[" + std::to_string(i) + "] must be finite, got " + ShowNumber(v[i])};
}

// kernelShapSolve(masks: Uint8Array n*M, n, M, weights: Float64Array n, y: Float64Array n*K, K,
//                 delta: Float64Array K, params { l1, l1Value, zeroTol? }, out: Float64Array K*M) -> Promise<void>
Napi::Value KernelShapSolveBinding(const Napi::CallbackInfo& info) {
  if (info.Length() < 9) throw ArgError{false, "expected (masks, n, M, weights, y, K, delta, params, out)"};
  // Read phase: counts, then params (its getters may run JS).
  const size_t n = CountArg(info, 1, "n (number of samples)", 1, 1e8);
  const size_t M = CountArg(info, 2, "M (number of features)", 1, kMaxFeatures);
  const size_t K = CountArg(info, 5, "K (number of explained classes)", 1, 1e5);
  if (static_cast<double>(n) * static_cast<double>(M) > 4e9) throw ArgError{true, "n x M (samples x features) is too large"};
  Napi::Object po = ObjectArg(info, 7, "params");
  const std::string l1 = StringField(po, "l1");
  L1Mode mode;
  double l1Value = 0;
  if (l1 == "none") {
    mode = L1Mode::kNone;
  } else if (l1 == "num-features") {
    mode = L1Mode::kNumFeatures;
    l1Value = IntField(po, "l1Value", 1, 1e9);
  } else if (l1 == "alpha") {
    mode = L1Mode::kAlpha;
    l1Value = NumberField(po, "l1Value", 0, 1e300);
  } else if (l1 == "aic") {
    mode = L1Mode::kAic;
  } else if (l1 == "bic") {
    mode = L1Mode::kBic;
  } else {
    throw ArgError{true, "l1 must be 'none', 'num-features', 'alpha', 'aic' or 'bic', got '" + l1 + "'"};
  }
  // Optional: |φ| below this is set to 0 afterwards (shap: 1e-10, the default); 0 keeps Σφ = delta exact.
  double zeroTol = 1e-10;
  const Napi::Value zeroTolValue = po.Get("zeroTol");
  if (!zeroTolValue.IsUndefined()) zeroTol = CheckNumber(zeroTolValue, "zeroTol", 0, 1e300);

  // Check and copy phase: no JS from here on.
  const Napi::Value masks = ArrayArg<uint8_t>(info[0], "masks", n * M);
  const Napi::Value weights = ArrayArg<double>(info[3], "weights", n);
  const Napi::Value y = ArrayArg<double>(info[4], "y", n * K);
  const Napi::Value delta = ArrayArg<double>(info[6], "delta", K);
  auto job = std::make_shared<ShapJob>(ArrayArg<double>(info[8], "out", K * M), K * M);
  job->n = n;
  job->M = M;
  job->K = K;
  job->mode = mode;
  job->l1Value = l1Value;
  job->zeroTol = zeroTol;
  job->masks = CopyArray<uint8_t>(masks, "masks", n * M);
  job->weights = CopyArray<double>(weights, "weights", n);
  job->y = CopyArray<double>(y, "y", n * K);
  job->delta = CopyArray<double>(delta, "delta", K);
  for (size_t i = 0; i < n; ++i)
    if (!(job->weights[i] >= 0 && std::isfinite(job->weights[i])))
      throw ArgError{true, "weights[" + std::to_string(i) + "] must be finite and >= 0, got " + ShowNumber(job->weights[i])};
  RequireFinite(job->y, "y");
  RequireFinite(job->delta, "delta");
  return PromiseWorker::Start(
      info.Env(), "kernelShapSolve",
      [job] {
        ShapJob& j = *job;
        RunKernelShap(j.masks.data(), j.n, j.M, j.weights.data(), j.y.data(), j.K, j.delta.data(), j.mode, j.l1Value, j.zeroTol,
                      j.out.data.data());
      },
      [job](Napi::Env env) {
        job->out.Check();
        job->out.Write();
        return env.Undefined();
      });
}

}  // namespace

void RegisterShap(Napi::Env env, Napi::Object exports) { Export<KernelShapSolveBinding>(env, exports, "kernelShapSolve"); }

}  // namespace limeshap
