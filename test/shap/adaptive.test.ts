// SPDX-License-Identifier: MIT
// SHAP's adaptive budget (maxEvals 'auto', lib/shap/adaptive.ts, kernel-auto.ts, permutation.ts):
// exact and stopped after one round on additive models, more rounds for a tighter target on models
// with interactions, within the limit, seeded, equal to a fixed run at the budget it reports,
// standard errors that match the spread over seeds, efficiency, and bad options named.
import assert from 'node:assert/strict';
import { createExplainer, segment, type Explainer, type Segmentation } from '../../lib';
import { Rng } from '../../lib/rng';
import { relativeError, type ShapAdaptiveBudget } from '../../lib/shap/adaptive';
import type { ShapGame, ShapValues } from '../../lib/shap/game';
import { kernelShap } from '../../lib/shap/kernel';
import { kernelShapAuto } from '../../lib/shap/kernel-auto';
import { permutationShap } from '../../lib/shap/permutation';
import { interactionModel, linearModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';

/** v(S) = Σ_t c_t Π_{g ∈ T_t} [g ∈ S]: main effects, and with order 3 pairs and triples (seeded). */
function polyGame(M: number, seed: number, order: 1 | 3): ShapGame & { shapley: Float64Array } {
  const rng = new Rng(seed);
  const terms: [number[], number][] = [];
  for (let j = 0; j < M; j++) terms.push([[j], rng.nextNormal()]);
  if (order === 3) {
    for (let i = 0; i < M; i++) for (let j = i + 1; j < M; j++) if (rng.nextDouble() < 0.5) terms.push([[i, j], rng.nextNormal()]);
    for (let q = 0; q < 2 * M; q++) {
      const p = rng.permutation(M);
      terms.push([[p[0], p[1], p[2]], rng.nextNormal()]);
    }
  }
  const shapley = new Float64Array(M);
  for (const [players, c] of terms) for (const g of players) shapley[g] += c / players.length;
  return {
    players: M,
    shapley,
    outputs: () => 1,
    async evaluate(masks: Uint8Array, n: number) {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) for (const [players, c] of terms) if (players.every((g) => masks[i * M + g] === 1)) out[i] += c;
      return out;
    },
  };
}

const ALGORITHMS = { permutation: permutationShap, kernel: kernelShapAuto } as const;

function auto(budget: ShapAdaptiveBudget, seed: number) {
  return { explained: [0], maxEvals: budget.maxEvalsLimit, seed, batchSize: 64, adaptive: budget };
}

function checkEfficiency(r: ShapValues, what: string): void {
  const sum = r.values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - (r.full[0] - r.base[0])) < 1e-9, `${what}: Σφ = ${sum}, f(all) − f(∅) = ${r.full[0] - r.base[0]}`);
}

