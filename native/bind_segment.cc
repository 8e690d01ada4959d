// SPDX-License-Identifier: MIT
// Bindings of the segmentation kernels: quickshift, SLIC and the numpy-compatible noise (test hook).
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "napi_util.h"
#include "numpy_random.h"
#include "quickshift.h"
#include "slic.h"

namespace limeshap {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1, JS's largest exact integer
constexpr double kMaxSide = 1 << 15;

struct ImageArgs {
  Napi::TypedArrayOf<uint8_t> rgb;
  Napi::TypedArrayOf<int32_t> labels;
  int width, height;
};

// (rgb: Uint8Array HWC, width, height, params, labels: Int32Array)
ImageArgs ReadImageArgs(const Napi::CallbackInfo& info) {
  if (info.Length() < 5) throw ArgError{false, "expected (rgb, width, height, params, labels)"};
  if (!info[1].IsNumber() || !info[2].IsNumber()) throw ArgError{false, "width and height must be numbers"};
  double w = info[1].As<Napi::Number>().DoubleValue(), h = info[2].As<Napi::Number>().DoubleValue();
  if (!(w >= 1 && w <= kMaxSide && h >= 1 && h <= kMaxSide) || w != static_cast<int>(w) || h != static_cast<int>(h))
    throw ArgError{true, "width and height must be integers in [1, 32768]"};
  ImageArgs a{Napi::TypedArrayOf<uint8_t>(), Napi::TypedArrayOf<int32_t>(), static_cast<int>(w), static_cast<int>(h)};
  const size_t n = static_cast<size_t>(a.width) * a.height;
  a.rgb = ArrayArg<uint8_t>(info[0], "rgb", n * 3);
  a.labels = ArrayArg<int32_t>(info[4], "labels", n);
  return a;
}

Napi::Value QuickshiftBinding(const Napi::CallbackInfo& info) {
  ImageArgs a = ReadImageArgs(info);
  Napi::Object o = ObjectArg(info, 3, "params");
  QuickshiftParams p;
  p.kernelSize = NumberField(o, "kernelSize", 1e-9, 64);
  p.maxDist = NumberField(o, "maxDist", 0, 1e300);
  p.ratio = NumberField(o, "ratio", 0, 1);
  p.sigma = NumberField(o, "sigma", 0, 1000);
  p.convert2lab = BoolField(o, "convert2lab");
  double seed = NumberField(o, "seed", 0, kMaxSafeInteger);
  if (seed != std::floor(seed)) throw ArgError{false, "seed must be an integer"};
  p.seed = static_cast<uint64_t>(seed);
  const uint8_t* rgb = a.rgb.Data();
  int32_t* labels = a.labels.Data();
  int w = a.width, h = a.height;
  auto count = std::make_shared<int>(0);
  auto* worker = new PromiseWorker(
      info.Env(), "quickshift", [=] { *count = Quickshift(rgb, h, w, p, labels); },
      [count](Napi::Env env) { return Napi::Number::New(env, *count); }, {a.rgb, a.labels});
  worker->Queue();
  return worker->Promise();
}

Napi::Value SlicBinding(const Napi::CallbackInfo& info) {
  ImageArgs a = ReadImageArgs(info);
  Napi::Object o = ObjectArg(info, 3, "params");
  SlicParams p;
  p.nSegments = IntField(o, "nSegments", 1, 1e9);
  p.compactness = NumberField(o, "compactness", 1e-9, 1e9);
  p.sigma = NumberField(o, "sigma", 0, 1000);
  p.maxIter = IntField(o, "maxIter", 1, 1e6);
  p.convert2lab = BoolField(o, "convert2lab");
  p.enforceConnectivity = BoolField(o, "enforceConnectivity");
  const uint8_t* rgb = a.rgb.Data();
  int32_t* labels = a.labels.Data();
  int w = a.width, h = a.height;
  auto count = std::make_shared<int>(0);
  auto* worker = new PromiseWorker(
      info.Env(), "slic", [=] { *count = Slic(rgb, h, w, p, labels); },
      [count](Napi::Env env) { return Napi::Number::New(env, *count); }, {a.rgb, a.labels});
  worker->Queue();
  return worker->Promise();
}

// _numpyNormal(seed, scale, out: Float64Array): numpy.random.default_rng(seed).normal(scale, out.length).
// A test hook (the tie-break noise must match numpy bit for bit).
Napi::Value NumpyNormalBinding(const Napi::CallbackInfo& info) {
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsTypedArray())
    throw ArgError{false, "expected (seed, scale, out: Float64Array)"};
  double seed = info[0].As<Napi::Number>().DoubleValue();
  if (!(seed >= 0 && seed <= kMaxSafeInteger) || seed != std::floor(seed))
    throw ArgError{true, "seed must be an integer in [0, 2^53 - 1]"};
  Napi::TypedArray ta = info[2].As<Napi::TypedArray>();
  auto out = ArrayArg<double>(info[2], "out", ta.ElementLength());
  NumpyNormal(static_cast<uint64_t>(seed), info[1].As<Napi::Number>().DoubleValue(), out.Data(), out.ElementLength());
  return info.Env().Undefined();
}

}  // namespace

void RegisterSegmentation(Napi::Env env, Napi::Object exports) {
  Export<QuickshiftBinding>(env, exports, "quickshift");
  Export<SlicBinding>(env, exports, "slic");
  Export<NumpyNormalBinding>(env, exports, "numpyNormal");
}

}  // namespace limeshap
