// SPDX-License-Identifier: MIT
// Integrated Gradients through the library: the closed form on the linear glass box (exact for
// any step count, gap 0), the gap shrinking as steps grow (1/steps² on a smooth model; on
// SqueezeNet with a real photo), the option checks, and the refusal for a predict function.
import assert from 'node:assert/strict';
import { createExplainer, type RawImage } from '../../lib';
import { identityPreprocess } from '../helpers/fixtures';
import { linearModel, softmaxModel } from '../helpers/onnx-builder';
import { requireShared, shared } from '../helpers/shared';
import { seeded } from './gradient-check';

const H = 6;
const W = 5;

function photo(seed: number): RawImage {
  const random = seeded(seed);
  return { data: Uint8Array.from({ length: H * W * 3 }, () => Math.floor(256 * random())), width: W, height: H, channels: 3 };
}

describe('Integrated Gradients', function () {
  this.timeout(120000);

  it('on the linear glass box equal (x − x′) ⊙ w_k for any steps, with a completeness gap of 0', async () => {
    const model = linearModel({ height: H, width: W, classes: 3 });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    try {
      const image = photo(3);
      const color = [10, 200, 30] as const;
      for (const steps of [1, 7]) {
        const ig = await explainer.integratedGradients(image, { classIndex: 2, baseline: { color }, steps });
        assert.equal(ig.evaluations, steps + 1);
        const plane = H * W;
        for (let c = 0; c < 3; c++)
          for (let p = 0; p < plane; p++) {
            const x = image.data[3 * p + c] / 255;
            const expected = (x - color[c] / 255) * model.weights[2 * 3 * plane + c * plane + p];
            assert.ok(Math.abs(ig.attributions[c * plane + p] - expected) < 1e-6, `steps ${steps}, channel ${c}, pixel ${p}`);
          }
        assert.ok(Math.abs(ig.completenessGap) < 1e-5, `gap ${ig.completenessGap}`);
        // Per-pixel values are the channel sums.
        assert.ok(Math.abs(ig.pixels[4] - (ig.attributions[4] + ig.attributions[plane + 4] + ig.attributions[2 * plane + 4])) < 1e-6);
      }
    } finally {
      await explainer.dispose();
    }
  });

  it('on a smooth model (softmax of linear logits) the gap shrinks as 1/steps²', async () => {
    // Weights large enough that the probabilities move a lot between baseline and image.
    const random = seeded(9);
    const weights = Float32Array.from({ length: 4 * 3 * H * W }, () => 2 * random() - 1);
    const model = softmaxModel({ height: H, width: W, classes: 4, weights });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W) });
    try {
      const gaps: number[] = [];
      for (const steps of [2, 4, 8, 16]) {
        const ig = await explainer.integratedGradients(photo(5), { classIndex: 1, steps });
        gaps.push(Math.abs(ig.completenessGap));
      }
      assert.ok(gaps[0] > 1e-3, `a gap to shrink: ${gaps[0]}`);
      // Halving the step divides the trapezoid's error by about 4 (3 leaves room for float32).
      for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] < gaps[i - 1] / 3, `gaps ${gaps.join(', ')}`);
    } finally {
      await explainer.dispose();
    }
  });

  it('refuses bad options by name, and a predict function', async () => {
    const model = linearModel({ height: H, width: W, classes: 3 });
    const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    try {
      await assert.rejects(
        explainer.integratedGradients(photo(1), { steps: 0 }),
        (e: Error) => e instanceof RangeError && /steps/.test(e.message),
      );
      await assert.rejects(explainer.integratedGradients(photo(1), { steps: '5' as unknown as number }), TypeError);
      await assert.rejects(
        explainer.integratedGradients(photo(1), { classIndex: 3 }),
        (e: Error) => e instanceof RangeError && /classIndex/.test(e.message),
      );
      await assert.rejects(
        explainer.integratedGradients(photo(1), { baseline: 'purple' as 'black' }),
        (e: Error) => e instanceof RangeError && /baseline/.test(e.message),
      );
      await assert.rejects(explainer.integratedGradients(photo(1), { stepz: 3 } as object), /stepz/);
    } finally {
      await explainer.dispose();
    }
    const fn = await createExplainer(() => [[0.2, 0.8]], { inputSize: [H, W], preprocess: identityPreprocess(H, W) });
    try {
      await assert.rejects(fn.integratedGradients(photo(1)), /gradients need an ONNX model/);
    } finally {
      await fn.dispose();
    }
  });

  describe('SqueezeNet 1.1', function () {
    requireShared(this);

    it('on a real photo: the gap shrinks from 4 to 64 steps, below 5% of f(x) − f(baseline)', async () => {
      const explainer = await createExplainer(shared('models', 'squeezenet1.1-fp32.onnx'));
      try {
        const results = [];
        for (const steps of [4, 64]) results.push(await explainer.integratedGradients(shared('images', 'chelsea.png'), { steps }));
        const [coarse, fine] = results;
        assert.equal(coarse.classIndex, fine.classIndex);
        const change = fine.score - fine.baselineScore;
        assert.ok(Math.abs(fine.completenessGap) < Math.abs(coarse.completenessGap), `${coarse.completenessGap} → ${fine.completenessGap}`);
        assert.ok(Math.abs(fine.completenessGap) < 0.05 * Math.abs(change), `gap ${fine.completenessGap} of ${change}`);
      } finally {
        await explainer.dispose();
      }
    });
  });
});