describe("SHAP maxEvals 'auto' on closed-form games", () => {
  for (const [name, run] of Object.entries(ALGORITHMS)) {
    it(`${name}: additive game: exact values, standard errors 0, stops after the first round`, async () => {
      const g = polyGame(10, 1, 1);
      const r = await run(g, auto({ errorTarget: 0.01, maxEvalsLimit: 5000, roundSize: 200 }, 3));
      assert.equal(r.precision?.rounds, 1);
      assert.ok(r.precision.reached < 1e-12, `reached ${r.precision.reached}`);
      assert.ok(r.evaluations <= 200, `${r.evaluations} evaluations`);
      for (let j = 0; j < 10; j++)
        assert.ok(Math.abs(r.values[j] - g.shapley[j]) < 1e-12, `feature ${j}: ${r.values[j]} vs ${g.shapley[j]}`);
      checkEfficiency(r, name);
    });

    it(`${name}: a handful of draws never stops a run (standard errors of 1–2 draws read 0)`, async () => {
      // Kernel: rounds of 3 evaluations sample one coalition, whose bootstrap is always alike;
      // Permutation: rounds of 2 permutations. An unreachable target must run on to the limit.
      const g = polyGame(64, 2, 3);
      const limit = name === 'kernel' ? 300 : 2 + 126 * 12;
      const r = await run(g, auto({ errorTarget: 1e-9, maxEvalsLimit: limit, roundSize: 3 }, 5));
      assert.ok(r.precision!.reached > 1e-9, `reached ${r.precision!.reached} after ${r.evaluations} evaluations`);
      assert.ok(r.evaluations > limit * 0.9, `${r.evaluations} evaluations of ${limit}`);
      // Additive: exact from the first permutation on, yet no stop before 10 permutations' worth.
      const additive = await run(polyGame(64, 2, 1), auto({ errorTarget: 0.01, maxEvalsLimit: 2 + 126 * 40, roundSize: 3 }, 5));
      if (name === 'permutation') assert.equal(additive.evaluations, 2 + 126 * 10);
      else assert.ok(additive.evaluations >= 2 + 10, `${additive.evaluations} evaluations`);
    });

    it(`${name}: 3-way interactions: a tighter target takes more rounds and evaluations, never past the limit; efficiency holds`, async () => {
      let last = { rounds: 0, evaluations: 0 };
      for (const errorTarget of [0.2, 0.05, 0.02]) {
        const r = await run(polyGame(12, 2, 3), auto({ errorTarget, maxEvalsLimit: 6000, roundSize: 300 }, 5));
        const p = r.precision!;
        assert.ok(p.reached <= errorTarget || r.evaluations === 6000 || r.maxEvals === 6000, `${errorTarget}: ${JSON.stringify(p)}`);
        assert.equal(p.reached, relativeError(r.values, r.standardErrors!));
        assert.ok(r.evaluations <= 6000 && r.maxEvals! <= 6000);
        assert.ok(
          p.rounds >= last.rounds && r.evaluations >= last.evaluations,
          `${errorTarget}: ${p.rounds} rounds, ${r.evaluations} evaluations`,
        );
        last = { rounds: p.rounds, evaluations: r.evaluations };
        checkEfficiency(r, `${name} at ${errorTarget}`);
      }
      assert.ok(last.rounds > 1, 'the tightest target needs more than one round');
      // An unreachable target runs to the limit, an odd one included, and says it did not reach it.
      const capped = await run(polyGame(12, 2, 3), auto({ errorTarget: 1e-6, maxEvalsLimit: 1001, roundSize: 300 }, 5));
      assert.ok(capped.precision!.reached > 1e-6);
      assert.ok(capped.evaluations <= 1001, `${capped.evaluations}`);
      // Within one permutation (2(M − 1) = 22 evaluations) of it; Kernel cuts its last round to fit.
      assert.ok(capped.evaluations > 1001 - 22, `stopped at ${capped.evaluations} evaluations, short of the limit 1001`);
    });

    it(`${name}: same seed, same result; the values equal a fixed run at the reported maxEvals`, async () => {
      const budget = { errorTarget: 0.05, maxEvalsLimit: 6000, roundSize: 300 };
      const a = await run(polyGame(12, 2, 3), auto(budget, 9));
      const b = await run(polyGame(12, 2, 3), auto(budget, 9));
      assert.deepEqual(a, b);
      const other = await run(polyGame(12, 2, 3), auto(budget, 10));
      assert.notDeepEqual(a.values, other.values);
      const fixedRun = name === 'permutation' ? permutationShap : kernelShap;
      const fixed = await fixedRun(polyGame(12, 2, 3), { explained: [0], maxEvals: a.maxEvals!, seed: 9, batchSize: 64 });
      assert.deepEqual(a.values, fixed.values);
      if (name === 'permutation') {
        // Rounds are prefixes of one draw: the same evaluations and the same standard errors too.
        assert.equal(a.evaluations, a.maxEvals);
        assert.equal(fixed.evaluations, a.evaluations);
        assert.deepEqual(a.standardErrors, fixed.standardErrors);
      } else {
        assert.ok(a.evaluations >= a.maxEvals!, 'Kernel spends at least the budget whose values it returns');
      }
    });

    it(`${name}: the standard errors match the spread of the values over 20 seeds (within a factor of 2 per feature)`, async () => {
      const M = 10,
        seeds = 20;
      // An unreachable target at a limit of one round: every seed spends the same budget.
      const budget = { errorTarget: 1e-9, maxEvalsLimit: 400, roundSize: 400 };
      const runs = [];
      for (let s = 0; s < seeds; s++) runs.push(await run(polyGame(M, 4, 3), auto(budget, 100 + s)));
      for (let j = 0; j < M; j++) {
        const x = runs.map((r) => r.values[j]);
        const mean = x.reduce((a, b) => a + b, 0) / seeds;
        const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (seeds - 1));
        const se = runs.reduce((a, r) => a + r.standardErrors![j], 0) / seeds;
        assert.ok(se / sd > 0.5 && se / sd < 2, `feature ${j}: mean SE ${se.toFixed(4)}, SD over seeds ${sd.toFixed(4)}`);
      }
    });
  }
});

