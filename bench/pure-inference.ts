// SPDX-License-Identifier: MIT
/**
 * The denominator of every overhead ratio in the benches (issue 11): pure ONNX Runtime time for the
 * same number of evaluations as the explanation, at the model's best batch size, measured in the
 * same run. "Pure" is model.run on one ready input buffer, nothing composited; "best" is the fastest
 * per evaluation of a sweep of batch sizes. Time inside session.run during an explanation is not a
 * substitute: it hides the contention the explanation's own work causes.
 */
import { performance } from 'node:perf_hooks';
import { createExplainer, type ExplainerOptions } from '../lib';
import type { Model } from '../lib/model';

/** Batch sizes tried when none are given. */
export const PURE_BATCH_SIZES = [8, 16, 32, 64, 128];

export interface PureInference {
  /** ms per evaluation at each batch size, from `probe` evaluations each. */
  readonly sweep: { batch: number; msPerEval: number }[];
  /** The fastest batch size of the sweep. */
  readonly best: number;
  /**
   * Wall ms of exactly `n` evaluations at the best batch size, measured now: call it right after
   * the explanation it divides, so that both see the same load on a shared machine (one
   * measurement cached for the whole run gave SHAP ratios from 0.59 to 1.22 on the same budget).
   */
  ms(n: number): Promise<number>;
  dispose(): Promise<void>;
}

async function runEvaluations(model: Model, data: Float32Array | Uint16Array, batch: number, n: number, sample: number): Promise<number> {
  const t0 = performance.now();
  for (let done = 0; done < n; done += batch) {
    const k = Math.min(batch, n - done);
    await model.run(data.subarray(0, k * sample), k);
  }
  return performance.now() - t0;
}

/**
 * Sweeps `sizes` (default {@link PURE_BATCH_SIZES}) with `probe` evaluations each (after one
 * untimed batch), on a model loaded with `options` and each batch size, at the model's input size.
 */
export async function pureInference(
  model: string | Uint8Array,
  options: ExplainerOptions = {},
  probe = 256,
  sizes: readonly number[] = PURE_BATCH_SIZES,
): Promise<PureInference> {
  const sweep: { batch: number; msPerEval: number }[] = [];
  for (const batch of sizes) {
    const e = await createExplainer(model, { ...options, batchSize: batch });
    const m = e.model;
    const sample = 3 * e.preprocess.size[0] * e.preprocess.size[1];
    const data = m.inputType === 'float16' ? new Uint16Array(batch * sample).fill(0x3800) : new Float32Array(batch * sample).fill(0.5);
    await runEvaluations(m, data, batch, batch, sample);
    sweep.push({ batch, msPerEval: (await runEvaluations(m, data, batch, probe, sample)) / probe });
    await e.dispose();
  }
  const best = sweep.reduce((a, b) => (b.msPerEval < a.msPerEval ? b : a)).batch;
  const e = await createExplainer(model, { ...options, batchSize: best });
  const sample = 3 * e.preprocess.size[0] * e.preprocess.size[1];
  const data = e.model.inputType === 'float16' ? new Uint16Array(best * sample).fill(0x3800) : new Float32Array(best * sample).fill(0.5);
  await runEvaluations(e.model, data, best, best, sample);
  return {
    sweep,
    best,
    ms: (n: number) => runEvaluations(e.model, data, best, n, sample),
    dispose: () => e.dispose(),
  };
}

/** One line for the banner: the sweep and the best batch size. */
export function sweepText(p: PureInference): string {
  return `pure ONNX Runtime, ms per evaluation by batch size: ${p.sweep.map((s) => `${s.batch}: ${s.msPerEval.toFixed(3)}`).join(', ')}; best ${p.best}`;
}
