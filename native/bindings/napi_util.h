// SPDX-License-Identifier: MIT
// N-API helpers shared by the bind_*.cc files: argument readers that re-check what TypeScript already
// validated (a second line of defence: a wrong call from JS must throw, never crash), owned copies of
// typed arrays, and a worker that runs a kernel on the libuv pool and settles a Promise.
//
// The rules every binding follows, and why:
//  1. node-addon-api runs with C++ exceptions on (CMakeLists.txt), so a JS exception raised while
//     reading an argument (a throwing getter, a Proxy trap, a revoked Proxy) surfaces as Napi::Error
//     and is rethrown to the caller. Without that, the next N-API call with the exception pending
//     aborted the process (FATAL ERROR napi_throw).
//  2. Read phase first: every object field and number is read (this can run JS) before any typed-array
//     data pointer is taken, because JS run by a getter can detach or shrink a buffer, and a
//     Napi::TypedArrayOf caches the pointer it saw when it was made. Typed arrays are therefore kept as
//     plain Napi::Values until the read phase is over, then checked and copied with no JS in between.
//  3. A worker thread only touches memory the addon owns: inputs are copied into std::vectors, results
//     land in native vectors and are copied into the caller's arrays on the main thread (OnOK), after
//     checking that those arrays are still attached and as long as they were; otherwise the Promise
//     rejects and nothing is written. (Compositing writes in place into memory that cannot go away:
//     see bind_composite.cc.)
//  4. The PromiseWorker is created only once every argument has been read, so a throwing argument can
//     never leave a queued worker behind.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace limeshap {

/// Thrown by readers; Guarded turns it into a JS TypeError or RangeError.
struct ArgError {
  bool range;  // RangeError (value out of range) rather than TypeError (wrong type)
  std::string message;
};

/// A number as JS would print it (shortest round-trip form, NaN, Infinity), for error messages:
/// std::to_string prints 1e-200 as "0.000000", which hides the very value that was refused.
inline std::string ShowNumber(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  if (x == std::floor(x) && std::fabs(x) < 1e21) {  // JS prints integers in full below 1e21
    std::snprintf(buf, sizeof buf, "%.0f", x);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

/// What a value is, for TypeError messages ("got string", "got a Float32Array").
inline std::string ShowType(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "the number " + ShowNumber(v.As<Napi::Number>().DoubleValue());
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    case napi_external: return "an external";
    case napi_object: break;
  }
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array: return "an Int8Array";
      case napi_uint8_array: return "a Uint8Array";
      case napi_uint8_clamped_array: return "a Uint8ClampedArray";
      case napi_int16_array: return "an Int16Array";
      case napi_uint16_array: return "a Uint16Array";
      case napi_int32_array: return "an Int32Array";
      case napi_uint32_array: return "a Uint32Array";
      case napi_float32_array: return "a Float32Array";
      case napi_float64_array: return "a Float64Array";
      default: return "a typed array";
    }
  }
  if (v.IsArray()) return "an Array";
  return "an object";
}

inline Napi::Object ObjectArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsObject())
    throw ArgError{
        false, std::string(name) + " must be an object, got " + (info.Length() <= i ? "undefined" : ShowType(info[i]))};
  return info[i].As<Napi::Object>();
}

/// A number in [lo, hi] (NaN is out of range). `name` is how the caller knows the value.
inline double CheckNumber(const Napi::Value& v, const std::string& name, double lo, double hi) {
  if (!v.IsNumber()) throw ArgError{false, name + " must be a number, got " + ShowType(v)};
  double x = v.As<Napi::Number>().DoubleValue();
  if (!(x >= lo && x <= hi))
    throw ArgError{true, name + " must be in [" + ShowNumber(lo) + ", " + ShowNumber(hi) + "], got " + ShowNumber(x)};
  return x;
}

inline double NumberField(const Napi::Object& o, const char* name, double lo, double hi) {
  return CheckNumber(o.Get(name), name, lo, hi);
}

inline int IntField(const Napi::Object& o, const char* name, double lo, double hi) {
  double x = NumberField(o, name, lo, hi);
  if (x != std::floor(x)) throw ArgError{false, std::string(name) + " must be an integer, got " + ShowNumber(x)};
  return static_cast<int>(x);
}

inline std::string StringField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsString()) throw ArgError{false, std::string(name) + " must be a string, got " + ShowType(v)};
  return v.As<Napi::String>().Utf8Value();
}

