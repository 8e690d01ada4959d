// SPDX-License-Identifier: MIT
// Native compositing of float planes (16-bit and float images; any channel count): each sample picks,
// per pixel, the kept plane's values where its segment is on and the hidden plane's elsewhere, in
// either layout, bit for bit (float16: the library's own round-to-nearest-even of the float32 value);
// the same at every SIMD level and thread count; every bad argument refused with the parameter named.
import assert from 'node:assert/strict';
import { concurrency, simdLevel } from '../../lib';
import { binding } from '../../lib/native';
import { float32ToFloat16 } from '../../lib/preprocess';

// Wider than one 4096-pixel block, so label runs cross block boundaries.
const W = 97,
  H = 61,
  M = 23;
const labels = Int32Array.from({ length: W * H }, (_, p) => (Math.floor((p % W) / 9) + 11 * Math.floor(p / W / 7)) % M);

function planes(C: number) {
  // Values no 8-bit table could hold: fractions, negatives, large magnitudes, a subnormal half.
  const kept = Float32Array.from({ length: C * W * H }, (_, i) => Math.sin(i) * 1000 + i / 7);
  const hidden = Float32Array.from({ length: C * W * H }, (_, i) => (i % 13 === 0 ? 3e-6 : -Math.cos(i) / 3));
  return { kept, hidden };
}

