// SPDX-License-Identifier: MIT
// A CommonJS program using limeshap as an installed dependency (`require` by package name: the exports
// map's "require" condition). test/package/packed-install.ts runs it in a fresh project with MODEL (the
// glass-box model of test/package/glass-box.ts) and EXPECT_ADDON ('prebuilt' or 'source').
//
// Exact Shapley values of class 0 on a white image in two cells, the hidden cell black: the model's
// class 0 logit is the left half's mean input and class 1's is 0, so p0 is σ(1) = e/(e+1) with the left
// cell shown and 1/2 without it, whatever the right cell shows. The left cell's value is σ(1) − 1/2,
// the right cell's 0, and the base value (everything hidden) 1/2.
'use strict';
const assert = require('node:assert/strict');
const { createExplainer, nativeAddon } = require('limeshap');

async function main() {
  assert.ok(process.env.MODEL, 'MODEL names the glass-box model');
  assert.equal(nativeAddon().source, process.env.EXPECT_ADDON);
  const white = { data: new Uint8Array(16 * 16 * 3).fill(255), width: 16, height: 16, channels: 3 };
  const explainer = await createExplainer(process.env.MODEL, {
    // inputs = pixel / 255, as the model's formula assumes (the default preset would be ImageNet's)
    preprocess: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] },
    softmax: true,
  });
  try {
    const result = await explainer.shap(white, {
      algorithm: 'exact',
      features: 'superpixels',
      segmentation: { method: 'grid', rows: 1, cols: 2 },
      masker: 'black',
      labels: [0],
    });
    const [explanation] = result.explanations;
    const [left, right] = explanation.segmentValues;
    const expected = Math.E / (Math.E + 1) - 0.5;
    assert.ok(Math.abs(left - expected) < 1e-5, `left value ${left}, expected ${expected}`);
    assert.ok(Math.abs(right) < 1e-5, `right value ${right}, expected 0`);
    assert.ok(Math.abs(explanation.baseValue - 0.5) < 1e-5, `base value ${explanation.baseValue}, expected 0.5`);
    console.log(`cjs: shap values ${left.toFixed(6)} ${right.toFixed(6)} (${nativeAddon().source} addon)`);
  } finally {
    await explainer.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
