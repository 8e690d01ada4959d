// SPDX-License-Identifier: MIT
/**
 * MuFidelity (Bhatt et al. 2020): over random feature subsets S (each feature in S with
 * probability `subsetFraction`, seeded; the same subsets for every class of one feature set), the
 * Pearson correlation between Σ_{i∈S} φ_i and f(x) − f(x with S replaced by the substrate).
 * 1 for attributions that add up exactly (Shapley values of an additive model).
 */
import { Rng } from '../rng';
import { checkNumber } from '../validate';
import { bySet } from './features';
import type { MetricContext, MetricSpec } from './metric';
import { pearson } from './stats';

/** MuFidelity of one class. Plain data. */
export interface MuFidelityMetric {
  /** Pearson correlation of `attributionSums` and `outputDrops` (NaN when either is constant). */
  correlation: number;
  /** Σ_{i∈S} φ_i per subset. */
  attributionSums: number[];
  /** f(x) − f(x with S replaced) per subset. */
  outputDrops: number[];
}

async function run(context: MetricContext, params: Record<string, unknown>): Promise<MuFidelityMetric[]> {
  const subsets = params.subsets as number;
  const fraction = params.subsetFraction as number;
  const out: MuFidelityMetric[] = new Array(context.classes.length);
  for (const [set, members] of bySet(context.classes)) {
    const n = set.count;
    const rng = new Rng(context.seed);
    // Row 0 is the image itself (f(x)); row s + 1 hides subset s.
    const masks = new Uint8Array((subsets + 1) * n).fill(1);
    for (let s = 0; s < subsets; s++) for (let i = 0; i < n; i++) if (rng.nextDouble() < fraction) masks[(s + 1) * n + i] = 0;
    const y = await set.evaluator.evaluate(masks, subsets + 1);
    const K = y.length / (subsets + 1);
    for (const j of members) {
      const c = context.classes[j];
      const attributionSums: number[] = [];
      const outputDrops: number[] = [];
      for (let s = 0; s < subsets; s++) {
        let sum = 0;
        for (let i = 0; i < n; i++) if (masks[(s + 1) * n + i] === 0) sum += c.phi[i];
        attributionSums.push(sum);
        outputDrops.push(y[c.index] - y[(s + 1) * K + c.index]);
      }
      out[j] = { correlation: pearson(attributionSums, outputDrops), attributionSums, outputDrops };
    }
  }
  return out;
}

export const mufidelity = {
  name: 'mufidelity',
  summary: 'correlation of attribution sums with output drops over random feature subsets (1 is best)',
  params: [
    {
      name: 'subsets',
      summary: 'random subsets drawn',
      default: 128,
      check: (v) => checkNumber('subsets', v, { integer: true, min: 2, max: 10000 }),
    },
    {
      name: 'subsetFraction',
      summary: 'probability of each feature to be in a subset',
      default: 0.2,
      // 1 would put every feature in every subset: no variation, the correlation is undefined.
      check: (v) => checkNumber('subsetFraction', v, { min: 0, minExclusive: true, max: 1, maxExclusive: true }),
    },
  ],
  run,
} as const satisfies MetricSpec;
