// SPDX-License-Identifier: MIT
// Gradients of whole models: float64 models whose operators onnxruntime runs in double (finite
// differences to 1e-6), the linear glass box (the gradient is its weights, exactly), SqueezeNet 1.1
// (directional derivatives against float64 finite differences, ≤ 1e-3), batches, and the refusals
// (an operator without a rule, a quantized model) that name the operator and the node.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { planGradient } from '../../lib/gradient';
import { buildModel, linearModel, type Initializer } from '../helpers/onnx-builder';
import { Float64Model } from '../helpers/onnx-float64';
import { requireShared, shared } from '../helpers/shared';
import { directionalCheck, gradientRunner, oneHot, seeded } from './gradient-check';

/** A float64 model on input `x` [N, 6]: every arithmetic, activation and shape rule, in double. */
function doubleModel(): Uint8Array {
  const random = seeded(17);
  const init = (name: string, dims: number[]): Initializer => ({
    name,
    type: 'float64',
    dims,
    data: Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => 2 * random() - 1),
  });
  const i64 = (name: string, data: number[]): Initializer => ({ name, type: 'int64', dims: [data.length], data });
  return buildModel({
    inputs: [{ name: 'x', type: 'float64', shape: ['N', 6] }],
    outputs: [{ name: 'scores', type: 'float64', shape: ['N', 4] }],
    nodes: [
      // Gemm with both transposes' B form, alpha and beta; then activations.
      {
        op: 'Gemm',
        inputs: ['x', 'B', 'C'],
        outputs: ['g'],
        attributes: { transB: { int: 1 }, alpha: { float: 0.7 }, beta: { float: 0.5 } },
      },
      { op: 'Tanh', inputs: ['g'], outputs: ['t'] },
      { op: 'Sigmoid', inputs: ['g'], outputs: ['s'] },
      // Both operands depend on the input: each gets its gradient.
      { op: 'Mul', inputs: ['t', 's'], outputs: ['ts'] },
      { op: 'Div', inputs: ['ts', 'den'], outputs: ['q'] },
      { op: 'Div', inputs: ['g', 'q'], outputs: ['r'] },
      { op: 'Sub', inputs: ['r', 'ts'], outputs: ['u'] },
      { op: 'Relu', inputs: ['u'], outputs: ['ru'] },
      { op: 'Add', inputs: ['ru', 'q'], outputs: ['v'] },
      // [N, 6] → [N, 2, 3] → transposed [N, 3, 2] · [2, 4] (MatMul broadcasting over N).
      { op: 'Reshape', inputs: ['v', 'shape'], outputs: ['v3'] },
      { op: 'Transpose', inputs: ['v3'], outputs: ['vt'], attributes: { perm: { ints: [0, 2, 1] } } },
      { op: 'MatMul', inputs: ['vt', 'M'], outputs: ['m'] },
      { op: 'Split', inputs: ['m', 'parts'], outputs: ['m1', 'm2'], attributes: { axis: { int: 1 } } },
      { op: 'Concat', inputs: ['m2', 'm1', 'm2'], outputs: ['mc'], attributes: { axis: { int: 1 } } },
      { op: 'ReduceMean', inputs: ['mc', 'axis1'], outputs: ['mean'], attributes: { keepdims: { int: 0 } } },
      { op: 'Unsqueeze', inputs: ['mean', 'axis1'], outputs: ['mu'] },
      { op: 'Squeeze', inputs: ['mu', 'axis1'], outputs: ['ms'] },
      { op: 'Softmax', inputs: ['ms'], outputs: ['p'] },
      { op: 'LogSoftmax', inputs: ['ms'], outputs: ['lp'] },
      { op: 'Add', inputs: ['p', 'lp'], outputs: ['scores'] },
    ],
    initializers: [
      init('B', [6, 6]),
      init('C', [6]),
      { name: 'den', type: 'float64', dims: [1, 6], data: Float64Array.of(1.5, 2, 2.5, 3, 3.5, 4) },
      init('M', [2, 4]),
      i64('shape', [0, 2, 3]),
      i64('parts', [1, 2]),
      i64('axis1', [1]),
    ],
  });
}

