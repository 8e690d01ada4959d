// SPDX-License-Identifier: MIT
/**
 * What a segmentation method declares to be registered (registry.ts): its name, its numeric and
 * boolean parameters with defaults and ranges, and the function that runs it. Validation
 * (`segment()`), the CLI sweep's flags and usage text, and the hint at coarser parameters come
 * from these declarations, so a new method is one file plus one registry line.
 */
import type { RgbImage } from '../image';
import { optionalBoolean, optionalNumber, type NumberRule } from '../validate';

/** One parameter of a method. */
export interface SegmentParam {
  /** The option's name (scikit-image's name in camelCase). */
  readonly name: string;
  /** One line for usage texts and docs. */
  readonly summary: string;
  readonly default: number | boolean;
  /** Booleans: 'boolean'; numbers: the rule, or a function of the image for image-dependent bounds. */
  readonly rule: 'boolean' | NumberRule | ((image: { width: number; height: number }) => NumberRule);
  /** `limeshap segment` sweeps it (a comma list flag), tagging output files with `tag`. */
  readonly sweep?: { readonly tag: string };
}

/** What a method's `run` returns: the count, the parameters to echo, and (for 'labels') the mapping. */
export interface SegmentRun {
  count: number;
  params: Record<string, number | boolean>;
  mapping?: Int32Array;
}

export interface SegmentMethodSpec {
  /** The `method` option's value. */
  readonly name: string;
  readonly summary: string;
  readonly params: readonly SegmentParam[];
  /** Options it takes that are not parameters of the table above (e.g. the label map). */
  readonly extraOptions?: readonly string[];
  /** How to get fewer segments, for the MAX_SEGMENTS error. */
  readonly coarser: string;
  /** Whether `limeshap segment` offers it. */
  readonly sweep: boolean;
  /**
   * Writes labels 0..count-1 into `labels` (width × height, row-major) for checked `params`.
   * `options` holds the caller's extra options, `seed` the seed every method echoes.
   */
  run(
    rgb: RgbImage,
    params: Record<string, number | boolean>,
    seed: number,
    labels: Int32Array,
    options: Readonly<Record<string, unknown>>,
  ): Promise<SegmentRun>;
}

/**
 * Checks a method's parameters in `options` and fills the defaults. Without an image, bounds that
 * depend on it are not checked (they are when the method runs).
 */
export function resolveParams(
  spec: SegmentMethodSpec,
  options: Readonly<Record<string, unknown>>,
  image?: { width: number; height: number },
): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const p of spec.params) {
    const value = options[p.name];
    if (p.rule === 'boolean') {
      out[p.name] = optionalBoolean(p.name, value, p.default as boolean);
    } else if (typeof p.rule === 'function') {
      // Without an image, everything but the image-dependent bounds is checked.
      const rule = p.rule(image ?? { width: Infinity, height: Infinity });
      out[p.name] = optionalNumber(p.name, value, p.default as number, image ? rule : { ...rule, max: undefined });
    } else {
      out[p.name] = optionalNumber(p.name, value, p.default as number, p.rule);
    }
  }
  return out;
}
