// SPDX-License-Identifier: MIT
#include "segment/color.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
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

// Exact product a·b = hi + lo (Dekker's algorithm with Veltkamp splitting: plain double operations,
// no fma, which baseline x86-64 code would get from a slow library call). Valid for |a|, |b| < 2^900.
void TwoProduct(double a, double b, double& hi, double& lo) {
  const double ca = 134217729.0 * a, cb = 134217729.0 * b;  // 2^27 + 1
  const double ah = ca - (ca - a), al = a - ah;
  const double bh = cb - (cb - b), bl = b - bh;
  hi = a * b;
  lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl;
}

// Where the true root c of x lies from y (a double near it), in units of y's ulp: (c - y) / ulp(y),
// to about 1e-14 for 2^-900 < x < 2^900 and y within a few ulps of c. x - y^3 is computed almost
// exactly: y^3 = y3 + e3 + e2·y with the exact product errors e2, e3, x - y3 is exact (Sterbenz: y3
// is within a few ulps of x), and e2·y is 2^-53 times smaller than y3's ulp. Then c - y =
// (x - y^3) / (3y^2) to a relative 2^-51 (the first-order step of the cube).
double UlpsFromRoot(double x, double y) {
  double y2, e2, y3, e3;
  TwoProduct(y, y, y2, e2);
  TwoProduct(y2, y, y3, e3);
  const double residual = ((x - y3) - e3) - e2 * y;
  std::uint64_t bits;
  std::memcpy(&bits, &y, sizeof bits);
  const std::uint64_t ulpBits = (bits & 0x7ff0000000000000ULL) - (52ULL << 52);  // 2^(exponent - 52)
  double ulp;
  std::memcpy(&ulp, &ulpBits, sizeof ulp);
  return residual / (3 * y2) / ulp;
}

}  // namespace

double CbrtNearest(double x) {
  double y = std::cbrt(x);  // within one ulp of the true root; move to the nearest double
  if (!std::isfinite(y) || y == 0) return y;
  // Fast certificate (positive normal x): c is t ulps from y; the double k = round(t) ulps from y is
  // the nearest when t is well within half an ulp of k and y + k ulps is inside y's binade (both of its
  // neighbours one ulp away). Close calls and binade edges take the exact midpoint tests below.
  if (x > 0x1p-900 && x < 0x1p900) {
    const double t = UlpsFromRoot(x, y);
    const double k = (t + 0x1.8p52) - 0x1.8p52;  // round to nearest (|t| is small; no library call)
    std::uint64_t bits;
    std::memcpy(&bits, &y, sizeof bits);
    const std::int64_t mantissa =
        static_cast<std::int64_t>(bits & 0x000fffffffffffffULL) + static_cast<std::int64_t>(k);
    if (std::fabs(t - k) < 0.4999 && std::fabs(k) <= 4 && mantissa >= 1 && mantissa < (1LL << 52) - 1) {
      bits += static_cast<std::uint64_t>(static_cast<std::int64_t>(k));
      std::memcpy(&y, &bits, sizeof y);
      return y;
    }
  }
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
