// SPDX-License-Identifier: MIT
#include "color.h"

#include <cmath>

namespace limeshap {
namespace {
#if defined(__SIZEOF_FLOAT128__)
using Wide = __float128;  // 113-bit significand: the cube of a 54-bit midpoint is off by ~1e-34 at most
#else
using Wide = long double;
#endif
}  // namespace

double CbrtNearest(double x) {
  double y = std::cbrt(x);  // within one ulp of the true root; move to the nearest double
  if (!std::isfinite(y) || y == 0) return y;
  for (int step = 0; step < 4; ++step) {
    double lo = std::nextafter(y, -INFINITY), hi = std::nextafter(y, INFINITY);
    Wide target = x;
    Wide below = (static_cast<Wide>(lo) + y) / 2, above = (static_cast<Wide>(y) + hi) / 2;
    if (below * below * below > target) {
      y = lo;
    } else if (above * above * above < target) {
      y = hi;
    } else {
      break;
    }
  }
  return y;
}

void RgbToLab(const double rgb[3], double lab[3]) {
  static const double kM[3][3] = {{0.412453, 0.357580, 0.180423},
                                  {0.212671, 0.715160, 0.072169},
                                  {0.019334, 0.119193, 0.950227}};
  static const double kWhite[3] = {0.95047, 1.0, 1.08883};
  double v[3];
  for (int ch = 0; ch < 3; ++ch) {
    double x = rgb[ch];
    v[ch] = x > 0.04045 ? std::pow((x + 0.055) / 1.055, 2.4) : x / 12.92;
  }
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

}  // namespace limeshap
