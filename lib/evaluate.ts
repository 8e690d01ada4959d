// SPDX-License-Identifier: MIT
/**
 * The perturbation engine shared by LIME and SHAP: turns binary masks over segments into model
 * outputs. The addon composites each chunk of masks straight into the model's input tensor (no
 * per-pixel JavaScript, no intermediate images) while ONNX Runtime runs the previous chunk, with two
 * buffers alternating. Identical masks are evaluated once.
 */
import { performance } from 'node:perf_hooks';
import type { RgbImage } from './image';
import type { Model } from './model';
import { binding } from './native';
import type { ResolvedPreprocess } from './preprocess';

/** What was spent evaluating masks. */
export interface EvaluationStats {
  /** Model evaluations actually run (distinct masks). */
  evaluations: number;
  /** Native compositing time (sum over chunks, overlapped with inference). */
  compositeMs: number;
  /** Time inside session.run. */
  inferMs: number;
}

export interface MaskEvaluator {
  /** Outputs (n × classes, row-major) for n masks of `segments` bytes each (1 = keep, 0 = hide). */
  evaluate(masks: Uint8Array, n: number): Promise<Float32Array>;
  readonly stats: EvaluationStats;
  readonly classes: () => number;
}

/** Samples composited per chunk: large enough to keep batches full, small enough to bound memory. */
export const CHUNK_SAMPLES = 32;

/**
 * An evaluator for one image: `rgb` and `hide` are model-sized 8-bit RGB, `labels` the segment of
 * every pixel (0..segments-1).
 */
export function maskEvaluator(model: Model, pre: ResolvedPreprocess, rgb: RgbImage, hide: RgbImage, labels: Int32Array, segments: number): MaskEvaluator {
  const sampleSize = 3 * rgb.width * rgb.height;
  const chunk = Math.max(CHUNK_SAMPLES, model.batchSize);
  const makeBuffer = () => (model.inputType === 'float16' ? new Uint16Array(chunk * sampleSize) : new Float32Array(chunk * sampleSize));
  const buffers = [makeBuffer(), makeBuffer()];
  const params = { scale: pre.scale, mean: pre.mean, std: pre.std, layout: pre.layout, channels: pre.channels };
  const stats: EvaluationStats = { evaluations: 0, compositeMs: 0, inferMs: 0 };
  let classes = model.classes ?? 0;

  const composite = async (masks: Uint8Array, start: number, count: number, buffer: Float32Array | Uint16Array) => {
    const t0 = performance.now();
    await binding.composite(rgb.data, hide.data, labels, rgb.width, rgb.height, masks.subarray(start * segments, (start + count) * segments), segments, params, buffer, 0);
    stats.compositeMs += performance.now() - t0;
  };

  async function evaluateUnique(masks: Uint8Array, n: number): Promise<Float32Array> {
    let out: Float32Array | undefined;
    let pending = n > 0 ? composite(masks, 0, Math.min(chunk, n), buffers[0]) : undefined;
    for (let start = 0, k = 0; start < n; start += chunk, k++) {
      const count = Math.min(chunk, n - start);
      await pending;
      // Composite the next chunk into the other buffer while this one runs.
      const next = start + chunk;
      pending = next < n ? composite(masks, next, Math.min(chunk, n - next), buffers[(k + 1) % 2]) : undefined;
      const before = model.stats().inferMs;
      const buffer = buffers[k % 2];
      const y = await model.run(buffer.subarray(0, count * sampleSize) as Float32Array | Uint16Array, count, [rgb.height, rgb.width]);
      stats.inferMs += model.stats().inferMs - before;
      classes = y.length / count;
      out ??= new Float32Array(n * classes);
      out.set(y, start * classes);
    }
    await pending;
    stats.evaluations += n;
    return out ?? new Float32Array(0);
  }

  return {
    stats,
    classes: () => classes,
    async evaluate(masks: Uint8Array, n: number): Promise<Float32Array> {
      // Deduplicate: equal masks share one evaluation (common with few segments or exhaustive SHAP).
      const index = new Map<string, number>();
      const rowOf = new Int32Array(n);
      const unique: number[] = [];
      for (let i = 0; i < n; i++) {
        const key = Buffer.from(masks.buffer, masks.byteOffset + i * segments, segments).toString('latin1');
        let u = index.get(key);
        if (u === undefined) {
          u = unique.length;
          index.set(key, u);
          unique.push(i);
        }
        rowOf[i] = u;
      }
      let uniqueMasks = masks;
      if (unique.length < n) {
        uniqueMasks = new Uint8Array(unique.length * segments);
        unique.forEach((row, u) => uniqueMasks.set(masks.subarray(row * segments, (row + 1) * segments), u * segments));
      }
      const y = await evaluateUnique(uniqueMasks, unique.length);
      if (unique.length === n) return y;
      const out = new Float32Array(n * classes);
      for (let i = 0; i < n; i++) out.set(y.subarray(rowOf[i] * classes, (rowOf[i] + 1) * classes), i * classes);
      return out;
    },
  };
}
