// SPDX-License-Identifier: MIT
// Quickshift (Vedaldi & Soatto 2008) exactly as scikit-image 0.19.3 computes it for uint8 RGB input:
//
//  1. x = u8 * (1/255) (skimage's img_as_float multiplies by the rounded reciprocal; x / 255 differs
//     in the last bit and moves pixels between segments).
//  2. Lab: sRGB gamma (pow 2.4), XYZ = M·rgb summed left to right, / D65 white, cbrt or the linear
//     segment, L = 116y - 16, a = 500(x - y), b = 200(y - z). Optional Gaussian smoothing (scipy
//     gaussian_filter semantics, sigma per spatial axis, 'reflect' borders). Features f = lab * ratio.
//  3. density[p] = noise[p] + Σ_{q in window(p)} exp(inv · d2(p, q)), inv = -1 / (2 k²), window radius
//     kw = ceil(3k) clipped at the borders, q in row-major order, d2 = Σ_ch Δf² + Δr² + Δc² summed in
//     that order. noise = numpy.random.default_rng(seed).normal(scale=1e-5, size=(H, W)).
//  4. parent[p] = the strictly denser q of the window with the smallest d2 (first in scan order wins a
//     tie); none, or sqrt(d2) > maxDist: p is a root.
//  5. Each pixel's label is the rank of its root's flat index among all roots (numpy.unique order).
//
// Cost: two passes of H·W·(2kw+1)² neighbour terms (625 per pixel with LIME's kernelSize 4), the
// first with one exp each. Both are split over the thread pool by rows (each pixel is written by one
// chunk, so the result does not depend on the thread count) and vectorised over pixels of a row in
// quickshift_avx2.cc / quickshift_avx512.cc, which keep the scalar operation order per lane.
#include "segment/quickshift.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "segment/color.h"
#include "segment/gaussian.h"
#include "segment/quickshift_kernels.h"
#include "simd/cpu.h"
#include "util/numpy_random.h"
#include "util/thread_pool.h"

