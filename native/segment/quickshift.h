// SPDX-License-Identifier: MIT
// Quickshift superpixels with scikit-image 0.19.3 semantics (what LIME segments with).
//
// For uint8 RGB input the labels are identical to `skimage.segmentation.quickshift` (its float64
// path): same Lab conversion, same seeded tie-break noise (numpy's default_rng), same window, same
// summation and scan order, same strict comparisons, same relabelling. See quickshift.cc.
#pragma once

#include <cstdint>

namespace limeshap {

struct QuickshiftParams {
  double kernelSize = 4;    // Gaussian kernel width; window radius ceil(3 * kernelSize)
  double maxDist = 200;     // parents farther than this are cut (the pixel becomes a root)
  double ratio = 0.2;       // weight of colour against space, in [0, 1]
  double sigma = 0;         // Gaussian pre-smoothing of the features (0: none)
  bool convert2lab = true;  // features in CIE Lab (true) or in [0,1] RGB (false)
  uint64_t seed = 42;       // seed of the tie-break noise (numpy.random.default_rng(seed))
};

/// Segments an RGB image (HWC, row-major, 3 channels) into `labels` (height*width, 0..n-1, numbered by
/// the row-major position of each segment's root) and returns n. Throws std::invalid_argument on bad
/// sizes or parameters.
int Quickshift(const uint8_t* rgb, int height, int width, const QuickshiftParams& params, int32_t* labels);

}  // namespace limeshap
