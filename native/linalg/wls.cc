// SPDX-License-Identifier: MIT
// Weighted least squares for LIME / Kernel SHAP: see wls.h for the formulas and the reference
// semantics. Implementation notes:
//
//  * The normal matrix is the hot part (n = 1000..10000 samples, p up to ~300 columns). It is built
//    as G = AᵀA with A = [sqrt(W)(Z - x̄) | sqrt(W)(Y - ȳ)] (targets appended as extra columns, so
//    Xᵀ W y and the weighted total sum of squares come out of the same pass). The samples are
//    processed in panels of kChunk rows, transposed into a column-major buffer (so each column of
//    the panel is contiguous and the panel stays in L2); for each panel, 4-column blocks of G are
//    handed to the thread pool, and each task accumulates register tiles of 4-lane vectors. Every
//    entry of G is a sum over panels in panel order, inside a panel over 4 lanes (i mod 4) that are
//    reduced as (l0 + l1) + (l2 + l3): the arithmetic does not depend on the thread count, on the
//    tile shape or on the SIMD level (the AVX2 clone only uses wider registers for the same
//    operations; no FMA contraction), so results are bit-identical everywhere.
//  * Ridge solves (G + αI) B = C for all K targets with one Cholesky factorisation. A breakdown
//    (pivot <= 1e-12 of its diagonal, i.e. singular to working precision) switches to the
//    minimum-norm solution via a rank-revealing pivoted Cholesky, the answer numpy.linalg.lstsq /
//    sklearn's svd fallback give for rank-deficient problems (e.g. α = 0 and duplicated columns).
#include "linalg/wls.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>

#include "simd/cpu.h"
#include "util/thread_pool.h"

namespace limeshap {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr size_t kChunk = 256;  // samples per panel: 300 columns x 256 x 8 B = 600 KB, L2-sized

void Require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("limeshap wls: ") + what);
}

void CheckWeights(const double* w, size_t n) {
  if (!w) return;
  for (size_t i = 0; i < n; ++i)
    if (!(w[i] >= 0) || !std::isfinite(w[i])) throw std::invalid_argument("limeshap wls: weights must be finite and >= 0");
}

std::vector<int32_t> ResolveColumns(const int32_t* cols, size_t numCols, size_t m) {
  std::vector<int32_t> out;
  if (!cols) {
    out.resize(m);
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  out.assign(cols, cols + numCols);
  for (int32_t c : out) Require(c >= 0 && static_cast<size_t>(c) < m, "column index out of range");
  return out;
}

// ---- 4-lane vectors ----------------------------------------------------------------------------
// GCC/Clang vector extensions: portable (SSE2 splits them in two, AVX2 uses one ymm) and, unlike a
// plain loop, the lane structure of each reduction is explicit, so no -ffast-math is needed to
// vectorise and the summation order is fixed.
#if defined(__GNUC__)
// The helpers are always inlined, so no 32-byte vector crosses a call boundary (-Wpsabi is about
// that ABI only) and the AVX2 clone gets them compiled for AVX2.
#pragma GCC diagnostic ignored "-Wpsabi"
#define LIMESHAP_INLINE inline __attribute__((always_inline))
typedef double V4 __attribute__((vector_size(32)));
LIMESHAP_INLINE V4 Load4(const double* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
LIMESHAP_INLINE V4 Zero4() { return V4{0, 0, 0, 0}; }
LIMESHAP_INLINE double Sum4(const V4& v) { return (v[0] + v[1]) + (v[2] + v[3]); }
#else
#define LIMESHAP_INLINE inline
struct V4 {
  double v[4];
  double& operator[](int i) { return v[i]; }
  double operator[](int i) const { return v[i]; }
};
inline V4 Load4(const double* p) {
  V4 r;
  std::memcpy(r.v, p, sizeof r.v);
  return r;
}
inline V4 Zero4() { return V4{{0, 0, 0, 0}}; }
inline V4 operator*(V4 a, V4 b) { return V4{{a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]}}; }
inline V4& operator+=(V4& a, V4 b) {
  for (int i = 0; i < 4; ++i) a.v[i] += b[i];
  return a;
}
inline double Sum4(V4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }
#endif

// Dot product with 4 lanes (fixed order); used by the triangular solves and predictions.
double Dot(const double* a, const double* b, size_t len) {
  V4 acc = Zero4();
  size_t i = 0;
  for (; i + 4 <= len; i += 4) acc += Load4(a + i) * Load4(b + i);
  double s = Sum4(acc);
  for (; i < len; ++i) s += a[i] * b[i];
  return s;
}

// ---- the blocked AᵀA kernel ---------------------------------------------------------------------
// P: panel, Rp rows (columns of A, Rp a multiple of 4) of `ld` doubles, `len` (multiple of 4) used.
// Accumulates the 4-row block j0..j0+3 of the upper triangle of G (Rp x Rp) for columns k0 >= j0.
// TJ x TK is the register tile; any shape gives the same arithmetic per entry.
template <int TJ, int TK>
LIMESHAP_INLINE void GramBlockRowT(const double* P, size_t ld, size_t len, size_t Rp,
                                                         size_t j0, double* G) {
  for (size_t jj = j0; jj < j0 + 4; jj += TJ) {
    for (size_t k0 = j0; k0 < Rp; k0 += TK) {
      if (k0 + TK <= jj) continue;  // tile entirely below the diagonal
      V4 acc[TJ][TK];
      for (int a = 0; a < TJ; ++a)
        for (int b = 0; b < TK; ++b) acc[a][b] = Zero4();
      const double* x[TJ];
      const double* y[TK];
      for (int a = 0; a < TJ; ++a) x[a] = P + (jj + a) * ld;
      for (int b = 0; b < TK; ++b) y[b] = P + (k0 + b) * ld;
      for (size_t i = 0; i < len; i += 4) {
        V4 xv[TJ];
        for (int a = 0; a < TJ; ++a) xv[a] = Load4(x[a] + i);
        for (int b = 0; b < TK; ++b) {
          V4 yv = Load4(y[b] + i);
          for (int a = 0; a < TJ; ++a) acc[a][b] += xv[a] * yv;
        }
      }
      for (int a = 0; a < TJ; ++a)
        for (int b = 0; b < TK; ++b) G[(jj + a) * Rp + k0 + b] += Sum4(acc[a][b]);
    }
  }
}

void GramBlockRowBase(const double* P, size_t ld, size_t len, size_t Rp, size_t j0, double* G) {
  GramBlockRowT<2, 2>(P, ld, len, Rp, j0, G);  // 4 accumulators = 8 xmm on plain SSE2
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(_M_X64))
#define LIMESHAP_WLS_AVX2 1
__attribute__((target("avx2"))) void GramBlockRowAvx2(const double* P, size_t ld, size_t len, size_t Rp, size_t j0,
                                                       double* G) {
  GramBlockRowT<4, 2>(P, ld, len, Rp, j0, G);  // 8 ymm accumulators + 6 loads
}
#endif

using BlockRowFn = void (*)(const double*, size_t, size_t, size_t, size_t, double*);

BlockRowFn PickBlockRow() {
#ifdef LIMESHAP_WLS_AVX2
  if (ActiveSimd() >= SimdLevel::kAvx2) return GramBlockRowAvx2;
#endif
  return GramBlockRowBase;
}

// Aligned scratch buffer.
struct Buffer {
  std::unique_ptr<double[]> raw;
  double* data = nullptr;
  explicit Buffer(size_t count) : raw(new double[count + 8]) {
    auto addr = reinterpret_cast<uintptr_t>(raw.get());
    data = raw.get() + ((64 - addr % 64) % 64) / sizeof(double);
    std::fill(data, data + count, 0.0);
  }
};

// G (R x R, both triangles) = AᵀA where fill(i0, i1, panel, ld) writes A[i, r] to panel[r*ld + i-i0]
// for i in [i0, i1), r < R (rows r >= R and columns >= i1-i0 stay zero).
template <class Fill>
std::vector<double> GramOf(size_t n, size_t R, Fill&& fill) {
  const size_t Rp = (R + 3) & ~size_t(3);
  std::vector<double> Gp(Rp * Rp, 0.0);
  if (R == 0) return {};
  const size_t ld = kChunk;
  Buffer panel(Rp * ld);
  const BlockRowFn blockRow = PickBlockRow();
  const size_t nBlocks = Rp / 4;
  // Small problems: the pool's hand-off costs more than it saves.
  const bool parallel = PoolThreads() > 1 && static_cast<double>(n) * Rp * Rp > 4e6;
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const size_t i1 = std::min(n, i0 + kChunk);
    const size_t len = ((i1 - i0) + 3) & ~size_t(3);
    if (i1 - i0 < kChunk) std::fill(panel.data, panel.data + Rp * ld, 0.0);
    fill(i0, i1, panel.data, ld);
    const double* P = panel.data;
    double* G = Gp.data();
    auto run = [&](size_t b0, size_t b1) {
      for (size_t b = b0; b < b1; ++b) blockRow(P, ld, len, Rp, 4 * b, G);
    };
    if (parallel)
      ParallelFor(0, nBlocks, 1, run);
    else
      run(0, nBlocks);
  }
  std::vector<double> out(R * R);
  for (size_t j = 0; j < R; ++j)
    for (size_t k = j; k < R; ++k) out[j * R + k] = out[k * R + j] = Gp[j * Rp + k];
  return out;
}

