// SPDX-License-Identifier: MIT
// Binding of the perturbation compositor (composite.h): composite() and compositeSync().
#pragma once

#include "napi_util.h"

namespace limeshap {

/// Adds `composite` (Promise) and `compositeSync` to the exports.
void RegisterComposite(Napi::Env env, Napi::Object exports);

}  // namespace limeshap
