// SPDX-License-Identifier: MIT
/**
 * The features an evaluation switches on and off: a LIME result's or a superpixel SHAP result's
 * segments (one feature set for every class), or for pixel-level SHAP, each class's pixels ranked
 * by value and grouped into `steps` equal chunks — a label map per class, so the same masks and
 * engine apply as for segments.
 */
import { descendingOrder } from '../rank';
import { backgroundImage, type Background } from '../background';
import { maskEvaluator } from '../mask-evaluator';
import type { RgbImage } from '../image';
import type { Model } from '../model';
import type { ResolvedPreprocess } from '../preprocess';
import type { ClassFeatures, FeatureSet } from './metric';

/** One explained class as the metrics see it, before its features are built. */
export interface Attributed {
  index: number;
  label: string;
  /** Per segment, or per pixel when `pixels`. */
  values: Float64Array;
}

/**
 * Builds each class's features and their evaluators (substrate image `substrate`).
 * @param segments - the segmentation's labels and count, or undefined for pixel features.
 * @param steps - chunks per class for pixel features.
 */
export async function buildFeatures(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  substrate: Background,
  classes: Attributed[],
  segments: { labels: Int32Array; count: number } | undefined,
  steps: number,
): Promise<ClassFeatures[]> {
  if (segments) {
    const hide = await backgroundImage('substrate', substrate, rgb, segments.labels, segments.count);
    const set: FeatureSet = { ...segments, evaluator: maskEvaluator(model, pre, rgb, hide, segments.labels, segments.count) };
    return classes.map((c) => ({ index: c.index, label: c.label, set, phi: c.values, order: descendingOrder(c.values) }));
  }
  // Over pixels, 'mean' is the whole image's mean colour (as SHAP's masker over pixels).
  const hide = await backgroundImage('substrate', substrate, rgb, undefined, 1);
  const P = rgb.width * rgb.height;
  return classes.map((c) => {
    const rank = descendingOrder(c.values);
    const labels = new Int32Array(P);
    const phi = new Float64Array(steps);
    for (let r = 0; r < P; r++) {
      const chunk = Math.floor((r * steps) / P);
      labels[rank[r]] = chunk;
      phi[chunk] += c.values[rank[r]];
    }
    const set: FeatureSet = { labels, count: steps, evaluator: maskEvaluator(model, pre, rgb, hide, labels, steps) };
    // Chunk 0 holds the highest-ranked pixels: the order is the chunks' own.
    return { index: c.index, label: c.label, set, phi, order: Int32Array.from({ length: steps }, (_, i) => i) };
  });
}

/** The distinct feature sets of `classes`, each with its classes (segments: one set for all). */
export function bySet(classes: ClassFeatures[]): Map<FeatureSet, number[]> {
  const sets = new Map<FeatureSet, number[]>();
  classes.forEach((c, j) => sets.set(c.set, [...(sets.get(c.set) ?? []), j]));
  return sets;
}
