// SPDX-License-Identifier: MIT
// A TypeScript ES module that uses limeshap as an installed dependency would: `import` by package name
// (the exports map's "import" condition and its types), compiled by the project's own tsc with
// module/moduleResolution nodenext. test/package/packed-install.ts copies it into a fresh project,
// compiles and runs it with MODEL (the glass-box model of test/package/glass-box.ts) and
// EXPECT_ADDON ('prebuilt' or 'source': which addon this install must have loaded).
//
// The model's class 0 logit is the mean of the left half's inputs (0..1) and class 1's is 0, so on a
// white image split into a left and a right cell, hiding the left cell (black) turns p0 from
// σ(1) = e/(e+1) into σ(0) = 1/2 and hiding the right cell changes nothing: the exact linear LIME
// weights are σ(1) − 1/2 and 0, with intercept 1/2.
import assert from 'node:assert/strict';
import { createExplainer, nativeAddon, type LimeResult } from 'limeshap';

const model = process.env.MODEL;
assert.ok(model, 'MODEL names the glass-box model');
assert.equal(nativeAddon().source, process.env.EXPECT_ADDON);

const white = { data: new Uint8Array(16 * 16 * 3).fill(255), width: 16, height: 16, channels: 3 as const };
const explainer = await createExplainer(model, {
  // inputs = pixel / 255, as the model's formula assumes (the default preset would be ImageNet's)
  preprocess: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] },
  softmax: true,
});
try {
  const result: LimeResult = await explainer.lime(white, {
    segmentation: { method: 'grid', rows: 1, cols: 2 },
    hide: 'black',
    regressor: 'linear',
    labels: [0],
    numSamples: 64,
    seed: 7,
  });
  const [explanation] = result.explanations;
  assert.ok(explanation);
  const expected = Math.E / (Math.E + 1) - 0.5;
  assert.ok(Math.abs((explanation.weights[0] as number) - expected) < 1e-5, `left weight ${explanation.weights[0]}, expected ${expected}`);
  assert.ok(Math.abs(explanation.weights[1] as number) < 1e-5, `right weight ${explanation.weights[1]}, expected 0`);
  assert.ok(Math.abs(explanation.intercept - 0.5) < 1e-5, `intercept ${explanation.intercept}, expected 0.5`);
  console.log(`esm: lime weights ${Array.from(explanation.weights, (w) => w.toFixed(6)).join(' ')} (${nativeAddon().source} addon)`);
} finally {
  await explainer.dispose();
}
