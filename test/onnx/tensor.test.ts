// SPDX-License-Identifier: MIT
// lib/onnx/tensor.ts: tensor values in and out of TensorProtos (raw_data and the typed lists).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DataType, decodeModel, encodeModel, makeTensor, tensorValues, type TensorArray, type TensorProto } from '../../lib/onnx';
import { float16ToFloat32 } from '../../lib/preprocess';
import { requireShared, shared } from '../helpers/shared';

/** A tensor through the wire and back, as a model's only initializer. */
function roundTrip(tensor: TensorProto): TensorProto {
  return decodeModel(encodeModel({ graph: { initializer: [tensor] } })).graph?.initializer?.[0] as TensorProto;
}

describe('onnx tensors', () => {
  it('makeTensor → encode → decode → tensorValues gives the values back, for every supported type', () => {
    const cases: [number, TensorArray][] = [
      [DataType.FLOAT, Float32Array.of(1.5, -0, Infinity, NaN, 3e-42)],
      [DataType.DOUBLE, Float64Array.of(Math.PI, -1e300)],
      [DataType.FLOAT16, Uint16Array.of(0x3c00, 0xfbff)],
      [DataType.BFLOAT16, Uint16Array.of(0x3f80, 0x0001)],
      [DataType.INT8, Int8Array.of(-128, 127)],
      [DataType.UINT8, Uint8Array.of(0, 255)],
      [DataType.BOOL, Uint8Array.of(1, 0)],
      [DataType.INT16, Int16Array.of(-32768, 1)],
      [DataType.UINT16, Uint16Array.of(65535, 2)],
      [DataType.INT32, Int32Array.of(-(2 ** 31), 2 ** 31 - 1)],
      [DataType.UINT32, Uint32Array.of(2 ** 32 - 1, 0)],
      [DataType.INT64, BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n)],
      [DataType.UINT64, BigUint64Array.of(2n ** 64n - 1n, 0n)],
    ];
    for (const [type, values] of cases) {
      const tensor = roundTrip(makeTensor('t', type, [values.length], values));
      assert.deepEqual(tensorValues(tensor), values, `data_type ${type}`);
      assert.equal(tensor.raw_data?.length, values.byteLength, `data_type ${type} is stored in raw_data`);
    }
  });

  it('raw_data is little-endian: 1.0f is 00 00 80 3f', () => {
    assert.deepEqual([...(makeTensor('one', DataType.FLOAT, [], Float32Array.of(1)).raw_data ?? [])], [0, 0, 0x80, 0x3f]);
  });

  it('reads the typed lists the spec assigns when raw_data is absent', () => {
    const t = (data_type: number, fields: Partial<TensorProto>): TensorArray =>
      tensorValues(roundTrip({ name: 'x', dims: [2n], data_type, ...fields }));
    assert.deepEqual(t(DataType.FLOAT, { float_data: [0.5, -2] }), Float32Array.of(0.5, -2));
    assert.deepEqual(t(DataType.DOUBLE, { double_data: [0.1, 1e-300] }), Float64Array.of(0.1, 1e-300));
    assert.deepEqual(t(DataType.FLOAT16, { int32_data: [0x3c00, 0x8000] }), Uint16Array.of(0x3c00, 0x8000));
    assert.deepEqual(t(DataType.INT8, { int32_data: [-5, 7] }), Int8Array.of(-5, 7));
    assert.deepEqual(t(DataType.INT64, { int64_data: [-(2n ** 62n), 3n] }), BigInt64Array.of(-(2n ** 62n), 3n));
    assert.deepEqual(t(DataType.UINT32, { uint64_data: [4294967295n, 1n] }), Uint32Array.of(4294967295, 1));
  });

  it('rejects what it cannot read, naming the tensor', () => {
    assert.throws(() => tensorValues({ name: 'w', dims: [3n], data_type: DataType.FLOAT, raw_data: new Uint8Array(8) }), {
      name: 'RangeError',
      message: /tensor w: raw_data has 8 bytes, expected 3 × 4/,
    });
    assert.throws(() => tensorValues({ name: 'w', dims: [3n], data_type: DataType.FLOAT, float_data: [1] }), {
      name: 'RangeError',
      message: /tensor w: 1 values for dims \[3\]/,
    });
    assert.throws(() => tensorValues({ name: 's', dims: [1n], data_type: DataType.STRING }), {
      name: 'RangeError',
      message: /tensor s: data_type 8 is not supported/,
    });
    assert.throws(() => tensorValues({ name: 'e', dims: [1n], data_type: DataType.FLOAT, data_location: 1 }), {
      name: 'RangeError',
      message: /tensor e: .*external file/,
    });
    assert.throws(() => tensorValues({ name: 'd', dims: [-1n], data_type: DataType.FLOAT }), {
      name: 'RangeError',
      message: /tensor d: dim -1 is out of range/,
    });
    assert.throws(() => makeTensor('m', DataType.FLOAT, [2], Float64Array.of(1, 2)), {
      name: 'TypeError',
      message: /tensor m: FLOAT values must be a Float32Array, got Float64Array/,
    });
    assert.throws(() => makeTensor('m', DataType.FLOAT, [3], Float32Array.of(1, 2)), {
      name: 'RangeError',
      message: /tensor m: 2 values for dims \[3\]/,
    });
    assert.throws(() => makeTensor('m', DataType.FLOAT, [0.5], Float32Array.of()), {
      name: 'RangeError',
      message: /tensor m: dim 0.5 is not a non-negative integer/,
    });
  });
});

describe('onnx tensors: shared models', function () {
  requireShared(this);

  it('the fp16 squeezenet holds the fp32 weights rounded to half precision', () => {
    const read = (file: string): TensorProto[] => decodeModel(fs.readFileSync(shared('models', file))).graph?.initializer ?? [];
    const fp32 = read('squeezenet1.1-fp32.onnx');
    const fp16 = read('squeezenet1.1-fp16.onnx');
    assert.equal(fp16.length, fp32.length);
    let checked = 0;
    for (const half of fp16) {
      const full = fp32.find((t) => t.name === half.name) as TensorProto;
      assert.deepEqual([half.data_type, full.data_type, half.dims], [DataType.FLOAT16, DataType.FLOAT, full.dims], String(half.name));
      const a = float16ToFloat32(tensorValues(half) as Uint16Array);
      const b = tensorValues(full) as Float32Array;
      // Rounding to nearest half: relative error ≤ 2^-11 for normal halves, absolute ≤ 2^-25 below them.
      b.forEach((v, i) => assert.ok(Math.abs((a[i] as number) - v) <= Math.max(Math.abs(v) * 2 ** -11, 2 ** -25), `${half.name}[${i}]`));
      checked += b.length;
    }
    assert.ok(checked > 1_000_000, `${checked} weights compared`);
  });
});
