// SPDX-License-Identifier: MIT
/**
 * Slow, obviously-correct Owen values for a binary hierarchy (tests only, M <= 10), two ways:
 *
 * - {@link owenByCoalitions}: the coalition-structure formula applied level by level. At every node
 *   on the path from the root to player i, the quotient game has the node's children as players
 *   (m = 2 here), and the Owen value weights each set H of the OTHER children by the Shapley weight
 *   h!(m-h-1)!/m!; the union of the chosen siblings joins the context. So
 *   φ_i = Σ over all choices (in/out) of the path's siblings of Π weights · [v(C ∪ {i}) − v(C)].
 * - {@link owenByOrders}: Owen's original definition: the average marginal contribution of i over
 *   all orders of the players in which every node's players are contiguous (enumerates all M!
 *   permutations and keeps the consistent ones; M <= 8).
 */
import type { ShapGame } from '../../lib/shap/game';
import type { PartitionTree } from '../../lib/shap/tree';

/** A value function on coalitions (mask of M bytes) returning K outputs. */
export type ValueFn = (mask: Uint8Array) => number[];

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Players under `node`. */
export function playersOf(tree: PartitionTree, node: number): number[] {
  const M = tree.players;
  if (node < M) return [node];
  return [...playersOf(tree, tree.left[node - M]), ...playersOf(tree, tree.right[node - M])];
}

/** Path from the root to leaf `i`: the list of [node, sibling] for every non-root node on it. */
function siblingsOnPath(tree: PartitionTree, i: number): number[] {
  const M = tree.players;
  const parent = new Map<number, number>();
  for (let n = M; n <= 2 * M - 2; n++) {
    parent.set(tree.left[n - M], n);
    parent.set(tree.right[n - M], n);
  }
  const sibs: number[] = [];
  for (let x = i; parent.has(x); x = parent.get(x) as number) {
    const p = parent.get(x) as number;
    sibs.push(tree.left[p - M] === x ? tree.right[p - M] : tree.left[p - M]);
  }
  return sibs;
}

/** Exact Owen values (K × M, row-major) by the coalition formula. */
export function owenByCoalitions(tree: PartitionTree, v: ValueFn, K: number): Float64Array {
  const M = tree.players;
  const phi = new Float64Array(K * M);
  for (let i = 0; i < M; i++) {
    const sibs = siblingsOnPath(tree, i);
    const d = sibs.length;
    // Each level's quotient game has m = 2 players: the sibling is in H (h = 1) or not (h = 0).
    const m = 2;
    for (let choice = 0; choice < 2 ** d; choice++) {
      const mask = new Uint8Array(M);
      let weight = 1;
      for (let k = 0; k < d; k++) {
        const h = (choice >> k) & 1;
        weight *= (factorial(h) * factorial(m - h - 1)) / factorial(m);
        if (h) for (const p of playersOf(tree, sibs[k])) mask[p] = 1;
      }
      const without = v(mask);
      mask[i] = 1;
      const withI = v(mask);
      for (let k = 0; k < K; k++) phi[k * M + i] += weight * (withI[k] - without[k]);
    }
  }
  return phi;
}

/** Exact Owen values by averaging over all hierarchy-consistent orders (M <= 8). */
export function owenByOrders(tree: PartitionTree, v: ValueFn, K: number): Float64Array {
  const M = tree.players;
  if (M > 8) throw new RangeError('owenByOrders enumerates M! orders: M <= 8');
  const groups: number[][] = [];
  for (let n = M; n <= 2 * M - 2; n++) groups.push(playersOf(tree, n));
  const phi = new Float64Array(K * M);
  let count = 0;
  const perm: number[] = [];
  const used = new Uint8Array(M);
  const consistent = () => {
    const pos = new Int32Array(M);
    perm.forEach((p, k) => (pos[p] = k));
    return groups.every((g) => {
      const ps = g.map((p) => pos[p]);
      return Math.max(...ps) - Math.min(...ps) === g.length - 1;
    });
  };
  const visit = () => {
    if (perm.length === M) {
      if (!consistent()) return;
      count++;
      const mask = new Uint8Array(M);
      let prev = v(mask);
      for (const p of perm) {
        mask[p] = 1;
        const cur = v(mask);
        for (let k = 0; k < K; k++) phi[k * M + p] += cur[k] - prev[k];
        prev = cur;
      }
      return;
    }
    for (let p = 0; p < M; p++) {
      if (used[p]) continue;
      used[p] = 1;
      perm.push(p);
      visit();
      perm.pop();
      used[p] = 0;
    }
  };
  visit();
  for (let k = 0; k < phi.length; k++) phi[k] /= count;
  return phi;
}

/** A ShapGame over `v` that records every coalition it is asked for and every call's size. */
export function recordingGame(M: number, K: number, v: ValueFn): ShapGame & { masks: string[]; calls: number[] } {
  const masks: string[] = [];
  const calls: number[] = [];
  return {
    players: M,
    masks,
    calls,
    outputs: () => K,
    async evaluate(m: Uint8Array, n: number) {
      calls.push(n);
      const out = new Float64Array(n * K);
      for (let r = 0; r < n; r++) {
        const row = m.slice(r * M, (r + 1) * M);
        masks.push(row.join(''));
        const f = v(row);
        for (let k = 0; k < K; k++) out[r * K + k] = f[k];
      }
      return out;
    },
  };
}
