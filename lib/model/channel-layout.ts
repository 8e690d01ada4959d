// SPDX-License-Identifier: MIT
/**
 * Which 4-D inputs limeshap reads as images, and where their channel dim sits: shared by model
 * loading (session.ts) and `limeshap inspect` (inspect/index.ts), which must agree.
 */
import { MAX_MODEL_CHANNELS } from './types';

/**
 * Where the channel dim of a 4-D input `[N, d1, d2, d3]` sits: the dim of size 3 (RGB, as before any
 * other count was accepted); else a fixed dim of 1..MAX_MODEL_CHANNELS, dim 1 (NCHW) or dim 3 (NHWC),
 * that is smaller than the other candidate or whose other candidate is dynamic, with the two dims left
 * (height, width) both fixed or both dynamic: `[N, 1, 28, 28]` and `[N, 1, h, w]` are NCHW,
 * `[N, 64, 64, 13]` and `[N, h, w, 13]` NHWC, `[N, c, 32, 32]` (the channels dynamic) is refused.
 */
export function channelLayout(shape: readonly unknown[]): 'nchw' | 'nhwc' | undefined {
  const [, d1, d2, d3] = shape;
  if (d1 === 3) return 'nchw';
  if (d3 === 3) return 'nhwc';
  const ok = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= MAX_MODEL_CHANNELS;
  const sameKind = (a: unknown, b: unknown) => (typeof a === 'number') === (typeof b === 'number');
  if (ok(d1) && (typeof d3 !== 'number' || d1 < d3) && sameKind(d2, d3)) return 'nchw';
  if (ok(d3) && (typeof d1 !== 'number' || d3 < d1) && sameKind(d1, d2)) return 'nhwc';
  return undefined;
}
