// SPDX-License-Identifier: MIT
/**
 * The linear family of glass-box image classifiers (affine logits, optionally softmaxed, NaN,
 * or malformed on purpose), whose LIME coefficients and Shapley values are known in closed form.
 *
 * @packageDocumentation
 */
import { buildModel } from './build';
import {
  CHANNELS,
  INPUT_NAME,
  batchDim,
  buildImageModel,
  imageDims,
  resolveImageOptions,
  toNchw64,
  type GlassBoxModel,
  type ImageModelOptions,
  type ModelBody,
} from './image';

/** A model whose scores are affine in the input (before any softmax). */
export interface LinearGlassBoxModel extends GlassBoxModel {
  /** `classes × 3·H·W`, row-major, columns in NCHW-flattened order (`c·H·W + y·W + x`). */
  readonly weights: Float32Array;
  /** One per class. */
  readonly bias: Float32Array;
}

/** Deterministic uniform [0, 1) generator (mulberry32), so default weights are reproducible from a seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link linearModel} and the models derived from it. */
export interface LinearModelOptions extends ImageModelOptions {
  /** Number of output scores. Keep it small: the weights take `classes·3·H·W·4` bytes. */
  readonly classes: number;
  /** `classes × 3·H·W`, row-major over the NCHW-flattened input. Default: seeded uniform in ±2/√(3HW). */
  readonly weights?: Float32Array;
  /** One per class. Default: seeded uniform in ±0.5. */
  readonly bias?: Float32Array;
  /** Seed of the default weights and bias. Default 1. */
  readonly seed?: number;
}

interface LinearParams {
  readonly classes: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

function linearParams(opts: LinearModelOptions, features: number): LinearParams {
  const { classes } = opts;
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  const random = mulberry32(opts.seed ?? 1);
  const scale = 2 / Math.sqrt(features);
  const weights = opts.weights ?? Float32Array.from({ length: classes * features }, () => (2 * random() - 1) * scale);
  const bias = opts.bias ?? Float32Array.from({ length: classes }, () => random() - 0.5);
  if (weights.length !== classes * features) {
    throw new RangeError(`weights must hold classes × 3·H·W = ${classes * features} values, got ${weights.length}`);
  }
  if (bias.length !== classes) throw new RangeError(`bias must hold ${classes} values, got ${bias.length}`);
  return { classes, weights, bias };
}

/**
 * Nodes for `result = Flatten(x) · Wᵀ + b`. `W` is stored transposed
 * (`[features, classes]`) because MatMul multiplies `[N, F] × [F, K]`.
 */
function linearBody(p: LinearParams, x: string, result: string): ModelBody {
  const features = p.weights.length / p.classes;
  const transposed = new Float32Array(p.weights.length);
  for (let k = 0; k < p.classes; k++) {
    for (let i = 0; i < features; i++) transposed[i * p.classes + k] = p.weights[k * features + i] as number;
  }
  return {
    nodes: [
      { op: 'Flatten', inputs: [x], outputs: ['flat'], attributes: { axis: { int: 1 } } },
      { op: 'MatMul', inputs: ['flat', 'W'], outputs: ['xw'] },
      { op: 'Add', inputs: ['xw', 'b'], outputs: [result] },
    ],
    initializers: [
      { name: 'W', type: 'float32', dims: [features, p.classes], data: transposed },
      { name: 'b', type: 'float32', dims: [p.classes], data: p.bias },
    ],
  };
}

/** `bias[k] + Σ_i W[k,i]·x[n,i]` in float64, `x` already flattened. */
function linearReference(p: LinearParams, x: Float64Array, batch: number): Float64Array {
  const features = p.weights.length / p.classes;
  const out = new Float64Array(batch * p.classes);
  for (let n = 0; n < batch; n++) {
    for (let k = 0; k < p.classes; k++) {
      let sum = p.bias[k] as number;
      for (let i = 0; i < features; i++) sum += (p.weights[k * features + i] as number) * (x[n * features + i] as number);
      out[n * p.classes + k] = sum;
    }
  }
  return out;
}

/**
 * Shared by the linear family: the linear logits, optionally fed to `head`
 * (which writes `result`), with `finish` mirroring `head` in the reference.
 */
function linearImageModel(
  opts: LinearModelOptions,
  outputName: string,
  outputTail: (classes: number) => readonly number[],
  finish: (logits: Float64Array) => Float64Array,
  head?: (logits: string, result: string) => ModelBody,
): LinearGlassBoxModel {
  const o = resolveImageOptions(opts);
  const p = linearParams(opts, CHANNELS * o.height * o.width);
  const bytes = buildImageModel(o, outputName, outputTail(p.classes), (x, result) => {
    if (head === undefined) return linearBody(p, x, result);
    const extra = head('logits_raw', result);
    const linear = linearBody(p, x, 'logits_raw');
    return { nodes: [...linear.nodes, ...extra.nodes], initializers: [...linear.initializers, ...extra.initializers] };
  });
  return {
    bytes,
    inputName: INPUT_NAME,
    outputName,
    inputType: o.inputType,
    outputType: o.outputType,
    classes: p.classes,
    weights: p.weights,
    bias: p.bias,
    inputShape: (batch) => imageDims(o, batch),
    reference: (input, batch) => finish(linearReference(p, toNchw64(o, input, batch), batch)),
  };
}

/**
 * Linear classifier over the whole image:
 *
 * `logits[n, k] = bias[k] + Σ_i W[k, i] · x[n, i]`
 *
 * where `x[n, i]` is sample `n` flattened in NCHW order, `i = c·H·W + y·W + x`,
 * whatever the input layout (an NHWC input is transposed to NCHW first).
 * Graph: [Cast] → [Transpose] → Flatten → MatMul → Add → [Cast]; input
 * `input`, output `logits` `[N, classes]`.
 *
 * For LIME with superpixels switched between the image and a baseline, the
 * model is exactly affine in the on/off mask, so an unregularized LIME fit
 * recovers coefficient `Σ_{i∈s} W[k, i]·(image[i] − baseline[i])` for
 * superpixel `s` and class `k`; that is also its exact Shapley value.
 */
export function linearModel(opts: LinearModelOptions): LinearGlassBoxModel {
  return linearImageModel(
    opts,
    'logits',
    (k) => [k],
    (logits) => logits,
  );
}

/**
 * {@link linearModel} with half-precision input and (by default) output:
 * `input` is float16, cast to float32 inside the graph, and the float32 logits
 * are cast back to float16 unless `outputType: 'float32'`. `reference` takes
 * the fp16 bit patterns and returns the unrounded float64 logits, so compare
 * float16 outputs to about 1e-3 relative.
 */
export function float16Model(opts: LinearModelOptions): LinearGlassBoxModel {
  return linearModel({ ...opts, inputType: opts.inputType ?? 'float16' });
}

/**
 * {@link linearModel} followed by a softmax over classes:
 *
 * `probabilities[n, k] = exp(z[n, k]) / Σ_j exp(z[n, j])`, with `z` the linear logits.
 *
 * Output `probabilities` `[N, classes]`; each row sums to 1.
 */
export function softmaxModel(opts: LinearModelOptions): LinearGlassBoxModel {
  return linearImageModel(
    opts,
    'probabilities',
    (k) => [k],
    (logits) => softmaxRows(logits, opts.classes),
    (logits, result) => ({
      nodes: [{ op: 'Softmax', inputs: [logits], outputs: [result], attributes: { axis: { int: 1 } } }],
      initializers: [],
    }),
  );
}

function softmaxRows(logits: Float64Array, classes: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let row = 0; row < logits.length; row += classes) {
    const slice = logits.subarray(row, row + classes);
    const max = Math.max(...slice);
    let total = 0;
    slice.forEach((z, k) => {
      out[row + k] = Math.exp(z - max);
      total += out[row + k] as number;
    });
    for (let k = 0; k < classes; k++) out[row + k] = (out[row + k] as number) / total;
  }
  return out;
}

