// SPDX-License-Identifier: MIT
// Bindings of the segmentation kernels: quickshift, SLIC and the numpy-compatible noise (test hook).
// The worker segments an owned copy of the pixels into a native label vector, copied into the
// caller's `labels` on the main thread when done (napi_util.h explains why).
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bindings/napi_util.h"
#include "segment/color.h"
#include "segment/quickshift.h"
#include "segment/quickshift_kernels.h"
#include "segment/slic.h"
#include "simd/cpu.h"
#include "util/numpy_random.h"

namespace limeshap {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1, JS's largest exact integer
constexpr double kMaxSide = 1 << 15;

struct SegmentJob {
  std::vector<uint8_t> rgb;
  int width, height;
  OutArray<int32_t> labels;
  int count = 0;
};

// (rgb: Uint8Array HWC, width, height, params, labels: Int32Array). `readParams` reads the params
// object (it may run JS) before any buffer is looked at; the job is made after it.
std::shared_ptr<SegmentJob> ReadImageArgs(const Napi::CallbackInfo& info,
                                          const std::function<void(const Napi::Object&)>& readParams) {
  if (info.Length() < 5) throw ArgError{false, "expected (rgb, width, height, params, labels)"};
  const int width = static_cast<int>(CountArg(info, 1, "width", 1, kMaxSide));
  const int height = static_cast<int>(CountArg(info, 2, "height", 1, kMaxSide));
  readParams(ObjectArg(info, 3, "params"));
  const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
  const Napi::Value rgb = ArrayArg<uint8_t>(info[0], "rgb", n * 3);
  const Napi::Value labels = ArrayArg<int32_t>(info[4], "labels", n);
  auto job = std::make_shared<SegmentJob>(
      SegmentJob{CopyArray<uint8_t>(rgb, "rgb", n * 3), width, height, OutArray<int32_t>(labels, "labels", n)});
  return job;
}

Napi::Promise Start(const Napi::CallbackInfo& info, const char* name, std::shared_ptr<SegmentJob> job,
                    std::function<int(SegmentJob&)> run) {
  return PromiseWorker::Start(
      info.Env(), name, [job, run] { job->count = run(*job); },
      [job](Napi::Env env) {
        job->labels.Check();
        job->labels.Write();
        return Napi::Number::New(env, job->count);
      });
}

Napi::Value QuickshiftBinding(const Napi::CallbackInfo& info) {
  QuickshiftParams p;
  auto job = ReadImageArgs(info, [&p](const Napi::Object& o) {
    p.kernelSize = NumberField(o, "kernelSize", 1e-9, 64);
    p.maxDist = NumberField(o, "maxDist", 0, 1e300);
    p.ratio = NumberField(o, "ratio", 0, 1);
    p.sigma = NumberField(o, "sigma", 0, 1000);
    p.convert2lab = BoolField(o, "convert2lab");
    double seed = NumberField(o, "seed", 0, kMaxSafeInteger);
    if (seed != std::floor(seed)) throw ArgError{false, "seed must be an integer, got " + ShowNumber(seed)};
    p.seed = static_cast<uint64_t>(seed);
  });
  return Start(info, "quickshift", job,
               [p](SegmentJob& j) { return Quickshift(j.rgb.data(), j.height, j.width, p, j.labels.data.data()); });
}

Napi::Value SlicBinding(const Napi::CallbackInfo& info) {
  SlicParams p;
  auto job = ReadImageArgs(info, [&p](const Napi::Object& o) {
    p.nSegments = IntField(o, "nSegments", 1, 1e9);
    p.compactness = NumberField(o, "compactness", 1e-9, 1e9);
    p.sigma = NumberField(o, "sigma", 0, 1000);
    p.maxIter = IntField(o, "maxIter", 1, 1e6);
    p.convert2lab = BoolField(o, "convert2lab");
    p.enforceConnectivity = BoolField(o, "enforceConnectivity");
  });
  return Start(info, "slic", job,
               [p](SegmentJob& j) { return Slic(j.rgb.data(), j.height, j.width, p, j.labels.data.data()); });
}

// _numpyNormal(seed, scale, out: Float64Array): numpy.random.default_rng(seed).normal(scale, out.length).
// A test hook (the tie-break noise must match numpy bit for bit). Synchronous, and no argument read
// runs JS, so writing into `out` in place is safe.
Napi::Value NumpyNormalBinding(const Napi::CallbackInfo& info) {
  if (info.Length() < 3) throw ArgError{false, "expected (seed, scale, out: Float64Array)"};
  const double seed = static_cast<double>(CountArg(info, 0, "seed", 0, kMaxSafeInteger));
  const double scale = CheckNumber(info[1], "scale", -1e300, 1e300);
  if (!info[2].IsTypedArray()) throw ArgError{false, "out must be a Float64Array, got " + ShowType(info[2])};
  const size_t length = ViewOf(info[2]).length;
  const Napi::Value out = ArrayArg<double>(info[2], "out", length);
  NumpyNormal(static_cast<uint64_t>(seed), scale, DataOf<double>(out, "out", length), length);
  return info.Env().Undefined();
}

// rgbToLab(rgb: Uint8Array HWC, width, height, out: Float64Array 3·width·height): CIE Lab of every
// pixel as skimage.color.rgb2lab(img_as_float(rgb)), with the one conversion quickshift and SLIC use
// (segment/color.h), so the superpixel tree of SHAP (lib/shap/segment-tree.ts) needs no copy of it.
// Synchronous, and no argument read runs JS, so writing into `out` in place is safe.
Napi::Value RgbToLabBinding(const Napi::CallbackInfo& info) {
  if (info.Length() < 4) throw ArgError{false, "expected (rgb, width, height, out: Float64Array)"};
  const size_t width = CountArg(info, 1, "width", 1, kMaxSide);
  const size_t height = CountArg(info, 2, "height", 1, kMaxSide);
  const size_t n = width * height;
  const Napi::Value rgb = ArrayArg<uint8_t>(info[0], "rgb", 3 * n);
  const Napi::Value out = ArrayArg<double>(info[3], "out", 3 * n);
  const uint8_t* src = DataOf<uint8_t>(rgb, "rgb", 3 * n);
  double* dst = DataOf<double>(out, "out", 3 * n);
  for (size_t p = 0; p < n; ++p) RgbU8ToLab(src + 3 * p, dst + 3 * p);
  return info.Env().Undefined();
}

// quickshiftDensityMode(mode?, noiseScale?): a test hook. Sets how quickshift's density pass runs
// ('pairs', the default; 'exact', scikit-image's sums everywhere; 'check-all', every comparison through
// the exact redo — see QsDensityMode) and the scale of its tie-break noise (1e-5, scikit-image's, unless
// set), and returns { mode, noiseScale, exactDensities, exactFallbacks, worstDensityError } (exact
// densities computed so far; 'pairs' calls that ran the exact pass instead; the largest error of a
// pair density seen in 'check-all' calls, relative to its bound).
Napi::Value QuickshiftDensityModeBinding(const Napi::CallbackInfo& info) {
  static const std::pair<const char*, QsDensityMode> kModes[] = {
      {"pairs", QsDensityMode::kPairs}, {"exact", QsDensityMode::kExact}, {"check-all", QsDensityMode::kCheckAll}};
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsString()) throw ArgError{false, "mode must be a string, got " + ShowType(info[0])};
    const std::string mode = info[0].As<Napi::String>().Utf8Value();
    bool found = false;
    for (const auto& m : kModes) {
      if (mode == m.first) {
        SetQuickshiftDensityMode(m.second);
        found = true;
      }
    }
    if (!found) throw ArgError{true, "mode must be 'pairs', 'exact' or 'check-all', got '" + mode + "'"};
  }
  if (info.Length() > 1 && !info[1].IsUndefined()) SetQuickshiftNoiseScale(CheckNumber(info[1], "noiseScale", 0, 1));
  Napi::Object o = Napi::Object::New(info.Env());
  for (const auto& m : kModes)
    if (m.second == QuickshiftDensityMode()) o.Set("mode", m.first);
  o.Set("noiseScale", QuickshiftNoiseScale());
  o.Set("exactDensities", static_cast<double>(QuickshiftExactDensityCount()));
  o.Set("exactFallbacks", static_cast<double>(QuickshiftExactFallbackCount()));
  o.Set("worstDensityError", QuickshiftWorstDensityError());
  return o;
}

