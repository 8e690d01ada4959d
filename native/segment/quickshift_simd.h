// SPDX-License-Identifier: MIT
// The quickshift passes vectorised over pixels: lane i handles pixel (r, c0 + i) and visits its window
// in exactly the scalar order (rows ascending, then columns ascending) with the same operations in the
// same order, so every lane computes the scalar result for its pixel. Window columns outside the image
// read the padding of QsPlanes (kernel term exactly 0, density -inf), which replaces per-lane masks.
//
// Included only by quickshift_avx2.cc and quickshift_avx512.cc, each compiled for its instruction set.
// Everything here has internal linkage, and nothing from the standard library is instantiated, so no
// SIMD-compiled copy of a shared inline function can be picked by the linker for scalar code.
#pragma once

#include <cmath>
#include <cstdint>

#include "segment/quickshift_kernels.h"

namespace limeshap {
namespace {

inline int MaxInt(int a, int b) { return a > b ? a : b; }
inline int MinInt(int a, int b) { return a < b ? a : b; }

// d2 of the 8 (AVX-512) / 4 (AVX2) pixels at `self` to their neighbours at `q` (= self + rowOffset +
// dc), with the scalar operation order: Σ_ch Δf², then + dr², then + dc².
template <class V>
inline typename V::D NeighbourD2(const QsPlanes& p, const typename V::D& f0, const typename V::D& f1,
                                 const typename V::D& f2, long q, double dr2, double dc2) {
  typename V::D t = V::Sub(f0, V::Load(p.feature[0] + q));
  typename V::D d2 = V::Mul(t, t);
  t = V::Sub(f1, V::Load(p.feature[1] + q));
  d2 = V::Add(d2, V::Mul(t, t));
  t = V::Sub(f2, V::Load(p.feature[2] + q));
  d2 = V::Add(d2, V::Mul(t, t));
  d2 = V::Add(d2, V::Set(dr2));
  return V::Add(d2, V::Set(dc2));
}

// `exp` is the one operation with a choice: V carries it (a vectorised copy of the libm algorithm
// when it is verified to match libm bit for bit, else libm itself lane by lane).
template <class V>
void DensityRows(const QsPlanes& p, const double* noise, int r0, int r1, const V& v) {
  constexpr int L = V::kLanes;
  alignas(64) double tmp[L];
  const typename V::D inv = V::Set(p.inv);
  for (int r = r0; r < r1; ++r) {
    const int ra = MaxInt(0, r - p.kw), rb = MinInt(p.height - 1, r + p.kw);
    for (int c0 = 0; c0 < p.width; c0 += L) {
      const int lanes = MinInt(L, p.width - c0);
      const long self = p.At(r, c0);
      const typename V::D f0 = V::Load(p.feature[0] + self);
      const typename V::D f1 = V::Load(p.feature[1] + self);
      const typename V::D f2 = V::Load(p.feature[2] + self);
      const double* noiseRow = noise + static_cast<long>(r) * p.width + c0;
      for (int i = 0; i < L; ++i) tmp[i] = i < lanes ? noiseRow[i] : 0.0;
      typename V::D acc = V::Load(tmp);
      for (int rr = ra; rr <= rb; ++rr) {
        const double dr2 = static_cast<double>((r - rr) * (r - rr));
        const long base = p.At(rr, c0);
        for (int dc = -p.kw; dc <= p.kw; ++dc) {
          const typename V::D d2 = NeighbourD2<V>(p, f0, f1, f2, base + dc, dr2, static_cast<double>(dc * dc));
          acc = V::Add(acc, v.Exp(V::Mul(d2, inv)));
        }
      }
      V::Store(tmp, acc);
      for (int i = 0; i < lanes; ++i) p.density[self + i] = tmp[i];
    }
  }
}

// Parent search with exact pruning. Every d2 is >= its spatial part dr² + dc² (the colour sum is >= 0
// and rounding is monotone, the spatial terms are small integers), so once a lane knows the d2 of some
// strictly denser window neighbour (an upper bound `bound` on its final closest), no neighbour with
// dr² + dc² > bound can be its parent: it is not a minimum, and skipping a non-minimum does not change
// which minimum the running "d2 < closest" scan keeps first. The bound comes from the (up to) 24
// nearest neighbours; the scan then visits the remaining window in the original order, restricted to
// offsets with dr² + dc² <= the largest bound among the vector's lanes (all of the window when a lane
// has no strictly denser pixel nearby). Results are identical to the unpruned scan.
template <class V>
void ParentRows(const QsPlanes& p, int r0, int r1, int64_t* parent, double* dist) {
  constexpr int L = V::kLanes;
  alignas(64) double bestTmp[L], idxTmp[L];
  const typename V::D iota = V::Iota();
  const int kw = p.kw;
  const int fullReach = 2 * kw * kw;  // largest dr² + dc² in the window
  const int boundRadius = MinInt(2, kw);
  for (int r = r0; r < r1; ++r) {
    const int ra = MaxInt(0, r - kw), rb = MinInt(p.height - 1, r + kw);
    for (int c0 = 0; c0 < p.width; c0 += L) {
      const int lanes = MinInt(L, p.width - c0);
      const long self = p.At(r, c0);
      const typename V::D f0 = V::Load(p.feature[0] + self);
      const typename V::D f1 = V::Load(p.feature[1] + self);
      const typename V::D f2 = V::Load(p.feature[2] + self);
      const typename V::D current = V::Load(p.density + self);

      // Upper bound on each lane's closest d2 from the nearest neighbours (any denser one will do).
      typename V::D bound = V::Set(INFINITY);
      {
        const int ba = MaxInt(ra, r - boundRadius), bb = MinInt(rb, r + boundRadius);
        for (int rr = ba; rr <= bb; ++rr) {
          const double dr2 = static_cast<double>((r - rr) * (r - rr));
          const long base = p.At(rr, c0);
          for (int dc = -boundRadius; dc <= boundRadius; ++dc) {
            if (rr == r && dc == 0) continue;
            const long q = base + dc;
            const typename V::M denser = V::Gt(V::Load(p.density + q), current);
            if (V::None(denser)) continue;
            const typename V::D d2 = NeighbourD2<V>(p, f0, f1, f2, q, dr2, static_cast<double>(dc * dc));
            bound = V::Select(V::And(denser, V::Lt(d2, bound)), d2, bound);
          }
        }
      }
      V::Store(bestTmp, bound);
      double maxBound = 0;
      for (int i = 0; i < lanes; ++i) maxBound = bestTmp[i] > maxBound ? bestTmp[i] : maxBound;
      // reach: the largest dr² + dc² that can still be a parent (>= fullReach: no pruning).
      const int reach = maxBound >= fullReach ? fullReach : static_cast<int>(maxBound);  // floor: ints only

      typename V::D closest = V::Set(INFINITY);
      // Flat indices stay exact in doubles (< 2^53), which keeps the blend in one register type.
      typename V::D best = V::Add(V::Set(static_cast<double>(static_cast<long>(r) * p.width + c0)), iota);
      for (int rr = ra; rr <= rb; ++rr) {
        const int dr2i = (r - rr) * (r - rr);
        if (dr2i > reach) continue;
        int span = 0;  // largest |dc| with dr² + dc² <= reach
        while (span < kw && dr2i + (span + 1) * (span + 1) <= reach) ++span;
        const double dr2 = static_cast<double>(dr2i);
        const long base = p.At(rr, c0);
        const double rowIndex = static_cast<double>(static_cast<long>(rr) * p.width + c0);
        for (int dc = -span; dc <= span; ++dc) {
          const long q = base + dc;
          const typename V::M denser = V::Gt(V::Load(p.density + q), current);
          if (V::None(denser)) continue;
          const typename V::D d2 = NeighbourD2<V>(p, f0, f1, f2, q, dr2, static_cast<double>(dc * dc));
          const typename V::M take = V::And(denser, V::Lt(d2, closest));
          closest = V::Select(take, d2, closest);
          best = V::Select(take, V::Add(V::Set(rowIndex + dc), iota), best);
        }
      }
      V::Store(bestTmp, V::Sqrt(closest));
      V::Store(idxTmp, best);
      const long out = static_cast<long>(r) * p.width + c0;
      for (int i = 0; i < lanes; ++i) {
        dist[out + i] = bestTmp[i];
        parent[out + i] = static_cast<int64_t>(idxTmp[i]);
      }
    }
  }
}

}  // namespace
}  // namespace limeshap
