// SPDX-License-Identifier: MIT
// The AᵀA block-row kernel for AVX2 (wls_internal.h's GramBlockRowT with a 4 x 2 tile of 4-lane
// vectors: 8 ymm accumulators + 6 loads). Compiled with -mavx2 -mfma (and -ffp-contract=off, so no
// fused multiply-add appears); called only when simd/cpu.cc reports AVX2. Each entry is summed in
// the same order as the scalar 2 x 2 tile, so results are bit-identical to it.
#include "linalg/wls_internal.h"

namespace limeshap {

void GramBlockRowAvx2(const double* P, size_t ld, size_t len, size_t Rp, size_t j0, double* G) {
  GramBlockRowT<4, 2>(P, ld, len, Rp, j0, G);
}

}  // namespace limeshap
