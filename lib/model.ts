// SPDX-License-Identifier: MIT
/**
 * ONNX image classifiers through onnxruntime-node. This is the ONLY module that imports
 * onnxruntime-node, so the runtime's quirks (metadata, float16 as Uint16Array, execution-provider
 * fallback, a synchronous `run`) stay in one place.
 *
 * Inference blocks the event loop: onnxruntime-node's `session.run()` defers to `setImmediate` and
 * then runs the whole batch synchronously on the calling thread (onnxruntime issues #19611, #26968).
 * {@link Model.run} therefore feeds the model a few large batches rather than many small ones, and
 * `inference: 'worker'` moves the session into a worker thread (lib/model-worker.ts is its entry;
 * it loads the session through {@link openModel}, so this module stays the only importer of
 * onnxruntime-node).
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { float16ToFloat32, type InputDType, type Layout } from './preprocess';
import { checkChoice, checkNumber, checkOptions, rangeError, typeError } from './validate';
import { closeGate, createGate, unwatchGate, watchGate, type Gate } from './worker-gate';

/** Execution providers that can be asked for. */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/**
 * Default number of images per `session.run` for models with a dynamic batch dimension.
 *
 * Measured with the shared mobilenetv2-12-int8 on the 2-core development machine (CPU EP,
 * onnxruntime-node 1.30.0, default threads), 1000 images of 224×224 per timing, median of 3 on a
 * quiet machine: batch 8: 1.22 s, 16: 1.21 s, 32: 1.30 s, 64: 1.86 s (about 1.2 ms per image at
 * best). With other jobs loading the machine the best of 5 was 8: 1.81 s, 16: 1.29 s, 32: 1.88 s,
 * 64: 1.60 s. Larger batches only add cache pressure on a CPU, so 16 is chosen: the fastest, and each
 * blocking `session.run` (about 20 ms) keeps the event loop responsive. On a GPU try 64 or more.
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
   *   batch (measured: no timer fires during a 22 ms MobileNetV2 batch of 16).
   * - `'worker'`: in a `worker_threads` Worker owning the session; {@link Model.run} posts the input
   *   and resolves with the outputs, so the event loop stays free (timers, I/O, other requests)
   *   while the model runs. The batch engine then keeps its two batch buffers on
   *   SharedArrayBuffer ({@link Model.sharedInput}): the addon composites into them as into any
   *   buffer and the worker sees them without a message copy. onnxruntime-node 1.30 rejects
   *   tensors over SAB memory (`session.run`: "Invalid argument"), so the worker copies each batch
   *   into one reused ArrayBuffer first: 0.44 ms for a batch of 16 × 3×224×224 floats (9.6 MB),
   *   about 2% of the batch's 20–25 ms. Other inputs (e.g. `classify`) are copied once on the
   *   main thread and transferred. Errors (bad output shape, NaN
   *   scores, session failures) reject with the same type and message as on the main thread; a
   *   crashed worker rejects pending and later runs with an Error; `dispose()` ends the worker.
   *   Unless `intraOpNumThreads` is given, the worker's session uses
   *   {@link defaultWorkerIntraOpThreads} threads.
   *
   * Measured on the 2-core development machine (onnxruntime-node 1.30.0, Node 20, MobileNetV2-int8,
   * batch 16, native pool at its default 2 threads):
   * - Event loop (a `setInterval(1)` probe): during 10 back-to-back `run()`s of 16 images, the
   *   longest timer gap was 21–29 ms on the main thread (about one tick per run) and 7–14 ms with
   *   the worker (170–240 ticks); during `explainBatch` of the 8 shared photos at 1000 LIME
   *   samples, 56–208 ms (one run 2.7 s; about 600 ticks in 11 s) against 13–22 ms (over 10,000).
   * - Throughput of that `explainBatch` (8 photos × 1000 samples, ~8000 evaluations): main
   *   11.2–11.3 s on a quiet machine (two runs under outside load: 23 s and 30 s), main with
   *   `intraOpNumThreads: 2` 11.0–14.0 s; worker (2 threads) 11.3–12.6 s, median ~11.7 s; worker
   *   with 1 thread 21–22 s. Pure inference of the same evaluations on the main thread:
   *   9.8–11.9 s, so end-to-end / pure ≈ 1.06–1.18 (main) and ≈ 1.03–1.15 (worker).
   *
   * The worker is not faster here (median ~4% slower on a quiet machine: message passing, the
   * SAB copy and one more thread on 2 cores), so the default stays `'main'`; choose `'worker'`
   * when the event loop must stay responsive (servers, UIs, progress timers) while explaining.
   */
  inference?: InferenceMode;
}

