// SPDX-License-Identifier: MIT
// lib/onnx (codec and schema): real models round-trip, onnxruntime runs what the codec writes, a
// rewritten initializer changes the outputs exactly as the formula says, and nothing is lost.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadImage } from '../../lib/image';
import { loadModel } from '../../lib/model';
import {
  DataType,
  decodeModel,
  encodeModel,
  makeTensor,
  tensorDims,
  tensorValues,
  type ModelProto,
  type TensorProto,
} from '../../lib/onnx';
import { fitToModel, resolvePreprocess, toTensorData } from '../../lib/preprocess';
import { linearModel } from '../helpers/onnx-builder';
import { requireShared, shared } from '../helpers/shared';

const SHARED_MODELS = ['squeezenet1.1-fp32.onnx', 'squeezenet1.1-fp16.onnx', 'mobilenetv2-12-int8.onnx'] as const;

/** Number of messages in a decoded tree that carry fields the schema does not know. */
function countUnknowns(value: unknown): number {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return 0;
  const own = Object.prototype.hasOwnProperty.call(value, '$unknowns') ? 1 : 0;
  return own + Object.values(value).reduce<number>((n, v) => n + countUnknowns(v), 0);
}

/** Deterministic inputs in [-1, 1). */
function randomInput(length: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 31 - 1;
  });
}

describe('onnx codec: shared pretrained models', function () {
  requireShared(this);
  this.timeout(60000);

  for (const file of SHARED_MODELS) {
    it(`${file}: decode → encode → decode gives the same model, with no field unknown to the schema`, () => {
      const bytes = fs.readFileSync(shared('models', file));
      const model = decodeModel(bytes);
      assert.equal(countUnknowns(model), 0, 'the schema covers every field these models use');
      const again = encodeModel(model);
      assert.deepStrictEqual(decodeModel(again), model);
      assert.ok((model.graph?.node?.length ?? 0) > 50, 'a real graph');
      assert.equal(model.graph?.output?.[0]?.type?.tensor_type?.shape?.dim?.[1]?.dim_value, 1000n, '1000 classes');
    });
  }

  it('models written with the official proto2 schema re-encode byte for byte', () => {
    // The squeezenet fp32 file came from a proto3 writer that packs repeated int64 attributes, which
    // the official schema leaves unpacked: its re-encoding has the same content in 84 more bytes.
    for (const file of ['squeezenet1.1-fp16.onnx', 'mobilenetv2-12-int8.onnx']) {
      const bytes = fs.readFileSync(shared('models', file));
      assert.ok(Buffer.from(encodeModel(decodeModel(bytes))).equals(bytes), file);
    }
  });

  it('the decoded model owns its bytes: changing the input afterwards changes nothing', () => {
    const bytes = new Uint8Array(fs.readFileSync(shared('models', 'squeezenet1.1-fp16.onnx')));
    const model = decodeModel(bytes);
    const weights = model.graph?.initializer?.[0] as TensorProto;
    const before = tensorValues(weights);
    bytes.fill(0);
    assert.deepEqual(tensorValues(weights), before);
  });

  it('onnxruntime gives the re-encoded squeezenet the same outputs as the original file', async () => {
    const original = fs.readFileSync(shared('models', 'squeezenet1.1-fp32.onnx'));
    const reencoded = encodeModel(decodeModel(original));
    assert.notDeepEqual(Buffer.from(reencoded), original, 'different bytes (packing), same model');
    const outputs: Float32Array[] = [];
    for (const bytes of [new Uint8Array(original), reencoded]) {
      const m = await loadModel(bytes);
      try {
        const p = resolvePreprocess('caffe-bgr', m);
        const image = await fitToModel(await loadImage(shared('models', 'images', 'kitten_224.png')), p);
        outputs.push(await m.run(toTensorData(image, p, m.inputType), 1));
      } finally {
        await m.dispose();
      }
    }
    const [a, b] = outputs as [Float32Array, Float32Array];
    assert.equal(a.indexOf(Math.max(...a)), 281, 'tabby cat, as the model README says');
    assert.deepEqual(b, a);
  });
});

