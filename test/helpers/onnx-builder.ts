/**
 * Builds tiny ONNX models in memory, for tests.
 *
 * No ONNX or protobuf package is available to the test suite, so this module
 * carries a minimal protobuf encoder for the subset of `onnx.proto3` the test
 * models need (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto,
 * TypeProto, TensorShapeProto, AttributeProto, OperatorSetIdProto).
 *
 * On top of the generic {@link buildModel} it offers "glass-box" image
 * classifiers whose outputs are known in closed form, so tests can compare
 * LIME coefficients and Shapley values with exact answers. Every ready-made
 * model returns its serialized bytes together with a float64 `reference`
 * implementation of its documented formula.
 *
 * @packageDocumentation
 */
import { float16ToFloat32, float32ToFloat16 } from '../../lib/preprocess';

// ---------------------------------------------------------------------------
// Protobuf wire encoding
// ---------------------------------------------------------------------------

/** Protobuf wire types used by ONNX messages (fixed64 and groups are not needed). */
const enum WireType {
  Varint = 0,
  LengthDelimited = 2,
  Fixed32 = 5,
}

/** Encodes an integer as a base-128 varint; negatives use 64-bit two's complement as int64 requires. */
function encodeVarint(value: number | bigint): Uint8Array {
  // BigInt() throws on non-integers, which catches bad dims or attribute values early.
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Uint8Array.from(bytes);
}

function concatBytes(chunks: readonly Uint8Array[], totalLength: number): Uint8Array {
  const out = new Uint8Array(totalLength);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

const utf8 = new TextEncoder();

/**
 * Appends protobuf fields to one message. Chunks are kept by reference until
 * {@link ProtoWriter.finish}, so a large `raw_data` payload is copied only once
 * per nesting level.
 */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** int32/int64/enum field. */
  int(field: number, value: number | bigint): this {
    this.key(field, WireType.Varint);
    return this.push(encodeVarint(value));
  }

  /** `float` (fixed32) field. */
  float(field: number, value: number): this {
    this.key(field, WireType.Fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.push(bytes);
  }

  /** `bytes` field. */
  bytes(field: number, data: Uint8Array): this {
    this.key(field, WireType.LengthDelimited);
    this.push(encodeVarint(data.length));
    return this.push(data);
  }

  /** `string` field (UTF-8). */
  string(field: number, text: string): this {
    return this.bytes(field, utf8.encode(text));
  }

  /** Embedded message field. */
  message(field: number, body: ProtoWriter): this {
    return this.bytes(field, body.finish());
  }

  /** Packed `repeated int64` field; omitted when empty, as proto3 serializers do. */
  packedInts(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const encoded = values.map((v) => encodeVarint(v));
    return this.bytes(field, concatBytes(encoded, encoded.reduce((n, b) => n + b.length, 0)));
  }

  /** Packed `repeated float` field; omitted when empty. */
  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return this.bytes(field, bytes);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return concatBytes(this.chunks, this.length);
  }

  private key(field: number, wire: WireType): void {
    this.push(encodeVarint((field << 3) | wire));
  }

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  }
}

// ---------------------------------------------------------------------------
// Generic ONNX model builder
// ---------------------------------------------------------------------------

/** Element types the test models use. */
export type ElementType = 'float32' | 'float16' | 'int64';

/** Floating-point element types allowed at an image model's input and output. */
export type FloatType = 'float32' | 'float16';

/** A tensor dimension: a fixed size, or a symbolic name such as `'batch'`. */
export type Dim = number | string;

/** `TensorProto.DataType` codes. */
const DATA_TYPE: Readonly<Record<ElementType, number>> = { float32: 1, int64: 7, float16: 10 };

/** A graph input or output. */
export interface ValueInfo {
  readonly name: string;
  readonly type: ElementType;
  readonly shape: readonly Dim[];
}

/** A node attribute; the key says which `AttributeProto` field (and `type`) is written. */
export type Attribute =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly string: string }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] };

