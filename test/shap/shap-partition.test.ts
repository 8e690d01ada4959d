// SPDX-License-Identifier: MIT
// PartitionExplainer (Owen values) on closed-form games, and the partition trees.
import assert from 'node:assert/strict';
import { partitionShap, PARTITION_MIN_EVALS } from '../../lib/shap/partition';
import { imageTree } from '../../lib/shap/image-tree';
import { segmentTree } from '../../lib/shap/segment-tree';
import { exactOwenEvals, makeTree, validateTree, type PartitionTree } from '../../lib/shap/tree';
import { Rng } from '../../lib/rng';
import { owenByCoalitions, owenByOrders, playersOf, recordingGame, type ValueFn } from '../helpers/owen';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** A random binary tree over M players (random merges of random pairs). */
function randomTree(M: number, seed: number): PartitionTree {
  const rng = new Rng(seed);
  const pool = Array.from({ length: M }, (_, i) => i);
  const left: number[] = [];
  const right: number[] = [];
  for (let next = M; pool.length > 1; next++) {
    const a = pool.splice(rng.nextInt(pool.length), 1)[0];
    const b = pool.splice(rng.nextInt(pool.length), 1)[0];
    left.push(a);
    right.push(b);
    pool.push(next);
  }
  return makeTree(M, left, right);
}

/** A chain ((((0,1),2),3)…): the deepest tree. */
function chainTree(M: number): PartitionTree {
  const left = [0];
  const right = [1];
  for (let k = 2; k < M; k++) {
    left.push(M + k - 2);
    right.push(k);
  }
  return makeTree(M, left, right);
}

/** K outputs, each a polynomial in the presence bits with 1-, 2- and 3-way terms (generic coefficients). */
function interactionGame(M: number, K: number, seed: number): ValueFn {
  const rng = new Rng(seed);
  const terms: { k: number; players: number[]; c: number }[] = [];
  for (let k = 0; k < K; k++) {
    terms.push({ k, players: [], c: rng.nextNormal() });
    for (let i = 0; i < M; i++) terms.push({ k, players: [i], c: rng.nextNormal() });
    for (let t = 0; t < 2 * M; t++) terms.push({ k, players: [rng.nextInt(M), rng.nextInt(M)], c: rng.nextNormal() });
    for (let t = 0; t < M; t++) terms.push({ k, players: [rng.nextInt(M), rng.nextInt(M), rng.nextInt(M)], c: 2 * rng.nextNormal() });
  }
  return (mask) => {
    const out = new Array<number>(K).fill(0);
    for (const t of terms) if (t.players.every((p) => mask[p] === 1)) out[t.k] += t.c;
    return out;
  };
}

const opts = (maxEvals: number, extra: Partial<{ explained: number[]; seed: number; batchSize: number }> = {}) => ({
  explained: [0],
  seed: 1,
  batchSize: 8,
  maxEvals,
  ...extra,
});

