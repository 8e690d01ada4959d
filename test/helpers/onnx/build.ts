// SPDX-License-Identifier: MIT
/**
 * The generic part of the test-model builder: a small declarative graph spec (inputs, outputs,
 * nodes, initializers) turned into ONNX bytes by the library's own encoder (lib/onnx), so the
 * fixtures and the library read and write models through one schema.
 *
 * @packageDocumentation
 */
import {
  AttributeType,
  DataType,
  encodeModel,
  makeTensor,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../../lib/onnx';

/** Element types the test models use. */
export type ElementType = 'float32' | 'float64' | 'float16' | 'int64';

/** Floating-point element types allowed at an image model's input and output. */
export type FloatType = 'float32' | 'float16';

/** A tensor dimension: a fixed size, or a symbolic name such as `'batch'`. */
export type Dim = number | string;

/** `TensorProto.DataType` codes of the {@link ElementType}s. */
export const DATA_TYPE: Readonly<Record<ElementType, number>> = {
  float32: DataType.FLOAT,
  int64: DataType.INT64,
  float16: DataType.FLOAT16,
  float64: DataType.DOUBLE,
};

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
 * float16 data are IEEE half-precision bit patterns (see `float32ToFloat16` in lib/preprocess).
 */
export type Initializer =
  | { readonly name: string; readonly type: 'float32'; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly name: string; readonly type: 'float16'; readonly dims: readonly number[]; readonly data: Uint16Array }
  | { readonly name: string; readonly type: 'float64'; readonly dims: readonly number[]; readonly data: Float64Array }
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
const IR_VERSION = 8n;

const utf8 = new TextEncoder();

// BigInt() throws on non-integers, which catches bad dims or attribute values early.
const toInt64 = (v: number): bigint => BigInt(v);

function valueInfo(info: ValueInfo): ValueInfoProto {
  const dim = info.shape.map((d) => (typeof d === 'number' ? { dim_value: toInt64(d) } : { dim_param: d }));
  return { name: info.name, type: { tensor_type: { elem_type: DATA_TYPE[info.type], shape: { dim } } } };
}

function attribute(name: string, attr: Attribute): AttributeProto {
  if ('float' in attr) return { name, type: AttributeType.FLOAT, f: attr.float };
  if ('int' in attr) return { name, type: AttributeType.INT, i: toInt64(attr.int) };
  if ('string' in attr) return { name, type: AttributeType.STRING, s: utf8.encode(attr.string) };
  if ('floats' in attr) return { name, type: AttributeType.FLOATS, floats: [...attr.floats] };
  return { name, type: AttributeType.INTS, ints: attr.ints.map(toInt64) };
}

function node(spec: NodeSpec, index: number): NodeProto {
  return {
    input: [...spec.inputs],
    output: [...spec.outputs],
    name: `${spec.op}_${index}`,
    op_type: spec.op,
    attribute: Object.entries(spec.attributes ?? {}).map(([name, attr]) => attribute(name, attr)),
  };
}

function initializer(init: Initializer): TensorProto {
  if (init.type === 'int64') {
    const data = init.data instanceof BigInt64Array ? init.data : BigInt64Array.from(init.data, toInt64);
    return makeTensor(init.name, DATA_TYPE.int64, init.dims, data);
  }
  return makeTensor(init.name, DATA_TYPE[init.type], init.dims, init.data);
}

/**
 * Serializes a single-graph ONNX model (IR 8, default domain only).
 *
 * @returns the `ModelProto` bytes, ready for `InferenceSession.create(bytes)`.
 * @throws RangeError when an initializer's data do not match its dims.
 */
export function buildModel(spec: ModelSpec): Uint8Array {
  return encodeModel({
    ir_version: IR_VERSION,
    producer_name: 'limeshap-test-onnx-builder',
    graph: {
      node: spec.nodes.map(node),
      name: 'limeshap_test_graph',
      initializer: (spec.initializers ?? []).map(initializer),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
    // An absent domain is the default one (ai.onnx).
    opset_import: [{ version: toInt64(spec.opset ?? DEFAULT_OPSET) }],
  });
}
