// SPDX-License-Identifier: MIT
/** The small statistics the quality metrics report: curve areas and rank/linear correlations. */

/**
 * Area under a curve p_0..p_n sampled at k/n (trapezoids on [0, 1]), as Petsiuk et al.:
 * (Σ_k p_k − (p_0 + p_n)/2) / n. Requires n ≥ 1.
 */
export function curveArea(p: ArrayLike<number>): number {
  const n = p.length - 1;
  let s = 0;
  for (let k = 0; k <= n; k++) s += p[k];
  return (s - (p[0] + p[n]) / 2) / n;
}

/** Pearson correlation; NaN when either side has no variance (a correlation is then undefined). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma,
      db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Ranks 1..n, ties sharing their average rank (what Spearman's correlation needs). */
export function averageRanks(a: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: a.length }, (_, i) => i).sort((i, j) => a[i] - a[j]);
  const r = new Float64Array(a.length);
  for (let s = 0; s < idx.length;) {
    let e = s;
    while (e + 1 < idx.length && a[idx[e + 1]] === a[idx[s]]) e++;
    for (let t = s; t <= e; t++) r[idx[t]] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson over average ranks); NaN when either side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}

/** |A ∩ B| / |A ∪ B| of two index sets (1 for two empty sets). */
export function jaccard(a: readonly number[], b: readonly number[]): number {
  const sa = new Set(a);
  let common = 0;
  for (const x of new Set(b)) if (sa.has(x)) common++;
  const union = sa.size + new Set(b).size - common;
  return union === 0 ? 1 : common / union;
}

/** Mean of the values (NaN for none). */
export function mean(v: readonly number[]): number {
  return v.reduce((s, x) => s + x, 0) / v.length;
}
