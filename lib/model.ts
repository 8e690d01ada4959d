// SPDX-License-Identifier: MIT
/**
 * ONNX image classifiers through onnxruntime-node. This is the ONLY module that imports
 * onnxruntime-node, so the runtime's quirks (metadata, float16 as Uint16Array, execution-provider
 * fallback, a synchronous `run`) stay in one place.
 *
 * Inference blocks the event loop: onnxruntime-node's `session.run()` defers to `setImmediate` and
 * then runs the whole batch synchronously on the main thread (onnxruntime issues #19611, #26968).
 * {@link Model.run} therefore feeds the model a few large batches rather than many small ones.
 */
import * as fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { float16ToFloat32, type InputDType, type Layout } from './preprocess';
import { checkChoice, checkNumber, checkOptions, rangeError, typeError } from './validate';

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
}

/** Inference counters since load or {@link Model.resetStats}. */
export interface ModelStats {
  /** Calls to `session.run`. */
  runs: number;
  /** Images classified (padding excluded). */
  samples: number;
  /** Milliseconds spent in `session.run` (blocking the event loop), summed. */
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

/** Creates the session, falling back from CUDA to CPU when CUDA cannot be loaded. */
async function createSession(
  bytes: Uint8Array,
  what: string,
  providers: readonly ExecutionProvider[],
  threads: Pick<ort.InferenceSession.SessionOptions, 'intraOpNumThreads' | 'interOpNumThreads'>,
): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider }> {
  const create = (eps: readonly ExecutionProvider[]) => ort.InferenceSession.create(bytes, { ...threads, executionProviders: [...eps] });
  const fail = (err: unknown) => new Error(`Cannot load ONNX model ${what}: ${(err as Error).message}`);
  if (providers[0] === 'cuda') {
    try {
      // onnxruntime does not fall back by itself: a missing CUDA provider fails session creation.
      return { session: await create(providers), provider: 'cuda' };
    } catch (err) {
      if (!providers.includes('cpu')) throw new Error(`CUDA execution provider unavailable for ${what}: ${(err as Error).message}`);
      process.emitWarning(`CUDA execution provider unavailable (${(err as Error).message.split('\n')[0]}); using CPU`, 'LimeshapWarning');
    }
  }
  try {
    return { session: await create(['cpu']), provider: 'cpu' };
  } catch (err) {
    throw fail(err);
  }
}

/**
 * Loads an ONNX image classifier and checks that it is one: a single 4-D float32/float16 input with
 * a channel dimension of 3 (`[N, 3, H, W]` → NCHW, `[N, H, W, 3]` → NHWC), and a first output of
 * shape `[N, K]` or `[N, K, 1, 1]`.
 *
 * @param model - path of a `.onnx` file, or its bytes.
 * @param options - see {@link LoadModelOptions} (defaults: CPU, onnxruntime's thread counts,
 *   softmax `'auto'`, batch size {@link DEFAULT_BATCH_SIZE}).
 * @returns the model, ready to {@link Model.run}.
 * @throws TypeError / RangeError for bad options; Error naming the path for an unreadable file or
 *   bytes onnxruntime rejects; RangeError when the input is not a 4-D image tensor (or not
 *   float32/float16, or the model has several inputs); Error for an output of another shape;
 *   RangeError naming the file and both counts when `classNames` does not match the class count.
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
  ]) as LoadModelOptions;
  let providers: readonly ExecutionProvider[] = ['cpu'];
  if (o.executionProviders !== undefined) {
    if (!Array.isArray(o.executionProviders)) throw typeError('executionProviders', "an array of 'cpu' / 'cuda'", o.executionProviders);
    if (o.executionProviders.length === 0) throw rangeError('executionProviders', 'at least one provider', o.executionProviders);
    providers = o.executionProviders.map((p, i) => checkChoice(`executionProviders[${i}]`, p, EXECUTION_PROVIDERS));
  }
  const threads: Pick<ort.InferenceSession.SessionOptions, 'intraOpNumThreads' | 'interOpNumThreads'> = {};
  if (o.intraOpNumThreads !== undefined) threads.intraOpNumThreads = checkNumber('intraOpNumThreads', o.intraOpNumThreads, { integer: true, min: 0, max: 1024 });
  if (o.interOpNumThreads !== undefined) threads.interOpNumThreads = checkNumber('interOpNumThreads', o.interOpNumThreads, { integer: true, min: 0, max: 1024 });
  const softmaxOption: 'auto' | boolean =
    o.softmax === undefined || typeof o.softmax === 'boolean' ? o.softmax ?? 'auto' : checkChoice('softmax', o.softmax, ['auto'] as const);
  const batchOption = o.batchSize === undefined ? undefined : checkNumber('batchSize', o.batchSize, { integer: true, min: 1, max: 65536 });
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

  const { session, provider } = await createSession(bytes, what, providers, threads);
  try {
    return new OnnxModel(session, provider, what, softmaxOption, batchOption, labels);
  } catch (err) {
    await session.release();
    throw err;
  }
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
    if (!(data instanceof expectedType))
      throw typeError('data', `a ${expectedType.name} (the model input is ${this.inputType})`, data);
    checkNumber('count', count, { integer: true, min: 0 });
    let height = this.height;
    let width = this.width;
    if (size !== undefined) {
      if (!Array.isArray(size) || size.length !== 2) throw typeError('size', '[height, width]', size);
      const h = checkNumber('size[0]', size[0], { integer: true, min: 1 });
      const w = checkNumber('size[1]', size[1], { integer: true, min: 1 });
      if ((height !== undefined && h !== height) || (width !== undefined && w !== width))
        throw rangeError('size', `[${height ?? h}, ${width ?? w}] (the model's input size)`, `[${h}, ${w}]`);
      [height, width] = [h, w];
    }
    if (height === undefined || width === undefined)
      throw rangeError('size', `[height, width]: model ${this.what} has dynamic input height/width`, size);
    const perImage = 3 * height * width;
    if (data.length !== count * perImage)
      throw rangeError('data', `length ${count * perImage} (${count} images of 3 x ${height} x ${width})`, `length ${data.length}`);
    if (count === 0) return new Float32Array(0);

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