/** Where a model's onnxruntime session runs: see {@link LoadModelOptions.inference}. */
export type InferenceMode = 'main' | 'worker';

/**
 * intraOpNumThreads of a worker's session when not given: the core count
 * (`os.availableParallelism()`). Measured on the 2-core machine with the native pool (compositing,
 * quickshift; default threads = cores) busy alongside: 2 threads explained the 8 photos × 1000
 * LIME samples in 11.3–12.6 s, 1 thread in 21–22 s (a batch of 16: ~24 ms against ~50 ms), so
 * inference gets every core; the native pool's work overlaps it and mostly waits on it. The
 * threads in use are then those of the main-thread mode plus the (idle while the session runs)
 * worker thread. It is set explicitly rather than left to onnxruntime (`0`), which also chooses
 * the core count but pins its threads to cores; pass `intraOpNumThreads: 0` for that.
 */
export function defaultWorkerIntraOpThreads(): number {
  return os.availableParallelism();
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

/** A loaded image classifier. */
export interface Model {
  /** Name of the image input (the model's first and only input). */
  readonly inputName: string;
  /** Name of the output read (the model's first output). */
  readonly outputName: string;
  /** Element type of the input: feed Float32Array for `'float32'`, Uint16Array (half bits) for `'float16'`. */
  readonly inputType: InputDType;
  /** `'nchw'` (`[N, 3, H, W]`) or `'nhwc'` (`[N, H, W, 3]`), from where the size-3 channel dim sits. */
  readonly layout: Layout;
  /** Fixed input height, or undefined when dynamic. */
  readonly height: number | undefined;
  /** Fixed input width, or undefined when dynamic. */
  readonly width: number | undefined;
  /** The fixed batch dimension, or `'dynamic'`. */
  readonly batch: number | 'dynamic';
  /** Images per `session.run` actually used. */
  readonly batchSize: number;
  /** Number of classes: from the output shape when fixed, else known after the first run. */
  readonly classes: number | undefined;
  /** The execution provider in use. */
  readonly provider: ExecutionProvider;
  /** Class labels, when given. */
  readonly classNames: readonly string[] | undefined;
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
   * @param data - `count × 3·H·W` values (Float32Array, or Uint16Array half bits for float16 models).
   * @param count - number of images, integer >= 0.
   * @param size - `[height, width]`, needed only when the model's height/width are dynamic.
   * @returns `count × classes` scores, row-major: probabilities, or logits with `softmax: false`.
   * @throws TypeError / RangeError for bad arguments; Error for an output of unexpected shape or
   *   type, for NaN/Infinity in the output (naming the output), or when onnxruntime fails.
   */
  run(data: Float32Array | Uint16Array, count: number, size?: readonly [number, number]): Promise<Float32Array>;
  /** The counters since load or the last {@link Model.resetStats}. */
  stats(): ModelStats;
  /** Zeroes the counters. */
  resetStats(): void;
  /** Releases the onnxruntime session; `run` afterwards is an Error. */
  dispose(): Promise<void>;
}

type TensorMeta = { name: string; isTensor: boolean; type?: string; shape?: readonly (number | string)[] };

function shapeText(shape: readonly (number | string)[] | readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A model whose output has no class to explain (it would fail later with an internal message). */
function noClasses(output: string, what: string, shape: readonly (number | string)[]): RangeError {
  return new RangeError(`Expected at least 1 class in output "${output}" of model ${what} but received shape ${shapeText(shape)}`);
}

/** Reads the session's I/O metadata (onnxruntime-node >= 1.21); older versions only give names. */
function metadata(session: ort.InferenceSession, which: 'input' | 'output'): TensorMeta[] {
  const names = which === 'input' ? session.inputNames : session.outputNames;
  const meta = (session as unknown as Record<string, unknown>)[`${which}Metadata`];
  if (Array.isArray(meta) && meta.length === names.length) return meta as TensorMeta[];
  // Without metadata the layout cannot be told; treat every value as a tensor of unknown shape.
  return names.map((name) => ({ name, isTensor: true }));
}

/** Whether an output shape is one of those accepted: `[N, K]` or `[N, K, 1, 1]` (symbolic dims allowed). */
function acceptedOutputShape(shape: readonly (number | string)[]): boolean {
  if (shape.length === 2) return true;
  return shape.length === 4 && (shape[2] === 1 || typeof shape[2] === 'string') && (shape[3] === 1 || typeof shape[3] === 'string');
}

async function readClassNames(source: string | readonly string[]): Promise<{ names: string[]; from: string }> {
  if (typeof source === 'string') {
    let text: string;
    try {
      text = await fs.readFile(source, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `Class names file not found: ${source}` : `Cannot read class names file ${source}: ${(err as Error).message}`);
    }
    const names = text.split(/\r?\n/);
    while (names.length > 0 && names[names.length - 1] === '') names.pop();
    return { names, from: `class names file ${source}` };
  }
  if (!Array.isArray(source)) throw typeError('classNames', 'a file path or an array of strings', source);
  source.forEach((s, i) => {
    if (typeof s !== 'string') throw typeError(`classNames[${i}]`, 'a string', s);
  });
  return { names: [...source], from: 'classNames' };
}

/** Writes a process warning (the worker forwards its warnings to the main thread through this). */
type Warn = (message: string) => void;
const emitWarning: Warn = (message) => process.emitWarning(message, 'LimeshapWarning');

/** Creates the session, falling back from CUDA to CPU when CUDA cannot be loaded. */
async function createSession(
  bytes: Uint8Array,
  what: string,
  providers: readonly ExecutionProvider[],
  threads: Pick<ort.InferenceSession.SessionOptions, 'intraOpNumThreads' | 'interOpNumThreads'>,
  warn: Warn,
): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider }> {
  // No spinning: onnxruntime's intra-op threads otherwise busy-wait after each run, taking the cores
  // from the addon's threads (quickshift, compositing) that run between and beside model calls —
  // measured: LIME's segmentation 40 -> 28 ms, overhead ratio 1.050 -> 1.031, inference itself unchanged.
  const create = (eps: readonly ExecutionProvider[]) =>
    ort.InferenceSession.create(bytes, { ...threads, executionProviders: [...eps], extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const fail = (err: unknown) => new Error(`Cannot load ONNX model ${what}: ${(err as Error).message}`);
  if (providers[0] === 'cuda') {
    try {
      // onnxruntime does not fall back by itself: a missing CUDA provider fails session creation.
      return { session: await create(providers), provider: 'cuda' };
    } catch (err) {
      if (!providers.includes('cpu')) throw new Error(`CUDA execution provider unavailable for ${what}: ${(err as Error).message}`);
      warn(`CUDA execution provider unavailable (${(err as Error).message.split('\n')[0]}); using CPU`);
    }
  }
  try {
    return { session: await create(['cpu']), provider: 'cpu' };
  } catch (err) {
    throw fail(err);
  }
}

/**
 * @internal The options of {@link loadModel} once checked: plain data, so they can be posted to a
 * worker.
 */
export interface ResolvedModelOptions {
  providers: ExecutionProvider[];
  threads: { intraOpNumThreads?: number; interOpNumThreads?: number };
  softmax: 'auto' | boolean;
  batchSize: number | undefined;
  labels: { names: string[]; from: string } | undefined;
}

/**
 * Loads an ONNX image classifier and checks that it is one: a single 4-D float32/float16 input with
 * a channel dimension of 3 (`[N, 3, H, W]` → NCHW, `[N, H, W, 3]` → NHWC), and a first output of
 * shape `[N, K]` or `[N, K, 1, 1]`.
 *
 * @param model - path of a `.onnx` file, or its bytes.
 * @param options - see {@link LoadModelOptions} (defaults: CPU, onnxruntime's thread counts,
 *   softmax `'auto'`, batch size {@link DEFAULT_BATCH_SIZE}, inference on the main thread).
 * @returns the model, ready to {@link Model.run}.
 * @throws TypeError / RangeError for bad options; Error naming the path for an unreadable file or
 *   bytes onnxruntime rejects; RangeError when the input is not a 4-D image tensor (or not
 *   float32/float16, or the model has several inputs); Error for an output of another shape;
 *   RangeError naming the file and both counts when `classNames` does not match the class count.
 *   With `inference: 'worker'` the same errors, raised in the worker, reject with the same type
 *   and message.
 * @example
 * const model = await loadModel('mobilenetv2-12-int8.onnx', { classNames: 'imagenet-labels.txt' });
 * const scores = await model.run(tensorData, 1); // 1000 probabilities
 * await model.dispose();
 */
export async function loadModel(model: string | Uint8Array, options?: LoadModelOptions): Promise<Model> {
  const o = checkOptions('options', options, [
    'executionProviders',
    'intraOpNumThreads',
    'interOpNumThreads',
    'classNames',
    'softmax',
    'batchSize',
    'inference',
  ]) as LoadModelOptions;
  let providers: ExecutionProvider[] = ['cpu'];
  if (o.executionProviders !== undefined) {
    if (!Array.isArray(o.executionProviders)) throw typeError('executionProviders', "an array of 'cpu' / 'cuda'", o.executionProviders);
    if (o.executionProviders.length === 0) throw rangeError('executionProviders', 'at least one provider', o.executionProviders);
    providers = o.executionProviders.map((p, i) => checkChoice(`executionProviders[${i}]`, p, EXECUTION_PROVIDERS));
  }
  const threads: ResolvedModelOptions['threads'] = {};
  if (o.intraOpNumThreads !== undefined) threads.intraOpNumThreads = checkNumber('intraOpNumThreads', o.intraOpNumThreads, { integer: true, min: 0, max: 1024 });
  if (o.interOpNumThreads !== undefined) threads.interOpNumThreads = checkNumber('interOpNumThreads', o.interOpNumThreads, { integer: true, min: 0, max: 1024 });
  const softmaxOption: 'auto' | boolean =
    o.softmax === undefined || typeof o.softmax === 'boolean' ? o.softmax ?? 'auto' : checkChoice('softmax', o.softmax, ['auto'] as const);
  const batchOption = o.batchSize === undefined ? undefined : checkNumber('batchSize', o.batchSize, { integer: true, min: 1, max: 65536 });
  const inference: InferenceMode = o.inference === undefined ? DEFAULT_INFERENCE : checkChoice('inference', o.inference, ['main', 'worker'] as const);
  const labels = o.classNames === undefined ? undefined : await readClassNames(o.classNames);

  let bytes: Uint8Array;
  let what: string;
  if (typeof model === 'string') {
    what = model;
    try {
      // Read here rather than by onnxruntime, whose file errors do not always name the path.
      bytes = await fs.readFile(model);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `Model file not found: ${model}` : `Cannot read model file ${model}: ${(err as Error).message}`);
    }
  } else if (model instanceof Uint8Array) {
    what = `(${model.length} bytes)`;
    bytes = model;
  } else {
    throw typeError('model', 'a file path or the bytes of an ONNX model (Uint8Array)', model);
  }
  if (bytes.length === 0) throw new Error(`Cannot load ONNX model ${what}: it is empty`);

  const resolved: ResolvedModelOptions = { providers, threads, softmax: softmaxOption, batchSize: batchOption, labels };
  if (inference === 'worker') {
    threads.intraOpNumThreads ??= defaultWorkerIntraOpThreads();
    return WorkerModel.start(bytes, what, resolved);
  }
  return openModel(bytes, what, resolved);
}

/** Default of {@link LoadModelOptions.inference}. */
const DEFAULT_INFERENCE: InferenceMode = 'main';

/**
 * @internal Creates the session on the calling thread and wraps it: the main-thread model, and
 * what the worker (lib/model-worker.ts) runs.
 */
export async function openModel(bytes: Uint8Array, what: string, o: ResolvedModelOptions, warn: Warn = emitWarning): Promise<Model> {
  const { session, provider } = await createSession(bytes, what, o.providers, o.threads, warn);
  try {
    return new OnnxModel(session, provider, what, o.softmax, o.batchSize, o.labels);
  } catch (err) {
    await session.release();
    throw err;
  }
}

/**
 * Checks the arguments of {@link Model.run} against the model's input; returns `[height, width]`.
 * Shared by both threads, so a worker model throws the same errors before posting anything.
 */
function checkRunArgs(
  m: Pick<Model, 'inputType' | 'height' | 'width'>,
  what: string,
  data: unknown,
  count: unknown,
  size: unknown,
): { height: number; width: number; count: number } {
  const expectedType = m.inputType === 'float16' ? Uint16Array : Float32Array;
  if (!(data instanceof expectedType)) throw typeError('data', `a ${expectedType.name} (the model input is ${m.inputType})`, data);
  const n = checkNumber('count', count, { integer: true, min: 0 });
  let height = m.height;
  let width = m.width;
  if (size !== undefined) {
    if (!Array.isArray(size) || size.length !== 2) throw typeError('size', '[height, width]', size);
    const h = checkNumber('size[0]', size[0], { integer: true, min: 1 });
    const w = checkNumber('size[1]', size[1], { integer: true, min: 1 });
    if ((height !== undefined && h !== height) || (width !== undefined && w !== width))
      throw rangeError('size', `[${height ?? h}, ${width ?? w}] (the model's input size)`, `[${h}, ${w}]`);
    [height, width] = [h, w];
  }
  if (height === undefined || width === undefined) throw rangeError('size', `[height, width]: model ${what} has dynamic input height/width`, size);
  const perImage = 3 * height * width;
  if ((data as Float32Array | Uint16Array).length !== n * perImage)
    throw rangeError('data', `length ${n * perImage} (${n} images of 3 x ${height} x ${width})`, `length ${(data as Float32Array).length}`);
  return { height, width, count: n };
}

class OnnxModel implements Model {
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: InputDType;
  readonly layout: Layout;
  readonly height: number | undefined;
  readonly width: number | undefined;
  readonly batch: number | 'dynamic';
  readonly batchSize: number;
  readonly provider: ExecutionProvider;
  readonly inference = 'main';
  readonly sharedInput = false;
  private classCount: number | undefined;
  private labels: { names: string[]; from: string } | undefined;
  private softmaxDecision: boolean | undefined;
  private readonly softmaxOption: 'auto' | boolean;
  private readonly what: string;
  private counters: ModelStats = { runs: 0, samples: 0, inferMs: 0 };
  private session: ort.InferenceSession | undefined;

  constructor(
    session: ort.InferenceSession,
    provider: ExecutionProvider,
    what: string,
    softmax: 'auto' | boolean,
    batchOption: number | undefined,
    labels: { names: string[]; from: string } | undefined,
  ) {
    this.session = session;
    this.provider = provider;
    this.what = what;
    this.softmaxOption = softmax;
    this.softmaxDecision = softmax === 'auto' ? undefined : softmax;

    const inputs = metadata(session, 'input');
    if (inputs.length !== 1)
      throw new RangeError(`model input must be a single 4-D image tensor; model ${what} has ${inputs.length} inputs (${inputs.map((m) => m.name).join(', ')})`);
    const input = inputs[0] as TensorMeta;
    const shape = input.shape ?? [];
    const layout = !input.isTensor || shape.length !== 4 ? undefined : shape[1] === 3 ? 'nchw' : shape[3] === 3 ? 'nhwc' : undefined;
    if (layout === undefined)
      throw new RangeError(
        `model input must be a 4-D image tensor [N, 3, H, W] or [N, H, W, 3]; input "${input.name}" of model ${what} has shape ${input.isTensor ? shapeText(shape) : '(not a tensor)'}`,
      );
    if (input.type !== 'float32' && input.type !== 'float16')
      throw new RangeError(`model input must be float32 or float16; input "${input.name}" of model ${what} is ${input.type ?? 'of unknown type'}`);
    this.inputName = input.name;
    this.inputType = input.type;
    this.layout = layout;
    const [hDim, wDim] = layout === 'nchw' ? [shape[2], shape[3]] : [shape[1], shape[2]];
    this.height = typeof hDim === 'number' ? hDim : undefined;
    this.width = typeof wDim === 'number' ? wDim : undefined;
    this.batch = typeof shape[0] === 'number' ? shape[0] : 'dynamic';
    if (this.batch !== 'dynamic') {
      // An exported fixed batch (usually 1) cannot take any other count: runs are padded to it.
      if (batchOption !== undefined && batchOption !== this.batch)
        throw rangeError('batchSize', `${this.batch} (the model's fixed batch dimension) or nothing`, batchOption);
      this.batchSize = this.batch;
    } else {
      this.batchSize = batchOption ?? DEFAULT_BATCH_SIZE;
    }

    const output = metadata(session, 'output')[0];
    if (output === undefined) throw new Error(`Model ${what} has no output`);
    this.outputName = output.name;
    if (output.isTensor === false) throw new Error(`Model output "${output.name}" of ${what} is not a tensor`);
    const outShape = output.shape ?? [];
    if (outShape.length > 0) {
      if (!acceptedOutputShape(outShape))
        throw new Error(`Model output "${output.name}" of ${what} has shape ${shapeText(outShape)}; expected [N, classes] or [N, classes, 1, 1]`);
      if (outShape[1] === 0) throw noClasses(output.name, what, outShape);
      if (typeof outShape[1] === 'number') this.classCount = outShape[1];
    }
    if (output.type !== undefined && output.type !== 'float32' && output.type !== 'float16')
      throw new Error(`Model output "${output.name}" of ${what} is ${output.type}; expected float32 or float16 scores`);
    this.labels = labels;
    if (this.classCount !== undefined) this.checkLabels(this.classCount);
  }

  get classes(): number | undefined {
    return this.classCount;
  }

  get classNames(): readonly string[] | undefined {
    return this.labels?.names;
  }

  get softmax(): boolean | undefined {
    return this.softmaxDecision;
  }

  private checkLabels(classes: number): void {
    if (this.labels !== undefined && this.labels.names.length !== classes)
      throw new RangeError(`The ${this.labels.from} has ${this.labels.names.length} names but model ${this.what} has ${classes} classes`);
  }

  async run(data: Float32Array | Uint16Array, count: number, size?: readonly [number, number]): Promise<Float32Array> {
    const session = this.session;
    if (session === undefined) throw new Error(`Model ${this.what} has been disposed`);
    const expectedType = this.inputType === 'float16' ? Uint16Array : Float32Array;
    const { height, width } = checkRunArgs(this, this.what, data, count, size);
    const perImage = 3 * height * width;
    if (count === 0) return new Float32Array(0);
    // onnxruntime-node rejects tensors over SharedArrayBuffer memory ("Invalid argument"): copy.
    if (data.buffer instanceof SharedArrayBuffer) data = data.slice();

    const dims = (n: number) => (this.layout === 'nchw' ? [n, 3, height, width] : [n, height, width, 3]) as number[];
    const chunks: Float32Array[] = [];
    const fixed = this.batch !== 'dynamic';
    for (let start = 0; start < count; start += this.batchSize) {
      const n = Math.min(this.batchSize, count - start);
      let slice = data.subarray(start * perImage, (start + n) * perImage);
      const runN = fixed ? this.batchSize : n;
      if (runN > n) {
        // A fixed batch larger than what is left: pad with zeros and drop those rows after.
        const padded = new expectedType(runN * perImage);
        padded.set(slice);
        slice = padded;
      }
      // The Tensor wraps the subarray's memory (no copy); onnxruntime-node reads its byteOffset.
      const tensor = new ort.Tensor(this.inputType, slice, dims(runN));
      const t0 = performance.now();
      const result = await session.run({ [this.inputName]: tensor }, [this.outputName]);
      this.counters.inferMs += performance.now() - t0;
      this.counters.runs += 1;
      chunks.push(this.readOutput(result[this.outputName] as ort.Tensor, runN).subarray(0, n * (this.classCount as number)));
    }
    this.counters.samples += count;
    const classes = this.classCount as number;
    const out = new Float32Array(count * classes);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    this.postprocess(out, classes);
    return out;
  }

  /** Checks one output tensor and returns its values as float32, `[runN, classes]` row-major. */
  private readOutput(tensor: ort.Tensor, runN: number): Float32Array {
    const dims = tensor.dims;
    const ok = dims[0] === runN && (dims.length === 2 || (dims.length === 4 && dims[2] === 1 && dims[3] === 1));
    if (!ok)
      throw new Error(`Model output "${this.outputName}" has shape ${shapeText(dims)} for a batch of ${runN}; expected [${runN}, classes] or [${runN}, classes, 1, 1]`);
    const classes = dims[1] as number;
    if (classes === 0) throw noClasses(this.outputName, this.what, dims);
    if (this.classCount === undefined) {
      this.checkLabels(classes);
      this.classCount = classes;
    } else if (classes !== this.classCount) {
      throw new Error(`Model output "${this.outputName}" has ${classes} classes, earlier runs had ${this.classCount}`);
    }
    let values: Float32Array;
    if (tensor.type === 'float32') values = tensor.data as Float32Array;
    else if (tensor.type === 'float16') values = float16ToFloat32(tensor.data as Uint16Array);
    else throw new Error(`Model output "${this.outputName}" is ${tensor.type}; expected float32 or float16 scores`);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i] as number)) {
        const row = Math.floor(i / classes);
        throw new Error(
          `Model output "${this.outputName}" holds ${values[i]} (batch row ${row}, class ${i - row * classes}): the model produced non-finite scores`,
        );
      }
    }
    // Copy: the tensor's buffer belongs to onnxruntime and the caller keeps the result.
    return tensor.type === 'float32' ? Float32Array.from(values) : values;
  }

  /** Applies (or decides, then applies) softmax to every row in place. */
  private postprocess(out: Float32Array, classes: number): void {
    if (this.softmaxDecision === undefined) {
      const tolerance = this.outputIsHalf() ? 1e-2 : 1e-3;
      this.softmaxDecision = !allDistributions(out, classes, tolerance);
    }
    if (this.softmaxDecision) softmaxRows(out, classes);
  }

  private outputIsHalf(): boolean {
    const meta = this.session === undefined ? undefined : metadata(this.session, 'output')[0];
    return meta?.type === 'float16';
  }

  stats(): ModelStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = { runs: 0, samples: 0, inferMs: 0 };
  }

  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) await session.release();
  }
}

