// SPDX-License-Identifier: MIT
/**
 * The onnxruntime session: the ONLY module that imports onnxruntime-node, so the runtime's quirks
 * (metadata, float16 as Uint16Array, execution-provider fallback, a synchronous `run`) stay in one
 * place.
 *
 * Inference blocks the event loop: onnxruntime-node's `session.run()` defers to `setImmediate` and
 * then runs the whole batch synchronously on the calling thread (onnxruntime issues #19611, #26968).
 * {@link Model.run} therefore feeds the model a few large batches rather than many small ones, and
 * `inference: 'worker'` moves the session into a worker thread (worker-entry.ts, which opens it
 * through {@link openModel} too).
 */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { float16ToFloat32 } from '../preprocess';
import { rangeError } from '../validate';
import { DescribedModel } from './info';
import type { ResolvedModelOptions } from './load';
import { acceptedOutputShape, applySoftmax, checkFinite, checkOutputDims, noClasses, shapeText } from './output';
import { channelLayout } from './channel-layout';
import { checkRunArgs } from './run-args';
import {
  DEFAULT_BATCH_SIZE,
  MAX_MODEL_CHANNELS,
  type CompositingGraph,
  type ExecutionProvider,
  type GraphBatch,
  type GraphOutput,
  type GraphSession,
  type GraphInputNames,
  type Model,
  type ModelInfo,
  type ModelStats,
} from './types';
import { emitWarning, type Warn } from './warnings';

