// SPDX-License-Identifier: MIT
/** The model's public types and constants: what {@link loadModel} takes and returns. */
import type { InputDType, Layout } from '../preprocess';

/** Execution providers that can be asked for. */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];
/**
 * What runs a model: an onnxruntime execution provider, or `'function'` for a predict function
 * (function-model.ts), which runs wherever the function runs.
 */
export type ModelProvider = ExecutionProvider | 'function';

/**
 * Default number of images per `session.run` for models with a dynamic batch dimension: the fastest
 * on a CPU for the shared MobileNetV2 (README, "Why the defaults"), and each blocking run stays
 * short. On a GPU try 64 or more.
 */
export const DEFAULT_BATCH_SIZE = 16;

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * Execution providers in order of preference. Default `['cpu']`. When `'cuda'` is listed but
   * CUDA cannot be used (no GPU, no CUDA provider library), a listed `'cpu'` takes over with a
   * process warning (`LimeshapWarning`); `['cuda']` alone then fails with an Error.
   */
  executionProviders?: readonly ExecutionProvider[];
  /** Threads inside one operator (onnxruntime's `intraOpNumThreads`). Integer >= 0; 0 or unset: onnxruntime's default (all cores). */
  intraOpNumThreads?: number;
  /** Threads across operators (onnxruntime's `interOpNumThreads`). Integer >= 0; 0 or unset: onnxruntime's default. */
  interOpNumThreads?: number;
  /**
   * Class labels: a text file with one label per line (a trailing empty line is ignored), or an
   * array of strings. Their count must equal the model's class count. Default: none.
   */
  classNames?: string | readonly string[];
  /**
   * Softmax over each output row: `true` always, `false` never (raw scores), `'auto'` (default)
   * unless the model already outputs probabilities: decided on the first run with data, then kept
   * (every row in [0, 1] summing to 1 within 1e-3, or 1e-2 for a float16 output).
   */
  softmax?: 'auto' | boolean;
  /**
   * Images per `session.run` for a dynamic-batch model, integer 1..65536. Default
   * {@link DEFAULT_BATCH_SIZE} (16). A model with a fixed batch dimension always runs that many
   * (padding the last run); a different `batchSize` is then a RangeError.
   */
  batchSize?: number;
  /**
   * Where the onnxruntime session runs. Default `'main'`.
   *
   * - `'main'`: on the calling (main) thread. `session.run` blocks the event loop for the whole
   *   batch.
   * - `'worker'`: in a `worker_threads` Worker owning the session; {@link Model.run} posts the input
   *   and resolves with the outputs, so the event loop stays free (timers, I/O, other requests)
   *   while the model runs. The batch engine then keeps its two batch buffers on
   *   SharedArrayBuffer ({@link Model.sharedInput}), which the worker reads without a message copy
   *   (onnxruntime-node rejects tensors over SAB memory, so the worker copies each batch once into a
   *   reused buffer). Errors reject with the same type and message as on the main thread; a crashed
   *   worker rejects pending and later runs with an Error; `dispose()` ends the worker, and process
   *   exit waits for a batch in flight (worker-gate.ts). Unless `intraOpNumThreads` is given, the
   *   worker's session uses {@link defaultWorkerIntraOpThreads} threads.
   *
   * The worker is not faster on a 2-core CPU (README, "Why the defaults"), so the default stays
   * `'main'`; choose `'worker'` when the event loop must stay responsive (servers, UIs, progress
   * timers) while explaining.
   */
  inference?: InferenceMode;
}

/** Where a model's onnxruntime session runs: see {@link LoadModelOptions.inference}. */
export type InferenceMode = 'main' | 'worker';

/**
 * What a model is, fixed once its session is created: read from the session on the main thread, or
 * posted by the worker that holds it. One description shared by both kinds of {@link Model}.
 */
/** The most channels a model input may have (the addon's limit for float planes). */
export const MAX_MODEL_CHANNELS = 1024;

export interface ModelInfo {
  /** Name of the image input (the model's first and only input). */
  readonly inputName: string;
  /** Name of the output read (the model's first output). */
  readonly outputName: string;
  /** Element type of the input: feed Float32Array for `'float32'`, Uint16Array (half bits) for `'float16'`. */
  readonly inputType: InputDType;
  /** `'nchw'` (`[N, C, H, W]`) or `'nhwc'` (`[N, H, W, C]`), from where the channel dim sits (see `channels`). */
  readonly layout: Layout;
  /**
   * Channels C of the image input: 3 for RGB models (undefined means 3), else 1 (grayscale) up to
   * {@link MAX_MODEL_CHANNELS} (multispectral), explained through a custom preprocessing.
   */
  readonly channels?: number;
  /** Fixed input height, or undefined when dynamic. */
  readonly height: number | undefined;
  /** Fixed input width, or undefined when dynamic. */
  readonly width: number | undefined;
  /** The fixed batch dimension, or `'dynamic'`. */
  readonly batch: number | 'dynamic';
  /** Images per `session.run` actually used. */
  readonly batchSize: number;
  /** The execution provider in use, or `'function'` for a predict function. */
  readonly provider: ModelProvider;
  /** Class labels, when given. */
  readonly classNames: readonly string[] | undefined;
}