/** One operator of the graph, in the default ONNX domain. */
export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, Attribute>>;
}

/**
 * A constant tensor of the graph, stored in little-endian `raw_data`.
 * float16 data are IEEE half-precision bit patterns (see {@link float32ToFloat16}).
 */
export type Initializer =
  | { readonly name: string; readonly type: 'float32'; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly name: string; readonly type: 'float16'; readonly dims: readonly number[]; readonly data: Uint16Array }
  | {
      readonly name: string;
      readonly type: 'int64';
      readonly dims: readonly number[];
      readonly data: BigInt64Array | readonly number[];
    };

/** Everything {@link buildModel} needs. */
export interface ModelSpec {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Topologically sorted. */
  readonly nodes: readonly NodeSpec[];
  readonly initializers?: readonly Initializer[];
  /** Default-domain opset version; defaults to {@link DEFAULT_OPSET}. */
  readonly opset?: number;
}

/**
 * Opset of the generated models. 18 is the first where every Reduce* operator
 * takes `axes` as an input, so the graphs below need not mix both conventions.
 */
export const DEFAULT_OPSET = 18;

/** IR version 8 is the one that introduced opset 18. */
const IR_VERSION = 8;

function encodeValueInfo(info: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of info.shape) {
    // TensorShapeProto.Dimension: dim_value = 1, dim_param = 2.
    shape.message(1, typeof dim === 'number' ? new ProtoWriter().int(1, dim) : new ProtoWriter().string(2, dim));
  }
  // TypeProto.Tensor: elem_type = 1, shape = 2; TypeProto: tensor_type = 1.
  const tensorType = new ProtoWriter().int(1, DATA_TYPE[info.type]).message(2, shape);
  // ValueInfoProto: name = 1, type = 2.
  return new ProtoWriter().string(1, info.name).message(2, new ProtoWriter().message(1, tensorType));
}

function encodeAttribute(name: string, attr: Attribute): ProtoWriter {
  // AttributeProto: name = 1, type = 20 (AttributeType enum), then the value field.
  const w = new ProtoWriter().string(1, name);
  if ('float' in attr) return w.int(20, 1).float(2, attr.float);
  if ('int' in attr) return w.int(20, 2).int(3, attr.int);
  if ('string' in attr) return w.int(20, 3).string(4, attr.string);
  if ('floats' in attr) return w.int(20, 6).packedFloats(7, attr.floats);
  return w.int(20, 7).packedInts(8, attr.ints);
}

function encodeNode(node: NodeSpec, index: number): ProtoWriter {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, `${node.op}_${index}`).string(4, node.op);
  for (const [name, attr] of Object.entries(node.attributes ?? {})) w.message(5, encodeAttribute(name, attr));
  return w;
}

/** Little-endian bytes of an initializer, whatever the host's byte order. */
function rawData(init: Initializer): Uint8Array {
  const count = init.dims.reduce((a, b) => a * b, 1);
  if (init.data.length !== count) {
    throw new RangeError(`initializer ${init.name}: ${init.data.length} values for dims [${init.dims.join(', ')}]`);
  }
  switch (init.type) {
    case 'float32': {
      const view = new DataView(new ArrayBuffer(4 * count));
      init.data.forEach((v, i) => view.setFloat32(4 * i, v, true));
      return new Uint8Array(view.buffer);
    }
    case 'float16': {
      const view = new DataView(new ArrayBuffer(2 * count));
      init.data.forEach((v, i) => view.setUint16(2 * i, v, true));
      return new Uint8Array(view.buffer);
    }
    case 'int64': {
      const view = new DataView(new ArrayBuffer(8 * count));
      init.data.forEach((v: number | bigint, i: number) => view.setBigInt64(8 * i, BigInt(v), true));
      return new Uint8Array(view.buffer);
    }
  }
}