/** Options of {@link nanModel}. */
export interface NanModelOptions extends Omit<LinearModelOptions, 'bias'> {
  /** Classes whose score is NaN. Default: all of them. */
  readonly nanClasses?: readonly number[];
}

/**
 * {@link linearModel} whose bias is NaN for `nanClasses` (default all), so
 * `logits[n, k]` is NaN for those classes on every input (NaN + finite = NaN),
 * and the linear formula (with a zero bias) elsewhere. Output `logits`.
 */
export function nanModel(opts: NanModelOptions): LinearGlassBoxModel {
  const bias = new Float32Array(opts.classes);
  for (const k of opts.nanClasses ?? bias.keys()) {
    if (!Number.isInteger(k) || k < 0 || k >= opts.classes) throw new RangeError(`nanClasses: ${k} is not a class index`);
    bias[k] = NaN;
  }
  return linearModel({ ...opts, bias });
}

/** Options of {@link wrongShapeModel}. */
export interface WrongShapeModelOptions extends LinearModelOptions {
  /**
   * - `'rank2-input'`: the input is the already-flattened image, `[N, 3·H·W]`
   *   (NCHW order; `layout` is ignored), output `logits` `[N, classes]`.
   * - `'rank3-output'`: a normal image input, output `logits` `[N, 1, classes]`.
   */
  readonly variant: 'rank2-input' | 'rank3-output';
}

/**
 * Models an image explainer must reject: same linear math as
 * {@link linearModel}, but with a non-image (rank 2) input or a rank 3 output.
 */
export function wrongShapeModel(opts: WrongShapeModelOptions): LinearGlassBoxModel {
  if (opts.variant === 'rank3-output') {
    return linearImageModel(
      opts,
      'logits',
      (k) => [1, k],
      (logits) => logits,
      (logits, result) => ({
        nodes: [{ op: 'Unsqueeze', inputs: [logits, 'unsqueeze_axes'], outputs: [result] }],
        initializers: [{ name: 'unsqueeze_axes', type: 'int64', dims: [1], data: [1] }],
      }),
    );
  }
  const o = resolveImageOptions({ ...opts, layout: 'nchw' });
  // This variant only exists to be rejected, so it skips the float16 Cast plumbing.
  if (o.inputType !== 'float32' || o.outputType !== 'float32') throw new RangeError('rank2-input is float32 only');
  const features = CHANNELS * o.height * o.width;
  const p = linearParams(opts, features);
  const n = batchDim(o.batch);
  const body = linearBody(p, INPUT_NAME, 'logits');
  return {
    bytes: buildModel({
      inputs: [{ name: INPUT_NAME, type: 'float32', shape: [n, features] }],
      outputs: [{ name: 'logits', type: 'float32', shape: [n, p.classes] }],
      ...body,
    }),
    inputName: INPUT_NAME,
    outputName: 'logits',
    inputType: 'float32',
    outputType: 'float32',
    classes: p.classes,
    weights: p.weights,
    bias: p.bias,
    inputShape: (batch) => [batch, features],
    reference: (input, batch) => linearReference(p, toNchw64(o, input, batch), batch),
  };
}