/// A string field that must be one of the names in `table` (name -> value): how a binding maps an option
/// to a kernel's enum. `expected` lists the accepted names for the error ("'a', 'b' or 'c'").
template <class E, size_t N>
E NameField(const Napi::Object& o, const char* name, const std::pair<const char*, E> (&table)[N],
            const char* expected) {
  const std::string s = StringField(o, name);
  for (const auto& entry : table)
    if (s == entry.first) return entry.second;
  throw ArgError{true, std::string(name) + " must be " + expected + ", got '" + s + "'"};
}

inline bool BoolField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsBoolean()) throw ArgError{false, std::string(name) + " must be a boolean, got " + ShowType(v)};
  return v.As<Napi::Boolean>().Value();
}

/// A count argument info[i]: an integer in [lo, hi]. `name` says what it counts, for the user.
inline size_t CountArg(const Napi::CallbackInfo& info, size_t i, const char* name, double lo, double hi) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw ArgError{
        false, std::string(name) + " must be a number, got " + (info.Length() <= i ? "undefined" : ShowType(info[i]))};
  double x = info[i].As<Napi::Number>().DoubleValue();
  if (!(x >= lo && x <= hi) || x != std::floor(x))
    throw ArgError{true, std::string(name) + " must be an integer in [" + ShowNumber(lo) + ", " + ShowNumber(hi) +
                             "], got " + ShowNumber(x)};
  return static_cast<size_t>(x);
}

template <class T>
constexpr bool kAlwaysFalse = false;

// The typed-array kind holding elements of type T.
template <class T>
constexpr napi_typedarray_type ArrayKind() {
  if constexpr (std::is_same_v<T, uint8_t>)
    return napi_uint8_array;
  else if constexpr (std::is_same_v<T, uint16_t>)
    return napi_uint16_array;
  else if constexpr (std::is_same_v<T, int32_t>)
    return napi_int32_array;
  else if constexpr (std::is_same_v<T, float>)
    return napi_float32_array;
  else if constexpr (std::is_same_v<T, double>)
    return napi_float64_array;
  else
    static_assert(kAlwaysFalse<T>, "no typed array holds this element type");
}

/// The typed array's element type, length and data pointer as they are NOW (Napi::TypedArray caches
/// them at construction, which is exactly what must not be trusted after JS has run). A detached
/// buffer, or one shrunk below the view, reports length 0.
struct ArrayView {
  napi_typedarray_type type;
  size_t length;
  void* data;
};
inline ArrayView ViewOf(const Napi::Value& v) {
  ArrayView a{napi_int8_array, 0, nullptr};
  napi_status s = napi_get_typedarray_info(v.Env(), v, &a.type, &a.length, &a.data, nullptr, nullptr);
  NAPI_THROW_IF_FAILED(v.Env(), s, a);
  return a;
}

/// Checks that v is a typed array of element type T with exactly `expected` elements (the read
/// phase). Returns the value, still a plain Napi::Value: take data only with CopyArray/DataOf.
template <class T>
Napi::Value ArrayArg(const Napi::Value& v, const char* name, size_t expected) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != ArrayKind<T>())
    throw ArgError{false, std::string(name) + " must be a typed array of the right element type, got " + ShowType(v)};
  const size_t length = ViewOf(v).length;
  if (length != expected)
    throw ArgError{
        true, std::string(name) + " has " + std::to_string(length) + " elements, expected " + std::to_string(expected)};
  return v;
}

/// The data of a typed array already checked by ArrayArg, re-checked now: call it only after the
/// read phase, and run no JS while the pointer is in use (main thread only).
template <class T>
T* DataOf(const Napi::Value& v, const char* name, size_t expected) {
  const ArrayView a = ViewOf(v);
  if (a.type != ArrayKind<T>() || a.length != expected)
    throw ArgError{true, std::string(name) + " has " + std::to_string(a.length) + " elements, expected " +
                             std::to_string(expected) + " (was it detached or resized during the call?)"};
  return static_cast<T*>(a.data);
}

/// An owned copy of a typed array already checked by ArrayArg (for worker threads, and so that JS
/// changing the array during the call cannot change what was validated).
template <class T>
std::vector<T> CopyArray(const Napi::Value& v, const char* name, size_t expected) {
  const T* data = DataOf<T>(v, name, expected);
  return std::vector<T>(data, data + expected);
}

/// A caller's output array, filled from a native vector on the main thread when the work is done.
template <class T>
struct OutArray {
  Napi::Reference<Napi::Value> ref;  // keeps the JS array alive until then
  std::string name;
  std::vector<T> data;

