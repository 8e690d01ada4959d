// SPDX-License-Identifier: MIT
// Gradients of small models built here, one per operator and attribute combination the backward
// rules handle: the gradient's directional derivatives equal central finite differences of an
// independent forward pass (float64 onnxruntime where it runs the operators in double, else the
// float64 evaluator of test/helpers/onnx-float64.ts).
import assert from 'node:assert/strict';
import { buildModel, type Attribute, type Initializer, type NodeSpec } from '../helpers/onnx-builder';
import { Float64Model } from '../helpers/onnx-float64';
import { directionalCheck, gradientRunner, oneHot, seeded } from './gradient-check';

type Node = [op: string, inputs: string[], outputs: string[], attributes?: Record<string, Attribute>];

/**
 * A float32 image model on input `x` [N, c, h, w] whose nodes end in `out`, followed by
 * GlobalAveragePool and Flatten to [N, K] scores; initializers `name: dims` get seeded values
 * (variances positive).
 */
function cnn(spec: {
  c: number;
  h: number;
  w: number;
  k: number;
  nodes: Node[];
  weights: Record<string, number[]>;
  opset?: number;
  seed?: number;
}) {
  const random = seeded(spec.seed ?? 3);
  const initializers: Initializer[] = Object.entries(spec.weights).map(([name, dims]) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () => (name.startsWith('var') ? 0.5 + random() : 2 * random() - 1));
    return { name, type: 'float32', dims, data };
  });
  const nodes: NodeSpec[] = [
    ...spec.nodes.map(([op, inputs, outputs, attributes]) => ({ op, inputs, outputs, attributes })),
    { op: 'GlobalAveragePool', inputs: ['out'], outputs: ['gap'] },
    { op: 'Flatten', inputs: ['gap'], outputs: ['scores'], attributes: { axis: { int: 1 } } },
  ];
  return buildModel({
    inputs: [{ name: 'x', type: 'float32', shape: ['N', spec.c, spec.h, spec.w] }],
    outputs: [{ name: 'scores', type: 'float32', shape: ['N', spec.k] }],
    nodes,
    initializers,
    opset: spec.opset,
  });
}

/** Checks a float32 model's gradient against float64 finite differences (3 directions, h 1e-6, ≤ 1e-4 relative). */
async function check(bytes: Uint8Array, dims: [number, number, number], classIndex: number): Promise<void> {
  const runner = await gradientRunner(bytes);
  try {
    const random = seeded(11);
    const x = Float32Array.from({ length: dims[0] * dims[1] * dims[2] }, () => 2 * random() - 1);
    const ref = new Float64Model(bytes);
    // The float64 evaluator and onnxruntime agree on the forward pass first.
    const { scores } = await runner.run(x, 1, new Float32Array(runner.classes));
    const expected = ref.run(x, [1, ...dims]);
    scores.forEach((s, i) => assert.ok(Math.abs(s - expected[i]) < 1e-4, `score ${i}: ${s} vs ${expected[i]}`));
    await directionalCheck(runner, x, oneHot([classIndex], runner.classes), (v) => ref.run(v, [1, ...dims]), {
      directions: 3,
      h: 1e-6,
      tolerance: 1e-4,
      seed: 5,
    });
  } finally {
    await runner.dispose();
  }
}

const ints = (...v: number[]): Attribute => ({ ints: v });
const int = (v: number): Attribute => ({ int: v });

