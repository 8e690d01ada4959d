// SPDX-License-Identifier: MIT
// Images prepared for compositing, and their cache (see prepared.h).
#include "perturb/prepared.h"

#include <algorithm>
#include <cstring>
#include <list>
#include <stdexcept>

#include "util/thread_pool.h"

namespace limeshap {
namespace {

float Normalize(int v, double scale, double mean, double sd) {
  return static_cast<float>((static_cast<double>(v) * scale - mean) / sd);
}

void Convert(float x, float* out) { *out = x; }
void Convert(float x, uint16_t* out) { *out = FloatToHalf(x); }

// Float16 planes of float32 planes given by the caller (float images): the same rounding as the LUT's.
void HalfPlanes(const CompositePlanes<float>& f32, CompositePlanes<uint16_t>* planes) {
  planes->kept.resize(f32.kept.size());
  planes->hidden.resize(f32.hidden.size());
  ParallelFor(0, f32.kept.size(), size_t{1} << 14, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) {
      planes->kept[i] = FloatToHalf(f32.kept[i]);
      planes->hidden[i] = FloatToHalf(f32.hidden[i]);
    }
  });
}

template <class T>
void BuildPlanes(const uint8_t* image, const uint8_t* hide, size_t hw, const CompositeParams& p,
                 CompositePlanes<T>* planes) {
  // One LUT per output channel serves both the image and the replacement (same normalisation).
  T lut[3][256];
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) Convert(Normalize(v, p.scale, p.mean[c], p.std[c]), &lut[c][v]);
  }
  const int src[3] = {p.bgr ? 2 : 0, 1, p.bgr ? 0 : 2};
  planes->kept.resize(3 * hw);
  planes->hidden.resize(3 * hw);
  T* kept = planes->kept.data();
  T* hidden = planes->hidden.data();
  ParallelFor(0, hw, size_t{1} << 14, [&](size_t p0, size_t p1) {
    for (size_t q = p0; q < p1; ++q) {
      for (int c = 0; c < 3; ++c) {
        const size_t o = p.nhwc ? 3 * q + c : c * hw + q;
        kept[o] = lut[c][image[3 * q + src[c]]];
        hidden[o] = lut[c][hide[3 * q + src[c]]];
      }
    }
  });
}

bool SameParams(const CompositeParams& a, const CompositeParams& b) {
  return a.scale == b.scale && a.nhwc == b.nhwc && a.bgr == b.bgr && std::memcmp(a.mean, b.mean, sizeof a.mean) == 0 &&
         std::memcmp(a.std, b.std, sizeof a.std) == 0;
}

struct Cache {
  std::mutex mutex;
  std::list<std::shared_ptr<const PreparedImage>> entries;  // most recently used first
};

Cache& TheCache() {
  // Never destroyed: worker threads may still composite while the process exits.
  static Cache* cache = new Cache();
  return *cache;
}

}  // namespace

PreparedImage::PreparedImage(const uint8_t* image, const uint8_t* hide, const int32_t* labels, int height, int width,
                             int numSegments, const CompositeParams& params)
    : height_(height), width_(width), numSegments_(numSegments), params_(params) {
  const size_t hw = static_cast<size_t>(height) * static_cast<size_t>(width);
  image_.assign(image, image + 3 * hw);
  hide_.assign(hide, hide + 3 * hw);
  labels_.assign(labels, labels + hw);
}

PreparedImage::PreparedImage(const float* kept, const float* hidden, const int32_t* labels, int height, int width,
                             int channels, bool nhwc, int numSegments)
    : height_(height), width_(width), numSegments_(numSegments), channels_(channels), fromPlanes_(true) {
  const size_t hw = static_cast<size_t>(height) * static_cast<size_t>(width);
  const size_t n = static_cast<size_t>(channels) * hw;
  params_.nhwc = nhwc;
  f32_.kept.assign(kept, kept + n);
  f32_.hidden.assign(hidden, hidden + n);
  labels_.assign(labels, labels + hw);
}

bool PreparedImage::MatchesPlanes(const float* kept, const float* hidden, const int32_t* labels, int height, int width,
                                  int channels, bool nhwc, int numSegments) const {
  const size_t hw = static_cast<size_t>(height) * static_cast<size_t>(width);
  const size_t n = static_cast<size_t>(channels) * hw;
  return fromPlanes_ && height == height_ && width == width_ && channels == channels_ && nhwc == params_.nhwc &&
         numSegments == numSegments_ && std::memcmp(labels, labels_.data(), hw * sizeof(int32_t)) == 0 &&
         std::memcmp(kept, f32_.kept.data(), n * sizeof(float)) == 0 &&
         std::memcmp(hidden, f32_.hidden.data(), n * sizeof(float)) == 0;
}

bool PreparedImage::Matches(const uint8_t* image, const uint8_t* hide, const int32_t* labels, int height, int width,
                            int numSegments, const CompositeParams& params) const {
  const size_t hw = static_cast<size_t>(height) * static_cast<size_t>(width);
  return !fromPlanes_ && height == height_ && width == width_ && numSegments == numSegments_ &&
         SameParams(params, params_) && std::memcmp(labels, labels_.data(), hw * sizeof(int32_t)) == 0 &&
         std::memcmp(image, image_.data(), 3 * hw) == 0 && std::memcmp(hide, hide_.data(), 3 * hw) == 0;
}

