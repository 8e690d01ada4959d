// SPDX-License-Identifier: MIT
/**
 * Integrated Gradients (Sundararajan et al. 2017): the attribution of input element i to class k is
 * (xᵢ − x′ᵢ) · ∫₀¹ ∂f_k(x′ + α(x − x′))/∂xᵢ dα, with x′ a baseline image. The integral is the
 * trapezoidal rule over `steps` intervals (steps + 1 gradient evaluations, in the runner's batches),
 * which is exact for a model linear in its input and whose error shrinks as 1/steps² where the
 * gradient is smooth along the path. Completeness says Σ attributions = f_k(x) − f_k(x′); the result
 * reports the gap, the usual check that `steps` is enough.
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import type { GradientRunner } from './runner';

/** Default of `steps`: Captum's default `n_steps`. */
export const DEFAULT_IG_STEPS = 50;

/** Integrated Gradients of one image for one class, in the model's input layout. */
export interface IntegratedGradients {
  /** One value per input element (`3·H·W`, the model's layout). */
  attributions: Float32Array;
  /** f_k(x): the class's score at the image. */
  score: number;
  /** f_k(x′): the class's score at the baseline. */
  baselineScore: number;
  /** Σ attributions − (score − baselineScore): 0 for exact integration. */
  completenessGap: number;
  /** Gradient evaluations (steps + 1). */
  evaluations: number;
  /** Milliseconds in the gradient model's runs. */
  runMs: number;
  /** Milliseconds in all (building the path, reading the results). */
  totalMs: number;
}

/**
 * Integrated Gradients of `image` against `baseline` for class `classIndex` (see the file's
 * header).
 *
 * @param runner - the model's gradient runner.
 * @param image - the preprocessed image (`3·H·W` values).
 * @param baseline - the preprocessed baseline, same size.
 * @param steps - trapezoid intervals, integer >= 1 (checked by the caller).
 */
export async function integratedGradients(
  runner: GradientRunner,
  image: Float32Array,
  baseline: Float32Array,
  classIndex: number,
  steps: number,
): Promise<IntegratedGradients> {
  const t0 = performance.now();
  const per = image.length;
  const k = runner.classes;
  const total = new Float64Array(per);
  let score = 0;
  let baselineScore = 0;
  let runMs = 0;
  // Points α = j / steps, j = 0..steps, in chunks of the runner's batch (memory stays bounded).
  const chunk = Math.max(1, runner.batchSize);
  for (let first = 0; first <= steps; first += chunk) {
    const n = Math.min(chunk, steps + 1 - first);
    const points = new Float32Array(n * per);
    const weights = new Float32Array(n * k);
    for (let j = 0; j < n; j++) {
      const alpha = (first + j) / steps;
      const row = points.subarray(j * per, (j + 1) * per);
      for (let i = 0; i < per; i++) row[i] = baseline[i] + alpha * (image[i] - baseline[i]);
      weights[j * k + classIndex] = 1;
    }
    const out = await runner.run(points, n, weights);
    runMs += out.runMs;
    for (let j = 0; j < n; j++) {
      const at = first + j;
      // Trapezoid: the two ends count half.
      const wgt = (at === 0 || at === steps ? 0.5 : 1) / steps;
      const g = out.gradients.subarray(j * per, (j + 1) * per);
      for (let i = 0; i < per; i++) total[i] += wgt * g[i];
      if (at === 0) baselineScore = out.scores[j * k + classIndex];
      if (at === steps) score = out.scores[j * k + classIndex];
    }
  }
  const attributions = new Float32Array(per);
  let sum = 0;
  for (let i = 0; i < per; i++) {
    const a = (image[i] - baseline[i]) * total[i];
    attributions[i] = a;
    sum += a;
  }
  return {
    attributions,
    score,
    baselineScore,
    completenessGap: sum - (score - baselineScore),
    evaluations: steps + 1,
    runMs,
    totalMs: performance.now() - t0,
  };
}
