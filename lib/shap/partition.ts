// SPDX-License-Identifier: MIT
/**
 * PartitionExplainer: Owen values over a binary partition hierarchy, by shap's best-first recursion
 * (`shap/explainers/_partition.py`, `owen()` with `fixed_context=None`, then `lower_credit`).
 *
 * 1. f00 = f(no player) and f11 = f(every player), in one evaluate() call; both count in maxEvals.
 * 2. A priority queue holds (context, f_off, f_on, node, weight), starting with (∅, f00, f11, root, 1).
 *    Each round pops internal nodes while fewer than batchSize coalitions are queued, i.e.
 *    ⌈batchSize/2⌉ of them, as shap's `len(batch_masks) < batch_size` (leaves popped on the way are credited
 *    (f_on − f_off)·weight at once) and evaluates context+left (f10) and context+right (f01) for all
 *    of them in ONE evaluate() call: 2 evaluations per expansion. Each expansion pushes four
 *    children with weight/2: left in the context (f_off→f10), right in the context (f_off→f01),
 *    left in context+right (f01→f_on), right in context+left (f10→f_on).
 *    Priority: max over the explained outputs of |Δf| × weight, largest first; ties are broken by a
 *    draw of the seeded {@link Rng} made when the entry is pushed (shap: unseeded np.random.randn).
 * 3. When the budget cannot pay for another expansion, every queued node is credited
 *    (f_on − f_off)·weight on the node itself; lower_credit then spreads each internal node's credit
 *    over its players in proportion to size (uniformly per player).
 *
 * The four children's increments telescope to (f_on − f_off)·weight, so Σ values = f11 − f00 holds
 * exactly (to float rounding) for every output at any budget; with an unlimited budget the result
 * is the exact Owen value (nested two-player Shapley values) for the tree.
 *
 * The batch size is part of the result: a round's nodes are all chosen before any of their children
 * is prioritised, so another batchSize expands other nodes within the same budget. shap's default
 * (batch_size='auto' with an image masker) is {@link PARTITION_DEFAULT_BATCH}.
 *
 * Deviations from shap: the budget is never exceeded. An expansion costs 2, so with an odd maxEvals
 * the last evaluation is left unspent (maxEvals − 1 spent), where shap admits an expansion while one
 * evaluation is left and spends max_evals + 1: shap at an odd B equals this at B + 1. The minimum
 * budget is 2 (f00 and f11 only, the root's credit spread uniformly); tie-breaks are seeded (shap
 * draws them from the unseeded np.random.randn; ties are rare with real models).
 *
 * Caching: none is needed. Every coalition the recursion evaluates is context ∪ child, where the
 * context is a union of siblings of the child's strict ancestors (one per level at most); the child
 * is the unique deepest node of that union, so the (node, context, child) triple — and hence the
 * coalition — is never produced twice, and none equals ∅ or the full set. Identical coalitions are
 * therefore evaluated once per explanation by construction.
 */
import { Rng } from '../rng';
import { checkNumber, optionalSeed, rangeError, typeError } from '../validate';
import type { ShapGame, ShapRunOptions, ShapValues } from './game';
import type { ShapAlgorithmSpec } from './algorithm';
import { Heap } from './heap';
import { imageTree } from './image-tree';
import { segmentTree } from './segment-tree';
import { leafOrder, nodeSize, treeRoot, validateTree, type PartitionTree } from './tree';

/** The smallest maxEvals PartitionExplainer accepts: f(∅) and f(all). */
export const PARTITION_MIN_EVALS = 2;

/** shap's batch size for Partition with an image masker (batch_size='auto'): the default that gives shap's values. */
export const PARTITION_DEFAULT_BATCH = 10;

/** A context: a persistent list of tree nodes whose players are present. */
interface Context {
  readonly node: number;
  readonly next: Context | null;
}

interface Entry {
  priority: number;
  tie: number;
  seq: number;
  context: Context | null;
  fOff: Float64Array;
  fOn: Float64Array;
  node: number;
  weight: number;
}

/**
 * Owen values of `game` for the hierarchy `tree`, shap's PartitionExplainer recursion.
 *
 * @param game - the game; `game.players` must equal `tree.players`.
 * @param tree - the hierarchy (checked with {@link validateTree}).
 * @param options - `explained` output indices (at least one, each < game.outputs()); `maxEvals` an
 *   integer >= 2 ({@link PARTITION_MIN_EVALS}), or Infinity to run the recursion to the end (exact
 *   Owen values; see `exactOwenEvals(tree)` for the count); `seed` for tie-breaks; `batchSize`
 *   coalitions per evaluate() call, >= 1: ⌈batchSize/2⌉ expansions of 2 coalitions each, as shap
 *   (so an odd batchSize sends batchSize + 1, and 1 acts as 2); it changes the values, see above.
 * @returns values L × M, full f11 and base f00 per explained output, evaluations spent.
 * @throws TypeError / RangeError for invalid arguments; RangeError naming maxEvals below 2.
 */
