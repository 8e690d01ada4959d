// SPDX-License-Identifier: MIT
// The two O(H·W·window) passes of quickshift, shared by the scalar, AVX2 and AVX-512 paths.
// Internal to quickshift.cc and the *_avx2.cc / *_avx512.cc translation units: plain data only, so
// the SIMD translation units instantiate no standard-library templates (which could leak SIMD code
// into the rest of the program through the linker's choice of one inline copy).
#pragma once

#include <cstdint>

namespace limeshap {

/// Feature planes and densities with `pad` columns of padding left and right of every row, so a
/// vector load of a neighbour window never leaves the buffer.
///  - features: padding holds a huge value, so a padded neighbour's distance is ~1e300 and its kernel
///    term exp(inv * 1e300) is exactly 0: adding it changes no density (x + 0 == x);
///  - densities: padding holds -inf, so a padded neighbour is never "denser" and never a parent.
/// Rows are not padded: row ranges are clipped by the loops (they are the same for every lane).
struct QsPlanes {
  int height = 0, width = 0;
  int kw = 0;      // window radius ceil(3 * kernelSize)
  int pad = 0;     // columns of padding on each side (>= kw, and >= kw + lanes - 1 on the right)
  int stride = 0;  // width + 2 * pad
  const double* feature[3] = {nullptr, nullptr, nullptr};
  double* density = nullptr;
  double inv = 0;  // -0.5 / kernelSize^2
  /// Index of pixel (r, c) in a padded plane.
  long At(int r, int c) const { return static_cast<long>(r) * stride + c + pad; }
};

/// Exact density (scikit-image's): density[r, c] = noise[r, c] + Σ_window exp(inv * d2), summed in
/// window order, for rows [r0, r1). noise is unpadded H×W.
void QsDensityScalar(const QsPlanes& p, const double* noise, int r0, int r1);
void QsDensityAvx2(const QsPlanes& p, const double* noise, int r0, int r1);
void QsDensityAvx512(const QsPlanes& p, const double* noise, int r0, int r1);

/// The exact density of one pixel (the scalar sum above).
double QsExactDensity(const QsPlanes& p, const double* noise, int r, int c);

/// Approximate density, each symmetric pair's kernel term computed once (quickshift.cc, PairDensity):
/// for every pixel (r, c) of rows [r0, r1) and every "forward" window offset (dr, dc) (dr > 0, or
/// dr == 0 and dc > 0) with r + dr < height, t = exp(inv * d2) is added both at (r, c) and at
/// (r + dr, c + dc) of `acc`, a plane with QsPlanes' column layout whose row 0 is image row r0 and
/// which has rows up to min(height, r1 + kw); the caller zeroes it. Padding columns of acc receive
/// garbage. exp may differ from libm's by kQsExpRelError (relative).
void QsPairDensityScalar(const QsPlanes& p, int r0, int r1, double* acc);
void QsPairDensityAvx2(const QsPlanes& p, int r0, int r1, double* acc);
void QsPairDensityAvx512(const QsPlanes& p, int r0, int r1, double* acc);

/// Largest relative difference between the AVX-512 pair kernel's exp and libm's exp (exp_fast_avx512.h);
/// the scalar and AVX2 pair kernels use an exp identical to libm's.
constexpr double kQsExpRelError = 4e-15;

/// out[i] = the AVX-512 pair kernel's exp of x[i] (x[i] <= 0), for i < n. A test hook (the error bound
/// above is measured by test/segment/quickshift-fast.test.ts); call only when AVX-512 is detected.
void QsPairExpAvx512(const double* x, double* out, long n);

/// parent[i] = flat index of the nearest strictly denser neighbour (i itself when none), and
/// dist[i] = its distance (sqrt of d2; +inf when none), for rows [r0, r1). Outputs are unpadded H×W.
/// `tolerance` > 0: densities are approximate within tolerance / 4 each; a neighbour counts as denser
/// when its density exceeds the pixel's by more than `tolerance`, and a pixel that met a neighbour
/// within `tolerance` gets uncertain[i] = 1 (its result must be redone with exact densities), else 0.
/// tolerance == 0: exact densities, plain comparisons, uncertain is not written.
void QsParentScalar(const QsPlanes& p, int r0, int r1, double tolerance, int64_t* parent, double* dist,
                    uint8_t* uncertain);
void QsParentAvx2(const QsPlanes& p, int r0, int r1, double tolerance, int64_t* parent, double* dist,
                  uint8_t* uncertain);
void QsParentAvx512(const QsPlanes& p, int r0, int r1, double tolerance, int64_t* parent, double* dist,
                    uint8_t* uncertain);

}  // namespace limeshap
