// SPDX-License-Identifier: MIT
// LIME feature selection; see feature_selection.h for the semantics matched. Every method works
// from one weighted, centred normal-equation build (wls.h) shared by the K targets.
#include "lime/feature_selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "linalg/wls.h"

namespace limeshap {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("limeshap feature selection: ") + what);
}

std::vector<int32_t> AllColumns(size_t m) {
  std::vector<int32_t> all(m);
  std::iota(all.begin(), all.end(), 0);
  return all;
}

// Greedy forward selection for one target from the centred Gram matrix G (m x m), c = XᵀWy (column
// k of xty) and tss = Σw(y - ȳ)².
std::vector<int32_t> ForwardSelection(const NormalEquations& ne, size_t k, size_t numFeatures) {
  const size_t m = ne.p, K = ne.K;
  const double* G = ne.gram.data();
  const double tss = ne.yty[k];
  const size_t rounds = std::min(numFeatures, m);
  std::vector<int32_t> used;
  std::vector<char> isUsed(m, 0);
  std::vector<double> L(rounds * rounds, 0.0);  // Cholesky of G[used, used] (lower, ld = rounds)
  std::vector<double> q;                        // L⁻¹ c_used
  std::vector<double> v(rounds);
  double rss = tss;
  auto c = [&](size_t j) { return ne.xty[j * K + k]; };
  // sklearn r2_score with force_finite: a zero denominator gives 1 (perfect) or 0.
  auto score = [&](double r) { return tss != 0 ? 1.0 - r / tss : (r == 0 ? 1.0 : 0.0); };
  for (size_t round = 0; round < rounds; ++round) {
    const size_t s = used.size();
    double best = -100000000.0;
    size_t bestF = 0;
    double bestD = 0;
    std::vector<double> bestV;
    bool found = false;
    for (size_t f = 0; f < m; ++f) {
      if (isUsed[f]) continue;
      // v = L⁻¹ G[used, f]
      for (size_t a = 0; a < s; ++a) {
        double t = G[used[a] * m + f];
        for (size_t b = 0; b < a; ++b) t -= L[a * rounds + b] * v[b];
        v[a] = t / L[a * rounds + a];
      }
      double d = G[f * m + f];
      for (size_t a = 0; a < s; ++a) d -= v[a] * v[a];
      double newRss = rss;
      if (d > 1e-12 * G[f * m + f] && d > 0) {
        double proj = c(f);
        for (size_t a = 0; a < s; ++a) proj -= v[a] * q[a];
        newRss = rss - proj * proj / d;
        if (newRss < 0) newRss = 0;
      }
      const double sc = score(newRss);
      if (sc > best) {
        best = sc;
        bestF = f;
        bestD = d;
        bestV.assign(v.begin(), v.begin() + s);
        found = true;
      }
    }
    // Every score was NaN (a non-finite target or weight): no candidate was taken and bestV is empty.
    // The bindings refuse such inputs; this keeps a direct caller from reading past bestV.
    Require(found, "forward selection: the fit scores are not finite (non-finite targets or weights?)");
    // Append bestF to the factorisation (a degenerate column gets a unit pivot: it adds nothing to
    // the fit, and keeps later solves finite).
    for (size_t a = 0; a < s; ++a) L[s * rounds + a] = bestV[a];
    const bool degenerate = !(bestD > 1e-12 * G[bestF * m + bestF] && bestD > 0);
    const double l = degenerate ? 1.0 : std::sqrt(bestD);
    if (degenerate)
      for (size_t a = 0; a < s; ++a) L[s * rounds + a] = 0;
    L[s * rounds + s] = l;
    double qs = 0;
    if (!degenerate) {
      qs = c(bestF);
      for (size_t a = 0; a < s; ++a) qs -= bestV[a] * q[a];
      qs /= l;
      rss = std::max(0.0, rss - qs * qs);
    }
    q.push_back(qs);
    used.push_back(static_cast<int32_t>(bestF));
    isUsed[bestF] = 1;
  }
  return used;
}

template <class T>
std::vector<std::vector<int32_t>> SelectFeaturesT(const T* Z, size_t n, size_t m, const double* w, const double* Y,
                                                  size_t K, size_t numFeatures, FeatureSelection method) {
  Require(Z != nullptr || n * m == 0, "Z is null");
  Require(Y != nullptr || K == 0, "Y is null");
  if (method == FeatureSelection::kAuto)
    method = numFeatures <= 6 ? FeatureSelection::kForwardSelection : FeatureSelection::kHighestWeights;
  std::vector<std::vector<int32_t>> out(K);
  switch (method) {
    case FeatureSelection::kNone:
      for (auto& o : out) o = AllColumns(m);
      break;
    case FeatureSelection::kForwardSelection: {
      NormalEquations ne = BuildNormalEquations(Z, n, m, w, Y, K);
      for (size_t k = 0; k < K; ++k) out[k] = ForwardSelection(ne, k, numFeatures);
      break;
    }
    case FeatureSelection::kHighestWeights: {
      Require(n > 0, "no samples");
      RidgeParams rp;
      rp.alpha = 0.01;
      rp.predictRow = -1;
      rp.computeScore = false;
      RidgeResult r = RidgeFit(Z, n, m, w, Y, K, rp);
      for (size_t k = 0; k < K; ++k) {
        std::vector<double> key(m);
        for (size_t j = 0; j < m; ++j) key[j] = std::fabs(r.coef[k * m + j] * static_cast<double>(Z[j]));
        std::vector<int32_t> order = AllColumns(m);
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return key[a] > key[b]; });
        order.resize(std::min(numFeatures, m));
        out[k] = std::move(order);
      }
      break;
    }
    case FeatureSelection::kLassoPath: {
      // Gram of sqrt(w)(Z - x̄) and its products with sqrt(w)(y - ȳ): exactly lars_path's XᵀX / Xᵀy.
      NormalEquations ne = BuildNormalEquations(Z, n, m, w, Y, K);
      LarsParams lp;
      lp.method = LarsMethod::kLasso;
      std::vector<double> xy(m);
      for (size_t k = 0; k < K; ++k) {
        for (size_t j = 0; j < m; ++j) xy[j] = ne.xty[j * K + k];
        LarsResult path = LarsPathGram(ne.gram.data(), xy.data(), m, static_cast<double>(n), lp);
        std::vector<int32_t> nonzero = AllColumns(m);
        for (size_t t = path.numPoints() - 1; t >= 1; --t) {
          nonzero.clear();
          for (size_t j = 0; j < m; ++j)
            if (path.coefs[t * m + j] != 0.0) nonzero.push_back(static_cast<int32_t>(j));
          if (nonzero.size() <= numFeatures) break;
        }
        out[k] = std::move(nonzero);
      }
      break;
    }
    case FeatureSelection::kAuto: break;  // resolved above
  }
  return out;
}

}  // namespace

std::vector<std::vector<int32_t>> SelectFeatures(const double* Z, size_t n, size_t m, const double* w, const double* Y,
                                                 size_t K, size_t numFeatures, FeatureSelection method) {
  return SelectFeaturesT(Z, n, m, w, Y, K, numFeatures, method);
}
std::vector<std::vector<int32_t>> SelectFeatures(const uint8_t* Z, size_t n, size_t m, const double* w, const double* Y,
                                                 size_t K, size_t numFeatures, FeatureSelection method) {
  return SelectFeaturesT(Z, n, m, w, Y, K, numFeatures, method);
}

}  // namespace limeshap
