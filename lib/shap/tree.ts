// SPDX-License-Identifier: MIT
/**
 * Partition hierarchies for Owen values (PartitionExplainer): binary trees over the M players.
 *
 * Convention (scipy's linkage convention, as shap stores `masker.clustering`):
 * - leaves are the players `0..M-1`;
 * - internal nodes are `M..2M-2`; row `i` of `left`/`right`/`size` describes node `M + i`;
 * - every child id is smaller than its parent's id, so the root is `2M-2` (and `0` when M = 1:
 *   a single player is a leaf and the whole tree);
 * - `size[i]` is the number of players (leaves) under node `M + i`.
 *
 * Builders: `imageTree` (image-tree.ts: shap's axis-aligned bisection of the pixel grid),
 * `segmentTree` (segment-tree.ts: agglomerative merging of adjacent superpixels by colour),
 * {@link makeTree} (your own children arrays) and {@link validateTree} (checks a tree handed in by a
 * caller).
 */
import { checkNumber, describe, typeError, rangeError } from '../validate';

/** A binary partition hierarchy over `players` players (see the module comment for the ids). */
export interface PartitionTree {
  /** Number of players M (>= 1). */
  readonly players: number;
  /** M-1 entries: left child of internal node M+i. */
  readonly left: Int32Array;
  /** M-1 entries: right child of internal node M+i. */
  readonly right: Int32Array;
  /** M-1 entries: players under internal node M+i. */
  readonly size: Int32Array;
  /**
   * Image trees only ({@link imageTree}): row-major width, and 4 entries per internal node M+i
   * (r0, r1, c0, c1: the node's rectangle, ends exclusive), so a coalition is painted with row fills.
   */
  readonly width?: number;
  readonly rects?: Int32Array;
}

// Trees built by this folder's builders are valid by construction; validateTree skips them.
const trusted = new WeakSet<PartitionTree>();

/** @internal Marks a tree built by a builder of this folder as valid (validateTree then skips it). */
export function trustTree(tree: PartitionTree): PartitionTree {
  trusted.add(tree);
  return tree;
}

/** The root's id: 2M-2 (0 for a single player). */
export function treeRoot(tree: PartitionTree): number {
  return 2 * tree.players - 2;
}

/** Players under `node` (1 for a leaf). */
export function nodeSize(tree: PartitionTree, node: number): number {
  return node < tree.players ? 1 : tree.size[node - tree.players];
}

/**
 * Players in depth-first order (left before right) and, per node (0..2M-2), the range
 * `order[start[node] .. start[node] + size]` of its players: every node's players are contiguous.
 */
export function leafOrder(tree: PartitionTree): { order: Int32Array; start: Int32Array } {
  const M = tree.players;
  const order = new Int32Array(M);
  const start = new Int32Array(2 * M - 1);
  // Top-down: parents have larger ids than children, so descending ids visit parents first.
  start[treeRoot(tree)] = 0;
  for (let n = 2 * M - 2; n >= M; n--) {
    const i = n - M;
    const l = tree.left[i];
    start[l] = start[n];
    start[tree.right[i]] = start[n] + nodeSize(tree, l);
  }
  for (let p = 0; p < M; p++) order[start[p]] = p;
  return { order, start };
}

/** Depth of every node (root 0), ids 0..2M-2. */
export function nodeDepths(tree: PartitionTree): Int32Array {
  const M = tree.players;
  const depth = new Int32Array(2 * M - 1);
  for (let n = 2 * M - 2; n >= M; n--) {
    depth[tree.left[n - M]] = depth[n] + 1;
    depth[tree.right[n - M]] = depth[n] + 1;
  }
  return depth;
}

/**
 * Coalition evaluations the Owen recursion needs to finish without truncation: the 2 base ones plus,
 * for every internal node at depth d, 2 per context (2^d contexts), i.e. 2 + Σ 2^(d+1). For a
 * balanced tree this is quadratic (about 2M²/3 when M is a power of two: 44 for M = 8); for a chain
 * it is exponential. A `maxEvals` at least this large gives exact Owen values.
 */
