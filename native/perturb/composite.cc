// SPDX-License-Identifier: MIT
// Perturbation compositing (see composite.h): the driver, the scalar select kernels and float16
// conversion. The SIMD select kernels live in composite_avx2.cc / composite_avx512.cc.
#include "perturb/composite.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

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

// Pixels per block: the block's selector (3 bytes per pixel at most) stays in L1.
constexpr size_t kBlock = 4096;
// Stream (non-temporal stores) only when one call writes more than this. A model batch (16 samples of
// 224x224, 9.6 MB) is read by ONNX Runtime right after it is written, so it should stay in the last-level
// cache: streaming made the composite itself 20-35% faster but session.run on it ~7% slower
// (MobileNetV2-int8, LIME at 1000 samples, this 2-core EPYC), a net loss.
constexpr size_t kStreamBytes = size_t{32} << 20;

float Normalize(int v, double scale, double mean, double sd) {
  return static_cast<float>((static_cast<double>(v) * scale - mean) / sd);
}

void Convert(float x, float* out) { *out = x; }
void Convert(float x, uint16_t* out) { *out = FloatToHalf(x); }

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

void CheckLabels(const int32_t* labels, size_t n, int numSegments) {
  std::atomic<size_t> firstBad{n};
  ParallelFor(0, n, size_t{1} << 16, [&](size_t i0, size_t i1) {
    const uint32_t m = static_cast<uint32_t>(numSegments);
    for (size_t i = i0; i < i1; ++i) {
      if (static_cast<uint32_t>(labels[i]) >= m) {
        size_t cur = firstBad.load();
        while (i < cur && !firstBad.compare_exchange_weak(cur, i)) {
        }
        return;
      }
    }
  });
  const size_t bad = firstBad.load();
  if (bad < n) {
    throw std::out_of_range("labels[" + std::to_string(bad) + "] = " + std::to_string(labels[bad]) +
                            " is outside [0, " + std::to_string(numSegments) + ")");
  }
}

template <class T>
void Composite(const uint8_t* image, const uint8_t* hide, const int32_t* labels, int height, int width,
               const uint8_t* masks, int numSegments, size_t numSamples, const CompositeParams& p, T* out) {
  const size_t hw = static_cast<size_t>(height) * static_cast<size_t>(width);
  CheckLabels(labels, hw, numSegments);
  if (numSamples == 0 || hw == 0) return;

  // One LUT per output channel serves both the image and the replacement (same normalisation).
  T lut[3][256];
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) Convert(Normalize(v, p.scale, p.mean[c], p.std[c]), &lut[c][v]);
  }
  const int src[3] = {p.bgr ? 2 : 0, 1, p.bgr ? 0 : 2};

  // The two preprocessed planes, in the output layout (they do not depend on the sample).
  std::vector<T> keptPlane(3 * hw), hiddenPlane(3 * hw);
  T* kept = keptPlane.data();
  T* hidden = hiddenPlane.data();
  ParallelFor(0, hw, size_t{1} << 14, [&](size_t p0, size_t p1) {
    for (size_t q = p0; q < p1; ++q) {
      for (int c = 0; c < 3; ++c) {
        const size_t o = p.nhwc ? 3 * q + c : c * hw + q;
        kept[o] = lut[c][image[3 * q + src[c]]];
        hidden[o] = lut[c][hide[3 * q + src[c]]];
      }
    }
  });

  const auto select = PickSelect(out);
  const size_t sampleSize = 3 * hw;
  const bool stream = numSamples * sampleSize * sizeof(T) > kStreamBytes;
  const bool nhwc = p.nhwc;
  const size_t m = static_cast<size_t>(numSegments);
  ParallelFor(0, numSamples, 1, [&](size_t b0, size_t b1) {
    alignas(64) uint8_t sel[3 * kBlock];
    for (size_t b = b0; b < b1; ++b) {
      const uint8_t* keep = masks + b * m;
      T* dst = out + b * sampleSize;
      for (size_t q0 = 0; q0 < hw; q0 += kBlock) {
        const size_t n = std::min(kBlock, hw - q0);
        if (nhwc) {
          for (size_t i = 0; i < n; ++i) {
            const uint8_t k = keep[labels[q0 + i]];
            sel[3 * i] = k;
            sel[3 * i + 1] = k;
            sel[3 * i + 2] = k;
          }
          select(dst + 3 * q0, kept + 3 * q0, hidden + 3 * q0, sel, 3 * n, stream);
        } else {
          for (size_t i = 0; i < n; ++i) sel[i] = keep[labels[q0 + i]];
          for (size_t c = 0; c < 3; ++c) {
            const size_t o = c * hw + q0;
            select(dst + o, kept + o, hidden + o, sel, n, stream);
          }
        }
      }
    }
  });
}

}  // namespace

void CompositeF32(const uint8_t* image, const uint8_t* hide, const int32_t* labels, int height, int width,
                  const uint8_t* masks, int numSegments, size_t numSamples, const CompositeParams& params, float* out) {
  Composite(image, hide, labels, height, width, masks, numSegments, numSamples, params, out);
}

void CompositeF16(const uint8_t* image, const uint8_t* hide, const int32_t* labels, int height, int width,
                  const uint8_t* masks, int numSegments, size_t numSamples, const CompositeParams& params,
                  uint16_t* out) {
  Composite(image, hide, labels, height, width, masks, numSegments, numSamples, params, out);
}

}  // namespace limeshap
