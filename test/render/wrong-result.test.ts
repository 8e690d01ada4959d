// SPDX-License-Identifier: MIT
// renderLime() and renderShap() given the other method's result (or no result): a TypeError that
// says which result it got and which function draws it; the right result still draws.
import assert from 'node:assert/strict';
import { createExplainer, renderLime, renderShap, segment } from '../../lib';
import { linearModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';

describe('renderLime/renderShap with the wrong result', function () {
  this.timeout(120000);
  it('name the result they got and the renderer to use', async () => {
    const H = 16,
      W = 16;
    const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 3, seed: 7 }).bytes, {
      preprocess: identityPreprocess(H, W),
      softmax: false,
    });
    const data = new Uint8Array(H * W * 3).map((_, i) => (i * 37) % 256);
    const image = { data, width: W, height: H, channels: 3 as const };
    const segmentation = await segment(image, { method: 'grid', rows: 4, cols: 4 });
    const lime = await explainer.lime(image, { numSamples: 50, segmentation });
    const shap = await explainer.shap(image, { maxEvals: 50, features: 'superpixels', segmentation });
    await assert.rejects(
      renderLime(shap as never),
      (err: Error) =>
        err instanceof TypeError &&
        /LIME result/.test(err.message) &&
        /received a SHAP result/.test(err.message) &&
        /renderShap\(\)/.test(err.message),
    );
    await assert.rejects(
      renderShap(lime as never),
      (err: Error) =>
        err instanceof TypeError &&
        /SHAP result/.test(err.message) &&
        /received a LIME result/.test(err.message) &&
        /renderLime\(\)/.test(err.message),
    );
    for (const bad of [undefined, null, 42, {}, { explanations: [] }])
      for (const render of [renderLime, renderShap])
        await assert.rejects(render(bad as never), (err: Error) => err instanceof TypeError && /\bresult\b/.test(err.message));
    // The right results still draw.
    assert.ok((await renderLime(lime)).length > 0);
    assert.ok((await renderShap(shap)).length > 0);
    await explainer.dispose();
  });
});