/** Every row in [0, 1] and summing to 1 within `tolerance`. */
function allDistributions(out: Float32Array, classes: number, tolerance: number): boolean {
  for (let row = 0; row < out.length; row += classes) {
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const v = out[row + k] as number;
      if (v < 0 || v > 1) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > tolerance) return false;
  }
  return true;
}

/** Numerically stable softmax of each row, in place (float64 accumulation). */
function softmaxRows(out: Float32Array, classes: number): void {
  const e = new Float64Array(classes);
  for (let row = 0; row < out.length; row += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, out[row + k] as number);
    let total = 0;
    for (let k = 0; k < classes; k++) {
      e[k] = Math.exp((out[row + k] as number) - max);
      total += e[k] as number;
    }
    for (let k = 0; k < classes; k++) out[row + k] = (e[k] as number) / total;
  }
}

// ---------------------------------------------------------------------------
// inference: 'worker' — the session in a worker thread (entry: lib/model-worker.ts)
// ---------------------------------------------------------------------------

/** @internal An Error as posted between threads. */
export interface PostedError {
  name: string;
  message: string;
  stack?: string;
}

/** @internal What the worker knows of its model, sent after load and with each reply. */
export interface PostedModelInfo {
  inputName: string;
  outputName: string;
  inputType: InputDType;
  layout: Layout;
  height: number | undefined;
  width: number | undefined;
  batch: number | 'dynamic';
  batchSize: number;
  classes: number | undefined;
  provider: ExecutionProvider;
  classNames: string[] | undefined;
  softmax: boolean | undefined;
}

