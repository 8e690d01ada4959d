// SPDX-License-Identifier: MIT
/**
 * A predict function as a {@link Model}: what lets `createExplainer(fn, …)` explain any
 * classifier — a TensorFlow.js model, a remote service — as lime and shap (Python) explain any
 * `predict(batch)`. The batch engine, LIME, SHAP and the metrics see the same {@link Model} as
 * for an ONNX session; only the ONNX-only features are refused (by createExplainer and evaluate()).
 *
 * Why the function gets a copy of each batch: the engine composites into two reused native
 * buffers, and a function may keep, change or transfer (detach) what it is given — a lazy tensor
 * library may even read it after returning. A copy it owns costs one memcpy per batch, measured
 * beside the inference it feeds in the README ("Models as functions"); a buffer the engine never
 * reused would cost the same allocation and more (the addon composites into non-native memory by
 * way of a copy).
 */
import { performance } from 'node:perf_hooks';
import { abortReason } from '../run-control';
import { rangeError, typeError } from '../validate';
import type { Layout } from '../preprocess';
import { DescribedModel } from './info';
import { applySoftmax } from './output';
import { errorText, readPredictions } from './predict-output';
import { checkRunArgs } from './run-args';
import { DEFAULT_BATCH_SIZE, type Model, type ModelStats } from './types';

/** What a predict function is called with: one batch of preprocessed images. */
export interface PredictBatch {
  /**
   * `N × 3·H·W` preprocessed values (the images with their perturbations composited, then
   * normalised as `preprocess` says), laid out as `dims` says. A copy the function owns: it may
   * keep, change or transfer it.
   */
  readonly data: Float32Array;
  /** `[N, 3, H, W]` for the `'nchw'` layout, `[N, H, W, 3]` for `'nhwc'`; N ≤ `batchSize`. */
  readonly dims: readonly [number, number, number, number];
  /** The preprocessing's layout. */
  readonly layout: Layout;
  /**
   * Aborted once nobody waits for this batch any more: every explanation with samples in it was
   * aborted (its `signal`), or the explainer was disposed. A function that fetches can pass it on.
   */
  readonly signal: AbortSignal;
}

/**
 * Scores of one batch, row-major: a `Float32Array` or `Float64Array` of `N × classes` values, an
 * array of `N × classes` numbers, or an array of N arrays of `classes` numbers. Probabilities, or
 * logits (softmaxed as the `softmax` option says).
 */
export type PredictOutput = Float32Array | Float64Array | readonly number[] | readonly (readonly number[])[];

/** A classifier as a function: a batch in, its scores out, now or as a Promise. */
export type PredictFunction = (batch: PredictBatch) => PredictOutput | PromiseLike<PredictOutput>;

/** What a {@link FunctionModel} is made from: checked options and the resolved input. */
export interface FunctionModelSpec {
  fn: PredictFunction;
  /** `[height, width]` of the images the function takes. */
  size: readonly [number, number];
  layout: Layout;
  batchSize: number | undefined;
  softmax: 'auto' | boolean;
  labels: { names: string[]; from: string } | undefined;
}

/** `predict function "name"` (or `(anonymous)`), read once: a Proxy's `name` may throw. */
function functionWhat(fn: PredictFunction): string {
  let name: unknown;
  try {
    name = fn.name;
  } catch {
    name = undefined;
  }
  return typeof name === 'string' && name !== '' ? `predict function "${name.slice(0, 80)}"` : 'predict function (anonymous)';
}

/**
 * Races `work` against `signal`: rejects with the signal's reason as soon as it is aborted. `work`
 * keeps running (nothing can stop a function from outside); its eventual outcome is ignored.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** A predict function as a {@link Model}: batches of at most `batchSize`, outputs checked, softmax as for ONNX. */
