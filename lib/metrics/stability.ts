// SPDX-License-Identifier: MIT
/**
 * Stability: the explanation made again with `seeds` seeds (same segmentation, same settings) and
 * compared pairwise: mean Spearman correlation of the attributions and mean Jaccard index of the
 * top-`k` features (highest attribution first, as deletion ranks them).
 */
import { topK } from '../rank';
import { checkNumber, MAX_SEED, rangeError, typeError } from '../validate';
import type { MetricContext, MetricSpec } from './metric';
import { jaccard, mean, spearman } from './stats';

/** Stability of one class. Plain data. */
export interface StabilityMetric {
  /** Mean pairwise Spearman correlation of the attributions (NaN pairs, from constant attributions, left out). */
  spearman: number;
  /** Mean pairwise Jaccard index of the top-k features. */
  jaccard: number;
  /** The seeds explained with. */
  seeds: number[];
  k: number;
}

/** `seeds`: a count (>= 2; seeds seed, seed+1, …) or the seeds themselves (>= 2 of them). */
function checkSeeds(v: unknown): number | number[] {
  if (typeof v === 'number') return checkNumber('seeds', v, { integer: true, min: 2, max: 1000 });
  if (!Array.isArray(v)) throw typeError('seeds', 'a count or an array of seeds', v);
  if (v.length < 2 || v.length > 1000) throw rangeError('seeds', 'an array of 2 to 1000 seeds', v);
  return v.map((s, i) => checkNumber(`seeds[${i}]`, s, { integer: true, min: 0, max: MAX_SEED }));
}

async function run(context: MetricContext, params: Record<string, unknown>): Promise<StabilityMetric[]> {
  const given = params.seeds as number | number[];
  const k = params.k as number;
  const seeds = Array.isArray(given) ? given : Array.from({ length: given }, (_, i) => (context.seed + i) % (MAX_SEED + 1));
  const runs: Float64Array[][] = [];
  for (const seed of seeds) runs.push(await context.explainAgain(seed));
  return context.classes.map((_, j) => {
    const rho: number[] = [];
    const jac: number[] = [];
    const tops = runs.map((r) => topK(r[j], k));
    for (let a = 0; a < runs.length; a++)
      for (let b = a + 1; b < runs.length; b++) {
        const s = spearman(runs[a][j], runs[b][j]);
        if (!Number.isNaN(s)) rho.push(s);
        jac.push(jaccard(tops[a], tops[b]));
      }
    return { spearman: mean(rho), jaccard: mean(jac), seeds, k };
  });
}

export const stability = {
  name: 'stability',
  summary: 'agreement of the explanation with itself made again under other seeds (1 is best)',
  params: [
    { name: 'seeds', summary: 'seeds to explain with: a count or the seeds', default: 5, check: checkSeeds },
    {
      name: 'k',
      summary: 'top features compared by the Jaccard index',
      default: 5,
      check: (v, features) => checkNumber('k', v, { integer: true, min: 1, max: features }),
    },
  ],
  run,
} as const satisfies MetricSpec;
