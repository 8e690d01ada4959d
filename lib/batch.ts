// SPDX-License-Identifier: MIT
/**
 * Batch explanation: many images through one explainer, several in flight at once so that one
 * image's decoding, segmentation and fitting overlap another's inference, and so that the model's
 * batch engine (engine.ts) packs samples of different images into the same full batches. A failing
 * image becomes a failed item; it never stops the batch.
 */
import { performance } from 'node:perf_hooks';
import type { Explainer } from './explainer';
import { loadImage, MAX_INPUT_BYTES, type ImageInput } from './image';
import type { LimeOptions, LimeResult } from './lime';
import type { EvaluateOptions, EvaluationResult } from './metrics/run';
import type { ShapOptions, ShapResult } from './shap';
import { RUN_CONTROL_KEYS, type ExplainProgress } from './run-control';
import { checkChoice, checkOptions, optionalNumber, typeError } from './validate';

/**
 * Progress of a batch, reported after every image (`event: 'image'`) and each time a model batch
 * returns samples of an image in flight (`event: 'samples'`).
 */
export interface BatchProgress {
  /** What this report follows: an image finished and is yielded next, or samples came back from the model. */
  event: 'image' | 'samples';
  /** Images finished (explained or failed). */
  done: number;
  /** Images that failed. */
  failed: number;
  /** Images being explained now. */
  inFlight: number;
  /** Number of images, when known (arrays and other sized inputs). */
  total?: number;
  elapsedMs: number;
  /** Finished images per second so far. */
  imagesPerSecond: number;
  /**
   * Model evaluations of the LIME and SHAP explanations so far, finished images' and those in
   * flight (evaluate()'s, with `evaluate`, are not counted).
   */
  evaluations: number;
  /**
   * Images' worth of work done: finished images plus the share of each image in flight, from its
   * evaluations over the most its run may make (each method of `'both'` half an image).
   */
  progress: number;
  /** Estimated seconds left, when the total is known and some work is done: from `progress` and the time so far. */
  etaSeconds?: number;
}

/** Images in flight when `concurrency` is not given. */
export const DEFAULT_CONCURRENCY = 2;

/** Options of {@link explainBatch}. */
export interface BatchOptions {
  /** 'lime' (default), 'shap' or 'both'. */
  method?: 'lime' | 'shap' | 'both';
  /** Options of every LIME explanation. */
  lime?: LimeOptions;
  /** Options of every SHAP explanation. */
  shap?: ShapOptions;
  /** Images in flight at once, 1..64. Default 2: enough to overlap one image's CPU work with another's inference. */
  concurrency?: number;
  /**
   * Called after each image (before it is yielded) and each time samples of an image in flight come
   * back from the model; see {@link BatchProgress}. A throw from an 'image' report ends the batch
   * with that error; from a 'samples' report, it fails that image.
   */
  onProgress?: (progress: BatchProgress) => void;
  /**
   * When aborted, no new image is started; the images in flight finish and are yielded. To stop
   * those too (a predict function that never returns would otherwise keep the batch waiting), pass
   * the same signal as `lime.signal` / `shap.signal`: they then fail with its reason.
   */
  signal?: AbortSignal;
  /**
   * The most bytes read from an image given as a file path (default 256 MiB, {@link MAX_INPUT_BYTES}).
   * Only regular files are read: a FIFO, a device or a folder fails that image (never hangs the batch).
   */
  maxInputBytes?: number;
  /**
   * When given, every result is also measured with `explainer.evaluate()` and these options, while
   * the image is in flight (default: not evaluated). A failing evaluation fails that image.
   */
  evaluate?: EvaluateOptions;
}

/** One image's outcome, yielded in input order. */
export type BatchItem =
  | {
      index: number;
      input: ImageInput;
      ok: true;
      lime?: LimeResult;
      shap?: ShapResult;
      /** With `evaluate`: the quality of `lime` and of `shap`. */
      limeEvaluation?: EvaluationResult;
      shapEvaluation?: EvaluationResult;
      ms: number;
    }
  | { index: number; input: ImageInput; ok: false; error: Error; ms: number };

/**
 * The options an explanation was made with, as `evaluate()`'s `explainOptions`: stability explains
 * again with the same settings (kernel width, regressor…), which the result does not all record.
 * What the metric sets itself (seed, segmentation, labels), unset options and the run controls
 * (`signal`, `onProgress`: they do not change a result) are left out.
 */
export function explainedWith(options: LimeOptions | ShapOptions | undefined): LimeOptions | ShapOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options ?? {}))
    if (v !== undefined && !['seed', 'segmentation', 'labels', 'topLabels', ...RUN_CONTROL_KEYS].includes(k)) out[k] = v;
  return out;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<ImageInput> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/**
 * Explains images one after another with bounded concurrency; see {@link BatchOptions}.
 * Memory stays bounded: at most `concurrency` images (and their results, until consumed) are held.
 */
