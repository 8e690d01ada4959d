// SPDX-License-Identifier: MIT
/**
 * Reads and writes ONNX `ModelProto` bytes as plain objects (see `./types`), with protobufjs
 * doing the wire format against the schema in `./schema`.
 *
 * What a decode → edit → encode keeps: every field, including ones set to their default, and
 * fields this schema does not know (a newer ONNX's), which protobufjs keeps per message as a
 * non-enumerable `$unknowns` list and writes back after the known fields. Edit messages in place
 * (or copy `$unknowns` along) to keep those. For models written with the official (proto2)
 * schema the re-encoded bytes are identical to the originals; writers that used a proto3 copy of
 * the schema pack repeated integers that proto2 leaves unpacked, so their models come back with
 * the same content in slightly different bytes (both layouts are valid and read alike).
 *
 * @packageDocumentation
 */
import { Reader, type Field, Type } from 'protobufjs';
import { onnxType } from './schema';
import type { ModelProto } from './types';

/** Wire types of the 64-bit integer fields, which the decoded objects hold as `bigint`. */
const INT64_TYPES = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64_TYPES = new Set(['uint64', 'fixed64']);

/** What protobufjs reads a 64-bit field as: a `Long` (its `long` dependency) or a safe number. */
interface LongBits {
  readonly low: number;
  readonly high: number;
}

type Message = Record<string, unknown>;
type Direction = 'decode' | 'encode';

function toBigInt(value: unknown, unsigned: boolean): bigint {
  if (typeof value === 'number') return BigInt(value);
  const { low, high } = value as LongBits;
  const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return unsigned ? bits : BigInt.asIntN(64, bits);
}

/** The two's-complement halves protobufjs's writer takes for any 64-bit field. */
function toLongBits(value: bigint): LongBits {
  const bits = BigInt.asUintN(64, value);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0 };
}

function convertValue(field: Field, value: unknown, dir: Direction, path: string): unknown {
  if (field.resolvedType instanceof Type) {
    if (typeof value !== 'object' || value === null) {
      throw new TypeError(`${path} must be an object (an ONNX ${field.resolvedType.name}), got ${String(value)}`);
    }
    return convertMessage(field.resolvedType, value as Message, dir, path);
  }
  const unsigned = UINT64_TYPES.has(field.type);
  if (unsigned || INT64_TYPES.has(field.type)) {
    if (dir === 'decode') return toBigInt(value, unsigned);
    if (typeof value !== 'bigint') throw new TypeError(`${path} must be a bigint, got ${typeof value} ${String(value)}`);
    const min = unsigned ? 0n : -(2n ** 63n);
    if (value < min || value >= min + 2n ** 64n) throw new RangeError(`${path} = ${value} does not fit in ${field.type}`);
    return toLongBits(value);
  }
  // A string in a bytes field would be taken as base64 by protobufjs: refuse it instead.
  if (dir === 'encode' && field.type === 'bytes' && !(value instanceof Uint8Array)) {
    throw new TypeError(`${path} must be a Uint8Array, got ${typeof value}`);
  }
  return value;
}

/**
 * Copies one message, converting 64-bit fields between protobufjs's representation and `bigint`
 * and keeping unknown fields. Everything else (strings, numbers, byte arrays) is shared.
 */
function convertMessage(type: Type, message: Message, dir: Direction, path: string): Message {
  const out: Message = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(message, field.name)) continue;
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const at = `${path}.${field.name}`;
    if (field.repeated) {
      if (!Array.isArray(value)) throw new TypeError(`${at} must be an array, got ${typeof value}`);
      // protobufjs gives every repeated field an own empty array; absent and empty encode alike.
      if (value.length === 0) continue;
      out[field.name] = value.map((v, i) => convertValue(field, v, dir, `${at}[${i}]`));
    } else {
      out[field.name] = convertValue(field, value, dir, at);
    }
  }
  const unknowns: unknown = message['$unknowns'];
  if (Array.isArray(unknowns) && Object.prototype.hasOwnProperty.call(message, '$unknowns')) {
    // Written back verbatim, so each entry must be the encoded field protobufjs read.
    if (dir === 'encode' && !unknowns.every((u) => u instanceof Uint8Array)) {
      throw new TypeError(`${path}.$unknowns must hold Uint8Arrays (encoded fields)`);
    }
    Object.defineProperty(out, '$unknowns', { value: unknowns, writable: true, configurable: true, enumerable: false });
  }
  return out;
}

/**
 * Decodes ONNX model bytes (the contents of a `.onnx` file).
 *
 * The input is copied first, so the model owns its byte arrays (`raw_data` …) and later changes
 * to `bytes` do not show through. Tensors stored in external files are not read: their
 * `external_data` entries are decoded like any other field.
 *
 * @throws TypeError when `bytes` is not a Uint8Array; Error when the bytes are not a valid
 *   protobuf `ModelProto`.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  const type = onnxType('ModelProto');
  // A plain Uint8Array (not a Buffer) so decoded byte fields are plain Uint8Array views of the copy.
  const reader = new Reader(new Uint8Array(bytes));
  reader.discardUnknown = false;
  let decoded: Message;
  try {
    decoded = type.decode(reader) as unknown as Message;
  } catch (err) {
    throw new Error(`bytes (${bytes.length} bytes) are not an ONNX model: ${(err as Error).message}`, { cause: err });
  }
  return convertMessage(type, decoded, 'decode', 'model') as ModelProto;
}

/**
 * Encodes a model as `.onnx` bytes, fields in field-number order (as the official serializer
 * writes them), unknown fields last.
 *
 * @throws TypeError naming the field (e.g. `model.graph.node[2].attribute[0].i`) when a value has
 *   the wrong type; RangeError when a `bigint` does not fit its field.
 */
export function encodeModel(model: ModelProto): Uint8Array {
  if (typeof model !== 'object' || model === null) throw new TypeError(`model must be an object, got ${String(model)}`);
  const type = onnxType('ModelProto');
  const message = convertMessage(type, model as Message, 'encode', 'model');
  const problem = type.verify(message);
  if (problem !== null) throw new TypeError(`model.${problem}`);
  return type.encode(message).finish();
}
