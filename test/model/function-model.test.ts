// SPDX-License-Identifier: MIT
// createExplainer(fn): a predict function explains like the same model built as ONNX (glass-box
// linear models: LIME coefficients and Shapley values equal to float tolerance, and to the closed
// form), sync or async, in either layout, in batches of its size; ONNX-only options are refused.
import assert from 'node:assert/strict';
import { createExplainer, segment, type LimeResult, type PredictBatch, type PredictFunction } from '../../lib';
import { linearModel, type LinearGlassBoxModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';

const H = 16,
  W = 16;
const F = 3 * H * W;
function testImage(): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i * i) % 101)) % 256;
  return { data, width: W, height: H, channels: 3 };
}
const identity = identityPreprocess(H, W);

/**
 * The glass-box model's formula in plain JavaScript (float64): `b[k] + Σ W[k, c·H·W + p]·x[c, p]`,
 * reading the batch in its own layout. The weights are the ONNX model's, so both are one model.
 */
function linearFunction(model: LinearGlassBoxModel): (batch: PredictBatch) => Float64Array {
  const K = model.classes;
  return ({ data, dims, layout }) => {
    const n = dims[0];
    assert.deepEqual([...dims], layout === 'nchw' ? [n, 3, H, W] : [n, H, W, 3]);
    assert.equal(data.length, n * F);
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < K; k++) {
        let s = model.bias[k];
        for (let c = 0; c < 3; c++)
          for (let p = 0; p < H * W; p++)
            s += model.weights[k * F + c * H * W + p] * data[i * F + (layout === 'nchw' ? c * H * W + p : 3 * p + c)];
        out[i * K + k] = s;
      }
    return out;
  };
}

