// SPDX-License-Identifier: MIT
/**
 * TypeScript shapes of the decoded ONNX messages (see `./schema` for the wire format).
 *
 * Conventions, the same for every message:
 * - names are the spec's snake_case field names;
 * - a field absent from the bytes is absent from the object (`undefined`), so a field that was
 *   written with its default value (an empty `domain`, say) stays distinguishable and is written
 *   back; repeated fields are absent rather than empty;
 * - `int64`/`uint64` fields are `bigint`, because real models store values such as `INT64_MAX`
 *   (Slice's "to the end") that a `number` cannot hold;
 * - `bytes` fields are `Uint8Array`s owned by the decoded model.
 *
 * Messages the library does not read yet (training, functions, sharding) are typed loosely but
 * still decoded and re-encoded in full.
 *
 * @packageDocumentation
 */

/** A message this module does not model field by field; it round-trips all the same. */
export type OpaqueMessage = Readonly<Record<string, unknown>>;

/** `StringStringEntryProto`. */
export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

/** `OperatorSetIdProto`: an empty or absent domain is the default `ai.onnx`. */
export interface OperatorSetIdProto {
  domain?: string;
  version?: bigint;
}

/** `ModelProto`. */
export interface ModelProto {
  ir_version?: bigint;
  opset_import?: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: bigint;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntryProto[];
  training_info?: OpaqueMessage[];
  functions?: OpaqueMessage[];
  configuration?: OpaqueMessage[];
}

/** `GraphProto`. */
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparse_initializer?: OpaqueMessage[];
  doc_string?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  quantization_annotation?: OpaqueMessage[];
  metadata_props?: StringStringEntryProto[];
}

/** `NodeProto`. */
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
  metadata_props?: StringStringEntryProto[];
  device_configurations?: OpaqueMessage[];
}

/** `AttributeProto.AttributeType` codes. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** `AttributeProto`: `type` says which one value field is in use. */
export interface AttributeProto {
  name?: string;
  ref_attr_name?: string;
  doc_string?: string;
  type?: number;
  f?: number;
  i?: bigint;
  /** UTF-8 bytes. */
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparse_tensor?: OpaqueMessage;
  tp?: TypeProto;
  floats?: number[];
  ints?: bigint[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparse_tensors?: OpaqueMessage[];
  type_protos?: TypeProto[];
}

/** `TensorProto.DataType` codes. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;

/** `TensorProto`: the values sit in `raw_data` (little-endian) or in one typed `*_data` list. */
export interface TensorProto {
  dims?: bigint[];
  /** A {@link DataType} code. */
  data_type?: number;
  segment?: { begin?: bigint; end?: bigint };
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: bigint[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  external_data?: StringStringEntryProto[];
  /** 0 = in this message, 1 = in an external file named by `external_data`. */
  data_location?: number;
  double_data?: number[];
  uint64_data?: bigint[];
  metadata_props?: StringStringEntryProto[];
}

/** `ValueInfoProto`: a graph input, output or intermediate value. */
export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
  metadata_props?: StringStringEntryProto[];
}

/** `TensorShapeProto.Dimension`: a fixed size or a symbolic name (at most one of the two). */
export interface DimensionProto {
  dim_value?: bigint;
  dim_param?: string;
  denotation?: string;
}

/** `TensorShapeProto`. */
export interface TensorShapeProto {
  dim?: DimensionProto[];
}

/** `TypeProto`: exactly one of the `*_type` fields is set. */
export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  sequence_type?: { elem_type?: TypeProto };
  map_type?: { key_type?: number; value_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  sparse_tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  opaque_type?: { domain?: string; name?: string };
  denotation?: string;
}