describe('partition trees', () => {
  it("imageTree(4, 3) follows shap's best-first bisection (ids, children, sizes)", () => {
    const t = imageTree(4, 3);
    assert.equal(t.players, 12);
    // Expected from shap's rule (rows split when height >= width, at min + size//2; largest region
    // first, ties by row range then column range; ids handed out from 22 downwards; leaf = row·3+col).
    const expected: Record<number, [number, number, number]> = {
      22: [21, 20, 12], // all → rows 0-1 | rows 2-3
      21: [16, 19, 6], // rows 0-1 → col 0 | cols 1-2
      20: [13, 18, 6], // rows 2-3 → col 0 | cols 1-2
      19: [17, 15, 4], // rows 0-1 × cols 1-2 → row 0 | row 1
      18: [14, 12, 4], // rows 2-3 × cols 1-2 → row 2 | row 3
      17: [1, 2, 2],
      16: [0, 3, 2],
      15: [4, 5, 2],
      14: [7, 8, 2],
      13: [6, 9, 2],
      12: [10, 11, 2],
    };
    for (const [id, [l, r, s]] of Object.entries(expected)) {
      const i = Number(id) - 12;
      assert.deepEqual([t.left[i], t.right[i], t.size[i]], [l, r, s], `node ${id}`);
    }
  });

  it('imageTree on small sizes: valid, rectangles, odd halves smaller on the left', () => {
    assert.deepEqual(imageTree(1, 1), {
      players: 1,
      left: new Int32Array(0),
      right: new Int32Array(0),
      size: new Int32Array(0),
      width: 1,
      rects: new Int32Array(0),
    });
    const t13 = imageTree(1, 3); // cols split at 0 + 3//2 = 1: {0} | {1,2}
    assert.deepEqual([...t13.left, ...t13.right], [1, 0, 2, 3]);
    const t22 = imageTree(2, 2); // rows first: {0,1} | {2,3}
    assert.deepEqual([t22.left[2], t22.right[2]], [5, 4]);
    assert.deepEqual(
      [playersOf(t22, 5), playersOf(t22, 4)],
      [
        [0, 1],
        [2, 3],
      ],
    );
    for (const [h, w] of [
      [5, 7],
      [7, 5],
      [1, 9],
      [16, 16],
      [3, 1],
    ]) {
      const t = imageTree(h, w);
      validateTree(t);
      for (let n = t.players; n < 2 * t.players - 1; n++) {
        const ps = playersOf(t, n);
        const rows = ps.map((p) => Math.floor(p / w)),
          cols = ps.map((p) => p % w);
        const area = (Math.max(...rows) - Math.min(...rows) + 1) * (Math.max(...cols) - Math.min(...cols) + 1);
        assert.equal(area, ps.length, `${h}x${w} node ${n} is a rectangle`);
        assert.ok(playersOf(t, t.left[n - t.players]).length <= playersOf(t, t.right[n - t.players]).length);
      }
    }
    assert.throws(() => imageTree(0, 3), { name: 'RangeError', message: /height/ });
    assert.throws(() => imageTree(2, 1.5), { name: 'RangeError', message: /width/ });
  });

  it('segmentTree merges adjacent segments first, even when colour prefers a non-adjacent pair', () => {
    // 0 red | 1 blue | 2 red: 0 and 2 are identical but not adjacent.
    const labels = Int32Array.from([0, 1, 2]);
    const rgb = Uint8Array.from([255, 0, 0, 0, 0, 255, 255, 0, 0]);
    const t = segmentTree(labels, 3, 1, 3, rgb);
    assert.deepEqual([t.left[0], t.right[0]], [0, 1], 'first merge: an adjacent pair (tie → smallest ids)');
    assert.deepEqual([t.left[1], t.right[1]], [2, 3]);
    // 2-D: 0 and 3 share a colour and touch only at a corner (not 4-adjacent).
    const lab2 = Int32Array.from([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    const col = [
      [250, 250, 250],
      [10, 200, 10],
      [200, 10, 10],
      [250, 250, 250],
    ];
    const rgb2 = new Uint8Array(48);
    lab2.forEach((s, p) => rgb2.set(col[s], 3 * p));
    const t2 = segmentTree(lab2, 4, 4, 4, rgb2);
    const firsts = [t2.left[0], t2.right[0]];
    assert.notDeepEqual(firsts, [0, 3]);
    assert.ok(playersOf(t2, 4).length === 2 && !(playersOf(t2, 4).includes(0) && playersOf(t2, 4).includes(3)));
  });

  it('segmentTree prefers the closer colour among adjacent pairs, and is size-weighted', () => {
    // 0 red | 1 dark red | 2 blue → (0,1) first.
    const t = segmentTree(Int32Array.from([0, 1, 2]), 3, 1, 3, Uint8Array.from([255, 0, 0, 200, 0, 0, 0, 0, 255]));
    assert.deepEqual([t.left[0], t.right[0], t.left[1], t.right[1]], [0, 1, 2, 3]);
    // Size-weighted (Ward): 0 and 1 are large and close in colour, 2 is one pixel and a bit farther
    // from 1; the small segment is absorbed first (unweighted distance would merge 0 and 1 first).
    const lab = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2]);
    const grey = [100, 110, 125];
    const rgb = new Uint8Array(39);
    lab.forEach((s, p) => rgb.fill(grey[s], 3 * p, 3 * p + 3));
    const tw = segmentTree(lab, 13, 1, 3, rgb);
    assert.deepEqual([tw.left[0], tw.right[0]], [1, 2]);
  });

  it('segmentTree joins disconnected parts by colour, and empty segments last', () => {
    // 0 red, (gap), 1 blue, (gap), 2 red; label 3 has no pixel.
    const labels = Int32Array.from([0, -1, 1, -1, 2]);
    const rgb = Uint8Array.from([255, 0, 0, 9, 9, 9, 0, 0, 255, 9, 9, 9, 250, 0, 0]);
    const t = segmentTree(labels, 5, 1, 4, rgb);
    validateTree(t);
    assert.deepEqual([t.left[0], t.right[0]], [0, 2], 'the two reds, by colour');
    assert.deepEqual([t.left[1], t.right[1]], [1, 4]);
    assert.deepEqual(
      [t.left[2], t.right[2]],
      [3, 5].sort((a, b) => a - b),
      'the empty segment joins at the root',
    );
    assert.throws(() => segmentTree(Int32Array.from([0, 5]), 2, 1, 2, new Uint8Array(6)), { name: 'RangeError', message: /labels\[1\]/ });
    assert.throws(() => segmentTree(Int32Array.from([0, 1]), 2, 1, 2, new Uint8Array(5)), { name: 'RangeError', message: /rgb/ });
    assert.throws(() => segmentTree([0, 1] as unknown as Int32Array, 2, 1, 2, new Uint8Array(6)), { name: 'TypeError', message: /labels/ });
  });

  it('segmentTree on a bigger random grid gives a valid tree whose nodes are connected regions', () => {
    const W = 12,
      H = 9,
      rng = new Rng(4);
    const labels = new Int32Array(W * H);
    for (let p = 0; p < W * H; p++) labels[p] = Math.floor((p % W) / 3) + 4 * Math.floor(Math.floor(p / W) / 3);
    const rgb = new Uint8Array(3 * W * H);
    for (let p = 0; p < W * H; p++) for (let c = 0; c < 3; c++) rgb[3 * p + c] = (labels[p] * 53 * (c + 1) + rng.nextInt(20)) % 256;
    const t = segmentTree(labels, W, H, 12, rgb);
    validateTree(t);
    const cell = (s: number) => [s % 4, Math.floor(s / 4)];
    for (let n = 12; n < 23; n++) {
      // the grid cells of each node form a 4-connected set
      const ps = playersOf(t, n);
      const seen = new Set([ps[0]]);
      for (let grew = true; grew;) {
        grew = false;
        for (const s of ps) {
          if (seen.has(s)) continue;
          const [x, y] = cell(s);
          if ([...seen].some((q) => Math.abs(cell(q)[0] - x) + Math.abs(cell(q)[1] - y) === 1)) {
            seen.add(s);
            grew = true;
          }
        }
      }
      assert.equal(seen.size, ps.length, `node ${n} connected`);
    }
  });

  it('validateTree and makeTree reject malformed trees with clear errors', () => {
    assert.throws(() => validateTree(null), { name: 'TypeError', message: /tree/ });
    assert.throws(() => validateTree({ players: 3, left: [0, 1], right: [2, 3], size: [2, 3] }), {
      name: 'TypeError',
      message: /Int32Array for tree\.left/,
    });
    assert.throws(() => validateTree({ players: 3, left: Int32Array.of(0), right: Int32Array.of(1), size: Int32Array.of(2) }), {
      name: 'RangeError',
      message: /tree\.left/,
    });
    assert.throws(() => makeTree(3, [0, 3], [1, 4]), { name: 'RangeError', message: /tree\.right\[1\]/ });
    assert.throws(() => makeTree(3, [0, 0], [1, 3]), { name: 'RangeError', message: /node 0 .*two|both/ });
    assert.throws(() => validateTree({ players: 3, left: Int32Array.of(0, 3), right: Int32Array.of(1, 2), size: Int32Array.of(2, 4) }), {
      name: 'RangeError',
      message: /size\[1\]/,
    });
    assert.throws(() => validateTree({ players: 0, left: new Int32Array(0), right: new Int32Array(0), size: new Int32Array(0) }), {
      name: 'RangeError',
      message: /players/,
    });
    assert.equal(makeTree(1, [], []).players, 1);
    assert.equal(exactOwenEvals(makeTree(3, [0, 3], [1, 2])), 2 + 2 + 4);
  });
});

