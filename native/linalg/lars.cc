// SPDX-License-Identifier: MIT
// LARS and LARS-lasso paths (wls.h: LarsPathGram, LarsPath), sklearn lars_path semantics.
#include "linalg/wls.h"
#include "linalg/wls_internal.h"

namespace limeshap {

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
    if (!std::isfinite(gram[i]))
      throw std::out_of_range("values too large: the least-squares system overflows to infinity or NaN");
  for (size_t j = 0; j < m; ++j)
    if (!std::isfinite(xy[j]))
      throw std::out_of_range("values too large: the least-squares system overflows to infinity or NaN");
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

}  // namespace limeshap
