// SPDX-License-Identifier: MIT
// lib/npy.ts against two independent truths: .npy bytes built here by hand from the format's
// specification (numpy's format.py, version 1.0), and numpy itself (/usr/bin/python3), which must
// load what toNpy writes and write what fromNpy reads, bit for bit.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromNpy, parseNpyHeader, readNpy, toNpy, writeNpy, type NpyArray } from '../lib';
import { python, requireNumpy } from './helpers/numpy';

/** A .npy file built by hand: magic, version, header length (LE), header padded to `total`, data. */
function handBuilt(version: [number, number], dict: string, data: number[], total = 128): Buffer {
  const lengthBytes = version[0] === 1 ? 2 : 4;
  const header = dict.padEnd(total - 8 - lengthBytes - 1, ' ') + '\n';
  const length = Buffer.alloc(lengthBytes);
  if (lengthBytes === 2) length.writeUInt16LE(header.length);
  else length.writeUInt32LE(header.length);
  return Buffer.concat([
    Buffer.from([0x93]),
    Buffer.from('NUMPY', 'latin1'),
    Buffer.from(version),
    length,
    Buffer.from(header, 'latin1'),
    Buffer.from(data),
  ]);
}

/** [[1.5, -2], [0.25, 3]] as float32: IEEE-754 bit patterns 3FC00000, C0000000, 3E800000, 40400000, little-endian. */
const F32_BYTES = [0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0x80, 0x3e, 0, 0, 0x40, 0x40];
const F32_DICT = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";