const H = 16,
  W = 16;
const image = {
  data: new Uint8Array(H * W * 3).map((_, i) => (i * 37 + ((i * i) % 101)) % 256),
  width: W,
  height: H,
  channels: 3 as const,
};

describe("SHAP maxEvals 'auto' through explainer.shap()", function () {
  this.timeout(120000);
  let linear: Explainer, interacting: Explainer, seg: Segmentation, model: ReturnType<typeof linearModel>;
  before(async () => {
    seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
    model = linearModel({ height: H, width: W, classes: 3, seed: 7 });
    linear = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    // Main effects plus a product of every segment with two others: the values need many permutations.
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

  for (const algorithm of ['permutation', 'kernel'] as const) {
    it(`${algorithm}: glass-box linear model: one round, each superpixel's exact contribution, efficiency`, async () => {
      const r = await linear.shap(image, { algorithm, segmentation: seg, masker: 'black', labels: [0, 2], maxEvals: 'auto', seed: 3 });
      assert.equal(r.precision?.rounds, 1);
      assert.equal(r.precision.target, 0.2, 'the documented default');
      assert.equal(r.precision.limit, algorithm === 'permutation' ? 2000 : 4 * (2 * 16 + 2048));
      assert.ok(r.precision.reached < 1e-4, `reached ${r.precision.reached}`);
      // Permutation evaluates each distinct coalition once, so it may spend less than its maxEvals.
      assert.ok(r.maxEvals <= 500 && r.evaluations <= r.maxEvals, `${r.evaluations} evaluations, maxEvals ${r.maxEvals}`);
      for (const e of r.explanations) {
        const expected = new Float64Array(seg.count);
        for (let p = 0; p < H * W; p++)
          for (let c = 0; c < 3; c++)
            expected[seg.labels[p]] += model.weights[e.index * 3 * H * W + c * H * W + p] * (image.data[3 * p + c] / 255);
        for (let s = 0; s < seg.count; s++) assert.ok(Math.abs(e.segmentValues![s] - expected[s]) < 1e-5, `class ${e.index} segment ${s}`);
        assert.equal(e.standardErrors?.length, seg.count);
        const sum = e.values.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - (e.probability - e.baseValue)) < 1e-5);
      }
    });

    it(`${algorithm}: model with interactions: within its limit, seeded, equal to a fixed run at the reported maxEvals`, async () => {
      const opts = {
        algorithm,
        segmentation: seg,
        masker: 'black' as const,
        maxEvals: 'auto' as const,
        maxEvalsLimit: 3000,
        roundSize: 200,
      };
      const loose = await interacting.shap(image, { ...opts, errorTarget: 0.2, seed: 4 });
      const tight = await interacting.shap(image, { ...opts, errorTarget: 0.03, seed: 4 });
      assert.ok(tight.precision!.rounds > loose.precision!.rounds, `${tight.precision!.rounds} vs ${loose.precision!.rounds} rounds`);
      for (const r of [loose, tight]) {
        assert.ok(r.evaluations <= 3000 && r.maxEvals <= 3000, `${r.evaluations} evaluations`);
        assert.ok(r.precision!.reached <= r.precision!.target || r.maxEvals > 3000 - 30);
        const e = r.explanations[0];
        assert.ok(Math.abs(e.values.reduce((a, b) => a + b, 0) - (e.probability - e.baseValue)) < 1e-4);
      }
      const again = await interacting.shap(image, { ...opts, errorTarget: 0.03, seed: 4 });
      assert.deepEqual({ ...again, timings: undefined }, { ...tight, timings: undefined });
      const fixed = await interacting.shap(image, { algorithm, segmentation: seg, masker: 'black', maxEvals: tight.maxEvals, seed: 4 });
      assert.equal(fixed.precision, undefined);
      assert.deepEqual(
        fixed.explanations.map((e) => e.segmentValues),
        tight.explanations.map((e) => e.segmentValues),
      );
      if (algorithm === 'permutation') assert.deepEqual(fixed.explanations, tight.explanations);
    });
  }

  it("bad options: TypeError/RangeError naming the option; 'auto' only for kernel and permutation", async () => {
    const base = { segmentation: seg, features: 'superpixels' as const };
    // [options, error type, the option named, more of the message]
    const cases: [object, typeof TypeError | typeof RangeError, string, RegExp?][] = [
      [{ algorithm: 'partition', maxEvals: 'auto' }, RangeError, 'maxEvals', /'auto' only with algorithm 'kernel' or 'permutation'/],
      [{ algorithm: 'exact', maxEvals: 'auto' }, RangeError, 'maxEvals', /'auto' only with/],
      [
        { algorithm: 'partition', maxEvals: 500, errorTarget: 0.1 },
        RangeError,
        'errorTarget',
        /only with algorithm 'kernel' or 'permutation'/,
      ],
      [{ algorithm: 'kernel', maxEvals: 'Auto' }, TypeError, 'maxEvals', /"Auto"/],
      [{ algorithm: 'kernel', maxEvals: 500, errorTarget: 0.1 }, TypeError, 'errorTarget', /unless maxEvals is 'auto'/],
      [{ algorithm: 'permutation', maxEvalsLimit: 900 }, TypeError, 'maxEvalsLimit'],
      [{ algorithm: 'permutation', roundSize: 100 }, TypeError, 'roundSize'],
      [{ algorithm: 'kernel', maxEvals: 'auto', errorTarget: '0.1' }, TypeError, 'errorTarget'],
      [{ algorithm: 'kernel', maxEvals: 'auto', errorTarget: 0 }, RangeError, 'errorTarget'],
      [{ algorithm: 'kernel', maxEvals: 'auto', errorTarget: 1.5 }, RangeError, 'errorTarget', /1\.5/],
      [{ algorithm: 'kernel', maxEvals: 'auto', errorTarget: NaN }, RangeError, 'errorTarget'],
      // At most 100 rounds: the default limit here is 4 × (2 · 16 + 2048) = 8320, so rounds of ≥ 84.
      [{ algorithm: 'kernel', maxEvals: 'auto', roundSize: 83 }, RangeError, 'roundSize'],
      [{ algorithm: 'kernel', maxEvals: 'auto', roundSize: 2 }, RangeError, 'roundSize'],
      [{ algorithm: 'kernel', maxEvals: 'auto', maxEvalsLimit: 100.5 }, RangeError, 'maxEvalsLimit', /100\.5/],
      [{ algorithm: 'kernel', maxEvals: 'auto', maxEvalsLimit: 1e9 }, RangeError, 'maxEvalsLimit'],
      [{ algorithm: 'kernel', maxEvals: 'auto', roundSize: 300, maxEvalsLimit: 200 }, RangeError, 'maxEvalsLimit', /at least 300/],
      // One round of Permutation over 16 superpixels is two permutations: 2 + 4 · 15 = 62 evaluations.
      [{ algorithm: 'permutation', maxEvals: 'auto', roundSize: 3, maxEvalsLimit: 61 }, RangeError, 'maxEvalsLimit', /at least 62/],
    ];
    for (const [opts, type, name, more] of cases) {
      await assert.rejects(
        linear.shap(image, { ...base, ...opts } as never),
        (e: Error) => e instanceof type && e.message.includes(`for ${name} `) && (more?.test(e.message) ?? true),
        JSON.stringify(opts),
      );
    }
    await assert.doesNotReject(
      linear.shap(image, { ...base, algorithm: 'permutation', maxEvals: 'auto', roundSize: 3, maxEvalsLimit: 62 }),
    );
  });
});
