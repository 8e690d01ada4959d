// SPDX-License-Identifier: MIT
/**
 * The segmentation methods `segment()` and the explainers offer: one line each. Validation,
 * defaults, the CLI sweep's flags and usage, and error hints read this list; see method.ts for what
 * an entry declares.
 */
import { grid } from './grid';
import { labels } from './labels';
import type { SegmentMethodSpec } from './method';
import { quickshift } from './quickshift';
import { slic } from './slic';

/** Registered methods; the first is the default (LIME's). */
export const SEGMENT_REGISTRY = [quickshift, slic, grid, labels] as const satisfies readonly SegmentMethodSpec[];

/** The `method` option's values. */
export type SegmentMethod = (typeof SEGMENT_REGISTRY)[number]['name'];

/** The method names, default first. */
export const SEGMENT_METHODS: readonly SegmentMethod[] = SEGMENT_REGISTRY.map((m) => m.name);

/** The registered method called `name` (a checked option value). */
export function segmentMethod(name: SegmentMethod): SegmentMethodSpec {
  return SEGMENT_REGISTRY.find((m) => m.name === name) as SegmentMethodSpec;
}