function encodeInitializer(init: Initializer): ProtoWriter {
  // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
  return new ProtoWriter()
    .packedInts(1, init.dims)
    .int(2, DATA_TYPE[init.type])
    .string(8, init.name)
    .bytes(9, rawData(init));
}

/**
 * Serializes a single-graph ONNX model (IR 8, default domain only).
 *
 * @returns the `ModelProto` bytes, ready for `InferenceSession.create(bytes)`.
 */
export function buildModel(spec: ModelSpec): Uint8Array {
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
  const graph = new ProtoWriter();
  spec.nodes.forEach((node, i) => graph.message(1, encodeNode(node, i)));
  graph.string(2, 'limeshap_test_graph');
  for (const init of spec.initializers ?? []) graph.message(5, encodeInitializer(init));
  for (const input of spec.inputs) graph.message(11, encodeValueInfo(input));
  for (const output of spec.outputs) graph.message(12, encodeValueInfo(output));

  // OperatorSetIdProto: domain = 1 (empty, i.e. ai.onnx, so omitted), version = 2.
  const opset = new ProtoWriter().int(2, spec.opset ?? DEFAULT_OPSET);
  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8.
  return new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'limeshap-test-onnx-builder')
    .message(7, graph)
    .message(8, opset)
    .finish();
}

// float16 data (Node 20 has no Float16Array; ORT takes fp16 as Uint16Array bit patterns) are
// converted by the library's own functions (lib/preprocess.ts), re-exported for the tests.
export { float32ToFloat16, float16ToFloat32 };

// ---------------------------------------------------------------------------
// Glass-box image classifiers
// ---------------------------------------------------------------------------

/** The test images are RGB. */
const CHANNELS = 3;

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

/** A model whose scores are affine in the input (before any softmax). */
export interface LinearGlassBoxModel extends GlassBoxModel {
  /** `classes × 3·H·W`, row-major, columns in NCHW-flattened order (`c·H·W + y·W + x`). */
  readonly weights: Float32Array;
  /** One per class. */
  readonly bias: Float32Array;
}

interface ResolvedImageOptions {
  readonly height: number;
  readonly width: number;
  readonly batch: 'dynamic' | number;
  readonly layout: 'nchw' | 'nhwc';
  readonly inputType: FloatType;
  readonly outputType: FloatType;
}

