// SPDX-License-Identifier: MIT
// Binding of Kernel SHAP's constrained weighted least squares (shap/kernel_shap.h: the solve and the
// L1 selections shap's KernelExplainer runs before it): reads and checks the arguments, nothing else.
// The worker solves on owned copies into a native vector, copied into `out` on the main thread when
// done (napi_util.h explains why).
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings/napi_util.h"
#include "shap/kernel_shap.h"

namespace limeshap {
namespace {

// The solve builds M x M systems: beyond this many features it needs gigabytes; TypeScript refuses
// far earlier, and this bound keeps a direct call from ending in bad_alloc.
constexpr double kMaxFeatures = 16384;

struct ShapJob {
  std::vector<uint8_t> masks;
  std::vector<double> weights, y, delta;
  size_t n = 0, M = 0, K = 0;
  KernelShapL1 mode = KernelShapL1::kNone;
  double l1Value = 0, zeroTol = 1e-10;
  OutArray<double> out;
  explicit ShapJob(const Napi::Value& outValue, size_t length) : out(outValue, "out", length) {}
};

// Refuses a NaN or infinite element of an owned copy, naming it.
void RequireFinite(const std::vector<double>& v, const char* name) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw ArgError{true, std::string(name) + "[" + std::to_string(i) + "] must be finite, got " + ShowNumber(v[i])};
}

const std::pair<const char*, KernelShapL1> kL1Modes[] = {{"none", KernelShapL1::kNone},
                                                         {"num-features", KernelShapL1::kNumFeatures},
                                                         {"alpha", KernelShapL1::kAlpha},
                                                         {"aic", KernelShapL1::kAic},
                                                         {"bic", KernelShapL1::kBic}};

// kernelShapSolve(masks: Uint8Array n*M, n, M, weights: Float64Array n, y: Float64Array n*K, K,
//                 delta: Float64Array K, params { l1, l1Value, zeroTol? }, out: Float64Array K*M) -> Promise<void>
Napi::Value KernelShapSolveBinding(const Napi::CallbackInfo& info) {
  if (info.Length() < 9) throw ArgError{false, "expected (masks, n, M, weights, y, K, delta, params, out)"};
  // Read phase: counts, then params (its getters may run JS).
  const size_t n = CountArg(info, 1, "n (number of samples)", 1, 1e8);
  const size_t M = CountArg(info, 2, "M (number of features)", 1, kMaxFeatures);
  const size_t K = CountArg(info, 5, "K (number of explained classes)", 1, 1e5);
  if (static_cast<double>(n) * static_cast<double>(M) > 4e9)
    throw ArgError{true, "n x M (samples x features) is too large"};
  Napi::Object po = ObjectArg(info, 7, "params");
  const KernelShapL1 mode = NameField(po, "l1", kL1Modes, "'none', 'num-features', 'alpha', 'aic' or 'bic'");
  double l1Value = 0;
  if (mode == KernelShapL1::kNumFeatures) l1Value = IntField(po, "l1Value", 1, 1e9);
  if (mode == KernelShapL1::kAlpha) l1Value = NumberField(po, "l1Value", 0, 1e300);
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
      throw ArgError{true,
                     "weights[" + std::to_string(i) + "] must be finite and >= 0, got " + ShowNumber(job->weights[i])};
  RequireFinite(job->y, "y");
  RequireFinite(job->delta, "delta");
  return PromiseWorker::Start(
      info.Env(), "kernelShapSolve",
      [job] {
        ShapJob& j = *job;
        KernelShapL1Params p;
        p.mode = j.mode;
        p.value = j.l1Value;
        p.zeroTol = j.zeroTol;
        KernelShapSolveWithSelection(j.masks.data(), j.n, j.M, j.weights.data(), j.y.data(), j.K, j.delta.data(), p,
                                     j.out.data.data());
      },
      [job](Napi::Env env) {
        job->out.Check();
        job->out.Write();
        return env.Undefined();
      });
}

}  // namespace

void RegisterShap(Napi::Env env, Napi::Object exports) {
  Export<KernelShapSolveBinding>(env, exports, "kernelShapSolve");
}

}  // namespace limeshap
