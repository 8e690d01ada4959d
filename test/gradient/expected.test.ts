// SPDX-License-Identifier: MIT
// Expected gradients (`shap(image, { algorithm: 'gradient' })`, shap's GradientExplainer): the
// closed form on the linear glass box, efficiency within the sampling error on a smooth model (the
// reported standard error checked against the spread over seeds), convergence with nSamples,
// seeds, option refusals, SqueezeNet end to end, and renderShap drawing the result.
import assert from 'node:assert/strict';
import { createExplainer, renderShap, type RawImage } from '../../lib';
import { identityPreprocess } from '../helpers/fixtures';
import { linearModel, softmaxModel } from '../helpers/onnx-builder';
import { requireShared, shared } from '../helpers/shared';
import { seeded } from './gradient-check';

const H = 6;
const W = 5;
const PLANE = H * W;

function photo(seed: number): RawImage {
  const random = seeded(seed);
  return { data: Uint8Array.from({ length: H * W * 3 }, () => Math.floor(256 * random())), width: W, height: H, channels: 3 };
}

/** The image's NCHW values in [0, 1] (identityPreprocess), in float64. */
function nchw(image: RawImage): Float64Array {
  const out = new Float64Array(3 * PLANE);
  for (let p = 0; p < PLANE; p++) for (let c = 0; c < 3; c++) out[c * PLANE + p] = image.data[3 * p + c] / 255;
  return out;
}

const sum = (values: ArrayLike<number>) => Array.from(values).reduce((a, b) => a + b, 0);