size_t PreparedImage::Bytes() const {
  const size_t hw = static_cast<size_t>(height_) * static_cast<size_t>(width_);
  if (fromPlanes_) return 4 * hw + 2 * static_cast<size_t>(channels_) * hw * sizeof(float);
  return 6 * hw + 4 * hw + 2 * 3 * hw * sizeof(float);
}

void PreparedImage::Runs(const std::vector<LabelRun>** runs, const std::vector<size_t>** blockRuns) const {
  std::call_once(runsOnce_, [this] {
    const size_t hw = labels_.size();
    const uint32_t m = static_cast<uint32_t>(numSegments_);
    for (size_t q = 0; q < hw; ++q) {
      if (static_cast<uint32_t>(labels_[q]) >= m) {
        labelError_ = "labels[" + std::to_string(q) + "] = " + std::to_string(labels_[q]) + " is outside [0, " +
                      std::to_string(numSegments_) + ")";
        return;
      }
    }
    // Runs of equal labels in scan order, cut at block boundaries: a sample's selector is then a
    // memset per run instead of a lookup per pixel (a 224² quickshift segmentation has ~30× fewer
    // runs than pixels). Runs of consecutive labels become one copy of the mask's bytes: with
    // pixel features (each pixel its own player) equal-label runs are all one pixel long, and a
    // memset per pixel made compositing ~5× slower than for superpixels.
    for (size_t q0 = 0; q0 < hw; q0 += kCompositeBlock) {
      blockRuns_.push_back(runs_.size());
      const size_t end = std::min(q0 + kCompositeBlock, hw);
      for (size_t q = q0; q < end;) {
        const int32_t label = labels_[q];
        size_t r = q + 1;
        uint32_t sequential = 0;
        if (r < end && labels_[r] != label && labels_[r] == label + 1) {
          sequential = 1;
          while (r < end && labels_[r] == labels_[r - 1] + 1) ++r;
        } else {
          while (r < end && labels_[r] == label) ++r;
        }
        runs_.push_back({static_cast<uint32_t>(q - q0), static_cast<uint32_t>(r - q), label, sequential});
        q = r;
      }
    }
    blockRuns_.push_back(runs_.size());
  });
  if (!labelError_.empty()) throw std::out_of_range(labelError_);
  *runs = &runs_;
  *blockRuns = &blockRuns_;
}

template <>
const CompositePlanes<float>& PreparedImage::Planes<float>() const {
  if (fromPlanes_) return f32_;  // given, never rebuilt
  std::call_once(f32Once_, [this] { BuildPlanes(image_.data(), hide_.data(), labels_.size(), params_, &f32_); });
  return f32_;
}

template <>
const CompositePlanes<uint16_t>& PreparedImage::Planes<uint16_t>() const {
  std::call_once(f16Once_, [this] {
    if (fromPlanes_) {
      HalfPlanes(f32_, &f16_);
    } else {
      BuildPlanes(image_.data(), hide_.data(), labels_.size(), params_, &f16_);
    }
  });
  return f16_;
}

namespace {

// The cached image `matches` accepts, else `make()`'s, cached when small enough.
template <class Match, class Make>
std::shared_ptr<const PreparedImage> Lookup(Match matches, Make make) {
  Cache& cache = TheCache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  for (auto it = cache.entries.begin(); it != cache.entries.end(); ++it) {
    if (matches(**it)) {
      cache.entries.splice(cache.entries.begin(), cache.entries, it);
      return *it;
    }
  }
  std::shared_ptr<const PreparedImage> prepared = make();
  if (prepared->Bytes() <= kPreparedCacheBytes) {
    cache.entries.push_front(prepared);
    if (cache.entries.size() > kPreparedCacheEntries) cache.entries.pop_back();
  }
  return prepared;
}

}  // namespace

std::shared_ptr<const PreparedImage> PreparedFor(const uint8_t* image, const uint8_t* hide, const int32_t* labels,
                                                 int height, int width, int numSegments,
                                                 const CompositeParams& params) {
  return Lookup(
      [&](const PreparedImage& p) { return p.Matches(image, hide, labels, height, width, numSegments, params); },
      [&] { return std::make_shared<const PreparedImage>(image, hide, labels, height, width, numSegments, params); });
}

std::shared_ptr<const PreparedImage> PreparedForPlanes(const float* kept, const float* hidden, const int32_t* labels,
                                                       int height, int width, int channels, bool nhwc,
                                                       int numSegments) {
  return Lookup(
      [&](const PreparedImage& p) {
        return p.MatchesPlanes(kept, hidden, labels, height, width, channels, nhwc, numSegments);
      },
      [&] {
        return std::make_shared<const PreparedImage>(kept, hidden, labels, height, width, channels, nhwc, numSegments);
      });
}

}  // namespace limeshap
