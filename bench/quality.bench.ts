// SPDX-License-Identifier: MIT
/**
 * npm run bench:quality — how many model evaluations each LIME sampler needs for a given agreement.
 *
 * On the shared photos with MobileNetV2-int8: per photo, a reference explanation of the top-1 class
 * from LIMESHAP_QUALITY_REFERENCE (default 16000) Bernoulli samples; then, with the same
 * segmentation (quickshift once, the Segmentation passed to every lime() call, so only the masks
 * differ), every registered sampler at each budget and LIMESHAP_QUALITY_SEEDS (default 5) seeds.
 * Prints per sampler × budget the mean Spearman correlation of the segment weights to the reference
 * and the mean top-5 Jaccard index (top 5 by |weight|), over photos and seeds; then the headline:
 * the budget at which each sampler's mean Spearman matches Bernoulli's at 1000 samples, linearly
 * interpolated between the measured budgets, against the target of ≤ 333 (a third).
 * LIMESHAP_QUALITY_PHOTOS (default all of PHOTOS) takes the first N photos, to fit small machines.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createExplainer, type Segmentation } from '../lib';
import { topK } from '../lib/lime';
import { jaccard, mean, spearman } from '../lib/metrics/stats';
import { SAMPLER_NAMES, type SamplerName } from '../lib/samplers/registry';
import { environment, fmt, PHOTOS, SHARED, writeResults } from './harness';

const BUDGETS = [100, 250, 500, 1000, 2000];
/** Bernoulli at this budget is the agreement every sampler must match. */
const MATCH_BUDGET = 1000;
/** The target: the same agreement with at most a third of the evaluations. */
const TARGET = 333;
const TOP = 5;
/** Seed of the reference's masks; the replicates use seeds 1..S, so none shares the reference's masks. */
const REFERENCE_SEED = 1_000_003;

/** A positive integer from environment variable `name`, or `fallback` when unset. */
function envInt(name: string, fallback: number, max = Infinity): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`${name} must be an integer in [1, ${max}], got ${raw}`);
  return v;
}

/**
 * The smallest budget at which `curve` (agreement per budget, budgets ascending) reaches `level`,
 * interpolated linearly between the two budgets around the first crossing; the first budget when
 * it is reached there already (an upper bound), null when never reached.
 */
function crossing(budgets: readonly number[], curve: readonly number[], level: number): number | null {
  if (curve[0] >= level) return budgets[0];
  for (let i = 1; i < budgets.length; i++) {
    if (curve[i] >= level) {
      const t = (level - curve[i - 1]) / (curve[i] - curve[i - 1]);
      return budgets[i - 1] + t * (budgets[i] - budgets[i - 1]);
    }
  }
  return null;
}

