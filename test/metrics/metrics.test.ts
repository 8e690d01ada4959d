// SPDX-License-Identifier: MIT
// explainer.evaluate(): deletion/insertion curves and AUCs, MuFidelity and stability against closed
// forms on the glass-box linear model (output = b + Σ w·x, no softmax), computed here from its weights.
import assert from 'node:assert/strict';
import { createExplainer, segment, type CurveMetric, type Explainer } from '../../lib';
import { segmentMeanImage } from '../../lib/hide';
import { linearModel, type LinearGlassBoxModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';

const H = 16,
  W = 16,
  P = H * W;
function testImage() {
  const data = new Uint8Array(P * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i * i) % 101)) % 256;
  return { data, width: W, height: H, channels: 3 as const };
}

/** Per-pixel contribution w·(x − baseline) of class k, summed over channels. */
function pixelContributions(model: LinearGlassBoxModel, k: number, image: Uint8Array, baseline: Uint8Array): Float64Array {
  const d = new Float64Array(P);
  for (let p = 0; p < P; p++)
    for (let c = 0; c < 3; c++) d[p] += model.weights[k * 3 * P + c * P + p] * ((image[3 * p + c] - baseline[3 * p + c]) / 255);
  return d;
}
/** f(image) of class k, from the weights. */
function output(model: LinearGlassBoxModel, k: number, image: Uint8Array): number {
  const d = pixelContributions(model, k, image, new Uint8Array(P * 3));
  return model.bias[k] + d.reduce((s, v) => s + v, 0);
}
/** Group per-pixel values by labels. */
function grouped(d: Float64Array, labels: Int32Array, count: number): Float64Array {
  const g = new Float64Array(count);
  for (let p = 0; p < P; p++) g[labels[p]] += d[p];
  return g;
}
/** The curves in closed form: deletion p_k = f(x) − Σ_{t<k} d_{o_t}; insertion p_k = f(bg) + Σ_{t<k} d_{o_t}. */
function closedCurve(start: number, d: Float64Array, order: readonly number[], sign: number): number[] {
  const curve = [start];
  for (let k = 0; k < order.length; k++) curve.push(curve[k] + sign * d[order[k]]);
  return curve;
}
function trapezoid(curve: number[]): number {
  const n = curve.length - 1;
  let s = 0;
  for (let k = 0; k < n; k++) s += (curve[k] + curve[k + 1]) / 2 / n;
  return s;
}
function close(a: number, b: number, tol: number, what: string) {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}
function checkCurves(m: CurveMetric, fx: number, fbg: number, d: Float64Array, deletion: boolean, what: string) {
  const [start, sign] = deletion ? [fx, -1] : [fbg, 1];
  const expected = closedCurve(start, d, m.order, sign);
  m.curve.forEach((p, k) => close(p, expected[k], 1e-4, `${what} p_${k}`));
  close(m.auc, trapezoid(expected), 1e-4, `${what} AUC`);
  const aucs = m.random.orders.map((o, r) => {
    assert.deepEqual(
      [...o].sort((a, b) => a - b),
      Array.from({ length: d.length }, (_, i) => i),
      `${what} random order ${r}`,
    );
    const e = closedCurve(start, d, o, sign);
    m.random.curves[r].forEach((p, k) => close(p, e[k], 1e-4, `${what} random ${r} p_${k}`));
    return trapezoid(e);
  });
  close(m.random.auc, aucs.reduce((s, a) => s + a, 0) / aucs.length, 1e-4, `${what} random AUC`);
}

