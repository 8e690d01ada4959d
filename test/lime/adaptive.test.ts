// SPDX-License-Identifier: MIT
// LIME's adaptive budget (numSamples 'auto', lib/lime-adaptive.ts): exact on the glass-box linear
// model after one round, more rounds where the model has interactions, always within its bounds,
// seeded, the same masks and weights as a fixed run of the samples it used, and bad options named.
import assert from 'node:assert/strict';
import { createExplainer, segment, type Explainer, type Segmentation } from '../../lib';
import { interactionModel, linearModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';

const H = 16,
  W = 16;
const image = {
  data: new Uint8Array(H * W * 3).map((_, i) => (i * 37 + ((i * i) % 101)) % 256),
  width: W,
  height: H,
  channels: 3 as const,
};

describe("LIME numSamples 'auto'", () => {
  let linear: Explainer, interacting: Explainer, seg: Segmentation;
  before(async () => {
    seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
    linear = await createExplainer(linearModel({ height: H, width: W, classes: 3, seed: 7 }).bytes, {
      preprocess: identityPreprocess(H, W),
      softmax: false,
    });
    // Main effects falling off by segment plus a product of every segment with two others: LIME's
    // linear surrogate cannot be exact, and its top-5 ranking moves with the samples until enough
    // are taken.
    const groups = Int32Array.from(seg.labels);
    const terms = [];
    for (let a = 0; a < seg.count; a++) {
      terms.push({ groups: [a], coefficients: [1 - a / seg.count] });
      terms.push({ groups: [a, (a + 1) % seg.count, (a + 5) % seg.count], coefficients: [1] });
    }
    interacting = await createExplainer(interactionModel({ height: H, width: W, groups, terms }).bytes, {
      preprocess: identityPreprocess(H, W),
      softmax: false,
    });
  });
  after(() => {
    linear.dispose();
    interacting.dispose();
  });

  it('glass-box linear model, linear regressor: the ranking is exact, so it stops after the first round with stability 1', async () => {
    const r = await linear.lime(image, {
      segmentation: seg,
      hide: 'black',
      regressor: 'linear',
      labels: [0, 2],
      numSamples: 'auto',
      roundSize: 100,
      seed: 3,
    });
    assert.equal(r.numSamples, 100);
    assert.deepEqual(r.stability, { reached: 1, target: 0.9, rounds: 1, k: 5 });
  });

  it('model with interactions: takes more rounds, stays within [roundSize, maxSamples], and stops at the target or at the maximum', async () => {
    let reached = 0;
    for (const seed of [1, 2]) {
      const r = await interacting.lime(image, {
        segmentation: seg,
        hide: 'black',
        numSamples: 'auto',
        roundSize: 50,
        maxSamples: 600,
        stabilityTarget: 0.95,
        seed,
      });
      const s = r.stability!;
      assert.ok(s.rounds > 1, `seed ${seed}: ${s.rounds} round(s)`);
      assert.equal(r.numSamples, Math.min(600, 50 * s.rounds));
      assert.ok(r.numSamples >= 50 && r.numSamples <= 600);
      assert.ok(s.reached >= 0.95 || r.numSamples === 600, `seed ${seed}: ${s.reached} at ${r.numSamples}`);
      if (s.reached >= 0.95 && r.numSamples < 600) reached++;
      // A looser target never needs more samples (the stability after each round is the same).
      const loose = await interacting.lime(image, {
        segmentation: seg,
        hide: 'black',
        numSamples: 'auto',
        roundSize: 50,
        maxSamples: 600,
        stabilityTarget: 0.5,
        seed,
      });
      assert.ok(loose.numSamples <= r.numSamples);
    }
    assert.ok(reached > 0, 'the target is reachable here: some run must stop before the maximum');
    // A target no ranking reaches under bootstrap noise runs to the maximum, an odd end included.
    const capped = await interacting.lime(image, {
      segmentation: seg,
      hide: 'black',
      numSamples: 'auto',
      roundSize: 50,
      maxSamples: 173,
      stabilityTarget: 1,
      seed: 1,
    });
    assert.equal(capped.numSamples, 173);
    assert.equal(capped.stability!.rounds, 4);
    assert.ok(capped.stability!.reached < 1);
  });

  it("is seeded, and an 'auto' run that stops at n equals a fixed run of n samples (same masks, same weights)", async () => {
    const opts = { segmentation: seg, hide: 'black' as const, roundSize: 50, maxSamples: 600, stabilityTarget: 0.95 };
    for (const sampler of ['bernoulli', 'antithetic', 'sobol'] as const) {
      const a = await interacting.lime(image, { ...opts, sampler, numSamples: 'auto', seed: 4 });
      const b = await interacting.lime(image, { ...opts, sampler, numSamples: 'auto', seed: 4 });
      assert.equal(a.numSamples, b.numSamples);
      assert.deepEqual(a.stability, b.stability);
      assert.deepEqual(a.explanations, b.explanations);
      const fixed = await interacting.lime(image, { segmentation: seg, hide: 'black', sampler, numSamples: a.numSamples, seed: 4 });
      assert.equal(fixed.stability, undefined);
      assert.deepEqual(
        a.explanations.map((e) => e.weights),
        fixed.explanations.map((e) => e.weights),
        `${sampler}: ${a.numSamples} samples`,
      );
      assert.deepEqual(a.explanations, fixed.explanations);
    }
  });

  it('never stops on a bootstrap of a handful of rows: at least 2(M + 1) samples, or maxSamples', async () => {
    // With 16 segments the stop needs 34 samples; rounds of 2 would otherwise stop at 2 samples,
    // where every resample redraws the one perturbed row and claims stability 1.
    const r = await linear.lime(image, {
      segmentation: seg,
      hide: 'black',
      regressor: 'linear',
      labels: [0],
      numSamples: 'auto',
      roundSize: 40,
      maxSamples: 4000,
      seed: 3,
    });
    assert.equal(r.numSamples, 40, 'the first round of 40 ≥ 34 may stop');
    const small = await linear.lime(image, {
      segmentation: seg,
      hide: 'black',
      regressor: 'linear',
      labels: [0],
      numSamples: 'auto',
      roundSize: 2,
      maxSamples: 200,
      seed: 3,
    });
    assert.equal(small.numSamples, 34, `stopped at ${small.numSamples}`);
    assert.equal(small.stability!.rounds, 17);
    const capped = await linear.lime(image, {
      segmentation: seg,
      hide: 'black',
      numSamples: 'auto',
      roundSize: 2,
      maxSamples: 20,
      seed: 3,
    });
    assert.equal(capped.numSamples, 20, 'maxSamples below 2(M + 1) still ends the run');
  });

  it('the memory bound names maxSamples in auto mode', async () => {
    const big = await segment(image, { method: 'grid', rows: 16, cols: 16 });
    await assert.rejects(
      linear.lime(image, { segmentation: big, numSamples: 'auto', maxSamples: 1e7, roundSize: 1e5 }),
      (e: Error) => e instanceof RangeError && /maxSamples/.test(e.message) && !/numSamples/.test(e.message),
    );
  });

  it('bad options: TypeError/RangeError naming the option', async () => {
    const base = { segmentation: seg };
    const cases: [object, typeof TypeError | typeof RangeError, string][] = [
      [{ numSamples: 'Auto' }, TypeError, 'numSamples'],
      [{ numSamples: 500, stabilityTarget: 0.9 }, TypeError, 'stabilityTarget'],
      [{ maxSamples: 500 }, TypeError, 'maxSamples'],
      [{ numSamples: 100, roundSize: 50 }, TypeError, 'roundSize'],
      [{ numSamples: 'auto', stabilityTarget: '0.9' }, TypeError, 'stabilityTarget'],
      [{ numSamples: 'auto', stabilityTarget: 0 }, RangeError, 'stabilityTarget'],
      [{ numSamples: 'auto', stabilityTarget: 1.01 }, RangeError, 'stabilityTarget'],
      [{ numSamples: 'auto', stabilityTarget: NaN }, RangeError, 'stabilityTarget'],
      [{ numSamples: 'auto', maxSamples: 100.5 }, RangeError, 'maxSamples'],
      [{ numSamples: 'auto', roundSize: 1 }, RangeError, 'roundSize'],
      [{ numSamples: 'auto', roundSize: 300, maxSamples: 200 }, RangeError, 'maxSamples'],
      [{ numSamples: 'auto', maxSamples: 1e8 }, RangeError, 'maxSamples'],
      // At most 100 rounds: tiny rounds would refit everything hundreds of times.
      [{ numSamples: 'auto', roundSize: 39 }, RangeError, 'roundSize'],
      [{ numSamples: 'auto', maxSamples: 1e6, roundSize: 9999 }, RangeError, 'roundSize'],
    ];
    for (const [opts, type, name] of cases) {
      await assert.rejects(
        linear.lime(image, { ...base, ...opts } as never),
        (e: Error) => e instanceof type && e.message.includes(name),
        JSON.stringify(opts),
      );
    }
  });
});