describe('gradients of Conv, pooling and friends (float32, against float64 finite differences)', function () {
  this.timeout(60000);

  it('Conv: strided, asymmetrically padded, with bias; then Relu', async () => {
    const bytes = cnn({
      c: 3,
      h: 9,
      w: 8,
      k: 4,
      nodes: [
        ['Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: ints(3, 3), strides: ints(2, 2), pads: ints(1, 0, 2, 1) }],
        ['Relu', ['c1'], ['out']],
      ],
      weights: { w1: [4, 3, 3, 3], b1: [4] },
    });
    await check(bytes, [3, 9, 8], 2);
  });

  it('Conv: grouped and dilated, stride 3 leaving input rows no window reaches', async () => {
    const bytes = cnn({
      c: 4,
      h: 11,
      w: 10,
      k: 6,
      nodes: [['Conv', ['x', 'w1'], ['out'], { kernel_shape: ints(2, 3), strides: ints(3, 2), dilations: ints(2, 2), group: int(2) }]],
      weights: { w1: [6, 2, 2, 3] },
    });
    await check(bytes, [4, 11, 10], 5);
  });

  it('Conv with auto_pad SAME_UPPER; depthwise Conv; BatchNormalization; Clip (ReLU6)', async () => {
    const bytes = cnn({
      c: 3,
      h: 7,
      w: 7,
      k: 3,
      nodes: [
        ['Conv', ['x', 'w1'], ['c1'], { kernel_shape: ints(3, 3), strides: ints(2, 2), auto_pad: { string: 'SAME_UPPER' } }],
        ['Conv', ['c1', 'w2', 'b2'], ['c2'], { kernel_shape: ints(3, 3), pads: ints(1, 1, 1, 1), group: int(3) }],
        ['BatchNormalization', ['c2', 'scale', 'bias', 'mean', 'var'], ['bn'], { epsilon: { float: 1e-3 } }],
        ['Clip', ['bn', 'lo', 'hi'], ['out']],
      ],
      weights: { w1: [3, 3, 3, 3], w2: [3, 1, 3, 3], b2: [3], scale: [3], bias: [3], mean: [3], var: [3], lo: [], hi: [] },
    });
    await check(bytes, [3, 7, 7], 1);
  });

  it('MaxPool: overlapping 3×3 stride 2, padded, ceil_mode; and dilated', async () => {
    const bytes = cnn({
      c: 2,
      h: 10,
      w: 9,
      k: 2,
      nodes: [
        ['MaxPool', ['x'], ['p1'], { kernel_shape: ints(3, 3), strides: ints(2, 2), pads: ints(1, 0, 0, 1), ceil_mode: int(1) }],
        ['MaxPool', ['p1'], ['out'], { kernel_shape: ints(2, 2), dilations: ints(2, 1) }],
      ],
      weights: {},
    });
    await check(bytes, [2, 10, 9], 1);
  });

  it('AveragePool: padded with and without count_include_pad, ceil_mode', async () => {
    const bytes = cnn({
      c: 2,
      h: 9,
      w: 8,
      k: 2,
      nodes: [
        ['AveragePool', ['x'], ['a1'], { kernel_shape: ints(3, 2), strides: ints(2, 2), pads: ints(1, 1, 1, 0), ceil_mode: int(1) }],
        ['AveragePool', ['a1'], ['out'], { kernel_shape: ints(2, 2), pads: ints(1, 1, 1, 1), count_include_pad: int(1) }],
      ],
      weights: {},
    });
    await check(bytes, [2, 9, 8], 0);
  });

  it('Concat of branches, a squeeze-excitation Mul broadcasting [N, C, 1, 1], Add and Sub of constants, Sigmoid', async () => {
    const bytes = cnn({
      c: 3,
      h: 6,
      w: 6,
      k: 6,
      nodes: [
        ['Conv', ['x', 'w1'], ['a'], { kernel_shape: ints(1, 1) }],
        ['Conv', ['x', 'w2'], ['b'], { kernel_shape: ints(3, 3), pads: ints(1, 1, 1, 1) }],
        ['Concat', ['a', 'b'], ['cat'], { axis: int(1) }],
        ['GlobalAveragePool', ['cat'], ['squeeze']],
        ['Sigmoid', ['squeeze'], ['gate']],
        ['Mul', ['cat', 'gate'], ['excited']],
        ['Add', ['excited', 'shift'], ['shifted']],
        ['Sub', ['shifted', 'cat'], ['diff']],
        ['Relu', ['diff'], ['out']],
      ],
      weights: { w1: [2, 3, 1, 1], w2: [4, 3, 3, 3], shift: [6, 1, 1] },
    });
    await check(bytes, [3, 6, 6], 3);
  });

  it('LeakyRelu, HardSigmoid, HardSwish, Neg, Sum of three, GlobalMaxPool', async () => {
    const bytes = cnn({
      c: 3,
      h: 5,
      w: 5,
      k: 3,
      nodes: [
        ['Conv', ['x', 'w1'], ['c1'], { kernel_shape: ints(1, 1) }],
        ['LeakyRelu', ['c1'], ['l'], { alpha: { float: 0.2 } }],
        ['HardSigmoid', ['c1'], ['hs'], { alpha: { float: 0.3 }, beta: { float: 0.4 } }],
        ['HardSwish', ['c1'], ['hw']],
        ['Neg', ['hw'], ['n']],
        ['Sum', ['l', 'hs', 'n'], ['s']],
        ['GlobalMaxPool', ['s'], ['gm']],
        ['Mul', ['s', 'gm'], ['out']],
      ],
      weights: { w1: [3, 3, 1, 1] },
    });
    await check(bytes, [3, 5, 5], 2);
  });

  it('an opset-10 model (Pad, ReduceSum, Split with attributes): padded ceil_mode MaxPool, Concat, Softmax over [N, K, 1, 1]', async () => {
    // Softmax before opset 13 flattens from its axis, as SqueezeNet's last node does.
    const bytes = cnn({
      c: 2,
      h: 7,
      w: 7,
      k: 4,
      opset: 10,
      nodes: [
        ['MaxPool', ['x'], ['p'], { kernel_shape: ints(3, 3), strides: ints(2, 2), pads: ints(1, 1, 1, 1), ceil_mode: int(1) }],
        ['Relu', ['p'], ['r']],
        ['Concat', ['p', 'r'], ['cat'], { axis: int(1) }],
        ['Softmax', ['cat'], ['out'], { axis: int(1) }],
      ],
      weights: {},
    });
    await check(bytes, [2, 7, 7], 1);
  });
});
