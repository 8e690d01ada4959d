// SPDX-License-Identifier: MIT
#include "simd/cpu.h"

#include <algorithm>
#include <atomic>

namespace limeshap {
namespace {

SimdLevel Detect() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // The AVX-512 path uses F, DQ, BW and VL; the AVX2 path also uses FMA.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    return SimdLevel::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::kAvx2;
#endif
  return SimdLevel::kScalar;
}

std::atomic<int> cap{static_cast<int>(SimdLevel::kAvx512)};

}  // namespace

SimdLevel DetectedSimd() {
  static const SimdLevel level = Detect();
  return level;
}

SimdLevel ActiveSimd() { return static_cast<SimdLevel>(std::min(static_cast<int>(DetectedSimd()), cap.load())); }

void SetSimdCap(SimdLevel level) { cap.store(static_cast<int>(level)); }

SimdLevel SimdCap() { return static_cast<SimdLevel>(cap.load()); }

const char* SimdName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512: return "avx512";
    case SimdLevel::kAvx2: return "avx2";
    default: return "scalar";
  }
}

}  // namespace limeshap
