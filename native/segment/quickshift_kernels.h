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

/// density[r, c] = noise[r, c] + Σ_window exp(inv * d2), for rows [r0, r1). noise is unpadded H×W.
void QsDensityScalar(const QsPlanes& p, const double* noise, int r0, int r1);
void QsDensityAvx2(const QsPlanes& p, const double* noise, int r0, int r1);
void QsDensityAvx512(const QsPlanes& p, const double* noise, int r0, int r1);

/// parent[i] = flat index of the nearest strictly denser neighbour (i itself when none), and
/// dist[i] = its distance (sqrt of d2; +inf when none), for rows [r0, r1). Outputs are unpadded H×W.
void QsParentScalar(const QsPlanes& p, int r0, int r1, int64_t* parent, double* dist);
void QsParentAvx2(const QsPlanes& p, int r0, int r1, int64_t* parent, double* dist);
void QsParentAvx512(const QsPlanes& p, int r0, int r1, int64_t* parent, double* dist);

}  // namespace limeshap
