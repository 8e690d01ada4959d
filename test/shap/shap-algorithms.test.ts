// SPDX-License-Identifier: MIT
// The SHAP algorithms (lib/shap/{exact,kernel,permutation}.ts) on closed-form games, plus one game
// played through a real ONNX model (interactionModel) against its documented Shapley values.
import assert from 'node:assert/strict';
import { maskEvaluator } from '../../lib/mask-evaluator';
import { solidImage } from '../../lib/hide';
import { loadModel } from '../../lib/model';
import { resolvePreprocess } from '../../lib/preprocess';
import { Rng } from '../../lib/rng';
import { exactShap } from '../../lib/shap/exact';
import type { ShapGame, ShapRunOptions, ShapValues } from '../../lib/shap/game';
import { defaultKernelMaxEvals, kernelSamples, kernelShap } from '../../lib/shap/kernel';
import { permutationShap } from '../../lib/shap/permutation';
import { interactionModel, type InteractionTerm } from '../helpers/onnx-builder';

/** A polynomial game over presence bits: v_k(S) = Σ_t coef_tk Π_{g ∈ T_t} [g ∈ S]. */
interface PolyTerm {
  players: number[];
  coef: number[];
}
class PolyGame implements ShapGame {
  calls = 0;
  evaluated = 0;
  maxBatch = 0;
  constructor(
    readonly players: number,
    readonly terms: PolyTerm[],
    private readonly K: number,
  ) {}
  outputs(): number {
    return this.K;
  }
  async evaluate(masks: Uint8Array, n: number): Promise<Float64Array> {
    assert.equal(masks.length, n * this.players);
    this.calls++;
    this.evaluated += n;
    this.maxBatch = Math.max(this.maxBatch, n);
    const out = new Float64Array(n * this.K);
    for (let i = 0; i < n; i++) {
      for (const t of this.terms) {
        if (t.players.every((g) => masks[i * this.players + g] === 1)) for (let k = 0; k < this.K; k++) out[i * this.K + k] += t.coef[k];
      }
    }
    return out;
  }
  /** Closed-form Shapley values (L × M): each term's coefficient split equally among its players. */
  shapley(explained: number[]): Float64Array {
    const M = this.players;
    const phi = new Float64Array(explained.length * M);
    explained.forEach((k, l) => {
      for (const t of this.terms) for (const g of t.players) phi[l * M + g] += t.coef[k] / t.players.length;
    });
    return phi;
  }
}

