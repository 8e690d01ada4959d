// SPDX-License-Identifier: MIT
// Native compositing: an all-ones mask reproduces the preprocessed image exactly (against the plain
// TypeScript reference toTensorData), an all-zeros mask the hide image, and mixed masks pick per
// segment; identical for every SIMD level and thread count.
import assert from 'node:assert/strict';
import { concurrency, simdLevel } from '../../lib';
import { binding } from '../../lib/native';
import { resolvePreprocess, toTensorData, type PreprocessOptions } from '../../lib/preprocess';

const W = 13,
  H = 7;
const image = { data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 53 + 7) % 256), width: W, height: H };
const hide = { data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 17 + 100) % 256), width: W, height: H };
const labels = Int32Array.from({ length: W * H }, (_, p) => (p % W < 6 ? 0 : 1) + (Math.floor(p / W) < 3 ? 0 : 2)); // 4 quadrants

const forms: [string, PreprocessOptions][] = [
  [
    'imagenet-like NCHW RGB',
    {
      size: [H, W],
      resize: 'stretch',
      layout: 'nchw',
      channels: 'rgb',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    },
  ],
  [
    'NHWC BGR with per-channel mean',
    { size: [H, W], resize: 'stretch', layout: 'nhwc', channels: 'bgr', scale: 1, mean: [104, 117, 123], std: 1 },
  ],
  ['NCHW BGR scaled to [-1, 1]', { size: [H, W], resize: 'stretch', layout: 'nchw', channels: 'bgr', scale: 1 / 127.5, mean: 1, std: 1 }],
];

async function composite(pre: ReturnType<typeof resolvePreprocess>, masks: Uint8Array, dtype: 'float32' | 'float16') {
  const n = masks.length / 4;
  const out = dtype === 'float16' ? new Uint16Array(n * 3 * W * H) : new Float32Array(n * 3 * W * H);
  await binding.composite(
    image.data,
    hide.data,
    labels,
    W,
    H,
    masks,
    4,
    { scale: pre.scale, mean: pre.mean, std: pre.std, layout: pre.layout, channels: pre.channels },
    out,
    0,
  );
  return out;
}

describe('native compositing', () => {
  const threads = concurrency();
  after(() => {
    concurrency(threads);
    simdLevel('avx512');
  });
  for (const [name, form] of forms) {
    for (const dtype of ['float32', 'float16'] as const) {
      it(`${name}, ${dtype}: all-on = image, all-off = hide, mixed = per segment; every SIMD level and thread count`, async () => {
        const pre = resolvePreprocess(form);
        const full = toTensorData(image, pre, dtype);
        const none = toTensorData(hide, pre, dtype);
        const masks = new Uint8Array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1]);
        for (const level of ['scalar', 'avx2', 'avx512'] as const) {
          for (const n of [1, threads]) {
            simdLevel(level);
            concurrency(n);
            const out = await composite(pre, masks, dtype);
            const size = 3 * W * H;
            assert.deepEqual(out.subarray(0, size), full, `${level}/${n}: all on`);
            assert.deepEqual(out.subarray(size, 2 * size), none, `${level}/${n}: all off`);
            const mixed = out.subarray(2 * size);
            for (let p = 0; p < W * H; p++) {
              const from = labels[p] === 0 || labels[p] === 3 ? full : none;
              for (let c = 0; c < 3; c++) {
                const i = pre.layout === 'nchw' ? c * W * H + p : 3 * p + c;
                assert.equal(mixed[i], from[i]);
              }
            }
          }
        }
      });
    }
  }

  it('BAD CALL - wrong buffer lengths, mask values and labels out of range', async () => {
    const params = { scale: 1, mean: [0, 0, 0], std: [1, 1, 1], layout: 'nchw' as const, channels: 'rgb' as const };
    const out = new Float32Array(3 * W * H);
    assert.throws(() => binding.composite(image.data.subarray(1), hide.data, labels, W, H, new Uint8Array(4), 4, params, out, 0), {
      name: 'RangeError',
    });
    assert.throws(() => binding.composite(image.data, hide.data, labels, W, H, new Uint8Array([1, 2, 0, 1]), 4, params, out, 0), {
      name: 'RangeError',
    });
    assert.throws(
      () => binding.composite(image.data, hide.data, labels, W, H, new Uint8Array(8), 4, params, out, 0),
      { name: 'RangeError' },
      'out too small for 2 samples',
    );
    assert.throws(
      () => binding.composite(image.data, hide.data, labels, W, H, new Uint8Array(4), 4, { ...params, std: [1, 0, 1] }, out, 0),
      { name: 'RangeError' },
    );
    const bad = Int32Array.from(labels);
    bad[5] = 9;
    await assert.rejects(binding.composite(image.data, hide.data, bad, W, H, new Uint8Array(4), 4, params, out, 0), /labels\[5\] = 9/);
  });
});
