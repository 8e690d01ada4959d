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
//
// The density pass does not compute step 3 as written (unless SetQuickshiftDensityMode says so): the
// densities are only ever compared ("is q strictly denser than p"), so it computes each symmetric
// pair's term once (d2 and so exp(inv·d2) are the same for (p, q) and (q, p)), adds it to both pixels
// in another order and with an exp within kQsExpRelError of libm's, and bounds the difference to
// scikit-image's sum (DensityTolerance). The parent pass decides every comparison whose approximate
// densities differ by more than the bound as the exact ones would; a pixel that met a closer call is
// redone with exact densities (its own and those of the neighbours within the bound, each summed
// exactly as scikit-image does). The labels are therefore identical; only the time changes (half the
// exp calls, and an exp without the bit-exact table rebuild). Where the bound is too wide for that to
// pay off (very large kernels), the exact pass runs instead (kMaxPairTolerance).
#include "segment/quickshift.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "segment/color.h"
#include "segment/gaussian.h"
#include "segment/quickshift_kernels.h"
#include "simd/cpu.h"
#include "util/numpy_random.h"
#include "util/thread_pool.h"

namespace limeshap {
namespace {

constexpr int kMaxLanes = 16;          // widest tile of the pair density (2 AVX-512 vectors)
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

double QsExactDensity(const QsPlanes& p, const double* noise, int r, int c) {
  const int ra = std::max(0, r - p.kw), rb = std::min(p.height - 1, r + p.kw);
  const int ca = std::max(0, c - p.kw), cb = std::min(p.width - 1, c + p.kw);
  const long self = p.At(r, c);
  double density = noise[static_cast<long>(r) * p.width + c];
  for (int rr = ra; rr <= rb; ++rr) {
    for (int cc = ca; cc <= cb; ++cc) {
      const double d2 = Distance2(p, self, p.At(rr, cc), r - rr, c - cc);
      density += std::exp(d2 * p.inv);
    }
  }
  return density;
}

void QsDensityScalar(const QsPlanes& p, const double* noise, int r0, int r1) {
  for (int r = r0; r < r1; ++r)
    for (int c = 0; c < p.width; ++c) p.density[p.At(r, c)] = QsExactDensity(p, noise, r, c);
}

void QsPairDensityScalar(const QsPlanes& p, int r0, int r1, double* acc) {
  for (int r = r0; r < r1; ++r) {
    const int below = std::min(p.kw, p.height - 1 - r);
    double* accRow = acc + static_cast<long>(r - r0) * p.stride + p.pad;
    for (int c = 0; c < p.width; ++c) {
      const long self = p.At(r, c);
      const int ca = std::max(-p.kw, -c), cb = std::min(p.kw, p.width - 1 - c);
      double sum = 0;
      for (int dc = ca; dc <= cb; ++dc) {
        for (int dr = dc > 0 ? 0 : 1; dr <= below; ++dr) {
          const double t = std::exp(Distance2(p, self, self + static_cast<long>(dr) * p.stride + dc, dr, dc) * p.inv);
          sum += t;
          accRow[static_cast<long>(dr) * p.stride + c + dc] += t;
        }
      }
      accRow[c] += sum;
    }
  }
}

void QsParentScalar(const QsPlanes& p, int r0, int r1, double tolerance, int64_t* parent, double* dist,
                    uint8_t* uncertain) {
  const bool approx = tolerance > 0;
  for (int r = r0; r < r1; ++r) {
    int ra = std::max(0, r - p.kw), rb = std::min(p.height - 1, r + p.kw);
    for (int c = 0; c < p.width; ++c) {
      int ca = std::max(0, c - p.kw), cb = std::min(p.width - 1, c + p.kw);
      long self = p.At(r, c);
      const double current = p.density[self];
      // See ParentRows (quickshift_simd.h): denser means above hi; [lo, hi] is uncertain.
      const double hi = approx ? current + tolerance : current;
      const double lo = approx ? current - tolerance : std::numeric_limits<double>::infinity();
      bool unsure = false;
      double closest = std::numeric_limits<double>::infinity();
      int64_t best = static_cast<int64_t>(r) * p.width + c;
      for (int rr = ra; rr <= rb; ++rr) {
        for (int cc = ca; cc <= cb; ++cc) {
          if (rr == r && cc == c) continue;  // itself: never strictly denser (and no uncertainty)
          long q = p.At(rr, cc);
          const double dq = p.density[q];
          unsure |= dq >= lo && dq <= hi;
          if (!(dq > hi)) continue;
          const double d2 = Distance2(p, self, q, r - rr, c - cc);
          if (d2 < closest) {
            closest = d2;
            best = static_cast<int64_t>(rr) * p.width + cc;
          }
        }
      }
      parent[static_cast<long>(r) * p.width + c] = best;
      dist[static_cast<long>(r) * p.width + c] = std::sqrt(closest);
      if (approx) uncertain[static_cast<long>(r) * p.width + c] = unsure;
    }
  }
}

namespace {

std::atomic<int> g_densityMode{static_cast<int>(QsDensityMode::kPairs)};
std::atomic<long> g_exactDensities{0};
std::atomic<long> g_exactFallbacks{0};
std::atomic<double> g_noiseScale{1e-5};
// The largest |exact - pair density| / (tolerance / 4) seen by kCheckAll calls, in 1e-9 units (atomic max).
std::atomic<long> g_worstError{0};

// Rows per band of the pair density pass: each band scatters into its own buffer of band + kw rows
// (about 60 KB at 224 px wide with kernelSize 4, so it stays in L2 with the band's features).
constexpr int kPairBand = 16;

// The pair density pass. Bands are computed a wave at a time (two per pool thread), each into one of
// the wave's buffers, which are then added to the densities in band order and reused by the next wave:
// every density is ((noise + 1) + band bFirst's sum) + ... + band bLast's sum, in that order, whatever
// the thread count and wave size, and only one wave's buffers are alive (2 · threads · (16 + kw) rows
// of the padded width, instead of the whole image's (16 + kw) / 16 times over).
void PairDensity(const QsPlanes& p, const double* noise, SimdLevel simd) {
  auto pairRows = simd == SimdLevel::kAvx512 ? QsPairDensityAvx512
                  : simd == SimdLevel::kAvx2 ? QsPairDensityAvx2
                                             : QsPairDensityScalar;
  ParallelFor(0, p.height, 8, [&](size_t r0, size_t r1) {
    for (int r = static_cast<int>(r0); r < static_cast<int>(r1); ++r)
      for (int c = 0; c < p.width; ++c)
        p.density[p.At(r, c)] = noise[static_cast<long>(r) * p.width + c] + 1.0;  // + its own term, exp(0)
  });
  const int bands = (p.height + kPairBand - 1) / kPairBand;
  const int wave = std::min(bands, 2 * std::max(1, PoolThreads()));
  std::vector<std::vector<double>> acc(wave);
  for (int w0 = 0; w0 < bands; w0 += wave) {
    const int w1 = std::min(bands, w0 + wave);
    ParallelFor(0, w1 - w0, 1, [&](size_t i0, size_t i1) {
      for (size_t i = i0; i < i1; ++i) {
        const int r0 = (w0 + static_cast<int>(i)) * kPairBand, r1 = std::min(p.height, r0 + kPairBand);
        acc[i].assign(static_cast<size_t>(std::min(p.height, r1 + p.kw) - r0) * p.stride, 0.0);  // keeps capacity
        pairRows(p, r0, r1, acc[i].data());
      }
    });
    const int rowEnd = std::min(p.height, w1 * kPairBand + p.kw);  // rows the wave's buffers reach
    ParallelFor(static_cast<size_t>(w0) * kPairBand, rowEnd, 8, [&](size_t r0, size_t r1) {
      for (int r = static_cast<int>(r0); r < static_cast<int>(r1); ++r) {
        // Band b holds rows [16b, 16b + 16 + kw): the bands of this wave that reach row r, in order.
        const int bFirst = std::max(w0, std::max(0, r - p.kw) / kPairBand), bLast = std::min(w1 - 1, r / kPairBand);
        for (int c = 0; c < p.width; ++c) {
          double d = p.density[p.At(r, c)];
          for (int b = bFirst; b <= bLast; ++b)
            d += acc[b - w0][static_cast<long>(r - b * kPairBand) * p.stride + p.pad + c];
          p.density[p.At(r, c)] = d;
        }
      }
    });
  }
}

// The comparison tolerance of the pair densities D' against scikit-image's D. Both are sums of the
// same N = n + 1 values (the noise and the n window terms; n <= min(2kw+1, H) · min(2kw+1, W), the
// window clipped by the image), in different orders and groupings; any such floating-point sum is
// within gamma_(N-1) · A of the exact sum (Higham, Accuracy and Stability of Numerical Algorithms,
// (4.4)), with gamma_m = m u / (1 - m u), u = 2^-53 and A the sum of the magnitudes. The terms are
// exp(inv · d2) >= 0 with d2 >= dr² + dc² (the colour part is >= 0 and rounding is monotone), so
// A <= G + max|noise| with G = Σ_window exp(inv (dr² + dc²)) over the largest clipped window, the
// density of a flat image (taken 1.001 times: the rounding of G, libm's and the fast exp's errors are
// all below 1e-12 relative). D' may also use an exp within expRelError of libm's: at most
// expRelError · A more. So |D - D'| <= E = 2 gamma_N A + expRelError A (+ a margin for results below
// 2^-1022), and D'q - D'p > 2E implies Dq > Dp. The tolerance is 4E: the other 2E covers the rounding
// of D'p ± tolerance and of |D'q - D'p| (at most u · (A + 4E) each, far below E). With kernelSize 4
// and the AVX-512 exp: about 5.8e-11 (the noise is 1e-5).
double DensityTolerance(const QsPlanes& p, double maxNoise, double expRelError) {
  const int reachR = std::min(p.kw, p.height - 1), reachC = std::min(p.kw, p.width - 1);
  auto axis = [&](int reach) {
    double sum = 0;
    for (int i = -reach; i <= reach; ++i) sum += std::exp(p.inv * i * i);
    return sum;
  };
  const double g = 1.001 * axis(reachR) * axis(reachC);
  const double terms = (2.0 * reachR + 1) * (2.0 * reachC + 1);
  const double a = g + maxNoise;
  const double u = std::ldexp(1.0, -53);
  const double gamma = (terms + 1) * u / (1 - (terms + 1) * u);
  const double e = 2 * gamma * a + expRelError * a + terms * 1e-300;
  return 4 * e;
}

// Above this tolerance the pair pass is not worth it and the exact pass runs instead. Two pixels whose
// densities differ only by the tie-break noise (a flat region) differ by N(0, 2σ²), σ = 1e-5: the
// comparison is a close call with probability about tolerance / (√π σ), 0.6% at σ / 100. A pixel makes
// tens of such comparisons (its 24 nearest neighbours and those within its pruning bound), so beyond
// this most pixels of flat regions are redone, each with its own exact density (the full window of
// exps the exact pass spends) and a serial-per-pixel scan: more than the exact pass costs alone. The
// bound grows with the window squared (N · G), so this only triggers at large kernels on images at least
// about as large as the window (kernelSize above about 26; at kernelSize 64, from about 52 × 52 px).
// Fixed at scikit-image's σ, whatever noise scale a test sets.
constexpr double kMaxPairTolerance = 1e-5 / 100;

// Whether q counts as strictly denser than p: decided by the pair densities when they differ by more
// than the tolerance, else by the exact ones (which RedoUncertain computed for every such pair).
inline bool Denser(const QsPlanes& p, const std::unordered_map<long, double>& exact, double tolerance, long pq, long qq,
                   long pFlat, long qFlat) {
  const double dp = p.density[pq], dq = p.density[qq];
  if (std::fabs(dq - dp) > tolerance) return dq > dp;
  return exact.at(qFlat) > exact.at(pFlat);
}

// Redoes the parent search of every uncertain pixel with exact densities where the pair densities are
// too close to tell; returns how many exact densities that took. The exact densities are kept by
// pixel in a hash map: memory in proportion to the pixels that need one, not to the image.
long RedoUncertain(const QsPlanes& p, const double* noise, double tolerance, double certified, QsDensityMode mode,
                   const std::vector<uint8_t>& uncertain, int64_t* parent, double* dist) {
  const long n = static_cast<long>(p.height) * p.width;
  std::vector<long> redo;
  for (long i = 0; i < n; ++i)
    if (uncertain[i]) redo.push_back(i);
  if (redo.empty()) return 0;
  // The pixels whose exact density some comparison needs: each uncertain pixel, and its window
  // neighbours within the tolerance (the same test as Denser's). Inserted serially (the map is not
  // thread-safe), then filled in parallel: the set of keys does not change while it is.
  std::unordered_map<long, double> exact;
  exact.reserve(redo.size());
  for (long i : redo) {
    const int r = static_cast<int>(i / p.width), c = static_cast<int>(i % p.width);
    exact.emplace(i, 0.0);
    const double d = p.density[p.At(r, c)];
    for (int rr = std::max(0, r - p.kw); rr <= std::min(p.height - 1, r + p.kw); ++rr)
      for (int cc = std::max(0, c - p.kw); cc <= std::min(p.width - 1, c + p.kw); ++cc)
        if (std::fabs(p.density[p.At(rr, cc)] - d) <= tolerance)
          exact.emplace(static_cast<long>(rr) * p.width + cc, 0.0);
  }
  std::vector<std::pair<const long, double>*> needed;
  needed.reserve(exact.size());
  for (auto& e : exact) needed.push_back(&e);
  ParallelFor(0, needed.size(), 64, [&](size_t k0, size_t k1) {
    for (size_t k = k0; k < k1; ++k) {
      const long i = needed[k]->first;
      needed[k]->second = QsExactDensity(p, noise, static_cast<int>(i / p.width), static_cast<int>(i % p.width));
    }
  });
  // kCheckAll measures the bound it bypasses: every pixel's error against tolerance / 4 (= E).
  if (mode == QsDensityMode::kCheckAll) {
    double worst = 0;
    for (const auto& e : exact) {
      const double approx = p.density[p.At(static_cast<int>(e.first / p.width), static_cast<int>(e.first % p.width))];
      worst = std::max(worst, std::fabs(e.second - approx) / (certified / 4));
    }
    const long w = static_cast<long>(std::ceil(worst * 1e9));
    long seen = g_worstError.load();
    while (w > seen && !g_worstError.compare_exchange_weak(seen, w)) {
    }
  }
  // The plain scan of QsParentScalar with Denser for the comparison.
  ParallelFor(0, redo.size(), 64, [&](size_t k0, size_t k1) {
    for (size_t k = k0; k < k1; ++k) {
      const long i = redo[k];
      const int r = static_cast<int>(i / p.width), c = static_cast<int>(i % p.width);
      const long self = p.At(r, c);
      double closest = std::numeric_limits<double>::infinity();
      int64_t best = i;
      for (int rr = std::max(0, r - p.kw); rr <= std::min(p.height - 1, r + p.kw); ++rr) {
        for (int cc = std::max(0, c - p.kw); cc <= std::min(p.width - 1, c + p.kw); ++cc) {
          const long q = p.At(rr, cc), qFlat = static_cast<long>(rr) * p.width + cc;
          if (!Denser(p, exact, tolerance, self, q, i, qFlat)) continue;
          const double d2 = Distance2(p, self, q, r - rr, c - cc);
          if (d2 < closest) {
            closest = d2;
            best = qFlat;
          }
        }
      }
      parent[i] = best;
      dist[i] = std::sqrt(closest);
    }
  });
  return static_cast<long>(exact.size());
}

}  // namespace

void SetQuickshiftDensityMode(QsDensityMode mode) { g_densityMode.store(static_cast<int>(mode)); }
QsDensityMode QuickshiftDensityMode() { return static_cast<QsDensityMode>(g_densityMode.load()); }
long QuickshiftExactDensityCount() { return g_exactDensities.load(); }
long QuickshiftExactFallbackCount() { return g_exactFallbacks.load(); }
void SetQuickshiftNoiseScale(double scale) { g_noiseScale.store(scale); }
double QuickshiftNoiseScale() { return g_noiseScale.load(); }
double QuickshiftWorstDensityError() { return g_worstError.load() * 1e-9; }

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
    std::vector<double>().swap(planes[ch]);  // 8 bytes a pixel less for the rest of the call
  }
  std::vector<double> density(padded, -std::numeric_limits<double>::infinity());
  p.density = density.data();

