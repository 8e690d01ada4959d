// SPDX-License-Identifier: MIT
// numpy's `default_rng(seed).normal(...)`, reproduced bit for bit.
//
// lime segments images with scikit-image's quickshift, which breaks density ties by adding
// `numpy.random.default_rng(42).normal(scale=1e-5, size=(H, W))`. That noise decides which of two
// equally dense pixels becomes the parent, so a different draw moves segment boundaries; to give
// the same segments as the Python tools we must produce the very same float64 values. That means
// reproducing, exactly as numpy (>= 1.17) does them:
//   * SeedSequence: the integer seed as little-endian uint32 words, hashed into a 4-word pool,
//     then generate_state(4, uint64);
//   * PCG64: 128-bit LCG with XSL-RR output, seeded like pcg's setseq srandom;
//   * random_standard_normal: numpy's 256-layer ziggurat (its own tables, tail and wedge tests);
//   * normal: loc + scale * z with loc = 0.
// The ziggurat tables are computed at first use (numpy_random.cc explains how and why the result
// equals numpy's tables to the last bit); nothing here is copied from numpy's source.
//
// Bit-exactness assumes IEEE-754 double arithmetic without excess precision and without fused
// multiply-adds the source did not ask for (the addon builds with -ffp-contract=off). The rare
// wedge and tail paths call the C library's exp and log1p, as numpy does, so they match the numpy
// that runs against the same libm (any glibc numpy on Linux).
#pragma once

#include <cstddef>
#include <cstdint>

namespace limeshap {

// The PCG64 bit generator of `numpy.random.default_rng(seed)` plus the two draws quickshift needs.
// Not thread-safe (one stream); cheap to copy.
class Pcg64 {
 public:
  // Same stream as numpy.random.default_rng(seed) / PCG64(SeedSequence(seed)).
  explicit Pcg64(uint64_t seed);

  // numpy: bit_generator.random_raw().
  uint64_t NextU64();
  // numpy: Generator.random(): the top 53 bits scaled to [0, 1).
  double NextDouble();
  // numpy: Generator.standard_normal() (the ziggurat).
  double StandardNormal();

 private:
  // 128-bit state and increment as (high, low) 64-bit halves: portable to compilers without
  // __int128 (MSVC).
  uint64_t state_hi_ = 0, state_lo_ = 0;
  uint64_t inc_hi_ = 0, inc_lo_ = 0;
};

// out[i] = numpy.random.default_rng(seed).normal(scale=scale, size=n)[i] for i < n, bit for bit.
// A (H, W) array is the same stream filled row-major, so pass n = H * W.
void NumpyNormal(uint64_t seed, double scale, double* out, size_t n);

}  // namespace limeshap
