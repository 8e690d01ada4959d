// SPDX-License-Identifier: MIT
/** shap's partition tree over the pixels of an image (Partition's default over pixel features). */
import { checkNumber, rangeError } from '../validate';
import { Heap } from './heap';
import { trustTree, type PartitionTree } from './tree';

// Image trees depend only on the size and are immutable: build each size once.
const imageTrees = new Map<string, PartitionTree>();

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
    a.size !== b.size
      ? a.size > b.size
      : a.r0 !== b.r0
        ? a.r0 < b.r0
        : a.r1 !== b.r1
          ? a.r1 < b.r1
          : a.c0 !== b.c0
            ? a.c0 < b.c0
            : a.c1 < b.c1,
  );
  const link = (parent: number, isLeft: boolean, id: number) => {
    if (parent < 0) return;
    if (isLeft) left[parent - M] = id;
    else right[parent - M] = id;
  };
  const push = (r0: number, r1: number, c0: number, c1: number, parent: number, isLeft: boolean) => {
    const s = (r1 - r0) * (c1 - c0);
    if (s === 1)
      link(parent, isLeft, r0 * width + c0); // a leaf: the pixel's own id
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
  const tree = trustTree({ players: M, left, right, size, width, rects });
  imageTrees.set(key, tree);
  return tree;
}