template <class T>
NormalEquations BuildNormalEquationsT(const T* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                                      const NormalEquationsParams& params) {
  Require(Z != nullptr || n * m == 0, "Z is null");
  Require(Y != nullptr || K == 0, "Y is null");
  CheckWeights(w, n);
  const std::vector<int32_t> cols = ResolveColumns(params.columns, params.numColumns, m);
  const size_t p = cols.size();
  NormalEquations ne;
  ne.p = p;
  ne.K = K;
  ne.xMean.assign(p, 0.0);
  ne.yMean.assign(K, 0.0);
  double S = 0;
  for (size_t i = 0; i < n; ++i) S += w ? w[i] : 1.0;
  ne.sumWeights = S;
  if (params.center) {
    Require(S > 0, "weights sum to zero");
    std::vector<double> sx(p, 0.0), sy(K, 0.0);
    for (size_t i = 0; i < n; ++i) {
      const double wi = w ? w[i] : 1.0;
      const T* zr = Z + i * m;
      for (size_t j = 0; j < p; ++j) sx[j] += wi * static_cast<double>(zr[cols[j]]);
      for (size_t k = 0; k < K; ++k) sy[k] += wi * Y[i * K + k];
    }
    for (size_t j = 0; j < p; ++j) ne.xMean[j] = sx[j] / S;
    for (size_t k = 0; k < K; ++k) ne.yMean[k] = sy[k] / S;
  }
  const size_t R = p + K;
  const double* xm = ne.xMean.data();
  const double* ym = ne.yMean.data();
  std::vector<double> sw(kChunk);
  std::vector<double> G = GramOf(n, R, [&](size_t i0, size_t i1, double* P, size_t ld) {
    const size_t len = i1 - i0;
    for (size_t c = 0; c < len; ++c) sw[c] = w ? std::sqrt(w[i0 + c]) : 1.0;
    // Column by column: contiguous writes into the panel, strided reads from the chunk of Z (which
    // is small enough to stay in cache); row by row would scatter every write to another line.
    for (size_t j = 0; j < p; ++j) {
      const T* zc = Z + i0 * m + cols[j];
      double* out = P + j * ld;
      const double mean = xm[j];
      for (size_t c = 0; c < len; ++c) out[c] = (static_cast<double>(zc[c * m]) - mean) * sw[c];
    }
    for (size_t k = 0; k < K; ++k) {
      const double* yc = Y + i0 * K + k;
      double* out = P + (p + k) * ld;
      for (size_t c = 0; c < len; ++c) out[c] = (yc[c * K] - ym[k]) * sw[c];
    }
  });
  ne.gram.resize(p * p);
  ne.xty.resize(p * K);
  ne.yty.resize(K);
  for (size_t j = 0; j < p; ++j) {
    for (size_t k = 0; k < p; ++k) ne.gram[j * p + k] = G[j * R + k];
    for (size_t k = 0; k < K; ++k) ne.xty[j * K + k] = G[j * R + p + k];
  }
  for (size_t k = 0; k < K; ++k) ne.yty[k] = G[(p + k) * R + p + k];
  return ne;
}

