// SPDX-License-Identifier: MIT
// Binding of the perturbation compositor:
//   composite(image: Uint8Array, hide: Uint8Array, labels: Int32Array, width, height, masks: Uint8Array,
//             numSegments, params: { scale, mean: [3], std: [3], layout: 'nchw'|'nhwc', channels: 'rgb'|'bgr' },
//             out: Float32Array | Uint16Array, offset) -> Promise<void>
//   compositeSync(same arguments) -> undefined
//   compositePlanes(kept: Float32Array, hidden: Float32Array, labels: Int32Array, width, height, channels,
//                   layout: 'nchw'|'nhwc', masks: Uint8Array, numSegments, out, offset) -> Promise<void>
//   compositePlanesSync(same arguments) -> undefined
// (the planes form: float images, already normalised in the output layout, channels·H·W floats each)
// Every size is re-checked here (TypeError: wrong type; RangeError: wrong length or value); labels are
// checked by the kernel on the addon's own copy (in the worker for the Promise form), which
// rejects/throws a RangeError.
//
// Who owns what the worker touches: image, hide and labels are copied into a prepared image
// (perturb/prepared.h; a call on the same inputs as a recent one shares that one's copies, found by
// comparing bytes), masks are copied. The output is written in place only when its memory cannot be freed or
// shrunk under the worker: a SharedArrayBuffer (cannot be detached, only grown) or a native batch
// buffer from nativeBuffer() (bind_memory.cc; the worker holds a share of it). Any other output is
// composited into native memory and copied into `out` on the main thread once done, after checking
// that `out` is still attached and large enough.
#include "bindings/napi_util.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "perturb/composite.h"
#include "perturb/prepared.h"

namespace limeshap {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
constexpr double kMaxSide = 1 << 15;
// Channels of a float plane (a multispectral model's input; 3 for RGB).
constexpr double kMaxChannels = 1024;

// A 3-element Array (or typed array) of finite numbers; nonzero ones when `nonzero`. Reading the
// elements can run JS (getters, a Proxy): this belongs to the read phase.
void Triple(const Napi::Object& params, const char* name, bool nonzero, double out[3]) {
  Napi::Value v = params.Get(name);
  size_t length;
  if (v.IsTypedArray()) {
    length = ViewOf(v).length;
  } else if (v.IsArray()) {
    length = v.As<Napi::Array>().Length();
  } else {
    throw ArgError{false, std::string(name) + " must be an array of 3 numbers, got " + ShowType(v)};
  }
  if (length != 3) throw ArgError{true, std::string(name) + " must have 3 elements, got " + std::to_string(length)};
  Napi::Object o = v.As<Napi::Object>();
  for (uint32_t c = 0; c < 3; ++c) {
    const std::string element = std::string(name) + "[" + std::to_string(c) + "]";
    const double x = CheckNumber(o.Get(c), element, -DBL_MAX, DBL_MAX);
    if (nonzero && x == 0) throw ArgError{true, element + " must be nonzero, got 0"};
    out[c] = x;
  }
}

bool Choice(const Napi::Object& params, const char* name, const char* a, const char* b) {
  const std::string s = StringField(params, name);
  if (s == a) return false;
  if (s == b) return true;
  throw ArgError{true, std::string(name) + " must be '" + a + "' or '" + b + "', got '" + s + "'"};
}

// Everything the kernel needs, owned (the output excepted: see `dst`).
struct Job {
  std::shared_ptr<const PreparedImage> image;
  std::vector<uint8_t> masks;
  int width = 0, height = 0, numSegments = 0;
  size_t samples = 0, sampleSize = 0, first = 0;  // first: element offset of sample `offset` in out
  CompositeParams params;
  bool half = false;
  // Where the kernel writes: in place (dst non-null), or into `scratch` and then copied.
  void* dst = nullptr;
  std::shared_ptr<void> dstOwner;  // a share of a native batch buffer, when dst lies in one
  std::vector<float> scratchF32;
  std::vector<uint16_t> scratchF16;
  Napi::Reference<Napi::Value> out;  // keeps `out` alive (SharedArrayBuffer) / the copy's destination

