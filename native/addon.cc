// SPDX-License-Identifier: MIT
// The addon's entry point. Each bind_*.cc reads its JS arguments into plain C++ values (re-checking
// sizes, copying what worker threads read) and runs its kernels in PromiseWorkers; kernels never see
// N-API types. See napi_util.h for the rules that keep hostile arguments from crashing the process.
#include <napi.h>

#include "bindings/napi_util.h"

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  limeshap::RegisterSegmentation(env, exports);
  limeshap::RegisterSettings(env, exports);
  limeshap::RegisterLime(env, exports);
  limeshap::RegisterComposite(env, exports);
  limeshap::RegisterShap(env, exports);
  limeshap::RegisterMemory(env, exports);
  return exports;
}

NODE_API_MODULE(limeshap, InitAddon)