// ---- dense symmetric solves ---------------------------------------------------------------------

// In-place lower Cholesky of A (p x p row-major; only the lower triangle is read/written).
// Returns false if a pivot is not clearly positive: d <= relTol * A_jj(original) or not finite.
bool CholeskyLower(double* A, size_t p, double relTol) {
  for (size_t j = 0; j < p; ++j) {
    double* rj = A + j * p;
    const double ajj = rj[j];
    const double d = ajj - Dot(rj, rj, j);
    if (!(d > relTol * ajj) || !(d > 0) || !std::isfinite(d)) return false;
    const double l = std::sqrt(d);
    rj[j] = l;
    for (size_t i = j + 1; i < p; ++i) {
      double* ri = A + i * p;
      ri[j] = (ri[j] - Dot(ri, rj, j)) / l;
    }
  }
  return true;
}

// Solves L Lᵀ x = b in place (L lower, row-major p x p).
void CholeskySolve(const double* L, size_t p, double* x) {
  for (size_t i = 0; i < p; ++i) x[i] = (x[i] - Dot(L + i * p, x, i)) / L[i * p + i];
  for (size_t i = p; i-- > 0;) {
    double s = x[i];
    for (size_t k = i + 1; k < p; ++k) s -= L[k * p + i] * x[k];
    x[i] = s / L[i * p + i];
  }
}

// Minimum-norm solution pinv(A) B for symmetric PSD A (p x p), B (p x K) -> X (p x K).
// Rank-revealing pivoted Cholesky (LAPACK dpstrf's rule: stop when the largest remaining pivot is
// <= p·eps·max diag): A[piv,piv] = L Lᵀ with L (p x r) of full column rank; with M = Pᵀ L,
// A = M Mᵀ and pinv(A) = M (MᵀM)⁻² Mᵀ. MᵀM = LᵀL is r x r SPD.
void MinNormSolve(const double* A, size_t p, const double* B, size_t K, double* X) {
  std::vector<double> W(A, A + p * p);  // working copy, symmetric, permuted in place
  std::vector<size_t> piv(p);
  std::iota(piv.begin(), piv.end(), size_t(0));
  double maxDiag = 0;
  for (size_t j = 0; j < p; ++j)
    if (std::isfinite(W[j * p + j])) maxDiag = std::max(maxDiag, W[j * p + j]);
  const double tol = static_cast<double>(p) * kEps * maxDiag;
  std::vector<double> L(p * p, 0.0);  // row i = permuted row i; first r columns used
  std::vector<double> d(p);
  for (size_t j = 0; j < p; ++j) d[j] = W[j * p + j];
  size_t r = 0;
  for (; r < p; ++r) {
    // pick the largest remaining diagonal
    size_t q = r;
    for (size_t j = r + 1; j < p; ++j)
      if (d[j] > d[q]) q = j;
    if (!(d[q] > tol)) break;
    if (q != r) {
      std::swap(piv[q], piv[r]);
      std::swap(d[q], d[r]);
      for (size_t c = 0; c < r; ++c) std::swap(L[q * p + c], L[r * p + c]);
    }
    const double lrr = std::sqrt(d[r]);
    L[r * p + r] = lrr;
    for (size_t i = r + 1; i < p; ++i) {
      double s = W[piv[i] * p + piv[r]];
      s -= Dot(L.data() + i * p, L.data() + r * p, r);
      L[i * p + r] = s / lrr;
      d[i] -= L[i * p + r] * L[i * p + r];
    }
  }
  std::fill(X, X + p * K, 0.0);
  if (r == 0) return;
  // H = LᵀL (r x r)
  std::vector<double> H(r * r, 0.0);
  for (size_t a = 0; a < r; ++a)
    for (size_t b = 0; b <= a; ++b) {
      double s = 0;
      for (size_t i = std::max(a, b); i < p; ++i) s += L[i * p + a] * L[i * p + b];
      H[a * r + b] = H[b * r + a] = s;
    }
  std::vector<double> Hc = H;
  if (!CholeskyLower(Hc.data(), r, 0.0)) {
    // Cannot happen for r chosen above unless the data are not finite; give zeros.
    return;
  }
  std::vector<double> t(r);
  for (size_t k = 0; k < K; ++k) {
    // u = Lᵀ (P b)
    for (size_t a = 0; a < r; ++a) {
      double s = 0;
      for (size_t i = a; i < p; ++i) s += L[i * p + a] * B[piv[i] * K + k];
      t[a] = s;
    }
    CholeskySolve(Hc.data(), r, t.data());
    CholeskySolve(Hc.data(), r, t.data());
    // x[piv[i]] = L[i,:] t
    for (size_t i = 0; i < p; ++i) {
      double s = 0;
      for (size_t a = 0; a < std::min(r, i + 1); ++a) s += L[i * p + a] * t[a];
      X[piv[i] * K + k] = s;
    }
  }
}

