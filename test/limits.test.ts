// SPDX-License-Identifier: MIT
// Inputs that passed validation and then failed inside the addon with internal messages, or
// allocated without bound: each is now a RangeError naming the option, raised before the work.
// Also: a ready Segmentation is checked like any other input and copied, so the caller changing
// it during the call changes nothing.
import assert from 'node:assert/strict';
import { createExplainer, MAX_SEGMENTS, type Explainer, type Segmentation } from '../lib';
import { buildModel, linearModel, type NodeSpec } from './helpers/onnx-builder';
import { identityPreprocess } from './helpers/fixtures';

const H = 16,
  W = 16;
const identity = identityPreprocess(H, W);
function image(h = H, w = W) {
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { data, width: w, height: h, channels: 3 as const };
}
const grid = { method: 'grid' as const, rows: 4, cols: 4 };
/** A ready segmentation of the 16x16 image: 4 vertical stripes, with `patch` applied. */
function ready(patch: Partial<Segmentation> = {}): Segmentation {
  const labels = new Int32Array(H * W).map((_, i) => Math.floor((i % W) / 4));
  return { labels, width: W, height: H, count: 4, method: 'labels', params: {}, seed: 1, ms: 0, ...patch };
}

/**
 * A model whose output has no classes: the flattened input sliced to [0, end) over axis 1. With
 * `dynamic`, end is computed from the data (int64(0 * min(input)) = 0), so neither the declared nor
 * the inferred output shape tells: the first run finds out. Otherwise end is the constant 0.
 */
function zeroClassModel(dynamic: boolean): Uint8Array {
  const end: NodeSpec[] = dynamic
    ? [
        { op: 'ReduceMin', inputs: ['input'], outputs: ['min'], attributes: { keepdims: { int: 0 } } },
        { op: 'Mul', inputs: ['min', 'zeroF'], outputs: ['zeroMin'] },
        { op: 'Cast', inputs: ['zeroMin'], outputs: ['endScalar'], attributes: { to: { int: 7 } } },
        { op: 'Reshape', inputs: ['endScalar', 'one'], outputs: ['end'] },
      ]
    : [{ op: 'Identity', inputs: ['zero'], outputs: ['end'] }];
  return buildModel({
    inputs: [{ name: 'input', type: 'float32', shape: ['N', 3, H, W] }],
    outputs: [{ name: 'logits', type: 'float32', shape: ['N', dynamic ? 'K' : 0] }],
    nodes: [
      ...end,
      { op: 'Flatten', inputs: ['input'], outputs: ['flat'] },
      { op: 'Slice', inputs: ['flat', 'zero', 'end', 'one'], outputs: ['logits'] },
    ],
    initializers: [
      { name: 'zero', type: 'int64', dims: [1], data: [0] },
      { name: 'one', type: 'int64', dims: [1], data: [1] },
      { name: 'zeroF', type: 'float32', dims: [], data: new Float32Array([0]) },
    ],
  });
}