describe('partitionShap (Owen values)', () => {
  it('the reference: coalition formula == hierarchy-consistent orders', () => {
    for (const tree of [imageTree(2, 3), randomTree(7, 3), chainTree(6), imageTree(2, 4)]) {
      const v = interactionGame(tree.players, 2, 11);
      close(owenByCoalitions(tree, v, 2), owenByOrders(tree, v, 2), 1e-12, 'owen');
    }
  });

  it("linear game: each feature's exact contribution at full budget, several outputs", async () => {
    const M = 9,
      K = 3,
      rng = new Rng(8);
    const w = Array.from({ length: K * M }, () => rng.nextNormal());
    const b = [0.5, -1, 2];
    const v: ValueFn = (m) => Array.from({ length: K }, (_, k) => b[k] + w.slice(k * M, (k + 1) * M).reduce((s, x, i) => s + x * m[i], 0));
    for (const tree of [imageTree(3, 3), randomTree(9, 5)]) {
      const r = await partitionShap(recordingGame(M, K, v), tree, opts(Infinity, { explained: [2, 0] }));
      close(r.values.subarray(0, M), w.slice(2 * M, 3 * M), 1e-12, 'output 2');
      close(r.values.subarray(M), w.slice(0, M), 1e-12, 'output 0');
      close(r.base, [b[2], b[0]], 1e-12, 'base');
      assert.equal(r.evaluations, exactOwenEvals(tree));
    }
  });

  it('non-linear game: full budget equals the exact Owen values (1e-9), M up to 10', async () => {
    const trees = [imageTree(2, 5), imageTree(3, 3), randomTree(10, 1), randomTree(8, 2), chainTree(10), makeTree(1, [], [])];
    for (const [t, tree] of trees.entries()) {
      const M = tree.players;
      const v = interactionGame(M, 3, 100 + t);
      const expected = owenByCoalitions(tree, v, 3);
      const game = recordingGame(M, 3, v);
      const r = await partitionShap(game, tree, opts(exactOwenEvals(tree), { explained: [0, 1, 2], batchSize: 6 }));
      close(r.values, expected, 1e-9, `tree ${t}`);
      assert.equal(r.evaluations, exactOwenEvals(tree));
      assert.equal(new Set(game.masks).size, game.masks.length, 'no coalition evaluated twice');
      assert.equal(game.masks.length, r.evaluations);
      // more budget changes nothing
      const r2 = await partitionShap(recordingGame(M, 3, v), tree, opts(Infinity, { explained: [0, 1, 2], batchSize: 6 }));
      assert.deepEqual(r2.values, r.values);
    }
  });

  it('efficiency Σφ = f(all) − f(∅) (1e-9 relative) at budgets 2, 3, 10, 11, 100 and full', async () => {
    for (const tree of [imageTree(2, 5), randomTree(10, 7), imageTree(6, 7)]) {
      const M = tree.players;
      const v = interactionGame(M, 2, 5);
      for (const maxEvals of [2, 3, 10, 11, 100, Infinity]) {
        const game = recordingGame(M, 2, v);
        const r = await partitionShap(game, tree, opts(maxEvals, { explained: [1, 0], batchSize: 4 }));
        assert.ok(r.evaluations <= maxEvals, `${r.evaluations} <= ${maxEvals}`);
        if (maxEvals < exactOwenEvals(tree)) assert.equal(r.evaluations, maxEvals - (maxEvals % 2), 'the budget is used up, two at a time');
        assert.ok(game.calls.every((n) => n <= 4 && n % 2 === 0));
        for (let j = 0; j < 2; j++) {
          const sum = r.values.subarray(j * M, (j + 1) * M).reduce((s, x) => s + x, 0);
          const delta = r.full[j] - r.base[j];
          assert.ok(Math.abs(sum - delta) <= 1e-9 * Math.max(1, Math.abs(delta)), `maxEvals ${maxEvals} output ${j}: ${sum} vs ${delta}`);
        }
        if (maxEvals === 2) {
          for (let j = 0; j < 2; j++)
            for (let p = 0; p < M; p++) assert.ok(Math.abs(r.values[j * M + p] - (r.full[j] - r.base[j]) / M) < 1e-12);
        }
      }
    }
  });

  it('never over budget: the game is asked for at most maxEvals coalitions, and an odd budget B acts as B − 1', async () => {
    // shap would spend B + 1 at an odd B (it admits an expansion while one evaluation is left); we
    // leave the odd one unspent, so shap's odd B is our B + 1 (test/shap/shap-parity.test.ts checks 501).
    const tree = imageTree(5, 6);
    const M = tree.players;
    const v = interactionGame(M, 2, 11);
    for (const batchSize of [1, 2, 3, 5, 10, 11]) {
      for (let maxEvals = 2; maxEvals <= 61; maxEvals++) {
        const game = recordingGame(M, 2, v);
        const r = await partitionShap(game, tree, opts(maxEvals, { explained: [0, 1], batchSize }));
        const asked = game.calls.reduce((s, n) => s + n, 0);
        assert.equal(asked, r.evaluations, `batch ${batchSize}, budget ${maxEvals}: evaluations counts every coalition asked for`);
        assert.ok(asked <= maxEvals, `batch ${batchSize}: ${asked} coalitions for a budget of ${maxEvals}`);
        if (maxEvals % 2 === 1) {
          const even = await partitionShap(recordingGame(M, 2, v), tree, opts(maxEvals - 1, { explained: [0, 1], batchSize }));
          assert.equal(r.evaluations, even.evaluations, `batch ${batchSize}: budget ${maxEvals} spends as ${maxEvals - 1}`);
          assert.deepEqual(r.values, even.values, `batch ${batchSize}: budget ${maxEvals} gives the values of ${maxEvals - 1}`);
        }
      }
    }
  });

  it("a round expands ⌈batchSize/2⌉ nodes, as shap's `while len(batch_masks) < batch_size` (odd 5 sends 6)", async () => {
    const tree = imageTree(8, 8);
    const v = interactionGame(64, 1, 3);
    const calls = async (batchSize: number) => {
      const game = recordingGame(64, 1, v);
      await partitionShap(game, tree, opts(62, { batchSize }));
      return game.calls;
    };
    // f(∅) and f(all) first; the root alone; then full rounds until the budget (62) runs short.
    assert.deepEqual(await calls(5), [2, 2, 6, 6, 6, 6, 6, 6, 6, 6, 6, 4]);
    assert.deepEqual(await calls(6), [2, 2, 6, 6, 6, 6, 6, 6, 6, 6, 6, 4]);
    assert.deepEqual(await calls(10), [2, 2, 8, 10, 10, 10, 10, 10]);
  });

  it('maxEvals below the minimum (2) and other bad calls are rejected', async () => {
    const tree = imageTree(2, 2);
    const game = recordingGame(4, 2, interactionGame(4, 2, 1));
    assert.equal(PARTITION_MIN_EVALS, 2);
    await assert.rejects(partitionShap(game, tree, opts(1)), {
      name: 'RangeError',
      message: /integer >= 2 .*minimum.* for maxEvals but received 1/,
    });
    await assert.rejects(partitionShap(game, tree, opts(2.5)), { name: 'RangeError', message: /maxEvals/ });
    await assert.rejects(partitionShap(game, imageTree(1, 3), opts(10)), { name: 'RangeError', message: /game\.players/ });
    await assert.rejects(partitionShap(game, tree, opts(10, { explained: [2] })), { name: 'RangeError', message: /explained\[0\]/ });
    await assert.rejects(partitionShap(game, tree, opts(10, { explained: [] })), { name: 'TypeError', message: /explained/ });
    await assert.rejects(partitionShap(game, tree, opts(10, { batchSize: 0 })), { name: 'RangeError', message: /batchSize/ });
    const r = await partitionShap(game, tree, opts(10, { batchSize: 1 }));
    assert.equal(r.evaluations, 10, 'batchSize 1 acts as 2');
  });

  it('same seed, same values; without ties the seed changes nothing', async () => {
    const tree = imageTree(4, 4);
    const v = interactionGame(16, 2, 9);
    const run = (seed: number, batchSize = 8) =>
      partitionShap(recordingGame(16, 2, v), tree, opts(40, { seed, batchSize, explained: [0, 1] }));
    const a = await run(1);
    assert.deepEqual((await run(1)).values, a.values);
    for (const seed of [2, 3, 99]) assert.deepEqual((await run(seed)).values, a.values, 'generic game: no ties, the seed is irrelevant');
    assert.notDeepEqual((await run(1, 2)).values, a.values, 'batchSize changes the order of expansions (as in shap)');
  });

  it('ties are broken by the seed: seed-dependent only where priorities tie', async () => {
    // Two halves with equal totals but different insides: the four children of the root tie.
    const g: Record<string, number> = { '00': 0, '10': 1, '01': 0, '11': 2 };
    const h: Record<string, number> = { '00': 0, '10': 0.5, '01': 0.5, '11': 2 };
    const v: ValueFn = (m) => [g[`${m[0]}${m[1]}`] + h[`${m[2]}${m[3]}`]];
    const tree = makeTree(4, [0, 2, 4], [1, 3, 5]);
    const results = new Set<string>();
    for (let seed = 0; seed < 16; seed++) {
      const a = await partitionShap(recordingGame(4, 1, v), tree, opts(6, { seed }));
      const b = await partitionShap(recordingGame(4, 1, v), tree, opts(6, { seed }));
      assert.deepEqual(a.values, b.values, 'same seed, same values');
      results.add([...a.values].join(','));
    }
    assert.equal(results.size, 2, `expanding the left or the right half first: ${[...results].join(' / ')}`);
    // At full budget the tie-break cannot matter.
    const exact = owenByCoalitions(tree, v, 1);
    for (const seed of [0, 1, 2])
      close((await partitionShap(recordingGame(4, 1, v), tree, opts(Infinity, { seed }))).values, exact, 1e-12, 'full');
  });

  it('works with a Float32Array game and many players (imageTree 32×32)', async () => {
    const tree = imageTree(32, 32);
    const M = 1024;
    const game = {
      players: M,
      outputs: () => 2,
      async evaluate(m: Uint8Array, n: number) {
        const out = new Float32Array(2 * n);
        for (let r = 0; r < n; r++) {
          let s = 0,
            q = 0;
          for (let p = 0; p < M; p++) {
            if (!m[r * M + p]) continue;
            s += p % 32 < 8 ? 1 : 0;
            q += Math.floor(p / 32) > 20 ? 1 : 0;
          }
          out[2 * r] = s / 256;
          out[2 * r + 1] = (q / 352) ** 2;
        }
        return out;
      },
    };
    const r = await partitionShap(game, tree, opts(500, { explained: [0, 1], batchSize: 50 }));
    assert.equal(r.evaluations, 500);
    for (let j = 0; j < 2; j++) {
      const sum = r.values.subarray(j * M, (j + 1) * M).reduce((s, x) => s + x, 0);
      assert.ok(Math.abs(sum - (r.full[j] - r.base[j])) < 1e-9);
    }
    // output 0 only depends on the first 8 columns: their credit dominates.
    let inside = 0;
    for (let p = 0; p < M; p++) if (p % 32 < 8) inside += r.values[p];
    assert.ok(Math.abs(inside - 1) < 1e-9, `credit inside the informative columns: ${inside}`);
  });
});