/** Constant, linear, pairwise and (optionally) 3-way terms with seeded coefficients. */
function interactionGame(M: number, K: number, seed: number, order: 1 | 2 | 3): PolyGame {
  const rng = new Rng(seed);
  const c = () => Array.from({ length: K }, () => rng.nextNormal());
  const terms: PolyTerm[] = [{ players: [], coef: c() }];
  for (let j = 0; j < M; j++) terms.push({ players: [j], coef: c() });
  if (order >= 2)
    for (let i = 0; i < M; i++) for (let j = i + 1; j < M; j++) if (rng.nextDouble() < 0.5) terms.push({ players: [i, j], coef: c() });
  if (order >= 3 && M >= 3)
    for (let q = 0; q < 2 * M; q++) {
      const p = rng.permutation(M);
      terms.push({ players: [p[0], p[1], p[2]], coef: c() });
    }
  return new PolyGame(M, terms, K);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function checkEfficiency(r: ShapValues, M: number, tol: number, what: string): void {
  const L = r.full.length;
  for (let l = 0; l < L; l++) {
    let sum = 0;
    let mag = 0;
    for (let j = 0; j < M; j++) {
      sum += r.values[l * M + j];
      mag += Math.abs(r.values[l * M + j]);
    }
    const delta = r.full[l] - r.base[l];
    const scale = Math.max(Math.abs(delta), mag, 1e-300);
    assert.ok(Math.abs(sum - delta) <= tol * scale, `${what} output ${l}: Σφ = ${sum}, f(all) − f(∅) = ${delta}`);
  }
}

const run = (explained: number[], maxEvals: number, seed = 1, batchSize = 64): ShapRunOptions => ({ explained, maxEvals, seed, batchSize });

describe('SHAP algorithms on closed-form games', function () {
  describe('linear game', () => {
    const M = 7;
    const game = () => interactionGame(M, 3, 11, 1);
    it('every algorithm returns each feature its exact contribution', async () => {
      const g = game();
      const expected = g.shapley([0, 2]);
      const exact = await exactShap(g, run([0, 2], 1));
      assert.ok(maxAbsDiff(exact.values, expected) < 1e-12, 'exact');
      assert.equal(exact.evaluations, 2 ** M);
      const kernel = await kernelShap(game(), run([0, 2], 40, 3));
      assert.ok(maxAbsDiff(kernel.values, expected) < 1e-9, `kernel (sampled): ${maxAbsDiff(kernel.values, expected)}`);
      assert.ok(kernel.evaluations <= 40);
      const perm = await permutationShap(game(), run([0, 2], 2 * M, 5));
      assert.ok(maxAbsDiff(perm.values, expected) < 1e-12, 'permutation');
      assert.equal(perm.evaluations, 2 * M);
      assert.ok(maxAbsDiff(perm.standardErrors!, new Float64Array(2 * M)) < 1e-12, 'no spread for a linear game');
      // Base and full values.
      const t = g.terms;
      for (const r of [exact, kernel, perm]) {
        assert.ok(Math.abs(r.base[0] - t[0].coef[0]) < 1e-12 && Math.abs(r.base[1] - t[0].coef[2]) < 1e-12);
        const full0 = t.reduce((a, term) => a + term.coef[0], 0);
        assert.ok(Math.abs(r.full[0] - full0) < 1e-12);
      }
    });

    it('M = 1 gives everything to that feature', async () => {
      const g = new PolyGame(
        1,
        [
          { players: [], coef: [2] },
          { players: [0], coef: [5] },
        ],
        1,
      );
      for (const f of [exactShap, kernelShap, permutationShap]) {
        const r = await f(g, run([0], 2));
        assert.deepEqual([...r.values], [5]);
        assert.equal(r.evaluations, 2);
      }
    });
  });

  describe('game with pairwise and 3-way interactions', () => {
    for (const M of [2, 3, 5, 8, 12]) {
      it(`M = ${M}: exact = closed form; Kernel with the full budget 2^M = exact to 1e-8`, async () => {
        const g = interactionGame(M, 2, 100 + M, 3);
        const expected = g.shapley([1, 0]);
        const exact = await exactShap(g, run([1, 0], 1, 0, 100));
        assert.ok(maxAbsDiff(exact.values, expected) < 1e-10, `exact vs closed form: ${maxAbsDiff(exact.values, expected)}`);
        const g2 = interactionGame(M, 2, 100 + M, 3);
        const kernel = await kernelShap(g2, run([1, 0], 2 ** M, 9, 100));
        assert.equal(kernel.evaluations, 2 ** M);
        assert.equal(g2.evaluated, 2 ** M);
        assert.ok(g2.maxBatch <= 100, 'batches respect batchSize');
        assert.ok(maxAbsDiff(kernel.values, exact.values) < 1e-8, `kernel vs exact: ${maxAbsDiff(kernel.values, exact.values)}`);
        checkEfficiency(kernel, M, 1e-9, 'kernel full budget');
      });
    }

    it('Kernel: the default budget 2M + 2048 capped at 2^M', () => {
      assert.equal(defaultKernelMaxEvals(5), 32);
      assert.equal(defaultKernelMaxEvals(11), 2048);
      assert.equal(defaultKernelMaxEvals(12), 2072);
      assert.equal(defaultKernelMaxEvals(50), 2148);
    });

    it('Kernel sampling: complete sizes enumerated by shap’s rule, the rest sampled and merged', () => {
      // M = 10, 200 samples: sizes 1 and 9 (20 rows) fit completely, size 2/8 needs 90 → sampled.
      const M = 10;
      const s = kernelSamples(M, 200, new Rng(4));
      assert.equal(s.fixed, 20);
      assert.ok(s.n <= 200);
      const keys = new Set<string>();
      for (let i = 0; i < s.n; i++) {
        const row = s.masks.subarray(i * M, (i + 1) * M);
        const size = row.reduce((a, b) => a + b, 0);
        assert.ok(size >= 1 && size <= M - 1);
        if (i >= s.fixed) assert.ok(size >= 2 && size <= 8);
        const key = row.join('');
        assert.ok(!keys.has(key), 'no duplicate rows');
        keys.add(key);
      }
      // Weights sum to 1 (size weights are normalised; random rows carry the mass left).
      const total = s.weights.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-12, `Σw = ${total}`);
      // Full enumeration: all 2^M − 2 proper coalitions exactly once.
      const all = kernelSamples(M, 2 ** M - 2, new Rng(4));
      assert.equal(all.n, 2 ** M - 2);
      assert.equal(all.fixed, 2 ** M - 2);
    });

    it('Permutation: exact for ≤ 2nd-order interactions after one antithetic pass', async () => {
      for (const M of [2, 5, 12]) {
        const g = interactionGame(M, 2, 200 + M, 2);
        const r = await permutationShap(g, run([0, 1], 2 * M, 3));
        assert.equal(r.evaluations, 2 * M);
        assert.equal(g.evaluated, 2 * M);
        assert.ok(maxAbsDiff(r.values, g.shapley([0, 1])) < 1e-10, `M = ${M}: ${maxAbsDiff(r.values, g.shapley([0, 1]))}`);
      }
    });

    it('Permutation converges: the error shrinks as maxEvals grows (3-way interactions)', async () => {
      const M = 10;
      const expected = interactionGame(M, 1, 7, 3).shapley([0]);
      const errors: number[] = [];
      for (const perms of [1, 16, 256]) {
        // Average over seeds so the comparison is about the budget, not one lucky draw.
        let err = 0;
        for (let seed = 0; seed < 8; seed++) {
          const r = await permutationShap(interactionGame(M, 1, 7, 3), run([0], 2 + perms * 2 * (M - 1), seed, 256));
          assert.equal(r.evaluations, 2 + perms * 2 * (M - 1));
          err += Math.sqrt(r.values.reduce((a, v, j) => a + (v - expected[j]) ** 2, 0));
          checkEfficiency(r, M, 1e-9, `permutation ${perms}`);
        }
        errors.push(err / 8);
      }
      assert.ok(errors[1] < errors[0] && errors[2] < errors[1], `errors ${errors}`);
      assert.ok(errors[2] < errors[0] / 5, `errors ${errors}`);
    });

    it('Kernel converges to exact as the budget grows (M = 12)', async () => {
      const M = 12;
      const expected = interactionGame(M, 1, 17, 3).shapley([0]);
      const errors: number[] = [];
      for (const maxEvals of [100, 1000, 3000, 4096]) {
        const r = await kernelShap(interactionGame(M, 1, 17, 3), run([0], maxEvals, 2));
        errors.push(maxAbsDiff(r.values, expected));
      }
      assert.ok(errors[3] < 1e-8 && errors[2] < errors[0], `errors ${errors}`);
    });

    it('efficiency (Σφ = f(all) − f(∅)) for Kernel and Permutation at maxEvals 100 and more', async () => {
      const M = 12;
      for (const maxEvals of [100, 257, 1000, 4096]) {
        const k = await kernelShap(interactionGame(M, 3, 31, 3), run([0, 1, 2], maxEvals, maxEvals));
        assert.ok(k.evaluations <= maxEvals);
        checkEfficiency(k, M, 1e-9, `kernel ${maxEvals}`);
        const p = await permutationShap(interactionGame(M, 3, 31, 3), run([2, 0], maxEvals, maxEvals));
        assert.ok(p.evaluations <= maxEvals);
        checkEfficiency(p, M, 1e-9, `permutation ${maxEvals}`);
      }
      // Also with many players (M = 40, the sampled regime).
      const big = interactionGame(40, 2, 5, 3);
      checkEfficiency(await kernelShap(big, run([0, 1], 500, 1)), 40, 1e-9, 'kernel M=40');
      checkEfficiency(await permutationShap(big, run([0, 1], 500, 1)), 40, 1e-9, 'permutation M=40');
    });

    it('Kernel L1 selection: num-features keeps at most r features and still meets efficiency', async () => {
      const M = 12;
      const g = interactionGame(M, 2, 41, 3);
      const r = await kernelShap(g, { ...run([0, 1], 500, 3), l1: 'num-features(4)' });
      for (let l = 0; l < 2; l++) {
        const nz = Array.from(r.values.subarray(l * M, (l + 1) * M)).filter((v) => v !== 0).length;
        assert.ok(nz >= 1 && nz <= 4, `output ${l}: ${nz} non-zero`);
      }
      checkEfficiency(r, M, 1e-9, 'num-features(4)');
      for (const l1 of ['aic', 'bic', 0.001] as const) {
        const s = await kernelShap(interactionGame(M, 2, 41, 3), { ...run([0, 1], 500, 3), l1 });
        checkEfficiency(s, M, 1e-9, String(l1));
      }
      // Linear game: AIC keeps the true features and recovers them exactly.
      const lin = interactionGame(M, 1, 43, 1);
      const a = await kernelShap(lin, { ...run([0], 300, 3), l1: 'aic' });
      assert.ok(maxAbsDiff(a.values, lin.shapley([0])) < 1e-8);
      await assert.rejects(kernelShap(lin, { ...run([0], 300, 3), l1: 'num-features(0)' }), RangeError);
      await assert.rejects(kernelShap(lin, { ...run([0], 300, 3), l1: 'sometimes' as never }), TypeError);
    });

    it('same seed, same values; another seed, other values (sampled algorithms)', async () => {
      const M = 12;
      const g = () => interactionGame(M, 2, 51, 3);
      for (const f of [kernelShap, permutationShap]) {
        const a = await f(g(), run([0, 1], 300, 5));
        const b = await f(g(), run([0, 1], 300, 5));
        const c = await f(g(), run([0, 1], 300, 6));
        assert.deepEqual(a.values, b.values, f.name);
        assert.notDeepEqual(a.values, c.values, f.name);
        if (a.standardErrors) assert.deepEqual(a.standardErrors, b.standardErrors);
      }
      // The batch size changes how coalitions are grouped, not the values.
      const small = await permutationShap(g(), run([0, 1], 300, 5, 7));
      const large = await permutationShap(g(), run([0, 1], 300, 5, 1000));
      assert.deepEqual(small.values, large.values);
      const k1 = await kernelShap(g(), run([0, 1], 300, 5, 7));
      const k2 = await kernelShap(g(), run([0, 1], 300, 5, 1000));
      assert.deepEqual(k1.values, k2.values);
    });

    it('Permutation standard errors shrink like 1/sqrt(passes)', async () => {
      const M = 8;
      const a = await permutationShap(interactionGame(M, 1, 61, 3), run([0], 2 + 10 * 2 * (M - 1), 1));
      const b = await permutationShap(interactionGame(M, 1, 61, 3), run([0], 2 + 640 * 2 * (M - 1), 1));
      const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
      const ratio = mean(a.standardErrors!) / mean(b.standardErrors!);
      assert.ok(ratio > 4 && ratio < 16, `ratio ${ratio} (expected ≈ 8)`);
    });

    it('Permutation standard errors match the spread of the values over 20 seeds (within a factor of 2 per feature)', async () => {
      // Regression: the std over passes ignored that a permutation's two passes are anti-correlated,
      // and overstated the spread by up to ~4× here.
      const M = 10,
        seeds = 20;
      const runs: ShapValues[] = [];
      for (let s = 0; s < seeds; s++)
        runs.push(await permutationShap(interactionGame(M, 1, 4, 3), run([0], 2 + 10 * 2 * (M - 1), 100 + s)));
      for (let j = 0; j < M; j++) {
        const x = runs.map((r) => r.values[j]);
        const mean = x.reduce((a, b) => a + b, 0) / seeds;
        const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (seeds - 1));
        const se = runs.reduce((a, r) => a + r.standardErrors![j], 0) / seeds;
        assert.ok(se / sd > 0.5 && se / sd < 2, `feature ${j}: mean SE ${se.toFixed(4)}, SD over seeds ${sd.toFixed(4)}`);
      }
    });
  });

  describe('errors', () => {
    it('exact refuses M = 21, naming M and the limit', async () => {
      const g = new PolyGame(21, [], 1);
      await assert.rejects(
        exactShap(g, run([0], 1)),
        (e: Error) => e instanceof RangeError && /21/.test(e.message) && /20/.test(e.message),
      );
      assert.equal(g.calls, 0);
    });

    it('too-small budgets', async () => {
      const g = interactionGame(6, 1, 1, 2);
      await assert.rejects(
        permutationShap(g, run([0], 11)),
        (e: Error) => e instanceof RangeError && /maxEvals = 11/.test(e.message) && /12/.test(e.message),
      );
      await assert.doesNotReject(permutationShap(g, run([0], 12)));
      await assert.rejects(kernelShap(g, run([0], 2)), (e: Error) => e instanceof RangeError && /maxEvals/.test(e.message));
      await assert.doesNotReject(kernelShap(g, run([0], 3)));
    });

    it('bad options', async () => {
      const g = interactionGame(4, 2, 1, 2);
      for (const f of [exactShap, kernelShap, permutationShap]) {
        await assert.rejects(f(g, run([], 100)), TypeError);
        await assert.rejects(f(g, run([2], 100)), (e: Error) => e instanceof RangeError && /explained/.test(e.message));
        await assert.rejects(f(g, run([0], 100, 1, 0)), RangeError);
        await assert.rejects(f(g, run([0], 100, -1)), RangeError);
      }
    });
  });
});

