// SPDX-License-Identifier: MIT
/**
 * What every ready-made image model shares: its options, the {@link GlassBoxModel} contract, and
 * the plumbing around a float32 NCHW body (float16 casts, NHWC transpose), so each model has one
 * formula and one `reference` whatever its layout and precision.
 *
 * @packageDocumentation
 */
import { float16ToFloat32 } from '../../../lib/preprocess';
import { buildModel, DATA_TYPE, type Dim, type FloatType, type Initializer, type NodeSpec } from './build';

/** The test images are RGB. */
export const CHANNELS = 3;

/** Name of the image input of every ready-made model. */
export const INPUT_NAME = 'input';

/** Options shared by the ready-made image models. */
export interface ImageModelOptions {
  readonly height: number;
  readonly width: number;
  /** A fixed batch size (1 for most exported classifiers) or a symbolic `'batch'` dimension. Default `'dynamic'`. */
  readonly batch?: 'dynamic' | number;
  /** `'nchw'` → input `[N, 3, H, W]`; `'nhwc'` → input `[N, H, W, 3]`. Default `'nchw'`. */
  readonly layout?: 'nchw' | 'nhwc';
  /** Default `'float32'`. */
  readonly inputType?: FloatType;
  /** Default: the input type. */
  readonly outputType?: FloatType;
}

/** A serialized model plus what a test needs to drive it and check it. */
export interface GlassBoxModel {
  /** `ModelProto` bytes for `InferenceSession.create`. */
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: FloatType;
  readonly outputType: FloatType;
  /** Number of output scores per sample. */
  readonly classes: number;
  /** Concrete input dims for a batch of `batch` samples. */
  inputShape(batch: number): number[];
  /**
   * The model's documented formula evaluated in float64, on a batch laid out
   * exactly like the model input (half-precision bit patterns for float16
   * inputs). Returns `batch × classes` scores, row-major. It is not rounded to
   * the output type.
   */
  reference(input: Float32Array | Uint16Array, batch: number): Float64Array;
}

export interface ResolvedImageOptions {
  readonly height: number;
  readonly width: number;
  readonly batch: 'dynamic' | number;
  readonly layout: 'nchw' | 'nhwc';
  readonly inputType: FloatType;
  readonly outputType: FloatType;
}

export function resolveImageOptions(opts: ImageModelOptions): ResolvedImageOptions {
  for (const [name, v] of [
    ['height', opts.height],
    ['width', opts.width],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  const inputType = opts.inputType ?? 'float32';
  return {
    height: opts.height,
    width: opts.width,
    batch: opts.batch ?? 'dynamic',
    layout: opts.layout ?? 'nchw',
    inputType,
    outputType: opts.outputType ?? inputType,
  };
}

export function batchDim(batch: 'dynamic' | number): Dim {
  return batch === 'dynamic' ? 'batch' : batch;
}

export function imageDims<D extends Dim>(o: ResolvedImageOptions, n: D): (D | number)[] {
  return o.layout === 'nchw' ? [n, CHANNELS, o.height, o.width] : [n, o.height, o.width, CHANNELS];
}

/** What a model's body adds between the NCHW float32 image tensor and the float32 result tensor. */
export interface ModelBody {
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly Initializer[];
}

/**
 * Wraps a float32 NCHW body with the input/output plumbing every image model
 * shares: a Cast from float16, a Transpose from NHWC, and a Cast back to float16.
 * Doing the conversions in the graph keeps one formula (and one `reference`)
 * for all layouts and precisions.
 *
 * @param body receives the name of the `[N, 3, H, W]` float32 tensor and the
 *   name its final node must write.
 */
export function buildImageModel(
  o: ResolvedImageOptions,
  outputName: string,
  outputTail: readonly number[],
  body: (nchw: string, result: string) => ModelBody,
): Uint8Array {
  const nodes: NodeSpec[] = [];
  let image = INPUT_NAME;
  if (o.inputType === 'float16') {
    nodes.push({ op: 'Cast', inputs: [image], outputs: ['input_f32'], attributes: { to: { int: DATA_TYPE.float32 } } });
    image = 'input_f32';
  }
  if (o.layout === 'nhwc') {
    nodes.push({ op: 'Transpose', inputs: [image], outputs: ['input_nchw'], attributes: { perm: { ints: [0, 3, 1, 2] } } });
    image = 'input_nchw';
  }
  const result = o.outputType === 'float16' ? 'result_f32' : outputName;
  const { nodes: bodyNodes, initializers } = body(image, result);
  nodes.push(...bodyNodes);
  if (o.outputType === 'float16') {
    nodes.push({ op: 'Cast', inputs: [result], outputs: [outputName], attributes: { to: { int: DATA_TYPE.float16 } } });
  }
  const n = batchDim(o.batch);
  return buildModel({
    inputs: [{ name: INPUT_NAME, type: o.inputType, shape: imageDims(o, n) }],
    outputs: [{ name: outputName, type: o.outputType, shape: [n, ...outputTail] }],
    nodes,
    initializers,
  });
}

/** Reads a batch in the model's input layout and precision into float64 NCHW order. */
export function toNchw64(o: ResolvedImageOptions, input: Float32Array | Uint16Array, batch: number): Float64Array {
  const perSample = CHANNELS * o.height * o.width;
  if (input.length !== batch * perSample) {
    throw new RangeError(`expected ${batch * perSample} input values for batch ${batch}, got ${input.length}`);
  }
  if ((o.inputType === 'float16') !== input instanceof Uint16Array) {
    throw new TypeError(`a ${o.inputType} model takes ${o.inputType === 'float16' ? 'Uint16Array' : 'Float32Array'} input`);
  }
  const values = input instanceof Uint16Array ? float16ToFloat32(input) : input;
  if (o.layout === 'nchw') return Float64Array.from(values);
  const out = new Float64Array(values.length);
  const plane = o.height * o.width;
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < CHANNELS; c++) out[n * perSample + c * plane + p] = values[n * perSample + p * CHANNELS + c] as number;
    }
  }
  return out;
}