  void Run() {
    if (half) {
      uint16_t* d = dst ? static_cast<uint16_t*>(dst) : scratchF16.data();
      CompositeF16(*image, masks.data(), samples, d);
    } else {
      float* d = dst ? static_cast<float*>(dst) : scratchF32.data();
      CompositeF32(*image, masks.data(), samples, d);
    }
  }
};

// Positions of the arguments after the image's: masks and out.
struct Tail {
  size_t masks, out;
};

// The masks and the output (the check phase: no JS runs here), then the prepared image from
// `prepare` (which takes the image's data pointers). `sampleSize`: elements per sample.
template <class Prepare>
void ReadTail(const Napi::CallbackInfo& info, Tail at, size_t sampleSize, size_t offset, bool inPlace, Job* job,
              Prepare prepare) {
  if (!info[at.masks].IsTypedArray() || info[at.masks].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw ArgError{false, "masks must be a Uint8Array, got " + ShowType(info[at.masks])};
  }
  const size_t maskLength = ViewOf(info[at.masks]).length;
  const size_t numSegments = static_cast<size_t>(job->numSegments);
  if (maskLength % numSegments != 0) {
    throw ArgError{true, "masks has " + std::to_string(maskLength) + " elements, not a multiple of numSegments (" +
                             std::to_string(numSegments) + ")"};
  }
  job->samples = maskLength / numSegments;
  const Napi::Value outValue = info[at.out];
  const napi_typedarray_type kind =
      outValue.IsTypedArray() ? outValue.As<Napi::TypedArray>().TypedArrayType() : napi_int8_array;
  if (kind != napi_float32_array && kind != napi_uint16_array) {
    throw ArgError{false,
                   "out must be a Float32Array (float32) or a Uint16Array (float16 bits), got " + ShowType(outValue)};
  }
  job->half = kind == napi_uint16_array;
  job->sampleSize = sampleSize;
  size_t outLength = 0;
  void* outData = nullptr;
  napi_value outBuffer = nullptr;
  {
    napi_typedarray_type t;
    NAPI_THROW_IF_FAILED_VOID(
        info.Env(), napi_get_typedarray_info(info.Env(), outValue, &t, &outLength, &outData, &outBuffer, nullptr));
  }
  if (outLength % job->sampleSize != 0) {
    throw ArgError{true, "out has " + std::to_string(outLength) + " elements, not a multiple of one sample's (" +
                             std::to_string(job->sampleSize) + ")"};
  }
  const size_t capacity = outLength / job->sampleSize;
  if (offset > capacity || job->samples > capacity - offset) {
    throw ArgError{true, "out holds " + std::to_string(capacity) + " samples, cannot write " +
                             std::to_string(job->samples) + " from offset " + std::to_string(offset)};
  }
  job->first = offset * job->sampleSize;

  job->image = prepare();
  job->masks = CopyArray<uint8_t>(info[at.masks], "masks", maskLength);
  // Pixel masks are 50 KB per sample and this runs on the main thread for every batch: test 8 bytes
  // at a time for any bit above the lowest, and find the offending byte only when there is one.
  const uint8_t* maskData = job->masks.data();
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

  const size_t elementSize = job->half ? 2 : 4;
  char* base = static_cast<char*>(outData) + job->first * elementSize;
  const size_t bytes = job->samples * job->sampleSize * elementSize;
  bool isArrayBuffer = true;
  NAPI_THROW_IF_FAILED_VOID(info.Env(), napi_is_arraybuffer(info.Env(), outBuffer, &isArrayBuffer));
  if (inPlace || !isArrayBuffer) {
    job->dst = base;  // main thread now, or a SharedArrayBuffer (kept alive by the reference below)
  } else if ((job->dstOwner = NativeBlockHolding(base, bytes))) {
    job->dst = base;  // a native batch buffer: the worker's share keeps it allocated
  } else if (job->half) {
    job->scratchF16.resize(job->samples * job->sampleSize);
  } else {
    job->scratchF32.resize(job->samples * job->sampleSize);
  }
  job->out = Napi::Persistent(outValue);
}

// Reads and checks the arguments of the 8-bit form. `inPlace`: the caller will run the kernel right
// away on the main thread (compositeSync), so writing straight into any `out` is safe.
std::shared_ptr<Job> ReadCall(const Napi::CallbackInfo& info, bool inPlace) {
  if (info.Length() < 9) {
    throw ArgError{false, "expected (image, hide, labels, width, height, masks, numSegments, params, out, offset)"};
  }
  auto job = std::make_shared<Job>();
  // Read phase: numbers, then the params object (its getters may run JS), then typed-array types.
  job->width = static_cast<int>(CountArg(info, 3, "width", 1, kMaxSide));
  job->height = static_cast<int>(CountArg(info, 4, "height", 1, kMaxSide));
  job->numSegments = static_cast<int>(CountArg(info, 6, "numSegments", 1, 2147483647.0));
  const size_t offset =
      info.Length() > 9 && !info[9].IsUndefined() ? CountArg(info, 9, "offset", 0, kMaxSafeInteger) : 0;
  Napi::Object o = ObjectArg(info, 7, "params");
  CompositeParams& p = job->params;
  p.scale = NumberField(o, "scale", -DBL_MAX, DBL_MAX);
  Triple(o, "mean", false, p.mean);
  Triple(o, "std", true, p.std);
  p.nhwc = Choice(o, "layout", "nchw", "nhwc");
  p.bgr = Choice(o, "channels", "rgb", "bgr");

  // Check phase: no JS runs from here on.
  const size_t n = static_cast<size_t>(job->width) * static_cast<size_t>(job->height);
  const Napi::Value image = ArrayArg<uint8_t>(info[0], "image", 3 * n);
  const Napi::Value hide = ArrayArg<uint8_t>(info[1], "hide", 3 * n);
  const Napi::Value labels = ArrayArg<int32_t>(info[2], "labels", n);
  ReadTail(info, {5, 8}, 3 * n, offset, inPlace, job.get(), [&] {
    return PreparedFor(DataOf<uint8_t>(image, "image", 3 * n), DataOf<uint8_t>(hide, "hide", 3 * n),
                       DataOf<int32_t>(labels, "labels", n), job->height, job->width, job->numSegments, p);
  });
  return job;
}

// Reads and checks the arguments of the planes form (see the file's head).
std::shared_ptr<Job> ReadPlanesCall(const Napi::CallbackInfo& info, bool inPlace) {
  if (info.Length() < 10) {
    throw ArgError{false,
                   "expected (kept, hidden, labels, width, height, channels, layout, masks, numSegments, out, offset)"};
  }
  auto job = std::make_shared<Job>();
  job->width = static_cast<int>(CountArg(info, 3, "width", 1, kMaxSide));
  job->height = static_cast<int>(CountArg(info, 4, "height", 1, kMaxSide));
  const int channels = static_cast<int>(CountArg(info, 5, "channels", 1, kMaxChannels));
  if (!info[6].IsString()) throw ArgError{false, "layout must be 'nchw' or 'nhwc', got " + ShowType(info[6])};
  const std::string layout = info[6].As<Napi::String>().Utf8Value();
  if (layout != "nchw" && layout != "nhwc") {
    throw ArgError{true, "layout must be 'nchw' or 'nhwc', got '" + layout + "'"};
  }
  const bool nhwc = layout == "nhwc";
  job->params.nhwc = nhwc;
  job->numSegments = static_cast<int>(CountArg(info, 8, "numSegments", 1, 2147483647.0));
  const size_t offset =
      info.Length() > 10 && !info[10].IsUndefined() ? CountArg(info, 10, "offset", 0, kMaxSafeInteger) : 0;

  // Check phase: no JS runs from here on. width, height and channels are bounded, so c·h·w fits.
  const size_t n = static_cast<size_t>(job->width) * static_cast<size_t>(job->height);
  const size_t size = static_cast<size_t>(channels) * n;
  const Napi::Value kept = ArrayArg<float>(info[0], "kept", size);
  const Napi::Value hidden = ArrayArg<float>(info[1], "hidden", size);
  const Napi::Value labels = ArrayArg<int32_t>(info[2], "labels", n);
  ReadTail(info, {7, 9}, size, offset, inPlace, job.get(), [&] {
    return PreparedForPlanes(DataOf<float>(kept, "kept", size), DataOf<float>(hidden, "hidden", size),
                             DataOf<int32_t>(labels, "labels", n), job->height, job->width, channels, nhwc,
                             job->numSegments);
  });
  return job;
}

// Copies a finished scratch result into `out` after checking it can still hold it.
template <class T>
void CopyOut(const Job& job, const std::vector<T>& scratch) {
  const ArrayView a = ViewOf(job.out.Value());
  if (a.length < job.first + scratch.size()) {
    throw std::runtime_error("out was detached or resized while compositing ran (" +
                             std::to_string(job.first + scratch.size()) + " elements needed, " +
                             std::to_string(a.length) + " now); nothing was written");
  }
  if (scratch.empty()) return;  // no samples: `out` may even be empty, with a null data pointer
  std::memcpy(static_cast<T*>(a.data) + job.first, scratch.data(), scratch.size() * sizeof(T));
}

Napi::Value Start(const Napi::CallbackInfo& info, std::shared_ptr<Job> job) {
  return PromiseWorker::Start(
      info.Env(), "composite", [job] { job->Run(); },
      [job](Napi::Env env) {
        if (!job->dst) {
          if (job->half) {
            CopyOut(*job, job->scratchF16);
          } else {
            CopyOut(*job, job->scratchF32);
          }
        }
        return env.Undefined();
      });
}

Napi::Value RunNow(const Napi::CallbackInfo& info, std::shared_ptr<Job> job) {
  try {
    job->Run();
  } catch (const std::out_of_range& e) {
    throw ArgError{true, e.what()};
  }
  return info.Env().Undefined();
}

Napi::Value CompositeBinding(const Napi::CallbackInfo& info) { return Start(info, ReadCall(info, false)); }
Napi::Value CompositeSyncBinding(const Napi::CallbackInfo& info) { return RunNow(info, ReadCall(info, true)); }
Napi::Value CompositePlanesBinding(const Napi::CallbackInfo& info) { return Start(info, ReadPlanesCall(info, false)); }
Napi::Value CompositePlanesSyncBinding(const Napi::CallbackInfo& info) {
  return RunNow(info, ReadPlanesCall(info, true));
}

}  // namespace

void RegisterComposite(Napi::Env env, Napi::Object exports) {
  Export<CompositeBinding>(env, exports, "composite");
  Export<CompositeSyncBinding>(env, exports, "compositeSync");
  Export<CompositePlanesBinding>(env, exports, "compositePlanes");
  Export<CompositePlanesSyncBinding>(env, exports, "compositePlanesSync");
}

}  // namespace limeshap
