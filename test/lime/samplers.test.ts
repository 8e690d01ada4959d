// SPDX-License-Identifier: MIT
// LIME's samplers (lib/samplers/): every one keeps LIME's estimand (exact contributions of the
// glass-box linear model; the population fit over all masks of a model with interactions), each has the balance property it is named for, all are seeded, and
// 'bernoulli' is bit for bit the masks LIME drew before samplers existed.
import assert from 'node:assert/strict';
import { createExplainer, segment, type Explainer } from '../../lib';
import { EXPLAIN_FLAGS, EXPLAIN_USAGE } from '../../lib/cli/explain-flags';
import { explainFingerprints } from '../../lib/cli/fingerprint';
import { readExplainSettings } from '../../lib/cli/explain-flags';
import { parseFlags } from '../../lib/cli/flags';
import { Rng } from '../../lib/rng';
import { drawMasks, SAMPLER_NAMES, SAMPLER_REGISTRY, type SamplerName } from '../../lib/samplers/registry';
import { sobolPoints, SOBOL_MAX_DIMS } from '../../lib/samplers/sobol';
import { linearModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';

const H = 16,
  W = 16;
const image = {
  data: new Uint8Array(H * W * 3).map((_, i) => (i * 37 + ((i * i) % 101)) % 256),
  width: W,
  height: H,
  channels: 3 as const,
};

const row = (m: Uint8Array, M: number, r: number) => [...m.subarray(r * M, (r + 1) * M)];

describe('LIME samplers', () => {
  let explainer: Explainer;
  let model: ReturnType<typeof linearModel>;
  before(async () => {
    model = linearModel({ height: H, width: W, classes: 3, seed: 7 });
    explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
  });
  after(() => explainer.dispose());

  /**
   * Weighted least squares with intercept over rows of M 0/1 features: minimises Σ w (y − a − β·z)²
   * by the normal equations (Gauss–Jordan with partial pivoting); returns [a, β…].
   */
  function weightedFit(masks: Uint8Array, n: number, M: number, y: (row: number) => number, w: (row: number) => number): number[] {
    const D = M + 1;
    const A = Array.from({ length: D }, () => new Float64Array(D + 1));
    const x = new Float64Array(D);
    for (let r = 0; r < n; r++) {
      x[0] = 1;
      for (let j = 0; j < M; j++) x[j + 1] = masks[r * M + j];
      const wr = w(r),
        yr = y(r);
      for (let i = 0; i < D; i++) {
        if (x[i] === 0) continue;
        for (let j = 0; j < D; j++) A[i][j] += wr * x[i] * x[j];
        A[i][D] += wr * x[i] * yr;
      }
    }
    for (let c = 0; c < D; c++) {
      let p = c;
      for (let r = c + 1; r < D; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
      [A[c], A[p]] = [A[p], A[c]];
      for (let r = 0; r < D; r++) {
        if (r === c) continue;
        const f = A[r][c] / A[c][c];
        for (let k = c; k <= D; k++) A[r][k] -= f * A[c][k];
      }
    }
    return A.map((row, i) => row[D] / row[i]);
  }

  it("every sampler converges to LIME's population estimand on a model with interactions; a biased design does not", () => {
    // LIME's estimand: the kernel-weighted least-squares fit over all 2^M masks, each with Bernoulli(½)
    // probability 2^−M. A sampler keeps it when its masks have those marginals and joint moments;
    // on a linear model any full-rank design is exact, so this model has pairs and a saturation.
    // Measured margins: errors 0.008 (bernoulli), 0.005 (antithetic), 1e-4 (sobol); the biased design 0.38.
    const M = 10;
    const rng = new Rng(99);
    const main = Array.from({ length: M }, () => rng.nextNormal());
    const pairs = Array.from({ length: 8 }, () => [rng.nextInt(M), rng.nextInt(M), rng.nextNormal()] as const);
    const f = (z: ArrayLike<number>, at: number) => {
      let v = 0,
        on = 0;
      for (let j = 0; j < M; j++) {
        v += main[j] * z[at + j];
        on += z[at + j];
      }
      for (const [i, j, c] of pairs) v += c * z[at + i] * z[at + j];
      return v + 3 * (on / M) ** 2;
    };
    // lime_image's kernel: sqrt(exp(−d²/0.25²)) of the cosine distance d = 1 − sqrt(on / M) to all-on.
    const kernel = (z: ArrayLike<number>, at: number) => {
      let on = 0;
      for (let j = 0; j < M; j++) on += z[at + j];
      return Math.sqrt(Math.exp(-((1 - Math.sqrt(on / M)) ** 2) / 0.0625));
    };
    const all = new Uint8Array(2 ** M * M);
    for (let m = 0; m < 2 ** M; m++) for (let j = 0; j < M; j++) all[m * M + j] = (m >> j) & 1;
    const estimand = weightedFit(
      all,
      2 ** M,
      M,
      (r) => f(all, r * M),
      (r) => kernel(all, r * M),
    );
    const n = 40001;
    const distance = (masks: Uint8Array) => {
      const fit = weightedFit(
        masks,
        n,
        M,
        (r) => f(masks, r * M),
        (r) => kernel(masks, r * M),
      );
      return Math.max(...fit.slice(1).map((b, j) => Math.abs(b - estimand[j + 1])));
    };
    for (const name of SAMPLER_NAMES) {
      const d = distance(drawMasks(name, 3, n, M));
      assert.ok(d < 0.03, `${name}: largest weight error ${d}`);
    }
    // A design with other marginals (each segment on with probability 0.7) fits another estimand.
    const biased = new Uint8Array(n * M);
    const b = new Rng(4);
    for (let i = 0; i < n * M; i++) biased[i] = b.nextDouble() < 0.7 ? 1 : 0;
    const off = distance(biased);
    assert.ok(off > 0.1, `the biased design should miss the estimand: ${off}`);
  });

  for (const name of SAMPLER_NAMES) {
    it(`${name}: recovers the glass-box linear model's exact contributions (LIME's estimand)`, async () => {
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const r = await explainer.lime(image, {
        segmentation: seg,
        hide: 'black',
        regressor: 'linear',
        numSamples: 301,
        labels: [0, 2],
        sampler: name,
        seed: 5,
      });
      assert.equal(r.sampler, name);
      for (const e of r.explanations) {
        const expected = new Float64Array(seg.count);
        for (let p = 0; p < H * W; p++)
          for (let c = 0; c < 3; c++)
            expected[seg.labels[p]] += model.weights[e.index * 3 * H * W + c * H * W + p] * (image.data[3 * p + c] / 255);
        for (let s = 0; s < seg.count; s++)
          assert.ok(Math.abs(e.weights[s] - expected[s]) < 1e-6, `class ${e.index} segment ${s}: ${e.weights[s]} vs ${expected[s]}`);
        assert.ok(Math.abs(e.intercept - model.bias[e.index]) < 1e-6);
      }
    });

    it(`${name}: row 0 all on, 0/1 masks, same seed same masks, another seed other masks`, () => {
      const M = 37,
        n = 200;
      const a = drawMasks(name, 11, n, M);
      assert.deepEqual(row(a, M, 0), new Array(M).fill(1));
      assert.ok(a.every((b) => b === 0 || b === 1));
      assert.deepEqual(drawMasks(name, 11, n, M), a);
      assert.notDeepEqual(drawMasks(name, 12, n, M), a);
    });

    it(`${name}: offered by --sampler and in the usage; enters the LIME fingerprint only`, () => {
      assert.ok(EXPLAIN_USAGE.includes(name));
      const settings = (args: string[]) =>
        readExplainSettings(parseFlags(EXPLAIN_FLAGS, ['--model', 'm.onnx', '--method', 'both', ...args]).values);
      const s = settings(['--sampler', name]);
      assert.equal(s.sampler, name);
      const base = explainFingerprints(settings([]), 'h', null),
        f = explainFingerprints(s, 'h', null);
      assert.equal(f.lime.sampler, name);
      assert.equal(base.lime.sampler, undefined, 'unset: fingerprints of earlier outputs still match');
      assert.deepEqual(f.shap, base.shap);
    });
  }

  it("'bernoulli' (the default) is bit for bit the masks LIME drew before samplers: Rng(seed).fillBits from row 1", async () => {
    for (const [n, M, seed] of [
      [1000, 40, 42],
      [7, 3, 0],
      [33, 1024, 2 ** 40],
    ]) {
      const old = new Uint8Array(n * M);
      old.fill(1, 0, M);
      new Rng(seed).fillBits(old, M);
      assert.deepEqual(drawMasks('bernoulli', seed, n, M), old);
    }
    const seg = await segment(image, { method: 'grid', rows: 3, cols: 3 });
    const opts = { segmentation: seg, numSamples: 50, labels: [1], seed: 9 };
    const byDefault = await explainer.lime(image, opts);
    assert.equal(byDefault.sampler, 'bernoulli');
    assert.deepEqual(
      byDefault.explanations[0].weights,
      (await explainer.lime(image, { ...opts, sampler: 'bernoulli' })).explanations[0].weights,
    );
    assert.notDeepEqual(
      byDefault.explanations[0].weights,
      (await explainer.lime(image, { ...opts, sampler: 'sobol' })).explanations[0].weights,
    );
  });

  for (const name of ['antithetic', 'sobol'] as const) {
    it(`${name}: rows 1,2 / 3,4 / … are complementary pairs, so every column is on in half the rows (±1/2)`, () => {
      for (const n of [2, 3, 100, 257]) {
        const M = 50;
        const m = drawMasks(name, 3, n, M);
        for (let r = 1; r + 1 < n; r += 2)
          for (let s = 0; s < M; s++) assert.equal(m[r * M + s] + m[(r + 1) * M + s], 1, `n ${n} rows ${r},${r + 1} segment ${s}`);
        for (let s = 0; s < M; s++) {
          let on = 0;
          for (let r = 1; r < n; r++) on += m[r * M + s];
          assert.ok(Math.abs(on - (n - 1) / 2) <= 0.5, `n ${n} segment ${s}: ${on} of ${n - 1}`);
        }
      }
    });
  }

  it('sobol: over 256 points every pair of the first 16 columns takes each of 00, 01, 10, 11 exactly 64 times (a (t,s)-net property fair bits lack)', () => {
    const M = 16,
      n = 257;
    for (const seed of [1, 2]) {
      const m = drawMasks('sobol', seed, n, M);
      for (let a = 0; a < M; a++)
        for (let b = a + 1; b < M; b++) {
          const counts = [0, 0, 0, 0];
          for (let r = 1; r < n; r++) counts[2 * m[r * M + a] + m[r * M + b]]++;
          assert.deepEqual(counts, [64, 64, 64, 64], `columns ${a}, ${b}`);
        }
    }
    const bern = drawMasks('bernoulli', 1, n, M);
    let unbalanced = 0;
    for (let a = 0; a < M; a++)
      for (let b = a + 1; b < M; b++) {
        const counts = [0, 0, 0, 0];
        for (let r = 1; r < n; r++) counts[2 * bern[r * M + a] + bern[r * M + b]]++;
        if (counts.some((c) => c !== 64)) unbalanced++;
      }
    assert.ok(unbalanced > 100, 'the property is not automatic');
  });

  it('sobol: unscrambled points equal the Joe–Kuo sequence (reference values from scipy.stats.qmc.Sobol, scramble=False)', () => {
    const want: Record<number, number[]> = {
      0: [0, 2147483648, 3221225472, 1073741824, 1610612736, 3758096384, 2684354560, 536870912, 943718400],
      1: [0, 2147483648, 1073741824, 3221225472, 1610612736, 3758096384, 536870912, 2684354560, 415236096],
      2: [0, 2147483648, 1073741824, 3221225472, 2684354560, 536870912, 3758096384, 1610612736, 2227175424],
      99: [0, 2147483648, 3221225472, 1073741824, 3758096384, 1610612736, 536870912, 2684354560, 801112064],
      1023: [0, 2147483648, 3221225472, 1073741824, 3758096384, 1610612736, 536870912, 2684354560, 3066036224],
    };
    assert.equal(SOBOL_MAX_DIMS, 1024);
    const got: Record<number, number[]> = {};
    for (const j of Object.keys(want)) got[+j] = [];
    sobolPoints(1024, 1001, undefined, (t, x) => {
      if (t < 8 || t === 1000) for (const j of Object.keys(want)) got[+j].push(x[+j]);
    });
    assert.deepEqual(got, want);
  });

  it('sobol: 1024 segments (MAX_SEGMENTS) draw; more is a RangeError naming sampler', () => {
    const m = drawMasks('sobol', 1, 65, 1024);
    assert.equal(m.length, 65 * 1024);
    assert.throws(() => drawMasks('sobol', 1, 65, 1025), { name: 'RangeError', message: /sampler/ });
  });

  it('bad sampler values: RangeError (unknown name) or TypeError naming sampler, before any model call; --sampler too', async () => {
    const before = explainer.model.stats().runs;
    for (const bad of ['halton', 'Bernoulli', ''])
      await assert.rejects(explainer.lime(image, { sampler: bad as SamplerName }), { name: 'RangeError', message: /sampler/ });
    for (const bad of [1, null, {}])
      await assert.rejects(explainer.lime(image, { sampler: bad as unknown as SamplerName }), { name: 'TypeError', message: /sampler/ });
    assert.equal(explainer.model.stats().runs, before);
    assert.throws(() => readExplainSettings(parseFlags(EXPLAIN_FLAGS, ['--model', 'm', '--sampler', 'halton']).values), {
      name: 'RangeError',
      message: /--sampler/,
    });
    assert.throws(
      () => readExplainSettings(parseFlags(EXPLAIN_FLAGS, ['--model', 'm', '--method', 'shap', '--sampler', 'sobol']).values),
      /LIME setting/,
    );
  });

  it('the registry: unique names, a summary each, bernoulli first (the default)', () => {
    assert.equal(new Set(SAMPLER_NAMES).size, SAMPLER_REGISTRY.length);
    assert.equal(SAMPLER_NAMES[0], 'bernoulli');
    for (const s of SAMPLER_REGISTRY) assert.ok(s.summary.length > 10, s.name);
  });
});
