// SPDX-License-Identifier: MIT
// explainer.lime(): analytically known answers on a glass-box model, the real shared models, and
// the deletion test.
import assert from 'node:assert/strict';
import { createExplainer, segment, concurrency, simdLevel } from '../../lib';
import { engineFor, type BatchEngine } from '../../lib/engine';
import { maskEvaluator } from '../../lib/mask-evaluator';
import { segmentMeanImage } from '../../lib/hide';
import { Rng } from '../../lib/rng';
import { float16Model, linearModel, nanModel } from '../helpers/onnx-builder';
import { requireShared, shared } from '../helpers/shared';
import { identityPreprocess } from '../helpers/fixtures';

const H = 16,
  W = 16;
/** A deterministic 16x16 test image with varied pixels. */
function testImage(): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i * i) % 101)) % 256;
  return { data, width: W, height: H, channels: 3 };
}
const identity = identityPreprocess(H, W);

describe('LIME', function () {
  describe('glass-box linear model (output = b + Σ w·x)', () => {
    it("recovers each segment's exact contribution with hide 'black' and regressor 'linear'", async () => {
      const model = linearModel({ height: H, width: W, classes: 3, seed: 7 });
      const explainer = await createExplainer(model.bytes, { preprocess: identity, softmax: false });
      const image = testImage();
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const result = await explainer.lime(image, {
        segmentation: seg,
        hide: 'black',
        regressor: 'linear',
        numSamples: 300,
        labels: [0, 1, 2],
        seed: 3,
      });
      assert.equal(result.explanations.length, 3);
      for (const e of result.explanations) {
        const k = e.index;
        // Expected: Σ over pixels p of segment s and channels c of W[k, c·H·W + p] · x[c, p].
        const expected = new Float64Array(seg.count);
        for (let p = 0; p < H * W; p++)
          for (let c = 0; c < 3; c++)
            expected[seg.labels[p]] += model.weights[k * 3 * H * W + c * H * W + p] * (image.data[3 * p + c] / 255);
        for (let s = 0; s < seg.count; s++)
          assert.ok(Math.abs(e.weights[s] - expected[s]) < 1e-6, `class ${k} segment ${s}: ${e.weights[s]} vs ${expected[s]}`);
        assert.ok(Math.abs(e.intercept - model.bias[k]) < 1e-6, 'intercept = bias (everything hidden = black = 0)');
        assert.ok(e.score > 1 - 1e-9, 'an exact linear fit');
        assert.deepEqual(
          [...e.ranking],
          [...expected.keys()].sort((a, b) => Math.abs(expected[b]) - Math.abs(expected[a]) || a - b),
        );
      }
      await explainer.dispose();
    });

    it('float16 models: the half-precision pipeline recovers the same contributions to half precision', async () => {
      const opts = { height: H, width: W, classes: 2, seed: 12 };
      const image = testImage();
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const run = async (bytes: Uint8Array) => {
        const explainer = await createExplainer(bytes, { preprocess: identity, softmax: false });
        const r = await explainer.lime(image, { segmentation: seg, hide: 'black', regressor: 'linear', numSamples: 200, labels: [0, 1] });
        await explainer.dispose();
        return r;
      };
      const half = await run(float16Model(opts).bytes);
      const full = await run(linearModel(opts).bytes);
      assert.equal(half.explanations[0].index, 0);
      for (let k = 0; k < 2; k++) {
        const a = half.explanations[k].weights,
          b = full.explanations[k].weights;
        const scale = Math.max(...b.map(Math.abs));
        for (let s = 0; s < seg.count; s++)
          assert.ok(Math.abs(a[s] - b[s]) < 5e-3 * scale + 2e-3, `class ${k} segment ${s}: ${a[s]} vs ${b[s]}`);
      }
    });

    it('same seed, same result; another seed, other samples; results echo the seed', async () => {
      const model = linearModel({ height: H, width: W, classes: 4, seed: 2 });
      const explainer = await createExplainer(model.bytes, { preprocess: identity });
      const image = testImage();
      const opts = { segmentation: { method: 'grid' as const, rows: 4, cols: 4 }, numSamples: 100 };
      const a = await explainer.lime(image, { ...opts, seed: 5 });
      const b = await explainer.lime(image, { ...opts, seed: 5 });
      const c = await explainer.lime(image, { ...opts, seed: 6 });
      assert.deepEqual(a.explanations[0].weights, b.explanations[0].weights);
      assert.notDeepEqual(a.explanations[0].weights, c.explanations[0].weights);
      assert.equal(a.seed, 5);
      assert.equal(c.seed, 6);
      assert.equal(a.explanations.length, 4, 'topLabels is capped by nothing here: 4 classes, top 5 asked → all 4');
      await explainer.dispose();
    });

    // bench:ceiling builds its stage table from these: evaluate − infer is the compositing that
    // inference did not hide, and the engine's clock splits its loop's wall time.
    it('timings: evaluate holds infer, the stages fit in total; the engine clock holds model.run and the waits for compositing', async () => {
      const model = linearModel({ height: H, width: W, classes: 3, seed: 4 });
      const explainer = await createExplainer(model.bytes, { preprocess: identity, batchSize: 16 });
      const engine = engineFor(explainer.model) as BatchEngine;
      Object.assign(engine.clock, { activeMs: 0, compositeWaitMs: 0, runMs: 0 });
      const r = await explainer.lime(testImage(), { segmentation: { method: 'grid', rows: 4, cols: 4 }, numSamples: 400, seed: 1 });
      const t = r.timings;
      assert.ok(t.infer > 0 && t.evaluate >= t.infer, `evaluate ${t.evaluate} >= infer ${t.infer}`);
      assert.ok(t.segment + t.evaluate + t.fit <= t.total, `segment + evaluate + fit <= total: ${JSON.stringify(t)}`);
      const c = engine.clock;
      // One image alone takes all of every batch, so its share of model.run is all of it.
      assert.ok(Math.abs(c.runMs - t.infer) < 1e-6, `engine's model.run ${c.runMs} = the image's infer ${t.infer}`);
      assert.ok(c.compositeWaitMs > 0 && c.activeMs >= c.runMs + c.compositeWaitMs, JSON.stringify(c));
      await explainer.dispose();
    });

    it('gives identical results with SIMD on and off and with 1 or all threads', async () => {
      const model = linearModel({ height: H, width: W, classes: 3, seed: 9 });
      const explainer = await createExplainer(model.bytes, { preprocess: identity });
      const image = testImage();
      const threads = concurrency();
      const run = () => explainer.lime(image, { segmentation: { method: 'grid', rows: 4, cols: 4 }, numSamples: 200, seed: 11 });
      const base = await run();
      for (const [level, n] of [
        ['scalar', 1],
        ['avx512', threads],
        ['avx2', 1],
      ] as const) {
        simdLevel(level);
        concurrency(n);
        const r = await run();
        for (let k = 0; k < base.explanations.length; k++)
          assert.deepEqual(r.explanations[k].weights, base.explanations[k].weights, `${level} x ${n}`);
      }
      simdLevel('avx512');
      concurrency(threads);
      await explainer.dispose();
    });

    it('EXPECTED FAILURE - NaN model output names the model output; the explainer stays usable', async () => {
      const explainer = await createExplainer(nanModel({ height: H, width: W, classes: 2 }).bytes, { preprocess: identity });
      await assert.rejects(explainer.lime(testImage(), { numSamples: 10 }), /NaN/);
      await explainer.dispose();
      const ok = await createExplainer(linearModel({ height: H, width: W, classes: 2 }).bytes, { preprocess: identity });
      await assert.rejects(ok.lime(testImage(), { labels: [5] }), { name: 'RangeError', message: /labels\[0\]/ });
      const r = await ok.lime(testImage(), { numSamples: 20 });
      assert.equal(r.explanations.length, 2);
      await ok.dispose();
    });

    it('BAD CALL - LIME options', async () => {
      const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2 }).bytes, { preprocess: identity });
      const img = testImage();
      await assert.rejects(explainer.lime(img, { numSamples: 1 }), { name: 'RangeError', message: /numSamples/ });
      await assert.rejects(explainer.lime(img, { kernelWidth: 0 }), { name: 'RangeError', message: /kernelWidth/ });
      await assert.rejects(explainer.lime(img, { alpha: -1 }), { name: 'RangeError', message: /alpha/ });
      await assert.rejects(explainer.lime(img, { regressor: 'svm' as never }), { name: 'RangeError', message: /regressor/ });
      await assert.rejects(explainer.lime(img, { hide: 'grey' as never }), { name: 'RangeError', message: /hide/ });
      await assert.rejects(explainer.lime(img, { hide: { color: [0, 0, 300] } }), { name: 'RangeError', message: /hide.color\[2\]/ });
      await assert.rejects(explainer.lime(img, { topLabels: 3 }), { name: 'RangeError', message: /topLabels/ });
      await assert.rejects(explainer.lime(img, { numSample: 5 } as never), { name: 'RangeError', message: /numSample/ });
      await explainer.dispose();
    });
  });

  describe('real models (../shared/models)', function () {
    requireShared(this);

    it('classify: MobileNetV2-int8 says tabby for the kitten and tench for the fish; SqueezeNet agrees', async () => {
      const mobilenet = await createExplainer(shared('models', 'mobilenetv2-12-int8.onnx'), {
        classNames: shared('models', 'imagenet-labels.txt'),
      });
      const kitten = await mobilenet.classify(shared('models', 'images', 'kitten_224.png'));
      assert.equal(kitten[0].index, 281);
      assert.match(kitten[0].label, /tabby/);
      assert.equal((await mobilenet.classify(shared('models', 'images', 'fish.png')))[0].index, 0);
      await mobilenet.dispose();
      const squeezenet = await createExplainer(shared('models', 'squeezenet1.1-fp32.onnx'), { preprocess: 'caffe-bgr' });
      assert.equal((await squeezenet.classify(shared('models', 'images', 'kitten_224.png')))[0].index, 281);
      assert.equal((await squeezenet.classify(shared('models', 'images', 'fish.png')))[0].index, 0);
      await squeezenet.dispose();
    });

    for (const [photo, cls] of [
      ['kitten_224.png', 281],
      ['fish.png', 0],
    ] as const) {
      it(`deletion test on ${photo}: hiding the top-5 LIME segments lowers p(${cls}) more than 5 random segments in >= 90% of 50 draws`, async () => {
        const explainer = await createExplainer(shared('models', 'mobilenetv2-12-int8.onnx'));
        const result = await explainer.lime(shared('models', 'images', photo), { seed: 1 });
        const top = result.explanations[0];
        assert.equal(top.index, cls);
        assert.equal(result.evaluations <= 1000, true);
        const seg = result.segmentation;
        const M = seg.count;
        const rgb = await explainer.prepare(shared('models', 'images', photo));
        const hide = segmentMeanImage(rgb, seg.labels, M);
        const evaluator = maskEvaluator(explainer.model, explainer.preprocess, rgb, hide, seg.labels, M);
        const rng = new Rng(99);
        const draws = 50;
        const masks = new Uint8Array((draws + 1) * M).fill(1);
        for (const s of top.ranking.slice(0, 5)) masks[s] = 0;
        for (let d = 1; d <= draws; d++) for (const s of rng.permutation(M).slice(0, 5)) masks[d * M + s] = 0;
        const y = await evaluator.evaluate(masks, draws + 1);
        const K = evaluator.classes();
        const pTop = y[cls];
        let wins = 0;
        for (let d = 1; d <= draws; d++) if (pTop < y[d * K + cls]) wins++;
        assert.ok(wins >= 45, `top-5 deletion beat random in ${wins}/50 draws`);
        await explainer.dispose();
      });
    }
  });
});
