// SPDX-License-Identifier: MIT
// Perturbation compositing (see composite.h): the driver, the scalar select kernels and float16
// conversion. The SIMD select kernels live in composite_avx2.cc / composite_avx512.cc.
#include "perturb/composite.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "perturb/prepared.h"
#include "simd/cpu.h"
#include "util/thread_pool.h"

namespace limeshap {

uint16_t FloatToHalf(float x) {
  uint32_t f;
  std::memcpy(&f, &x, sizeof f);
  const uint16_t sign = static_cast<uint16_t>((f >> 16) & 0x8000u);
  uint32_t a = f & 0x7fffffffu;
  if (a >= 0x7f800000u) {  // inf or NaN (NaN keeps its top payload bits and stays quiet)
    return static_cast<uint16_t>(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u | ((a >> 13) & 0x3ffu) : 0u));
  }
  if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (a < 0x38800000u) {
    // Below 2^-14: a subnormal half (or zero). Adding 0.5f aligns the value's bits so the FPU's
    // round-to-nearest-even of the float addition is exactly the half rounding.
    float v;
    std::memcpy(&v, &a, sizeof v);
    v += 0.5f;
    uint32_t b;
    std::memcpy(&b, &v, sizeof b);
    return static_cast<uint16_t>(sign | (b - 0x3f000000u));
  }
  const uint32_t odd = (a >> 13) & 1u;
  a += (static_cast<uint32_t>(15 - 127) << 23) + 0xfffu + odd;  // rebias, round to nearest even
  return static_cast<uint16_t>(sign | (a >> 13));
}

// Branch-free bit selects (the compiler vectorises them with baseline SSE2; a branch per element
// would mispredict at every segment border).
void CompositeSelectF32Scalar(float* out, const float* a, const float* b, const uint8_t* sel, size_t n, bool) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t x, y;
    std::memcpy(&x, a + i, sizeof x);
    std::memcpy(&y, b + i, sizeof y);
    const uint32_t m = 0u - static_cast<uint32_t>(sel[i] != 0);
    const uint32_t r = (x & m) | (y & ~m);
    std::memcpy(out + i, &r, sizeof r);
  }
}

void CompositeSelectU16Scalar(uint16_t* out, const uint16_t* a, const uint16_t* b, const uint8_t* sel, size_t n, bool) {
  for (size_t i = 0; i < n; ++i) {
    const uint16_t m = static_cast<uint16_t>(0u - static_cast<unsigned>(sel[i] != 0));
    out[i] = static_cast<uint16_t>((a[i] & m) | (b[i] & static_cast<uint16_t>(~m)));
  }
}

namespace {

constexpr size_t kBlock = kCompositeBlock;
// Stream (non-temporal stores) only when one call writes more than this. A model batch (16 samples of
// 224x224, 9.6 MB) is read by ONNX Runtime right after it is written, so it should stay in the last-level
// cache: streaming made the composite itself 20-35% faster but session.run on it ~7% slower
// (MobileNetV2-int8, LIME at 1000 samples, this 2-core EPYC), a net loss.
constexpr size_t kStreamBytes = size_t{32} << 20;
// Samples per thread-pool chunk (see Composite).
constexpr size_t kSamplesPerChunk = 4;

using SelectF32 = void (*)(float*, const float*, const float*, const uint8_t*, size_t, bool);
using SelectU16 = void (*)(uint16_t*, const uint16_t*, const uint16_t*, const uint8_t*, size_t, bool);

SelectF32 PickSelect(float*) {
  switch (ActiveSimd()) {
    case SimdLevel::kAvx512: return CompositeSelectF32Avx512;
    case SimdLevel::kAvx2: return CompositeSelectF32Avx2;
    default: return CompositeSelectF32Scalar;
  }
}
SelectU16 PickSelect(uint16_t*) {
  switch (ActiveSimd()) {
    case SimdLevel::kAvx512: return CompositeSelectU16Avx512;
    case SimdLevel::kAvx2: return CompositeSelectU16Avx2;
    default: return CompositeSelectU16Scalar;
  }
}

template <class T>
void Composite(const PreparedImage& image, const uint8_t* masks, size_t numSamples, T* out) {
  const size_t hw = static_cast<size_t>(image.height()) * static_cast<size_t>(image.width());
  const std::vector<LabelRun>* runList;
  const std::vector<size_t>* blockRunList;
  image.Runs(&runList, &blockRunList);  // checks the labels first
  if (numSamples == 0 || hw == 0) return;
  const LabelRun* runs = runList->data();
  const size_t* blockRuns = blockRunList->data();
  const CompositePlanes<T>& planes = image.Planes<T>();
  const T* kept = planes.kept.data();
  const T* hidden = planes.hidden.data();

  const auto select = PickSelect(out);
  const size_t channels = static_cast<size_t>(image.channels());
  const size_t sampleSize = channels * hw;
  const bool stream = numSamples * sampleSize * sizeof(T) > kStreamBytes;
  const bool nhwc = image.params().nhwc;
  const size_t m = static_cast<size_t>(image.numSegments());
  const size_t width3 = nhwc ? channels : 1;  // selector bytes per pixel
  // Chunks of kSamplesPerChunk samples, walked block by block with all the chunk's samples per
  // block: the block's slices of the two planes (96 KB at float32) are then read from L2 for all but
  // the first sample, instead of both whole planes (1.2 MB at 224²) coming from L3 for every sample;
  // chunks stay small so that a thread slowed down by other work takes fewer of them.
  ParallelFor(0, numSamples, kSamplesPerChunk, [&](size_t b0, size_t b1) {
    alignas(64) uint8_t selStack[3 * kBlock];
    // Interleaved layouts of more than 3 channels need a wider selector than the stack one.
    std::vector<uint8_t> selHeap(width3 > 3 ? width3 * kBlock : 0);
    uint8_t* const sel = width3 > 3 ? selHeap.data() : selStack;
    for (size_t q0 = 0, k = 0; q0 < hw; q0 += kBlock, ++k) {
      const size_t n = std::min(kBlock, hw - q0);
      for (size_t b = b0; b < b1; ++b) {
        const uint8_t* keep = masks + b * m;
        T* dst = out + b * sampleSize;
        for (size_t r = blockRuns[k]; r < blockRuns[k + 1]; ++r) {
          const LabelRun& run = runs[r];
          uint8_t* to = sel + width3 * run.start;
          const uint8_t* from = keep + run.label;
          if (!run.sequential) {
            std::memset(to, *from, width3 * run.length);
          } else if (width3 == 1) {
            std::memcpy(to, from, run.length);
          } else if (width3 == 3) {
            for (size_t i = 0; i < run.length; ++i) to[3 * i] = to[3 * i + 1] = to[3 * i + 2] = from[i];
          } else {  // interleaved float planes of another channel count
            for (size_t i = 0; i < run.length; ++i) std::memset(to + width3 * i, from[i], width3);
          }
        }
        if (nhwc) {
          select(dst + channels * q0, kept + channels * q0, hidden + channels * q0, sel, channels * n, stream);
        } else {
          for (size_t c = 0; c < channels; ++c) {
            const size_t o = c * hw + q0;
            select(dst + o, kept + o, hidden + o, sel, n, stream);
          }
        }
      }
    }
  });
}

}  // namespace

void CompositeF32(const PreparedImage& image, const uint8_t* masks, size_t numSamples, float* out) {
  Composite(image, masks, numSamples, out);
}

void CompositeF16(const PreparedImage& image, const uint8_t* masks, size_t numSamples, uint16_t* out) {
  Composite(image, masks, numSamples, out);
}

}  // namespace limeshap