// quickshiftPairExp(x: Float64Array, fast: Float64Array, libm: Float64Array): a test hook. Writes the
// AVX-512 pair density's exp of each x (x <= 0; quickshift_kernels.h) into fast and std::exp into libm
// and returns true; returns false, writing nothing, when the CPU has no AVX-512. Synchronous, and no
// argument read runs JS, so writing in place is safe.
Napi::Value QuickshiftPairExpBinding(const Napi::CallbackInfo& info) {
  if (info.Length() < 3) throw ArgError{false, "expected (x: Float64Array, fast: Float64Array, libm: Float64Array)"};
  if (!info[0].IsTypedArray()) throw ArgError{false, "x must be a Float64Array, got " + ShowType(info[0])};
  const size_t n = ViewOf(info[0]).length;
  const Napi::Value x = ArrayArg<double>(info[0], "x", n);
  const Napi::Value fast = ArrayArg<double>(info[1], "fast", n);
  const Napi::Value libm = ArrayArg<double>(info[2], "libm", n);
  const double* in = DataOf<double>(x, "x", n);
  for (size_t i = 0; i < n; ++i)
    if (!(in[i] <= 0)) throw ArgError{true, "x must hold values <= 0, got " + ShowNumber(in[i])};
  if (DetectedSimd() != SimdLevel::kAvx512) return Napi::Boolean::New(info.Env(), false);
  QsPairExpAvx512(in, DataOf<double>(fast, "fast", n), static_cast<long>(n));
  double* out = DataOf<double>(libm, "libm", n);
  for (size_t i = 0; i < n; ++i) out[i] = std::exp(in[i]);
  return Napi::Boolean::New(info.Env(), true);
}

}  // namespace

void RegisterSegmentation(Napi::Env env, Napi::Object exports) {
  Export<QuickshiftBinding>(env, exports, "quickshift");
  Export<SlicBinding>(env, exports, "slic");
  Export<NumpyNormalBinding>(env, exports, "numpyNormal");
  Export<RgbToLabBinding>(env, exports, "rgbToLab");
  Export<QuickshiftDensityModeBinding>(env, exports, "quickshiftDensityMode");
  Export<QuickshiftPairExpBinding>(env, exports, "quickshiftPairExp");
}

}  // namespace limeshap
