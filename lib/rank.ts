// SPDX-License-Identifier: MIT
/** Orders of values, the one way every part ranks features or classes (ties: lower index first). */

/** Indices of `v` by decreasing value, ties by lower index. */
export function descendingOrder(v: ArrayLike<number>): Int32Array {
  return Int32Array.from(Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[b] - v[a] || a - b));
}

/** Indices of the k largest values of `v` (ties: lower index first), highest first. */
export function topK(v: ArrayLike<number>, k: number): number[] {
  return Array.from(descendingOrder(v).subarray(0, k));
}
