// SPDX-License-Identifier: MIT
// scipy.ndimage.gaussian_filter1d for the segmenters: see gaussian.h for the arithmetic reproduced.
#include "segment/gaussian.h"

#include <cmath>
#include <cstddef>
#include <vector>

namespace limeshap {
namespace {

// NumPy's pairwise summation as used by ndarray.sum() on a short contiguous float64 vector: the
// reduction starts from the first element and adds the pairwise sum of the rest. Used only to
// normalise the kernel the same way SciPy does.
double PairwiseSum(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return PairwiseSum(a, n2) + PairwiseSum(a + n2, n - n2);
}

double NumpySum(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  return v[0] + PairwiseSum(v.data() + 1, v.size() - 1);
}

}  // namespace

std::vector<double> GaussianHalfKernel(double sigma) {
  const int radius = static_cast<int>(4.0 * sigma + 0.5);  // truncate = 4.0
  const double sigma2 = sigma * sigma;
  std::vector<double> full(2 * static_cast<size_t>(radius) + 1);
  for (int x = -radius; x <= radius; ++x)
    full[static_cast<size_t>(x + radius)] = std::exp(-0.5 / sigma2 * static_cast<double>(x * x));
  const double sum = NumpySum(full);
  std::vector<double> half(static_cast<size_t>(radius) + 1);
  for (int j = 0; j <= radius; ++j) half[static_cast<size_t>(j)] = full[static_cast<size_t>(radius + j)] / sum;
  return half;
}

namespace {

// scipy 'reflect' (d c b a | a b c d | d c b a): periodic with period 2n.
int64_t ReflectIndex(int64_t i, int64_t n) {
  const int64_t period = 2 * n;
  int64_t m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

}  // namespace

void GaussianCorrelate1D(double* img, const std::vector<double>& w, int64_t len, int64_t stride, int64_t count,
                         int64_t outerStride, int channels) {
  const int64_t radius = static_cast<int64_t>(w.size()) - 1;
  if (radius <= 0) return;
  std::vector<double> line(static_cast<size_t>(len + 2 * radius));
  for (int64_t o = 0; o < count; ++o) {
    for (int c = 0; c < channels; ++c) {
      double* base = img + o * outerStride + c;
      for (int64_t i = -radius; i < len + radius; ++i)
        line[static_cast<size_t>(i + radius)] = base[ReflectIndex(i, len) * stride];
      const double* centre = line.data() + radius;
      for (int64_t i = 0; i < len; ++i) {
        double tmp = centre[i] * w[0];
        for (int64_t j = radius; j >= 1; --j) tmp += (centre[i - j] + centre[i + j]) * w[static_cast<size_t>(j)];
        base[i * stride] = tmp;
      }
    }
  }
}

}  // namespace limeshap
