// SPDX-License-Identifier: MIT
// LIME's sample weights (lime/distances.h): cosine distances to the first row and lime's kernel.
#include "lime/distances.h"

#include "linalg/wls_internal.h"

namespace limeshap {
namespace {

template <class T>
void CosineDistancesT(const T* Z, size_t n, size_t m, double* out) {
  Require(out != nullptr || n == 0, "out is null");
  if (n == 0) return;
  Require(Z != nullptr, "Z is null");
  // sklearn: normalize() divides each row by its L2 norm (zero norms replaced by 1), then
  // S = Xn · yn, d = clip(1 - S, 0, 2).
  auto norm = [&](const T* r) {
    double s = 0;
    for (size_t j = 0; j < m; ++j) s += static_cast<double>(r[j]) * static_cast<double>(r[j]);
    s = std::sqrt(s);
    return s == 0 ? 1.0 : s;
  };
  const double n0 = norm(Z);
  std::vector<double> y0(m);
  for (size_t j = 0; j < m; ++j) y0[j] = static_cast<double>(Z[j]) / n0;
  for (size_t i = 0; i < n; ++i) {
    const T* r = Z + i * m;
    const double ni = norm(r);
    double s = 0;
    for (size_t j = 0; j < m; ++j) s += (static_cast<double>(r[j]) / ni) * y0[j];
    double d = 1.0 - s;
    out[i] = std::min(2.0, std::max(0.0, d));
  }
}

}  // namespace

void CosineDistancesToFirstRow(const double* Z, size_t n, size_t m, double* out) { CosineDistancesT(Z, n, m, out); }
void CosineDistancesToFirstRow(const uint8_t* Z, size_t n, size_t m, double* out) { CosineDistancesT(Z, n, m, out); }

void KernelWeights(const double* distances, size_t n, double kernelWidth, double* out) {
  Require(kernelWidth > 0 && std::isfinite(kernelWidth), "kernelWidth must be > 0");
  Require((distances && out) || n == 0, "null pointer");
  const double kw2 = kernelWidth * kernelWidth;
  // lime: np.sqrt(np.exp(-(d ** 2) / kernel_width ** 2))
  for (size_t i = 0; i < n; ++i) out[i] = std::sqrt(std::exp(-(distances[i] * distances[i]) / kw2));
}

}  // namespace limeshap