async function main(): Promise<void> {
  const photos = PHOTOS.slice(0, envInt('LIMESHAP_QUALITY_PHOTOS', PHOTOS.length, PHOTOS.length));
  const seeds = envInt('LIMESHAP_QUALITY_SEEDS', 5);
  const referenceSamples = envInt('LIMESHAP_QUALITY_REFERENCE', 16000);
  const env = environment();
  console.log(`limeshap bench:quality — ${env.cpu}, ${env.cores} cores, ${env.node}`);
  console.log(
    `${photos.length} photos, ${seeds} seeds, reference ${referenceSamples} Bernoulli samples, samplers ${SAMPLER_NAMES.join(', ')}, budgets ${BUDGETS.join(', ')}`,
  );
  const explainer = await createExplainer(path.join(SHARED, 'models', 'mobilenetv2-12-int8.onnx'));
  // spearman[sampler][budget] and jaccard[sampler][budget]: one value per photo × seed.
  const rho = new Map<SamplerName, number[][]>(SAMPLER_NAMES.map((s) => [s, BUDGETS.map(() => [])]));
  const jac = new Map<SamplerName, number[][]>(SAMPLER_NAMES.map((s) => [s, BUDGETS.map(() => [])]));
  const perPhoto = [];
  const t0 = performance.now();
  for (const photo of photos) {
    const rgb = await explainer.prepare(path.join(SHARED, photo));
    const image = { data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 as const };
    // The reference segments the image (quickshift at lime's parameters); everything after reuses it.
    const ref = await explainer.lime(image, { numSamples: referenceSamples, topLabels: 1, seed: REFERENCE_SEED });
    const segmentation: Segmentation = ref.segmentation;
    const cls = ref.explanations[0].index;
    const refWeights = ref.explanations[0].weights;
    const refTop = topK(refWeights.map(Math.abs), TOP);
    const rows: Record<string, { budget: number; spearman: number; jaccard: number }[]> = {};
    for (const sampler of SAMPLER_NAMES) {
      rows[sampler] = [];
      for (const [b, budget] of BUDGETS.entries()) {
        const r: number[] = [];
        const j: number[] = [];
        for (let seed = 1; seed <= seeds; seed++) {
          const res = await explainer.lime(image, { numSamples: budget, segmentation, labels: [cls], sampler, seed });
          const w = res.explanations[0].weights;
          r.push(spearman(w, refWeights));
          j.push(jaccard(topK(w.map(Math.abs), TOP), refTop));
        }
        rho.get(sampler)![b].push(...r);
        jac.get(sampler)![b].push(...j);
        rows[sampler].push({ budget, spearman: mean(r), jaccard: mean(j) });
      }
    }
    console.log(
      `  ${path.basename(photo)}: ${segmentation.count} segments, class ${cls} (${ref.explanations[0].label}), ` +
        `Bernoulli@${MATCH_BUDGET} Spearman ${fmt(rows.bernoulli[BUDGETS.indexOf(MATCH_BUDGET)].spearman, 3)}; ${fmt((performance.now() - t0) / 1000, 0)} s so far`,
    );
    perPhoto.push({ photo, segments: segmentation.count, class: cls, label: ref.explanations[0].label, rows });
  }
  await explainer.dispose();

  const table = SAMPLER_NAMES.map((sampler) => ({
    sampler,
    spearman: rho.get(sampler)!.map((v) => mean(v)),
    jaccard: jac.get(sampler)!.map((v) => mean(v)),
  }));
  console.log(`\nmean over ${photos.length} photos × ${seeds} seeds, top-1 class: Spearman to the reference / top-${TOP} Jaccard`);
  console.log('sampler     ' + BUDGETS.map((b) => `n=${b}`.padStart(13)).join(''));
  for (const t of table) {
    console.log(t.sampler.padEnd(12) + BUDGETS.map((_, b) => `${fmt(t.spearman[b], 3)} / ${fmt(t.jaccard[b], 2)}`.padStart(13)).join(''));
  }
  const level = table[0].spearman[BUDGETS.indexOf(MATCH_BUDGET)];
  console.log(
    `\nheadline: budget at which each sampler's mean Spearman reaches Bernoulli@${MATCH_BUDGET} (${fmt(level, 3)}), ` +
      `linearly interpolated between the measured budgets; target ≤ ${TARGET}`,
  );
  const headline = table.map((t) => {
    const n = crossing(BUDGETS, t.spearman, level);
    const text =
      n === null
        ? `not reached by ${BUDGETS[BUDGETS.length - 1]}`
        : `${fmt(n, 0)} samples (${MATCH_BUDGET} ÷ n = ${fmt(MATCH_BUDGET / n, 2)}×)${n <= TARGET ? ' — meets the target' : ' — misses the target'}`;
    console.log(`  ${t.sampler.padEnd(11)} ${text}`);
    return { sampler: t.sampler, budget: n, meetsTarget: n !== null && n <= TARGET };
  });
  const file = writeResults('quality', {
    env,
    settings: {
      photos,
      seeds,
      referenceSamples,
      referenceSeed: REFERENCE_SEED,
      budgets: BUDGETS,
      top: TOP,
      matchBudget: MATCH_BUDGET,
      target: TARGET,
    },
    table,
    level,
    headline,
    perPhoto,
    seconds: (performance.now() - t0) / 1000,
  });
  console.log(`results: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
