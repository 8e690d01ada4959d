// SPDX-License-Identifier: MIT
// segment(): image inputs, methods and their invariants.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import sharp from 'sharp';
import { segment, loadImage } from '../../lib';
import { binding } from '../../lib/native';
import { countDiff, readInt32, requireShared, shared } from '../helpers/shared';

/** True when every label 0..count-1 is used and each segment is 4-connected. */
function connectedAndContiguous(labels: Int32Array, width: number, height: number, count: number): boolean {
  const seen = new Uint8Array(count);
  const visited = new Uint8Array(labels.length);
  const stack: number[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (visited[start]) continue;
    const label = labels[start];
    if (label < 0 || label >= count || seen[label]) return false; // a second component of a label
    seen[label] = 1;
    stack.push(start);
    visited[start] = 1;
    while (stack.length) {
      const p = stack.pop() as number;
      const r = Math.floor(p / width),
        c = p % width;
      for (const [dr, dc] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const rr = r + dr,
          cc = c + dc;
        if (rr < 0 || rr >= height || cc < 0 || cc >= width) continue;
        const q = rr * width + cc;
        if (!visited[q] && labels[q] === label) {
          visited[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  return seen.every((s) => s === 1);
}

describe('segment()', function () {
  requireShared(this);
  const png = () => shared('reference', 'quickshift', 'dog_224.png');

  it('takes a path, PNG/JPEG/WebP bytes and raw pixels alike', async () => {
    const fromPath = await segment(png(), { kernelSize: 2 });
    const bytes = fs.readFileSync(png());
    const fromBuffer = await segment(bytes, { kernelSize: 2 });
    const fromUint8 = await segment(new Uint8Array(bytes), { kernelSize: 2 });
    const raw = await loadImage(png());
    const fromRaw = await segment({ data: raw.data, width: raw.width, height: raw.height, channels: 3 }, { kernelSize: 2 });
    for (const s of [fromBuffer, fromUint8, fromRaw]) assert.deepEqual(s.labels, fromPath.labels);
    // Lossy formats decode to other pixels; they must still segment.
    const jpeg = await sharp(bytes).jpeg().toBuffer();
    const webp = await sharp(bytes).webp().toBuffer();
    for (const enc of [jpeg, webp]) {
      const s = await segment(enc, { kernelSize: 2 });
      assert.equal(s.width, 224);
      assert.ok(s.count > 1);
    }
  });

  it('replicates gray to RGB and drops alpha', async () => {
    const raw = await loadImage(png());
    const gray = new Uint8Array(raw.width * raw.height);
    for (let i = 0; i < gray.length; i++) gray[i] = raw.data[3 * i + 1];
    const rgbFromGray = new Uint8Array(gray.length * 3);
    for (let i = 0; i < gray.length; i++) rgbFromGray.fill(gray[i], 3 * i, 3 * i + 3);
    const a = await segment({ data: gray, width: raw.width, height: raw.height, channels: 1 }, { kernelSize: 2 });
    const b = await segment({ data: rgbFromGray, width: raw.width, height: raw.height, channels: 3 }, { kernelSize: 2 });
    assert.deepEqual(a.labels, b.labels);
    const rgba = new Uint8Array(gray.length * 4);
    for (let i = 0; i < gray.length; i++) rgba.set([raw.data[3 * i], raw.data[3 * i + 1], raw.data[3 * i + 2], i % 256], 4 * i);
    const c = await segment({ data: rgba, width: raw.width, height: raw.height, channels: 4 });
    const expected = readInt32(shared('reference', 'quickshift', 'dog_224.labels.i32'));
    assert.equal(countDiff(c.labels, expected), 0);
    const grayPng = await sharp(gray, { raw: { width: raw.width, height: raw.height, channels: 1 } })
      .png()
      .toBuffer();
    const d = await segment(grayPng, { kernelSize: 2 });
    assert.deepEqual(d.labels, a.labels);
  });

  it('resizes when asked', async () => {
    const s = await segment(shared('images', 'chelsea.png'), { resize: { width: 120, height: 80 }, kernelSize: 2 });
    assert.equal(s.width, 120);
    assert.equal(s.height, 80);
    assert.equal(s.labels.length, 120 * 80);
  });

  it('echoes the parameters, defaults included', async () => {
    const s = await segment(png(), { ratio: 0.5 });
    assert.deepEqual(s.params, { kernelSize: 4, maxDist: 200, ratio: 0.5, sigma: 0, convert2lab: true, seed: 42 });
    assert.ok(s.ms > 0);
  });

  it('quickshift with sigma smooths the features (fewer segments)', async () => {
    const plain = await segment(png(), { kernelSize: 2, maxDist: 8 });
    const smooth = await segment(png(), { kernelSize: 2, maxDist: 8, sigma: 2 });
    assert.ok(smooth.count < plain.count, `${smooth.count} < ${plain.count}`);
  });

  it('slic: connected segments numbered from 0, near nSegments', async () => {
    for (const nSegments of [25, 100]) {
      const s = await segment(png(), { method: 'slic', nSegments });
      assert.equal(s.method, 'slic');
      assert.ok(connectedAndContiguous(s.labels, s.width, s.height, s.count));
      assert.ok(s.count > nSegments / 3 && s.count < nSegments * 2, `count ${s.count} for ${nSegments}`);
    }
  });

  it('grid: rows x cols rectangles', async () => {
    const s = await segment({ data: new Uint8Array(10 * 7 * 3), width: 10, height: 7, channels: 3 }, { method: 'grid', rows: 2, cols: 5 });
    assert.equal(s.count, 10);
    assert.equal(s.labels[0], 0);
    assert.equal(s.labels[9], 4);
    assert.equal(s.labels[6 * 10 + 9], 9);
    assert.ok(connectedAndContiguous(s.labels, 10, 7, 10));
  });

  it('labels: validated and renumbered 0..n-1, keeping the mapping', async () => {
    const image = { data: new Uint8Array(4 * 3), width: 2, height: 2, channels: 3 as const };
    const s = await segment(image, { method: 'labels', labels: [7, 7, -3, 100] });
    assert.deepEqual([...s.labels], [1, 1, 0, 2]);
    assert.deepEqual([...(s.mapping as Int32Array)], [-3, 7, 100]);
    assert.equal(s.count, 3);
    await assert.rejects(segment(image, { method: 'labels', labels: [1, 2, 3] }), { name: 'RangeError', message: /labels/ });
    await assert.rejects(segment(image, { method: 'labels', labels: [1, 2, 3, 0.5] }), { name: 'TypeError', message: /labels\[3\]/ });
  });
});

describe('rgbToLab (the one RGB→Lab: quickshift, SLIC and SHAP superpixel trees)', () => {
  it('equals skimage.color.rgb2lab(img_as_float(u8)) to 1e-13 relative', () => {
    // Made with Debian's python3-skimage 0.19.3: rgb2lab(img_as_float(np.array([[[255,0,0],[0,255,0],
    // [0,0,255],[255,255,255],[10,20,30],[200,120,40]]], dtype=np.uint8)))[0]
    const expected = [
      [53.2405879437449, 80.0923082256922, 67.2027510444287],
      [87.73509948831895, -86.18302974439501, 83.17970317538452],
      [32.29567256501351, 79.18559091176556, -107.85730020669489],
      [100.0, -0.0024549378620508655, 0.004653421154054982],
      [5.94847037984805, -0.6693107906908108, -8.136411786792259],
      [57.912293130364475, 25.29521733955725, 54.08278196382157],
    ];
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30, 200, 120, 40]);
    const out = new Float64Array(18);
    binding.rgbToLab(rgb, 6, 1, out);
    expected.flat().forEach((v, i) => assert.ok(Math.abs(out[i] - v) <= 1e-13 * Math.max(1, Math.abs(v)), `${i}: ${out[i]} vs ${v}`));
    assert.throws(() => binding.rgbToLab(rgb, 7, 1, out), { name: 'RangeError', message: /rgb/ });
    assert.throws(() => binding.rgbToLab(rgb, 6, 1, new Float64Array(3)), { name: 'RangeError', message: /out/ });
  });
});
