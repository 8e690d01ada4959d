// SPDX-License-Identifier: MIT
/**
 * Tensor values in and out of `TensorProto`s: the typed array for a data type, `raw_data`'s
 * little-endian layout, and the typed `*_data` lists some exporters use instead.
 *
 * @packageDocumentation
 */
import { DataType, type TensorProto } from './types';

/** The typed arrays tensor values come in; half- and bfloat16 values are their bit patterns. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

interface ElementKind {
  readonly name: string;
  readonly array: { new (buffer: ArrayBuffer): TensorArray; new (length: number): TensorArray; readonly BYTES_PER_ELEMENT: number };
  /** The typed list that holds this type when `raw_data` is absent (ONNX IR spec, TensorProto). */
  readonly list: 'float_data' | 'double_data' | 'int32_data' | 'int64_data' | 'uint64_data';
}

/** The fixed-width data types these helpers handle (strings, complex and sub-byte types are not). */
const KINDS: ReadonlyMap<number, ElementKind> = new Map<number, ElementKind>([
  [DataType.FLOAT, { name: 'FLOAT', array: Float32Array, list: 'float_data' }],
  [DataType.DOUBLE, { name: 'DOUBLE', array: Float64Array, list: 'double_data' }],
  [DataType.FLOAT16, { name: 'FLOAT16', array: Uint16Array, list: 'int32_data' }],
  [DataType.BFLOAT16, { name: 'BFLOAT16', array: Uint16Array, list: 'int32_data' }],
  [DataType.INT8, { name: 'INT8', array: Int8Array, list: 'int32_data' }],
  [DataType.UINT8, { name: 'UINT8', array: Uint8Array, list: 'int32_data' }],
  [DataType.BOOL, { name: 'BOOL', array: Uint8Array, list: 'int32_data' }],
  [DataType.INT16, { name: 'INT16', array: Int16Array, list: 'int32_data' }],
  [DataType.UINT16, { name: 'UINT16', array: Uint16Array, list: 'int32_data' }],
  [DataType.INT32, { name: 'INT32', array: Int32Array, list: 'int32_data' }],
  [DataType.UINT32, { name: 'UINT32', array: Uint32Array, list: 'uint64_data' }],
  [DataType.INT64, { name: 'INT64', array: BigInt64Array, list: 'int64_data' }],
  [DataType.UINT64, { name: 'UINT64', array: BigUint64Array, list: 'uint64_data' }],
]);

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function kindOf(dataType: number | undefined, what: string): ElementKind {
  const kind = KINDS.get(dataType ?? DataType.UNDEFINED);
  if (kind === undefined) {
    const known = [...KINDS.values()].map((k) => k.name).join(', ');
    throw new RangeError(`${what}: data_type ${String(dataType)} is not supported (supported: ${known})`);
  }
  return kind;
}

/** Swaps each element's bytes in place: `raw_data` is little-endian whatever the host. */
function swapToHost(bytes: Uint8Array, width: number): void {
  if (LITTLE_ENDIAN || width === 1) return;
  for (let at = 0; at < bytes.length; at += width) bytes.subarray(at, at + width).reverse();
}

/**
 * The tensor's dims as numbers.
 *
 * @throws RangeError when a dim is negative or above `Number.MAX_SAFE_INTEGER`.
 */
export function tensorDims(tensor: TensorProto): number[] {
  return (tensor.dims ?? []).map((d) => {
    if (d < 0n || d > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`tensor ${tensor.name ?? ''}: dim ${d} is out of range`);
    return Number(d);
  });
}

/**
 * A copy of the tensor's values in the typed array of its data type (see {@link TensorArray}),
 * from `raw_data` or from the typed list the spec assigns to that type.
 *
 * @throws RangeError for an unsupported data type, external data, or a value count that does
 *   not match the dims.
 */
export function tensorValues(tensor: TensorProto): TensorArray {
  const what = `tensor ${tensor.name ?? ''}`;
  const kind = kindOf(tensor.data_type, what);
  if (tensor.data_location === 1) throw new RangeError(`${what}: values stored in an external file are not supported`);
  const count = tensorDims(tensor).reduce((a, b) => a * b, 1);
  const width = kind.array.BYTES_PER_ELEMENT;
  let values: TensorArray;
  if (tensor.raw_data !== undefined) {
    if (tensor.raw_data.length !== count * width) {
      throw new RangeError(`${what}: raw_data has ${tensor.raw_data.length} bytes, expected ${count} × ${width}`);
    }
    const bytes = tensor.raw_data.slice();
    swapToHost(bytes, width);
    values = new kind.array(bytes.buffer);
  } else {
    const list = (tensor[kind.list] ?? []) as ArrayLike<number | bigint>;
    values = new kind.array(list.length);
    const isBig = values instanceof BigInt64Array || values instanceof BigUint64Array;
    for (let i = 0; i < list.length; i++)
      (values as unknown as (number | bigint)[])[i] = isBig ? BigInt(list[i] as number | bigint) : Number(list[i]);
  }
  if (values.length !== count) throw new RangeError(`${what}: ${values.length} values for dims [${tensor.dims?.join(', ') ?? ''}]`);
  return values;
}

/**
 * A `TensorProto` holding `values` in `raw_data` (the compact layout onnxruntime reads fastest).
 *
 * @param dataType a {@link DataType} code whose typed array `values` is (FLOAT16 and BFLOAT16
 *   take their bit patterns as a Uint16Array).
 * @throws TypeError when `values` is not that typed array; RangeError when its length is not the
 *   product of `dims` or a dim is not a non-negative integer.
 */
export function makeTensor(name: string, dataType: number, dims: readonly number[], values: TensorArray): TensorProto {
  const kind = kindOf(dataType, `tensor ${name}`);
  if (!(values instanceof kind.array)) {
    throw new TypeError(
      `tensor ${name}: ${kind.name} values must be a ${kind.array.name}, got ${values?.constructor?.name ?? typeof values}`,
    );
  }
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`tensor ${name}: dim ${d} is not a non-negative integer`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new RangeError(`tensor ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  swapToHost(raw, kind.array.BYTES_PER_ELEMENT);
  return { dims: dims.map((d) => BigInt(d)), data_type: dataType, name, raw_data: raw };
}
