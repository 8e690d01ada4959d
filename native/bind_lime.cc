// SPDX-License-Identifier: MIT
// Binding of LIME's fitting stage (lime_fit.h).
#include <memory>
#include <string>

#include "lime_fit.h"
#include "napi_util.h"

namespace limeshap {
namespace {

// limeFit(masks: Uint8Array n*m, n, m, targets: Float64Array n*K, K,
//         params { kernelWidth, regressor, alpha, featureSelection, numFeatures },
//         out { distances, sampleWeights, intercept, coef, score, localPrediction }) -> Promise<void>
Napi::Value LimeFitBinding(const Napi::CallbackInfo& info) {
  if (info.Length() < 7) throw ArgError{false, "expected (masks, n, m, targets, K, params, out)"};
  const size_t n = CountArg(info, 1, "n", 2, 1e8), m = CountArg(info, 2, "m", 1, 1e6), K = CountArg(info, 4, "K", 1, 1e5);
  auto masks = ArrayArg<uint8_t>(info[0], "masks", n * m);
  auto targets = ArrayArg<double>(info[3], "targets", n * K);
  Napi::Object po = ObjectArg(info, 5, "params");
  Napi::Object oo = ObjectArg(info, 6, "out");
  LimeFitParams p;
  p.kernelWidth = NumberField(po, "kernelWidth", 1e-300, 1e300);
  p.regressor = StringField(po, "regressor");
  if (p.regressor != "ridge" && p.regressor != "linear" && p.regressor != "lasso")
    throw ArgError{true, "regressor must be 'ridge', 'linear' or 'lasso'"};
  p.alpha = NumberField(po, "alpha", 0, 1e300);
  std::string fs = StringField(po, "featureSelection");
  // TypeScript's names use dashes; the kernel takes lime's.
  if (fs == "forward") fs = "forward_selection";
  if (fs == "highest-weights") fs = "highest_weights";
  if (fs == "lasso-path") fs = "lasso_path";
  p.featureSelection = fs;
  p.numFeatures = static_cast<size_t>(NumberField(po, "numFeatures", 1, 1e15));
  auto distances = ArrayArg<double>(oo.Get("distances"), "out.distances", n);
  auto weights = ArrayArg<double>(oo.Get("sampleWeights"), "out.sampleWeights", n);
  auto intercept = ArrayArg<double>(oo.Get("intercept"), "out.intercept", K);
  auto coef = ArrayArg<double>(oo.Get("coef"), "out.coef", K * m);
  auto score = ArrayArg<double>(oo.Get("score"), "out.score", K);
  auto local = ArrayArg<double>(oo.Get("localPrediction"), "out.localPrediction", K);
  LimeFitOutput out{distances.Data(), weights.Data(), intercept.Data(), coef.Data(), score.Data(), local.Data()};
  const uint8_t* z = masks.Data();
  const double* y = targets.Data();
  auto* worker = new PromiseWorker(
      info.Env(), "limeFit", [=] { LimeFit(z, n, m, y, K, p, out); },
      [](Napi::Env env) { return env.Undefined(); },
      {masks, targets, distances, weights, intercept, coef, score, local});
  worker->Queue();
  return worker->Promise();
}

}  // namespace

void RegisterLime(Napi::Env env, Napi::Object exports) { Export<LimeFitBinding>(env, exports, "limeFit"); }

}  // namespace limeshap
