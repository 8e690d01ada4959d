// SPDX-License-Identifier: MIT
#include "segment/color.h"

#include <array>
#include <cmath>
#include <limits>

namespace limeshap {
namespace {
#if defined(__SIZEOF_FLOAT128__)
using Wide = __float128;  // 113-bit significand: the cube of a 54-bit midpoint is off by ~1e-34 at most
#else
using Wide = long double;
#endif

// Whether the cube of m = (a + b) / 2 (a, b adjacent doubles) is above x. The cube is first taken in
// long double (64-bit significand on x86: m is exact, the cube has two roundings, relative error
// below 2^-62), which decides all but the cases where m^3 is within 2^-58 of x; those go to Wide.
bool MidpointCubeAbove(double a, double b, double x) {
  if constexpr (std::numeric_limits<long double>::digits >= 64) {
    long double m = (static_cast<long double>(a) + b) / 2;
    long double diff = m * m * m - x;
    long double margin = std::fabs(static_cast<long double>(x)) * 0x1p-58L;
    if (diff > margin) return true;
    if (diff < -margin) return false;
  }
  Wide m = (static_cast<Wide>(a) + b) / 2;
  return m * m * m > static_cast<Wide>(x);
}

}  // namespace

double CbrtNearest(double x) {
  double y = std::cbrt(x);  // within one ulp of the true root; move to the nearest double
  if (!std::isfinite(y) || y == 0) return y;
  for (int step = 0; step < 4; ++step) {
    double lo = std::nextafter(y, -INFINITY), hi = std::nextafter(y, INFINITY);
    if (MidpointCubeAbove(lo, y, x)) {
      y = lo;
    } else if (!MidpointCubeAbove(y, hi, x)) {
      y = hi;
    } else {
      break;
    }
  }
  return y;
}

double SrgbToLinear(double x) { return x > 0.04045 ? std::pow((x + 0.055) / 1.055, 2.4) : x / 12.92; }

void LinearRgbToLab(const double v[3], double lab[3]) {
  static const double kM[3][3] = {
      {0.412453, 0.357580, 0.180423}, {0.212671, 0.715160, 0.072169}, {0.019334, 0.119193, 0.950227}};
  static const double kWhite[3] = {0.95047, 1.0, 1.08883};
  double t[3];
  for (int j = 0; j < 3; ++j) {
    // numpy's matmul of the (H, W, 3) image with M^T, summed left to right.
    double xyz = v[0] * kM[j][0];
    xyz += v[1] * kM[j][1];
    xyz += v[2] * kM[j][2];
    double s = xyz / kWhite[j];
    t[j] = s > 0.008856 ? CbrtNearest(s) : 7.787 * s + 16.0 / 116.0;
  }
  lab[0] = 116.0 * t[1] - 16.0;
  lab[1] = 500.0 * (t[0] - t[1]);
  lab[2] = 200.0 * (t[1] - t[2]);
}

void RgbToLab(const double rgb[3], double lab[3]) {
  double v[3] = {SrgbToLinear(rgb[0]), SrgbToLinear(rgb[1]), SrgbToLinear(rgb[2])};
  LinearRgbToLab(v, lab);
}

void RgbU8ToLab(const unsigned char rgb[3], double lab[3]) {
  static const auto table = [] {
    std::array<double, 256> t{};
    for (int i = 0; i < 256; ++i) t[i] = SrgbToLinear(i * (1.0 / 255));
    return t;
  }();
  double v[3] = {table[rgb[0]], table[rgb[1]], table[rgb[2]]};
  LinearRgbToLab(v, lab);
}

}  // namespace limeshap