export class FunctionModel extends DescribedModel implements Model {
  readonly inference = 'main';
  readonly sharedInput = false;
  private counters: ModelStats = { runs: 0, samples: 0, inferMs: 0 };
  /** Aborted by dispose(): pending calls stop being waited for. */
  private readonly disposal = new AbortController();
  private readonly fn: PredictFunction;
  private readonly what: string;
  private readonly labels: { names: string[]; from: string } | undefined;
  /** Calls made so far: batch numbers in messages. */
  private calls = 0;

  constructor(spec: FunctionModelSpec) {
    const [height, width] = spec.size;
    super(
      {
        inputName: 'batch',
        outputName: 'return value',
        inputType: 'float32',
        layout: spec.layout,
        height,
        width,
        batch: 'dynamic',
        batchSize: spec.batchSize ?? DEFAULT_BATCH_SIZE,
        provider: 'function',
        classNames: spec.labels?.names,
      },
      // Class names fix the class count up front; without them the first batch tells it.
      spec.labels?.names.length,
      spec.softmax === 'auto' ? undefined : spec.softmax,
    );
    this.fn = spec.fn;
    this.what = functionWhat(spec.fn);
    this.labels = spec.labels;
    if (this.labels !== undefined && this.labels.names.length === 0) throw rangeError('classNames', 'at least one name', this.labels.names);
  }

  /**
   * Calls the function on `count` images, `batchSize` at a time, each call with its own copy of
   * its images; checks and gathers the scores and applies softmax (see {@link Model.run}).
   * @throws Error naming the function and the batch when it throws, rejects or returns scores
   *   that cannot be read; TypeError / RangeError (likewise named) for scores of the wrong form,
   *   length or class count, or non-finite; the signal's reason once `signal` aborts.
   */
  async run(
    data: Float32Array | Uint16Array,
    count: number,
    size?: readonly [number, number],
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    if (this.disposal.signal.aborted) throw new Error(`Model ${this.what} has been disposed`);
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw typeError('signal', 'an AbortSignal', signal);
    const { height, width } = checkRunArgs(this, this.what, data, count, size);
    if (count === 0) return new Float32Array(0);
    const perImage = 3 * height * width;
    const chunks: Float32Array[] = [];
    for (let start = 0; start < count; start += this.batchSize) {
      const n = Math.min(this.batchSize, count - start);
      // A copy the function owns (see the file comment); a plain ArrayBuffer even when `data` is shared.
      const images = new Float32Array(data.subarray(start * perImage, (start + n) * perImage) as Float32Array);
      chunks.push(await this.call(images, n, height, width, signal));
    }
    this.counters.samples += count;
    const classes = this.classCount as number;
    const out = new Float32Array(count * classes);
    chunks.forEach((c, i) => out.set(c, i * this.batchSize * classes));
    this.softmaxDecision = applySoftmax(out, classes, this.softmaxDecision, 1e-3);
    return out;
  }

  /** One call of the function on `n` images; its scores, checked (n × classes). */
  private async call(
    images: Float32Array,
    n: number,
    height: number,
    width: number,
    signal: AbortSignal | undefined,
  ): Promise<Float32Array> {
    const dims = (this.layout === 'nchw' ? [n, 3, height, width] : [n, height, width, 3]) as [number, number, number, number];
    const index = ++this.calls;
    const batchText = `batch ${index} ([${dims.join(', ')}])`;
    // The function's signal: aborted by the caller's signal or by dispose(), whichever comes first.
    const controller = new AbortController();
    const sources = signal === undefined ? [this.disposal.signal] : [signal, this.disposal.signal];
    const onAbort = () => controller.abort(sources.find((s) => s.aborted)?.reason);
    for (const s of sources) s.addEventListener('abort', onAbort, { once: true });
    if (sources.some((s) => s.aborted)) onAbort();
    const batch: PredictBatch = Object.freeze({ data: images, dims: Object.freeze(dims), layout: this.layout, signal: controller.signal });
    // Called without a `this`: a method passed unbound must not reach this model's internals.
    const fn = this.fn;
    const t0 = performance.now();
    let value: unknown;
    try {
      // Called in a then(): a synchronous throw becomes a rejection, and a returned thenable is
      // adopted (a hostile one rejects there too).
      value = await untilAborted(
        Promise.resolve().then(() => Reflect.apply(fn, undefined, [batch]) as unknown),
        controller.signal,
      );
    } catch (err) {
      // Given up on (the caller's signal, or dispose()): its reason, not whatever the function did.
      if (controller.signal.aborted) throw abortReason(controller.signal);
      throw new Error(`${this.what} failed on ${batchText}: ${errorText(err)}`, { cause: err });
    } finally {
      for (const s of sources) s.removeEventListener('abort', onAbort);
      this.counters.inferMs += performance.now() - t0;
      this.counters.runs += 1;
    }
    const { scores, classes } = readPredictions(value, n, this.classCount, `the value returned by ${this.what} for ${batchText}`);
    this.classCount ??= classes;
    return scores;
  }

