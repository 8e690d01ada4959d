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

/// How the density pass runs (quickshift.cc). kPairs (default): each symmetric pair's term once, exact
/// densities only where a comparison needs them; kExact: scikit-image's sums for every pixel (the
/// reference the tests compare kPairs with); kCheckAll: kPairs with every comparison treated as too
/// close to call, so every pixel goes through the exact redo (a test of that path). Labels are the
/// same in every mode. Process-wide, for tests and benchmarks.
enum class QsDensityMode { kPairs = 0, kExact = 1, kCheckAll = 2 };
void SetQuickshiftDensityMode(QsDensityMode mode);
QsDensityMode QuickshiftDensityMode();
/// Exact densities computed by kPairs / kCheckAll calls since the process started (for tests).
long QuickshiftExactDensityCount();
/// kPairs calls that ran the exact density pass instead because their certified tolerance was too wide
/// to pay off (quickshift.cc, kMaxPairTolerance), since the process started (for tests).
long QuickshiftExactFallbackCount();
/// The scale of the tie-break noise: 1e-5 (scikit-image's) unless a test sets another. A test hook:
/// with 0, a flat image has exactly tied densities, which only the certified bound keeps from being
/// ordered by the rounding of the pair sums. Labels equal scikit-image's only at 1e-5. Process-wide.
void SetQuickshiftNoiseScale(double scale);
double QuickshiftNoiseScale();
/// The largest |exact density - pair density| seen by kCheckAll calls, as a fraction of the certified
/// bound E (quickshift.cc, DensityTolerance): must stay below 1.
double QuickshiftWorstDensityError();

/// Segments an RGB image (HWC, row-major, 3 channels) into `labels` (height*width, 0..n-1, numbered by
/// the row-major position of each segment's root) and returns n. Throws std::invalid_argument on bad
/// sizes or parameters.
int Quickshift(const uint8_t* rgb, int height, int width, const QuickshiftParams& params, int32_t* labels);

}  // namespace limeshap
