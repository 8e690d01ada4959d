// SPDX-License-Identifier: MIT
// Binding of the perturbation compositor:
//   composite(image: Uint8Array, hide: Uint8Array, labels: Int32Array, width, height, masks: Uint8Array,
//             numSegments, params: { scale, mean: [3], std: [3], layout: 'nchw'|'nhwc', channels: 'rgb'|'bgr' },
//             out: Float32Array | Uint16Array, offset) -> Promise<void>
//   compositeSync(same arguments) -> undefined
// Every size is re-checked here (TypeError: wrong type; RangeError: wrong length or value); labels are
// checked by the kernel (in the worker for the Promise form), which rejects/throws an Error.
#include "napi_util.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "composite.h"

namespace limeshap {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
constexpr double kMaxSide = 1 << 15;

double IntArg(const Napi::CallbackInfo& info, size_t i, const char* name, double lo, double hi) {
  if (info.Length() <= i || !info[i].IsNumber()) throw ArgError{false, std::string(name) + " must be a number"};
  const double x = info[i].As<Napi::Number>().DoubleValue();
  if (!(x >= lo && x <= hi) || x != std::floor(x)) {
    throw ArgError{true, std::string(name) + " must be an integer in [" + std::to_string(static_cast<long long>(lo)) +
                             ", " + std::to_string(static_cast<long long>(hi)) + "], got " + std::to_string(x)};
  }
  return x;
}

// A 3-element Array (or typed array) of finite numbers; nonzero ones when `nonzero`.
void Triple(const Napi::Object& params, const char* name, bool nonzero, double out[3]) {
  Napi::Value v = params.Get(name);
  size_t length;
  if (v.IsArray()) {
    length = v.As<Napi::Array>().Length();
  } else if (v.IsTypedArray()) {
    length = v.As<Napi::TypedArray>().ElementLength();
  } else {
    throw ArgError{false, std::string(name) + " must be an array of 3 numbers"};
  }
  if (length != 3) throw ArgError{true, std::string(name) + " must have 3 elements, got " + std::to_string(length)};
  Napi::Object o = v.As<Napi::Object>();
  for (uint32_t c = 0; c < 3; ++c) {
    Napi::Value e = o.Get(c);
    if (!e.IsNumber()) throw ArgError{false, std::string(name) + "[" + std::to_string(c) + "] must be a number"};
    const double x = e.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(x) || (nonzero && x == 0)) {
      throw ArgError{true, std::string(name) + "[" + std::to_string(c) + "] must be finite" +
                               (nonzero ? " and nonzero" : "") + ", got " + std::to_string(x)};
    }
    out[c] = x;
  }
}

bool Choice(const Napi::Object& params, const char* name, const char* a, const char* b) {
  Napi::Value v = params.Get(name);
  if (!v.IsString()) throw ArgError{false, std::string(name) + " must be a string"};
  const std::string s = v.As<Napi::String>().Utf8Value();
  if (s == a) return false;
  if (s == b) return true;
  throw ArgError{true, std::string(name) + " must be '" + a + "' or '" + b + "', got '" + s + "'"};
}

// The checked arguments, and the kernel call they describe.
struct Call {
  std::vector<Napi::Value> keep;  // the typed arrays the kernel reads and writes
  std::function<void()> run;
};

