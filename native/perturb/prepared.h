// SPDX-License-Identifier: MIT
// An image prepared for compositing: owned copies of what the kernel reads (image, hide, labels),
// the two preprocessed planes (image and replacement, normalised, in the output layout) and the
// runs of equal labels, built once and reused by every call on the same image.
//
// Two sources: 8-bit RGB image and hide with the normalisation (the planes are built here through a
// lookup table), or two float32 planes already normalised in the output layout with any channel
// count (float and 16-bit images, whose values a 256-entry table cannot hold: lib/tensor-planes.ts
// builds them). Either way a sample is the same per-pixel select of the two planes.
//
// Why: the batch engine composites one image in ~60 calls of one model batch each. Per call, the
// binding used to copy image, hide and labels (0.5 MB at 224², on the main thread) and the kernel to
// build both planes (~0.8 ms) — more than the samples themselves cost at batch 16 (~0.05 ms per
// 224² sample). PreparedFor finds a prepared image equal in every input it depends on (pixels,
// hide, labels, size, segment count, normalisation), so results are bit-identical to a rebuild.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "perturb/composite.h"

namespace limeshap {

/// Pixels per block: a block's selector (3 bytes per pixel at most) stays in L1.
constexpr size_t kCompositeBlock = 4096;

/// A run of pixels inside a block, [start, start + length) relative to the block: either one label
/// (`sequential` false) or consecutive labels label, label + 1, … (`sequential` true: the identity
/// label map of pixel-level SHAP, where every equal-label run would be one pixel long).
struct LabelRun {
  uint32_t start, length;
  int32_t label;
  uint32_t sequential;
};

template <class T>
struct CompositePlanes {
  std::vector<T> kept, hidden;  // channels·H·W each, in the output layout
};

class PreparedImage {
 public:
  /// Copies the inputs; builds nothing yet (see Runs and Planes).
  PreparedImage(const uint8_t* image, const uint8_t* hide, const int32_t* labels, int height, int width,
                int numSegments, const CompositeParams& params);

  /// Copies float32 planes already normalised in the output layout (channels·H·W each) and the labels.
  PreparedImage(const float* kept, const float* hidden, const int32_t* labels, int height, int width, int channels,
                bool nhwc, int numSegments);

  /// Whether this was prepared from exactly these 8-bit inputs.
  bool Matches(const uint8_t* image, const uint8_t* hide, const int32_t* labels, int height, int width, int numSegments,
               const CompositeParams& params) const;
  /// Whether this was prepared from exactly these float planes.
  bool MatchesPlanes(const float* kept, const float* hidden, const int32_t* labels, int height, int width, int channels,
                     bool nhwc, int numSegments) const;

  int channels() const { return channels_; }
  int height() const { return height_; }
  int width() const { return width_; }
  int numSegments() const { return numSegments_; }
  const CompositeParams& params() const { return params_; }
  size_t Bytes() const;

  /// The runs of every block (runs[blockRuns[k] .. blockRuns[k + 1]) lie in block k), built on
  /// first use by any thread. Throws std::out_of_range (on every call) when a label is outside
  /// [0, numSegments).
  void Runs(const std::vector<LabelRun>** runs, const std::vector<size_t>** blockRuns) const;

  /// The planes for output element type T (float or uint16_t), built on first use.
  template <class T>
  const CompositePlanes<T>& Planes() const;

 private:
  std::vector<uint8_t> image_, hide_;  // empty when made from planes
  std::vector<int32_t> labels_;
  int height_, width_, numSegments_;
  int channels_ = 3;
  bool fromPlanes_ = false;  // f32_ holds the given planes (no LUT build)
  CompositeParams params_;
  mutable std::once_flag runsOnce_, f32Once_, f16Once_;
  mutable std::string labelError_;
  mutable std::vector<LabelRun> runs_;
  mutable std::vector<size_t> blockRuns_;
  mutable CompositePlanes<float> f32_;
  mutable CompositePlanes<uint16_t> f16_;
};

/// A prepared image for these inputs: a cached one when one matches, else a new one (copying the
/// inputs now, on the calling thread) that is cached. Thread-safe. The cache keeps the few most
/// recent images (explainBatch has 2 in flight by default) up to kPreparedCacheBytes each.
std::shared_ptr<const PreparedImage> PreparedFor(const uint8_t* image, const uint8_t* hide, const int32_t* labels,
                                                 int height, int width, int numSegments, const CompositeParams& params);
/// The same for float planes (the same cache: a float image is composited in as many calls).
std::shared_ptr<const PreparedImage> PreparedForPlanes(const float* kept, const float* hidden, const int32_t* labels,
                                                       int height, int width, int channels, bool nhwc, int numSegments);

constexpr size_t kPreparedCacheEntries = 4;
/// Largest prepared image worth keeping (copies and both float32 planes of a ~1000² image); larger
/// images are composited in few calls relative to their size and would hold too much memory.
constexpr size_t kPreparedCacheBytes = size_t{40} << 20;

}  // namespace limeshap
