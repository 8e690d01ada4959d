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

// The approximate density of QsPairDensity* (see quickshift_kernels.h): each symmetric pair's term once.
// A tile of T vectors of row r keeps its pixels' features and forward sums in registers; each forward
// term is also added to the neighbour's slot of `acc`. Offsets are visited column-major (dc outer, dr
// inner) so consecutive offsets write different rows: a load of acc never partially overlaps a store
// still in flight (which would stall store-to-load forwarding). d2 is computed as in the exact pass
// (the same value for both pixels of a pair: (a - b)^2 == (b - a)^2).
template <class V, int T>
void PairDensityRows(const QsPlanes& p, int r0, int r1, double* acc, const V& v) {
  constexpr int L = V::kLanes;
  using D = typename V::D;
  const D inv = V::Set(p.inv);
  const int kw = p.kw;
  for (int r = r0; r < r1; ++r) {
    const int below = MinInt(kw, p.height - 1 - r);
    double* accRow = acc + static_cast<long>(r - r0) * p.stride + p.pad;  // column 0 of row r
    for (int c0 = 0; c0 < p.width; c0 += T * L) {
      D f0[T], f1[T], f2[T], sum[T];
      const long self = p.At(r, c0);
      for (int i = 0; i < T; ++i) {
        f0[i] = V::Load(p.feature[0] + self + i * L);
        f1[i] = V::Load(p.feature[1] + self + i * L);
        f2[i] = V::Load(p.feature[2] + self + i * L);
        sum[i] = V::Set(0.0);
      }
      for (int dc = -kw; dc <= kw; ++dc) {
        const double dc2 = static_cast<double>(dc * dc);
        for (int dr = dc > 0 ? 0 : 1; dr <= below; ++dr) {
          const double dr2 = static_cast<double>(dr * dr);
          const long q = self + static_cast<long>(dr) * p.stride + dc;
          double* a = accRow + static_cast<long>(dr) * p.stride + c0 + dc;
          for (int i = 0; i < T; ++i) {
            const D d2 = NeighbourD2<V>(p, f0[i], f1[i], f2[i], q + i * L, dr2, dc2);
            const D t = v.Exp(V::Mul(d2, inv));
            sum[i] = V::Add(sum[i], t);
            V::Store(a + i * L, V::Add(V::Load(a + i * L), t));
          }
        }
      }
      for (int i = 0; i < T; ++i) V::Store(accRow + c0 + i * L, V::Add(V::Load(accRow + c0 + i * L), sum[i]));
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
//
// With approximate densities (tolerance > 0) a neighbour is "denser" only when it is denser by more than
// the tolerance, which is then certain; a neighbour within the tolerance marks the lane uncertain. A lane
// that met no uncertain comparison made every decision of the exact scan correctly (the pruning bound
// comes from certainly denser neighbours), so its result is exact; uncertain ones are redone by the
// caller with exact densities.
template <class V>
void ParentRows(const QsPlanes& p, int r0, int r1, double tolerance, int64_t* parent, double* dist,
                uint8_t* uncertain) {
  constexpr int L = V::kLanes;
  alignas(64) double bestTmp[L], idxTmp[L];
  const bool approx = tolerance > 0;
  const typename V::D tol = V::Set(tolerance);
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
      // Denser: above hi. Uncertain: in [lo, hi] (never, when exact: lo = +inf).
      const typename V::D hi = approx ? V::Add(current, tol) : current;
      const typename V::D lo = approx ? V::Sub(current, tol) : V::Set(INFINITY);
      typename V::M unsure = V::Lt(hi, hi);  // all false

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
            const typename V::D dq = V::Load(p.density + q);
            unsure = V::Or(unsure, V::And(V::Ge(dq, lo), V::Le(dq, hi)));
            const typename V::M denser = V::Gt(dq, hi);
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
          if (rr == r && dc == 0) continue;  // itself: never strictly denser (and no uncertainty)
          const long q = base + dc;
          const typename V::D dq = V::Load(p.density + q);
          unsure = V::Or(unsure, V::And(V::Ge(dq, lo), V::Le(dq, hi)));
          const typename V::M denser = V::Gt(dq, hi);
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
      if (approx) {
        const int bits = V::Bits(unsure);
        for (int i = 0; i < lanes; ++i) uncertain[out + i] = static_cast<uint8_t>((bits >> i) & 1);
      }
    }
  }
}

}  // namespace
}  // namespace limeshap
