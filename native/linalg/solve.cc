// SPDX-License-Identifier: MIT
// Dense symmetric positive semi-definite solves (wls.h: SolveSymmetricPsd): one Cholesky
// factorisation for all right-hand sides; a breakdown (pivot <= 1e-12 of its diagonal, i.e. singular
// to working precision) switches to the minimum-norm solution via a rank-revealing pivoted Cholesky,
// the answer numpy.linalg.lstsq / sklearn's svd fallback give for rank-deficient problems (e.g. ridge
// with α = 0 and duplicated columns).
#include "linalg/wls.h"
#include "linalg/wls_internal.h"

namespace limeshap {
namespace {

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

}  // namespace

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

}  // namespace limeshap