template <class T>
RidgeResult RidgeFitT(const T* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                      const RidgeParams& params) {
  Require(params.alpha >= 0 && std::isfinite(params.alpha), "alpha must be finite and >= 0");
  Require(params.predictRow < static_cast<int64_t>(n), "predictRow out of range");
  NormalEquationsParams np;
  np.center = params.fitIntercept;
  np.columns = params.columns;
  np.numColumns = params.numColumns;
  NormalEquations ne = BuildNormalEquationsT(Z, n, m, w, Y, K, np);
  const std::vector<int32_t> cols = ResolveColumns(params.columns, params.numColumns, m);
  const size_t p = ne.p;
  RidgeResult res;
  res.p = p;
  res.K = K;
  std::vector<double> A = ne.gram;
  for (size_t j = 0; j < p; ++j) A[j * p + j] += params.alpha;
  std::vector<double> X(p * K);
  res.fallback = SolveSymmetricPsd(A.data(), p, ne.xty.data(), K, X.data());
  res.coef.resize(K * p);
  res.intercept.assign(K, 0.0);
  for (size_t k = 0; k < K; ++k) {
    for (size_t j = 0; j < p; ++j) res.coef[k * p + j] = X[j * K + k];
    if (params.fitIntercept) res.intercept[k] = ne.yMean[k] - Dot(ne.xMean.data(), res.coef.data() + k * p, p);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  res.prediction.assign(K, nan);
  res.score.assign(K, nan);
  std::vector<double> row(p);
  auto predictRow = [&](size_t i, double* out) {
    const T* zr = Z + i * m;
    for (size_t j = 0; j < p; ++j) row[j] = static_cast<double>(zr[cols[j]]);
    for (size_t k = 0; k < K; ++k) out[k] = res.intercept[k] + Dot(row.data(), res.coef.data() + k * p, p);
  };
  if (params.predictRow >= 0 && n > 0) predictRow(static_cast<size_t>(params.predictRow), res.prediction.data());
  if (params.computeScore) {
    // ȳ_w for the denominator (the fit's own means are 0 without an intercept).
    std::vector<double> ybar(K, 0.0);
    double S = 0;
    for (size_t i = 0; i < n; ++i) {
      const double wi = w ? w[i] : 1.0;
      S += wi;
      for (size_t k = 0; k < K; ++k) ybar[k] += wi * Y[i * K + k];
    }
    for (size_t k = 0; k < K; ++k) ybar[k] = S != 0 ? ybar[k] / S : 0.0;
    // Residual pass: fixed-size chunks, partial sums combined in chunk order (deterministic).
    const size_t grain = 512;
    const size_t nChunks = (n + grain - 1) / grain;
    std::vector<double> partial(nChunks * 2 * K, 0.0);
    auto work = [&](size_t c0, size_t c1) {
      std::vector<double> rowBuf(p), yhat(K);
      for (size_t c = c0; c < c1; ++c) {
        double* num = partial.data() + c * 2 * K;
        double* den = num + K;
        for (size_t i = c * grain; i < std::min(n, (c + 1) * grain); ++i) {
          const double wi = w ? w[i] : 1.0;
          const T* zr = Z + i * m;
          for (size_t j = 0; j < p; ++j) rowBuf[j] = static_cast<double>(zr[cols[j]]);
          for (size_t k = 0; k < K; ++k) {
            const double yh = res.intercept[k] + Dot(rowBuf.data(), res.coef.data() + k * p, p);
            const double e = Y[i * K + k] - yh;
            const double t = Y[i * K + k] - ybar[k];
            num[k] += wi * e * e;
            den[k] += wi * t * t;
          }
        }
      }
    };
    if (PoolThreads() > 1 && static_cast<double>(n) * p * K > 2e6)
      ParallelFor(0, nChunks, 1, work);
    else
      work(0, nChunks);
    for (size_t k = 0; k < K; ++k) {
      double num = 0, den = 0;
      for (size_t c = 0; c < nChunks; ++c) {
        num += partial[c * 2 * K + k];
        den += partial[c * 2 * K + K + k];
      }
      res.score[k] = den != 0 ? 1.0 - num / den : (num == 0 ? 1.0 : 0.0);
    }
  }
  return res;
}

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

// ---------------------------------------------------------------------------------------------

void CosineDistancesToFirstRow(const double* Z, size_t n, size_t m, double* out) { CosineDistancesT(Z, n, m, out); }
void CosineDistancesToFirstRow(const uint8_t* Z, size_t n, size_t m, double* out) { CosineDistancesT(Z, n, m, out); }

void KernelWeights(const double* distances, size_t n, double kernelWidth, double* out) {
  Require(kernelWidth > 0 && std::isfinite(kernelWidth), "kernelWidth must be > 0");
  Require((distances && out) || n == 0, "null pointer");
  const double kw2 = kernelWidth * kernelWidth;
  // lime: np.sqrt(np.exp(-(d ** 2) / kernel_width ** 2))
  for (size_t i = 0; i < n; ++i) out[i] = std::sqrt(std::exp(-(distances[i] * distances[i]) / kw2));
}

NormalEquations BuildNormalEquations(const double* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                                     const NormalEquationsParams& params) {
  return BuildNormalEquationsT(Z, n, m, w, Y, K, params);
}
NormalEquations BuildNormalEquations(const uint8_t* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                                     const NormalEquationsParams& params) {
  return BuildNormalEquationsT(Z, n, m, w, Y, K, params);
}

bool SolveSymmetricPsd(const double* A, size_t p, const double* B, size_t K, double* X) {
  Require((A && X && B) || p == 0 || K == 0, "null pointer");
  if (p == 0) return false;
  std::vector<double> L(A, A + p * p);
  if (CholeskyLower(L.data(), p, 1e-12)) {
    std::vector<double> x(p);
    for (size_t k = 0; k < K; ++k) {
      for (size_t j = 0; j < p; ++j) x[j] = B[j * K + k];
      CholeskySolve(L.data(), p, x.data());
      for (size_t j = 0; j < p; ++j) X[j * K + k] = x[j];
    }
    return false;
  }
  MinNormSolve(A, p, B, K, X);
  return true;
}

RidgeResult RidgeFit(const double* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                     const RidgeParams& params) {
  return RidgeFitT(Z, n, m, w, Y, K, params);
}
RidgeResult RidgeFit(const uint8_t* Z, size_t n, size_t m, const double* w, const double* Y, size_t K,
                     const RidgeParams& params) {
  return RidgeFitT(Z, n, m, w, Y, K, params);
}

double WeightedR2(const double* y, const double* yHat, const double* w, size_t n) {
  CheckWeights(w, n);
  double S = 0, sy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double wi = w ? w[i] : 1.0;
    S += wi;
    sy += wi * y[i];
  }
  const double ybar = S != 0 ? sy / S : 0.0;
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    const double wi = w ? w[i] : 1.0;
    num += wi * (y[i] - yHat[i]) * (y[i] - yHat[i]);
    den += wi * (y[i] - ybar) * (y[i] - ybar);
  }
  return den != 0 ? 1.0 - num / den : (num == 0 ? 1.0 : 0.0);
}

