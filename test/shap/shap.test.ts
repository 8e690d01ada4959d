// SPDX-License-Identifier: MIT
// explainer.shap(): efficiency on real and glass-box models, exact answers for linear models through
// the whole pipeline, the real-model deletion test, pictures and bad input.
import assert from 'node:assert/strict';
import { createExplainer, renderShap, segment } from '../../lib';
import { maskEvaluator } from '../../lib/mask-evaluator';
import { segmentMeanImage } from '../../lib/hide';
import { Rng } from '../../lib/rng';
import { linearModel } from '../helpers/onnx-builder';
import { requireShared, shared } from '../helpers/shared';
import { identityPreprocess } from '../helpers/fixtures';

const H = 16,
  W = 16;
function testImage() {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i * i) % 101)) % 256;
  return { data, width: W, height: H, channels: 3 as const };
}
const identity = identityPreprocess(H, W);
function sum(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

describe('SHAP', function () {
  describe('glass-box linear model (output = b + Σ w·x), black masker', () => {
    for (const algorithm of ['partition', 'kernel', 'permutation', 'exact'] as const) {
      it(`${algorithm}: each superpixel gets its exact contribution Σ w·x, and efficiency holds`, async () => {
        const model = linearModel({ height: H, width: W, classes: 3, seed: 4 });
        const explainer = await createExplainer(model.bytes, { preprocess: identity, softmax: false });
        const image = testImage();
        const seg = await segment(image, { method: 'grid', rows: 3, cols: 3 });
        const maxEvals = algorithm === 'permutation' ? 2 * 9 : algorithm === 'partition' ? 1000 : undefined;
        const r = await explainer.shap(image, {
          algorithm,
          features: 'superpixels',
          segmentation: seg,
          masker: 'black',
          labels: [0, 2],
          maxEvals,
        });
        for (const e of r.explanations) {
          const expected = new Float64Array(seg.count);
          for (let p = 0; p < H * W; p++)
            for (let c = 0; c < 3; c++)
              expected[seg.labels[p]] += model.weights[e.index * 3 * H * W + c * H * W + p] * (image.data[3 * p + c] / 255);
          const got = e.segmentValues as Float64Array;
          for (let s = 0; s < seg.count; s++)
            assert.ok(Math.abs(got[s] - expected[s]) < 1e-5, `${algorithm} class ${e.index} segment ${s}: ${got[s]} vs ${expected[s]}`);
          assert.ok(Math.abs(e.baseValue - model.bias[e.index]) < 1e-5);
          assert.ok(Math.abs(sum(e.values) - (e.probability - e.baseValue)) < 1e-5 * Math.max(1, Math.abs(e.probability)));
        }
        await explainer.dispose();
      });
    }

    it('pixel features (partition): efficiency at 100 evaluations; same seed same values', async () => {
      const model = linearModel({ height: H, width: W, classes: 2, seed: 5 });
      const explainer = await createExplainer(model.bytes, { preprocess: identity });
      const a = await explainer.shap(testImage(), { maxEvals: 100, masker: 'blur(4,4)' });
      const b = await explainer.shap(testImage(), { maxEvals: 100, masker: 'blur(4,4)' });
      assert.equal(a.features, 'pixels');
      assert.ok(a.evaluations <= 100);
      for (const e of a.explanations) assert.ok(Math.abs(sum(e.values) - (e.probability - e.baseValue)) < 1e-5);
      assert.deepEqual(a.explanations[0].values, b.explanations[0].values);
      await explainer.dispose();
    });

    it('evaluations never exceed maxEvals, whatever the superpixel count: f(x) is reused at any row offset', async () => {
      // Rows of a batch start at M × row bytes; with M % 4 ≠ 0 the cached f(all) was once missed at
      // an unaligned offset and evaluated again (partition spent maxEvals + 1).
      const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2, seed: 6 }).bytes, { preprocess: identity });
      for (const [rows, cols] of [
        [3, 3],
        [2, 3],
        [5, 3],
        [1, 7],
      ]) {
        const segmentation = { method: 'grid' as const, rows, cols };
        for (const maxEvals of [10, 11]) {
          // Budgets below the full recursion (over 12 evaluations for 6+ players): all of it is spent, 2 at a time.
          const r = await explainer.shap(testImage(), { features: 'superpixels', segmentation, maxEvals, masker: 'black' });
          assert.equal(r.evaluations, maxEvals - (maxEvals % 2), `partition, ${rows * cols} superpixels, budget ${maxEvals}`);
        }
        for (const algorithm of rows * cols <= 9 ? (['kernel', 'exact'] as const) : (['kernel'] as const)) {
          const r = await explainer.shap(testImage(), {
            algorithm,
            features: 'superpixels',
            segmentation,
            maxEvals: algorithm === 'exact' ? undefined : 30,
            masker: 'black',
          });
          assert.ok(
            r.evaluations <= r.maxEvals,
            `${algorithm}, ${rows * cols} superpixels: ${r.evaluations} evaluations, budget ${r.maxEvals}`,
          );
        }
      }
      await explainer.dispose();
    });

    it('permutation evaluates each distinct coalition once (5 superpixels: at most 2^5 of them)', async () => {
      const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2, seed: 6 }).bytes, { preprocess: identity });
      // 20 permutations of 5 players ask for 2 + 20 × 8 coalitions, but only 32 exist. (5 bytes a
      // row: rows sit at every offset mod 4, where the cache once told equal masks apart.)
      const r = await explainer.shap(testImage(), {
        algorithm: 'permutation',
        features: 'superpixels',
        segmentation: { method: 'grid', rows: 1, cols: 5 },
        maxEvals: 162,
        masker: 'black',
      });
      assert.ok(r.evaluations <= 32, `${r.evaluations} evaluations for 32 distinct coalitions`);
      await explainer.dispose();
    });

    it('BAD CALL - SHAP options', async () => {
      const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2 }).bytes, { preprocess: identity });
      const img = testImage();
      await assert.rejects(explainer.shap(img, { algorithm: 'tree' as never }), { name: 'RangeError', message: /algorithm/ });
      await assert.rejects(explainer.shap(img, { masker: 'blur(3)' as never }), { name: 'RangeError', message: /masker/ });
      await assert.rejects(explainer.shap(img, { masker: 'blur(0,3)' }), { name: 'RangeError', message: /masker/ });
      await assert.rejects(
        explainer.shap(img, { masker: { background: { data: new Uint8Array(12), width: 2, height: 2, channels: 3 } } }),
        { name: 'RangeError', message: /16x16.*masker.background.*2x2/ },
      );
      await assert.rejects(
        explainer.shap(img, { algorithm: 'exact', features: 'superpixels', segmentation: { method: 'grid', rows: 16, cols: 2 } }),
        { name: 'RangeError', message: /at most 20 features/ },
      );
      await assert.rejects(
        explainer.shap(img, {
          algorithm: 'permutation',
          features: 'superpixels',
          segmentation: { method: 'grid', rows: 4, cols: 4 },
          maxEvals: 10,
        }),
        { name: 'RangeError', message: /maxEvals/ },
      );
      await assert.rejects(explainer.shap(img, { maxEvals: 1 }), { name: 'RangeError', message: /maxEvals/ });
      await assert.rejects(explainer.shap(img, { labels: [7] }), { name: 'RangeError', message: /labels\[0\]/ });
      const ok = await explainer.shap(img, {
        algorithm: 'kernel',
        features: 'superpixels',
        segmentation: { method: 'grid', rows: 2, cols: 2 },
      });
      assert.equal(ok.explanations.length, 2);
      await explainer.dispose();
    });
  });

  describe('real model (MobileNetV2-int8)', function () {
    requireShared(this);
    for (const maxEvals of [100, 500]) {
      it(`partition over pixels at ${maxEvals} evaluations completes, satisfies efficiency, and renders`, async () => {
        const explainer = await createExplainer(shared('models', 'mobilenetv2-12-int8.onnx'), {
          classNames: shared('models', 'imagenet-labels.txt'),
        });
        const r = await explainer.shap(shared('models', 'images', 'kitten_224.png'), { maxEvals, topLabels: 3 });
        assert.equal(r.explanations[0].index, 281);
        assert.ok(r.evaluations <= maxEvals);
        for (const e of r.explanations) assert.ok(Math.abs(sum(e.values) - (e.probability - e.baseValue)) < 1e-5, 'efficiency');
        const png = await renderShap(r);
        assert.equal(png.subarray(1, 4).toString(), 'PNG');
        await explainer.dispose();
      });
    }

    for (const [photo, cls] of [
      ['kitten_224.png', 281],
      ['fish.png', 0],
    ] as const) {
      it(`deletion test on ${photo}: the top-5 superpixels by SHAP matter more than 5 random ones in >= 90% of 50 draws`, async () => {
        const explainer = await createExplainer(shared('models', 'mobilenetv2-12-int8.onnx'));
        const r = await explainer.shap(shared('models', 'images', photo), {
          features: 'superpixels',
          masker: 'mean',
          maxEvals: 500,
          topLabels: 1,
        });
        const e = r.explanations[0];
        assert.equal(e.index, cls);
        const seg = r.segmentation!;
        const M = seg.count;
        const top = Array.from(e.segmentValues as Float64Array, (v, i) => [v, i])
          .sort((a, b) => b[0] - a[0])
          .slice(0, 5)
          .map((x) => x[1]);
        const hide = segmentMeanImage(r.image, seg.labels, M);
        const evaluator = maskEvaluator(explainer.model, explainer.preprocess, r.image, hide, seg.labels, M);
        const rng = new Rng(123);
        const masks = new Uint8Array(51 * M).fill(1);
        for (const s of top) masks[s] = 0;
        for (let d = 1; d <= 50; d++) for (const s of rng.permutation(M).slice(0, 5)) masks[d * M + s] = 0;
        const y = await evaluator.evaluate(masks, 51);
        const K = evaluator.classes();
        let wins = 0;
        for (let d = 1; d <= 50; d++) if (y[cls] < y[d * K + cls]) wins++;
        assert.ok(wins >= 45, `SHAP top-5 deletion beat random in ${wins}/50 draws`);
        await explainer.dispose();
      });
    }
  });
});
