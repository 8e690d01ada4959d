// SPDX-License-Identifier: MIT
// 16-bit and float images: decoded without cutting to 8 bits, explained in float. Truths: a linear
// glass-box model's exact LIME coefficients and Shapley values computed here in float64 from the
// 16-bit/float pixels; the 8-bit path for an 8-bit image given as float or as 16-bit x257; window
// means computed directly for the unrounded blur.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createExplainer, loadImage, segment, type Explainer, type Segmentation } from '../lib';
import { fitToModel, resolvePreprocess } from '../lib/preprocess';
import { linearModel } from './helpers/onnx-builder';
import { identityPreprocess } from './helpers/fixtures';

const H = 16,
  W = 16;
const P = H * W;

/** 16-bit values far from any multiple of 257, so 8 bits would move them by up to half a step. */
function sixteenBit(): Uint16Array {
  return Uint16Array.from({ length: P * 3 }, (_, i) => 257 * ((i * 37 + ((i * i) % 101)) % 255) + 128);
}
function eightBit(): Uint8Array {
  return Uint8Array.from({ length: P * 3 }, (_, i) => (i * 37 + ((i * i) % 101)) % 256);
}
const png16 = (u16: Uint16Array) =>
  sharp(u16, { raw: { width: W, height: H, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
const tiff16 = (u16: Uint16Array) =>
  sharp(u16, { raw: { width: W, height: H, channels: 3 } })
    .toColourspace('rgb16')
    .tiff({ compression: 'none' })
    .toBuffer();

/** Σ over each segment's pixels of w_k · (x − baseline), x and baseline in model units (float64). */
function linearContributions(
  model: ReturnType<typeof linearModel>,
  k: number,
  labels: Int32Array,
  count: number,
  x: (p: number, c: number) => number,
  baseline: (p: number, c: number) => number = () => 0,
): Float64Array {
  const out = new Float64Array(count);
  for (let p = 0; p < P; p++)
    for (let c = 0; c < 3; c++) out[labels[p]] += model.weights[k * 3 * P + c * P + p] * (x(p, c) - baseline(p, c));
  return out;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/** The largest difference between two arrays. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('16-bit and float images', function () {
  this.timeout(120000);
  let model: ReturnType<typeof linearModel>;
  let explainer: Explainer;
  let seg: Segmentation;
  before(async () => {
    model = linearModel({ height: H, width: W, classes: 3, seed: 11 });
    explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false });
    seg = await segment({ data: eightBit(), width: W, height: H, channels: 3 }, { method: 'grid', rows: 3, cols: 3 });
  });
  after(() => explainer.dispose());

  describe('decoding', () => {
    it('a 16-bit PNG and a 16-bit TIFF keep every value (as v/257), with an 8-bit view', async () => {
      const u16 = sixteenBit();
      for (const bytes of [await png16(u16), await tiff16(u16)]) {
        const rgb = await loadImage(bytes);
        assert.ok(rgb.values, 'float values present');
        for (let i = 0; i < u16.length; i++) assert.equal(rgb.values[i], Math.fround(u16[i] / 257));
        for (let i = 0; i < u16.length; i++) assert.equal(rgb.data[i], Math.round(u16[i] / 257));
      }
    });

    it('a 16-bit grayscale PNG is replicated to RGB; an 8-bit PNG has no float values', async () => {
      const g = Uint16Array.from({ length: P }, (_, i) => i * 200 + 3);
      const rgb = await loadImage(
        await sharp(g, { raw: { width: W, height: H, channels: 1 } })
          .toColourspace('grey16')
          .png()
          .toBuffer(),
      );
      for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) assert.equal(rgb.values?.[3 * p + c], Math.fround(g[p] / 257));
      const eight = await loadImage(
        await sharp(eightBit(), { raw: { width: W, height: H, channels: 3 } })
          .png()
          .toBuffer(),
      );
      assert.equal(eight.values, undefined);
    });

    it('a loaded image handed back as raw pixels ({ ...rgb, channels: 3 }) keeps its float values', async () => {
      const rgb = await loadImage(await png16(sixteenBit()));
      const again = await loadImage({ ...rgb, channels: 3 });
      assert.deepEqual(again.values, rgb.values);
      assert.deepEqual(again.data, rgb.data);
    });

    it('raw Float32Array pixels are copied: changing the caller array afterwards changes nothing', async () => {
      const data = Float32Array.from(eightBit(), (v) => v + 0.25);
      const rgb = await loadImage({ data, width: W, height: H, channels: 3 });
      data.fill(0);
      assert.equal(rgb.values?.[5], eightBit()[5] + 0.25);
    });
  });

  describe('fitted to the model in float', () => {
    const w = 41,
      h = 29;
    const smooth = Uint8Array.from({ length: w * h * 3 }, (_, i) => {
      const p = Math.floor(i / 3);
      return Math.round(127 + 100 * Math.sin((p % w) / 6 + (i % 3)) * Math.cos(Math.floor(p / w) / 5));
    });

    for (const resize of ['crop', 'stretch', 'pad'] as const)
      it(`${resize}: a flat float image stays exactly flat (no rounding, no clamping); 8-bit data land within 2.5 levels of sharp's Lanczos-3 on average`, async () => {
        const pre = resolvePreprocess({ size: [16, 12], resize });
        const flat = await fitToModel(
          await loadImage({ data: new Float32Array(w * h * 3).fill(1234.5678), width: w, height: h, channels: 3 }),
          pre,
        );
        assert.ok(flat.values);
        const border = resize === 'pad' ? [0] : [];
        for (const v of flat.values) assert.ok(v === Math.fround(1234.5678) || border.includes(v), `${v}`);
        if (resize === 'pad') assert.ok(flat.values.includes(0) && flat.data.includes(255), 'padded with 0, the 8-bit view clamped');
        const viaFloat = await fitToModel(await loadImage({ data: Float32Array.from(smooth), width: w, height: h, channels: 3 }), pre);
        const viaSharp = await fitToModel(await loadImage({ data: smooth, width: w, height: h, channels: 3 }), pre);
        let sum = 0;
        for (let i = 0; i < viaSharp.data.length; i++) sum += Math.abs(viaFloat.values![i] - viaSharp.data[i]);
        // An independent resampler, not the same one: libvips's reduce differs in detail (measured
        // means 0.68 'crop', 0.29 'stretch', 1.90 'pad', whose 29 → 8 rows shrink most).
        assert.ok(sum / viaSharp.data.length < 2.5, `mean difference ${sum / viaSharp.data.length}`);
      });
  });

  describe('explained in float against exact answers (linear model, black background)', () => {
    const xs16 = (u16: Uint16Array) => (p: number, c: number) => u16[3 * p + c] / 65535;

    for (const [name, make] of [
      ['16-bit PNG', png16],
      ['16-bit TIFF', tiff16],
      ['raw Uint16Array', async (u16: Uint16Array) => ({ data: u16, width: W, height: H, channels: 3 as const })],
    ] as const) {
      it(`${name}: LIME coefficients and exact Shapley values are Σ w·v/65535 per segment`, async () => {
        const u16 = sixteenBit();
        const input = await make(u16);
        const lime = await explainer.lime(input, {
          segmentation: seg,
          hide: 'black',
          regressor: 'linear',
          numSamples: 200,
          labels: [0, 1, 2],
          seed: 2,
        });
        const shap = await explainer.shap(input, {
          algorithm: 'exact',
          features: 'superpixels',
          segmentation: seg,
          masker: 'black',
          labels: [0, 1, 2],
        });
        for (const k of [0, 1, 2]) {
          const want = linearContributions(model, k, seg.labels, seg.count, xs16(u16));
          const l = lime.explanations.find((e) => e.index === k)!;
          const s = shap.explanations.find((e) => e.index === k)!;
          assertClose(l.weights, want, 1e-5, `lime class ${k}`);
          assertClose(s.segmentValues as Float64Array, want, 1e-5, `shap class ${k}`);
          // What 8 bits would have given is far outside the tolerance: the test sees the difference.
          const rounded = linearContributions(model, k, seg.labels, seg.count, (p, c) => Math.round(u16[3 * p + c] / 257) / 255);
          assert.ok(maxDiff(rounded, want) > 1e-3, `8-bit rounding moves class ${k} by ${maxDiff(rounded, want)}`);
        }
      });
    }

    it('a Float32Array outside 0..255 is used as is (no clamping), with preprocess scale 1 for 0..1 data', async () => {
      const f = Float32Array.from({ length: P * 3 }, (_, i) => Math.sin(i) * 3 - 0.5); // -3.5 .. 2.5
      const e = await createExplainer(model.bytes, { preprocess: { ...identityPreprocess(H, W), scale: 1 }, softmax: false });
      try {
        const r = await e.shap(
          { data: f, width: W, height: H, channels: 3 },
          { algorithm: 'exact', features: 'superpixels', segmentation: seg, masker: 'black', labels: [1] },
        );
        const want = linearContributions(model, 1, seg.labels, seg.count, (p, c) => f[3 * p + c]);
        assertClose(r.explanations[0].segmentValues as Float64Array, want, 1e-4, 'shap');
      } finally {
        await e.dispose();
      }
    });
  });

  describe('the float path equals the 8-bit path on 8-bit data', () => {
    const eight = () => ({ data: eightBit(), width: W, height: H, channels: 3 as const });
    const asFloat = () => ({ data: Float32Array.from(eightBit()), width: W, height: H, channels: 3 as const });
    const as16 = () => ({ data: Uint16Array.from(eightBit(), (v) => v * 257), width: W, height: H, channels: 3 as const });

    it('LIME (quickshift, black and a colour) and SHAP (pixels, partition, black): identical results', async () => {
      for (const hide of ['black', { color: [10, 200, 30] as [number, number, number] }] as const) {
        const a = await explainer.lime(eight(), { hide, numSamples: 100, seed: 4 });
        for (const other of [asFloat(), as16()]) {
          const b = await explainer.lime(other, { hide, numSamples: 100, seed: 4 });
          assert.deepEqual(b.segmentation.labels, a.segmentation.labels);
          assert.deepEqual(
            b.explanations.map((e) => [e.index, [...e.weights], e.intercept]),
            a.explanations.map((e) => [e.index, [...e.weights], e.intercept]),
          );
        }
      }
      const a = await explainer.shap(eight(), { masker: 'black', maxEvals: 60 });
      const b = await explainer.shap(asFloat(), { masker: 'black', maxEvals: 60 });
      assert.deepEqual(
        b.explanations.map((e) => [...e.values]),
        a.explanations.map((e) => [...e.values]),
      );
    });

    it("but 'mean' and blur are not rounded for a float image (lime truncates, cv2.blur rounds 8-bit)", async () => {
      // A float image of 8-bit values: LIME with hide 'blur(3,3)' and 'mean', linear regressor: the
      // coefficient is Σ w·(x − background)/255 with the background's exact (unrounded) values.
      const x = eightBit();
      const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
      const blur = (p: number, c: number) => {
        const px = p % W,
          py = Math.floor(p / W);
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += x[3 * (reflect(py + dy, H) * W + reflect(px + dx, W)) + c];
        return s / 9;
      };
      const sums = new Float64Array(seg.count * 3),
        sizes = new Float64Array(seg.count);
      for (let p = 0; p < P; p++) {
        sizes[seg.labels[p]]++;
        for (let c = 0; c < 3; c++) sums[3 * seg.labels[p] + c] += x[3 * p + c];
      }
      const mean = (p: number, c: number) => sums[3 * seg.labels[p] + c] / sizes[seg.labels[p]];
      for (const [hide, background] of [
        ['blur(3,3)', blur],
        ['mean', mean],
      ] as const) {
        const r = await explainer.lime(asFloat(), { segmentation: seg, hide, regressor: 'linear', numSamples: 200, labels: [0], seed: 1 });
        const want = linearContributions(
          model,
          0,
          seg.labels,
          seg.count,
          (p, c) => x[3 * p + c] / 255,
          (p, c) => background(p, c) / 255,
        );
        assertClose(r.explanations[0].weights, want, 1e-5, `float ${hide}`);
        const r8 = await explainer.lime(eight(), { segmentation: seg, hide, regressor: 'linear', numSamples: 200, labels: [0], seed: 1 });
        assert.ok(maxDiff(r8.explanations[0].weights, want) > 1e-5, `the 8-bit path rounds the ${hide} background`);
      }
    });
  });

  it("compositing 'graph' refuses a float image with a RangeError naming compositing (its graph takes 8-bit pixels)", async () => {
    const e = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false, compositing: 'graph' });
    try {
      await e.lime({ data: eightBit(), width: W, height: H, channels: 3 }, { numSamples: 10 }); // 8-bit: fine
      await assert.rejects(e.lime({ data: Float32Array.from(eightBit()), width: W, height: H, channels: 3 }, { numSamples: 10 }), {
        name: 'RangeError',
        message: /'native' for a 16-bit or float image.* for compositing but received "graph"/,
      });
    } finally {
      await e.dispose();
    }
  });

  describe('hostile raw input: TypeError/RangeError naming the parameter and the value', () => {
    const base = { width: W, height: H, channels: 3 as const };
    const cases: [string, () => unknown, RegExp, typeof TypeError | typeof RangeError][] = [
      ['wrong length', () => ({ ...base, data: new Float32Array(P * 3 - 1) }), /length 768 .*image\.data.*length 767/, RangeError],
      [
        'NaN pixel',
        () => ({ ...base, data: Float32Array.from({ length: P * 3 }, (_, i) => (i === 7 ? NaN : 1)) }),
        /image\.data\[7\].*NaN/,
        RangeError,
      ],
      [
        'Infinity pixel',
        () => ({ ...base, data: Float32Array.from({ length: P * 3 }, (_, i) => (i === 9 ? -Infinity : 1)) }),
        /image\.data\[9\].*-Infinity/,
        RangeError,
      ],
      [
        'detached buffer',
        () => {
          const data = new Float32Array(P * 3);
          structuredClone(data.buffer, { transfer: [data.buffer] });
          return { ...base, data };
        },
        /image\.data.*length 0/,
        RangeError,
      ],
      [
        'width·height·channels overflowing',
        () => ({ data: new Float32Array(3), width: 2 ** 31, height: 2 ** 31, channels: 3 }),
        /pixels.*for image but.*2147483648x2147483648/,
        RangeError,
      ],
      ['channels 0', () => ({ ...base, channels: 0, data: new Float32Array(0) }), /image\.channels.*0/, RangeError],
      ['channels 1000', () => ({ ...base, channels: 1000, data: new Float32Array(P * 1000) }), /image\.channels.*1000/, RangeError],
      [
        'values of the wrong length',
        () => ({ ...base, data: eightBit(), values: new Float32Array(5) }),
        /length 768 .*image\.values.*length 5/,
        RangeError,
      ],
      [
        'a NaN in values',
        () => ({ ...base, data: eightBit(), values: Float32Array.from({ length: P * 3 }, (_, i) => (i === 3 ? NaN : 0)) }),
        /image\.values\[3\].*NaN/,
        RangeError,
      ],
      [
        'values beside 16-bit data',
        () => ({ ...base, data: sixteenBit(), values: new Float32Array(P * 3) }),
        /image\.values.*16-bit data/,
        RangeError,
      ],
      [
        'a subclass whose length lies',
        () => {
          class Lying extends Float32Array {
            override get length() {
              return P * 3;
            }
          }
          return { ...base, data: new Lying(10) };
        },
        /image\.data.*length 10/,
        RangeError,
      ],
      [
        'a Float64Array',
        () => ({ ...base, data: new Float64Array(P * 3) }),
        /Uint16Array or Float32Array for image\.data.*Float64Array/,
        TypeError,
      ],
    ];
    for (const [name, make, message, kind] of cases)
      it(name, async () => {
        await assert.rejects(loadImage(make() as never), (err: Error) => {
          assert.ok(err instanceof kind, `${err.constructor.name}: ${err.message}`);
          assert.match(err.message, message);
          return true;
        });
        await assert.rejects(explainer.lime(make() as never, { numSamples: 10 }), kind);
      });
  });
});
