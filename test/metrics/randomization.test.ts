// SPDX-License-Identifier: MIT
// The model-randomisation sanity check's rewrite: which initializers are permuted (read back from the
// rewritten bytes) and seeding.
import assert from 'node:assert/strict';
import { randomizeModel } from '../../lib/metrics/randomize-model';
import { DataType, decodeModel, encodeModel, makeTensor, tensorValues, type ModelProto, type TensorProto } from '../../lib/onnx';
import { linearModel } from '../helpers/onnx-builder';

const H = 8,
  W = 8;

function initializers(bytes: Uint8Array): Map<string, TensorProto> {
  return new Map((decodeModel(bytes).graph?.initializer ?? []).map((t) => [t.name as string, t]));
}
function sorted(v: unknown): number[] {
  return Array.from(v as ArrayLike<number>).sort((a, b) => a - b);
}
/** `after` holds exactly `before`'s values, in another order. */
function assertPermuted(before: TensorProto, after: TensorProto, what: string) {
  const a = tensorValues(before) as Float32Array,
    b = tensorValues(after) as Float32Array;
  assert.deepEqual(after.dims, before.dims, `${what} dims`);
  assert.equal(after.data_type, before.data_type, `${what} type`);
  assert.deepEqual(sorted(b), sorted(a), `${what}: the same values`);
  assert.notDeepEqual(Array.from(b), Array.from(a), `${what}: in another order`);
}

describe('randomization: the rewritten model', () => {
  const model = linearModel({ height: H, width: W, classes: 3, seed: 5 });
  const original = initializers(model.bytes);

  it('layers 1 permutes the last weighted node (the bias Add: b), layers 2 cascades to the MatMul (W); the graph is otherwise unchanged', () => {
    const one = randomizeModel(model.bytes, 1, 7);
    assert.deepEqual(one.initializers, ['b']);
    const r1 = initializers(one.bytes);
    assertPermuted(original.get('b') as TensorProto, r1.get('b') as TensorProto, 'b');
    assert.deepEqual(r1.get('W'), original.get('W'), 'W untouched');

    const two = randomizeModel(model.bytes, 2, 7);
    assert.deepEqual(two.initializers, ['b', 'W']);
    const r2 = initializers(two.bytes);
    assertPermuted(original.get('W') as TensorProto, r2.get('W') as TensorProto, 'W');
    assertPermuted(original.get('b') as TensorProto, r2.get('b') as TensorProto, 'b');
    // Everything but the initializers' values is what it was.
    const strip = (m: ModelProto) => ({
      ...m,
      graph: { ...m.graph, initializer: m.graph?.initializer?.map((t) => ({ ...t, raw_data: undefined })) },
    });
    assert.deepEqual(strip(decodeModel(two.bytes)), strip(decodeModel(model.bytes)));
  });

  it('same seed, same bytes; another seed, other weights', () => {
    assert.deepEqual(randomizeModel(model.bytes, 2, 7).bytes, randomizeModel(model.bytes, 2, 7).bytes);
    const a = initializers(randomizeModel(model.bytes, 2, 7).bytes).get('W') as TensorProto;
    const b = initializers(randomizeModel(model.bytes, 2, 8).bytes).get('W') as TensorProto;
    assert.notDeepEqual(tensorValues(a), tensorValues(b));
  });

  it('int8 weights behind DequantizeLinear are permuted, their scale and zero point and integer shapes are not', () => {
    const wq = makeTensor('Wq', DataType.INT8, [2, 3], Int8Array.of(-5, 1, 7, 3, -2, 9));
    const scale = makeTensor('scale', DataType.FLOAT, [], Float32Array.of(0.1));
    const zp = makeTensor('zp', DataType.INT8, [], Int8Array.of(0));
    const shape = makeTensor('shape', DataType.INT64, [2], BigInt64Array.of(1n, -1n));
    const m: ModelProto = {
      ir_version: 8n,
      opset_import: [{ domain: '', version: 13n }],
      graph: {
        name: 'q',
        node: [
          { op_type: 'DequantizeLinear', input: ['Wq', 'scale', 'zp'], output: ['Wf'], name: 'dq' },
          { op_type: 'MatMul', input: ['x', 'Wf'], output: ['y'], name: 'mm' },
          { op_type: 'Reshape', input: ['y', 'shape'], output: ['out'], name: 'reshape' },
        ],
        initializer: [wq, scale, zp, shape],
      },
    };
    const bytes = encodeModel(m);
    const r = randomizeModel(bytes, 1, 3);
    assert.deepEqual(r.initializers, ['Wq']);
    assert.deepEqual(r.nodes, ['dq']);
    const after = initializers(r.bytes);
    assert.deepEqual(sorted(tensorValues(after.get('Wq') as TensorProto) as Int8Array), sorted(tensorValues(wq) as Int8Array));
    assert.notDeepEqual(tensorValues(after.get('Wq') as TensorProto), tensorValues(wq));
    for (const name of ['scale', 'zp', 'shape']) assert.deepEqual(after.get(name), initializers(bytes).get(name), name);
    assert.throws(() => randomizeModel(bytes, 2, 3), { name: 'RangeError', message: /model's 1 weighted nodes for layers.*2/ });
  });
});