export async function partitionShap(game: ShapGame, tree: PartitionTree, options: ShapRunOptions): Promise<ShapValues> {
  validateTree(tree);
  if (game === null || typeof game !== 'object' || typeof game.evaluate !== 'function') throw typeError('game', 'a ShapGame', game);
  if (game.players !== tree.players) {
    throw rangeError('game.players', `the tree's number of players (${tree.players})`, game.players);
  }
  if (options === null || typeof options !== 'object') throw typeError('options', 'an options object', options);
  const maxEvals = options.maxEvals;
  const evalsRule = `an integer >= ${PARTITION_MIN_EVALS} (the minimum: f(∅) and f(all)) or Infinity`;
  if (typeof maxEvals !== 'number') throw typeError('maxEvals', evalsRule, maxEvals);
  if (!(maxEvals === Infinity || (Number.isInteger(maxEvals) && maxEvals >= PARTITION_MIN_EVALS)))
    throw rangeError('maxEvals', evalsRule, maxEvals);
  const batchSize = checkNumber('batchSize', options.batchSize, { integer: true, min: 1 });
  if (options.seed === undefined) throw typeError('seed', 'an integer in [0, 2^53 - 1]', options.seed);
  const seed = optionalSeed('seed', options.seed, 0);
  const explained = options.explained;
  if (!Array.isArray(explained) || explained.length === 0) throw typeError('explained', 'a non-empty array of output indices', explained);
  for (let j = 0; j < explained.length; j++) checkNumber(`explained[${j}]`, explained[j], { integer: true, min: 0 });

  const M = tree.players;
  const L = explained.length;
  const rng = new Rng(seed);
  const { order, start } = leafOrder(tree);
  const { rects, width } = tree;
  const paint = (row: Uint8Array, node: number) => {
    if (rects && width !== undefined && node >= M) {
      // An image tree's node is a rectangle: fill its rows (much faster than a scatter over pixels).
      const i = 4 * (node - M);
      for (let r = rects[i]; r < rects[i + 1]; r++) row.fill(1, r * width + rects[i + 2], r * width + rects[i + 3]);
      return;
    }
    const s = start[node];
    for (let k = s, end = s + nodeSize(tree, node); k < end; k++) row[order[k]] = 1;
  };

  // f00 and f11.
  const base = new Uint8Array(2 * M);
  base.fill(1, M);
  const first = await game.evaluate(base, 2);
  const K = game.outputs();
  if (!Number.isInteger(K) || K < 1) throw new Error(`game.outputs() returned ${K}; expected a positive integer after an evaluation`);
  for (let j = 0; j < L; j++) {
    if (explained[j] >= K) throw rangeError(`explained[${j}]`, `an output index in [0, ${K - 1}]`, explained[j]);
  }
  const pick = (out: Float32Array | Float64Array, row: number, n: number): Float64Array => {
    if (out.length < n * K) throw new Error(`game.evaluate() returned ${out.length} values for ${n} coalitions × ${K} outputs`);
    const f = new Float64Array(L);
    for (let j = 0; j < L; j++) f[j] = out[row * K + explained[j]];
    return f;
  };
  const f00 = pick(first, 0, 2);
  const f11 = pick(first, 1, 2);
  let evaluations = 2;

  // Credit per node (L × (2M-1)), lowered to the players at the end.
  const N = 2 * M - 1;
  const credit = new Float64Array(L * N);
  const addCredit = (e: Entry) => {
    for (let j = 0; j < L; j++) credit[j * N + e.node] += (e.fOn[j] - e.fOff[j]) * e.weight;
  };

  const queue = new Heap<Entry>((a, b) =>
    a.priority !== b.priority ? a.priority > b.priority : a.tie !== b.tie ? a.tie < b.tie : a.seq < b.seq,
  );
  let seq = 0;
  const push = (context: Context | null, fOff: Float64Array, fOn: Float64Array, node: number, weight: number) => {
    let m = 0;
    for (let j = 0; j < L; j++) m = Math.max(m, Math.abs(fOn[j] - fOff[j]));
    const priority = m * weight;
    queue.push({
      priority: Number.isNaN(priority) ? Infinity : priority,
      tie: rng.nextDouble(),
      seq: seq++,
      context,
      fOff,
      fOn,
      node,
      weight,
    });
  };
  push(null, f00, f11, treeRoot(tree), 1);

  // shap fills a round while len(batch_masks) < batch_size, two masks per expansion.
  const perRound = Math.ceil(batchSize / 2);
  let masks = new Uint8Array(0);
  for (;;) {
    const batch: Entry[] = [];
    while (queue.length > 0 && batch.length < perRound) {
      const top = queue.peek() as Entry;
      if (top.node < M) {
        queue.pop();
        addCredit(top); // a leaf: nothing left to split
        continue;
      }
      if (evaluations + 2 * (batch.length + 1) > maxEvals) break;
      batch.push(queue.pop() as Entry);
    }
    if (batch.length === 0) {
      // Done, or out of budget: everything still queued keeps its credit on its node.
      while (queue.length > 0) addCredit(queue.pop() as Entry);
      break;
    }
    const n = 2 * batch.length;
    if (masks.length < n * M) masks = new Uint8Array(n * M);
    else masks.fill(0, 0, n * M);
    for (let b = 0; b < batch.length; b++) {
      const e = batch[b];
      const i = e.node - M;
      const r10 = masks.subarray(2 * b * M, (2 * b + 1) * M);
      const r01 = masks.subarray((2 * b + 1) * M, (2 * b + 2) * M);
      for (let c = e.context; c !== null; c = c.next) {
        paint(r10, c.node);
        paint(r01, c.node);
      }
      paint(r10, tree.left[i]);
      paint(r01, tree.right[i]);
    }
    const out = await game.evaluate(masks.subarray(0, n * M), n);
    evaluations += n;
    for (let b = 0; b < batch.length; b++) {
      const e = batch[b];
      const i = e.node - M;
      const l = tree.left[i];
      const r = tree.right[i];
      const f10 = pick(out, 2 * b, n);
      const f01 = pick(out, 2 * b + 1, n);
      const w = e.weight / 2;
      push(e.context, e.fOff, f10, l, w);
      push(e.context, e.fOff, f01, r, w);
      push({ node: r, next: e.context }, f01, e.fOn, l, w);
      push({ node: l, next: e.context }, f10, e.fOn, r, w);
    }
  }

  // lower_credit: top-down (parents have larger ids), each node's total split by size.
  const values = new Float64Array(L * M);
  const carried = new Float64Array(N);
  for (let j = 0; j < L; j++) {
    carried.fill(0);
    for (let node = N - 1; node >= M; node--) {
      const i = node - M;
      const v = credit[j * N + node] + carried[node];
      const l = tree.left[i];
      const r = tree.right[i];
      const per = v / tree.size[i];
      carried[l] += per * nodeSize(tree, l);
      carried[r] += per * nodeSize(tree, r);
    }
    for (let p = 0; p < M; p++) values[j * M + p] = credit[j * N + p] + carried[p];
  }
  return { values, full: f11, base: f00, evaluations };
}