describe('native compositing of float planes', () => {
  const threads = concurrency();
  after(() => {
    concurrency(threads);
    simdLevel('avx512');
  });

  for (const C of [1, 3, 4, 7])
    for (const layout of ['nchw', 'nhwc'] as const)
      it(`${C} channel(s), ${layout}: per-pixel select of the two planes, float32 and float16, every SIMD level and thread count`, async () => {
        const { kept, hidden } = planes(C);
        const n = 5;
        const masks = Uint8Array.from({ length: n * M }, (_, i) => ((i * 2654435761) >>> 27) & 1);
        masks.fill(1, 0, M); // sample 0: all on
        masks.fill(0, M, 2 * M); // sample 1: all off
        const size = C * W * H;
        const keptHalf = float32ToFloat16(kept),
          hiddenHalf = float32ToFloat16(hidden);
        for (const level of ['scalar', 'avx2', 'avx512'] as const)
          for (const t of [1, threads]) {
            simdLevel(level);
            concurrency(t);
            const f32 = new Float32Array(n * size);
            const f16 = new Uint16Array((n + 1) * size);
            await binding.compositePlanes(kept, hidden, labels, W, H, C, layout, masks, M, f32, 0);
            binding.compositePlanesSync(kept, hidden, labels, W, H, C, layout, masks, M, f16, 1); // at offset 1
            assert.deepEqual(f32.subarray(0, size), kept, `${level}/${t}: all on`);
            assert.deepEqual(f32.subarray(size, 2 * size), hidden, `${level}/${t}: all off`);
            assert.ok(
              f16.subarray(0, size).every((v) => v === 0),
              'nothing written before the offset',
            );
            for (let b = 0; b < n; b++)
              for (let p = 0; p < W * H; p++) {
                const on = masks[b * M + labels[p]] === 1;
                for (let c = 0; c < C; c++) {
                  const i = layout === 'nchw' ? c * W * H + p : C * p + c;
                  if (f32[b * size + i] !== (on ? kept : hidden)[i]) assert.fail(`${level}/${t} f32: sample ${b} pixel ${p} channel ${c}`);
                  if (f16[(b + 1) * size + i] !== (on ? keptHalf : hiddenHalf)[i])
                    assert.fail(`${level}/${t} f16: sample ${b} pixel ${p} channel ${c}`);
                }
              }
          }
      });

  // Pixel features (SHAP over pixels): every pixel its own segment, so runs are of consecutive labels
  // and the selector copies mask bytes instead of repeating one; interleaved, each is widened to C.
  for (const C of [1, 2, 3, 4, 7])
    it(`pixel labels (consecutive-label runs), ${C} channel(s), nhwc and nchw: each pixel picks by its own mask byte`, async () => {
      const { kept, hidden } = planes(C);
      const pixels = Int32Array.from({ length: W * H }, (_, p) => p);
      const n = 3;
      const masks = Uint8Array.from({ length: n * W * H }, (_, i) => ((i * 2654435761) >>> 29) & 1);
      const size = C * W * H;
      for (const layout of ['nhwc', 'nchw'] as const)
        for (const level of ['scalar', 'avx2', 'avx512'] as const) {
          simdLevel(level);
          const out = new Float32Array(n * size);
          await binding.compositePlanes(kept, hidden, pixels, W, H, C, layout, masks, W * H, out, 0);
          for (let b = 0; b < n; b++)
            for (let p = 0; p < W * H; p++)
              for (let c = 0; c < C; c++) {
                const i = layout === 'nchw' ? c * W * H + p : C * p + c;
                if (out[b * size + i] !== (masks[b * W * H + p] ? kept : hidden)[i])
                  assert.fail(`${layout}/${level}: sample ${b} pixel ${p} channel ${c}`);
              }
        }
    });

  it('planes are copied: changing them in place between calls changes the output (no stale cache), and during a call changes nothing', async () => {
    const C = 3;
    const { kept, hidden } = planes(C);
    const masks = new Uint8Array(M).fill(1);
    const out = new Float32Array(C * W * H);
    await binding.compositePlanes(kept, hidden, labels, W, H, C, 'nchw', masks, M, out, 0);
    kept[100] = 42.5;
    await binding.compositePlanes(kept, hidden, labels, W, H, C, 'nchw', masks, M, out, 0);
    assert.equal(out[100], 42.5);
    const pending = binding.compositePlanes(kept, hidden, labels, W, H, C, 'nchw', masks, M, out, 0);
    const before = Float32Array.from(kept);
    kept.fill(-1);
    structuredClone(kept.buffer, { transfer: [kept.buffer] }); // detached while the worker runs
    await pending;
    assert.deepEqual(out, before);
  });

  it('BAD CALL - each refused with the parameter named: plane lengths, detached planes, channels 0 or 2000, layout, out too small', () => {
    const C = 3;
    const { kept, hidden } = planes(C);
    const masks = new Uint8Array(M);
    const out = new Float32Array(C * W * H);
    const call =
      (...args: unknown[]) =>
      () =>
        (binding.compositePlanesSync as (...a: unknown[]) => void)(...args);
    assert.throws(call(kept.subarray(1), hidden, labels, W, H, C, 'nchw', masks, M, out, 0), { name: 'RangeError', message: /kept/ });
    assert.throws(call(kept, hidden.subarray(3), labels, W, H, C, 'nchw', masks, M, out, 0), { name: 'RangeError', message: /hidden/ });
    assert.throws(call(new Uint8Array(C * W * H), hidden, labels, W, H, C, 'nchw', masks, M, out, 0), {
      name: 'TypeError',
      message: /kept/,
    });
    const detached = Float32Array.from(kept);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    assert.throws(call(detached, hidden, labels, W, H, C, 'nchw', masks, M, out, 0), { name: 'RangeError', message: /kept/ });
    assert.throws(call(kept, hidden, labels, W, H, 0, 'nchw', masks, M, out, 0), { name: 'RangeError', message: /channels.*0/ });
    assert.throws(call(kept, hidden, labels, W, H, 2000, 'nchw', masks, M, out, 0), { name: 'RangeError', message: /channels.*2000/ });
    assert.throws(call(kept, hidden, labels, W, H, C, 'nwhc', masks, M, out, 0), { name: 'RangeError', message: /layout.*nwhc/ });
    assert.throws(call(kept, hidden, labels, W, H, C, 7, masks, M, out, 0), { name: 'TypeError', message: /layout/ });
    assert.throws(call(kept, hidden, labels, W, H, C, 'nchw', new Uint8Array(2 * M), M, out, 0), {
      name: 'RangeError',
      message: /out holds 1/,
    });
    // 2^15 x 2^15 x 1024 channels: the product is never allocated, the planes' lengths are refused.
    assert.throws(call(kept, hidden, new Int32Array(0), 32768, 32768, 1024, 'nchw', masks, M, out, 0), {
      name: 'RangeError',
      message: /kept/,
    });
    const bad = Int32Array.from(labels);
    bad[7] = M;
    assert.throws(call(kept, hidden, bad, W, H, C, 'nchw', masks, M, out, 0), {
      name: 'RangeError',
      message: new RegExp(`labels\\[7\\] = ${M}`),
    });
  });
});