// ---------------------------------------------------------------------------------------------
// Lasso: sklearn cd_fast.enet_coordinate_descent (beta = 0, cyclic, not positive) on the
// preprocessed problem (sw rescaled to sum to n, weighted centring, rows times sqrt(sw)).
// ---------------------------------------------------------------------------------------------

LassoResult LassoFit(const double* X, size_t n, size_t m, const double* w, const double* y, const LassoParams& params) {
  Require((X && y) || n == 0, "null pointer");
  Require(params.alpha >= 0 && std::isfinite(params.alpha), "alpha must be finite and >= 0");
  Require(params.maxIter >= 1, "maxIter must be >= 1");
  CheckWeights(w, n);
  LassoResult res;
  res.coef.assign(m, 0.0);
  if (n == 0) return res;
  // sample_weight * (n_samples / sum(sample_weight))
  std::vector<double> sw(n, 1.0);
  if (w) {
    double S = 0;
    for (size_t i = 0; i < n; ++i) S += w[i];
    Require(S > 0, "weights sum to zero");
    for (size_t i = 0; i < n; ++i) sw[i] = w[i] * (static_cast<double>(n) / S);
  }
  std::vector<double> xm(m, 0.0);
  double ym = 0;
  if (params.fitIntercept) {
    double S = 0;
    for (size_t i = 0; i < n; ++i) S += sw[i];
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < m; ++j) xm[j] += sw[i] * X[i * m + j];
      ym += sw[i] * y[i];
    }
    for (size_t j = 0; j < m; ++j) xm[j] /= S;
    ym /= S;
  }
  // Column-major preprocessed X and y.
  std::vector<double> Xs(m * n), ys(n);
  for (size_t i = 0; i < n; ++i) {
    const double s = w ? std::sqrt(sw[i]) : 1.0;
    for (size_t j = 0; j < m; ++j) Xs[j * n + i] = (X[i * m + j] - xm[j]) * s;
    ys[i] = (y[i] - ym) * s;
  }
  const double alpha = params.alpha * static_cast<double>(n);  // l1_reg = alpha * l1_ratio * n_samples
  std::vector<double> normCols(m), R(ys), XtA(m);
  for (size_t j = 0; j < m; ++j) normCols[j] = Dot(&Xs[j * n], &Xs[j * n], n);
  std::vector<double>& coef = res.coef;
  const double tol = params.tol * Dot(ys.data(), ys.data(), n);
  res.gapTol = tol;
  double gap = tol + 1.0;
  int it = 0;
  for (; it < params.maxIter; ++it) {
    double wMax = 0, dwMax = 0;
    for (size_t j = 0; j < m; ++j) {
      if (normCols[j] == 0.0) continue;
      const double* xj = &Xs[j * n];
      const double old = coef[j];
      if (old != 0.0)
        for (size_t i = 0; i < n; ++i) R[i] += old * xj[i];
      const double tmp = Dot(xj, R.data(), n);
      coef[j] = (tmp > 0 ? 1.0 : (tmp < 0 ? -1.0 : 0.0)) * std::max(std::fabs(tmp) - alpha, 0.0) / normCols[j];
      if (coef[j] != 0.0)
        for (size_t i = 0; i < n; ++i) R[i] -= coef[j] * xj[i];
      dwMax = std::max(dwMax, std::fabs(coef[j] - old));
      wMax = std::max(wMax, std::fabs(coef[j]));
    }
    if (wMax == 0.0 || dwMax / wMax < params.tol || it == params.maxIter - 1) {
      double dualNorm = 0;
      for (size_t j = 0; j < m; ++j) {
        XtA[j] = Dot(&Xs[j * n], R.data(), n);
        dualNorm = std::max(dualNorm, std::fabs(XtA[j]));
      }
      const double rNorm2 = Dot(R.data(), R.data(), n);
      double cst;
      if (dualNorm > alpha) {
        cst = alpha / dualNorm;
        gap = 0.5 * (rNorm2 + rNorm2 * cst * cst);
      } else {
        cst = 1.0;
        gap = rNorm2;
      }
      double l1 = 0;
      for (size_t j = 0; j < m; ++j) l1 += std::fabs(coef[j]);
      gap += alpha * l1 - cst * Dot(R.data(), ys.data(), n);
      if (gap < tol) {
        res.converged = true;
        break;
      }
    }
  }
  res.nIter = std::min(it + 1, params.maxIter);
  res.dualGap = gap;
  res.intercept = params.fitIntercept ? ym - Dot(xm.data(), coef.data(), m) : 0.0;
  return res;
}

// ---------------------------------------------------------------------------------------------
// LARS (sklearn _lars_path_solver, Gram branch). Positions 0..nActive-1 of `indices` hold the
// active features, the rest the inactive ones in sklearn's swap order; `cov` is indexed by position
// (sklearn's Cov is the view cov[nActive:]). Ties in argmax |Cov| pick the first position, as
// np.argmax does, so keeping the same permutation keeps the same choices.
// ---------------------------------------------------------------------------------------------