export async function* explainBatch(
  explainer: Explainer,
  images: Iterable<ImageInput> | AsyncIterable<ImageInput>,
  options?: BatchOptions,
): AsyncGenerator<BatchItem> {
  const o = checkOptions('options', options, [
    'method',
    'lime',
    'shap',
    'concurrency',
    'onProgress',
    'signal',
    'maxInputBytes',
    'evaluate',
  ]) as BatchOptions;
  const method = o.method === undefined ? 'lime' : checkChoice('method', o.method, ['lime', 'shap', 'both'] as const);
  const concurrency = optionalNumber('concurrency', o.concurrency, DEFAULT_CONCURRENCY, { integer: true, min: 1, max: 64 });
  const maxInputBytes = optionalNumber('maxInputBytes', o.maxInputBytes, MAX_INPUT_BYTES, { integer: true, min: 1 });
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw typeError('onProgress', 'a function', o.onProgress);
  if (images === null || typeof images !== 'object' || !(Symbol.iterator in images || Symbol.asyncIterator in images))
    throw typeError('images', 'an iterable of images', images);
  const total = Array.isArray(images) ? images.length : undefined;
  const iterator = isAsyncIterable(images) ? images[Symbol.asyncIterator]() : (images as Iterable<ImageInput>)[Symbol.iterator]();

  const start = performance.now();
  const inFlight = new Map<number, Promise<BatchItem>>();
  let started = 0,
    done = 0,
    failed = 0,
    evaluations = 0,
    exhausted = false;
  /** Share (0..1) of each image in flight that is done, by index. */
  const partial = new Map<number, number>();

  const report = (event: BatchProgress['event']) => {
    if (!o.onProgress) return;
    const elapsedMs = performance.now() - start;
    let progress = done;
    for (const share of partial.values()) progress += share;
    o.onProgress({
      event,
      done,
      failed,
      inFlight: inFlight.size,
      total,
      elapsedMs,
      imagesPerSecond: done / (elapsedMs / 1000),
      evaluations,
      progress,
      etaSeconds: total === undefined || progress === 0 ? undefined : ((elapsedMs / 1000) * (total - progress)) / progress,
    });
  };

  /** `options` with an onProgress that counts step `step` of `steps` of image `index` (and still calls the caller's). */
  const counted = <T extends LimeOptions | ShapOptions>(options: T | undefined, index: number, step: number, steps: number) => {
    // Not an object: passed on as given, for lime()/shap() to refuse.
    if (!o.onProgress || (options !== undefined && (typeof options !== 'object' || options === null))) return options;
    const theirs = options?.onProgress;
    let seen = 0;
    return {
      ...options,
      onProgress: (p: ExplainProgress) => {
        if (typeof theirs === 'function') theirs(p);
        evaluations += p.evaluations - seen;
        seen = p.evaluations;
        partial.set(index, (step + Math.min(1, p.evaluations / Math.max(1, p.planned))) / steps);
        report('samples');
      },
    } as T;
  };

  const explainOne = async (index: number, input: ImageInput): Promise<BatchItem> => {
    const t0 = performance.now();
    try {
      // A path is read and decoded here, once for both methods, under the byte cap; the pixels go on.
      const image: ImageInput =
        typeof input === 'string' ? { ...(await loadImage(input, undefined, { maxInputBytes })), channels: 3 } : input;
      const steps = method === 'both' ? 2 : 1;
      const lime = method !== 'shap' ? await explainer.lime(image, counted(o.lime, index, 0, steps)) : undefined;
      const shap = method !== 'lime' ? await explainer.shap(image, counted(o.shap, index, steps - 1, steps)) : undefined;
      const evaluate = (result: LimeResult | ShapResult | undefined, options: LimeOptions | ShapOptions | undefined) =>
        result && o.evaluate !== undefined
          ? explainer.evaluate(image, result, { explainOptions: explainedWith(options), ...o.evaluate })
          : undefined;
      const limeEvaluation = await evaluate(lime, o.lime);
      const shapEvaluation = await evaluate(shap, o.shap);
      return { index, input, ok: true, lime, shap, limeEvaluation, shapEvaluation, ms: performance.now() - t0 };
    } catch (err) {
      return { index, input, ok: false, error: err instanceof Error ? err : new Error(String(err)), ms: performance.now() - t0 };
    }
  };

  const refill = async () => {
    while (!exhausted && inFlight.size < concurrency && !o.signal?.aborted) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const index = started++;
      inFlight.set(index, explainOne(index, next.value));
    }
  };

  let yielded = 0;
  await refill();
  while (inFlight.size > 0) {
    const item = await (inFlight.get(yielded) as Promise<BatchItem>);
    inFlight.delete(yielded);
    partial.delete(yielded);
    yielded++;
    done++;
    if (!item.ok) failed++;
    report('image');
    await refill();
    yield item;
  }
}
