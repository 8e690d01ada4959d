// SPDX-License-Identifier: MIT
// One background vocabulary for LIME's `hide` and SHAP's `masker`: every spelling of either library
// is accepted by both, equal spellings give equal replacement images, and a bad spec is refused
// before any segmentation or model call.
import assert from 'node:assert/strict';
import { backgroundImage, resolveBackground } from '../lib/background';
import { createExplainer, type Explainer } from '../lib';
import { boxBlur, segmentMeanImage } from '../lib/hide';
import { linearModel } from './helpers/onnx-builder';
import { identityPreprocess } from './helpers/fixtures';

const H = 16,
  W = 16;
const identity = identityPreprocess(H, W);
const rgb = { data: new Uint8Array(H * W * 3).map((_, i) => (i * 2654435761) >>> 24), width: W, height: H };
const labels = new Int32Array(H * W).map((_, i) => Math.floor((i % W) / 4));

describe('background: one vocabulary for hide and masker', () => {
  it('equal spellings resolve to the same background', () => {
    assert.deepEqual(resolveBackground('hide', 'blur(5,7)'), { kind: 'blur', kx: 5, ky: 7 });
    assert.deepEqual(resolveBackground('masker', { blur: [5, 7] }), { kind: 'blur', kx: 5, ky: 7 });
    assert.deepEqual(resolveBackground('hide', 'blur', 9), { kind: 'blur', kx: 9, ky: 9 });
    assert.deepEqual(resolveBackground('masker', { blur: 9 }), { kind: 'blur', kx: 9, ky: 9 });
    assert.deepEqual(resolveBackground('masker', 'blur'), { kind: 'blur', kx: 16, ky: 16 });
    assert.deepEqual(resolveBackground('hide', 'black'), resolveBackground('masker', { color: [0, 0, 0] }));
    assert.deepEqual(resolveBackground('masker', 'mean'), { kind: 'mean' });
  });

  it('builds the images of hide.ts: segment means (truncated, as lime), blur as cv2.blur, a colour, a background image', async () => {
    const mean = await backgroundImage('hide', resolveBackground('hide', 'mean'), rgb, labels, 4);
    assert.deepEqual(mean, segmentMeanImage(rgb, labels, 4));
    // Over pixel features (no segments): the whole image's mean colour.
    const whole = await backgroundImage('masker', resolveBackground('masker', 'mean'), rgb, undefined, H * W);
    assert.deepEqual(whole, segmentMeanImage(rgb, new Int32Array(H * W), 1));
    const blur = await backgroundImage('masker', resolveBackground('masker', 'blur(3,5)'), rgb, undefined, H * W);
    assert.deepEqual(blur, boxBlur(rgb, 3, 5));
    const red = await backgroundImage('hide', resolveBackground('hide', { color: [255, 0, 0] }), rgb, labels, 4);
    assert.deepEqual([...red.data.subarray(0, 6)], [255, 0, 0, 255, 0, 0]);
    const other = { data: new Uint8Array(H * W * 3).fill(7), width: W, height: H, channels: 3 as const };
    const image = await backgroundImage('hide', resolveBackground('hide', { background: other }), rgb, labels, 4);
    assert.deepEqual(image.data, other.data);
  });

  it('BAD CALL - wrong types and values name the option and the value', () => {
    assert.throws(() => resolveBackground('hide', 'grey'), { name: 'RangeError', message: /for hide but received "grey"/ });
    assert.throws(() => resolveBackground('masker', 42), { name: 'TypeError', message: /for masker but received 42/ });
    assert.throws(() => resolveBackground('masker', 'blur(0,3)'), { name: 'RangeError', message: /masker/ });
    assert.throws(() => resolveBackground('hide', { color: [0, 0, 300] }), { name: 'RangeError', message: /hide\.color\[2\]/ });
    assert.throws(() => resolveBackground('hide', { blur: [3] }), { name: 'TypeError', message: /hide\.blur/ });
    assert.throws(() => resolveBackground('masker', { blur: 0 }), { name: 'RangeError', message: /masker\.blur/ });
    assert.throws(() => resolveBackground('hide', 'blur', 0), { name: 'RangeError', message: /blurSize/ });
  });

  describe('through the explainers', () => {
    let explainer: Explainer;
    const image = { ...rgb, channels: 3 as const };
    const grid = { method: 'grid' as const, rows: 4, cols: 4 };
    before(async () => {
      explainer = await createExplainer(linearModel({ height: H, width: W, classes: 3 }).bytes, { preprocess: identity });
    });
    after(() => explainer.dispose());

    it("LIME takes shap's spellings and SHAP takes lime's, with the same results as the equal spelling", async () => {
      const a = await explainer.lime(image, { numSamples: 64, segmentation: grid, hide: 'blur(4,4)' });
      const b = await explainer.lime(image, { numSamples: 64, segmentation: grid, hide: 'blur', blurSize: 4 });
      assert.deepEqual(a.explanations[0].weights, b.explanations[0].weights);
      const c = await explainer.shap(image, { maxEvals: 64, masker: 'blur' });
      const d = await explainer.shap(image, { maxEvals: 64, masker: 'blur(16,16)' });
      assert.deepEqual(c.explanations[0].values, d.explanations[0].values);
      const e = await explainer.shap(image, { maxEvals: 64, masker: { blur: 16 } });
      assert.deepEqual(e.explanations[0].values, d.explanations[0].values);
    });

    it('BAD CALL - a bad hide or masker is refused before the segmentation runs', async () => {
      // The segmentation options are bad too (rows > height): the background error comes first.
      const badGrid = { method: 'grid' as const, rows: 999, cols: 4 };
      await assert.rejects(explainer.lime(image, { segmentation: badGrid, hide: 'grey' as never }), {
        name: 'RangeError',
        message: /for hide/,
      });
      await assert.rejects(explainer.shap(image, { features: 'superpixels', segmentation: badGrid, masker: 'grey' as never }), {
        name: 'RangeError',
        message: /for masker/,
      });
    });
  });
});