  OutArray(const Napi::Value& v, const char* n, size_t length) : ref(Napi::Persistent(v)), name(n), data(length) {}
  /// Throws (Error) when the array no longer has the length it had: detached or resized meanwhile.
  void Check() const {
    const ArrayView a = ViewOf(ref.Value());
    if (a.type != ArrayKind<T>() || a.length != data.size())
      throw std::runtime_error(name + " was detached or resized while the native call ran (" +
                               std::to_string(data.size()) + " elements expected, " + std::to_string(a.length) +
                               " now); nothing was written");
  }
  void Write() const {
    const ArrayView a = ViewOf(ref.Value());
    if (!data.empty()) std::memcpy(a.data, data.data(), data.size() * sizeof(T));
  }
};

/// Kernels throw std::out_of_range for a value outside its allowed range (a label above the segment
/// count, say): the Promise rejects with a RangeError for those and with an Error for anything else.
struct WorkError {
  bool range = false;
  std::string message;
};

/// Runs `work` off the main thread and settles a Promise with `done(env)` or the error. `done` runs on
/// the main thread and may throw (it checks and fills the caller's output arrays); the Promise then
/// rejects. `work` must only touch memory it owns (captured by value or through shared_ptr).
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env, name),
        name_(name),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        done_(std::move(done)) {}

  /// Queues the work and returns its Promise.
  static Napi::Promise Start(Napi::Env env, const char* name, std::function<void()> work,
                             std::function<Napi::Value(Napi::Env)> done) {
    auto* worker = new PromiseWorker(env, name, std::move(work), std::move(done));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::out_of_range& e) {
      error_ = {true, e.what()};
    } catch (const std::bad_alloc&) {
      error_ = {false, std::string(name_) + ": out of memory"};
    } catch (const std::exception& e) {
      error_ = {false, e.what()};
    } catch (...) {
      error_ = {false, std::string("unknown native error in ") + name_};
    }
    if (!error_.message.empty()) SetError(error_.message);
  }
  // Nothing may escape from OnOK/OnError: an exception there would become an uncaught exception in a
  // libuv callback (or, when the environment is shutting down, std::terminate) instead of this
  // Promise's rejection.
  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(done_(env));
      return;
    } catch (const Napi::Error& e) {
      Settle([&] { deferred_.Reject(e.Value()); });
    } catch (const std::exception& e) {
      Settle([&] { deferred_.Reject(Napi::Error::New(env, std::string(name_) + ": " + e.what()).Value()); });
    } catch (...) {
    }
  }
  void OnError(const Napi::Error& e) override {
    Napi::Env env = Env();
    Settle([&] { deferred_.Reject(error_.range ? Napi::RangeError::New(env, error_.message).Value() : e.Value()); });
  }

 private:
  // Runs a rejection; if even that fails, the environment is going away (a worker thread being
  // terminated, the process exiting) and there is no one left to tell.
  template <class F>
  static void Settle(F&& f) {
    try {
      f();
    } catch (...) {
    }
  }

  std::string name_;
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  WorkError error_;
};

/// Wraps a binding so ArgError becomes TypeError/RangeError, a JS exception raised while reading the
/// arguments reaches the caller unchanged, and std exceptions become Error.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    return Fn(info);
  } catch (const ArgError& e) {
    if (e.range) throw Napi::RangeError::New(env, e.message);
    throw Napi::TypeError::New(env, e.message);
  } catch (const Napi::Error&) {
    throw;  // node-addon-api rethrows it as the JS exception it holds
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "not enough memory for the arguments given");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

/// Adds fn to exports as `name`, with errors mapped by Guarded.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<Guarded<Fn>>(env, name));
}

/// A share of the native buffer (bind_memory.cc: nativeBuffer) that holds bytes [p, p + bytes), or
/// null when that memory is not one. While a worker holds the share the memory stays allocated, even
/// if JS drops, detaches or transfers the ArrayBuffer meanwhile.
std::shared_ptr<void> NativeBlockHolding(const void* p, size_t bytes);

/// Each bind_*.cc adds its module's functions to the exports.
void RegisterSegmentation(Napi::Env env, Napi::Object exports);
void RegisterSettings(Napi::Env env, Napi::Object exports);
void RegisterLime(Napi::Env env, Napi::Object exports);
void RegisterComposite(Napi::Env env, Napi::Object exports);
void RegisterShap(Napi::Env env, Napi::Object exports);
void RegisterMemory(Napi::Env env, Napi::Object exports);

}  // namespace limeshap