describe('onnx codec: rewriting a model', () => {
  it('a replaced initializer changes the outputs to what the new weights give', async () => {
    const [height, width, classes] = [4, 3, 2];
    const g = linearModel({ height, width, classes, seed: 5 });
    const model = decodeModel(g.bytes);
    const inits = model.graph?.initializer ?? [];
    const at = inits.findIndex((t) => t.name === 'W');
    const old = inits[at] as TensorProto;
    assert.deepEqual(tensorDims(old), [3 * height * width, classes]);
    // New weights W'[i, k] = 0.25 − W[i, k], stored like the old ones ([features, classes]).
    const rewritten = Float32Array.from(tensorValues(old) as Float32Array, (w) => 0.25 - w);
    inits[at] = makeTensor('W', DataType.FLOAT, tensorDims(old), rewritten);
    const m = await loadModel(encodeModel(model), { softmax: false });
    try {
      const x = randomInput(2 * 3 * height * width, 11);
      const out = await m.run(x, 2);
      const features = 3 * height * width;
      for (let n = 0; n < 2; n++) {
        for (let k = 0; k < classes; k++) {
          let expected = g.bias[k] as number;
          for (let i = 0; i < features; i++) expected += (rewritten[i * classes + k] as number) * (x[n * features + i] as number);
          assert.ok(Math.abs((out[n * classes + k] as number) - expected) < 1e-5, `sample ${n} class ${k}`);
        }
      }
      const before = g.reference(x, 2);
      assert.ok(Math.abs((out[0] as number) - (before[0] as number)) > 1e-3, 'the rewrite took effect');
    } finally {
      await m.dispose();
    }
  });

  it('keeps fields a newer ONNX adds, also through an in-place edit', () => {
    // ModelProto { graph (7) { node (1) { op_type (4) "Relu", field 99 = varint 5 } }, field 100 = "x" }.
    const node = [0x22, 4, ...Buffer.from('Relu'), 0x98, 0x06, 5];
    const graph = [0x0a, node.length, ...node];
    const bytes = Uint8Array.from([0x3a, graph.length, ...graph, 0xa2, 0x06, 1, 0x78]);
    const model = decodeModel(bytes);
    assert.equal(model.graph?.node?.[0]?.op_type, 'Relu');
    assert.deepEqual(Buffer.from(encodeModel(model)), Buffer.from(bytes));
    (model.graph?.node?.[0] as { op_type?: string }).op_type = 'Tanh';
    const edited = encodeModel(model);
    assert.deepEqual([...edited.subarray(-4)], [0xa2, 0x06, 1, 0x78], 'model-level unknown field last');
    assert.equal(decodeModel(edited).graph?.node?.[0]?.op_type, 'Tanh');
    assert.ok(Buffer.from(edited).includes(Buffer.from([0x98, 0x06, 5])), 'node-level unknown field kept');
  });

  it('64-bit fields are bigints, lossless at both ends of their range', () => {
    const max = 2n ** 63n - 1n;
    const model: ModelProto = {
      ir_version: 8n,
      graph: {
        node: [{ op_type: 'Slice', attribute: [{ name: 'ends', type: 7, ints: [max, -max - 1n, -1n] }] }],
        initializer: [{ name: 'u', data_type: DataType.UINT64, dims: [1n], uint64_data: [2n ** 64n - 1n] }],
      },
    };
    const back = decodeModel(encodeModel(model));
    assert.deepEqual(back.graph?.node?.[0]?.attribute?.[0]?.ints, [max, -max - 1n, -1n]);
    assert.deepEqual(tensorValues(back.graph?.initializer?.[0] as TensorProto), BigUint64Array.of(2n ** 64n - 1n));
  });
});

describe('onnx codec: bad input', () => {
  it('names the field and the value', () => {
    const bad = (graph: unknown): ModelProto => ({ graph }) as ModelProto;
    assert.throws(() => encodeModel(bad({ node: [{ attribute: [{ i: 3 }] }] })), {
      name: 'TypeError',
      message: /model\.graph\.node\[0\]\.attribute\[0\]\.i must be a bigint, got number 3/,
    });
    assert.throws(() => encodeModel({ ir_version: 2n ** 63n }), {
      name: 'RangeError',
      message: /model\.ir_version = 9223372036854775808 does not fit in int64/,
    });
    assert.throws(() => encodeModel(bad({ initializer: [{ raw_data: 'AAAA' }] })), {
      name: 'TypeError',
      message: /model\.graph\.initializer\[0\]\.raw_data must be a Uint8Array, got string/,
    });
    assert.throws(() => encodeModel(bad({ name: 7 })), { name: 'TypeError', message: /graph\.name: string expected/ });
    assert.throws(() => encodeModel(bad({ node: {} })), { name: 'TypeError', message: /model\.graph\.node must be an array/ });
    assert.throws(() => encodeModel(null as unknown as ModelProto), { name: 'TypeError', message: /model must be an object/ });
    const withJunk = { graph: { name: 'g' } };
    Object.defineProperty(withJunk.graph, '$unknowns', { value: ['not bytes'] });
    assert.throws(() => encodeModel(withJunk), { name: 'TypeError', message: /model\.graph\.\$unknowns must hold Uint8Arrays/ });
  });

  it('rejects bytes that are not a model', () => {
    assert.throws(() => decodeModel('model.onnx' as unknown as Uint8Array), {
      name: 'TypeError',
      message: /bytes must be a Uint8Array, got string/,
    });
    // A graph field (7) announcing 100 bytes, followed by 2.
    assert.throws(() => decodeModel(Uint8Array.of(0x3a, 100, 1, 2)), { name: 'Error', message: /bytes \(4 bytes\) are not an ONNX model/ });
  });
});