/**
 * PartitionExplainer's algorithm (shap's default for images), registered in registry.ts. Its tree:
 * shap's image tree over pixels; over superpixels the caller's `hierarchy`, or one merging adjacent
 * segments by colour.
 */
export const partition = {
  name: 'partition',
  summary: "Owen values over a hierarchy, shap's best-first recursion (shap's default for images)",
  defaultFeatures: 'pixels',
  defaultBatchSize: PARTITION_DEFAULT_BATCH,
  defaultMaxEvals: () => 500,
  defaultMaxEvalsText: '500',
  options: ['hierarchy'],
  // Only coalitions that recur (the two ends) are cached.
  bookkeepingBytes: () => 0,
  cacheAll: false,
  validate: (options, features) => {
    if (options.hierarchy !== undefined && features !== 'superpixels')
      throw rangeError('hierarchy', "only with algorithm 'partition' and features 'superpixels'", 'a hierarchy');
  },
  run: ({ game, run, options, features, rgb, labels, players }) => {
    let tree: PartitionTree;
    if (features === 'pixels') {
      tree = imageTree(rgb.height, rgb.width);
    } else if (options.hierarchy !== undefined) {
      tree = validateTree(options.hierarchy, 'hierarchy');
      if (tree.players !== players)
        throw rangeError('hierarchy', `a tree over the ${players} superpixels`, `a tree over ${tree.players} players`);
    } else {
      tree = segmentTree(labels, rgb.width, rgb.height, players, rgb.data);
    }
    return partitionShap(game, tree, run);
  },
} as const satisfies ShapAlgorithmSpec;