  std::vector<double> noise(n);
  NumpyNormal(params.seed, QuickshiftNoiseScale(), noise.data(), n);
  double maxNoise = 0;
  for (double x : noise) maxNoise = std::max(maxNoise, std::fabs(x));

  const SimdLevel simd = ActiveSimd();
  auto parentRows = simd == SimdLevel::kAvx512 ? QsParentAvx512
                    : simd == SimdLevel::kAvx2 ? QsParentAvx2
                                               : QsParentScalar;
  // A few rows per chunk: enough chunks to balance the border rows (which have smaller windows).
  const size_t grain = std::max(1, height / 32);
  const QsDensityMode mode = QuickshiftDensityMode();
  // Only the AVX-512 pair kernel's exp differs from libm's (quickshift_kernels.h).
  const double certified = DensityTolerance(p, maxNoise, simd == SimdLevel::kAvx512 ? kQsExpRelError : 0);
  const bool fallback = mode == QsDensityMode::kPairs && certified > kMaxPairTolerance;
  if (fallback) g_exactFallbacks.fetch_add(1, std::memory_order_relaxed);
  double tolerance = 0;
  if (mode == QsDensityMode::kExact || fallback) {
    auto densityRows = simd == SimdLevel::kAvx512 ? QsDensityAvx512
                       : simd == SimdLevel::kAvx2 ? QsDensityAvx2
                                                  : QsDensityScalar;
    ParallelFor(0, height, grain, [&](size_t r0, size_t r1) {
      densityRows(p, noise.data(), static_cast<int>(r0), static_cast<int>(r1));
    });
  } else {
    PairDensity(p, noise.data(), simd);
    tolerance = mode == QsDensityMode::kCheckAll ? std::numeric_limits<double>::max() : certified;
  }

  std::vector<int64_t> parent(n);
  std::vector<double> dist(n);
  std::vector<uint8_t> uncertain(tolerance > 0 ? n : 0);
  ParallelFor(0, height, grain, [&](size_t r0, size_t r1) {
    parentRows(p, static_cast<int>(r0), static_cast<int>(r1), tolerance, parent.data(), dist.data(), uncertain.data());
  });
  if (tolerance > 0) {
    const long exact =
        RedoUncertain(p, noise.data(), tolerance, certified, mode, uncertain, parent.data(), dist.data());
    g_exactDensities.fetch_add(exact, std::memory_order_relaxed);
  }

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