namespace {

double MinPos(const double* v, size_t len) {
  double best = std::numeric_limits<double>::max();
  for (size_t i = 0; i < len; ++i)
    if (v[i] > 0 && v[i] < best) best = v[i];
  return best;
}

// L (ld x ld lower): L[r, :r] = solve(L[:r,:r], g), L[r,r] = max(sqrt|c - |L[r,:r]|²|, eps).
double CholeskyAppend(double* L, size_t ld, size_t r, const double* g, double c, double eps) {
  double* row = L + r * ld;
  for (size_t a = 0; a < r; ++a) row[a] = (g[a] - Dot(L + a * ld, row, a)) / L[a * ld + a];
  const double v = Dot(row, row, r);
  const double diag = std::max(std::sqrt(std::fabs(c - v)), eps);
  row[r] = diag;
  return diag;
}

// potrs with lower L: solves L Lᵀ x = b.
void CholeskySolveLd(const double* L, size_t ld, size_t p, double* x) {
  for (size_t i = 0; i < p; ++i) x[i] = (x[i] - Dot(L + i * ld, x, i)) / L[i * ld + i];
  for (size_t i = p; i-- > 0;) {
    double s = x[i];
    for (size_t k = i + 1; k < p; ++k) s -= L[k * ld + i] * x[k];
    x[i] = s / L[i * ld + i];
  }
}

}  // namespace