/** Inference counters since load or {@link Model.resetStats}. */
export interface ModelStats {
  /** Calls to `session.run`. */
  runs: number;
  /** Images classified (padding excluded). */
  samples: number;
  /** Milliseconds spent in `session.run` (blocking the event loop on the main thread; measured inside the worker with `inference: 'worker'`), summed. */
  inferMs: number;
}

/**
 * A loaded image classifier: its {@link ModelInfo} and what changes as it runs. This is the one
 * "model runner" the batch engine, LIME, SHAP and the metrics see; three kinds implement it: the
 * onnxruntime session on the main thread (session.ts), the same in a worker (worker-proxy.ts), and
 * a predict function (function-model.ts). What only an ONNX model can do is optional here
 * (`loadCompositingGraph`) or refused where it is asked for (createExplainer, evaluate()).
 */
export interface Model extends ModelInfo {
  /** Number of classes: from the output shape when fixed, else known after the first run. */
  readonly classes: number | undefined;
  /** Whether softmax is applied to outputs; for `'auto'`, undefined until the first run decides. */
  readonly softmax: boolean | undefined;
  /** Where the session runs (see {@link LoadModelOptions.inference}). */
  readonly inference: InferenceMode;
  /**
   * Whether `run()` is cheapest with input on a SharedArrayBuffer: true for a worker model, whose
   * SAB-backed input is shared with the worker instead of copied. Batch buffers are then allocated
   * on SharedArrayBuffer; the caller must not write into the input until `run()` settles.
   */
  readonly sharedInput: boolean;
  /**
   * Classifies `count` images laid out back to back in the model's layout and input type.
   *
   * @param data - `count × C·H·W` values, C the input channels (3 for RGB) (Float32Array, or Uint16Array half bits for float16 models).
   * @param count - number of images, integer >= 0.
   * @param size - `[height, width]`, needed only when the model's height/width are dynamic.
   * @param signal - gives up waiting once aborted: a predict function's run rejects with the
   *   signal's reason (the function gets the signal too, to stop its own work); an onnxruntime run
   *   cannot be interrupted and does not read it. Default: none.
   * @returns `count × classes` scores, row-major: probabilities, or logits with `softmax: false`.
   * @throws TypeError / RangeError for bad arguments; Error for an output of unexpected shape or
   *   type, for NaN/Infinity in the output (naming the output), or when onnxruntime fails.
   */
  run(data: Float32Array | Uint16Array, count: number, size?: readonly [number, number], signal?: AbortSignal): Promise<Float32Array>;
  /** The counters since load or the last {@link Model.resetStats}. */
  stats(): ModelStats;
  /** Zeroes the counters. */
  resetStats(): void;
  /** Releases the onnxruntime session; `run` afterwards is an Error. */
  dispose(): Promise<void>;
  /**
   * @internal Opens a second session on `bytes`, this model rewritten by `prependCompositing`
   * (lib/onnx/prepend-compositing.ts), on the same execution provider and threads, for
   * `compositing: 'graph'`. Its runs share this model's counters, softmax decision and output
   * checks. Absent on a worker model (`inference: 'worker'`), which does not support it.
   */
  loadCompositingGraph?(bytes: Uint8Array, inputs: GraphInputNames): Promise<CompositingGraph>;
  /**
   * @internal Opens a session on other model bytes (the gradient model of lib/gradient) on this
   * model's execution provider and threads; `what` names it in errors. Absent on a worker model
   * and a predict function.
   */
  openSession?(bytes: Uint8Array, what: string): Promise<GraphSession>;
}

/** @internal The input names of a rewritten model (lib/onnx/prepend-compositing.ts, `GraphInputs`). */
export interface GraphInputNames {
  readonly masks: string;
  readonly labels: string;
  readonly image: string;
  readonly background: string;
}

/** @internal One image's masks for a compositing graph: what crosses to the execution provider. */
export interface GraphBatch {
  /** `count × segments` bytes, 0 (hide) or 1 (keep). */
  masks: Uint8Array;
  count: number;
  segments: number;
  /**
   * The segment of every pixel as byte planes (`labelPlanes` in lib/onnx/prepend-compositing.ts):
   * `K × height × width` bytes, plane k holding byte k of each label.
   */
  labels: Uint8Array;
  /** The model-sized 8-bit RGB image and what hidden segments show, `height × width × 3` each. */
  image: Uint8Array;
  background: Uint8Array;
  height: number;
  width: number;
}

/** @internal A loaded compositing graph: {@link GraphBatch} in, `count × classes` scores out (as {@link Model.run}). */
export interface CompositingGraph {
  run(batch: GraphBatch): Promise<Float32Array>;
}

/** @internal One input of {@link GraphSession.run}. */
export interface GraphFeed {
  type: 'float32' | 'float64';
  data: Float32Array | Float64Array;
  dims: readonly number[];
}

/** @internal One output of {@link GraphSession.run}: its values (a copy) and dims. */
export interface GraphOutput {
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;
  dims: number[];
}

/**
 * @internal A session on any ONNX model with named float inputs and outputs: the gradient model and
 * its shape probe (lib/gradient), which are not image classifiers of one input.
 */
export interface GraphSession {
  run(feeds: Readonly<Record<string, GraphFeed>>, outputs: readonly string[]): Promise<Record<string, GraphOutput>>;
  release(): Promise<void>;
}
