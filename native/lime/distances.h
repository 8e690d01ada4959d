// SPDX-License-Identifier: MIT
// LIME's sample weights, in double precision.
//
//  * CosineDistancesToFirstRow: sklearn.metrics.pairwise_distances(Z, Z[0:1], metric='cosine'):
//      rows are L2-normalised (a zero-norm row is left as zeros, so its similarity is 0 and its
//      distance 1), d_i = clip(1 - <z_i/|z_i|, z_0/|z_0|>, 0, 2).
//  * KernelWeights: lime's default kernel, w = sqrt(exp(-d^2 / width^2)) (width 0.25 by default),
//      evaluated exactly in that order so it matches lime's numpy expression to the last bit or two.
#pragma once

#include <cstddef>
#include <cstdint>

namespace limeshap {

/// out[i] = cosine distance of row i of Z (n x m) to row 0 (sklearn semantics, see above).
void CosineDistancesToFirstRow(const double* Z, size_t n, size_t m, double* out);
void CosineDistancesToFirstRow(const uint8_t* Z, size_t n, size_t m, double* out);

/// out[i] = sqrt(exp(-d[i]^2 / kernelWidth^2)); kernelWidth > 0.
void KernelWeights(const double* distances, size_t n, double kernelWidth, double* out);

}  // namespace limeshap
