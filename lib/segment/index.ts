// SPDX-License-Identifier: MIT
/**
 * Superpixel segmentation. The folder, by job:
 * - registry.ts: the methods, one line each (quickshift.ts, slic.ts, grid.ts, labels.ts);
 * - method.ts: what a method declares, and the parameter checks derived from it;
 * - segment.ts: `segment()` and `segmentRgb()`;
 * - explained.ts: the segmentation an explanation works on (ready ones checked and copied; MAX_SEGMENTS);
 * - types.ts: `SegmentOptions` and `Segmentation`.
 */
export { MAX_SEGMENTS, ownSegmentation, resolveSegmentation, withOwnSegmentation } from './explained';
export { SEGMENT_METHODS, SEGMENT_REGISTRY, segmentMethod, type SegmentMethod } from './registry';
export type { SegmentMethodSpec, SegmentParam } from './method';
export { resolveSegmentOptions, segment, segmentRgb } from './segment';
export type { Segmentation, SegmentOptions } from './types';
