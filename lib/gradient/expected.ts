// SPDX-License-Identifier: MIT
/**
 * Expected gradients (Erion et al. 2021), what Python shap's GradientExplainer computes: the
 * attribution of input element i to class k is E_{b, t}[(x − b)ᵢ · ∂f_k(b + t(x − b))/∂xᵢ], with b
 * drawn from the background images and t ~ U(0, 1). For one b the expectation over t is Integrated
 * Gradients from b, so Σᵢ attributions = f_k(x) − E_b[f_k(b)] in expectation; the Monte Carlo
 * estimate over `nSamples` draws has a sampling error, reported here from the per-sample spread
 * (the standard error of the mean of each sample's Σᵢ, and per pixel).
 *
 * As shap (`local_smoothing`), an optional Gaussian noise of standard deviation `localSmoothing`
 * (in the model's input space) is added to the input of each sample, x̃ = x + ε, and that sample's
 * attribution is (x̃ − b) ⊙ ∇f(b + t(x̃ − b)).
 *
 * Every explained class uses the same draws (common random numbers: one (b, t, ε) per sample and a
 * gradient row per class), drawn in sample order from one seeded stream, so the result does not
 * depend on the model's batch size.
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import type { Layout } from '../preprocess';
import { Rng } from '../rng';
import type { GradientRunner } from './runner';

/** Default of `nSamples`: shap's GradientExplainer `nsamples`. */
export const DEFAULT_EXPECTED_GRADIENT_SAMPLES = 200;

/** What {@link expectedGradients} draws from and explains. */
export interface ExpectedGradientsInput {
  /** The preprocessed image x (`3·H·W` values in `layout`). */
  image: Float32Array;
  /** Preprocessed background images, each as long as `image`; one is drawn per sample. */
  backgrounds: readonly Float32Array[];
  /** Class indices explained (one gradient row per class per sample). */
  classes: readonly number[];
  nSamples: number;
  /** Standard deviation of the noise added to x per sample (input space); 0 for none. */
  localSmoothing: number;
  seed: number;
  /** The input's layout, to sum each pixel's channels. */
  layout: Layout;
  /** Pixels per image (H·W). */
  plane: number;
  /** Called between runs; throws to stop (e.g. an aborted signal). */
  checkpoint?: () => void;
}

/** Expected gradients of one image, per explained class. */
export interface ExpectedGradients {
  /** Per class: one attribution per input element, in the model's layout. */
  attributions: Float32Array[];
  /** Per class: H·W values, each pixel's attributions summed over its channels. */
  pixels: Float32Array[];
  /** Per class: the standard error of each pixel's value (sample standard deviation / √nSamples). */
  pixelStandardErrors: Float64Array[];
  /** Per class: the standard error of Σ attributions, from the spread of the per-sample sums. */
  sumStandardErrors: number[];
  /** Gradient rows run: nSamples × classes. */
  evaluations: number;
  /** Milliseconds in the gradient model's runs. */
  runMs: number;
  /** Milliseconds in all (drawing, building the points, reading the results). */
  totalMs: number;
}

/**
 * Expected gradients of `input.image` (see the file's header). Options are checked by the caller.
 * @param runner - the model's gradient runner.
 */
export async function expectedGradients(runner: GradientRunner, input: ExpectedGradientsInput): Promise<ExpectedGradients> {
  const t0 = performance.now();
  const { image, backgrounds, classes, nSamples, localSmoothing, layout, plane } = input;
  const per = image.length;
  const K = runner.classes;
  const C = classes.length;
  const rng = new Rng(input.seed);
  const channels = per / plane;
  const pixelOf = (i: number) => (layout === 'nchw' ? i % plane : Math.floor(i / channels));
  // Accumulated in float64, in sample order: the same seed gives the same sums bit for bit.
  const total = classes.map(() => new Float64Array(per));
  const pixSum = classes.map(() => new Float64Array(plane));
  const pixSq = classes.map(() => new Float64Array(plane));
  const sumOf = new Float64Array(C);
  const sumSq = new Float64Array(C);
  const samplePixels = new Float64Array(plane);
  let runMs = 0;
  // Whole samples per run (all their class rows together), at least one.
  const perRun = Math.max(1, Math.floor(runner.batchSize / C));
  for (let first = 0; first < nSamples; first += perRun) {
    input.checkpoint?.();
    const n = Math.min(perRun, nSamples - first);
    const points = new Float32Array(n * C * per);
    const deltas = new Float32Array(n * per);
    const weights = new Float32Array(n * C * K);
    for (let s = 0; s < n; s++) {
      const b = backgrounds[rng.nextInt(backgrounds.length)];
      const t = rng.nextDouble();
      const delta = deltas.subarray(s * per, (s + 1) * per);
      const point = points.subarray(s * C * per, (s * C + 1) * per);
      for (let i = 0; i < per; i++) {
        const x = localSmoothing > 0 ? image[i] + localSmoothing * rng.nextNormal() : image[i];
        delta[i] = x - b[i];
        point[i] = b[i] + t * (x - b[i]);
      }
      for (let c = 1; c < C; c++) points.copyWithin((s * C + c) * per, s * C * per, (s * C + 1) * per);
      for (let c = 0; c < C; c++) weights[(s * C + c) * K + classes[c]] = 1;
    }
    const out = await runner.run(points, n * C, weights);
    runMs += out.runMs;
    for (let s = 0; s < n; s++) {
      const delta = deltas.subarray(s * per, (s + 1) * per);
      for (let c = 0; c < C; c++) {
        const g = out.gradients.subarray((s * C + c) * per, (s * C + c + 1) * per);
        const acc = total[c];
        samplePixels.fill(0);
        let sum = 0;
        for (let i = 0; i < per; i++) {
          const a = delta[i] * g[i];
          acc[i] += a;
          samplePixels[pixelOf(i)] += a;
          sum += a;
        }
        sumOf[c] += sum;
        sumSq[c] += sum * sum;
        const ps = pixSum[c];
        const pq = pixSq[c];
        for (let p = 0; p < plane; p++) {
          ps[p] += samplePixels[p];
          pq[p] += samplePixels[p] * samplePixels[p];
        }
      }
    }
  }
  // Standard error of a mean from sums and sums of squares (0 with one sample: no spread to see).
  const standardError = (s: number, q: number) =>
    nSamples < 2 ? 0 : Math.sqrt(Math.max(0, (q - (s * s) / nSamples) / (nSamples - 1)) / nSamples);
  return {
    attributions: total.map((acc) => Float32Array.from(acc, (v) => v / nSamples)),
    pixels: pixSum.map((ps) => Float32Array.from(ps, (v) => v / nSamples)),
    pixelStandardErrors: pixSum.map((ps, c) => Float64Array.from(ps, (s, p) => standardError(s, pixSq[c][p]))),
    sumStandardErrors: classes.map((_, c) => standardError(sumOf[c], sumSq[c])),
    evaluations: nSamples * C,
    runMs,
    totalMs: performance.now() - t0,
  };
}
