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
 * Builders: {@link imageTree} (shap's axis-aligned bisection of the pixel grid), {@link segmentTree}
 * (agglomerative merging of adjacent superpixels by colour), {@link makeTree} (your own children
 * arrays) and {@link validateTree} (checks a tree handed in by a caller).
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

// Trees built here are valid by construction; validateTree skips them.
const trusted = new WeakSet<PartitionTree>();
// Image trees depend only on the size and are immutable: build each size once.
const imageTrees = new Map<string, PartitionTree>();

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
    for (const [name, c] of [['left', L[i]], ['right', R[i]]] as const) {
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
    for (const [key, c] of [['left', left[i]], ['right', right[i]]] as const) {
      if (c < 0 || c >= n) {
        throw new RangeError(`Expected ${name}.${key}[${i}] (a child of node ${n}) to be a node id in [0, ${n - 1}]: children must have smaller ids than their parent, but received ${c}`);
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

// ------------------------------------------------------------------------------------------------
// A small binary heap (smallest first by `less`), shared with partition.ts.

/** @internal */
export class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get length(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

// ------------------------------------------------------------------------------------------------
// shap's image tree.

interface Region {
  size: number;
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  parent: number;
  isLeft: boolean;
}

/**
 * shap's partition tree for an image (`shap.maskers.Image(...).clustering`, built by
 * `_jit_build_partition_tree`): best-first axis-aligned bisection. The largest region is split
 * first (ties: smallest row range, then column range, lexicographically, as shap's heap tuples
 * order them); a region splits its rows when height >= width, else its columns, at
 * `min + size//2` (the first half is the smaller one when odd). Internal ids are handed out in pop
 * order from the root 2M-2 downwards, exactly as shap does.
 *
 * Deviations from shap, both deliberate:
 * - channels stay together: a player is a pixel (M = H·W; player p = row-major pixel index
 *   `row·width + col`). shap's tree is over H·W·C elements and splits the channels of a single
 *   pixel last; for a single-channel image the two trees are the same.
 * - leaf ids are not reversed: shap's element p is leaf M-1-p (a harmless point reflection).
 *   Internal node ids are identical to shap's (for C = 1).
 */
export function imageTree(height: number, width: number): PartitionTree {
  checkNumber('height', height, { integer: true, min: 1 });
  checkNumber('width', width, { integer: true, min: 1 });
  const key = `${height}x${width}`;
  const cached = imageTrees.get(key);
  if (cached) return cached;
  const M = height * width;
  if (M > 2 ** 30) throw rangeError('height × width', 'at most 2^30 pixels', M);
  const left = new Int32Array(M - 1);
  const right = new Int32Array(M - 1);
  const size = new Int32Array(M - 1);
  const rects = new Int32Array(4 * Math.max(0, M - 1));
  const heap = new Heap<Region>((a, b) =>
    a.size !== b.size ? a.size > b.size : a.r0 !== b.r0 ? a.r0 < b.r0 : a.r1 !== b.r1 ? a.r1 < b.r1 : a.c0 !== b.c0 ? a.c0 < b.c0 : a.c1 < b.c1,
  );
  const link = (parent: number, isLeft: boolean, id: number) => {
    if (parent < 0) return;
    if (isLeft) left[parent - M] = id;
    else right[parent - M] = id;
  };
  const push = (r0: number, r1: number, c0: number, c1: number, parent: number, isLeft: boolean) => {
    const s = (r1 - r0) * (c1 - c0);
    if (s === 1) link(parent, isLeft, r0 * width + c0); // a leaf: the pixel's own id
    else heap.push({ size: s, r0, r1, c0, c1, parent, isLeft });
  };
  push(0, height, 0, width, -1, false);
  let next = 2 * M - 2;
  while (heap.length > 0) {
    const g = heap.pop() as Region;
    const id = next--;
    link(g.parent, g.isLeft, id);
    size[id - M] = g.size;
    rects.set([g.r0, g.r1, g.c0, g.c1], 4 * (id - M));
    const h = g.r1 - g.r0;
    const w = g.c1 - g.c0;
    if (h >= w) {
      const mid = g.r0 + (h >> 1);
      push(g.r0, mid, g.c0, g.c1, id, true);
      push(mid, g.r1, g.c0, g.c1, id, false);
    } else {
      const mid = g.c0 + (w >> 1);
      push(g.r0, g.r1, g.c0, mid, id, true);
      push(g.r0, g.r1, mid, g.c1, id, false);
    }
  }
  const tree = { players: M, left, right, size, width, rects };
  trusted.add(tree);
  imageTrees.set(key, tree);
  return tree;
}

// ------------------------------------------------------------------------------------------------
// Superpixel tree.

/** sRGB (0..255) → CIE Lab (D65), as skimage.color.rgb2lab. */
function labTable(): Float64Array {
  const lin = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    lin[v] = c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92;
  }
  return lin;
}

function toLab(lin: Float64Array, r: number, g: number, b: number, out: Float64Array, at: number): void {
  const R = lin[r], G = lin[g], B = lin[b];
  const x = (0.412453 * R + 0.35758 * G + 0.180423 * B) / 0.95047;
  const y = 0.212671 * R + 0.71516 * G + 0.072169 * B;
  const z = (0.019334 * R + 0.119193 * G + 0.950227 * B) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const fx = f(x), fy = f(y), fz = f(z);
  out[at] = y > 0.008856 ? 116 * fy - 16 : 903.3 * y;
  out[at + 1] = 500 * (fx - fy);
  out[at + 2] = 200 * (fy - fz);
}

interface Pair {
  d: number;
  a: number;
  b: number;
}

/**
 * A hierarchy over superpixels (players = segments, player s = label s), built by agglomerative
 * merging of ADJACENT regions (4-connectivity) with Ward's criterion on mean CIE Lab colour:
 * the next merge is the adjacent pair minimising `nA·nB/(nA+nB) · ‖μA − μB‖²` (n = pixels), so
 * similar colours merge first and small regions are absorbed before large ones (balanced trees keep
 * the Owen recursion cheap). Ties go to the pair with the smallest (lower id, higher id); new nodes
 * get ids M, M+1, … in merge order, so the result is deterministic.
 *
 * Regions the adjacency graph cannot reach (parts separated by pixels labelled -1, which belong to
 * no segment) are then merged by the same colour criterion regardless of adjacency. Segments with no
 * pixel at all are chained last (by id) and joined to the rest at the root: a game that ignores
 * them gives them nothing.
 *
 * @param labels - one label per pixel, row-major, in [0, count) or -1 (no segment).
 * @param rgb - the image, HWC, 3 bytes per pixel.
 */
export function segmentTree(labels: Int32Array, width: number, height: number, count: number, rgb: Uint8Array): PartitionTree {
  checkNumber('width', width, { integer: true, min: 1 });
  checkNumber('height', height, { integer: true, min: 1 });
  checkNumber('count', count, { integer: true, min: 1, max: 2 ** 30 });
  if (!(labels instanceof Int32Array)) throw typeError('labels', 'an Int32Array', labels);
  if (!(rgb instanceof Uint8Array)) throw typeError('rgb', 'a Uint8Array (HWC, 3 bytes per pixel)', rgb);
  const P = width * height;
  if (labels.length !== P) throw rangeError('labels', `${P} labels (width × height)`, labels);
  if (rgb.length !== 3 * P) throw rangeError('rgb', `${3 * P} bytes (width × height × 3)`, rgb);
  const M = count;
  const N = 2 * M - 1;
  // Per node: pixel count and Lab sums (means = sums / n).
  const n = new Float64Array(N);
  const sum = new Float64Array(3 * N);
  const lin = labTable();
  const lab = new Float64Array(3);
  for (let p = 0; p < P; p++) {
    const s = labels[p];
    if (s === -1) continue;
    if (!Number.isInteger(s) || s < 0 || s >= M) throw rangeError(`labels[${p}]`, `a label in [0, ${M - 1}] or -1 (no segment)`, s);
    toLab(lin, rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], lab, 0);
    n[s]++;
    sum[3 * s] += lab[0];
    sum[3 * s + 1] += lab[1];
    sum[3 * s + 2] += lab[2];
  }
  // Region adjacency (4-connectivity) between distinct labels.
  const adj: Set<number>[] = [];
  for (let i = 0; i < N; i++) adj.push(new Set());
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const p = r * width + c;
      const a = labels[p];
      if (a < 0) continue;
      if (c + 1 < width) {
        const b = labels[p + 1];
        if (b >= 0 && b !== a) adj[a].add(b), adj[b].add(a);
      }
      if (r + 1 < height) {
        const b = labels[p + width];
        if (b >= 0 && b !== a) adj[a].add(b), adj[b].add(a);
      }
    }
  }
  const left = new Int32Array(M - 1);
  const right = new Int32Array(M - 1);
  const size = new Int32Array(M - 1);
  const alive = new Uint8Array(N);
  for (let s = 0; s < M; s++) alive[s] = 1;
  const dist = (a: number, b: number): number => {
    const na = n[a], nb = n[b];
    if (na + nb === 0) return 0;
    let d2 = 0;
    for (let k = 0; k < 3; k++) {
      const diff = sum[3 * a + k] / (na || 1) - sum[3 * b + k] / (nb || 1);
      d2 += diff * diff;
    }
    return ((na * nb) / (na + nb)) * d2;
  };
  const pair = (a: number, b: number): Pair => (a < b ? { d: dist(a, b), a, b } : { d: dist(a, b), a: b, b: a });
  const less = (x: Pair, y: Pair) => (x.d !== y.d ? x.d < y.d : x.a !== y.a ? x.a < y.a : x.b < y.b);
  let next = M;
  const merge = (a: number, b: number): number => {
    const id = next++;
    const lo = Math.min(a, b), hi = Math.max(a, b);
    left[id - M] = lo;
    right[id - M] = hi;
    size[id - M] = (lo < M ? 1 : size[lo - M]) + (hi < M ? 1 : size[hi - M]);
    n[id] = n[a] + n[b];
    for (let k = 0; k < 3; k++) sum[3 * id + k] = sum[3 * a + k] + sum[3 * b + k];
    alive[a] = 0;
    alive[b] = 0;
    alive[id] = 1;
    return id;
  };

  // Phase 1: adjacent merges only.
  const heap = new Heap<Pair>(less);
  for (let a = 0; a < M; a++) for (const b of adj[a]) if (a < b) heap.push(pair(a, b));
  while (heap.length > 0) {
    const { a, b } = heap.pop() as Pair;
    if (!alive[a] || !alive[b]) continue; // stale
    const id = merge(a, b);
    for (const x of [a, b]) {
      for (const y of adj[x]) {
        if (y === a || y === b || !alive[y]) continue;
        adj[id].add(y);
        adj[y].delete(x);
        adj[y].add(id);
      }
      adj[x].clear();
    }
    for (const y of adj[id]) heap.push(pair(id, y));
  }

  // Phase 2: what adjacency could not join, by colour alone (non-empty regions only).
  const rest: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < next; i++) if (alive[i]) (i < M && n[i] === 0 ? empty : rest).push(i);
  if (rest.length > 1) {
    const h2 = new Heap<Pair>(less);
    for (let i = 0; i < rest.length; i++) for (let j = i + 1; j < rest.length; j++) h2.push(pair(rest[i], rest[j]));
    let live = rest.length;
    while (live > 1) {
      const { a, b } = h2.pop() as Pair;
      if (!alive[a] || !alive[b]) continue;
      const id = merge(a, b);
      live--;
      for (let y = 0; y < id; y++) if (alive[y] && n[y] > 0) h2.push(pair(id, y));
    }
  }
  // Phase 3: empty segments chained by id, then joined with the rest at the root.
  let top = -1;
  for (let i = 0; i < next; i++) if (alive[i] && !(i < M && n[i] === 0)) top = i;
  let emptyTop = -1;
  for (const e of empty) emptyTop = emptyTop < 0 ? e : merge(emptyTop, e);
  if (top >= 0 && emptyTop >= 0) merge(top, emptyTop);
  return validateTree({ players: M, left, right, size });
}
