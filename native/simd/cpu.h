// SPDX-License-Identifier: MIT
// Run-time choice of the SIMD level. Every kernel has a scalar path that is always compiled in; the
// AVX2 and AVX-512 paths live in their own translation units (*_avx2.cc, *_avx512.cc) compiled for
// that level only, and are called only when the CPU (and OS) support it and SIMD is enabled.
#pragma once

namespace limeshap {

enum class SimdLevel { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

/// The best level this CPU supports.
SimdLevel DetectedSimd();
/// The level kernels use now: min(detected, cap), or scalar when SIMD is disabled.
SimdLevel ActiveSimd();
/// Caps the level (tests and benchmarks use this to run every path on one machine).
void SetSimdCap(SimdLevel cap);
SimdLevel SimdCap();
const char* SimdName(SimdLevel level);

}  // namespace limeshap