namespace limeshap {
namespace {

constexpr int kMaxLanes = 8;           // widest vector (AVX-512 doubles)
constexpr double kPadFeature = 1e150;  // see QsPlanes: makes padded kernel terms exactly 0

void CheckParams(int height, int width, const QuickshiftParams& p) {
  if (height <= 0 || width <= 0) throw std::invalid_argument("quickshift: image dimensions must be positive");
  if (!(p.kernelSize > 0) || p.kernelSize > 64)
    throw std::invalid_argument("quickshift: kernelSize must be in (0, 64], got " + std::to_string(p.kernelSize));
  if (!(p.maxDist >= 0)) throw std::invalid_argument("quickshift: maxDist must be >= 0");
  if (!(p.ratio >= 0 && p.ratio <= 1)) throw std::invalid_argument("quickshift: ratio must be in [0, 1]");
  if (!(p.sigma >= 0) || p.sigma > 1000) throw std::invalid_argument("quickshift: sigma must be in [0, 1000]");
}

// skimage's squared distance: channels summed first (from 0), then the row term, then the column term.
inline double Distance2(const QsPlanes& p, long self, long q, int dr, int dc) {
  double d2 = 0;
  for (int ch = 0; ch < 3; ++ch) {
    double t = p.feature[ch][self] - p.feature[ch][q];
    d2 += t * t;
  }
  d2 += static_cast<double>(dr * dr);
  d2 += static_cast<double>(dc * dc);
  return d2;
}

}  // namespace

void QsDensityScalar(const QsPlanes& p, const double* noise, int r0, int r1) {
  for (int r = r0; r < r1; ++r) {
    int ra = std::max(0, r - p.kw), rb = std::min(p.height - 1, r + p.kw);
    for (int c = 0; c < p.width; ++c) {
      int ca = std::max(0, c - p.kw), cb = std::min(p.width - 1, c + p.kw);
      long self = p.At(r, c);
      double density = noise[static_cast<long>(r) * p.width + c];
      for (int rr = ra; rr <= rb; ++rr) {
        for (int cc = ca; cc <= cb; ++cc) {
          long q = p.At(rr, cc);
          const double d2 = Distance2(p, self, q, r - rr, c - cc);
          density += std::exp(d2 * p.inv);
        }
      }
      p.density[self] = density;
    }
  }
}

void QsParentScalar(const QsPlanes& p, int r0, int r1, int64_t* parent, double* dist) {
  for (int r = r0; r < r1; ++r) {
    int ra = std::max(0, r - p.kw), rb = std::min(p.height - 1, r + p.kw);
    for (int c = 0; c < p.width; ++c) {
      int ca = std::max(0, c - p.kw), cb = std::min(p.width - 1, c + p.kw);
      long self = p.At(r, c);
      double current = p.density[self];
      double closest = std::numeric_limits<double>::infinity();
      int64_t best = static_cast<int64_t>(r) * p.width + c;
      for (int rr = ra; rr <= rb; ++rr) {
        for (int cc = ca; cc <= cb; ++cc) {
          long q = p.At(rr, cc);
          if (!(p.density[q] > current)) continue;
          const double d2 = Distance2(p, self, q, r - rr, c - cc);
          if (d2 < closest) {
            closest = d2;
            best = static_cast<int64_t>(rr) * p.width + cc;
          }
        }
      }
      parent[static_cast<long>(r) * p.width + c] = best;
      dist[static_cast<long>(r) * p.width + c] = std::sqrt(closest);
    }
  }
}

int Quickshift(const uint8_t* rgb, int height, int width, const QuickshiftParams& params, int32_t* labels) {
  CheckParams(height, width, params);
  const size_t n = static_cast<size_t>(height) * width;
  const int kw = static_cast<int>(std::ceil(3 * params.kernelSize));

  // Features, planar, unpadded first (smoothing works on whole planes).
  std::vector<double> planes[3];
  for (auto& plane : planes) plane.resize(n);
  const double scale = 1.0 / 255;
  // Per-pixel colour conversion (a cube root each) is a good share of the work: split it too.
  ParallelFor(0, n, 4096, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) {
      double f[3];
      if (params.convert2lab) {
        RgbU8ToLab(rgb + 3 * i, f);
      } else {
        for (int ch = 0; ch < 3; ++ch) f[ch] = rgb[3 * i + ch] * scale;
      }
      for (int ch = 0; ch < 3; ++ch) planes[ch][i] = f[ch];
    }
  });
  if (params.sigma > 1e-15) {  // scipy skips axes whose sigma is ~0
    // scipy.ndimage.gaussian_filter(image, [sigma, sigma, 0]): axis 0 (down the columns), then axis 1.
    const std::vector<double> w = GaussianHalfKernel(params.sigma);
    for (auto& plane : planes) {
      GaussianCorrelate1D(plane.data(), w, height, width, width, 1, 1);
      GaussianCorrelate1D(plane.data(), w, width, 1, height, width, 1);
    }
  }

  QsPlanes p;
  p.height = height;
  p.width = width;
  p.kw = kw;
  p.pad = kw + kMaxLanes;
  p.stride = width + 2 * p.pad;
  p.inv = -0.5 / (params.kernelSize * params.kernelSize);
  const size_t padded = static_cast<size_t>(height) * p.stride;
  std::vector<double> feature[3];
  for (int ch = 0; ch < 3; ++ch) {
    feature[ch].assign(padded, kPadFeature);
    for (int r = 0; r < height; ++r)
      for (int c = 0; c < width; ++c)
        feature[ch][p.At(r, c)] = planes[ch][static_cast<size_t>(r) * width + c] * params.ratio;
    p.feature[ch] = feature[ch].data();
  }
  std::vector<double> density(padded, -std::numeric_limits<double>::infinity());
  p.density = density.data();

  std::vector<double> noise(n);
  NumpyNormal(params.seed, 1e-5, noise.data(), n);

  const SimdLevel simd = ActiveSimd();
  auto densityRows = simd == SimdLevel::kAvx512 ? QsDensityAvx512
                     : simd == SimdLevel::kAvx2 ? QsDensityAvx2
                                                : QsDensityScalar;
  auto parentRows = simd == SimdLevel::kAvx512 ? QsParentAvx512
                    : simd == SimdLevel::kAvx2 ? QsParentAvx2
                                               : QsParentScalar;
  // A few rows per chunk: enough chunks to balance the border rows (which have smaller windows).
  const size_t grain = std::max(1, height / 32);
  ParallelFor(0, height, grain,
              [&](size_t r0, size_t r1) { densityRows(p, noise.data(), static_cast<int>(r0), static_cast<int>(r1)); });

  std::vector<int64_t> parent(n);
  std::vector<double> dist(n);
  ParallelFor(0, height, grain, [&](size_t r0, size_t r1) {
    parentRows(p, static_cast<int>(r0), static_cast<int>(r1), parent.data(), dist.data());
  });

  // Cut long links, then resolve every pixel to its root. Parents are always strictly denser, so the
  // links form a forest and path halving terminates; the result equals numpy's repeated flat[flat].
  for (size_t i = 0; i < n; ++i)
    if (dist[i] > params.maxDist) parent[i] = static_cast<int64_t>(i);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = static_cast<int64_t>(i);
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    parent[i] = x;
  }
  // numpy.unique(..., return_inverse=True): labels ordered by the roots' flat indices.
  std::vector<int32_t> rootLabel(n, -1);
  int32_t count = 0;
  for (size_t i = 0; i < n; ++i)
    if (parent[i] == static_cast<int64_t>(i)) rootLabel[i] = count++;
  for (size_t i = 0; i < n; ++i) labels[i] = rootLabel[parent[i]];
  return count;
}

}  // namespace limeshap