/** Σ over the pixels of each segment and the channels of W[k]·x: a linear model's exact contributions. */
function exactContributions(model: LinearGlassBoxModel, k: number, labels: Int32Array, count: number): Float64Array {
  const image = testImage();
  const expected = new Float64Array(count);
  for (let p = 0; p < H * W; p++)
    for (let c = 0; c < 3; c++) expected[labels[p]] += model.weights[k * F + c * H * W + p] * (image.data[3 * p + c] / 255);
  return expected;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

describe('models as functions: createExplainer(fn)', function () {
  const model = linearModel({ height: H, width: W, classes: 3, seed: 7 });

  describe('glass-box linear model: the same answers as the ONNX model', () => {
    it('LIME: coefficients, intercepts and R² equal the ONNX model’s, and the exact contributions', async () => {
      const onnx = await createExplainer(model.bytes, { preprocess: identity, softmax: false });
      const fn = await createExplainer(linearFunction(model), { preprocess: identity, softmax: false });
      const image = testImage();
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const options = {
        segmentation: seg,
        hide: 'black' as const,
        regressor: 'linear' as const,
        numSamples: 300,
        labels: [0, 1, 2],
        seed: 3,
      };
      const a = await onnx.lime(image, options);
      const b = await fn.lime(image, options);
      assert.equal(b.provider, 'function');
      assert.equal(b.evaluations, a.evaluations);
      for (let j = 0; j < 3; j++) {
        const e = b.explanations[j];
        assert.equal(e.index, a.explanations[j].index);
        assertClose(e.weights, a.explanations[j].weights, 1e-6, `class ${e.index} weights`);
        assertClose(e.weights, exactContributions(model, e.index, seg.labels, seg.count), 1e-6, `class ${e.index} vs closed form`);
        assert.ok(Math.abs(e.intercept - a.explanations[j].intercept) < 1e-6);
        assert.ok(Math.abs(e.intercept - model.bias[e.index]) < 1e-6, 'everything hidden (black = 0) leaves the bias');
        assert.ok(e.score > 1 - 1e-9);
      }
      await onnx.dispose();
      await fn.dispose();
    });

    for (const algorithm of ['partition', 'kernel', 'permutation', 'exact'] as const) {
      it(`SHAP ${algorithm}: Shapley values and base values equal the ONNX model’s and the exact contributions`, async () => {
        const onnx = await createExplainer(model.bytes, { preprocess: identity, softmax: false });
        const fn = await createExplainer(linearFunction(model), { preprocess: identity, softmax: false });
        const image = testImage();
        const seg = await segment(image, { method: 'grid', rows: 3, cols: 3 });
        const maxEvals = algorithm === 'permutation' ? 18 : algorithm === 'partition' ? 1000 : undefined;
        const options = {
          algorithm,
          features: 'superpixels' as const,
          segmentation: seg,
          masker: 'black' as const,
          labels: [0, 2],
          maxEvals,
        };
        const a = await onnx.shap(image, options);
        const b = await fn.shap(image, options);
        assert.equal(b.provider, 'function');
        b.explanations.forEach((e, j) => {
          assertClose(
            e.segmentValues as Float64Array,
            a.explanations[j].segmentValues as Float64Array,
            1e-5,
            `${algorithm} class ${e.index}`,
          );
          assertClose(
            e.segmentValues as Float64Array,
            exactContributions(model, e.index, seg.labels, seg.count),
            1e-5,
            `${algorithm} closed form`,
          );
          assert.ok(Math.abs(e.baseValue - a.explanations[j].baseValue) < 1e-5);
          assert.ok(Math.abs(e.probability - a.explanations[j].probability) < 1e-5);
        });
        await onnx.dispose();
        await fn.dispose();
      });
    }

    it("SHAP over pixels (partition, blur masker): the ONNX model's values to float tolerance", async () => {
      const onnx = await createExplainer(model.bytes, { preprocess: identity, softmax: false });
      const fn = await createExplainer(linearFunction(model), { preprocess: identity, softmax: false });
      const options = { maxEvals: 200, labels: [1], seed: 2 };
      const a = await onnx.shap(testImage(), options);
      const b = await fn.shap(testImage(), options);
      const scale = Math.max(...a.explanations[0].values.map(Math.abs));
      assertClose(b.explanations[0].values, a.explanations[0].values, 1e-5 * Math.max(1, scale), 'pixel values');
      await onnx.dispose();
      await fn.dispose();
    });

    it("an 'nhwc' preprocessing hands the function [N, H, W, 3] batches: the same coefficients", async () => {
      const seen: string[] = [];
      const inner = linearFunction(model);
      const fn = await createExplainer(
        (batch: PredictBatch) => {
          seen.push(`${batch.layout} ${batch.dims.slice(1).join('x')}`);
          return inner(batch);
        },
        { preprocess: { ...identity, layout: 'nhwc' }, softmax: false },
      );
      assert.equal(fn.preprocess.layout, 'nhwc');
      const image = testImage();
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const r = await fn.lime(image, { segmentation: seg, hide: 'black', regressor: 'linear', numSamples: 100, labels: [1], seed: 1 });
      assert.deepEqual([...new Set(seen)], [`nhwc ${H}x${W}x3`]);
      assertClose(r.explanations[0].weights, exactContributions(model, 1, seg.labels, seg.count), 1e-6, 'nhwc weights');
      await fn.dispose();
    });

    it('sync, async (a Promise resolved later) and nested-array (number[][]) functions give identical results', async () => {
      const inner = linearFunction(model);
      const forms: Record<string, PredictFunction> = {
        sync: inner,
        async: (batch) => new Promise((resolve) => setTimeout(() => resolve(inner(batch)), 1)),
        nested: (batch) => {
          const flat = inner(batch);
          return Array.from({ length: batch.dims[0] }, (_, i) => Array.from(flat.subarray(3 * i, 3 * i + 3)));
        },
        float32: (batch) => Float32Array.from(inner(batch)),
      };
      const image = testImage();
      const results: { name: string; r: LimeResult }[] = [];
      for (const [name, f] of Object.entries(forms)) {
        const explainer = await createExplainer(f, { preprocess: identity, softmax: false });
        results.push({
          name,
          r: await explainer.lime(image, { numSamples: 120, seed: 9, segmentation: { method: 'grid', rows: 4, cols: 4 } }),
        });
        await explainer.dispose();
      }
      for (const { name, r } of results.slice(1))
        r.explanations.forEach((e, j) => assert.deepEqual(e.weights, results[0].r.explanations[j].weights, name));
    });

    it('softmax: "auto" softmaxes logits as for an ONNX model (classify gives the same probabilities)', async () => {
      const onnx = await createExplainer(model.bytes, { preprocess: identity });
      const fn = await createExplainer(linearFunction(model), { preprocess: identity });
      const a = await onnx.classify(testImage(), { topK: 3 });
      const b = await fn.classify(testImage(), { topK: 3 });
      assert.deepEqual(
        b.map((c) => c.index),
        a.map((c) => c.index),
      );
      b.forEach((c, j) => assert.ok(Math.abs(c.probability - a[j].probability) < 1e-6));
      assert.ok(Math.abs(b.reduce((s, c) => s + c.probability, 0) - 1) < 1e-6);
      assert.equal(fn.model.softmax, true);
      await onnx.dispose();
      await fn.dispose();
    });
  });

  describe('batching', () => {
    it('the function sees batches of batchSize (10): every call full but the last of each explanation', async () => {
      const sizes: number[] = [];
      const inner = linearFunction(model);
      const fn = await createExplainer(
        (batch: PredictBatch) => {
          sizes.push(batch.dims[0]);
          return inner(batch);
        },
        { preprocess: identity, softmax: false, batchSize: 10 },
      );
      const r = await fn.lime(testImage(), { numSamples: 1000, seed: 4, segmentation: { method: 'grid', rows: 4, cols: 4 } });
      assert.ok(r.evaluations > 900);
      assert.equal(
        sizes.reduce((s, n) => s + n, 0),
        r.evaluations,
      );
      assert.deepEqual(sizes.slice(0, -1), new Array(sizes.length - 1).fill(10), `calls: ${sizes.join(' ')}`);
      assert.ok(sizes[sizes.length - 1] >= 1 && sizes[sizes.length - 1] <= 10);
      assert.deepEqual(fn.model.stats(), { runs: sizes.length, samples: r.evaluations, inferMs: fn.model.stats().inferMs });
      await fn.dispose();
    });

    it('two explanations in flight share batches, never more than batchSize (default 16) per call', async () => {
      const sizes: number[] = [];
      const inner = linearFunction(model);
      const fn = await createExplainer(
        async (batch: PredictBatch) => {
          sizes.push(batch.dims[0]);
          await new Promise((resolve) => setImmediate(resolve));
          return inner(batch);
        },
        { preprocess: identity, softmax: false },
      );
      const grid = { method: 'grid' as const, rows: 4, cols: 4 };
      const [a, b] = await Promise.all([
        fn.lime(testImage(), { numSamples: 200, seed: 1, segmentation: grid }),
        fn.shap(testImage(), { maxEvals: 100 }),
      ]);
      assert.ok(a.evaluations > 150 && b.evaluations > 50);
      assert.ok(Math.max(...sizes) <= 16);
      assert.equal(
        sizes.reduce((s, n) => s + n, 0),
        a.evaluations + b.evaluations,
      );
      assert.equal(fn.model.batchSize, 16);
      await fn.dispose();
    });
  });

  describe('options', () => {
    const f = linearFunction(model);
    it('inputSize is the size of the images the function takes: a preset must agree; a custom preprocessing takes it', async () => {
      const a = await createExplainer(f, { inputSize: [H, W], preprocess: { scale: 1 / 255 } });
      assert.deepEqual(a.preprocess.size, [H, W]);
      assert.deepEqual([a.model.height, a.model.width], [H, W]);
      const b = await createExplainer(f, { inputSize: 224 });
      assert.deepEqual(b.preprocess.size, [224, 224]);
      await assert.rejects(createExplainer(f, { inputSize: 299 }), { name: 'RangeError', message: /preset 'imagenet'.*299/ });
      await assert.rejects(createExplainer(f, { inputSize: 0 }), { name: 'RangeError', message: /inputSize/ });
      await assert.rejects(createExplainer(f, { inputSize: '16' as never }), { name: 'TypeError', message: /inputSize/ });
      await assert.rejects(createExplainer(f, { preprocess: { scale: 1 } }), { name: 'RangeError', message: /preprocess\.size/ });
    });

    it('ONNX-only options are refused by name with their value; what a function does anyway is accepted', async () => {
      const refused: [Record<string, unknown>, string, RegExp][] = [
        [{ compositing: 'graph' }, 'RangeError', /'native' with a predict function.*for compositing but received "graph"/s],
        [{ compositing: 1 }, 'TypeError', /compositing/],
        [{ inference: 'worker' }, 'RangeError', /for inference but received "worker"/],
        [{ executionProviders: ['cuda'] }, 'RangeError', /for executionProviders but received array\(1\)/],
        [{ intraOpNumThreads: 2 }, 'RangeError', /for intraOpNumThreads but received 2/],
        [{ interOpNumThreads: 2 }, 'RangeError', /interOpNumThreads/],
        [{ batchSize: 0 }, 'RangeError', /batchSize/],
        [{ softmax: 'yes' }, 'RangeError', /softmax/],
        [{ classNames: 3 }, 'TypeError', /classNames/],
        [{ colour: 'red' }, 'RangeError', /options\.colour/],
      ];
      for (const [options, name, message] of refused)
        await assert.rejects(createExplainer(f, { preprocess: identity, ...options }), { name, message }, JSON.stringify(options));
      const ok = await createExplainer(f, { preprocess: identity, compositing: 'native', inference: 'main' } as never);
      assert.equal(ok.model.provider, 'function');
      await assert.rejects(createExplainer(42 as never), { name: 'TypeError', message: /model.*predict function/ });
    });

    it('classNames fix the class count: a function returning another count fails naming both', async () => {
      const explainer = await createExplainer(f, { preprocess: identity, classNames: ['a', 'b'] });
      assert.equal(explainer.model.classes, 2);
      await assert.rejects(explainer.classify(testImage()), { name: 'RangeError', message: /2 scores.*Float64Array\(3\)/ });
      const right = await createExplainer(f, { preprocess: identity, classNames: ['a', 'b', 'c'] });
      assert.equal((await right.classify(testImage(), { topK: 1 }))[0].label.length, 1);
    });

    it("evaluate(): forward-pass metrics work; 'randomization' (an ONNX model's weights) is refused naming metrics", async () => {
      const explainer = await createExplainer(f, { preprocess: identity, softmax: false });
      const image = testImage();
      const lime = await explainer.lime(image, {
        numSamples: 50,
        seed: 1,
        labels: [0],
        segmentation: { method: 'grid', rows: 2, cols: 2 },
      });
      const q = await explainer.evaluate(image, lime, { metrics: ['deletion'], randomOrders: 2 });
      assert.equal(q.classes[0].deletion?.curve.length, lime.segmentation.count + 1);
      await assert.rejects(explainer.evaluate(image, lime, { metrics: ['randomization'] }), {
        name: 'RangeError',
        message: /predict function.*for metrics but received "randomization"/s,
      });
    });
  });
});
