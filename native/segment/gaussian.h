// SPDX-License-Identifier: MIT
// scipy.ndimage.gaussian_filter1d (mode 'reflect', truncate 4.0), the one Gaussian filter of the
// segmenters (quickshift's and SLIC's pre-smoothing), reproducing scipy's arithmetic:
//  * the kernel is scipy's _gaussian_kernel1d: phi(x) = exp(-0.5 / sigma² * x²) for x in
//    [-r, r], r = int(4 sigma + 0.5), divided by phi.sum() (numpy's pairwise summation);
//  * correlate1d's symmetric-kernel path: out = x0·w0 + Σ_{j = r..1} (x[-j] + x[+j])·w_j, in that
//    order, with 'reflect' borders (d c b a | a b c d | d c b a).
#pragma once

#include <cstdint>
#include <vector>

namespace limeshap {

/// Half of the normalised kernel: w[0] is the centre tap, w[j] the taps at ±j (size r + 1).
std::vector<double> GaussianHalfKernel(double sigma);

/// Filters `count` lines of an image in place along one axis with the half kernel `w`. A line has
/// `len` samples `stride` doubles apart; line o starts at img + o·outerStride; each sample has
/// `channels` interleaved values (filtered independently). A kernel of radius 0 leaves img as it is.
void GaussianCorrelate1D(double* img, const std::vector<double>& w, int64_t len, int64_t stride, int64_t count,
                         int64_t outerStride, int channels);

}  // namespace limeshap
