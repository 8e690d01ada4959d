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

  // A larger image than the kernel's 4096-pixel blocks, with runs of labels that cross block
  // boundaries (4096 = 42·97 + 22 falls inside a row), against the reference element by element.
  it('images larger than one block: runs of labels cut at block boundaries pick per segment; both layouts, float32 and float16', async () => {
    const w = 97,
      h = 61,
      M = 40;
    const big = { data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 31 + 5) % 256), width: w, height: h };
    const bigHide = { data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7 + 200) % 256), width: w, height: h };
    const bigLabels = Int32Array.from({ length: w * h }, (_, p) => (Math.floor((p % w) / 11) + 9 * Math.floor(p / w / 8)) % M);
    const n = 7;
    const masks = Uint8Array.from({ length: n * M }, (_, i) => ((i * 2654435761) >>> 28) & 1);
    for (const layout of ['nchw', 'nhwc'] as const) {
      for (const dtype of ['float32', 'float16'] as const) {
        const pre = resolvePreprocess({ ...forms[0][1], size: [h, w], layout });
        const full = toTensorData(big, pre, dtype);
        const none = toTensorData(bigHide, pre, dtype);
        const size = 3 * w * h;
        const out = dtype === 'float16' ? new Uint16Array(n * size) : new Float32Array(n * size);
        const params = { scale: pre.scale, mean: pre.mean, std: pre.std, layout: pre.layout, channels: pre.channels };
        await binding.composite(big.data, bigHide.data, bigLabels, w, h, masks, M, params, out, 0);
        for (let b = 0; b < n; b++) {
          for (let p = 0; p < w * h; p++) {
            const from = masks[b * M + bigLabels[p]] ? full : none;
            for (let c = 0; c < 3; c++) {
              const i = layout === 'nchw' ? c * w * h + p : 3 * p + c;
              if (out[b * size + i] !== from[i]) assert.fail(`${layout}/${dtype}: sample ${b}, pixel ${p}, channel ${c}`);
            }
          }
        }
      }
    }
  });

  // Pixel features label each pixel with its own index: the kernel copies runs of consecutive labels
  // from the mask instead of one memset per pixel. Labels mixing such runs with equal runs, decreasing
  // steps, a step of 2 and runs crossing block boundaries must still pick per label.
  it('consecutive-label runs (pixel features): identity labels and mixed patterns pick per label; both layouts, float32 and float16, every SIMD level', async () => {
    const w = 83,
      h = 59;
    const hw = w * h;
    const img = { data: Uint8Array.from({ length: hw * 3 }, (_, i) => (i * 29 + 3) % 256), width: w, height: h };
    const bg = { data: Uint8Array.from({ length: hw * 3 }, (_, i) => (i * 11 + 90) % 256), width: w, height: h };
    const identity = Int32Array.from({ length: hw }, (_, p) => p);
    // Runs of consecutive labels of varied length, then a repeated label, a step down, a step of 2.
    const mixed = Int32Array.from({ length: hw }, (_, p) => {
      const k = p % 23;
      return k < 9 ? 50 + k + (p % 7) : k < 13 ? 400 : k < 17 ? 300 - k : 2 * k;
    });
    const cases: [string, Int32Array, number][] = [
      ['identity', identity, hw],
      ['mixed', mixed, 460],
    ];
    const n = 5;
    const threads = concurrency();
    for (const [what, labs, M] of cases) {
      const masks = Uint8Array.from({ length: n * M }, (_, i) => ((i * 2654435761) >>> 27) & 1);
      for (const layout of ['nchw', 'nhwc'] as const) {
        for (const dtype of ['float32', 'float16'] as const) {
          const pre = resolvePreprocess({ ...forms[0][1], size: [h, w], layout });
          const full = toTensorData(img, pre, dtype);
          const none = toTensorData(bg, pre, dtype);
          const size = 3 * hw;
          const params = { scale: pre.scale, mean: pre.mean, std: pre.std, layout: pre.layout, channels: pre.channels };
          for (const level of ['scalar', 'avx512'] as const) {
            simdLevel(level);
            concurrency(level === 'scalar' ? 1 : threads);
            const out = dtype === 'float16' ? new Uint16Array(n * size) : new Float32Array(n * size);
            await binding.composite(img.data, bg.data, labs, w, h, masks, M, params, out, 0);
            for (let b = 0; b < n; b++) {
              for (let p = 0; p < hw; p++) {
                const from = masks[b * M + labs[p]] ? full : none;
                for (let c = 0; c < 3; c++) {
                  const i = layout === 'nchw' ? c * hw + p : 3 * p + c;
                  if (out[b * size + i] !== from[i])
                    assert.fail(`${what} ${layout}/${dtype}/${level}: sample ${b}, pixel ${p}, channel ${c}`);
                }
              }
            }
          }
        }
      }
    }
    concurrency(threads);
    simdLevel('avx512');
  });

  // The kernel caches each image's preprocessed planes between calls (native/perturb/planes.h): a
  // call must never see planes of other pixels or other parameters, whatever changed in between.
  it('planes reused between calls follow every change: pixels changed in place, hide, parameters, labels, element type, more images than the cache holds', async () => {
    const pre = resolvePreprocess(forms[0][1]);
    const params = { scale: pre.scale, mean: pre.mean, std: pre.std, layout: pre.layout, channels: pre.channels };
    const masks = new Uint8Array([1, 0, 1, 0]); // segments 0 and 2 shown, 1 and 3 hidden
    const check = async (
      img: Uint8Array,
      hid: Uint8Array,
      labs: Int32Array,
      p: typeof params,
      dtype: 'float32' | 'float16',
      what: string,
    ) => {
      const form = resolvePreprocess({ ...forms[0][1], mean: p.mean, std: p.std, scale: p.scale, layout: p.layout });
      const full = toTensorData({ data: img, width: W, height: H }, form, dtype);
      const none = toTensorData({ data: hid, width: W, height: H }, form, dtype);
      const out = dtype === 'float16' ? new Uint16Array(3 * W * H) : new Float32Array(3 * W * H);
      await binding.composite(img, hid, labs, W, H, masks, 4, p, out, 0);
      for (let q = 0; q < W * H; q++) {
        const from = labs[q] % 2 === 0 ? full : none;
        for (let c = 0; c < 3; c++) {
          const i = p.layout === 'nchw' ? c * W * H + q : 3 * q + c;
          assert.equal(out[i], from[i], `${what}: pixel ${q}, channel ${c}`);
        }
      }
    };
    const img = Uint8Array.from(image.data);
    const hid = Uint8Array.from(hide.data);
    await check(img, hid, labels, params, 'float32', 'first call');
    img[10] ^= 0xff; // the caller's buffer, changed in place
    await check(img, hid, labels, params, 'float32', 'image changed in place');
    hid[20] ^= 0xff;
    await check(img, hid, labels, params, 'float32', 'hide changed');
    await check(img, hid, labels, { ...params, mean: [0.5, 0.456, 0.406] }, 'float32', 'mean changed');
    await check(img, hid, labels, { ...params, std: [0.229, 0.25, 0.225] }, 'float32', 'std changed');
    await check(img, hid, labels, { ...params, scale: 1 / 127.5 }, 'float32', 'scale changed');
    await check(img, hid, labels, { ...params, layout: 'nhwc' }, 'float32', 'layout changed');
    await check(img, hid, labels, params, 'float16', 'float16 after float32');
    const flipped = Int32Array.from(labels, (l) => 3 - l);
    await check(img, hid, flipped, params, 'float32', 'labels changed');
    // More distinct images than the cache keeps, twice round: evicted entries are rebuilt.
    const many = Array.from({ length: 7 }, (_, k) => Uint8Array.from(img, (v, i) => (v + k * (i % 5)) % 256));
    for (let round = 0; round < 2; round++)
      for (const [k, m] of many.entries()) await check(m, hid, labels, params, 'float32', `image ${k}`);
  });

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