function resolveImageOptions(opts: ImageModelOptions): ResolvedImageOptions {
  for (const [name, v] of [['height', opts.height], ['width', opts.width]] as const) {
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

function batchDim(batch: 'dynamic' | number): Dim {
  return batch === 'dynamic' ? 'batch' : batch;
}

function imageDims<D extends Dim>(o: ResolvedImageOptions, n: D): (D | number)[] {
  return o.layout === 'nchw' ? [n, CHANNELS, o.height, o.width] : [n, o.height, o.width, CHANNELS];
}

/** What a model's body adds between the NCHW float32 image tensor and the float32 result tensor. */
interface ModelBody {
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
function buildImageModel(
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
function toNchw64(o: ResolvedImageOptions, input: Float32Array | Uint16Array, batch: number): Float64Array {
  const perSample = CHANNELS * o.height * o.width;
  if (input.length !== batch * perSample) {
    throw new RangeError(`expected ${batch * perSample} input values for batch ${batch}, got ${input.length}`);
  }
  if ((o.inputType === 'float16') !== (input instanceof Uint16Array)) {
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
  return linearImageModel(opts, 'logits', (k) => [k], (logits) => logits);
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

/** One monomial of {@link interactionModel}: `coefficients[k] · Π_{g ∈ groups} s_g`. */
export interface InteractionTerm {
  /** Group indices multiplied together; `[]` is a constant, repeats are powers. */
  readonly groups: readonly number[];
  /** One coefficient per output class. */
  readonly coefficients: readonly number[];
}

/** Options of {@link interactionModel}. */
export interface InteractionModelOptions extends ImageModelOptions {
  /** Label map, `H × W` row-major, of feature groups `0..M-1`; every group must own at least one pixel. */
  readonly groups: Int32Array;
  /** The polynomial's monomials; all with the same number of coefficients (= classes). */
  readonly terms: readonly InteractionTerm[];
}

/** A polynomial model of the group means. */
export interface InteractionGlassBoxModel extends GlassBoxModel {
  /** `M`, the number of feature groups. */
  readonly groupCount: number;
  readonly terms: readonly InteractionTerm[];
  /** The group means `s[n, g]` (`batch × M`, row-major) of a batch laid out like the model input. */
  groupMeans(input: Float32Array | Uint16Array, batch: number): Float64Array;
}

/**
 * Non-linear model with interactions between feature groups:
 *
 * `scores[n, k] = Σ_t terms[t].coefficients[k] · Π_{g ∈ terms[t].groups} s[n, g]`
 *
 * where `s[n, g] = (1 / (3·|g|)) Σ_{c} Σ_{(y,x): groups[y·W+x] = g} x[n, c, y, x]`
 * is the mean of sample `n` over the pixels of group `g` and all channels.
 * E.g. terms `{groups:[0]}`, `{groups:[0,1]}`, `{groups:[0,1,2]}` give
 * `a·s0 + b·s0·s1 + c·s0·s1·s2`.
 *
 * Since `s_g` depends only on the pixels of group `g`, a game whose players are
 * the groups (each either kept or replaced by a baseline) has exact Shapley
 * values computable by brute force over the `2^M` coalitions with `reference`;
 * for a single monomial over distinct groups `T` the value of each `g ∈ T` is
 * `Σ_{S ⊆ T∖{g}} |S|!(|T|−|S|−1)!/|T|! · coef·Δ_g·Π_{h∈S} s¹_h·Π_{h∈T∖S∖{g}} s⁰_h`,
 * with `s¹`/`s⁰` the group means of the image/baseline and `Δ_g = s¹_g − s⁰_g`
 * (groups outside `T` get 0; Shapley values add up over terms).
 *
 * Graph: ReduceSum over channels → Flatten → MatMul by the `[H·W, M]` matrix
 * of `1/(3|g|)` one-hots (giving `s`) → Pad a column of ones (index `M`, so
 * shorter monomials can be padded to the longest) → Gather the `[T, P]` index
 * table → ReduceProd → MatMul by the `[T, classes]` coefficients. Output `scores`.
 */
export function interactionModel(opts: InteractionModelOptions): InteractionGlassBoxModel {
  const o = resolveImageOptions(opts);
  const plane = o.height * o.width;
  if (opts.groups.length !== plane) throw new RangeError(`groups must hold H·W = ${plane} labels, got ${opts.groups.length}`);
  // A reduce, not Math.max(...groups): spreading 50k labels of a 224×224 map risks the argument limit.
  const groupCount = opts.groups.reduce((max, g) => Math.max(max, g), -1) + 1;
  const sizes = new Array<number>(groupCount).fill(0);
  for (const g of opts.groups) {
    if (g < 0) throw new RangeError(`group labels must be ≥ 0, got ${g}`);
    sizes[g] = (sizes[g] as number) + 1;
  }
  const empty = sizes.indexOf(0);
  if (empty >= 0) throw new RangeError(`group ${empty} owns no pixel, so its mean is undefined`);

  const terms = opts.terms;
  const classes = terms[0]?.coefficients.length ?? 0;
  if (classes === 0) throw new RangeError('terms must be non-empty and have at least one coefficient');
  const arity = Math.max(1, ...terms.map((t) => t.groups.length));
  const indices: number[] = [];
  const coefficients = new Float32Array(terms.length * classes);
  terms.forEach((term, t) => {
    if (term.coefficients.length !== classes) throw new RangeError(`term ${t} has ${term.coefficients.length} coefficients, expected ${classes}`);
    for (const g of term.groups) {
      if (!Number.isInteger(g) || g < 0 || g >= groupCount) throw new RangeError(`term ${t}: no group ${g}`);
    }
    // Index M selects the padded column of ones, the neutral factor of a product.
    indices.push(...term.groups, ...new Array<number>(arity - term.groups.length).fill(groupCount));
    coefficients.set(term.coefficients, t * classes);
  });
  const meanMatrix = new Float32Array(plane * groupCount);
  opts.groups.forEach((g, p) => {
    meanMatrix[p * groupCount + g] = 1 / (CHANNELS * (sizes[g] as number));
  });

  const bytes = buildImageModel(o, 'scores', [classes], (x, result) => ({
    nodes: <NodeSpec[]>[
      { op: 'ReduceSum', inputs: [x, 'channel_axis'], outputs: ['channel_sum'], attributes: { keepdims: { int: 0 } } },
      { op: 'Flatten', inputs: ['channel_sum'], outputs: ['pixels'], attributes: { axis: { int: 1 } } },
      { op: 'MatMul', inputs: ['pixels', 'group_means'], outputs: ['s'] },
      { op: 'Pad', inputs: ['s', 'ones_pad', 'one'], outputs: ['s_and_one'], attributes: { mode: { string: 'constant' } } },
      { op: 'Gather', inputs: ['s_and_one', 'term_groups'], outputs: ['factors'], attributes: { axis: { int: 1 } } },
      { op: 'ReduceProd', inputs: ['factors', 'factor_axis'], outputs: ['monomials'], attributes: { keepdims: { int: 0 } } },
      { op: 'MatMul', inputs: ['monomials', 'term_coefficients'], outputs: [result] },
    ],
    initializers: [
      { name: 'channel_axis', type: 'int64', dims: [1], data: [1] },
      { name: 'group_means', type: 'float32', dims: [plane, groupCount], data: meanMatrix },
      // Pad's layout is [begin_0, begin_1, end_0, end_1]: one extra column at the end of axis 1.
      { name: 'ones_pad', type: 'int64', dims: [4], data: [0, 0, 0, 1] },
      { name: 'one', type: 'float32', dims: [], data: Float32Array.of(1) },
      { name: 'term_groups', type: 'int64', dims: [terms.length, arity], data: indices },
      { name: 'factor_axis', type: 'int64', dims: [1], data: [2] },
      { name: 'term_coefficients', type: 'float32', dims: [terms.length, classes], data: coefficients },
    ],
  }));

  const groupMeans = (input: Float32Array | Uint16Array, batch: number): Float64Array => {
    const x = toNchw64(o, input, batch);
    const s = new Float64Array(batch * groupCount);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < CHANNELS; c++) {
        for (let p = 0; p < plane; p++) {
          const g = opts.groups[p] as number;
          s[n * groupCount + g] = (s[n * groupCount + g] as number) + (x[(n * CHANNELS + c) * plane + p] as number);
        }
      }
      for (let g = 0; g < groupCount; g++) s[n * groupCount + g] = (s[n * groupCount + g] as number) / (CHANNELS * (sizes[g] as number));
    }
    return s;
  };

  return {
    bytes,
    inputName: INPUT_NAME,
    outputName: 'scores',
    inputType: o.inputType,
    outputType: o.outputType,
    classes,
    groupCount,
    terms,
    inputShape: (batch) => imageDims(o, batch),
    groupMeans,
    reference: (input, batch) => {
      const s = groupMeans(input, batch);
      const out = new Float64Array(batch * classes);
      for (let n = 0; n < batch; n++) {
        for (const term of terms) {
          const product = term.groups.reduce((acc, g) => acc * (s[n * groupCount + g] as number), 1);
          term.coefficients.forEach((a, k) => {
            out[n * classes + k] = (out[n * classes + k] as number) + a * product;
          });
        }
      }
      return out;
    },
  };
}
