// SPDX-License-Identifier: MIT
/**
 * Segment boundaries with scikit-image `find_boundaries` / `mark_boundaries`
 * semantics (modes `'thick'`, `'inner'`, `'outer'`; connectivity 1). By hand: these are
 * morphology on label maps with skimage's exact rules, which sharp does not have.
 */
import { checkRgbImage } from '../image';
import { checkChoice, checkNumber } from '../validate';
import { type Rgb, type RgbImage, checkLabels, checkRgb, cloneImage } from './raster';

/** Boundary modes of {@link findBoundaries} (scikit-image names). */
export type BoundaryMode = 'thick' | 'inner' | 'outer';

const BOUNDARY_MODES: readonly BoundaryMode[] = ['thick', 'inner', 'outer'];

const INT32_MAX = 2147483647;

/**
 * Morphological max/min over a 4-neighbourhood (cross, connectivity 1) or
 * 8-neighbourhood (3×3 square). Pixels outside the image are ignored, which
 * equals scipy's default `mode='reflect'` border handling for these footprints.
 */
function morph(src: Int32Array, w: number, h: number, full: boolean, max: boolean): Int32Array {
  const out = new Int32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let v = src[i] ?? 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          if (!full && dx !== 0 && dy !== 0) continue;
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const n = src[yy * w + xx] ?? 0;
          if (max ? n > v : n < v) v = n;
        }
      }
      out[i] = v;
    }
  }
  return out;
}

/** Options of {@link findBoundaries}. */
export interface FindBoundariesOptions {
  /**
   * `'thick'`: every pixel with a 4-neighbour of another label (both sides).
   * `'inner'`: thick boundary pixels that are not background.
   * `'outer'`: thick boundary pixels on the background side, plus pixels
   *   between two different non-background labels (skimage's exact rule).
   * Default `'thick'` (skimage's `find_boundaries` default).
   */
  mode?: BoundaryMode;
  /** Label treated as background by `'inner'` and `'outer'` (default 0). */
  background?: number;
}

/**
 * Boolean boundary mask of a label map, like
 * `skimage.segmentation.find_boundaries(labels, connectivity=1, mode, background)`.
 * @param labels - Int32Array label map, row-major, `width * height`
 * @param width - map width in pixels
 * @param height - map height in pixels
 * @param options - mode (default `'thick'`), background label (default 0)
 * @returns a Uint8Array of 0/1, `width * height`
 */
export function findBoundaries(labels: Int32Array, width: number, height: number, options: FindBoundariesOptions = {}): Uint8Array {
  checkNumber('width', width, { integer: true, min: 1 });
  checkNumber('height', height, { integer: true, min: 1 });
  checkLabels('labels', labels, width, height);
  const mode = checkChoice('options.mode', options.mode ?? 'thick', BOUNDARY_MODES);
  const bg = checkNumber('options.background', options.background ?? 0, { integer: true });
  const n = width * height;
  const dil = morph(labels, width, height, false, true);
  const ero = morph(labels, width, height, false, false);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = dil[i] !== ero[i] ? 1 : 0;
  if (mode === 'inner') {
    for (let i = 0; i < n; i++) if (labels[i] === bg) out[i] = 0;
  } else if (mode === 'outer') {
    const inverted = new Int32Array(labels);
    for (let i = 0; i < n; i++) if (inverted[i] === bg) inverted[i] = INT32_MAX;
    const dil8 = morph(labels, width, height, true, true);
    const ero8 = morph(inverted, width, height, true, false);
    for (let i = 0; i < n; i++) {
      if (out[i] === 0) continue;
      const isBg = labels[i] === bg;
      const adjacentObjects = dil8[i] !== ero8[i] && !isBg;
      out[i] = isBg || adjacentObjects ? 1 : 0;
    }
  }
  return out;
}

/** Options of {@link markBoundaries}. */
export interface MarkBoundariesOptions {
  /** Boundary colour (default yellow `[255, 255, 0]`, skimage's `(1, 1, 0)`). */
  color?: Rgb;
  /** Boundary mode, see {@link FindBoundariesOptions.mode} (default `'outer'`, as skimage's `mark_boundaries`). */
  mode?: BoundaryMode;
  /** Background label for `'inner'`/`'outer'` (default 0, skimage's `background_label`). */
  backgroundLabel?: number;
  /**
   * If given, the boundaries dilated by a 3×3 square are first painted in
   * this colour (skimage's `outline_color`). Default: none.
   */
  outlineColor?: Rgb;
}

/**
 * Returns a copy of `image` with label boundaries painted, like
 * `skimage.segmentation.mark_boundaries(image, labels, color=(1,1,0),
 * outline_color=None, mode='outer', background_label=0)` (scaled to 8 bits).
 * Note that with skimage semantics label `backgroundLabel` (0) is treated as
 * background in `'outer'`/`'inner'` mode even when it is an ordinary segment.
 * @param image - RGB image
 * @param labels - Int32Array label map, `image.width * image.height`
 * @param options - colour (default `[255, 255, 0]`), mode (default `'outer'`),
 *   background label (default 0), outline colour (default none)
 */
export function markBoundaries(image: RgbImage, labels: Int32Array, options: MarkBoundariesOptions = {}): RgbImage {
  checkRgbImage('image', image);
  checkLabels('labels', labels, image.width, image.height);
  const color = options.color ?? [255, 255, 0];
  checkRgb('options.color', color);
  const mode = checkChoice('options.mode', options.mode ?? 'outer', BOUNDARY_MODES);
  const b = findBoundaries(labels, image.width, image.height, {
    mode,
    background: options.backgroundLabel ?? 0,
  });
  const out = cloneImage(image);
  const d = out.data;
  const w = image.width;
  const h = image.height;
  if (options.outlineColor !== undefined) {
    const oc = options.outlineColor;
    checkRgb('options.outlineColor', oc);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let hit = false;
        for (let dy = -1; dy <= 1 && !hit; dy++) {
          for (let dx = -1; dx <= 1 && !hit; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w && b[yy * w + xx] === 1) hit = true;
          }
        }
        if (hit) {
          const i = (y * w + x) * 3;
          d[i] = oc[0];
          d[i + 1] = oc[1];
          d[i + 2] = oc[2];
        }
      }
    }
  }
  for (let p = 0; p < b.length; p++) {
    if (b[p] === 1) {
      d[3 * p] = color[0];
      d[3 * p + 1] = color[1];
      d[3 * p + 2] = color[2];
    }
  }
  return out;
}
