// SPDX-License-Identifier: MIT
/**
 * What an ONNX file says about itself, read from its protobuf alone (no session is opened): the
 * producer, versions and metadata, and the graph's real inputs and outputs with their element
 * types and shapes, symbolic dims kept by name.
 */
import { DataType, type ModelProto, type ValueInfoProto } from '../onnx';

/** One graph input or output. */
export interface TensorDescription {
  name: string;
  /** Element type in lower case (`'float32'`, `'float16'`, `'uint8'` …), or `'unknown'`; non-tensors are `'sequence'`, `'map'` …. */
  type: string;
  /** Dims: a number when fixed, the symbolic name when named, `null` when neither (unknown). Absent shape: `null`. */
  shape: (number | string | null)[] | null;
  /** The type's denotation (`'IMAGE'`, `'TENSOR'` …), when the file gives one. */
  denotation?: string;
}

/** The file-level facts of a model. */
export interface ModelDescription {
  /** `producer_name`, e.g. `'pytorch'`, `'tf2onnx'`, `'onnx-caffe2'`. */
  producer: string | undefined;
  producerVersion: string | undefined;
  irVersion: number | undefined;
  /** Operator sets imported; the default domain is written `'ai.onnx'`. */
  opsets: { domain: string; version: number }[];
  graphName: string | undefined;
  /** The model's doc_string, else the graph's. */
  docString: string | undefined;
  /** `metadata_props` as an object (the model's, then the graph's for keys the model lacks). */
  metadata: Record<string, string>;
  /** Graph inputs that are not initializers (old IR versions list the weights as inputs too). */
  inputs: TensorDescription[];
  outputs: TensorDescription[];
}

const TYPE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(DataType).map(([name, code]) => [code, name === 'FLOAT' ? 'float32' : name === 'DOUBLE' ? 'float64' : name.toLowerCase()]),
);

/** The lower-case name of an ONNX element type code (`1` → `'float32'`, `10` → `'float16'`). */
export function elementTypeName(code: number | undefined): string {
  return TYPE_NAMES.get(code ?? 0) ?? 'unknown';
}

function tensorDescription(v: ValueInfoProto): TensorDescription {
  const t = v.type;
  const out: TensorDescription = { name: v.name ?? '', type: 'unknown', shape: null };
  if (t?.denotation) out.denotation = t.denotation;
  if (t?.tensor_type) {
    out.type = elementTypeName(t.tensor_type.elem_type);
    const dims = t.tensor_type.shape?.dim;
    if (t.tensor_type.shape !== undefined)
      out.shape = (dims ?? []).map((d) => (d.dim_value !== undefined ? Number(d.dim_value) : d.dim_param ? d.dim_param : null));
  } else if (t) {
    const kind = ['sequence_type', 'map_type', 'optional_type', 'sparse_tensor_type', 'opaque_type'].find((k) => k in t);
    if (kind) out.type = kind.replace(/_type$/, '');
  }
  return out;
}

/**
 * The file-level description of a decoded model.
 * @param model - what `decodeModel` returned.
 */
export function describeModel(model: ModelProto): ModelDescription {
  const g = model.graph ?? {};
  const weights = new Set((g.initializer ?? []).map((t) => t.name));
  // Own keys only, defined rather than assigned: a key named `constructor` or `toString` was taken as
  // already present (inherited) and dropped, and `__proto__` was assigned to the prototype.
  const metadata: Record<string, string> = {};
  for (const list of [model.metadata_props, g.metadata_props])
    for (const { key, value } of list ?? [])
      if (key !== undefined && !Object.hasOwn(metadata, key))
        Object.defineProperty(metadata, key, { value: value ?? '', enumerable: true, writable: true, configurable: true });
  return {
    producer: model.producer_name || undefined,
    producerVersion: model.producer_version || undefined,
    irVersion: model.ir_version === undefined ? undefined : Number(model.ir_version),
    opsets: (model.opset_import ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: Number(o.version ?? 0n) })),
    graphName: g.name || undefined,
    docString: model.doc_string || g.doc_string || undefined,
    metadata,
    inputs: (g.input ?? []).filter((i) => !weights.has(i.name)).map(tensorDescription),
    outputs: (g.output ?? []).map(tensorDescription),
  };
}