describe('SHAP algorithms through an ONNX model (interactionModel)', function () {
  const H = 16,
    W = 16;
  function testImage() {
    const data = new Uint8Array(H * W * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i * i) % 101)) % 256;
    return { data, width: W, height: H };
  }

  it('exact, Kernel (full budget) and Permutation match the closed form; efficiency holds', async () => {
    // 6 groups: 2 rows × 3 columns of blocks.
    const M = 6;
    const groups = new Int32Array(H * W);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) groups[y * W + x] = (y < H / 2 ? 0 : 3) + Math.min(2, Math.floor((x * 3) / W));
    const terms: InteractionTerm[] = [
      { groups: [], coefficients: [0.5, -1] },
      { groups: [0], coefficients: [2, 1] },
      { groups: [4], coefficients: [-1, 3] },
      { groups: [1, 2], coefficients: [3, -2] },
      { groups: [0, 5], coefficients: [-1.5, 2.5] },
      { groups: [1, 3, 4], coefficients: [4, 1] },
    ];
    const glass = interactionModel({ height: H, width: W, groups, terms });
    const model = await loadModel(glass.bytes, { softmax: false });
    try {
      const pre = resolvePreprocess(
        { size: [H, W], resize: 'stretch', layout: 'nchw', channels: 'rgb', scale: 1 / 255, mean: 0, std: 1 },
        { layout: model.layout, height: model.height, width: model.width },
      );
      const rgb = testImage();
      const hide = solidImage(W, H, [0, 0, 0]);
      const evaluator = maskEvaluator(model, pre, rgb, hide, groups, M);
      const game: ShapGame = { players: M, evaluate: (m, n) => evaluator.evaluate(m, n), outputs: () => evaluator.classes() };

      // Closed form (onnx-builder's TSDoc): s¹ = group means of the image, s⁰ = of the black baseline (0).
      const s1 = new Float64Array(M);
      const s0 = new Float64Array(M);
      const sizes = new Float64Array(M);
      for (let p = 0; p < H * W; p++) {
        sizes[groups[p]] += 3;
        for (let c = 0; c < 3; c++) s1[groups[p]] += rgb.data[3 * p + c] / 255;
      }
      for (let g = 0; g < M; g++) s1[g] /= sizes[g];
      const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
      const expected = new Float64Array(2 * M);
      for (const t of terms) {
        const T = t.groups;
        for (const g of T) {
          const others = T.filter((h) => h !== g);
          let share = 0;
          for (let bits = 0; bits < 1 << others.length; bits++) {
            let prod = 1;
            let size = 0;
            others.forEach((h, i) => {
              if (bits & (1 << i)) {
                prod *= s1[h];
                size++;
              } else prod *= s0[h];
            });
            share += ((fact(size) * fact(T.length - size - 1)) / fact(T.length)) * prod;
          }
          for (let k = 0; k < 2; k++) expected[k * M + g] += t.coefficients[k] * (s1[g] - s0[g]) * share;
        }
      }

      const exact = await exactShap(game, run([0, 1], 64, 0, 16));
      assert.ok(maxAbsDiff(exact.values, expected) < 1e-5, `exact: ${maxAbsDiff(exact.values, expected)}`);
      assert.ok(Math.abs(exact.base[0] - 0.5) < 1e-6 && Math.abs(exact.base[1] + 1) < 1e-6, 'base = constant term (black baseline)');
      const kernel = await kernelShap(game, run([0, 1], 64, 1, 16));
      assert.ok(maxAbsDiff(kernel.values, expected) < 1e-5, `kernel: ${maxAbsDiff(kernel.values, expected)}`);
      checkEfficiency(kernel, M, 1e-9, 'kernel onnx');
      const perm = await permutationShap(game, run([0, 1], 2 + 50 * 2 * (M - 1), 1, 64));
      checkEfficiency(perm, M, 1e-9, 'permutation onnx');
      assert.ok(maxAbsDiff(perm.values, expected) < 0.05, `permutation: ${maxAbsDiff(perm.values, expected)}`);
    } finally {
      await model.dispose();
    }
  });
});