Call ReadCall(const Napi::CallbackInfo& info) {
  if (info.Length() < 9) {
    throw ArgError{false, "expected (image, hide, labels, width, height, masks, numSegments, params, out, offset)"};
  }
  const int width = static_cast<int>(IntArg(info, 3, "width", 1, kMaxSide));
  const int height = static_cast<int>(IntArg(info, 4, "height", 1, kMaxSide));
  const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
  auto image = ArrayArg<uint8_t>(info[0], "image", 3 * n);
  auto hide = ArrayArg<uint8_t>(info[1], "hide", 3 * n);
  auto labels = ArrayArg<int32_t>(info[2], "labels", n);
  const int numSegments = static_cast<int>(IntArg(info, 6, "numSegments", 1, 2147483647.0));

  if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw ArgError{false, "masks must be a Uint8Array"};
  }
  auto masks = info[5].As<Napi::TypedArrayOf<uint8_t>>();
  const size_t maskLength = masks.ElementLength();
  if (maskLength % static_cast<size_t>(numSegments) != 0) {
    throw ArgError{true, "masks has " + std::to_string(maskLength) + " elements, not a multiple of numSegments (" +
                             std::to_string(numSegments) + ")"};
  }
  const size_t samples = maskLength / static_cast<size_t>(numSegments);
  const uint8_t* maskData = masks.Data();
  // This check runs on the main thread for every batch (pixel masks are 50 KB each): test 8 bytes at a
  // time for any bit above the lowest, and find the offending byte only when there is one.
  size_t i = 0;
  for (; i + 8 <= maskLength; i += 8) {
    uint64_t word;
    std::memcpy(&word, maskData + i, sizeof word);
    if (word & 0xFEFEFEFEFEFEFEFEULL) break;
  }
  for (; i < maskLength; ++i) {
    if (maskData[i] > 1) {
      throw ArgError{true, "masks[" + std::to_string(i) + "] = " + std::to_string(maskData[i]) + " is not 0 or 1"};
    }
  }

  Napi::Object o = ObjectArg(info, 7, "params");
  CompositeParams p;
  p.scale = NumberField(o, "scale", -DBL_MAX, DBL_MAX);
  Triple(o, "mean", false, p.mean);
  Triple(o, "std", true, p.std);
  p.nhwc = Choice(o, "layout", "nchw", "nhwc");
  p.bgr = Choice(o, "channels", "rgb", "bgr");

  const Napi::Value outValue = info[8];
  const napi_typedarray_type kind =
      outValue.IsTypedArray() ? outValue.As<Napi::TypedArray>().TypedArrayType() : napi_int8_array;
  if (kind != napi_float32_array && kind != napi_uint16_array) {
    throw ArgError{false, "out must be a Float32Array (float32) or a Uint16Array (float16 bits)"};
  }
  const size_t outLength = outValue.As<Napi::TypedArray>().ElementLength();
  const size_t sampleSize = 3 * n;
  if (outLength % sampleSize != 0) {
    throw ArgError{true, "out has " + std::to_string(outLength) + " elements, not a multiple of 3 * width * height (" +
                             std::to_string(sampleSize) + ")"};
  }
  const double offset =
      info.Length() > 9 && !info[9].IsUndefined() ? IntArg(info, 9, "offset", 0, kMaxSafeInteger) : 0.0;
  const size_t capacity = outLength / sampleSize;
  if (offset > static_cast<double>(capacity) || samples > capacity - static_cast<size_t>(offset)) {
    throw ArgError{true, "out holds " + std::to_string(capacity) + " samples, cannot write " + std::to_string(samples) +
                             " from offset " + std::to_string(static_cast<size_t>(offset))};
  }
  const size_t first = static_cast<size_t>(offset) * sampleSize;

  const uint8_t* img = image.Data();
  const uint8_t* hid = hide.Data();
  const int32_t* lab = labels.Data();
  Call call;
  call.keep = {image, hide, labels, masks, outValue};
  if (kind == napi_float32_array) {
    float* dst = outValue.As<Napi::TypedArrayOf<float>>().Data() + first;
    call.run = [=] { CompositeF32(img, hid, lab, height, width, maskData, numSegments, samples, p, dst); };
  } else {
    uint16_t* dst = outValue.As<Napi::TypedArrayOf<uint16_t>>().Data() + first;
    call.run = [=] { CompositeF16(img, hid, lab, height, width, maskData, numSegments, samples, p, dst); };
  }
  return call;
}

Napi::Value CompositeBinding(const Napi::CallbackInfo& info) {
  Call call = ReadCall(info);
  auto* worker = new PromiseWorker(
      info.Env(), "composite", std::move(call.run), [](Napi::Env env) { return env.Undefined(); }, call.keep);
  worker->Queue();
  return worker->Promise();
}

Napi::Value CompositeSyncBinding(const Napi::CallbackInfo& info) {
  Call call = ReadCall(info);
  call.run();
  return info.Env().Undefined();
}

}  // namespace

void RegisterComposite(Napi::Env env, Napi::Object exports) {
  Export<CompositeBinding>(env, exports, "composite");
  Export<CompositeSyncBinding>(env, exports, "compositeSync");
}

}  // namespace limeshap
