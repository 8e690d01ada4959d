// SPDX-License-Identifier: MIT
/**
 * SmoothGrad (Smilkov et al. 2017): the gradient of class k averaged over noisy copies of the
 * input, (1/n) Σ ∇f_k(x + εⱼ) with εⱼ ~ N(0, σ²) per element, which removes the high-frequency
 * noise of a single gradient. The noise is drawn from one seeded stream in sample order, so the
 * result does not depend on the model's batch size. The gradient×input variant multiplies the
 * mean gradient by x (Shrikumar et al.'s gradient×input, smoothed).
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { Rng } from '../rng';
import type { GradientRunner } from './runner';

/** Default of `nSamples`: Smilkov et al. found 50 samples enough for a sharp map. */
export const DEFAULT_SMOOTHGRAD_SAMPLES = 50;

/** Default of `noise`: σ / (max − min of the input), the paper's 10–20% recommendation. */
export const DEFAULT_SMOOTHGRAD_NOISE = 0.15;

/** The mean gradient over noisy copies of one image, for one class. */
export interface SmoothGradients {
  /** One value per input element (the model's layout): the mean gradient. */
  gradients: Float32Array;
  /** The class's mean score over the noisy copies. */
  meanScore: number;
  /** Gradient evaluations (nSamples). */
  evaluations: number;
  runMs: number;
  totalMs: number;
}

/**
 * SmoothGrad of `image` for class `classIndex` with noise of standard deviation `sigma` (input
 * space; 0 gives the plain gradient, n times). Arguments are checked by the caller.
 */
export async function smoothGradients(
  runner: GradientRunner,
  image: Float32Array,
  classIndex: number,
  nSamples: number,
  sigma: number,
  seed: number,
  checkpoint?: () => void,
): Promise<SmoothGradients> {
  const t0 = performance.now();
  const per = image.length;
  const K = runner.classes;
  const rng = new Rng(seed);
  const total = new Float64Array(per);
  let scoreSum = 0;
  let runMs = 0;
  const chunk = Math.max(1, runner.batchSize);
  for (let first = 0; first < nSamples; first += chunk) {
    checkpoint?.();
    const n = Math.min(chunk, nSamples - first);
    const points = new Float32Array(n * per);
    const weights = new Float32Array(n * K);
    for (let j = 0; j < n; j++) {
      const row = points.subarray(j * per, (j + 1) * per);
      for (let i = 0; i < per; i++) row[i] = sigma > 0 ? image[i] + sigma * rng.nextNormal() : image[i];
      weights[j * K + classIndex] = 1;
    }
    const out = await runner.run(points, n, weights);
    runMs += out.runMs;
    for (let j = 0; j < n; j++) {
      const g = out.gradients.subarray(j * per, (j + 1) * per);
      for (let i = 0; i < per; i++) total[i] += g[i];
      scoreSum += out.scores[j * K + classIndex];
    }
  }
  return {
    gradients: Float32Array.from(total, (v) => v / nSamples),
    meanScore: scoreSum / nSamples,
    evaluations: nSamples,
    runMs,
    totalMs: performance.now() - t0,
  };
}
