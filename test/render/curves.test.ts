// SPDX-License-Identifier: MIT
// renderCurves / curvesImage: the panel geometry, curves drawn where their values put them (a
// constant curve along a known row), the legend's AUCs, and bad input named.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { RgbImage } from '../../lib/image';
import { renderCurves } from '../../lib/pictures';
import { DELETION_COLOR, INSERTION_COLOR, curvesImage } from '../../lib/render';
import type { EvaluationResult } from '../../lib/metrics/run';

const pixel = (img: RgbImage, x: number, y: number): number[] => [
  ...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3),
];

/** A curve metric with the given curve and random curves, AUCs as curves.ts defines them. */
function metric(curve: number[], randomCurves: number[][]) {
  const area = (c: number[]) => (c.reduce((a, b) => a + b, 0) - (c[0] + c[c.length - 1]) / 2) / (c.length - 1);
  const aucs = randomCurves.map(area);
  return {
    auc: area(curve),
    curve,
    order: curve.slice(1).map((_, i) => i),
    random: { auc: aucs.reduce((a, b) => a + b, 0) / aucs.length, aucs, curves: randomCurves, orders: [] },
  };
}

function evaluation(classes: { index: number; deletion?: number[]; insertion?: number[] }[]): EvaluationResult {
  const flat = (c: number[]) => c.map(() => 0.5);
  return {
    method: 'lime',
    features: 'segments',
    featureCount: 4,
    substrate: { kind: 'mean' },
    seed: 42,
    metrics: ['deletion', 'insertion'],
    evaluations: 0,
    classes: classes.map((c) => ({
      index: c.index,
      label: `class${c.index}`,
      ...(c.deletion ? { deletion: metric(c.deletion, [flat(c.deletion)]) } : {}),
      ...(c.insertion ? { insertion: metric(c.insertion, [flat(c.insertion)]) } : {}),
    })),
    timings: { total: 0 },
  } as EvaluationResult;
}

describe('renderCurves', () => {
  it('draws a constant-1 curve along the top row of the plot and a constant-0 curve along the bottom row', () => {
    const ev = evaluation([{ index: 3, deletion: [1, 1, 1, 1, 1], insertion: [0, 0, 0, 0, 0] }]);
    const { image, plots } = curvesImage(ev);
    assert.equal(image.width, 300, 'one panel of the default width');
    assert.equal(plots.length, 1);
    const p = plots[0];
    assert.deepEqual([p.index, p.yMin, p.yMax], [3, 0, 1]);
    for (const f of [0, 0.3, 0.77, 1]) {
      const x = p.x + Math.round(f * (p.width - 1));
      assert.deepEqual(pixel(image, x, p.y), [...DELETION_COLOR], `deletion at the top, column ${x}`);
      assert.deepEqual(pixel(image, x, p.y + p.height - 1), [...INSERTION_COLOR], `insertion at the bottom, column ${x}`);
      assert.notDeepEqual(pixel(image, x, p.y + 5), [...DELETION_COLOR], 'nothing red under the top row');
    }
    // The random baselines (constant 0.5) lie on the middle row, in a lighter colour than the curves.
    const mid = pixel(image, p.x + Math.round(0.4 * (p.width - 1)), p.y + Math.round(0.5 * (p.height - 1)));
    assert.ok(mid.every((v) => v > 150) && !mid.every((v) => v === 255), `baseline drawn in a light colour: ${mid}`);
  });

  it('a falling line passes through the points its values give; the plot widens for values outside [0, 1]', () => {
    const { image, plots } = curvesImage(evaluation([{ index: 0, deletion: [1, 0.75, 0.5, 0.25, 0] }]));
    const p = plots[0];
    for (let k = 0; k <= 4; k++) {
      const x = p.x + Math.round((k / 4) * (p.width - 1));
      const y = p.y + Math.round((k / 4) * (p.height - 1));
      assert.deepEqual(pixel(image, x, y), [...DELETION_COLOR], `point ${k}`);
    }
    const wide = curvesImage(evaluation([{ index: 0, insertion: [-1, 2] }])).plots[0];
    assert.deepEqual([wide.yMin, wide.yMax], [-1, 2]);
  });

  it('one panel per class, up to 3 per row; classIndex picks one; PNG dimensions match', async () => {
    const ev = evaluation([0, 1, 2, 3].map((index) => ({ index, deletion: [1, 0], insertion: [0, 1] })));
    const all = curvesImage(ev);
    assert.equal(all.image.width, 900);
    assert.equal(all.plots.length, 4);
    assert.equal(all.plots[3].x, all.plots[0].x, 'the fourth panel starts the second row');
    assert.ok(all.plots[3].y > all.plots[0].y + all.plots[0].height);
    const one = curvesImage(ev, { classIndex: 2, panelWidth: 200 });
    assert.equal(one.image.width, 200);
    assert.equal(one.plots[0].index, 2);
    const png = await renderCurves(ev, { columns: 2 });
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 600);
    assert.equal(meta.height, 2 * (all.image.height / 2));
  });

  it('reads the JSON form (NaN written as null) the same as the result', () => {
    const ev = evaluation([{ index: 1, deletion: [1, 0.5, 0], insertion: [0, 0.5, 1] }]);
    const fromJson = curvesImage(JSON.parse(JSON.stringify(ev)));
    assert.deepEqual(fromJson.image.data, curvesImage(ev).image.data);
  });

  it('a TypeError for what is not an evaluation, a RangeError for no curves or an unexplained class', async () => {
    for (const bad of [null, 42, 'x', [], {}, { classes: [] }, { classes: [{ index: 0, deletion: { curve: 'no' } }] }])
      await assert.rejects(renderCurves(bad as unknown as EvaluationResult), TypeError);
    const noCurves = { ...evaluation([{ index: 0 }]), metrics: ['mufidelity'] } as EvaluationResult;
    assert.throws(() => curvesImage(noCurves), /deletion' or 'insertion/);
    const ev = evaluation([{ index: 0, deletion: [1, 0] }]);
    assert.throws(
      () => curvesImage(ev, { classIndex: 5 }),
      (e: Error) => e instanceof RangeError && /classIndex/.test(e.message),
    );
    await assert.rejects(renderCurves(ev, { panelWidth: 10 }), (e: Error) => e instanceof RangeError && /panelWidth/.test(e.message));
    await assert.rejects(renderCurves(ev, { colour: 1 } as never), /colour/);
  });
});
