// SPDX-License-Identifier: MIT
// nativeBuffer(byteLength) -> ArrayBuffer: zeroed memory owned by the addon, for the batch buffers the
// engine composites into (lib/engine.ts). Why: compositing writes ~600 MB per LIME image from worker
// threads; writing in place avoids a second copy, and it is safe only when the memory cannot be
// freed under the worker. Each buffer is a shared block: the ArrayBuffer's finalizer drops JS's share,
// and a running composite holds another (NativeBlockHolding), so GC, a detach or a transfer of the
// ArrayBuffer never frees memory a kernel is writing.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bindings/napi_util.h"

namespace limeshap {
namespace {

// Node 20's largest ArrayBuffer (buffer.constants.MAX_LENGTH): far above any batch buffer.
constexpr double kMaxBytes = 4294967296.0;

struct Block {
  void* data;
  size_t bytes;
  Block(void* d, size_t b) : data(d), bytes(b) {}
  Block(const Block&) = delete;  // one owner of `data`: a copy would free it twice
  Block& operator=(const Block&) = delete;
  ~Block() { std::free(data); }
};

// Live blocks by start address. Read and written on the main thread of any JS thread that loaded
// the addon (worker_threads included), hence the mutex.
std::mutex registryMutex;
std::map<uintptr_t, std::shared_ptr<Block>>& Registry() {
  static auto* registry =
      new std::map<uintptr_t, std::shared_ptr<Block>>();  // never destroyed: finalizers may run at exit
  return *registry;
}

// Drops JS's share of the block at `data`. Idempotent: Node calls the finalizer itself when it fails
// to make the ArrayBuffer, and the binding cleans up after that failure too.
bool ReleaseBlock(void* data) {
  std::lock_guard<std::mutex> lock(registryMutex);
  return Registry().erase(reinterpret_cast<uintptr_t>(data)) > 0;
}

void FinalizeBlock(napi_env env, void* data, void* hint) {
  const size_t bytes = reinterpret_cast<uintptr_t>(hint);
  if (ReleaseBlock(data)) Napi::MemoryManagement::AdjustExternalMemory(Napi::Env(env), -static_cast<int64_t>(bytes));
}

Napi::Value NativeBufferBinding(const Napi::CallbackInfo& info) {
  const size_t bytes = CountArg(info, 0, "byteLength", 1, kMaxBytes);
  void* data = std::calloc(bytes, 1);
  if (!data) throw ArgError{true, "byteLength " + std::to_string(bytes) + " is more memory than is available"};
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    Registry()[reinterpret_cast<uintptr_t>(data)] = std::make_shared<Block>(data, bytes);
  }
  Napi::Env env = info.Env();
  // The raw N-API call rather than Napi::ArrayBuffer::New: on failure Node runs the finalizer itself,
  // and node-addon-api would then free its finalizer record a second time. Here the finalizer has no
  // heap state (the byte count travels as the hint), and releasing twice is harmless.
  napi_value result;
  napi_status status =
      napi_create_external_arraybuffer(env, data, bytes, FinalizeBlock, reinterpret_cast<void*>(bytes), &result);
  if (status != napi_ok) {
    ReleaseBlock(data);
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  return Napi::Value(env, result);
}

}  // namespace

std::shared_ptr<void> NativeBlockHolding(const void* p, size_t bytes) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(registryMutex);
  auto& registry = Registry();
  auto it = registry.upper_bound(start);
  if (it == registry.begin()) return nullptr;
  --it;
  const Block& b = *it->second;
  if (start < it->first || start - it->first > b.bytes || bytes > b.bytes - (start - it->first)) return nullptr;
  return it->second;
}

void RegisterMemory(Napi::Env env, Napi::Object exports) { Export<NativeBufferBinding>(env, exports, "nativeBuffer"); }

}  // namespace limeshap
