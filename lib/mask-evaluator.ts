// SPDX-License-Identifier: MIT
/**
 * Mask evaluation for LIME and SHAP: turns binary masks over one image's segments into model
 * outputs through the model's batch engine (engine.ts), evaluating identical masks once.
 */
import { performance } from 'node:perf_hooks';
import type { RgbImage } from './image';
import type { Model } from './model';
import { engineFor, type Compositing, type ImageContext } from './engine';
import { toTensorData, type ResolvedPreprocess } from './preprocess';
import { throwIfAborted, type RunControl } from './run-control';
import { mainThreadBlockedMs, type EvaluationClock } from './stage-clock';

/** What was spent evaluating masks (the {@link EvaluationClock} fields: see stage-clock.ts). */
export interface EvaluationStats extends EvaluationClock {
  /** Model evaluations actually run (distinct masks). */
  evaluations: number;
  /** Native compositing time (this image's share of each batch; overlapped with inference). */
  compositeMs: number;
  /** Time inside session.run (this image's share of each batch; with graph compositing it includes compositing). */
  inferMs: number;
  /**
   * Bytes of model input handed to onnxruntime for this image (its share of shared batches; padding
   * of fixed-batch models excluded): N × 3·H·W × 4 (2 for float16) natively; with
   * `compositing: 'graph'`, N × segments plus, per run, the label map (H·W up to 256 segments,
   * 2·H·W up to 65536) and the image and background (3·H·W each).
   */
  inputBytes: number;
}

export interface MaskEvaluator {
  /** Outputs (n × classes, row-major) for n masks of `segments` bytes each (1 = keep, 0 = hide). */
  evaluate(masks: Uint8Array, n: number): Promise<Float32Array>;
  readonly stats: EvaluationStats;
  readonly classes: () => number;
  /** Where this evaluator's images are composited (the model's engine). */
  readonly compositing: Compositing;
}

/**
 * An evaluator for one image: `rgb` and `hide` are model-sized RGB (with float `values` for 16-bit
 * and float images, composited in float), `labels` the segment of
 * every pixel (0..segments-1). Evaluations go through the model's shared {@link BatchEngine}.
 * `dedupe` (default true) evaluates equal masks of one call once; turn it off when the caller
 * already deduplicates. `control` (default none) aborts the evaluations and reports their progress
 * (`planned()` gives the progress's `planned` at each report); see run-control.ts.
 */
export function maskEvaluator(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  hide: RgbImage,
  labels: Int32Array,
  segments: number,
  options: { dedupe?: boolean; control?: RunControl; planned?: () => number } = {},
): MaskEvaluator {
  const dedupe = options.dedupe ?? true;
  const { signal, onProgress } = options.control ?? {};
  const started = performance.now();
  let done = 0;
  const onRows = onProgress
    ? (rows: number) => {
        done += rows;
        onProgress({ evaluations: done, planned: Math.max(options.planned?.() ?? 0, done), elapsedMs: performance.now() - started });
      }
    : undefined;
  const engine = engineFor(model);
  const ctx: ImageContext = {
    rgb,
    hide,
    labels,
    segments,
    params: { scale: pre.scale, mean: pre.mean, std: pre.std, layout: pre.layout, channels: pre.channels },
    // Float pixels (16-bit, float images or backgrounds) are composited from their exact model input.
    planes:
      rgb.values || hide.values
        ? { kept: toTensorData(rgb, pre) as Float32Array, hidden: toTensorData(hide, pre) as Float32Array }
        : undefined,
  };
  const stats: EvaluationStats = {
    evaluations: 0,
    compositeMs: 0,
    inferMs: 0,
    engineMs: 0,
    inputBytes: 0,
    evaluatingMs: 0,
    blockedWhileEvaluatingMs: 0,
  };
  let classes = model.classes ?? 0;
  // The clock runs while any evaluation is pending (a caller may have several at once).
  let pending = 0,
    since = 0,
    blockedSince = 0;

  async function evaluateUnique(masks: Uint8Array, n: number): Promise<Float32Array> {
    // Checked here too: an abort between two evaluate() calls (LIME rounds, SHAP steps) stops the run.
    throwIfAborted(signal);
    if (pending++ === 0) {
      since = performance.now();
      blockedSince = mainThreadBlockedMs();
    }
    try {
      const y = await engine.evaluate(ctx, masks, n, stats, { signal, onRows });
      if (n > 0) classes = y.length / n;
      stats.evaluations += n;
      return y;
    } finally {
      if (--pending === 0) {
        stats.evaluatingMs += performance.now() - since;
        stats.blockedWhileEvaluatingMs += mainThreadBlockedMs() - blockedSince;
      }
    }
  }

  return {
    stats,
    classes: () => classes,
    compositing: engine.compositing,
    async evaluate(masks: Uint8Array, n: number): Promise<Float32Array> {
      if (!dedupe) return evaluateUnique(masks, n);
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
