// SPDX-License-Identifier: MIT
// SmoothGrad through the library: the weights on the linear glass box whatever the noise (and
// weights ⊙ x for gradient*input), softmax's closed-form gradient without noise, the noise's scale,
// seeds, and option refusals.
import assert from 'node:assert/strict';
import { createExplainer, type RawImage } from '../../lib';
import { identityPreprocess } from '../helpers/fixtures';
import { linearModel, softmaxModel } from '../helpers/onnx-builder';
import { seeded } from './gradient-check';

const H = 6;
const W = 5;
const PLANE = H * W;

function photo(seed: number): RawImage {
  const random = seeded(seed);
  return { data: Uint8Array.from({ length: H * W * 3 }, () => Math.floor(256 * random())), width: W, height: H, channels: 3 };
}

describe('SmoothGrad', function () {
  this.timeout(120000);

  it('on the linear glass box equals w_k for any noise, and w_k ⊙ x for gradient*input', async () => {
    const model = linearModel({ height: H, width: W, classes: 3 });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    try {
      const image = photo(3);
      for (const noise of [0, 0.5]) {
        const sg = await explainer.smoothGrad(image, { classIndex: 1, noise, nSamples: 9 });
        assert.equal(sg.evaluations, 9);
        for (let i = 0; i < 3 * PLANE; i++) assert.ok(Math.abs(sg.attributions[i] - model.weights[3 * PLANE + i]) < 1e-6, `${noise} ${i}`);
      }
      const gi = await explainer.smoothGrad(image, { classIndex: 2, variant: 'gradient*input', nSamples: 3 });
      for (let p = 0; p < PLANE; p++) {
        let expected = 0;
        for (let c = 0; c < 3; c++) expected += model.weights[2 * 3 * PLANE + c * PLANE + p] * (image.data[3 * p + c] / 255);
        assert.ok(Math.abs(gi.pixels[p] - expected) < 1e-5, `pixel ${p}`);
      }
    } finally {
      await explainer.dispose();
    }
  });

  it('on a softmax model: without noise the closed-form gradient p_k (w_k − Σ p_j w_j); noise scales with the range; seeds reproduce', async () => {
    const random = seeded(9);
    const K = 4;
    const weights = Float32Array.from({ length: K * 3 * PLANE }, () => 2 * random() - 1);
    const model = softmaxModel({ height: H, width: W, classes: K, weights });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W) });
    try {
      const image = photo(5);
      const x = new Float32Array(3 * PLANE);
      for (let p = 0; p < PLANE; p++) for (let c = 0; c < 3; c++) x[c * PLANE + p] = image.data[3 * p + c] / 255;
      const prob = model.reference(x, 1);
      const k = 1;
      const sg = await explainer.smoothGrad(image, { classIndex: k, noise: 0, nSamples: 2 });
      for (let i = 0; i < 3 * PLANE; i++) {
        let mix = 0;
        for (let j = 0; j < K; j++) mix += prob[j] * weights[j * 3 * PLANE + i];
        const expected = prob[k] * (weights[k * 3 * PLANE + i] - mix);
        assert.ok(Math.abs(sg.attributions[i] - expected) < 1e-6, `element ${i}`);
      }
      const a = await explainer.smoothGrad(image, { classIndex: k, noise: 0.3, seed: 3, nSamples: 20 });
      const b = await explainer.smoothGrad(image, { classIndex: k, noise: 0.3, seed: 3, nSamples: 20 });
      const c = await explainer.smoothGrad(image, { classIndex: k, noise: 0.3, seed: 4, nSamples: 20 });
      assert.deepEqual(a.attributions, b.attributions);
      assert.notDeepEqual(a.attributions, c.attributions);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of x) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      assert.ok(Math.abs(a.sigma - 0.3 * (hi - lo)) < 1e-9);
      assert.equal(a.seed, 3);
      // Noise moves the averaged gradient away from the gradient at x.
      assert.ok(a.attributions.some((v, i) => Math.abs(v - sg.attributions[i]) > 1e-4));
    } finally {
      await explainer.dispose();
    }
  });

  it('refuses bad options by name', async () => {
    const model = linearModel({ height: H, width: W, classes: 3 });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    try {
      const refuses = (options: object, name: string, type: typeof RangeError | typeof TypeError = RangeError) =>
        assert.rejects(explainer.smoothGrad(photo(1), options), (e: Error) => e instanceof type && e.message.includes(name), name);
      await refuses({ nSamples: 0 }, 'nSamples');
      await refuses({ noise: -0.1 }, 'noise');
      await refuses({ noise: '0.1' }, 'noise', TypeError);
      await refuses({ variant: 'input' }, 'variant');
      await refuses({ classIndex: 3 }, 'classIndex');
      await refuses({ steps: 3 }, 'steps');
    } finally {
      await explainer.dispose();
    }
  });
});