/** The bytes of a typed array, for exact (bitwise) comparisons that also hold for NaN and -0. */
const bytesOf = (a: NpyArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('.npy (lib/npy.ts)', function () {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-npy-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('against bytes built by hand from the specification', () => {
    it('toNpy writes exactly the version 1.0 bytes: header padded with spaces to 64-byte alignment, then the little-endian data', () => {
      const expected = handBuilt([1, 0], F32_DICT, F32_BYTES);
      assert.deepEqual(toNpy(new Float32Array([1.5, -2, 0.25, 3]), [2, 2]), expected);
      // One axis: Python's one-tuple "(4,)"; the default shape is [length].
      assert.deepEqual(
        toNpy(new Float32Array([1.5, -2, 0.25, 3])),
        handBuilt([1, 0], "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", F32_BYTES),
      );
      // uint16 [2, 3]: 1..6 little-endian.
      assert.deepEqual(
        toNpy(Uint16Array.from([1, 2, 3, 4, 5, 0xfffe]), [2, 3]),
        handBuilt([1, 0], "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3), }", [1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 0xfe, 0xff]),
      );
    });

    it('fromNpy reads those bytes, other spacing, versions 2.0 and 3.0, and a 0-d array', () => {
      const a = fromNpy(handBuilt([1, 0], F32_DICT, F32_BYTES));
      assert.equal(a.dtype, '<f4');
      assert.deepEqual(a.shape, [2, 2]);
      assert.deepEqual([...a.data], [1.5, -2, 0.25, 3]);
      assert.ok(a.data instanceof Float32Array);
      // Keys in another order, no spaces, a trailing comma in the shape: still the same array.
      const terse = fromNpy(handBuilt([2, 0], "{'shape':(2,2,),'fortran_order':False,'descr':'<f4'}", F32_BYTES));
      assert.deepEqual(terse.shape, [2, 2]);
      assert.deepEqual([...terse.data], [1.5, -2, 0.25, 3]);
      assert.deepEqual([...fromNpy(handBuilt([3, 0], F32_DICT, F32_BYTES)).data], [1.5, -2, 0.25, 3]);
      const scalar = fromNpy(handBuilt([1, 0], "{'descr': '<i4', 'fortran_order': False, 'shape': (), }", [0xff, 0xff, 0xff, 0xff]));
      assert.deepEqual(scalar.shape, []);
      assert.deepEqual([...scalar.data], [-1]);
      // A data offset that is not a multiple of the element size still gives an aligned array.
      const odd = fromNpy(
        handBuilt([1, 0], "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0xf0, 0x3f], 75),
      );
      assert.deepEqual([...odd.data], [1]);
    });

    it('refuses what it cannot read with a RangeError naming bytes: truncated, Fortran order, big-endian, other magic or version', () => {
      const good = handBuilt([1, 0], F32_DICT, F32_BYTES);
      const cases: [Buffer, RegExp][] = [
        [good.subarray(0, good.length - 1), /complete \.npy file \(144 bytes for <f4 \(2, 2\)\).*143 bytes/],
        [Buffer.concat([good, Buffer.from([0])]), /complete \.npy file/],
        [good.subarray(0, 60), /complete header/],
        [handBuilt([1, 0], "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", F32_BYTES), /C order/],
        [handBuilt([1, 0], "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", F32_BYTES), /not >f4/],
        [handBuilt([1, 0], "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", F32_BYTES), /not <c8/],
        [handBuilt([4, 0], F32_DICT, F32_BYTES), /version 1\.0 to 3\.0, not 4\.0/],
        [handBuilt([1, 0], "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", F32_BYTES), /shape of integers/],
        [Buffer.concat([Buffer.from('PK'), good.subarray(2)]), /\\x93NUMPY/],
      ];
      for (const [bytes, message] of cases)
        assert.throws(
          () => fromNpy(bytes),
          (e: Error) => e instanceof RangeError && /for bytes/.test(e.message) && message.test(e.message),
          String(message),
        );
      assert.throws(() => fromNpy('x' as unknown as Uint8Array), /TypeError|Uint8Array/);
      assert.throws(() => fromNpy([1, 2] as unknown as Uint8Array), TypeError);
    });

    it('reads the header as the dict numpy reads, not by searching it: injected, repeated or extra keys and unsafe axes are refused', () => {
      const DICT_ERROR = /dict of exactly 'descr', 'fortran_order' and 'shape'/;
      const cases: [string, RegExp][] = [
        // A key quoted inside another value: searching would take '|u1' (and 4 bytes as 4 elements).
        [`{'note': "'descr': '|u1'", 'descr': '<f4', 'fortran_order': False, 'shape': (4,), }`, DICT_ERROR],
        // Python keeps the last of two copies; searching took the first.
        [`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'shape': (4,), }`, DICT_ERROR],
        [`'descr': '<f4', 'fortran_order': False, 'shape': (4,)`, DICT_ERROR],
        [`{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } trailing`, DICT_ERROR],
        [`{'descr': '<f4', 'fortran_order': False, }`, DICT_ERROR],
        // A zero axis made the product 0 and let a 1e23 axis through.
        [`{'descr': '<f4', 'fortran_order': False, 'shape': (0, 99999999999999999999999), }`, /axis sizes below 2\^53/],
      ];
      for (const [dict, message] of cases)
        assert.throws(
          () => fromNpy(handBuilt([1, 0], dict, F32_BYTES)),
          (e: Error) => e instanceof RangeError && /for bytes/.test(e.message) && message.test(e.message),
          dict,
        );
      // What numpy itself writes still reads: spaces inside the tuple, double-quoted keys, any key order.
      const ok = fromNpy(handBuilt([1, 0], `{"shape": ( 2 ,2 ), 'fortran_order': False, 'descr': '<f4'}`, F32_BYTES));
      assert.deepEqual(ok.shape, [2, 2]);
      assert.deepEqual([...ok.data], [1.5, -2, 0.25, 3]);
    });

    it('toNpy checks the shape it writes: a getter answering the check and the copy differently cannot put negative axes in the header', () => {
      let reads = 0;
      const shape = [1, 1, 4];
      // The check reads 1, 1, 4; a second read (the old code copied after checking) gives -1, -1, 4 (product 4).
      for (const i of [0, 1]) Object.defineProperty(shape, i, { get: () => (reads++ < 2 ? 1 : -1), enumerable: true });
      const bytes = toNpy(new Float32Array(4), shape);
      assert.deepEqual(fromNpy(bytes).shape, [1, 1, 4]);
    });

    it('toNpy refuses a shape that does not fit the data (RangeError naming shape) and a non-typed array (TypeError naming data)', () => {
      assert.throws(
        () => toNpy(new Float32Array(6), [2, 2]),
        (e: Error) => e instanceof RangeError && /shape.*\[2,2\]/.test(e.message),
      );
      assert.throws(
        () => toNpy(new Float32Array(4), [2, 2.5]),
        (e: Error) => e instanceof RangeError && /for shape/.test(e.message),
      );
      assert.throws(
        () => toNpy(new Float32Array(4), [-2, -2]),
        (e: Error) => e instanceof RangeError && /for shape/.test(e.message),
      );
      assert.throws(
        () => toNpy(new Float32Array(4), '2,2' as unknown as number[]),
        (e: Error) => e instanceof TypeError && /for shape/.test(e.message),
      );
      assert.throws(
        () => toNpy([1, 2] as unknown as Float32Array),
        (e: Error) => e instanceof TypeError && /for data/.test(e.message),
      );
      assert.throws(
        () => toNpy(new Int16Array(2) as unknown as Uint16Array),
        (e: Error) => e instanceof TypeError && /for data/.test(e.message),
      );
    });

    it('writeNpy/readNpy round-trip every dtype exactly (NaN payloads, -0, subnormals, extremes) and leave no temporary file', async () => {
      const f32 = new Float32Array([NaN, -0, 1e-45, 3.4028234663852886e38, -Infinity, Math.PI]);
      const arrays: [NpyArray, number[]][] = [
        [f32, [2, 3]],
        [Float64Array.from([Number.MIN_VALUE, -Number.MAX_VALUE, 0.1]), [3]],
        [Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, 7]), [1, 2, 2]],
        [Uint16Array.from([0, 65535, 1024]), [3, 1]],
        [Uint8Array.from([0, 255]), [2]],
        [new Float32Array(0), [0, 5]],
      ];
      for (const [data, shape] of arrays) {
        const file = path.join(dir, `rt-${data.constructor.name}.npy`);
        writeNpy(file, data, shape);
        const back = await readNpy(file);
        assert.deepEqual(back.shape, shape);
        assert.equal(back.data.constructor, data.constructor);
        assert.ok(bytesOf(back.data).equals(bytesOf(data)), `${data.constructor.name} round-trips bit for bit`);
        assert.equal(parseNpyHeader(fs.readFileSync(file)).dataOffset % 64, 0, 'data aligned to 64 bytes');
      }
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
        [],
      );
      await assert.rejects(readNpy(dir), /not a regular file|directory/);
    });
  });

  describe('against numpy', () => {
    it('numpy.load reads what toNpy writes: dtype, shape and every value bit for bit', function () {
      requireNumpy(this);
      const cases: [string, NpyArray, number[]][] = [
        ['f4', Float32Array.from({ length: 2 * 3 * 5 }, (_, i) => Math.fround(Math.sin(i) * 10 ** (i % 7))), [2, 3, 5]],
        ['f4special', new Float32Array([NaN, -0, 1e-45, -Infinity]), [4]],
        ['f8', Float64Array.from([0.1, -1e300, 5e-324]), [3]],
        ['i4', Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 5, -5, 0, 1]), [3, 2]],
        ['u2', Uint16Array.from({ length: 12 }, (_, i) => (i * 6151) % 65536), [4, 3]],
        ['u1', Uint8Array.from([0, 128, 255]), [1, 3]],
      ];
      for (const [name, data, shape] of cases) fs.writeFileSync(path.join(dir, `ours-${name}.npy`), toNpy(data, shape));
      const seen = JSON.parse(
        python(
          `out = {}
for name in sys.argv[2:]:
    a = np.load(sys.argv[1] + '/ours-' + name + '.npy', allow_pickle=False)
    out[name] = {'dtype': a.dtype.str, 'shape': list(a.shape), 'hex': a.astype(a.dtype.newbyteorder('<')).tobytes().hex(), 'c': bool(a.flags.c_contiguous)}
print(json.dumps(out))`,
          [dir, ...cases.map((c) => c[0])],
        ),
      );
      for (const [name, data, shape] of cases) {
        assert.equal(seen[name].dtype, toNpy(data).toString('latin1', 21, 24), `${name} dtype`);
        assert.deepEqual(seen[name].shape, shape, `${name} shape`);
        assert.equal(seen[name].hex, bytesOf(data).toString('hex'), `${name} values`);
      }
    });

    it('fromNpy reads what numpy.save writes (C order; Fortran order refused), bit for bit', async function () {
      requireNumpy(this);
      const made = JSON.parse(
        python(
          `d = sys.argv[1]
arrays = {
  'f4': (np.arange(24, dtype='<f4').reshape(2, 3, 4) / 7).astype('<f4'),
  'u2': (np.arange(30).reshape(5, 6) * 2000 % 65536).astype('<u2'),
  'i4': np.array([-7, 2**31 - 1, -2**31], dtype='<i4'),
  'f8': np.array([[np.pi, -0.0]], dtype='<f8'),
  'u1': np.arange(10, dtype='u1'),
  'scalar': np.array(2.5, dtype='<f4'),
}
out = {}
for k, a in arrays.items():
    np.save(d + '/np-' + k + '.npy', a)
    out[k] = {'shape': list(a.shape), 'hex': a.tobytes().hex()}
np.save(d + '/np-fortran.npy', np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)))
print(json.dumps(out))`,
          [dir],
        ),
      );
      for (const [k, expected] of Object.entries(made) as [string, { shape: number[]; hex: string }][]) {
        const a = await readNpy(path.join(dir, `np-${k}.npy`));
        assert.deepEqual(a.shape, expected.shape, `${k} shape`);
        assert.equal(bytesOf(a.data).toString('hex'), expected.hex, `${k} values`);
      }
      await assert.rejects(readNpy(path.join(dir, 'np-fortran.npy')), /C order, not Fortran order/);
    });
  });
});
