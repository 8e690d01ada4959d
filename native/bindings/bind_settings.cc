// SPDX-License-Identifier: MIT
// Bindings of the process-wide settings: thread count and SIMD level.
#include <cmath>
#include <string>

#include "bindings/napi_util.h"
#include "simd/cpu.h"
#include "util/thread_pool.h"

namespace limeshap {
namespace {

// concurrency(n?): reads or sets the native thread count.
Napi::Value ConcurrencyBinding(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsNumber()) throw ArgError{false, "concurrency must be a number"};
    double n = info[0].As<Napi::Number>().DoubleValue();
    if (!(n >= 1 && n <= 1024) || n != std::floor(n))
      throw ArgError{true, "concurrency must be an integer in [1, 1024]"};
    SetPoolThreads(static_cast<int>(n));
  }
  return Napi::Number::New(info.Env(), PoolThreads());
}

// simdCap(level?): reads or caps the SIMD level ('scalar' | 'avx2' | 'avx512'); returns
// { detected, active, cap }.
Napi::Value SimdBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsString()) throw ArgError{false, "SIMD level must be a string"};
    std::string level = info[0].As<Napi::String>().Utf8Value();
    if (level == "scalar") {
      SetSimdCap(SimdLevel::kScalar);
    } else if (level == "avx2") {
      SetSimdCap(SimdLevel::kAvx2);
    } else if (level == "avx512") {
      SetSimdCap(SimdLevel::kAvx512);
    } else {
      throw ArgError{true, "SIMD level must be 'scalar', 'avx2' or 'avx512', got '" + level + "'"};
    }
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("detected", SimdName(DetectedSimd()));
  o.Set("active", SimdName(ActiveSimd()));
  o.Set("cap", SimdName(SimdCap()));
  return o;
}

}  // namespace

void RegisterSettings(Napi::Env env, Napi::Object exports) {
  Export<ConcurrencyBinding>(env, exports, "concurrency");
  Export<SimdBinding>(env, exports, "simd");
}

}  // namespace limeshap