  stats(): ModelStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = { runs: 0, samples: 0, inferMs: 0 };
  }

  /** Stops waiting for calls in progress (they reject) and refuses later runs; the function itself is not told otherwise. */
  async dispose(): Promise<void> {
    this.disposal.abort(new Error(`Model ${this.what} has been disposed`));
    return Promise.resolve();
  }
}

/** The options of `createExplainer(fn, …)` that describe a predict function's model. */
export interface FunctionModelOptions {
  /**
   * `[height, width]` of the images the function takes (one number: square), integers 1..8192,
   * as an ONNX model's fixed input size: a preset's size must equal it, and a custom `preprocess`
   * without `size` takes it. Default: the preprocessing's size (the preset's, or a custom `size`).
   */
  inputSize?: number | readonly [number, number];
  /** Class labels, as for an ONNX model (a file or an array); they fix the class count. Default: none. */
  classNames?: string | readonly string[];
  /** Softmax over each returned row, as for an ONNX model: `'auto'` (default), `true` or `false`. */
  softmax?: 'auto' | boolean;
  /** The most images per call of the function, integer 1..65536. Default {@link DEFAULT_BATCH_SIZE} (16). */
  batchSize?: number;
}

/** The keys of {@link FunctionModelOptions}. */
export const FUNCTION_MODEL_KEYS = ['inputSize', 'classNames', 'softmax', 'batchSize'] as const;

/**
 * Options of an ONNX model that do not apply to a predict function, with the one value that does
 * (what a function model does anyway) where there is one, and why the others are refused.
 */
const ONNX_ONLY: Readonly<Record<string, { accepted?: string; why: string }>> = {
  compositing: { accepted: 'native', why: "'graph' prepends compositing to an ONNX model's graph; a function has no graph" },
  inference: {
    accepted: 'main',
    why: "'worker' runs an onnxruntime session in a worker thread; a function is called where it is, and may move its own work off the main thread",
  },
  executionProviders: { why: 'onnxruntime execution providers; a function chooses its own device' },
  intraOpNumThreads: { why: "onnxruntime's thread count; a function has its own" },
  interOpNumThreads: { why: "onnxruntime's thread count; a function has its own" },
};

/** The keys of the ONNX-only options, known so they can be refused by name. */
export const ONNX_ONLY_KEYS = Object.keys(ONNX_ONLY);

/**
 * Refuses an ONNX-only option given with a predict function (a RangeError naming it and its value;
 * a TypeError for `compositing` / `inference` values that are not strings). `compositing: 'native'`
 * and `inference: 'main'` are accepted: they say what a function model does.
 */
export function refuseOnnxOnly(key: string, value: unknown): void {
  const rule = ONNX_ONLY[key];
  if (rule === undefined || value === undefined) return;
  if (rule.accepted === undefined) throw rangeError(key, `nothing with a predict function (${rule.why})`, value);
  if (typeof value !== 'string') throw typeError(key, `'${rule.accepted}' (the only value with a predict function)`, value);
  if (value !== rule.accepted) throw rangeError(key, `'${rule.accepted}' with a predict function (${rule.why})`, value);
}
