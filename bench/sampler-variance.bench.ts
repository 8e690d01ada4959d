// SPDX-License-Identifier: MIT
/**
 * npm run bench:sampler-variance — why a mask design alone cannot buy LIME a third of the samples.
 *
 * LIME's weights are a weighted least-squares fit; at a fixed budget their sampling variance is,
 * to first order, (X'WX)⁻¹ X'W·diag(r²)·WX (X'WX)⁻¹ with r the residual of the model against the
 * fitted linear surrogate. A sampler changes X only, so its gain is bounded by how much of that
 * variance the design can cancel. Per photo, with MobileNetV2-int8, the top-1 class and the
 * reference fit (LIMESHAP_QUALITY_REFERENCE Bernoulli samples, default 16000, the same seed as
 * bench:quality) this prints:
 * - the reference's weighted R²: the share of the model's response the linear surrogate explains
 *   (the rest, residual, is what every sampler has to average out);
 * - the correlation between the residuals of a mask z and of its complement 1 − z over
 *   LIMESHAP_VARIANCE_PAIRS (default 500) fair-coin masks: antithetic pairs cancel variance only
 *   when it is negative; when it is positive they add it;
 * - the effective sample size of LIME's kernel weights under fair-coin masks, E[w]²/E[w²]: drawing
 *   masks in proportion to the kernel (importance sampling, the same estimand) can gain at most
 *   about its reciprocal.
 */
import * as path from 'node:path';
import { createExplainer } from '../lib';
import { backgroundImage, resolveBackground } from '../lib/background';
import { maskEvaluator } from '../lib/mask-evaluator';
import { mean, pearson } from '../lib/metrics/stats';
import { Rng } from '../lib/rng';
import { environment, envInt, fmt, PHOTOS, QUALITY_REFERENCE_SEED, SHARED, writeResults } from './harness';

/** bench:quality's reference seed, so both benches see the same reference fit. */
const REFERENCE_SEED = QUALITY_REFERENCE_SEED;
const KERNEL_WIDTH = 0.25;

/**
 * LIME's kernel weight of a mask with `on` of M segments on: sqrt(exp(−d²/w²)), d its cosine distance
 * to all-on. Written out here because the addon computes it inside the fit and does not expose it.
 */
const kernel = (on: number, M: number) => Math.sqrt(Math.exp(-((1 - Math.sqrt(on / M)) ** 2) / KERNEL_WIDTH ** 2));

async function main(): Promise<void> {
  const photos = PHOTOS.slice(0, envInt('LIMESHAP_QUALITY_PHOTOS', PHOTOS.length, PHOTOS.length));
  const referenceSamples = envInt('LIMESHAP_QUALITY_REFERENCE', 16000);
  const pairs = envInt('LIMESHAP_VARIANCE_PAIRS', 500);
  const env = environment();
  console.log(`limeshap bench:sampler-variance — ${env.cpu}, ${env.cores} cores; reference ${referenceSamples} samples, ${pairs} pairs`);
  const explainer = await createExplainer(path.join(SHARED, 'models', 'mobilenetv2-12-int8.onnx'));
  console.log('photo            segments   R² (ref)   corr(r(z), r(1−z))   kernel ESS');
  const rows: { photo: string; segments: number; r2: number; antitheticCorrelation: number; kernelEss: number }[] = [];
  for (const photo of photos) {
    const rgb = await explainer.prepare(path.join(SHARED, photo));
    const ref = await explainer.lime({ ...rgb, channels: 3 }, { numSamples: referenceSamples, topLabels: 1, seed: REFERENCE_SEED });
    const { labels, count: M } = ref.segmentation;
    const e = ref.explanations[0];
    const hide = await backgroundImage('hide', resolveBackground('hide', 'mean'), rgb, labels, M);
    // Fair-coin masks, each followed by its complement; no deduplication, so every row is evaluated.
    const n = 2 * pairs;
    const masks = new Uint8Array(n * M);
    const rng = new Rng(1);
    for (let p = 0; p < pairs; p++) {
      rng.fillBits(masks, 2 * p * M, (2 * p + 1) * M);
      for (let s = 0; s < M; s++) masks[(2 * p + 1) * M + s] = 1 - masks[2 * p * M + s];
    }
    const y = await maskEvaluator(explainer.model, explainer.preprocess, rgb, hide, labels, M, { dedupe: false }).evaluate(masks, n);
    const K = y.length / n;
    const residual = (row: number) => {
      let g = e.intercept;
      for (let s = 0; s < M; s++) g += e.weights[s] * masks[row * M + s];
      return y[row * K + e.index] - g;
    };
    const a = Array.from({ length: pairs }, (_, p) => residual(2 * p));
    const b = Array.from({ length: pairs }, (_, p) => residual(2 * p + 1));
    const w = Array.from({ length: n }, (_, row) =>
      kernel(
        masks.subarray(row * M, (row + 1) * M).reduce((x, v) => x + v, 0),
        M,
      ),
    );
    const ess = mean(w) ** 2 / mean(w.map((v) => v * v));
    const row = { photo, segments: M, r2: e.score, antitheticCorrelation: pearson(a, b), kernelEss: ess };
    rows.push(row);
    console.log(
      `${path.basename(photo).padEnd(17)}${String(M).padStart(8)}${fmt(row.r2, 3).padStart(11)}${fmt(row.antitheticCorrelation, 3).padStart(21)}${fmt(ess, 3).padStart(13)}`,
    );
  }
  await explainer.dispose();
  const m = (k: 'r2' | 'antitheticCorrelation' | 'kernelEss') => mean(rows.map((r) => r[k]));
  console.log(
    `mean${' '.repeat(21)}${fmt(m('r2'), 3).padStart(11)}${fmt(m('antitheticCorrelation'), 3).padStart(21)}${fmt(m('kernelEss'), 3).padStart(13)}`,
  );
  console.log(`results: ${writeResults('sampler-variance', { env, referenceSamples, referenceSeed: REFERENCE_SEED, pairs, rows })}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