describe('limits: extreme options and ready segmentations', () => {
  let explainer: Explainer;
  before(async () => {
    explainer = await createExplainer(linearModel({ height: H, width: W, classes: 3 }).bytes, { preprocess: identity });
  });
  after(() => explainer.dispose());

  describe('a ready Segmentation is validated like any input', () => {
    const cases: [string, Partial<Segmentation>, RegExp][] = [
      ['count 0', { count: 0 }, /segmentation\.count.*received 0/],
      ['count NaN', { count: NaN }, /segmentation\.count.*received NaN/],
      ['count 2.5', { count: 2.5 }, /segmentation\.count.*received 2\.5/],
      ['a label >= count', { count: 2 }, /label in 0\.\.1 \(count 2\) for segmentation\.labels\[8\] but received 2/],
      ['a negative label', { labels: new Int32Array(H * W).fill(-1) }, /segmentation\.labels\[0\].*received -1/],
      ['too few labels', { labels: new Int32Array(10) }, /256 labels.*segmentation\.labels.*Int32Array\(10\)/],
      ['another size', { width: 8, height: 32 }, /model-sized image \(16x16\).*8x32/],
    ];
    for (const [what, patch, message] of cases) {
      it(`BAD CALL - ${what}: RangeError for lime and shap`, async () => {
        await assert.rejects(explainer.lime(image(), { numSamples: 10, segmentation: ready(patch) }), { name: 'RangeError', message });
        await assert.rejects(explainer.shap(image(), { maxEvals: 20, features: 'superpixels', segmentation: ready(patch) }), {
          name: 'RangeError',
          message,
        });
      });
    }

    it('is copied: changing its labels during the call changes neither the result nor the process', async () => {
      const seg = ready();
      const expected = await explainer.lime(image(), { numSamples: 200, segmentation: ready() });
      const call = explainer.lime(image(), { numSamples: 200, segmentation: seg });
      seg.labels.fill(1_000_000); // out of range for the addon, had it kept the caller's array
      seg.count = 0;
      const r = await call;
      assert.deepEqual(r.segmentation.labels, ready().labels);
      assert.deepEqual(r.explanations[0].weights, expected.explanations[0].weights);
      assert.notEqual(r.segmentation.labels, seg.labels);
    });
  });

  describe(`more than MAX_SEGMENTS (${MAX_SEGMENTS}) segments are refused before any evaluation`, () => {
    it('BAD CALL - quickshift with maxDist 0 on a noisy image: RangeError suggesting a larger maxDist', async () => {
      const big = await createExplainer(linearModel({ height: 64, width: 64, classes: 2 }).bytes, {
        preprocess: { ...identity, size: [64, 64] },
      });
      try {
        const t = Date.now();
        await assert.rejects(big.lime(image(64, 64), { segmentation: { maxDist: 0 } }), {
          name: 'RangeError',
          message: new RegExp(`at most ${MAX_SEGMENTS} segments.*received 40\\d\\d segments from quickshift: use a larger maxDist`),
        });
        await assert.rejects(big.shap(image(64, 64), { features: 'superpixels', segmentation: { maxDist: 0 } }), {
          name: 'RangeError',
          message: /MAX_SEGMENTS/,
        });
        assert.ok(Date.now() - t < 20_000);
      } finally {
        await big.dispose();
      }
    });

    it('BAD CALL - a ready segmentation with MAX_SEGMENTS + 1 labels', async () => {
      const big = await createExplainer(linearModel({ height: 64, width: 64, classes: 2 }).bytes, {
        preprocess: { ...identity, size: [64, 64] },
      });
      try {
        const labels = new Int32Array(64 * 64).map((_, i) => i % (MAX_SEGMENTS + 1));
        const seg: Segmentation = { labels, width: 64, height: 64, count: MAX_SEGMENTS + 1, method: 'labels', params: {}, seed: 0, ms: 0 };
        await assert.rejects(big.lime(image(64, 64), { segmentation: seg }), { name: 'RangeError', message: /fewer distinct values/ });
        // exactly the limit is accepted
        const ok = { ...seg, count: MAX_SEGMENTS, labels: labels.map((v) => v % MAX_SEGMENTS) };
        const r = await big.lime(image(64, 64), { segmentation: ok, numSamples: 20, topLabels: 1 });
        assert.equal(r.explanations[0].weights.length, MAX_SEGMENTS);
      } finally {
        await big.dispose();
      }
    });
  });

  describe('LIME options at their extremes', () => {
    it('BAD CALL - kernelWidth 1e-200 (its square underflows) and 1e200, Infinity: RangeError naming kernelWidth', async () => {
      for (const kernelWidth of [1e-200, 1e200, Infinity, 0, -1]) {
        await assert.rejects(explainer.lime(image(), { numSamples: 20, segmentation: grid, kernelWidth }), {
          name: 'RangeError',
          message: /for kernelWidth but received/,
        });
      }
    });

    it('BAD CALL - kernelWidth 1e-100: every perturbed sample weighs 0, a RangeError instead of zero coefficients', async () => {
      for (const featureSelection of ['auto', 'forward', 'lasso-path', 'none'] as const) {
        await assert.rejects(
          explainer.lime(image(), { numSamples: 20, segmentation: grid, kernelWidth: 1e-100, featureSelection, numFeatures: 3 }),
          {
            name: 'RangeError',
            message: /weight > 0.*for kernelWidth but received 1e-100/,
          },
        );
      }
      // a narrow but usable width still works
      const r = await explainer.lime(image(), { numSamples: 50, segmentation: grid, kernelWidth: 0.05 });
      assert.ok(r.explanations[0].weights.some((w) => w !== 0));
    });

    it('BAD CALL - alpha 1e308 and numFeatures 1e20: RangeError from TypeScript, not the addon', async () => {
      await assert.rejects(explainer.lime(image(), { numSamples: 20, segmentation: grid, alpha: 1e308 }), {
        name: 'RangeError',
        message: /for alpha but received 1e\+308/,
      });
      await assert.rejects(explainer.lime(image(), { numSamples: 20, segmentation: grid, numFeatures: 1e20 }), {
        name: 'RangeError',
        message: /for numFeatures/,
      });
    });

    it('BAD CALL - numSamples whose samples and outputs would take more than 2 GiB: RangeError before allocating', async () => {
      const wide = await createExplainer(linearModel({ height: H, width: W, classes: 1000 }).bytes, { preprocess: identity });
      try {
        const before = process.memoryUsage().arrayBuffers;
        await assert.rejects(wide.lime(image(), { numSamples: 1e7, segmentation: grid }), {
          name: 'RangeError',
          message: /at most \d+ samples for 16 segments and 1000 classes.*numSamples/,
        });
        assert.ok(process.memoryUsage().arrayBuffers - before < 100e6);
      } finally {
        await wide.dispose();
      }
    });
  });

  describe('SHAP budgets at their extremes', () => {
    it('BAD CALL - maxEvals above MAX_EVALS (1e8): RangeError naming maxEvals', async () => {
      await assert.rejects(explainer.shap(image(), { maxEvals: 1e15 }), {
        name: 'RangeError',
        message: /<= 100000000 for maxEvals but received 1000000000000000/,
      });
    });

    it('BAD CALL - Kernel over 256 pixels or Permutation with 1000 classes whose coalitions would take more than 2 GiB: RangeError before evaluating', async () => {
      const wide = await createExplainer(linearModel({ height: H, width: W, classes: 1000 }).bytes, { preprocess: identity });
      try {
        const t = Date.now();
        await assert.rejects(wide.shap(image(), { algorithm: 'permutation', maxEvals: 1e8, segmentation: grid }), {
          name: 'RangeError',
          message: /at most 534731 for algorithm 'permutation' with 16 features and 1000 classes.*maxEvals but received 100000000/,
        });
        await assert.rejects(wide.shap(image(), { algorithm: 'kernel', features: 'pixels', maxEvals: 1e8 }), {
          name: 'RangeError',
          message: /at most 8388608 for algorithm 'kernel' with 256 features/,
        });
        assert.ok(Date.now() - t < 10_000);
        // Kernel's budget is capped at the 2^M coalitions there are: a large maxEvals over 10 features is fine.
        const r = await wide.shap(image(), {
          algorithm: 'kernel',
          maxEvals: 1e8,
          segmentation: { method: 'grid', rows: 2, cols: 5 },
          topLabels: 1,
        });
        assert.ok(r.evaluations >= 2 ** 10 && r.evaluations <= 2 ** 10 + 1, String(r.evaluations)); // + f(x) to choose the classes
      } finally {
        await wide.dispose();
      }
    });
  });

  describe('a model with no classes', () => {
    it('BAD CALL - output shape [N, 0]: RangeError when loading', async () => {
      await assert.rejects(createExplainer(zeroClassModel(false), { preprocess: identity }), {
        name: 'RangeError',
        message: /at least 1 class in output "logits".*\[N, 0\]/,
      });
    });

    it('BAD CALL - dynamic output that turns out [N, 0]: RangeError at the first run, for classify, lime and shap', async () => {
      const ex = await createExplainer(zeroClassModel(true), { preprocess: identity });
      try {
        await assert.rejects(ex.classify(image()), { name: 'RangeError', message: /at least 1 class.*\[1, 0\]/ });
        await assert.rejects(ex.lime(image(), { numSamples: 10, segmentation: grid }), { name: 'RangeError', message: /at least 1 class/ });
        await assert.rejects(ex.shap(image(), { maxEvals: 20 }), { name: 'RangeError', message: /at least 1 class/ });
      } finally {
        await ex.dispose();
      }
    });
  });
});
