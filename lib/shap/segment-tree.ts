// SPDX-License-Identifier: MIT
/** A partition tree over superpixels: adjacent segments merged agglomeratively by colour. */
import { binding } from '../native';
import { checkNumber, rangeError, typeError } from '../validate';
import { Heap } from './heap';
import { validateTree, type PartitionTree } from './tree';

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
  // CIE Lab from the addon: the one conversion quickshift and SLIC use (native/segment/color.h).
  const lab = new Float64Array(3 * P);
  binding.rgbToLab(rgb, width, height, lab);
  for (let p = 0; p < P; p++) {
    const s = labels[p];
    if (s === -1) continue;
    if (!Number.isInteger(s) || s < 0 || s >= M) throw rangeError(`labels[${p}]`, `a label in [0, ${M - 1}] or -1 (no segment)`, s);
    n[s]++;
    sum[3 * s] += lab[3 * p];
    sum[3 * s + 1] += lab[3 * p + 1];
    sum[3 * s + 2] += lab[3 * p + 2];
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
        if (b >= 0 && b !== a) {
          adj[a].add(b);
          adj[b].add(a);
        }
      }
      if (r + 1 < height) {
        const b = labels[p + width];
        if (b >= 0 && b !== a) {
          adj[a].add(b);
          adj[b].add(a);
        }
      }
    }
  }
  const left = new Int32Array(M - 1);
  const right = new Int32Array(M - 1);
  const size = new Int32Array(M - 1);
  const alive = new Uint8Array(N);
  for (let s = 0; s < M; s++) alive[s] = 1;
  const dist = (a: number, b: number): number => {
    const na = n[a],
      nb = n[b];
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
    const lo = Math.min(a, b),
      hi = Math.max(a, b);
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
