// SPDX-License-Identifier: MIT
//
// SLIC superpixels with scikit-image semantics; see slic.h for the algorithm, the data layout,
// the complexity and the (few, documented) deviations from skimage.segmentation.slic.
//
// Floating-point operations are written in the same order as the reference (NumPy / SciPy /
// Cython) performs them, so that with the same libm and no FMA contraction the results match
// bit for bit in the common case; exact equality is nevertheless not a contract.
#include "segment/slic.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "segment/color.h"
#include "segment/gaussian.h"

namespace limeshap {
namespace {

constexpr int kChannels = 3;

// ---------------------------------------------------------------------------------------------
// skimage.util.regular_grid for a 3-D shape (skimage treats a 2-D colour image as a volume of
// depth 1, and the depth axis takes part in the step computation, which is why we keep it).

struct GridSlices {
  int64_t start[3];
  int64_t step[3];
};

GridSlices RegularGrid(const int64_t shape[3], int64_t nPoints) {
  GridSlices g{};
  const double spaceSize =
      static_cast<double>(shape[0]) * static_cast<double>(shape[1]) * static_cast<double>(shape[2]);
  if (spaceSize <= static_cast<double>(nPoints)) {
    // slice(None) on every axis: every voxel is a point, step 1.
    for (int d = 0; d < 3; ++d) {
      g.start[d] = 0;
      g.step[d] = 1;
    }
    return g;
  }
  // Python's sorted() is stable: ties keep axis order.
  int order[3] = {0, 1, 2};
  std::stable_sort(order, order + 3, [&](int a, int b) { return shape[a] < shape[b]; });
  double sorted[3];
  for (int d = 0; d < 3; ++d) sorted[d] = static_cast<double>(shape[order[d]]);

  const double stepSize = std::pow(spaceSize / static_cast<double>(nPoints), 1.0 / 3.0);
  double stepsSorted[3] = {stepSize, stepSize, stepSize};
  double startsSorted[3];
  if (sorted[0] < stepSize || sorted[1] < stepSize || sorted[2] < stepSize) {
    // An axis too short for a full step is "used up" (step = its length) and the remaining
    // axes share the points among themselves.
    for (int dim = 0; dim < 3; ++dim) {
      stepsSorted[dim] = sorted[dim];
      const int rest = 3 - dim - 1;
      if (rest == 0) break;  // unreachable in practice (the check below always succeeds first)
      double sub = 1.0;
      for (int d2 = dim + 1; d2 < 3; ++d2) sub *= sorted[d2];
      const double newSize = std::pow(sub / static_cast<double>(nPoints), 1.0 / rest);
      for (int d2 = dim + 1; d2 < 3; ++d2) stepsSorted[d2] = newSize;
      bool fits = true;
      for (int d2 = 0; d2 < 3; ++d2) fits = fits && !(sorted[d2] < stepsSorted[d2]);
      if (fits) break;
    }
    for (int d = 0; d < 3; ++d) startsSorted[d] = std::floor(stepsSorted[d] / 2.0);
  } else {
    for (int d = 0; d < 3; ++d) startsSorted[d] = std::floor(std::trunc(stepSize) / 2.0);
  }
  for (int d = 0; d < 3; ++d) {
    // Python's round() is half-to-even, which is nearbyint in the default rounding mode.
    double rounded = std::nearbyint(stepsSorted[d]);
    if (!(rounded >= 1.0)) rounded = 1.0;  // defensive: a zero step would loop forever
    g.step[order[d]] = static_cast<int64_t>(rounded);
    g.start[order[d]] = static_cast<int64_t>(startsSorted[d]);
  }
  return g;
}

// ---------------------------------------------------------------------------------------------
// Gaussian smoothing with scipy.ndimage.gaussian_filter semantics (segment/gaussian.h).

void GaussianSmooth(std::vector<double>& img, int64_t H, int64_t W, double sigma) {
  const std::vector<double> w = GaussianHalfKernel(sigma);
  // skimage smooths the (1, H, W, 3) volume with sigma on the depth axis too; along a length-1
  // axis 'reflect' repeats the single sample, so the result is v*w0 + sum (v+v)*w_j, which is v
  // up to rounding. Reproduced for fidelity; it is one cheap pass.
  {
    const size_t r = w.size() - 1;
    for (double& v : img) {
      double tmp = v * w[0];
      for (size_t j = r; j >= 1; --j) tmp += (v + v) * w[j];
      v = tmp;
    }
  }
  GaussianCorrelate1D(img.data(), w, H, W * kChannels, W, kChannels, kChannels);  // axis y: lines are columns
  GaussianCorrelate1D(img.data(), w, W, kChannels, H, W * kChannels, kChannels);  // axis x: lines are rows
}

// ---------------------------------------------------------------------------------------------
// Connectivity enforcement (skimage _enforce_label_connectivity_cython, start_label = 0).

void EnforceConnectivity(const std::vector<int32_t>& segments, int64_t H, int64_t W, int64_t minSize, int64_t maxSize,
                         std::vector<int32_t>& out) {
  const int64_t N = H * W;
  out.assign(static_cast<size_t>(N), -1);
  std::vector<int64_t> coords(static_cast<size_t>(maxSize));
  int32_t currentNewLabel = 0;
  for (int64_t start = 0; start < N; ++start) {
    if (out[static_cast<size_t>(start)] >= 0) continue;
    // A component with no finished neighbour (only possible at the very start of the scan)
    // keeps the label that is about to be issued; skimage does the same.
    int32_t adjacent = currentNewLabel;
    const int32_t label = segments[static_cast<size_t>(start)];
    out[static_cast<size_t>(start)] = currentNewLabel;
    int64_t size = 1;
    int64_t visited = 0;
    coords[0] = start;
    while (visited < size && size < maxSize) {
      const int64_t p = coords[static_cast<size_t>(visited)];
      const int64_t y = p / W, x = p - y * W;
      // Neighbour order +x, -x, +y, -y matters: `adjacent` is the last finished one seen.
      const int64_t nys[4] = {y, y, y + 1, y - 1};
      const int64_t nxs[4] = {x + 1, x - 1, x, x};
      for (int i = 0; i < 4; ++i) {
        const int64_t yy = nys[i], xx = nxs[i];
        if (xx < 0 || xx >= W || yy < 0 || yy >= H) continue;
        const int64_t q = yy * W + xx;
        const int32_t cq = out[static_cast<size_t>(q)];
        if (segments[static_cast<size_t>(q)] == label && cq == -1) {
          out[static_cast<size_t>(q)] = currentNewLabel;
          coords[static_cast<size_t>(size)] = q;
          ++size;
          if (size >= maxSize) break;
        } else if (cq >= 0 && cq != currentNewLabel) {
          adjacent = cq;
        }
      }
      ++visited;
    }
    if (size < minSize) {
      // Too small: absorbed by an adjacent, already finished segment (as in the SLIC paper).
      for (int64_t i = 0; i < size; ++i) out[static_cast<size_t>(coords[static_cast<size_t>(i)])] = adjacent;
    } else {
      ++currentNewLabel;
    }
  }
}

}  // namespace

int Slic(const uint8_t* rgb, int height, int width, const SlicParams& p, int32_t* labels) {
  if (rgb == nullptr || labels == nullptr || height <= 0 || width <= 0) return 0;
  const int64_t H = height, W = width, N = H * W;

  // --- parameter sanitising (see slic.h) -------------------------------------------------------
  const int64_t nSegments = std::max<int64_t>(1, p.nSegments);
  // Tiny values are floored so that 1/compactness stays finite; NaN -> 1e-12 too.
  const double compactness = p.compactness >= 1e-12 ? p.compactness : 1e-12;
  double sigma = p.sigma > 0.0 ? p.sigma : 0.0;  // NaN -> 0
  sigma = std::min(sigma, static_cast<double>(std::max(H, W)));
  const int iterations = std::max(1, p.maxIter);

  // --- 1. img_as_float and rescale to [0, 1] -------------------------------------------------
  // Each output value depends only on the byte, so a 256-entry table covers all channels.
  uint8_t lo = 255, hi = 0;
  for (int64_t i = 0; i < N * kChannels; ++i) {
    lo = std::min(lo, rgb[i]);
    hi = std::max(hi, rgb[i]);
  }
  const double inv255 = 1.0 / 255.0;
  const double fmin = static_cast<double>(lo) * inv255;
  const double fmax = static_cast<double>(hi) * inv255;
  double scaled[256];
  double linear[256];
  for (int u = 0; u < 256; ++u) {
    double v = static_cast<double>(u) * inv255;
    v -= fmin;
    if (fmax != fmin) v /= (fmax - fmin);
    scaled[u] = v;
    linear[u] = SrgbToLinear(v);
  }

  // --- 2. colour space -------------------------------------------------------------------------
  std::vector<double> img(static_cast<size_t>(N * kChannels));
  for (int64_t i = 0; i < N; ++i) {
    const uint8_t* px = rgb + i * kChannels;
    double* out = img.data() + i * kChannels;
    if (p.convert2lab) {
      const double v[3] = {linear[px[0]], linear[px[1]], linear[px[2]]};
      LinearRgbToLab(v, out);
    } else {
      for (int c = 0; c < kChannels; ++c) out[c] = scaled[px[c]];
    }
  }

  // --- 3. smoothing ------------------------------------------------------------------------------
  if (sigma > 0.0) GaussianSmooth(img, H, W, sigma);

  // --- 4. compactness scaling --------------------------------------------------------------------
  const double ratio = 1.0 / compactness;
  for (double& v : img) v = v * ratio;

  // --- 5. seeds ------------------------------------------------------------------------------------
  const int64_t shape[3] = {1, H, W};
  const GridSlices seedGrid = RegularGrid(shape, nSegments);
  std::vector<double> cy, cx, cc;  // centre y, x and colour (3 per centre)
  for (int64_t y = seedGrid.start[1]; y < H; y += seedGrid.step[1]) {
    for (int64_t x = seedGrid.start[2]; x < W; x += seedGrid.step[2]) {
      cy.push_back(static_cast<double>(y));
      cx.push_back(static_cast<double>(x));
      for (int c = 0; c < kChannels; ++c) cc.push_back(0.0);  // skimage seeds colour with 0
    }
  }
  // The depth axis has a single plane and always gets start 0, so every (y, x) seed is kept.
  const int64_t K = static_cast<int64_t>(cy.size());
  // The spatial normaliser uses the seeding step (max over axes, depth step being 1); the
  // search windows use regular_grid recomputed with the actual seed count, as skimage does.
  // skimage passes `step` through a C float; the value is a small integer, so that is exact.
  const double step = static_cast<double>(
      static_cast<float>(std::max<int64_t>({seedGrid.step[0], seedGrid.step[1], seedGrid.step[2]})));
  const double spatialWeight = 1.0 / (step * step);
  const GridSlices windowGrid = RegularGrid(shape, K);
  const int64_t stepY = windowGrid.step[1], stepX = windowGrid.step[2];

  // --- 6. k-means ----------------------------------------------------------------------------------
  std::vector<int32_t> nearest(static_cast<size_t>(N), -1);
  std::vector<double> distance(static_cast<size_t>(N));
  std::vector<uint8_t> alive(static_cast<size_t>(K), 1);
  std::vector<int64_t> counts(static_cast<size_t>(K));
  std::vector<double> sums(static_cast<size_t>(K) * (2 + kChannels));
  for (int it = 0; it < iterations; ++it) {
    std::fill(distance.begin(), distance.end(), DBL_MAX);
    for (int64_t k = 0; k < K; ++k) {
      if (!alive[static_cast<size_t>(k)]) continue;
      const double ky = cy[static_cast<size_t>(k)], kx = cx[static_cast<size_t>(k)];
      const double* kc = cc.data() + k * kChannels;
      // Same truncating casts as the Cython code; bounds are clamped before the cast.
      const int64_t yMin = static_cast<int64_t>(std::max(ky - 2.0 * static_cast<double>(stepY), 0.0));
      const int64_t yMax =
          static_cast<int64_t>(std::min(ky + 2.0 * static_cast<double>(stepY) + 1.0, static_cast<double>(H)));
      const int64_t xMin = static_cast<int64_t>(std::max(kx - 2.0 * static_cast<double>(stepX), 0.0));
      const int64_t xMax =
          static_cast<int64_t>(std::min(kx + 2.0 * static_cast<double>(stepX) + 1.0, static_cast<double>(W)));
      const double c0 = kc[0], c1 = kc[1], c2 = kc[2];
      for (int64_t y = yMin; y < yMax; ++y) {
        double dy = ky - static_cast<double>(y);
        dy *= dy;
        const double* row = img.data() + y * W * kChannels;
        double* drow = distance.data() + y * W;
        int32_t* nrow = nearest.data() + y * W;
        for (int64_t x = xMin; x < xMax; ++x) {
          double dx = kx - static_cast<double>(x);
          dx *= dx;
          double d = (dy + dx) * spatialWeight;
          const double* px = row + x * kChannels;
          const double t0 = px[0] - c0, t1 = px[1] - c1, t2 = px[2] - c2;
          const double dc = t0 * t0 + t1 * t1 + t2 * t2;
          d += dc;
          // Strict '>' keeps the lowest-index centre on ties, as in skimage.
          if (drow[x] > d) {
            drow[x] = d;
            nrow[x] = static_cast<int32_t>(k);
          }
        }
      }
    }
    // skimage's `change` flag is set by every first visit of a pixel in a pass, so it never
    // stops early; the update after the last pass does not affect the labels and is skipped.
    if (it + 1 == iterations) break;

    std::fill(counts.begin(), counts.end(), 0);
    std::fill(sums.begin(), sums.end(), 0.0);
    for (int64_t i = 0; i < N; ++i) {
      const int32_t k = nearest[static_cast<size_t>(i)];
      if (k < 0) continue;  // never reached by any window (skimage: undefined behaviour)
      const int64_t y = i / W, x = i - y * W;
      double* s = sums.data() + static_cast<size_t>(k) * (2 + kChannels);
      ++counts[static_cast<size_t>(k)];
      s[0] += static_cast<double>(y);
      s[1] += static_cast<double>(x);
      for (int c = 0; c < kChannels; ++c) s[2 + c] += img[static_cast<size_t>(i * kChannels + c)];
    }
    for (int64_t k = 0; k < K; ++k) {
      const int64_t n = counts[static_cast<size_t>(k)];
      if (n == 0) {
        alive[static_cast<size_t>(k)] = 0;  // skimage: 0/0 = NaN centre, never wins again
        continue;
      }
      const double dn = static_cast<double>(n);
      const double* s = sums.data() + static_cast<size_t>(k) * (2 + kChannels);
      cy[static_cast<size_t>(k)] = s[0] / dn;
      cx[static_cast<size_t>(k)] = s[1] / dn;
      for (int c = 0; c < kChannels; ++c) cc[static_cast<size_t>(k * kChannels + c)] = s[2 + c] / dn;
    }
  }

  // Pixels no window ever reached: nearest live centre by the full distance. Centre 0 (or some
  // centre) is always alive, because every pass assigns at least the pixels at the centres.
  for (int64_t i = 0; i < N; ++i) {
    if (nearest[static_cast<size_t>(i)] >= 0) continue;
    const int64_t y = i / W, x = i - y * W;
    double best = DBL_MAX;
    int32_t bestK = 0;
    for (int64_t k = 0; k < K; ++k) {
      if (!alive[static_cast<size_t>(k)]) continue;
      const double dy = cy[static_cast<size_t>(k)] - static_cast<double>(y);
      const double dx = cx[static_cast<size_t>(k)] - static_cast<double>(x);
      double d = (dy * dy + dx * dx) * spatialWeight;
      for (int c = 0; c < kChannels; ++c) {
        const double t = img[static_cast<size_t>(i * kChannels + c)] - cc[static_cast<size_t>(k * kChannels + c)];
        d += t * t;
      }
      if (d < best) {
        best = d;
        bestK = static_cast<int32_t>(k);
      }
    }
    nearest[static_cast<size_t>(i)] = bestK;
  }

  // --- 7. connectivity -----------------------------------------------------------------------------
  std::vector<int32_t> segs;
  if (p.enforceConnectivity) {
    const double segmentSize = static_cast<double>(N) / static_cast<double>(K);
    const double minF = p.minSizeFactor * segmentSize;
    const double maxF = p.maxSizeFactor * segmentSize;
    // int() truncation as in Python; NaN and out-of-range values are clamped first.
    const int64_t minSize = minF > 0.0 ? static_cast<int64_t>(std::min(minF, static_cast<double>(N))) : 0;
    int64_t maxSize = maxF > 0.0 ? static_cast<int64_t>(std::min(maxF, static_cast<double>(N))) : 0;
    if (!(maxF == maxF)) maxSize = N;  // NaN factor: no cap
    maxSize = std::max<int64_t>(1, maxSize);
    EnforceConnectivity(nearest, H, W, minSize, maxSize, segs);
  } else {
    segs.swap(nearest);
  }

  // --- 8. relabel 0..count-1 by first appearance -------------------------------------------------
  int32_t maxLabel = 0;
  for (int32_t v : segs) maxLabel = std::max(maxLabel, v);
  std::vector<int32_t> remap(static_cast<size_t>(maxLabel) + 1, -1);
  int32_t count = 0;
  for (int64_t i = 0; i < N; ++i) {
    int32_t& r = remap[static_cast<size_t>(segs[static_cast<size_t>(i)])];
    if (r < 0) r = count++;
    labels[i] = r;
  }
  return count;
}

}  // namespace limeshap
