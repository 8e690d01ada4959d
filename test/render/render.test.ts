// SPDX-License-Identifier: MIT
// The renderers (lib/render): known answers (scikit-image's documented find_boundaries example,
// lime's selection rules, shap's colours, numpy's percentile, the font's geometry), properties of
// resampling and layout, and the exact pixels of every picture on a synthetic scene.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { RgbImage } from '../../lib/image';
import { encodePng, heatmap, limeImage, markBoundaries, contactSheet } from '../../lib/render';
import { findBoundaries } from '../../lib/render/boundaries';
import { SHAP_BLUE, SHAP_RED, absPercentile, formatTick, redTransparentBlue } from '../../lib/render/colormap';
import { getImageAndMask } from '../../lib/render/lime';
import { blit, createImage } from '../../lib/render/raster';
import { resizeImage } from '../../lib/render/resize';
import { drawText, measureText, wrapText } from '../../lib/render/text';
import { scenePictures } from '../helpers/render-fixture';

const pixel = (img: RgbImage, x: number, y: number): number[] => [
  ...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3),
];
const rows = (text: string): Int32Array => Int32Array.from(text.trim().split(/\s+/).join('').split(''), Number);

describe('renderers', () => {
  it('draw the same pixels as before render/ was restructured', () => {
    // Made by the renderers of commit afa2a69 (before render/ was cut into raster, resize and text):
    // a restructuring must leave every byte as it was.
    const pinned: Record<string, string> = {
      lime: '64x48 08c118b466f8820202de65508c2e7eb3f6840d7d75020b840aa4de4b22c3163e',
      limeMixed: '64x48 5e019b5fd7877c54f924d2815f1ab8389bec4a0783b33440c750709d7a6092b8',
      limeHidden: '64x48 a819168ff7f3a5ef99a7835ec9c3c88b3e81c4ab289efe41a2f074f52b21967c',
      heatmap: '80x151 a55771c8ea80f7f6a65abedbaeeaa87b3024a831b1fea6d3a28842bd91ae3d4e',
      shapPlot: '232x149 cc568d91d882b981018472a0c0f01e9dd290347e9bd69707270080f3159286af',
      boundaries: '64x48 f89b60246118d1df5bc0a8e08c3b5977360a540db5cb51db53041c122954eb5b',
      sheetEnlarged: '330x182 6261608fc24ee17c3c951df3d4ff9832d36022dd9ab3dbbf5a506bcb2482da71',
      sheetShrunk: '70x106 973158161305487ec249ed7353fb2da70f53016e48e80736cc209b7915ee6996',
      sheetBilinear: '60x73 6ee31e96eec1cb91b1d22c4a8e056af94b00174e23a3fab71efb32a8c3634498',
    };
    const drawn = Object.fromEntries(
      Object.entries(scenePictures()).map(([name, img]) => [
        name,
        `${img.width}x${img.height} ${createHash('sha256').update(img.data).digest('hex')}`,
      ]),
    );
    assert.deepEqual(drawn, pinned);
  });

  it('encodes a PNG that decodes to the same pixels', async () => {
    const { shapPlot } = scenePictures();
    const { data, info } = await sharp(await encodePng(shapPlot))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [shapPlot.width, shapPlot.height, 3]);
    assert.ok(Buffer.from(shapPlot.data).equals(data));
  });

  it("finds boundaries as scikit-image's find_boundaries documents (thick, inner, outer)", () => {
    const labels = rows(`
      0000000000 0000000000 0000055500 0011155500 0011155500 0011155500 0000055500 0000000000 0000000000`);
    const find = (mode: 'thick' | 'inner' | 'outer') => Int32Array.from(findBoundaries(labels, 10, 9, { mode }));
    assert.deepEqual(
      find('thick'),
      rows(`
      0000000000 0000011100 0011111110 0111110110 0110110110 0111110110 0011111110 0000011100 0000000000`),
    );
    assert.deepEqual(
      find('inner'),
      rows(`
      0000000000 0000000000 0000011100 0011110100 0010110100 0011110100 0000011100 0000000000 0000000000`),
    );
    assert.deepEqual(
      find('outer'),
      rows(`
      0000000000 0000011100 0011110010 0100110010 0100110010 0100110010 0011110010 0000011100 0000000000`),
    );
  });

  it('marks the outer boundaries in yellow and leaves every other pixel as it was', () => {
    const labels = new Int32Array(6 * 4).map((_, p) => (p % 6 < 3 ? 0 : 1));
    const image = createImage(6, 4, [10, 20, 30]);
    const out = markBoundaries(image, labels);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 6; x++) assert.deepEqual(pixel(out, x, y), x === 2 ? [255, 255, 0] : [10, 20, 30], `(${x}, ${y})`);
    }
    assert.deepEqual(pixel(image, 2, 0), [10, 20, 30], 'the input is not modified');
  });

  it("selects segments by lime's get_image_and_mask rules", () => {
    const labels = Int32Array.from([0, 1, 2, 3]);
    const image: RgbImage = { data: Uint8Array.from([10, 10, 10, 20, 20, 20, 30, 30, 30, 200, 40, 40]), width: 4, height: 1 };
    const weights = Float64Array.from([0.5, -0.9, 0.1, NaN]);
    assert.deepEqual([...getImageAndMask(image, labels, weights, { numFeatures: 1 }).mask], [1, 0, 0, 0]);
    assert.deepEqual([...getImageAndMask(image, labels, weights, { positiveOnly: false, negativeOnly: true }).mask], [0, 1, 0, 0]);
    // Neither: the top 2 by |w| (segments 1 and 0); channel 0 (negative) or 1 (positive) set to the image's largest byte.
    const mixed = getImageAndMask(image, labels, weights, { positiveOnly: false, numFeatures: 2 });
    assert.deepEqual([...mixed.mask], [1, -1, 0, 0]);
    assert.deepEqual([...mixed.image.data], [10, 200, 10, 200, 20, 20, 30, 30, 30, 200, 40, 40]);
    const hidden = getImageAndMask(image, labels, weights, { hideRest: true, numFeatures: 2 });
    assert.deepEqual([...hidden.image.data], [10, 10, 10, 0, 0, 0, 30, 30, 30, 0, 0, 0]);
    assert.throws(() => getImageAndMask(image, labels, weights, { negativeOnly: true }), /positiveOnly and options.negativeOnly/);
    // The picture dims what is not selected to half (rounded) and outlines the selection.
    const picture = limeImage(image, labels, weights, { numFeatures: 1 });
    assert.deepEqual(pixel(picture, 0, 0), [10, 10, 10]);
    assert.deepEqual(pixel(picture, 1, 0), [255, 255, 0]);
    assert.deepEqual(pixel(picture, 3, 0), [100, 20, 20]);
  });

  it("colours values with shap's red_transparent_blue and numpy's percentile", () => {
    assert.deepEqual(redTransparentBlue(2, 1), [...SHAP_RED, 1]);
    assert.deepEqual(redTransparentBlue(-0.25, 1), [...SHAP_BLUE, 0.25]);
    assert.equal(redTransparentBlue(NaN, 1)[3], 0);
    assert.equal(redTransparentBlue(0, 1)[3], 0);
    // np.nanpercentile(np.abs([-4, 1, nan, 2, 3]), 50) == 2.5; np.percentile(np.arange(1001), 99.9) == 999.0
    assert.equal(absPercentile([Float64Array.from([-4, 1, NaN, 2, 3])], 50), 2.5);
    assert.ok(Math.abs(absPercentile([Float64Array.from({ length: 1001 }, (_, i) => i)]) - 999) < 1e-9);
    assert.equal(absPercentile([Float64Array.from([NaN])]), 0);
    assert.deepEqual([0, 0.5, -2, 0.000123, 12345, 1 / 3].map(formatTick), ['0', '0.5', '-2', '1.23e-4', '1.23e4', '0.333']);
  });

  it('draws a heat map over white-faded grey: opacity |v| / limit', () => {
    const image = createImage(3, 1, [0, 0, 0]);
    const out = heatmap(image, Float64Array.from([1, 0, -0.5]), { limit: 1, colorbar: false });
    assert.deepEqual([out.width, out.height], [3 + 16, 1 + 16]);
    assert.deepEqual(pixel(out, 8, 8), [...SHAP_RED]);
    assert.deepEqual(pixel(out, 9, 8), [128, 128, 128], 'black at opacity 0.5 on white');
    assert.deepEqual(pixel(out, 10, 8), [79, 132, 179], 'half of shap blue over that grey');
    assert.deepEqual(pixel(out, 0, 0), [255, 255, 255]);
  });

  it('sets text with the 5×7 font: sizes, glyph pixels, wrapping', () => {
    assert.deepEqual(measureText('ab\nc', 2), { width: (2 * 6 - 1) * 2, height: (2 * 10 - 2) * 2 });
    assert.deepEqual(measureText(''), { width: 0, height: 0 });
    const img = createImage(20, 20);
    drawText(img, 0, 0, '|', { scale: 2, color: [0, 0, 0] });
    let black = 0;
    for (let p = 0; p < 400; p++) if (img.data[3 * p] === 0) black++;
    assert.equal(black, 7 * 4, "'|' is one column of 7 font pixels, each 2×2");
    assert.deepEqual(wrapText('one two three', 6 * 7 - 1), ['one two', 'three']);
    assert.deepEqual(wrapText('abcdefghij', 6 * 4 - 1), ['abcd', 'efgh', 'ij']);
  });

  it('resamples: nearest replicates, box averages, bilinear keeps a flat image flat', () => {
    const src: RgbImage = { data: Uint8Array.from({ length: 6 * 3 * 3 }, (_, i) => (i * 7) % 256), width: 6, height: 3 };
    const up = resizeImage(src, 12, 6, 'nearest');
    for (let y = 0; y < 6; y++) for (let x = 0; x < 12; x++) assert.deepEqual(pixel(up, x, y), pixel(src, x >> 1, y >> 1));
    const down = resizeImage(src, 2, 1);
    for (let x = 0; x < 2; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let yy = 0; yy < 3; yy++) for (let xx = 3 * x; xx < 3 * x + 3; xx++) sum += pixel(src, xx, yy)[c];
        assert.equal(pixel(down, x, 0)[c], Math.round(sum / 9));
      }
    }
    const flat = resizeImage(createImage(5, 4, [9, 99, 199]), 7, 3);
    for (let p = 0; p < 21; p++) assert.deepEqual(pixel(flat, p % 7, Math.floor(p / 7)), [9, 99, 199]);
  });

  it("rejects bad arguments in the library's words: TypeError for a type, RangeError for a value, naming both", async () => {
    const image = createImage(4, 3);
    const values = new Float64Array(12);
    const says = (kind: typeof TypeError, name: string, value: string) => (err: unknown) =>
      err instanceof kind && err.message.includes(` for ${name} but received ${value}`);
    assert.throws(() => heatmap(image, values, { backgroundAlpha: 2 }), says(RangeError, 'options.backgroundAlpha', '2 (number)'));
    assert.throws(() => heatmap(image, new Float64Array(5)), says(RangeError, 'values', '"length 5"'));
    assert.throws(() => contactSheet([{ image, caption: [] }], { columns: 0 }), says(RangeError, 'options.columns', '0 (number)'));
    assert.throws(
      () => markBoundaries(image, new Float64Array(12) as unknown as Int32Array),
      says(TypeError, 'labels', 'Float64Array(12)'),
    );
    assert.throws(
      () => markBoundaries(image, new Int32Array(12), { color: [0, 300, 0] }),
      says(RangeError, 'options.color[1]', '300 (number)'),
    );
    assert.throws(() => limeImage(image, new Int32Array(12).fill(2), new Float64Array(2)), says(RangeError, 'labels[0]', '2 (number)'));
    assert.throws(() => resizeImage(image, 2, 2, 'cubic' as 'nearest'), says(RangeError, 'interpolation', '"cubic"'));
    await assert.rejects(encodePng({ data: new Uint8Array(9), width: 1.5, height: 2 }), says(RangeError, 'img.width', '1.5 (number)'));
  });

  it('lays out a contact sheet and copies an unscaled tile verbatim, clipping at the edges', () => {
    const tile: RgbImage = { data: Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => i), width: 5, height: 4 };
    const sheet = contactSheet([{ image: tile, caption: [] }], { padding: 3 });
    assert.deepEqual([sheet.width, sheet.height], [5 + 6, 4 + 6]);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) assert.deepEqual(pixel(sheet, 3 + x, 3 + y), pixel(tile, x, y));
    const dst = createImage(3, 3, [0, 0, 0]);
    blit(dst, tile, -2, -1);
    assert.deepEqual(pixel(dst, 0, 0), pixel(tile, 2, 1));
    assert.deepEqual(pixel(dst, 2, 2), pixel(tile, 4, 3));
  });
});
