// SPDX-License-Identifier: MIT
// Binding of LIME's fitting stage (lime_fit.h). The worker fits on owned copies of masks and targets
// and writes native vectors; the caller's output arrays are filled on the main thread afterwards
// (napi_util.h explains why).
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bindings/napi_util.h"
#include "lime/lime_fit.h"

namespace limeshap {
namespace {

// The fit builds m x m normal equations per class group: beyond this many segments it needs
// gigabytes and minutes. TypeScript refuses far earlier with advice; this bound keeps a direct
// call from ending in bad_alloc.
constexpr double kMaxSegments = 16384;

struct FitJob {
  std::vector<uint8_t> masks;
  std::vector<double> targets;
  size_t n = 0, m = 0, K = 0;
  LimeFitParams params;
  OutArray<double> distances, weights, intercept, coef, score, local;

  FitJob(const Napi::Object& oo, size_t n_, size_t m_, size_t K_)
      : n(n_),
        m(m_),
        K(K_),
        distances(ArrayArg<double>(oo.Get("distances"), "out.distances", n), "out.distances", n),
        weights(ArrayArg<double>(oo.Get("sampleWeights"), "out.sampleWeights", n), "out.sampleWeights", n),
        intercept(ArrayArg<double>(oo.Get("intercept"), "out.intercept", K), "out.intercept", K),
        coef(ArrayArg<double>(oo.Get("coef"), "out.coef", K * m), "out.coef", K * m),
        score(ArrayArg<double>(oo.Get("score"), "out.score", K), "out.score", K),
        local(ArrayArg<double>(oo.Get("localPrediction"), "out.localPrediction", K), "out.localPrediction", K) {}
};

const std::pair<const char*, LimeRegressor> kRegressors[] = {
    {"ridge", LimeRegressor::kRidge}, {"linear", LimeRegressor::kLinear}, {"lasso", LimeRegressor::kLasso}};

// TypeScript's names use dashes, lime's underscores: both are accepted.
const std::pair<const char*, FeatureSelection> kFeatureSelections[] = {
    {"none", FeatureSelection::kNone},
    {"forward", FeatureSelection::kForwardSelection},
    {"forward_selection", FeatureSelection::kForwardSelection},
    {"highest-weights", FeatureSelection::kHighestWeights},
    {"highest_weights", FeatureSelection::kHighestWeights},
    {"lasso-path", FeatureSelection::kLassoPath},
    {"lasso_path", FeatureSelection::kLassoPath},
    {"auto", FeatureSelection::kAuto}};

// limeFit(masks: Uint8Array n*m, n, m, targets: Float64Array n*K, K,
//         params { kernelWidth, regressor, alpha, featureSelection, numFeatures },
//         out { distances, sampleWeights, intercept, coef, score, localPrediction }) -> Promise<void>
Napi::Value LimeFitBinding(const Napi::CallbackInfo& info) {
  if (info.Length() < 7) throw ArgError{false, "expected (masks, n, m, targets, K, params, out)"};
  // Read phase (getters of params and out may run JS).
  const size_t n = CountArg(info, 1, "n (number of samples)", 2, 1e8);
  const size_t m = CountArg(info, 2, "m (number of segments)", 1, kMaxSegments);
  const size_t K = CountArg(info, 4, "K (number of explained classes)", 1, 1e5);
  if (static_cast<double>(n) * static_cast<double>(m) > 4e9)
    throw ArgError{true, "n x m (samples x segments) is too large"};
  Napi::Object po = ObjectArg(info, 5, "params");
  Napi::Object oo = ObjectArg(info, 6, "out");
  LimeFitParams p;
  // lime's weights are sqrt(exp(-d² / kernelWidth²)): kernelWidth² must be a positive, finite double,
  // or the weight of the sample at distance 0 is 0/0 = NaN.
  p.kernelWidth = NumberField(po, "kernelWidth", 1e-150, 1e150);
  p.regressor = NameField(po, "regressor", kRegressors, "'ridge', 'linear' or 'lasso'");
  p.alpha = NumberField(po, "alpha", 0, 1e300);
  p.featureSelection = NameField(po, "featureSelection", kFeatureSelections,
                                 "'none', 'forward', 'highest-weights', 'lasso-path' or 'auto'");
  p.numFeatures = static_cast<size_t>(NumberField(po, "numFeatures", 1, 1e15));
  auto job = std::make_shared<FitJob>(oo, n, m, K);
  job->params = p;
  const Napi::Value masks = ArrayArg<uint8_t>(info[0], "masks", n * m);
  const Napi::Value targets = ArrayArg<double>(info[3], "targets", n * K);

  // Copy phase: no JS from here on.
  job->masks = CopyArray<uint8_t>(masks, "masks", n * m);
  job->targets = CopyArray<double>(targets, "targets", n * K);
  // Non-finite targets make every candidate score NaN in forward selection (and poison every fit):
  // refuse them here, naming the first one.
  for (size_t i = 0; i < n * K; ++i) {
    const double t = job->targets[i];
    if (!std::isfinite(t))
      throw ArgError{true, "targets[" + std::to_string(i) + "] (sample " + std::to_string(i / K) + ", class " +
                               std::to_string(i % K) + ") must be finite, got " + ShowNumber(t)};
  }
  return PromiseWorker::Start(
      info.Env(), "limeFit",
      [job] {
        FitJob& j = *job;
        LimeFitOutput out{j.distances.data.data(), j.weights.data.data(), j.intercept.data.data(),
                          j.coef.data.data(),      j.score.data.data(),   j.local.data.data()};
        LimeFit(j.masks.data(), j.n, j.m, j.targets.data(), j.K, j.params, out);
      },
      [job](Napi::Env env) {
        const OutArray<double>* outs[] = {&job->distances, &job->weights, &job->intercept,
                                          &job->coef,      &job->score,   &job->local};
        for (auto* o : outs) o->Check();  // all or nothing
        for (auto* o : outs) o->Write();
        return env.Undefined();
      });
}

}  // namespace

void RegisterLime(Napi::Env env, Napi::Object exports) { Export<LimeFitBinding>(env, exports, "limeFit"); }

}  // namespace limeshap