describe('gradients of whole models', function () {
  this.timeout(120000);

  it('a float64 model (Gemm, MatMul, Tanh, Sigmoid, Relu, Mul, Div, Sub, Add, Reshape, Transpose, Split, Concat, ReduceMean, (Un)Squeeze, Softmax, LogSoftmax): finite differences to 1e-6', async () => {
    const bytes = doubleModel();
    const runner = await gradientRunner(bytes);
    try {
      assert.equal(runner.inputType, 'float64');
      const random = seeded(23);
      const x = Float64Array.from({ length: 6 }, () => 2 * random() - 1);
      // The truth: onnxruntime's own float64 forward pass (the gradient model's scores output).
      const truth = async (v: Float64Array) => (await runner.run(v, 1, new Float64Array(4))).scores as Float64Array;
      for (const k of [0, 3])
        await directionalCheck(runner, x, oneHot([k], 4), truth, { directions: 4, h: 1e-5, tolerance: 1e-6, seed: 29 + k });
    } finally {
      await runner.dispose();
    }
  });

  it('the linear glass box: the gradient of class k is row k of its weights, exactly, for every image of a batch', async () => {
    const model = linearModel({ height: 5, width: 4, classes: 3 });
    const runner = await gradientRunner(model.bytes);
    try {
      const per = 3 * 5 * 4;
      const random = seeded(31);
      const images = Float32Array.from({ length: 3 * per }, () => random());
      const { gradients, scores } = await runner.run(images, 3, oneHot([2, 0, 1], 3));
      [2, 0, 1].forEach((k, i) =>
        assert.deepEqual(gradients.subarray(i * per, (i + 1) * per), model.weights.subarray(k * per, (k + 1) * per)),
      );
      // The scores are the model's logits (no softmax asked).
      const ref = model.reference(images, 3);
      scores.forEach((s, i) => assert.ok(Math.abs(s - ref[i]) < 1e-5));
    } finally {
      await runner.dispose();
    }
  });

  it('softmax: true differentiates the probabilities: p_k (w_k − p·w) for the linear model', async () => {
    const model = linearModel({ height: 3, width: 3, classes: 4 });
    const runner = await gradientRunner(model.bytes, { softmax: true });
    try {
      const per = 27;
      const x = Float32Array.from({ length: per }, (_, i) => Math.sin(i));
      const { gradients, scores } = await runner.run(x, 1, oneHot([1], 4));
      const z = model.reference(x, 1);
      const e = Array.from(z, (v) => Math.exp(v));
      const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
      p.forEach((v, k) => assert.ok(Math.abs(scores[k] - v) < 1e-6));
      for (let i = 0; i < per; i++) {
        let mix = 0;
        for (let k = 0; k < 4; k++) mix += p[k] * model.weights[k * per + i];
        const expected = p[1] * (model.weights[per + i] - mix);
        assert.ok(Math.abs(gradients[i] - expected) < 1e-6, `pixel ${i}: ${gradients[i]} vs ${expected}`);
      }
    } finally {
      await runner.dispose();
    }
  });

  it('an operator without a backward rule is refused naming it, its node and the supported operators', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', type: 'float32', shape: ['N', 4] }],
      outputs: [{ name: 'y', type: 'float32', shape: ['N', 4] }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Erf', inputs: ['r'], outputs: ['y'] },
      ],
    });
    assert.throws(
      () => planGradient(bytes),
      (err: Error) => {
        assert.ok(err instanceof RangeError);
        assert.match(err.message, /operator Erf \(node "Erf_1"\) is not supported; supported: .*Conv.*MaxPool/);
        return true;
      },
    );
  });

  describe('shared models', function () {
    requireShared(this);

    it('SqueezeNet 1.1 (fp32): directional derivatives of the top class match float64 finite differences to 1e-3', async () => {
      const bytes = fs.readFileSync(shared('models', 'squeezenet1.1-fp32.onnx'));
      const runner = await gradientRunner(bytes);
      try {
        const random = seeded(41);
        const per = 3 * 224 * 224;
        const x = Float32Array.from({ length: per }, () => 2 * random() - 1);
        const { scores } = await runner.run(x, 1, new Float32Array(1000));
        let top = 0;
        for (let k = 1; k < 1000; k++) if (scores[k] > scores[top]) top = k;
        const ref = new Float64Model(bytes);
        const worst = await directionalCheck(runner, x, oneHot([top], 1000), (v) => ref.run(v, [1, 3, 224, 224]), {
          directions: 2,
          h: 1e-6,
          tolerance: 1e-3,
          seed: 43,
        });
        // Measured about 1e-7: float32 gradients of a 26-conv network against float64 truth.
        assert.ok(worst < 1e-3);
      } finally {
        await runner.dispose();
      }
    });

    it('SqueezeNet 1.1: a batch gives each image the gradient it gets alone', async () => {
      const bytes = fs.readFileSync(shared('models', 'squeezenet1.1-fp32.onnx'));
      const runner = await gradientRunner(bytes, { batchSize: 2 });
      try {
        const random = seeded(47);
        const per = 3 * 224 * 224;
        const images = Float32Array.from({ length: 3 * per }, () => 2 * random() - 1);
        const classes = [5, 900, 281];
        const batch = await runner.run(images, 3, oneHot(classes, 1000));
        for (let i = 0; i < 3; i++) {
          const alone = await runner.run(images.subarray(i * per, (i + 1) * per), 1, oneHot([classes[i]], 1000));
          let worst = 0;
          let scale = 0;
          for (let j = 0; j < per; j++) {
            worst = Math.max(worst, Math.abs(alone.gradients[j] - batch.gradients[i * per + j]));
            scale = Math.max(scale, Math.abs(alone.gradients[j]));
          }
          assert.ok(scale > 0 && worst <= 1e-5 * scale, `image ${i}: ${worst} of ${scale}`);
        }
      } finally {
        await runner.dispose();
      }
    });

    it('a float16 model (SqueezeNet 1.1 fp16) is refused naming its input and type', () => {
      const bytes = fs.readFileSync(shared('models', 'squeezenet1.1-fp16.onnx'));
      assert.throws(() => planGradient(bytes), /gradients need a float32 or float64 model; input "data_0" is FLOAT16/);
    });

    it('a quantized model (MobileNetV2 int8) is refused naming its first quantized operator and node', () => {
      const bytes = fs.readFileSync(shared('models', 'mobilenetv2-12-int8.onnx'));
      assert.throws(
        () => planGradient(bytes),
        (err: Error) =>
          err instanceof RangeError &&
          /gradients need a float model: operator QuantizeLinear \(node "[^"]+"\) is quantized/.test(err.message),
      );
    });
  });
});
