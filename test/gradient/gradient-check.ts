// SPDX-License-Identifier: MIT
/**
 * What the gradient tests share: a seeded generator, the runner over bare model bytes, and the
 * directional-derivative check (the gradient's dot product with random directions against central
 * finite differences of a truth: onnxruntime's own float64 forward pass, or the float64 evaluator
 * of test/helpers/onnx-float64.ts for operators onnxruntime runs in float32 only).
 */
import assert from 'node:assert/strict';
import { GradientRunner, type GradientRunnerOptions } from '../../lib/gradient';
import { openGraphSession } from '../../lib/model/session';

/** Seeded uniform [0, 1) (a Lehmer generator: enough for test data). */
export function seeded(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

/** A gradient runner on CPU over model bytes. */
export function gradientRunner(bytes: Uint8Array, options: GradientRunnerOptions = {}): Promise<GradientRunner> {
  return GradientRunner.create(bytes, (b, what) => openGraphSession(b, what), options);
}

/** One-hot rows: class `classes[i]` for image i. */
export function oneHot(classes: readonly number[], k: number): Float32Array {
  const w = new Float32Array(classes.length * k);
  classes.forEach((c, i) => (w[i * k + c] = 1));
  return w;
}

/**
 * Checks the gradient of Σ f(x) ⊙ w at `x` along `directions` random directions against central
 * differences of `truth` (a float64 function of the input returning the K scores) with step `h`.
 * @returns the largest relative error.
 */
export async function directionalCheck(
  runner: GradientRunner,
  x: Float32Array | Float64Array,
  w: Float32Array,
  truth: (x: Float64Array) => Float64Array | Promise<Float64Array>,
  opts: { directions: number; h: number; tolerance: number; seed: number },
): Promise<number> {
  const { gradients } = await runner.run(x, 1, runner.inputType === 'float64' ? Float64Array.from(w) : w);
  const random = seeded(opts.seed);
  const score = async (v: Float64Array) => {
    const s = await truth(v);
    let sum = 0;
    for (let k = 0; k < w.length; k++) sum += s[k] * w[k];
    return sum;
  };
  let worst = 0;
  for (let t = 0; t < opts.directions; t++) {
    const d = Float64Array.from({ length: x.length }, () => 2 * random() - 1);
    let analytic = 0;
    for (let i = 0; i < x.length; i++) analytic += gradients[i] * d[i];
    const plus = await score(Float64Array.from(x, (v, i) => v + opts.h * d[i]));
    const minus = await score(Float64Array.from(x, (v, i) => v - opts.h * d[i]));
    const numeric = (plus - minus) / (2 * opts.h);
    const rel = Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1e-12);
    worst = Math.max(worst, rel);
    assert.ok(rel <= opts.tolerance, `direction ${t}: gradient·d = ${analytic}, finite difference ${numeric} (relative error ${rel})`);
  }
  return worst;
}