LarsResult LarsPathGram(const double* gram, const double* xy, size_t m, double nSamples, const LarsParams& params) {
  Require((gram && xy) || m == 0, "null pointer");
  Require(nSamples > 0, "nSamples must be > 0");
  // A non-finite Gram or correlation (inputs so large their products overflow) never lets the step
  // length below become finite: refuse it instead of looping forever.
  for (size_t i = 0; i < m * m; ++i)
    if (!std::isfinite(gram[i])) throw std::out_of_range("values too large: the least-squares system overflows to infinity or NaN");
  for (size_t j = 0; j < m; ++j)
    if (!std::isfinite(xy[j])) throw std::out_of_range("values too large: the least-squares system overflows to infinity or NaN");
  const bool lasso = params.method == LarsMethod::kLasso;
  const double tiny32 = static_cast<double>(std::numeric_limits<float>::min());
  const double eqTol = static_cast<double>(std::numeric_limits<float>::epsilon());
  const double eps = params.eps;
  const size_t maxFeatures = std::min(params.maxIter, m);
  auto G = [&](size_t a, size_t b) { return gram[a * m + b]; };

  LarsResult res;
  res.m = m;
  std::vector<double>& alphas = res.alphas;
  std::vector<double>& coefs = res.coefs;
  auto ensureRow = [&](size_t t) {
    if (alphas.size() <= t) {
      alphas.resize(t + 1, 0.0);
      coefs.resize((t + 1) * m, 0.0);
    }
  };
  ensureRow(0);
  std::vector<size_t> indices(m);
  std::iota(indices.begin(), indices.end(), size_t(0));
  std::vector<double> cov(xy, xy + m);  // by position
  size_t covStart = 0;                  // sklearn's Cov = cov[covStart:]
  std::vector<double> L(std::max<size_t>(maxFeatures, 1) * std::max<size_t>(maxFeatures, 1), 0.0);
  const size_t ld = std::max<size_t>(maxFeatures, 1);
  std::vector<double> signActive(std::max<size_t>(maxFeatures, 1), 0.0);
  std::vector<int32_t>& active = res.active;
  std::vector<double> ls, corr, tmpv, g;
  size_t nIter = 0, nActive = 0;
  bool drop = false;
  std::vector<size_t> idx;

  while (true) {
    size_t cIdx = 0;
    double C = 0, Cs = 0;
    const size_t covLen = m - covStart;
    if (covLen) {
      for (size_t q = 1; q < covLen; ++q)
        if (std::fabs(cov[covStart + q]) > std::fabs(cov[covStart + cIdx])) cIdx = q;
      Cs = cov[covStart + cIdx];
      C = std::fabs(Cs);
    }
    ensureRow(nIter);
    double* coef = coefs.data() + nIter * m;
    const double* prevCoef = nIter > 0 ? coefs.data() + (nIter - 1) * m : coefs.data();
    const double prevAlpha = nIter > 0 ? alphas[nIter - 1] : alphas[0];
    alphas[nIter] = C / nSamples;
    if (alphas[nIter] <= params.alphaMin + eqTol) {  // early stopping
      if (std::fabs(alphas[nIter] - params.alphaMin) > eqTol) {
        if (nIter > 0) {
          const double ss = (prevAlpha - params.alphaMin) / (prevAlpha - alphas[nIter]);
          for (size_t j = 0; j < m; ++j) coef[j] = prevCoef[j] + ss * (coef[j] - prevCoef[j]);
        }
        alphas[nIter] = params.alphaMin;
      }
      break;
    }
    if (nIter >= params.maxIter || nActive >= m) break;
    if (!drop) {
      signActive[nActive] = Cs > 0 ? 1.0 : (Cs < 0 ? -1.0 : 0.0);
      const size_t mPos = nActive, nPos = cIdx + nActive;
      std::swap(cov[covStart + cIdx], cov[covStart]);
      std::swap(indices[nPos], indices[mPos]);
      const size_t savedStart = covStart;
      covStart += 1;
      const size_t f = indices[nActive];
      g.resize(nActive);
      for (size_t a = 0; a < nActive; ++a) g[a] = G(f, indices[a]);
      const double diag = CholeskyAppend(L.data(), ld, nActive, g.data(), G(f, f), eps);
      if (diag < 1e-7) {
        // sklearn: degenerate regressor, "drop for good": Cov[0] = 0 and swap back (its
        // `indices` swap is not undone; we mirror that exactly).
        covStart = savedStart;
        cov[covStart] = 0;
        std::swap(cov[covStart + cIdx], cov[covStart]);
        continue;
      }
      active.push_back(static_cast<int32_t>(f));
      nActive += 1;
    }
    if (lasso && nIter > 0 && prevAlpha < alphas[nIter]) break;  // alpha increasing: bail out

    ls.assign(signActive.begin(), signActive.begin() + nActive);
    CholeskySolveLd(L.data(), ld, nActive, ls.data());
    double AA;
    if (nActive == 1 && ls[0] == 0) {
      ls[0] = 1;
      AA = 1.0;
    } else {
      double s = 0;
      for (size_t a = 0; a < nActive; ++a) s += ls[a] * signActive[a];
      AA = 1.0 / std::sqrt(s);
      if (!std::isfinite(AA)) {
        std::vector<double> Lr(nActive * nActive);
        for (size_t a = 0; a < nActive; ++a)
          for (size_t b = 0; b < nActive; ++b) Lr[a * nActive + b] = L[a * ld + b];
        int i = 0;
        // Each round doubles the ridge added to the diagonal; after ~2100 rounds it is infinite, so
        // a system that is still not finite then never will be.
        while (!std::isfinite(AA)) {
          if (i > 2100) throw std::out_of_range("values too large: the LARS step is not finite");
          for (size_t a = 0; a < nActive; ++a) Lr[a * nActive + a] += std::ldexp(1.0, i) * eps;
          ls.assign(signActive.begin(), signActive.begin() + nActive);
          CholeskySolveLd(Lr.data(), nActive, nActive, ls.data());
          double t = 0;
          for (size_t a = 0; a < nActive; ++a) t += ls[a] * signActive[a];
          AA = 1.0 / std::sqrt(std::max(t, eps));
          ++i;
        }
      }
      for (double& v : ls) v *= AA;
    }
    // corr_eq_dir = Gram[:nActive, nActive:].T @ least_squares
    const size_t nIn = m - nActive;
    corr.assign(nIn, 0.0);
    for (size_t q = 0; q < nIn; ++q) {
      const size_t fq = indices[nActive + q];
      double s = 0;
      for (size_t a = 0; a < nActive; ++a) s += G(indices[a], fq) * ls[a];
      corr[q] = s;
    }
    // Cov here is cov[covStart:], covStart == nActive
    tmpv.resize(nIn);
    for (size_t q = 0; q < nIn; ++q) tmpv[q] = (C - cov[nActive + q]) / (AA - corr[q] + tiny32);
    const double g1 = MinPos(tmpv.data(), nIn);
    for (size_t q = 0; q < nIn; ++q) tmpv[q] = (C + cov[nActive + q]) / (AA + corr[q] + tiny32);
    const double g2 = MinPos(tmpv.data(), nIn);
    double gamma = std::min(std::min(g1, g2), C / AA);

    drop = false;
    std::vector<double> z(nActive);
    for (size_t a = 0; a < nActive; ++a) z[a] = -coef[active[a]] / (ls[a] + tiny32);
    const double zPos = MinPos(z.data(), nActive);
    idx.clear();
    if (zPos < gamma) {
      for (size_t a = nActive; a-- > 0;)
        if (z[a] == zPos) idx.push_back(a);  // np.where(z == z_pos)[0][::-1]
      for (size_t a : idx) signActive[a] = -signActive[a];
      if (lasso) gamma = zPos;
      drop = true;
    }
    nIter += 1;
    ensureRow(nIter);
    coef = coefs.data() + nIter * m;
    prevCoef = coefs.data() + (nIter - 1) * m;
    for (size_t a = 0; a < nActive; ++a) coef[active[a]] = prevCoef[active[a]] + gamma * ls[a];
    // A lasso drop happens where the coefficient crosses zero (gamma = -coef / ls). sklearn stores
    // prev + gamma * ls, which is 0 or a +-1e-16 residue depending on rounding, and lime's
    // lasso_path counts non-zeros; store the exact 0 so the count does not hinge on rounding.
    if (drop && lasso)
      for (size_t a : idx) coef[active[a]] = 0.0;
    for (size_t q = 0; q < nIn; ++q) cov[nActive + q] -= gamma * corr[q];

    if (drop && lasso) {
      // sklearn handles one dropped variable at a time correctly; several at once are treated as
      // a sequence of single drops here (sklearn's code would desynchronise its arrays).
      std::vector<int32_t> dropped;
      for (size_t ii : idx) {  // descending positions, so earlier erasures do not shift later ones
        dropped.push_back(active[ii]);
        active.erase(active.begin() + ii);
        signActive.erase(signActive.begin() + ii);
        signActive.push_back(0.0);
        nActive -= 1;
        for (size_t i = ii; i < nActive; ++i) std::swap(indices[i], indices[i + 1]);
      }
      // Rebuild the Cholesky factor of the remaining active set (equal to sklearn's Givens
      // cholesky_delete up to rounding).
      for (size_t r = 0; r < nActive; ++r) {
        const size_t f = indices[r];
        g.resize(r);
        for (size_t a = 0; a < r; ++a) g[a] = G(f, indices[a]);
        CholeskyAppend(L.data(), ld, r, g.data(), G(f, f), eps);
      }
      // sklearn (X branch, what lars_path(X, y) runs): temp = x_drop · (y - X_active coef_active),
      // prepended to Cov; here x_dropᵀy - G[drop, active] coef_active. The dropped features sit at
      // positions nActive.. of `indices` after the shifts above.
      covStart = nActive;
      for (size_t q = 0; q < dropped.size(); ++q) {
        const size_t f = indices[nActive + q];
        double s = 0;
        for (size_t a = 0; a < nActive; ++a) s += G(f, indices[a]) * coef[indices[a]];
        cov[nActive + q] = xy[f] - s;
      }
    }
  }
  const size_t points = nIter + 1;
  alphas.resize(points);
  coefs.resize(points * m);
  res.nIter = nIter;
  return res;
}

