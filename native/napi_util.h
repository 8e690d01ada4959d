// SPDX-License-Identifier: MIT
// N-API helpers: argument readers that re-check what TypeScript already validated (a second line of
// defence: a wrong call from JS must throw, never crash), and a worker that runs a kernel on the libuv
// pool and settles a Promise. Only addon.cc and this header include napi.h.
#pragma once

#include <napi.h>

#include <cmath>
#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace limeshap {

/// Thrown by readers; addon.cc turns it into a JS TypeError or RangeError.
struct ArgError {
  bool range;  // RangeError (value out of range) rather than TypeError (wrong type)
  std::string message;
};

inline Napi::Object ObjectArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsObject()) throw ArgError{false, std::string(name) + " must be an object"};
  return info[i].As<Napi::Object>();
}

inline double NumberField(const Napi::Object& o, const char* name, double lo, double hi) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw ArgError{false, std::string(name) + " must be a number"};
  double x = v.As<Napi::Number>().DoubleValue();
  if (!(x >= lo && x <= hi)) throw ArgError{true, std::string(name) + " out of range: " + std::to_string(x)};
  return x;
}

inline int IntField(const Napi::Object& o, const char* name, double lo, double hi) {
  double x = NumberField(o, name, lo, hi);
  if (x != std::floor(x)) throw ArgError{false, std::string(name) + " must be an integer"};
  return static_cast<int>(x);
}

inline std::string StringField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsString()) throw ArgError{false, std::string(name) + " must be a string"};
  return v.As<Napi::String>().Utf8Value();
}

inline bool BoolField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsBoolean()) throw ArgError{false, std::string(name) + " must be a boolean"};
  return v.As<Napi::Boolean>().Value();
}

/// A count argument info[i]: an integer in [lo, hi].
inline size_t CountArg(const Napi::CallbackInfo& info, size_t i, const char* name, double lo, double hi) {
  if (info.Length() <= i || !info[i].IsNumber()) throw ArgError{false, std::string(name) + " must be a number"};
  double x = info[i].As<Napi::Number>().DoubleValue();
  if (!(x >= lo && x <= hi) || x != std::floor(x))
    throw ArgError{true, std::string(name) + " must be an integer in [" + std::to_string(static_cast<long long>(lo)) + ", " +
                             std::to_string(static_cast<long long>(hi)) + "], got " + std::to_string(x)};
  return static_cast<size_t>(x);
}

template <class T> constexpr napi_typedarray_type ArrayKind();
template <> constexpr napi_typedarray_type ArrayKind<uint8_t>() { return napi_uint8_array; }
template <> constexpr napi_typedarray_type ArrayKind<uint16_t>() { return napi_uint16_array; }
template <> constexpr napi_typedarray_type ArrayKind<int32_t>() { return napi_int32_array; }
template <> constexpr napi_typedarray_type ArrayKind<float>() { return napi_float32_array; }
template <> constexpr napi_typedarray_type ArrayKind<double>() { return napi_float64_array; }

/// A typed array argument of element type T whose element count must equal `expected`.
template <class T>
Napi::TypedArrayOf<T> ArrayArg(const Napi::Value& v, const char* name, size_t expected) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != ArrayKind<T>())
    throw ArgError{false, std::string(name) + " must be a typed array of the right element type"};
  Napi::TypedArrayOf<T> ta = v.As<Napi::TypedArrayOf<T>>();
  if (ta.ElementLength() != expected)
    throw ArgError{true, std::string(name) + " has " + std::to_string(ta.ElementLength()) + " elements, expected " +
                             std::to_string(expected)};
  return ta;
}

/// Wraps a binding so ArgError becomes TypeError/RangeError and std exceptions become Error.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    return Fn(info);
  } catch (const ArgError& e) {
    if (e.range) {
      Napi::RangeError::New(env, e.message).ThrowAsJavaScriptException();
    } else {
      Napi::TypeError::New(env, e.message).ThrowAsJavaScriptException();
    }
  } catch (const Napi::Error& e) {
    throw;
  } catch (const std::exception& e) {
    Napi::Error::New(env, e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

/// Runs `work` off the main thread and settles a Promise with `done(env)` or the error. The JS values
/// in `keep` (the typed arrays the kernel reads and writes) stay referenced until then, so the
/// garbage collector cannot free memory the kernel is using.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name, std::function<void()> work,
                std::function<Napi::Value(Napi::Env)> done, const std::vector<Napi::Value>& keep)
      : Napi::AsyncWorker(env, name), name_(name), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), done_(std::move(done)) {
    for (const auto& v : keep) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError(std::string("unknown native error in ") + name_);
    }
  }
  void OnOK() override { deferred_.Resolve(done_(Env())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::string name_;
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::vector<Napi::ObjectReference> refs_;
};

/// Adds fn to exports as `name`, with errors mapped by Guarded.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<Guarded<Fn>>(env, name));
}

/// Each bind_*.cc adds its module's functions to the exports.
void RegisterSegmentation(Napi::Env env, Napi::Object exports);
void RegisterSettings(Napi::Env env, Napi::Object exports);
void RegisterLime(Napi::Env env, Napi::Object exports);
void RegisterComposite(Napi::Env env, Napi::Object exports);
void RegisterShap(Napi::Env env, Napi::Object exports);

}  // namespace limeshap
