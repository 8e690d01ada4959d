// SPDX-License-Identifier: MIT
//
// SLIC superpixels (Achanta et al., "SLIC Superpixels Compared to State-of-the-art Superpixel
// Methods", TPAMI 2012), following the semantics of scikit-image's
// `skimage.segmentation.slic` (as of scikit-image 0.26; the output was checked to be identical,
// label for label, on photos and on random small/flat/1-pixel-wide images) for a 2-D RGB image
// with the default spacing, no mask, slic_zero=False and start_label=0. Older releases (before
// the min/max rescale and before smoothing moved after the Lab conversion) differ slightly.
//
// Layout: `rgb` is HWC uint8 RGB, row-major, 3 bytes per pixel, no row padding;
// `labels` receives height*width int32 values in the same row-major order.
//
// Algorithm (each step mirrors the reference so that LIME/SHAP explanations built on these
// segments look like those built with the Python stack):
//   1. img_as_float: v = u8 * (1/255), then the whole image (all channels together) is rescaled
//      to [0, 1] by its min and max (skimage does this so that `compactness` does not depend on
//      the input's scale; a constant image becomes all zeros).
//   2. If convert2lab: sRGB -> CIE XYZ (sRGB gamma, D65 matrix) -> CIE L*a*b* with the D65 / 2°
//      white (0.95047, 1, 1.08883) and f(t) = cbrt(t) if t > 0.008856 else 7.787 t + 16/116
//      (segment/color.h, shared with quickshift: the cube root is the correctly rounded one numpy's
//      cbrt gives).
//   3. If sigma > 0: separable Gaussian (scipy.ndimage.gaussian_filter semantics: truncate 4.0,
//      mode 'reflect' = half-sample symmetric, spatial axes only, channels not mixed).
//   4. Features are multiplied by 1/compactness; the spatial term is weighted by 1/step², so the
//      distance is |Δcolor|²/compactness² + |Δposition|²/step² (the SLIC paper's D with
//      m = compactness and S = step).
//   5. Seeds: skimage's `regular_grid` over the (1, H, W) volume with n_segments points: the
//      step is ~sqrt(H·W/n), rounded half-to-even, starting at floor(step/2). Seed colours start
//      at zero, so the first pass is a pure nearest-seed (spatial) assignment.
//   6. max_iter rounds of k-means restricted to windows of ±2·step around each centre (the
//      window steps come from regular_grid recomputed with the actual number of seeds, as
//      skimage does), followed by the centre update (mean position and colour). A centre that
//      loses all its pixels is dropped (skimage turns it into NaN, which never wins again).
//   7. If enforceConnectivity: skimage's `_enforce_label_connectivity_cython`: a raster scan
//      starts a breadth-first search (4-neighbours, order +x, -x, +y, -y) at every unvisited
//      pixel, capped at max_size = int(maxSizeFactor·H·W/nSeeds) pixels; components smaller than
//      min_size = int(minSizeFactor·H·W/nSeeds) take the label of an already finished adjacent
//      component. Every final segment is 4-connected.
//   8. Labels are renumbered 0..count-1 in row-major order of first appearance.
//
// Deviations from skimage, all in cases where skimage's output would be invalid or undefined:
//   * a pixel that no centre window reached keeps its previous assignment (as in skimage); one
//     never assigned at all (skimage: label -1 and an out-of-bounds write in the update) goes to
//     the nearest live centre by the full SLIC distance;
//   * maxIter <= 0 still performs one assignment pass (skimage would return all -1);
//   * nSegments < 1 is treated as 1; compactness below 1e-12 (or NaN) is replaced by 1e-12;
//     sigma that is NaN or <= 0 means no smoothing, and sigma is capped at max(H, W) (a wider
//     kernel over the reflected, periodic extension is already a near-constant blur) so that
//     the cost stays bounded; maxSizeFactor is clamped so that max_size is in [1, H·W].
//
// Complexity: O(H·W) for conversion; O(H·W·r) for smoothing with r = ceil(4·sigma);
// O(maxIter · H·W · 16·(1 + 1/step)²) ≈ O(maxIter · 16 · H·W) for the k-means (each pixel is
// visited by the ~16 centres whose 4·step windows cover it); O(H·W) for connectivity and
// relabelling. Memory: about 5·8·H·W bytes of scratch. Reentrant (no global state), single
// threaded; callers may run several images in parallel.
#pragma once

#include <cstdint>

namespace limeshap {

struct SlicParams {
  int nSegments = 100;        // approximate number of segments (seeds on a regular grid)
  double compactness = 10.0;  // colour vs space balance; larger = more square segments
  double sigma = 0.0;         // Gaussian pre-smoothing width in pixels (0 = none)
  int maxIter = 10;           // k-means iterations (skimage max_num_iter)
  bool convert2lab = true;    // cluster in CIE L*a*b* (true) or in rescaled RGB (false)
  bool enforceConnectivity = true;
  double minSizeFactor = 0.5;  // segments smaller than this · (H·W/nSeeds) are merged away
  double maxSizeFactor = 3.0;  // connected-component search is capped at this · (H·W/nSeeds)
};

/// Computes SLIC superpixels of an HWC uint8 RGB image (row-major, no padding).
/// Writes labels 0..count-1 into `labels` (height*width values): contiguous, every label
/// non-empty, numbered in row-major order of first appearance, and each segment 4-connected
/// when enforceConnectivity is set. Returns count (>= 1), or 0 without writing anything when
/// `rgb`/`labels` is null or height/width is not positive. height*width must fit in int32.
int Slic(const uint8_t* rgb, int height, int width, const SlicParams& p, int32_t* labels);

}  // namespace limeshap