describe('evaluate(): explanation quality', function () {
  const image = testImage();
  const model = linearModel({ height: H, width: W, classes: 3, seed: 4 });
  let explainer: Explainer;
  before(async () => {
    explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
  });
  after(async () => explainer.dispose());

  it('exact SHAP, black masker: deletion/insertion curves, AUCs and random baselines equal closed forms; MuFidelity is 1; efficiency gap ~0', async () => {
    const seg = await segment(image, { method: 'grid', rows: 3, cols: 3 });
    const shap = await explainer.shap(image, {
      algorithm: 'exact',
      features: 'superpixels',
      segmentation: seg,
      masker: 'black',
      labels: [0, 2],
    });
    const q = await explainer.evaluate(image, shap, {
      metrics: ['deletion', 'insertion', 'mufidelity'],
      randomOrders: 4,
      subsets: 40,
      seed: 3,
    });
    assert.equal(q.seed, 3);
    assert.equal(q.featureCount, 9);
    assert.deepEqual(q.substrate, { kind: 'color', color: [0, 0, 0] });
    const black = new Uint8Array(P * 3);
    for (const c of q.classes) {
      const d = grouped(pixelContributions(model, c.index, image.data, black), seg.labels, 9);
      const fx = output(model, c.index, image.data);
      // Highest true contribution first (the exact values are these contributions).
      assert.deepEqual(
        c.deletion?.order,
        Array.from({ length: 9 }, (_, i) => i).sort((a, b) => d[b] - d[a]),
      );
      checkCurves(c.deletion as CurveMetric, fx, model.bias[c.index], d, true, `class ${c.index} deletion`);
      checkCurves(c.insertion as CurveMetric, fx, model.bias[c.index], d, false, `class ${c.index} insertion`);
      const mu = c.mufidelity!;
      assert.equal(mu.outputDrops.length, 40);
      assert.ok(mu.correlation > 1 - 1e-6, `MuFidelity ${mu.correlation}`);
      // Each drop is the subset's true contribution, so the sums match too.
      mu.outputDrops.forEach((v, s) => close(v, mu.attributionSums[s], 1e-4, `subset ${s}`));
      assert.ok(c.efficiencyGap! < 1e-4, `efficiency gap ${c.efficiencyGap}`);
      assert.equal(c.r2, undefined);
    }
  });

  it("LIME (linear regressor), its own 'mean' hide as substrate: curves equal closed forms against the segment-mean image; R² reported", async () => {
    const seg = await segment(image, { method: 'grid', rows: 2, cols: 4 });
    const lime = await explainer.lime(image, { segmentation: seg, regressor: 'linear', numSamples: 300, labels: [1] });
    const q = await explainer.evaluate(image, lime, { metrics: ['deletion', 'insertion'], randomOrders: 3 });
    assert.equal(q.method, 'lime');
    assert.deepEqual(q.substrate, { kind: 'mean' });
    const bg = segmentMeanImage(image, seg.labels, seg.count).data;
    const d = grouped(pixelContributions(model, 1, image.data, bg), seg.labels, seg.count);
    const c = q.classes[0];
    checkCurves(c.deletion!, output(model, 1, image.data), output(model, 1, bg), d, true, 'LIME deletion');
    checkCurves(c.insertion!, output(model, 1, image.data), output(model, 1, bg), d, false, 'LIME insertion');
    assert.ok(c.r2! > 1 - 1e-6, `R² ${c.r2}`);
  });

  it('pixel-level SHAP: pixels ranked by value, removed in `steps` equal chunks; a substrate from the shared vocabulary', async () => {
    const shap = await explainer.shap(image, { maxEvals: 200, masker: 'blur(4,4)', labels: [0] });
    const q = await explainer.evaluate(image, shap, { metrics: ['deletion'], steps: 10, randomOrders: 2, substrate: 'black' });
    assert.equal(q.features, 'pixel-chunks');
    assert.equal(q.featureCount, 10);
    // The chunks made here: rank r goes to chunk ⌊r·10/P⌋.
    const values = shap.explanations[0].values;
    const rank = Array.from({ length: P }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
    const labels = new Int32Array(P);
    rank.forEach((p, r) => (labels[p] = Math.floor((r * 10) / P)));
    const d = grouped(pixelContributions(model, 0, image.data, new Uint8Array(P * 3)), labels, 10);
    assert.deepEqual(q.classes[0].deletion!.order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    checkCurves(q.classes[0].deletion!, output(model, 0, image.data), model.bias[0], d, true, 'pixel deletion');
  });

  it('the random-order baseline is seeded: same seed same orders and curves, another seed other orders', async () => {
    const seg = await segment(image, { method: 'grid', rows: 3, cols: 3 });
    const shap = await explainer.shap(image, {
      algorithm: 'exact',
      features: 'superpixels',
      segmentation: seg,
      masker: 'black',
      labels: [0],
    });
    const opts = { metrics: ['insertion' as const], randomOrders: 5 };
    const a = await explainer.evaluate(image, shap, { ...opts, seed: 11 });
    const b = await explainer.evaluate(image, shap, { ...opts, seed: 11 });
    const c = await explainer.evaluate(image, shap, { ...opts, seed: 12 });
    assert.deepEqual(a.classes[0].insertion!.random, b.classes[0].insertion!.random);
    assert.notDeepEqual(a.classes[0].insertion!.random.orders, c.classes[0].insertion!.random.orders);
    assert.equal(a.classes[0].insertion!.random.orders.length, 5);
  });

  it('stability: identical seeds give 1; exact SHAP does not depend on the seed (1); few LIME samples under other seeds give less', async () => {
    const seg = await segment(image, { method: 'grid', rows: 3, cols: 3 });
    const lime = await explainer.lime(image, { segmentation: seg, numSamples: 20, labels: [0, 1] });
    const same = await explainer.evaluate(image, lime, { metrics: ['stability'], seeds: [7, 7, 7] });
    for (const c of same.classes) {
      assert.equal(c.stability!.spearman, 1);
      assert.equal(c.stability!.jaccard, 1);
      assert.deepEqual(c.stability!.seeds, [7, 7, 7]);
    }
    const other = await explainer.evaluate(image, lime, { metrics: ['stability'], seeds: 4, k: 3, seed: 100 });
    assert.deepEqual(other.classes[0].stability!.seeds, [100, 101, 102, 103]);
    assert.ok(
      other.classes.some((c) => c.stability!.spearman < 1),
      `20 samples under 4 seeds: ${other.classes.map((c) => c.stability!.spearman)}`,
    );
    const shap = await explainer.shap(image, {
      algorithm: 'exact',
      features: 'superpixels',
      segmentation: seg,
      masker: 'black',
      labels: [2],
    });
    const exact = await explainer.evaluate(image, shap, { metrics: ['stability'], seeds: 3 });
    assert.ok(Math.abs(exact.classes[0].stability!.spearman - 1) < 1e-12);
    assert.equal(exact.classes[0].stability!.jaccard, 1);
  });

  it('same seed, same evaluation (all metrics, defaults)', async () => {
    const seg = await segment(image, { method: 'grid', rows: 2, cols: 3 });
    const lime = await explainer.lime(image, { segmentation: seg, numSamples: 30, labels: [0] });
    const a = await explainer.evaluate(image, lime, { seeds: 2, subsets: 16, randomOrders: 2 });
    const b = await explainer.evaluate(image, lime, { seeds: 2, subsets: 16, randomOrders: 2 });
    assert.deepEqual(a.metrics, ['deletion', 'insertion', 'mufidelity', 'stability']);
    const strip = (r: typeof a) => ({ ...r, timings: undefined });
    assert.deepEqual(strip(a), strip(b));
    assert.doesNotThrow(() => JSON.stringify(a));
  });
});