describe('Expected gradients (shap algorithm gradient)', function () {
  this.timeout(120000);

  it('on the linear glass box equal Σ_c (x − b) w_k per pixel for any t, and (x − E[b]) w_k over a list', async () => {
    const model = linearModel({ height: H, width: W, classes: 3 });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    try {
      const image = photo(3);
      const x = nchw(image);
      const w = (k: number, i: number) => model.weights[k * 3 * PLANE + i];
      const color = [10, 200, 30] as const;
      // One background: every sample's (x − b) ⊙ ∇f is the same whatever t, so the values are exact.
      const one = await explainer.shap(image, { algorithm: 'gradient', background: { color }, nSamples: 7, labels: [2, 0] });
      assert.equal(one.algorithm, 'gradient');
      assert.deepEqual(
        one.explanations.map((e) => e.index),
        [2, 0],
      );
      for (const e of one.explanations)
        for (let p = 0; p < PLANE; p++) {
          let expected = 0;
          for (let c = 0; c < 3; c++) expected += (x[c * PLANE + p] - color[c] / 255) * w(e.index, c * PLANE + p);
          assert.ok(Math.abs(e.values[p] - expected) < 1e-5, `class ${e.index}, pixel ${p}: ${e.values[p]} vs ${expected}`);
          assert.ok((e.standardErrors as Float64Array)[p] < 1e-5, 'no spread with one background on a linear model');
        }
      // A list of two backgrounds: E[b] is their mean; the estimate is within its reported error of it.
      const a = photo(11);
      const b = photo(12);
      const mean = nchw(a).map((v, i) => (v + nchw(b)[i]) / 2);
      const list = await explainer.shap(image, { algorithm: 'gradient', background: [a, b], nSamples: 400, labels: [1] });
      const e = list.explanations[0];
      const se = e.standardErrors as Float64Array;
      let worst = 0;
      for (let p = 0; p < PLANE; p++) {
        let expected = 0;
        for (let c = 0; c < 3; c++) expected += (x[c * PLANE + p] - mean[c * PLANE + p]) * w(1, c * PLANE + p);
        assert.ok(se[p] > 0, 'two backgrounds make a spread');
        worst = Math.max(worst, Math.abs(e.values[p] - expected) / se[p]);
      }
      // 30 pixels, each within 4.5 standard errors (a miss has probability < 1e-4 in all).
      assert.ok(worst < 4.5, `worst deviation ${worst} standard errors`);
      // baseValue is the mean output over the list: the linear model's output at E[b].
      let atMean = model.bias[1];
      for (let i = 0; i < 3 * PLANE; i++) atMean += w(1, i) * mean[i];
      assert.ok(Math.abs(e.baseValue - atMean) < 1e-4, `${e.baseValue} vs ${atMean}`);
    } finally {
      await explainer.dispose();
    }
  });

  it('on a smooth model the values sum to f(x) − E[f(b)] within the sampling error, which shrinks as 1/√nSamples and matches the spread over seeds', async () => {
    const random = seeded(9);
    const weights = Float32Array.from({ length: 4 * 3 * PLANE }, () => 2 * random() - 1);
    const model = softmaxModel({ height: H, width: W, classes: 4, weights });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W) });
    try {
      const image = photo(5);
      const backgrounds = [photo(21), photo(22), photo(23)];
      // The independent truth: the float64 formula at the image and the backgrounds.
      const fx = model.reference(Float32Array.from(nchw(image)), 1);
      const fb = backgrounds.map((bg) => model.reference(Float32Array.from(nchw(bg)), 1));
      const k = 2;
      const truth = fx[k] - fb.reduce((s, f) => s + f[k], 0) / backgrounds.length;
      assert.ok(Math.abs(truth) > 0.05, `a change to attribute: ${truth}`);
      const run = (nSamples: number, seed: number) =>
        explainer.shap(image, { algorithm: 'gradient', background: backgrounds, nSamples, seed, labels: [k] });
      const errors: number[] = [];
      for (const n of [16, 256, 4096]) {
        const e = (await run(n, 7)).explanations[0];
        assert.ok(Math.abs(e.probability - fx[k]) < 1e-5);
        assert.ok(Math.abs(e.probability - e.baseValue - truth) < 1e-5, 'baseValue = E[f(background)]');
        const se = e.sumStandardError as number;
        assert.ok(se > 0);
        assert.ok(Math.abs(sum(e.values) - truth) < 4 * se, `n ${n}: Σ ${sum(e.values)} vs ${truth} (se ${se})`);
        errors.push(se);
      }
      // 16× the samples: a quarter of the standard error (2.5 leaves room for the estimate's own noise).
      assert.ok(errors[1] < errors[0] / 2.5 && errors[2] < errors[1] / 2.5, `standard errors ${errors.join(', ')}`);
      // The reported error is honest: over 40 seeds at n = 32 the sums scatter around the truth as it says.
      const sums: number[] = [];
      const reported: number[] = [];
      for (let seed = 100; seed < 140; seed++) {
        const e = (await run(32, seed)).explanations[0];
        sums.push(sum(e.values));
        reported.push(e.sumStandardError as number);
      }
      const meanSum = sum(sums) / sums.length;
      const sd = Math.sqrt(sums.reduce((s, v) => s + (v - meanSum) ** 2, 0) / (sums.length - 1));
      const meanReported = sum(reported) / reported.length;
      assert.ok(sd > meanReported / 1.6 && sd < meanReported * 1.6, `spread over seeds ${sd}, reported ${meanReported}`);
      assert.ok(Math.abs(meanSum - truth) < (4 * sd) / Math.sqrt(sums.length), `mean of sums ${meanSum} vs ${truth}`);
    } finally {
      await explainer.dispose();
    }
  });

  it('same seed, same values; another seed, other values', async () => {
    const random = seeded(4);
    const weights = Float32Array.from({ length: 3 * 3 * PLANE }, () => 2 * random() - 1);
    const model = softmaxModel({ height: H, width: W, classes: 3, weights });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), batchSize: 4 });
    try {
      const options = { algorithm: 'gradient' as const, background: [photo(31), photo(32)], nSamples: 24, labels: [0, 1] };
      const a = await explainer.shap(photo(6), { ...options, seed: 5 });
      const b = await explainer.shap(photo(6), { ...options, seed: 5 });
      const c = await explainer.shap(photo(6), { ...options, seed: 6 });
      assert.equal(a.seed, 5);
      assert.deepEqual(a.explanations[1].values, b.explanations[1].values);
      assert.notDeepEqual(a.explanations[1].values, c.explanations[1].values);
    } finally {
      await explainer.dispose();
    }
  });

  it('localSmoothing adds Gaussian noise to the input: on the linear glass box a spread around the same mean', async () => {
    const model = linearModel({ height: H, width: W, classes: 2 });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    try {
      const options = { algorithm: 'gradient' as const, background: 'black' as const, nSamples: 400, labels: [1] };
      const plain = (await explainer.shap(photo(6), options)).explanations[0];
      const noisy = (await explainer.shap(photo(6), { ...options, localSmoothing: 0.3 })).explanations[0];
      // Without noise every sample is (x − 0) ⊙ w; with it (x + ε) ⊙ w, whose mean is the same.
      assert.ok((plain.sumStandardError as number) < 1e-6);
      const se = noisy.standardErrors as Float64Array;
      for (let p = 0; p < PLANE; p++) {
        // Σ_c ε_c w_c / √n: the standard error the noise alone makes, known in closed form.
        let variance = 0;
        for (let c = 0; c < 3; c++) variance += (0.3 * model.weights[3 * PLANE + c * PLANE + p]) ** 2;
        const expected = Math.sqrt(variance / 400);
        assert.ok(Math.abs(se[p] - expected) < 0.25 * expected, `pixel ${p}: se ${se[p]} vs ${expected}`);
        assert.ok(Math.abs(noisy.values[p] - plain.values[p]) < 4.5 * expected, `pixel ${p}`);
      }
    } finally {
      await explainer.dispose();
    }
  });

  it('the batch size does not change the values', async () => {
    const random = seeded(8);
    const weights = Float32Array.from({ length: 3 * 3 * PLANE }, () => 2 * random() - 1);
    const model = softmaxModel({ height: H, width: W, classes: 3, weights });
    const values: Float32Array[] = [];
    for (const batchSize of [1, 5, 64]) {
      const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), batchSize });
      try {
        const r = await explainer.shap(photo(6), { algorithm: 'gradient', background: [photo(1), photo(2)], nSamples: 13, labels: [2] });
        values.push(r.explanations[0].values);
      } finally {
        await explainer.dispose();
      }
    }
    for (const v of values.slice(1)) for (let p = 0; p < PLANE; p++) assert.ok(Math.abs(v[p] - values[0][p]) < 1e-6);
  });

  it('refuses options that do not apply, and gradient-only options with other algorithms, by name', async () => {
    const model = linearModel({ height: H, width: W, classes: 3 });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    try {
      const refuses = async (options: object, name: string, type: typeof RangeError | typeof TypeError = RangeError) =>
        assert.rejects(explainer.shap(photo(1), options), (e: Error) => e instanceof type && e.message.includes(name), name);
      await refuses({ algorithm: 'gradient', maxEvals: 100 }, 'maxEvals');
      await refuses({ algorithm: 'gradient', masker: 'black' }, 'masker');
      await refuses({ algorithm: 'gradient', features: 'superpixels' }, 'features');
      await refuses({ algorithm: 'gradient', nSamples: 0 }, 'nSamples');
      await refuses({ algorithm: 'gradient', nSamples: 2.5 }, 'nSamples');
      await refuses({ algorithm: 'gradient', localSmoothing: -1 }, 'localSmoothing');
      await refuses({ algorithm: 'gradient', localSmoothing: 'a' }, 'localSmoothing', TypeError);
      await refuses({ algorithm: 'gradient', background: [] }, 'background');
      await refuses({ algorithm: 'gradient', background: 'purple' }, 'background');
      await refuses({ algorithm: 'gradient', labels: [3] }, 'labels[0]');
      await refuses({ algorithm: 'gradient', topLabels: 4 }, 'topLabels');
      await refuses({ algorithm: 'partition', nSamples: 10 }, 'nSamples');
      await refuses({ algorithm: 'kernel', background: 'black' }, 'background');
      await refuses({ localSmoothing: 0.1 }, 'localSmoothing');
      await assert.rejects(
        explainer.shap(photo(1), { algorithm: 'gradient', background: [photo(1), 'no-such-file.png'] }),
        /background\[1\]/,
      );
    } finally {
      await explainer.dispose();
    }
  });

  describe('SqueezeNet 1.1', function () {
    requireShared(this);

    it('on a real photo: Σ values ≈ f(x) − E[f(bg)] within the sampling error, drawn by renderShap', async () => {
      const explainer = await createExplainer(shared('models', 'squeezenet1.1-fp32.onnx'), { preprocess: 'caffe-bgr' });
      try {
        const result = await explainer.shap(shared('images', 'chelsea.png'), {
          algorithm: 'gradient',
          background: [shared('images', 'coffee.png'), shared('images', 'astronaut.png')],
          nSamples: 64,
          topLabels: 1,
        });
        const e = result.explanations[0];
        assert.equal(e.values.length, 224 * 224);
        assert.equal(result.evaluations, 64 + 3);
        const se = e.sumStandardError as number;
        const gap = sum(e.values) - (e.probability - e.baseValue);
        assert.ok(e.probability - e.baseValue > 0.05, `a change to explain: ${e.probability} − ${e.baseValue}`);
        assert.ok(Math.abs(gap) < 4 * se, `gap ${gap}, standard error ${se}`);
        // Probability gradients of a ReLU network are spiky: 64 samples measured se ≈ 0.26 of a 0.49 change.
        assert.ok(se < 0.75 * (e.probability - e.baseValue), `a usable estimate: se ${se}`);
        const png = await renderShap(result);
        assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
      } finally {
        await explainer.dispose();
      }
    });
  });
});
