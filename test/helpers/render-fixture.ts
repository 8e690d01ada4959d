// SPDX-License-Identifier: MIT
/**
 * A small synthetic scene for the renderer tests: an image, a label map, per-segment weights and
 * per-pixel values, all computed from formulas (no files, no model), and the pictures every
 * renderer draws from them.
 */
import type { RgbImage } from '../../lib/image';
import { contactSheet, heatmap, limeImage, markBoundaries, shapPlot } from '../../lib/render';

export const W = 64;
export const H = 48;

/** A colourful 64×48 pattern (every channel varies in x and y). */
export function sceneImage(): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      data[i] = (x * 4 + y) % 256;
      data[i + 1] = (y * 5 + ((x * x) % 37)) % 256;
      data[i + 2] = (200 - x * 2 - y * 2 + 256) % 256;
    }
  }
  return { data, width: W, height: H };
}

/** 48 segments: a grid of 8×8 cells whose vertical edges are sheared every 4 rows. */
export function sceneLabels(): Int32Array {
  const labels = new Int32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) labels[y * W + x] = (Math.floor((x + (y >> 2)) / 8) % 8) + 8 * Math.floor(y / 8);
  }
  return labels;
}

/** One weight per segment, both signs, segment 7 absent from the explanation (NaN). */
export function sceneWeights(): Float64Array {
  const w = Float64Array.from({ length: 48 }, (_, s) => Math.sin(s * 1.7) * (s % 5));
  w[7] = NaN;
  return w;
}

/** One value per pixel, both signs, one NaN pixel. */
export function sceneValues(): Float64Array {
  const v = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) v[y * W + x] = Math.sin(x / 5) * Math.cos(y / 7) * 0.01;
  v[100] = NaN;
  return v;
}

/** The pictures the library draws, by name, from the scene. */
export function scenePictures(): Record<string, RgbImage> {
  const image = sceneImage();
  const labels = sceneLabels();
  const weights = sceneWeights();
  const values = sceneValues();
  const boundaries = markBoundaries(image, labels);
  return {
    lime: limeImage(image, labels, weights),
    limeMixed: limeImage(image, labels, weights, { positiveOnly: false, numFeatures: 10 }),
    limeHidden: limeImage(image, labels, weights, { hideRest: true, numFeatures: 3 }),
    heatmap: heatmap(image, values, { title: 'tabby cat, a long title (71.3%)', label: 'LIME weight' }),
    shapPlot: shapPlot(image, [
      { title: 'tabby (71.3%)', values },
      { title: 'tiger cat (12.0%)', values: values.map((v) => -0.5 * v) },
    ]),
    boundaries,
    sheetEnlarged: contactSheet(
      [
        { image: boundaries, caption: ['quickshift kernel_size=4', '48 segments, 1.0 ms'] },
        { image, caption: [] },
      ],
      { title: 'scene.png', tileWidth: 150 },
    ),
    sheetShrunk: contactSheet(
      [
        { image: boundaries, caption: ['box'] },
        { image, caption: ['average'] },
        { image, caption: ['x'] },
      ],
      { tileWidth: 20 },
    ),
    sheetBilinear: contactSheet([{ image, caption: ['bilinear'] }], { tileWidth: 40 }),
  };
}
