// SPDX-License-Identifier: MIT
/**
 * NumPy's `.npy` format, written and read without a dependency: attribution maps and label maps are
 * stored as `.npy` because every array tool of the field reads it in one call (`numpy.load`,
 * `npyjs`, Julia's NPZ, MATLAB's readNPY, Rust's ndarray-npy), it keeps float32 exact, and its
 * header carries dtype and shape, so a file describes itself.
 *
 * Format (numpy's `format.py`, version 1.0): the magic `\x93NUMPY`, the version bytes 1 and 0, the
 * header's length as a little-endian uint16, then the header: a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (5, 224, 224), }` padded with spaces and ended
 * by `\n` so that the data starts at a multiple of 64 bytes (what numpy ≥ 1.14 writes), then the
 * elements, little-endian, C order. Versions 2.0 and 3.0 differ only in a 4-byte header length
 * (numpy writes them for headers over 64 KiB) and are read too; this writer never needs them.
 */
import { writeAtomic } from './atomic-write';
import { readRegularFile } from './read-file';
import { rangeError, typeError } from './validate';

/** The element types written and read: numpy's `descr` strings, all little-endian (bytes: `|u1`). */
export type NpyDtype = '<f4' | '<f8' | '<i4' | '<u2' | '|u1';

/** The typed array of each dtype. */
export type NpyArray = Float32Array | Float64Array | Int32Array | Uint16Array | Uint8Array;

/** An array with its shape, as read from or written to a `.npy` file. */
export interface Npy {
  dtype: NpyDtype;
  /** Sizes of the axes, C order (the last axis varies fastest). */
  shape: number[];
  data: NpyArray;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
/** Data starts at a multiple of this (numpy's ARRAY_ALIGN), so a memory map sees aligned elements. */
const ALIGN = 64;

const DTYPES: Record<NpyDtype, { bytes: number; make: (n: number) => NpyArray }> = {
  '<f4': { bytes: 4, make: (n) => new Float32Array(n) },
  '<f8': { bytes: 8, make: (n) => new Float64Array(n) },
  '<i4': { bytes: 4, make: (n) => new Int32Array(n) },
  '<u2': { bytes: 2, make: (n) => new Uint16Array(n) },
  '|u1': { bytes: 1, make: (n) => new Uint8Array(n) },
};

/** The dtype of a typed array, or undefined for one `.npy` files here do not hold. */
function dtypeOf(data: unknown): NpyDtype | undefined {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Uint8Array) return '|u1';
  return undefined;
}

/** True on a little-endian host (every platform Node ships for today); the code swaps bytes otherwise. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte element of `bytes` in place (host order <-> little-endian on a big-endian host). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/** Python's repr of a shape tuple: `()`, `(5,)`, `(5, 224, 224)`. */
function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Encodes an array as `.npy` bytes (version 1.0, little-endian, C order).
 *
 * @param data - the elements, C order: a Float32Array, Float64Array, Int32Array, Uint16Array or
 *   Uint8Array (its dtype is `'<f4'`, `'<f8'`, `'<i4'`, `'<u2'` or `'|u1'`).
 * @param shape - the axes' sizes (default `[data.length]`); their product must equal `data.length`.
 * @returns the file's bytes; `numpy.load` gives back the same values, shape and dtype.
 * @throws TypeError naming `data` or `shape` for a wrong type; RangeError naming `shape` when its
 *   product is not `data.length`.
 */
