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
#include "wls.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>

#include "cpu.h"
#include "thread_pool.h"

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

}  // namespace limeshap