export function exactOwenEvals(tree: PartitionTree): number {
  const M = tree.players;
  const depth = nodeDepths(tree);
  let total = 2;
  for (let n = M; n <= 2 * M - 2; n++) total += 2 ** (depth[n] + 1);
  return total;
}

/**
 * Builds a tree from children arrays (sizes computed), then validates it.
 * @param left - left child of internal node M+i, M-1 entries.
 * @param right - right child of internal node M+i, M-1 entries.
 */
export function makeTree(players: number, left: ArrayLike<number>, right: ArrayLike<number>): PartitionTree {
  checkNumber('players', players, { integer: true, min: 1 });
  const M = players;
  if (left.length !== M - 1) throw rangeError('left', `${M - 1} children (players - 1)`, left);
  if (right.length !== M - 1) throw rangeError('right', `${M - 1} children (players - 1)`, right);
  const L = Int32Array.from(left);
  const R = Int32Array.from(right);
  const size = new Int32Array(M - 1);
  for (let i = 0; i < M - 1; i++) {
    const n = M + i;
    for (const [name, c] of [
      ['left', L[i]],
      ['right', R[i]],
    ] as const) {
      if (!Number.isInteger(Number(c)) || c < 0 || c >= n) {
        throw rangeError(`tree.${name}[${i}]`, `a node id in [0, ${n - 1}] (children have smaller ids than their parent ${n})`, c);
      }
    }
    size[i] = (L[i] < M ? 1 : size[L[i] - M]) + (R[i] < M ? 1 : size[R[i] - M]);
  }
  return validateTree({ players: M, left: L, right: R, size });
}

/**
 * Checks a caller-provided tree: types, lengths, child ids below their parent's id, every node but
 * the root the child of exactly one parent, and consistent sizes. Returns the tree.
 * @throws TypeError for wrong types, RangeError for wrong values.
 */
export function validateTree(tree: unknown, name = 'tree'): PartitionTree {
  if (trusted.has(tree as PartitionTree)) return tree as PartitionTree;
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    throw typeError(name, 'a partition tree { players, left, right, size }', tree);
  }
  const t = tree as Record<string, unknown>;
  if (typeof t.players !== 'number') throw typeError(`${name}.players`, 'an integer >= 1', t.players);
  const M = checkNumber(`${name}.players`, t.players, { integer: true, min: 1, max: 2 ** 30 });
  for (const key of ['left', 'right', 'size'] as const) {
    const a = t[key];
    if (!(a instanceof Int32Array)) throw typeError(`${name}.${key}`, 'an Int32Array', a);
    if (a.length !== M - 1) throw rangeError(`${name}.${key}`, `an Int32Array of ${M - 1} entries (players - 1)`, a);
  }
  const left = t.left as Int32Array;
  const right = t.right as Int32Array;
  const size = t.size as Int32Array;
  const parent = new Int32Array(2 * M - 1).fill(-1);
  for (let i = 0; i < M - 1; i++) {
    const n = M + i;
    for (const [key, c] of [
      ['left', left[i]],
      ['right', right[i]],
    ] as const) {
      if (c < 0 || c >= n) {
        throw new RangeError(
          `Expected ${name}.${key}[${i}] (a child of node ${n}) to be a node id in [0, ${n - 1}]: children must have smaller ids than their parent, but received ${c}`,
        );
      }
      if (parent[c] >= 0) {
        throw new RangeError(`Expected every node of ${name} to have one parent, but node ${c} is a child of both ${parent[c]} and ${n}`);
      }
      parent[c] = n;
    }
    const expected = (left[i] < M ? 1 : size[left[i] - M]) + (right[i] < M ? 1 : size[right[i] - M]);
    if (size[i] !== expected) {
      throw new RangeError(`Expected ${name}.size[${i}] (players under node ${n}) to be ${expected} but received ${describe(size[i])}`);
    }
  }
  // M-1 internal nodes give 2M-2 child slots, all distinct, all below 2M-2: every non-root node has
  // exactly one parent, and ids increase towards the root, so this is one tree rooted at 2M-2.
  return tree as PartitionTree;
}