LarsResult LarsPath(const double* X, size_t n, size_t m, const double* y, const LarsParams& params) {
  Require((X && y) || n == 0, "null pointer");
  NormalEquationsParams np;
  np.center = false;
  NormalEquations ne = BuildNormalEquations(X, n, m, nullptr, y, 1, np);
  return LarsPathGram(ne.gram.data(), ne.xty.data(), m, static_cast<double>(n), params);
}

// ---------------------------------------------------------------------------------------------
// Kernel SHAP
// ---------------------------------------------------------------------------------------------

KernelShapResult KernelShapSolve(const double* masks, size_t n, size_t M, const double* w, const double* y, size_t K,
                                 const double* delta, const KernelShapParams& params) {
  Require((masks && y && delta) || n == 0 || K == 0 || M == 0, "null pointer");
  CheckWeights(w, n);
  std::vector<int32_t> sel = ResolveColumns(params.selected, params.numSelected, M);
  {
    std::vector<char> seen(M, 0);
    for (int32_t s : sel) {
      Require(!seen[s], "duplicate selected feature");
      seen[s] = 1;
    }
  }
  KernelShapResult res;
  res.M = M;
  res.K = K;
  res.phi.assign(M * K, 0.0);
  if (sel.empty() || K == 0) return res;
  const size_t p = sel.size() - 1;  // unknowns after eliminating the last selected feature
  const size_t last = static_cast<size_t>(sel.back());
  std::vector<double> sol(p * K, 0.0);
  if (p > 0) {
    // X_j = mask_{sel_j} - mask_last, y'_k = y_k - mask_last * delta_k; rows times sqrt(w).
    const size_t R = p + K;
    std::vector<double> sq(kChunk);
    std::vector<double> G = GramOf(n, R, [&](size_t i0, size_t i1, double* P, size_t ld) {
      const size_t len = i1 - i0;
      for (size_t c = 0; c < len; ++c) sq[c] = w ? std::sqrt(w[i0 + c]) : 1.0;
      for (size_t j = 0; j < p; ++j) {
        double* out = P + j * ld;
        for (size_t c = 0; c < len; ++c) {
          const double* mr = masks + (i0 + c) * M;
          out[c] = (mr[sel[j]] - mr[last]) * sq[c];
        }
      }
      for (size_t k = 0; k < K; ++k) {
        double* out = P + (p + k) * ld;
        for (size_t c = 0; c < len; ++c) {
          const size_t i = i0 + c;
          out[c] = (y[i * K + k] - masks[i * M + last] * delta[k]) * sq[c];
        }
      }
    });
    std::vector<double> A(p * p), B(p * K);
    for (size_t a = 0; a < p; ++a) {
      for (size_t b = 0; b < p; ++b) A[a * p + b] = G[a * R + b];
      for (size_t k = 0; k < K; ++k) B[a * K + k] = G[a * R + p + k];
    }
    res.fallback = SolveSymmetricPsd(A.data(), p, B.data(), K, sol.data());
  }
  for (size_t k = 0; k < K; ++k) {
    double* phi = &res.phi[k * M];
    double sum = 0;
    for (size_t j = 0; j < p; ++j) {
      phi[sel[j]] = sol[j * K + k];
      sum += sol[j * K + k];
    }
    phi[last] = delta[k] - sum;
    if (params.zeroTol > 0)
      for (size_t j = 0; j < M; ++j)
        if (std::fabs(phi[j]) < params.zeroTol) phi[j] = 0;
  }
  return res;
}

namespace {
// shap's augmented L1 system: [sqrt(w(M-s)) mask ; sqrt(w s) (mask - 1)], targets likewise.
void KernelShapAugment(const double* masks, size_t n, size_t M, const double* w, const double* y, double delta,
                       std::vector<double>& Xa, std::vector<double>& ya) {
  Require((masks && y) || n == 0, "null pointer");
  CheckWeights(w, n);
  Xa.assign(2 * n * M, 0.0);
  ya.assign(2 * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double* mr = masks + i * M;
    double s = 0;
    for (size_t j = 0; j < M; ++j) s += mr[j];
    const double wi = w ? w[i] : 1.0;
    const double a = std::sqrt(wi * (static_cast<double>(M) - s));
    const double b = std::sqrt(wi * s);
    for (size_t j = 0; j < M; ++j) {
      Xa[i * M + j] = a * mr[j];
      Xa[(n + i) * M + j] = b * (mr[j] - 1.0);
    }
    ya[i] = y[i] * a;
    ya[n + i] = (y[i] - delta) * b;
  }
}
}  // namespace

std::vector<int32_t> KernelShapSelectNumFeatures(const double* masks, size_t n, size_t M, const double* w,
                                                 const double* y, double delta, size_t numFeatures) {
  std::vector<double> Xa, ya;
  KernelShapAugment(masks, n, M, w, y, delta, Xa, ya);
  LarsParams lp;
  lp.method = LarsMethod::kLar;
  lp.maxIter = numFeatures;
  return LarsPath(Xa.data(), 2 * n, M, ya.data(), lp).active;
}

std::vector<int32_t> KernelShapSelectLasso(const double* masks, size_t n, size_t M, const double* w, const double* y,
                                           double delta, double alpha) {
  std::vector<double> Xa, ya;
  KernelShapAugment(masks, n, M, w, y, delta, Xa, ya);
  LassoParams lp;
  lp.alpha = alpha;
  LassoResult r = LassoFit(Xa.data(), 2 * n, M, nullptr, ya.data(), lp);
  std::vector<int32_t> out;
  for (size_t j = 0; j < M; ++j)
    if (r.coef[j] != 0.0) out.push_back(static_cast<int32_t>(j));
  return out;
}

}  // namespace limeshap