/** @internal The worker's start data. */
export interface WorkerStart {
  bytes: Uint8Array;
  /** Flags shared with the main thread so the worker is never terminated inside onnxruntime (lib/worker-gate.ts). */
  gate: Gate;
  what: string;
  options: ResolvedModelOptions;
}

/** @internal Main thread → worker. */
export type ToWorker =
  | { type: 'run'; id: number; data: Float32Array | Uint16Array; count: number; size: [number, number] }
  | { type: 'dispose' };

/** @internal Worker → main thread. `stats` are the worker model's counters since load. */
export type FromWorker =
  | { type: 'ready'; info: PostedModelInfo }
  | { type: 'load-failed'; error: PostedError }
  | { type: 'warning'; message: string }
  | { type: 'result'; id: number; out: Float32Array; stats: ModelStats; classes: number | undefined; softmax: boolean | undefined }
  | { type: 'failed'; id: number; error: PostedError; stats: ModelStats; classes: number | undefined; softmax: boolean | undefined }
  | { type: 'disposed' };

/** @internal Flattens an error for postMessage. */
export function postError(err: unknown): PostedError {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** Rebuilds a posted error with its original class (Error, TypeError, RangeError) and message. */
function revive(e: PostedError): Error {
  const Ctor = e.name === 'TypeError' ? TypeError : e.name === 'RangeError' ? RangeError : Error;
  const err = new Ctor(e.message);
  if (err.name !== e.name) err.name = e.name;
  if (e.stack !== undefined) err.stack = `${e.stack}\n    at (limeshap model worker)`;
  return err;
}

/** @internal Snapshot of a model's properties, for the main-thread proxy. */
export function modelInfo(m: Model): PostedModelInfo {
  return {
    inputName: m.inputName,
    outputName: m.outputName,
    inputType: m.inputType,
    layout: m.layout,
    height: m.height,
    width: m.width,
    batch: m.batch,
    batchSize: m.batchSize,
    classes: m.classes,
    provider: m.provider,
    classNames: m.classNames === undefined ? undefined : [...m.classNames],
    softmax: m.softmax,
  };
}

/** The worker's entry script, beside this module (dist/lib/model-worker.js once compiled). */
function workerEntry(): string {
  return path.join(__dirname, `model-worker${path.extname(__filename) || '.js'}`);
}

interface PendingRun {
  resolve(y: Float32Array): void;
  reject(err: Error): void;
}

/** The main-thread face of a model whose session lives in a worker thread. */
class WorkerModel implements Model {
  readonly inference = 'worker';
  readonly sharedInput = true;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: InputDType;
  readonly layout: Layout;
  readonly height: number | undefined;
  readonly width: number | undefined;
  readonly batch: number | 'dynamic';
  readonly batchSize: number;
  readonly provider: ExecutionProvider;
  readonly classNames: readonly string[] | undefined;
  private classCount: number | undefined;
  private softmaxDecision: boolean | undefined;
  /** The worker's counters since load, and those at the last resetStats. */
  private latest: ModelStats = { runs: 0, samples: 0, inferMs: 0 };
  private base: ModelStats = { runs: 0, samples: 0, inferMs: 0 };
  private readonly pending = new Map<number, PendingRun>();
  private nextId = 0;
  /** Set once the worker is gone: the error every later run rejects with. */
  private dead: Error | undefined;
  private disposing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly gate: Gate,
    private readonly what: string,
    info: PostedModelInfo,
  ) {
    this.inputName = info.inputName;
    this.outputName = info.outputName;
    this.inputType = info.inputType;
    this.layout = info.layout;
    this.height = info.height;
    this.width = info.width;
    this.batch = info.batch;
    this.batchSize = info.batchSize;
    this.provider = info.provider;
    this.classNames = info.classNames;
    this.classCount = info.classes;
    this.softmaxDecision = info.softmax;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.die(new Error(`The model worker of ${what} crashed: ${err.message}`)));
    worker.on('messageerror', (err) => this.die(new Error(`The model worker of ${what} sent an unreadable message: ${err.message}`)));
    worker.on('exit', (code) => this.die(new Error(`The model worker of ${what} exited unexpectedly (exit code ${code})`)));
    // An idle worker does not keep the process alive (as an idle main-thread session does not).
    worker.unref();
  }

  /** Starts the worker and waits for its session. */
  static start(bytes: Uint8Array, what: string, options: ResolvedModelOptions): Promise<Model> {
    const gate = createGate();
    const start: WorkerStart = { bytes, gate, what, options };
    return new Promise<Model>((resolve, reject) => {
      let worker: Worker;
      try {
        worker = new Worker(workerEntry(), { workerData: start });
      } catch (err) {
        reject(new Error(`Cannot start the model worker (${workerEntry()}): ${(err as Error).message}`));
        return;
      }
      // From now on a process exit waits for the worker to leave onnxruntime (it may be creating the
      // session) before Node terminates it.
      watchGate(gate);
      worker.once('exit', () => unwatchGate(gate));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (m: FromWorker) => {
        if (m.type === 'warning') emitWarning(m.message);
        else if (m.type === 'ready') {
          cleanup();
          resolve(new WorkerModel(worker, gate, what, m.info));
        } else if (m.type === 'load-failed') {
          cleanup();
          void closeGate(gate).then(() => worker.terminate());
          reject(revive(m.error));
        }
      };
      const onError = (err: Error) => {
        cleanup();
        void closeGate(gate).then(() => worker.terminate());
        reject(new Error(`The model worker of ${what} crashed while loading: ${err.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`The model worker of ${what} exited while loading (exit code ${code})`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  get classes(): number | undefined {
    return this.classCount;
  }

  get softmax(): boolean | undefined {
    return this.softmaxDecision;
  }

  async run(data: Float32Array | Uint16Array, count: number, size?: readonly [number, number]): Promise<Float32Array> {
    if (this.disposing !== undefined) throw new Error(`Model ${this.what} has been disposed`);
    if (this.dead !== undefined) throw new Error(this.dead.message);
    const { height, width } = checkRunArgs(this, this.what, data, count, size);
    if (count === 0) return new Float32Array(0);
    const id = this.nextId++;
    // SAB-backed input is shared with the worker; anything else is copied once (only the view:
    // cloning a view would copy its whole underlying buffer) and the copy transferred.
    const shared = data.buffer instanceof SharedArrayBuffer;
    const payload = shared ? data : data.slice();
    const message: ToWorker = { type: 'run', id, data: payload, count, size: [height, width] };
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      try {
        this.worker.postMessage(message, shared ? [] : [payload.buffer as ArrayBuffer]);
      } catch (err) {
        this.settle(id)?.reject(err as Error);
      }
    });
  }

  private settle(id: number): PendingRun | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    return p;
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'warning':
        emitWarning(m.message);
        return;
      case 'result':
      case 'failed':
        this.latest = m.stats;
        this.classCount = m.classes;
        this.softmaxDecision = m.softmax;
        if (m.type === 'result') this.settle(m.id)?.resolve(m.out);
        else this.settle(m.id)?.reject(revive(m.error));
        return;
      default:
        return;
    }
  }

  /** The worker is gone: every pending and later run rejects. */
  private die(err: Error): void {
    if (this.dead !== undefined) return;
    this.dead = this.disposing !== undefined ? new Error(`Model ${this.what} has been disposed`) : err;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new Error(this.dead.message));
  }

  stats(): ModelStats {
    return { runs: this.latest.runs - this.base.runs, samples: this.latest.samples - this.base.samples, inferMs: this.latest.inferMs - this.base.inferMs };
  }

  resetStats(): void {
    this.base = { ...this.latest };
  }

  /**
   * Rejects pending runs, releases the session in the worker (waiting at most 5 s for it), waits
   * for a batch still inside onnxruntime to finish (lib/worker-gate.ts: terminating the worker there
   * would abort the process), then terminates the worker.
   */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      const gone = new Error(`Model ${this.what} has been disposed`);
      for (const id of [...this.pending.keys()]) this.settle(id)?.reject(gone);
      // Queued runs in the worker now fail at once instead of starting.
      const drained = closeGate(this.gate);
      if (this.dead === undefined) {
        this.worker.ref();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          const done = () => {
            clearTimeout(timer);
            resolve();
          };
          this.worker.on('message', (m: FromWorker) => m.type === 'disposed' && done());
          this.worker.once('exit', done);
          try {
            this.worker.postMessage({ type: 'dispose' } satisfies ToWorker);
          } catch {
            done();
          }
        });
      }
      this.dead ??= gone;
      await drained;
      await this.worker.terminate();
    })();
    return this.disposing;
  }
}
