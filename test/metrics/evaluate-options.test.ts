// SPDX-License-Identifier: MIT
// explainer.evaluate(): every bad option is a TypeError/RangeError naming it, before any model call.
import assert from 'node:assert/strict';
import { createExplainer, segment, type Explainer, type LimeResult, type ShapResult } from '../../lib';
import { linearModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';
import { METRIC_NAMES, METRIC_REGISTRY } from '../../lib/metrics/registry';

const H = 8,
  W = 8;
const image = { data: Uint8Array.from({ length: H * W * 3 }, (_, i) => (i * 53) % 256), width: W, height: H, channels: 3 as const };

describe('evaluate(): bad input', function () {
  let explainer: Explainer;
  let lime: LimeResult;
  let pixels: ShapResult;
  let calls = 0;
  before(async () => {
    explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2 }).bytes, { preprocess: identityPreprocess(H, W) });
    const seg = await segment(image, { method: 'grid', rows: 2, cols: 2 });
    lime = await explainer.lime(image, { segmentation: seg, numSamples: 20 });
    pixels = await explainer.shap(image, { maxEvals: 20 });
    // Count model calls from here on: a refused option must not reach the model.
    const model = explainer.model as { run: (...a: unknown[]) => Promise<Float32Array> };
    const run = model.run.bind(model);
    model.run = (...a: unknown[]) => {
      calls++;
      return run(...a);
    };
  });
  after(async () => explainer.dispose());

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['options not an object', 5 as unknown as Record<string, unknown>, 'TypeError', /options/],
    ['unknown option', { bogus: 1 }, 'RangeError', /options\.bogus/],
    ['metrics not an array', { metrics: 'deletion' }, 'TypeError', /metrics/],
    ['unknown metric', { metrics: ['deletion', 'sanity'] }, 'RangeError', /metrics\[1\].*sanity/],
    ['randomOrders 0', { randomOrders: 0 }, 'RangeError', /randomOrders.*0/],
    ['randomOrders a string', { randomOrders: '3' }, 'TypeError', /randomOrders/],
    ['subsets 1.5', { subsets: 1.5 }, 'RangeError', /subsets.*1\.5/],
    ['subsetFraction 0', { subsetFraction: 0 }, 'RangeError', /subsetFraction.*0/],
    ['subsetFraction 1.2', { subsetFraction: 1.2 }, 'RangeError', /subsetFraction/],
    ['subsetFraction 1 (every subset the whole set)', { subsetFraction: 1 }, 'RangeError', /< 1 for subsetFraction.*received 1/],
    ['seeds 1', { seeds: 1 }, 'RangeError', /seeds.*1/],
    ['seeds with a negative seed', { seeds: [1, -2] }, 'RangeError', /seeds\[1\].*-2/],
    ['seeds an object', { seeds: {} }, 'TypeError', /seeds/],
    ['k above the segments', { k: 5 }, 'RangeError', /k.*5/],
    ['seed -1', { seed: -1 }, 'RangeError', /seed.*-1/],
    ['substrate unknown', { substrate: 'grey' }, 'RangeError', /substrate.*grey/],
    [
      'substrate of another size',
      { substrate: { background: { data: new Uint8Array(12), width: 2, height: 2, channels: 3 } } },
      'RangeError',
      /substrate\.background.*2x2/,
    ],
    ['steps on a segment result', { steps: 10 }, 'RangeError', /pixel-level.*steps/],
    ['option of a metric not run', { metrics: ['deletion'], subsets: 10 }, 'RangeError', /mufidelity.*subsets/],
    ['explainOptions fixing the seed', { explainOptions: { seed: 3 } }, 'RangeError', /explainOptions\.seed/],
    ['explainOptions unknown', { explainOptions: { maxEvals: 3 } }, 'RangeError', /explainOptions\.maxEvals/],
    [
      'explainOptions out of range, checked before any call',
      { metrics: ['insertion', 'stability'], explainOptions: { kernelWidth: -1 } },
      'RangeError',
      /explainOptions: .*kernelWidth.*-1/,
    ],
    [
      'explainOptions of the wrong type',
      { metrics: ['randomization'], explainOptions: { regressor: 3 } },
      'TypeError',
      /explainOptions: .*regressor/,
    ],
  ];
  for (const [what, options, name, message] of cases)
    it(`BAD CALL - ${what}`, async () => {
      const before = calls;
      await assert.rejects(explainer.evaluate(image, lime, options), { name, message });
      assert.equal(calls, before, 'no model call');
    });

  it('BAD CALL - steps out of range on a pixel result; a result that is not one; another image', async () => {
    let before = calls;
    await assert.rejects(explainer.evaluate(image, pixels, { steps: 0 }), { name: 'RangeError', message: /steps.*0/ });
    await assert.rejects(explainer.evaluate(image, pixels, { steps: H * W + 1 }), { name: 'RangeError', message: /steps.*65/ });
    await assert.rejects(explainer.evaluate(image, pixels, { randomOrders: 101 }), { name: 'RangeError', message: /randomOrders.*101/ });
    await assert.rejects(explainer.evaluate(image, pixels, { subsets: 10001 }), { name: 'RangeError', message: /subsets.*10001/ });
    // A result whose parts do not fit together (or were tampered with) is refused, not evaluated.
    const short = { ...lime, explanations: [{ ...lime.explanations[0], weights: new Float64Array(3) }] };
    await assert.rejects(explainer.evaluate(image, short), { name: 'TypeError', message: /4 attributions.*result\.explanations\[0\]/ });
    const badClass = { ...lime, explanations: [{ ...lime.explanations[0], index: 9 }] };
    await assert.rejects(explainer.evaluate(image, badClass), { name: 'RangeError', message: /result\.explanations\[0\]\.index.*9/ });
    const badHide = { ...lime, hide: { kind: 'blur', kx: -1, ky: 2 } } as unknown as LimeResult;
    await assert.rejects(explainer.evaluate(image, badHide), { name: 'RangeError', message: /result\.hide.*-1/ });
    const badLabels = { ...lime, segmentation: { ...lime.segmentation, labels: new Int32Array(H * W).fill(7) } };
    await assert.rejects(explainer.evaluate(image, badLabels), { name: 'RangeError', message: /segmentation\.labels\[0\].*7/ });
    await assert.rejects(explainer.evaluate(image, null as unknown as LimeResult), { name: 'TypeError', message: /result/ });
    await assert.rejects(explainer.evaluate(image, { explanations: [] } as unknown as LimeResult), {
      name: 'TypeError',
      message: /result\.explanations/,
    });
    const other = { ...image, data: image.data.map((v) => 255 - v) };
    await assert.rejects(explainer.evaluate(other, lime), { name: 'RangeError', message: /image/ });
    assert.equal(calls, before, 'no model call');
    // A getter that passes the type check once and then hands over something else is read once.
    let reads = 0;
    const shifty = {
      ...lime.image,
      get data() {
        return reads++ === 0 ? lime.image.data : ('pixels' as unknown as Uint8Array);
      },
    };
    const q = await explainer.evaluate(image, { ...lime, image: shifty }, { metrics: ['deletion'], randomOrders: 1 });
    assert.equal(reads, 1);
    assert.equal(q.classes.length, lime.explanations.length);
    before = calls;
    const notBytes = { ...lime.image, data: 'pixels' as unknown as Uint8Array };
    await assert.rejects(explainer.evaluate(image, { ...lime, image: notBytes }), { name: 'TypeError', message: /result\.image\.data/ });
    assert.equal(calls, before, 'no model call for the refused result');
  });
});

describe('metrics registry', () => {
  it('every registered option: its default passes its own check; a string is a TypeError naming it', () => {
    for (const metric of METRIC_REGISTRY)
      for (const p of metric.params) {
        assert.deepEqual(p.check(p.default, 9), p.default, `${metric.name}.${p.name}`);
        assert.throws(() => p.check('x', 9), { name: 'TypeError', message: new RegExp(`for ${p.name} but`) });
      }
    assert.deepEqual(METRIC_NAMES, ['deletion', 'insertion', 'mufidelity', 'stability', 'randomization']);
  });
});