type TensorMeta = { name: string; isTensor: boolean; type?: string; shape?: readonly (number | string)[] };
/** Reads the session's I/O metadata (onnxruntime-node >= 1.21); older versions only give names. */
function metadata(session: ort.InferenceSession, which: 'input' | 'output'): TensorMeta[] {
  const names = which === 'input' ? session.inputNames : session.outputNames;
  const meta = (session as unknown as Record<string, unknown>)[`${which}Metadata`];
  if (Array.isArray(meta) && meta.length === names.length) return meta as TensorMeta[];
  // Without metadata the layout cannot be told; treat every value as a tensor of unknown shape.
  return names.map((name) => ({ name, isTensor: true }));
}

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
    ort.InferenceSession.create(bytes, {
      ...threads,
      executionProviders: [...eps],
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  const fail = (err: unknown) => new Error(`Cannot load ONNX model ${what}: ${(err as Error).message}`);
  if (providers[0] === 'cuda') {
    try {
      // onnxruntime does not fall back by itself: a missing CUDA provider fails session creation.
      return { session: await create(providers), provider: 'cuda' };
    } catch (err) {
      if (!providers.includes('cpu'))
        throw new Error(`CUDA execution provider unavailable for ${what}: ${(err as Error).message}`, { cause: err });
      warn(`CUDA execution provider unavailable (${(err as Error).message.split('\n')[0]}); using CPU`);
    }
  }
  try {
    return { session: await create(['cpu']), provider: 'cpu' };
  } catch (err) {
    throw fail(err);
  }
}

/** @internal Opens a {@link GraphSession} on `bytes` with the given providers (CUDA falling back to CPU) and threads. */
export async function openGraphSession(
  bytes: Uint8Array,
  what: string,
  providers: readonly ExecutionProvider[] = ['cpu'],
  threads: ResolvedModelOptions['threads'] = {},
  warn: Warn = emitWarning,
): Promise<GraphSession> {
  const { session } = await createSession(bytes, what, providers, threads, warn);
  return {
    async run(feeds, outputs) {
      const input: Record<string, ort.Tensor> = {};
      for (const [name, f] of Object.entries(feeds)) input[name] = new ort.Tensor(f.type, f.data, [...f.dims]);
      const result = await session.run(input, [...outputs]);
      const out: Record<string, GraphOutput> = {};
      for (const name of outputs) {
        const t = result[name] as ort.Tensor;
        // A copy: the tensor's memory belongs to onnxruntime.
        out[name] = { data: (t.data as GraphOutput['data']).slice(), dims: [...t.dims] };
      }
      return out;
    },
    release: () => session.release(),
  };
}

/**
 * @internal Creates the session on the calling thread and wraps it: the main-thread model, and
 * what the worker (worker-entry.ts) runs.
 */
export async function openModel(bytes: Uint8Array, what: string, o: ResolvedModelOptions, warn: Warn = emitWarning): Promise<Model> {
  const { session, provider } = await createSession(bytes, what, o.providers, o.threads, warn);
  try {
    return new OnnxModel(session, what, o, warn, describeSession(session, provider, what, o.batchSize, o.labels));
  } catch (err) {
    await session.release();
    throw err;
  }
}

/**
 * Checks that the session is an image classifier (one 4-D float32/float16 input with a fixed
 * channel dimension, 3 for RGB: see channelLayout; a first output of shape [N, K] or [N, K, 1, 1])
 * and describes it.
 */
function describeSession(
  session: ort.InferenceSession,
  provider: ExecutionProvider,
  what: string,
  batchOption: number | undefined,
  labels: { names: string[] } | undefined,
): { info: ModelInfo; classes: number | undefined } {
  const inputs = metadata(session, 'input');
  if (inputs.length !== 1)
    throw new RangeError(
      `model input must be a single 4-D image tensor; model ${what} has ${inputs.length} inputs (${inputs.map((m) => m.name).join(', ')})`,
    );
  const input = inputs[0] as TensorMeta;
  const shape = input.shape ?? [];
  const layout = !input.isTensor || shape.length !== 4 ? undefined : channelLayout(shape);
  if (layout === undefined)
    throw new RangeError(
      `model input must be a 4-D image tensor [N, C, H, W] or [N, H, W, C] with a fixed C from 1 to ${MAX_MODEL_CHANNELS} (3 for RGB); input "${input.name}" of model ${what} has shape ${input.isTensor ? shapeText(shape) : '(not a tensor)'}`,
    );
  const channels = (layout === 'nchw' ? shape[1] : shape[3]) as number;
  if (input.type !== 'float32' && input.type !== 'float16')
    throw new RangeError(
      `model input must be float32 or float16; input "${input.name}" of model ${what} is ${input.type ?? 'of unknown type'}`,
    );
  const batch = typeof shape[0] === 'number' ? shape[0] : 'dynamic';
  // An exported fixed batch (usually 1) cannot take any other count: runs are padded to it.
  if (batch !== 'dynamic' && batchOption !== undefined && batchOption !== batch)
    throw rangeError('batchSize', `${batch} (the model's fixed batch dimension) or nothing`, batchOption);

  const output = metadata(session, 'output')[0];
  if (output === undefined) throw new Error(`Model ${what} has no output`);
  if (output.isTensor === false) throw new Error(`Model output "${output.name}" of ${what} is not a tensor`);
  const outShape = output.shape ?? [];
  if (outShape.length > 0) {
    if (!acceptedOutputShape(outShape))
      throw new Error(
        `Model output "${output.name}" of ${what} has shape ${shapeText(outShape)}; expected [N, classes] or [N, classes, 1, 1]`,
      );
    if (outShape[1] === 0) throw noClasses(output.name, what, outShape);
  }
  if (output.type !== undefined && output.type !== 'float32' && output.type !== 'float16')
    throw new Error(`Model output "${output.name}" of ${what} is ${output.type}; expected float32 or float16 scores`);
  const [hDim, wDim] = layout === 'nchw' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  const info: ModelInfo = {
    inputName: input.name,
    outputName: output.name,
    inputType: input.type,
    layout,
    channels,
    height: typeof hDim === 'number' ? hDim : undefined,
    width: typeof wDim === 'number' ? wDim : undefined,
    batch,
    batchSize: batch !== 'dynamic' ? batch : (batchOption ?? DEFAULT_BATCH_SIZE),
    provider,
    classNames: labels?.names,
  };
  return { info, classes: typeof outShape[1] === 'number' ? outShape[1] : undefined };
}

/** The main-thread model: an onnxruntime session of a checked image classifier. */
class OnnxModel extends DescribedModel implements Model {
  /** Always an onnxruntime provider ('function' is a predict function's). */
  declare readonly provider: ExecutionProvider;
  readonly inference = 'main';
  readonly sharedInput = false;
  private counters: ModelStats = { runs: 0, samples: 0, inferMs: 0 };
  private session: ort.InferenceSession | undefined;
  /** The rewritten model of `compositing: 'graph'`, once loaded. */
  private graph: { session: ort.InferenceSession; inputs: GraphInputNames } | undefined;
  private readonly labels: { names: string[]; from: string } | undefined;

  constructor(
    session: ort.InferenceSession,
    private readonly what: string,
    private readonly options: ResolvedModelOptions,
    private readonly warn: Warn,
    described: { info: ModelInfo; classes: number | undefined },
  ) {
    super(described.info, described.classes, options.softmax === 'auto' ? undefined : options.softmax);
    this.session = session;
    this.labels = options.labels;
    if (this.classCount !== undefined) this.checkLabels(this.classCount);
  }

  async openSession(bytes: Uint8Array, what: string): Promise<GraphSession> {
    if (this.session === undefined) throw new Error(`Model ${this.what} has been disposed`);
    // The provider this model actually got (after any CUDA fallback), and its threads.
    return openGraphSession(bytes, `${this.what} (${what})`, [this.provider], this.options.threads, this.warn);
  }

  async loadCompositingGraph(bytes: Uint8Array, inputs: GraphInputNames): Promise<CompositingGraph> {
    if (this.session === undefined) throw new Error(`Model ${this.what} has been disposed`);
    // The provider this model actually got (after any CUDA fallback), so both sessions agree.
    const { session } = await createSession(bytes, `${this.what} (compositing graph)`, [this.provider], this.options.threads, this.warn);
    if (this.session === undefined) {
      await session.release();
      throw new Error(`Model ${this.what} has been disposed`);
    }
    await this.graph?.session.release();
    this.graph = { session, inputs };
    return { run: (batch) => this.runGraph(batch) };
  }

  /**
   * One image's masks through the compositing graph. The image, background and labels go with
   * every run: onnxruntime-node has no I/O binding, so an input cannot stay on the device between
   * runs (inputs are CPU tensors, copied to the provider by each run).
   */
  private async runGraph(b: GraphBatch): Promise<Float32Array> {
    const graph = this.graph;
    if (graph === undefined || this.session === undefined) throw new Error(`Model ${this.what} has been disposed`);
    const { inputs } = graph;
    const constant = {
      [inputs.labels]: new ort.Tensor('uint8', b.labels, [b.labels.length / (b.height * b.width), b.height * b.width]),
      [inputs.image]: new ort.Tensor('uint8', b.image, [b.height, b.width, 3]),
      [inputs.background]: new ort.Tensor('uint8', b.background, [b.height, b.width, 3]),
    };
    return this.runChunks(graph.session, b.count, (start, n, runN) => {
      let masks = b.masks.subarray(start * b.segments, (start + n) * b.segments);
      if (runN > n) {
        // A fixed batch larger than what is left: pad with all-hidden masks, dropped after.
        const padded = new Uint8Array(runN * b.segments);
        padded.set(masks);
        masks = padded;
      }
      return { ...constant, [inputs.masks]: new ort.Tensor('uint8', masks, [runN, b.segments]) };
    });
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
    const C = this.channels ?? 3;
    const perImage = C * height * width;
    if (count === 0) return new Float32Array(0);
    // onnxruntime-node rejects tensors over SharedArrayBuffer memory ("Invalid argument"): copy.
    if (data.buffer instanceof SharedArrayBuffer) data = data.slice();

    const dims = (n: number) => (this.layout === 'nchw' ? [n, C, height, width] : [n, height, width, C]) as number[];
    const input = data;
    return this.runChunks(session, count, (start, n, runN) => {
      let slice = input.subarray(start * perImage, (start + n) * perImage);
      if (runN > n) {
        // A fixed batch larger than what is left: pad with zeros and drop those rows after.
        const padded = new expectedType(runN * perImage);
        padded.set(slice);
        slice = padded;
      }
      // The Tensor wraps the subarray's memory (no copy); onnxruntime-node reads its byteOffset.
      return { [this.inputName]: new ort.Tensor(this.inputType, slice, dims(runN)) };
    });
  }

  /**
   * Runs `count` samples in runs of the batch size (fixed-batch models: every run that size, the
   * feeds padded by `feeds`), checks and gathers the outputs, applies softmax: the one output path
   * of {@link run} and of the compositing graph.
   */
  private async runChunks(
    session: ort.InferenceSession,
    count: number,
    feeds: (start: number, n: number, runN: number) => ort.InferenceSession.FeedsType,
  ): Promise<Float32Array> {
    if (count === 0) return new Float32Array(0);
    const chunks: Float32Array[] = [];
    const fixed = this.batch !== 'dynamic';
    for (let start = 0; start < count; start += this.batchSize) {
      const n = Math.min(this.batchSize, count - start);
      const runN = fixed ? this.batchSize : n;
      const input = feeds(start, n, runN);
      const t0 = performance.now();
      const result = await session.run(input, [this.outputName]);
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
    const classes = checkOutputDims(dims, runN, this.outputName, this.what);
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
    checkFinite(values, classes, this.outputName);
    // Copy: the tensor's buffer belongs to onnxruntime and the caller keeps the result.
    return tensor.type === 'float32' ? Float32Array.from(values) : values;
  }

  /** Applies (or decides, then applies) softmax to every row in place. */
  private postprocess(out: Float32Array, classes: number): void {
    // The tolerance matters only while undecided: the output's metadata is read only then.
    const tolerance = this.softmaxDecision === undefined && this.outputIsHalf() ? 1e-2 : 1e-3;
    this.softmaxDecision = applySoftmax(out, classes, this.softmaxDecision, tolerance);
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
    const graph = this.graph;
    this.session = undefined;
    this.graph = undefined;
    if (session !== undefined) await session.release();
    if (graph !== undefined) await graph.session.release();
  }
}