export function toNpy(data: NpyArray, shape?: readonly number[]): Buffer {
  const dtype = dtypeOf(data);
  if (dtype === undefined) throw typeError('data', 'a Float32Array, Float64Array, Int32Array, Uint16Array or Uint8Array', data);
  const dims = shape === undefined ? [data.length] : checkShape(shape);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw rangeError('shape', `axes whose product is data.length (${data.length})`, JSON.stringify(dims));
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeRepr(dims)}, }`;
  // Pad with spaces so that magic (6) + version (2) + length (2) + header ends on a multiple of ALIGN; '\n' last.
  const total = Math.ceil((10 + dict.length + 1) / ALIGN) * ALIGN;
  const header = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = Buffer.alloc(total + data.byteLength);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const body = out.subarray(total);
  body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (!LITTLE_ENDIAN) swapBytes(body, DTYPES[dtype].bytes);
  return out;
}

/**
 * Checks a shape (an array of non-negative safe integers) and returns a copy of it. The copy is
 * taken first and checked, so a getter or proxy cannot answer the check and the header differently.
 */
function checkShape(shape: unknown): number[] {
  if (!Array.isArray(shape)) throw typeError('shape', 'an array of axis sizes', shape);
  const dims: unknown[] = Array.from(shape as unknown[]);
  for (const n of dims)
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      throw rangeError('shape', 'non-negative integer axis sizes', JSON.stringify(dims));
  return dims as number[];
}

/** A parsed `.npy` header: what the file holds and where its data starts. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
  /** Bytes of data the header promises: product of shape × element size. */
  dataBytes: number;
}

/** One `key: value` entry of the header dict, the value as numpy writes it for that key. */
const HEADER_ENTRY =
  /\s*(?:'(descr|fortran_order|shape)'|"(descr|fortran_order|shape)")\s*:\s*(?:'([^'\\]*)'|(True|False)|\(([^()'"]*)\))\s*(,|\})/y;

/**
 * The three fields of a header dict, read as numpy's reader does (a dict literal with exactly the
 * keys `descr`, `fortran_order` and `shape`, each once), or undefined for anything else. Searching
 * the text for each key instead would read a key quoted inside another value, or the first of two
 * copies where Python keeps the last, and so disagree with numpy about what the file holds.
 */
function headerFields(header: string): { descr: string; fortran: string; shapeText: string } | undefined {
  const text = header.trim();
  if (!text.startsWith('{')) return undefined;
  const seen = new Map<string, string>();
  let at = 1;
  for (;;) {
    HEADER_ENTRY.lastIndex = at;
    const m = HEADER_ENTRY.exec(text);
    // No entry here: the dict may still end after a trailing comma (numpy writes `..., }`).
    if (m === null) return /^\s*\}$/.test(text.slice(at)) ? pick(seen) : undefined;
    at = HEADER_ENTRY.lastIndex;
    const key = (m[1] ?? m[2]) as string;
    const value = key === 'descr' ? m[3] : key === 'fortran_order' ? m[4] : m[5];
    if (value === undefined || seen.has(key)) return undefined;
    seen.set(key, value);
    if (m[6] === '}') return at === text.length ? pick(seen) : undefined;
  }
}

function pick(seen: Map<string, string>): { descr: string; fortran: string; shapeText: string } | undefined {
  const descr = seen.get('descr');
  const fortran = seen.get('fortran_order');
  const shapeText = seen.get('shape');
  return descr === undefined || fortran === undefined || shapeText === undefined ? undefined : { descr, fortran, shapeText };
}

/**
 * Parses the header of `.npy` bytes (a prefix of the file is enough when it holds the whole header).
 *
 * @param bytes - the file's first bytes.
 * @returns dtype, shape, where the data starts and how many bytes it has.
 * @throws TypeError naming `bytes` when it is not a Uint8Array; RangeError naming `bytes` when they
 *   are not a `.npy` header this reader supports (another magic or version, a big-endian, Fortran-order
 *   or other dtype, a header cut short).
 */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  if (!(bytes instanceof Uint8Array)) throw typeError('bytes', 'a Uint8Array (the .npy bytes)', bytes);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string) => rangeError('bytes', `a .npy file (${what})`, `${b.length} bytes`);
  if (b.length < 10 || !b.subarray(0, 6).equals(MAGIC)) throw bad('starts with \\x93NUMPY');
  const major = b[6];
  if (major < 1 || major > 3) throw bad(`version 1.0 to 3.0, not ${major}.${b[7]}`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (b.length < 8 + lengthBytes) throw bad('a complete header');
  const headerLength = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = 8 + lengthBytes;
  if (b.length < start + headerLength) throw bad('a complete header');
  // Version 3.0 allows UTF-8 in the header; the fields read here are ASCII either way.
  const header = b.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLength);
  const fields = headerFields(header);
  if (fields === undefined) throw bad("a header that is a dict of exactly 'descr', 'fortran_order' and 'shape'");
  const { descr, fortran, shapeText } = fields;
  // numpy writes bytes as '|u1'; a one-byte dtype has no byte order, so '<u1' means the same.
  const dtype = (descr === '<u1' ? '|u1' : descr) as NpyDtype;
  if (!(dtype in DTYPES)) throw bad(`dtype ${Object.keys(DTYPES).join(', ')}, not ${descr}`);
  if (fortran === 'True') throw bad('C order, not Fortran order');
  const parts = shapeText.split(',').map((s) => s.trim());
  if (parts.length && parts[parts.length - 1] === '') parts.pop(); // (5,) and (5, 224, 224,)
  if (!parts.every((p) => /^\d+$/.test(p))) throw bad(`a shape of integers, not (${shapeText})`);
  const shape = parts.map(Number);
  // A zero axis makes the product 0 whatever the others are; each axis must still be a size.
  if (!shape.every((n) => Number.isSafeInteger(n))) throw bad(`axis sizes below 2^53, not (${shapeText})`);
  const count = shape.reduce((a, n) => a * n, 1);
  if (!Number.isSafeInteger(count * DTYPES[dtype].bytes)) throw bad(`a size that fits in memory, not ${shapeRepr(shape)}`);
  return { dtype, shape, dataOffset: start + headerLength, dataBytes: count * DTYPES[dtype].bytes };
}

/**
 * Decodes `.npy` bytes (versions 1.0–3.0; the dtypes of {@link NpyDtype}; C order) into a fresh,
 * aligned typed array.
 *
 * @param bytes - the whole file.
 * @returns dtype, shape and the elements (C order).
 * @throws TypeError naming `bytes` when it is not a Uint8Array; RangeError naming `bytes` for a header
 *   {@link parseNpyHeader} refuses, or when the data is shorter or longer than the shape says (a
 *   truncated file).
 */
export function fromNpy(bytes: Uint8Array): Npy {
  const h = parseNpyHeader(bytes);
  const available = bytes.byteLength - h.dataOffset;
  if (available !== h.dataBytes)
    throw rangeError(
      'bytes',
      `a complete .npy file (${h.dataOffset + h.dataBytes} bytes for ${h.dtype} ${shapeRepr(h.shape)})`,
      `${bytes.byteLength} bytes`,
    );
  const spec = DTYPES[h.dtype];
  const data = spec.make(h.dataBytes / spec.bytes);
  const body = new Uint8Array(data.buffer);
  body.set(bytes.subarray(h.dataOffset, h.dataOffset + h.dataBytes));
  if (!LITTLE_ENDIAN) swapBytes(body, spec.bytes);
  return { dtype: h.dtype, shape: h.shape, data };
}

/**
 * Writes an array to a `.npy` file atomically (a temporary file in the same folder, then a rename).
 *
 * @param file - the destination path (by convention ending in `.npy`).
 * @param data - the elements, C order (see {@link toNpy}).
 * @param shape - the axes' sizes (default `[data.length]`).
 * @throws as {@link toNpy}; the write's error (ENOSPC…), leaving no temporary file behind.
 */
export function writeNpy(file: string, data: NpyArray, shape?: readonly number[]): void {
  if (typeof file !== 'string' || file === '') throw typeError('file', 'a file path', file);
  writeAtomic(file, toNpy(data, shape));
}

/** The largest `.npy` file {@link readNpy} reads (2 GiB): far above any attribution map. */
export const MAX_NPY_BYTES = 2 ** 31;

/**
 * Reads a `.npy` file (a regular file only: a FIFO or device is refused rather than waited on).
 *
 * @param file - the path.
 * @returns dtype, shape and the elements (see {@link fromNpy}).
 * @throws Error naming the file when it is missing, unreadable or not a regular file; RangeError
 *   over {@link MAX_NPY_BYTES}; as {@link fromNpy} for a file that is not a complete `.npy` file.
 */
export async function readNpy(file: string): Promise<Npy> {
  if (typeof file !== 'string' || file === '') throw typeError('file', 'a file path', file);
  return fromNpy(await readRegularFile(file, { maxBytes: MAX_NPY_BYTES, capName: 'MAX_NPY_BYTES', what: '.npy file' }));
}
