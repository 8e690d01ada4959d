// SPDX-License-Identifier: MIT
// Perturbation compositing straight into a model's input tensor.
//
// For every sample b of a batch and every pixel p of an H×W image, output element (b, c, p) is
//   masks[b·M + labels[p]] != 0 ? norm_c(image[p, src(c)]) : norm_c(hide[p, src(c)])
// where norm_c(v) = float32(((double)v·scale − mean[c]) / std[c]) and src(c) = c (RGB) or 2 − c (BGR);
// mean/std are indexed by the OUTPUT channel c (the model's channel order). Float16 output is the
// round-to-nearest-even conversion of that float32 value.
//
// How: a 256-entry LUT per channel gives two preprocessed planes (image and hide) in the output
// layout, built once per image (prepared.h); each sample is then a byte-selector-driven select of
// the two planes (AVX-512 mask blend / AVX2 blendv / scalar), so every path writes bit-identical
// results. The selector is filled run by run of equal labels. Samples are spread over the thread
// pool a few per chunk.
#pragma once

#include <cstddef>
#include <cstdint>

namespace limeshap {

struct CompositeParams {
  double scale = 1.0;
  double mean[3] = {0, 0, 0};
  double std[3] = {1, 1, 1};
  bool nhwc = false;  // false: [B, 3, H, W]; true: [B, H, W, 3]
  bool bgr = false;   // output channel c reads input channel 2 - c
};

class PreparedImage;  // prepared.h: the image, hide, labels and parameters, with what is built from them

/// Writes numSamples samples (masks: numSamples × numSegments bytes, 0 or 1) to `out` (which points
/// at the first of them: the caller applies any sample offset), each channels·height·width elements
/// (3 for an image prepared from 8-bit RGB; prepared float planes may have any channel count).
/// Throws std::out_of_range (before writing anything) when a label is outside [0, numSegments).
void CompositeF32(const PreparedImage& image, const uint8_t* masks, size_t numSamples, float* out);
void CompositeF16(const PreparedImage& image, const uint8_t* masks, size_t numSamples, uint16_t* out);

/// IEEE binary16 bits of x, rounded to nearest even (overflow to ±inf, NaN stays NaN).
uint16_t FloatToHalf(float x);

// ---- Internal: the per-level select kernels (composite.cc, composite_avx2.cc, composite_avx512.cc).
// out[i] = sel[i] ? a[i] : b[i] for i in [0, n). `stream` asks for non-temporal stores (the caller
// writes far more than the caches hold); a kernel that streams ends with a store fence.
void CompositeSelectF32Scalar(float* out, const float* a, const float* b, const uint8_t* sel, size_t n, bool stream);
void CompositeSelectF32Avx2(float* out, const float* a, const float* b, const uint8_t* sel, size_t n, bool stream);
void CompositeSelectF32Avx512(float* out, const float* a, const float* b, const uint8_t* sel, size_t n, bool stream);
void CompositeSelectU16Scalar(uint16_t* out, const uint16_t* a, const uint16_t* b, const uint8_t* sel, size_t n,
                              bool stream);
void CompositeSelectU16Avx2(uint16_t* out, const uint16_t* a, const uint16_t* b, const uint8_t* sel, size_t n,
                            bool stream);
void CompositeSelectU16Avx512(uint16_t* out, const uint16_t* a, const uint16_t* b, const uint8_t* sel, size_t n,
                              bool stream);

}  // namespace limeshap
