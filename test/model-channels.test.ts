// SPDX-License-Identifier: MIT
// Models of other channel counts than 3 (grayscale, multispectral) through a custom preprocessing.
// Truth: a linear glass-box model over the C·H·W input, built here, whose exact LIME coefficients
// and Shapley values per segment are Σ w·(x − baseline) over the segment's pixels and channels,
// computed in float64 from the pixels given.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createExplainer, segment, type Segmentation } from '../lib';
import { loadModel } from '../lib/model';
import { buildModel } from './helpers/onnx-builder';

const H = 12,
  W = 10,
  P = H * W,
  K = 2;

/** A linear model `b + Σ w_i x_i` over the flattened [N, C, H, W] (or [N, H, W, C]) input. */
function channelModel(C: number, layout: 'nchw' | 'nhwc', seed: number) {
  const F = C * P;
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const weights = Float32Array.from({ length: K * F }, rand); // [k][flattened index in the model's layout]
  const bias = Float32Array.from({ length: K }, rand);
  const wt = new Float32Array(F * K);
  for (let k = 0; k < K; k++) for (let i = 0; i < F; i++) wt[i * K + k] = weights[k * F + i];
  const bytes = buildModel({
    inputs: [{ name: 'input', type: 'float32', shape: layout === 'nchw' ? ['batch', C, H, W] : ['batch', H, W, C] }],
    outputs: [{ name: 'logits', type: 'float32', shape: ['batch', K] }],
    initializers: [
      { name: 'W', type: 'float32', dims: [F, K], data: wt },
      { name: 'b', type: 'float32', dims: [K], data: bias },
    ],
    nodes: [
      { op: 'Flatten', inputs: ['input'], outputs: ['flat'], attributes: { axis: { int: 1 } } },
      { op: 'MatMul', inputs: ['flat', 'W'], outputs: ['xw'] },
      { op: 'Add', inputs: ['xw', 'b'], outputs: ['logits'] },
    ],
  });
  /** The weight of pixel p, channel c for class k. */
  const w = (k: number, p: number, c: number) => weights[k * F + (layout === 'nchw' ? c * P + p : C * p + c)];
  return { bytes, w, bias };
}

/** Σ over each segment of w·(x − baseline), float64. */
function contributions(
  w: (k: number, p: number, c: number) => number,
  k: number,
  C: number,
  seg: Segmentation,
  x: (p: number, c: number) => number,
  baseline: (p: number, c: number) => number = () => 0,
): Float64Array {
  const out = new Float64Array(seg.count);
  for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) out[seg.labels[p]] += w(k, p, c) * (x(p, c) - baseline(p, c));
  return out;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

const custom = (C: number, layout: 'nchw' | 'nhwc' = 'nchw') => ({
  size: [H, W] as [number, number],
  resize: 'stretch' as const,
  layout,
  scale: 1 / 255,
  mean: Array.from({ length: C }, (_, c) => 0.1 * c),
  std: Array.from({ length: C }, (_, c) => 1 + c / 2),
});

describe('models of 1 and 4+ input channels (custom preprocessing)', function () {
  this.timeout(120000);
  let seg: Segmentation;
  before(async () => {
    seg = await segment({ data: new Uint8Array(P * 3), width: W, height: H, channels: 3 }, { method: 'grid', rows: 3, cols: 2 });
  });

  for (const [C, layout] of [
    [4, 'nchw'],
    [4, 'nhwc'],
    [7, 'nchw'],
  ] as const)
    it(`${C} channels, ${layout}: raw pixels of ${C} channels; LIME and exact SHAP equal Σ w·((x·scale − mean)/std − baseline)`, async () => {
      const m = channelModel(C, layout, 3 + C);
      const pre = custom(C, layout);
      const explainer = await createExplainer(m.bytes, { preprocess: pre, softmax: false });
      try {
        const data = Uint16Array.from({ length: P * C }, (_, i) => (i * 7919) % 65536);
        const x = (p: number, c: number) => (data[C * p + c] / 65535 - pre.mean[c]) / pre.std[c];
        const black = (_: number, c: number) => (0 - pre.mean[c]) / pre.std[c];
        const image = { data, width: W, height: H, channels: C };
        const lime = await explainer.lime(image as never, {
          segmentation: seg,
          hide: 'black',
          regressor: 'linear',
          numSamples: 100,
          labels: [0, 1],
          seed: 1,
        });
        const shap = await explainer.shap(image as never, {
          algorithm: 'exact',
          features: 'superpixels',
          segmentation: seg,
          masker: 'black',
          labels: [0, 1],
        });
        for (const k of [0, 1]) {
          const want = contributions(m.w, k, C, seg, x, black);
          assertClose(lime.explanations.find((e) => e.index === k)!.weights, want, 1e-4, `lime ${k}`);
          assertClose(shap.explanations.find((e) => e.index === k)!.segmentValues as Float64Array, want, 1e-4, `shap ${k}`);
        }
        // The 8-bit view for pictures and segmentation: the first three channels.
        assert.equal(lime.image.data[0], Math.round(data[0] / 257));
        assert.equal(lime.image.bands, C);
        // 'mean' is each segment's mean per channel, unrounded.
        const means = new Float64Array(seg.count * C),
          sizes = new Float64Array(seg.count);
        for (let p = 0; p < P; p++) {
          sizes[seg.labels[p]]++;
          for (let c = 0; c < C; c++) means[seg.labels[p] * C + c] += data[C * p + c] / 257;
        }
        const mean = (p: number, c: number) => (means[seg.labels[p] * C + c] / sizes[seg.labels[p]] / 255 - pre.mean[c]) / pre.std[c];
        const r = await explainer.lime(image as never, {
          segmentation: seg,
          hide: 'mean',
          regressor: 'linear',
          numSamples: 100,
          labels: [1],
          seed: 1,
        });
        assertClose(r.explanations[0].weights, contributions(m.w, 1, C, seg, x, mean), 1e-4, "lime 'mean'");
      } finally {
        await explainer.dispose();
      }
    });

  for (const resize of ['crop', 'stretch', 'pad'] as const)
    it(`${resize}: a flat 5-channel image of another size is fitted per channel, values unrounded`, async () => {
      const m = channelModel(5, 'nhwc', 2);
      const explainer = await createExplainer(m.bytes, { preprocess: { ...custom(5, 'nhwc'), resize }, softmax: false });
      try {
        const level = [1.5, -2.25, 300.125, 0, 77.75];
        const data = Float32Array.from({ length: 31 * 17 * 5 }, (_, i) => level[i % 5]);
        const fitted = await explainer.prepare({ data, width: 31, height: 17, channels: 5 } as never);
        assert.equal(fitted.bands, 5);
        assert.equal(fitted.values!.length, P * 5);
        for (let i = 0; i < P * 5; i++) {
          const v = fitted.values![i];
          assert.ok(v === Math.fround(level[i % 5]) || (resize === 'pad' && v === 0), `value ${i}: ${v}`);
        }
      } finally {
        await explainer.dispose();
      }
    });

  it('1 channel (grayscale): a 16-bit grayscale PNG is its own values; an RGB image is its luma', async () => {
    const m = channelModel(1, 'nchw', 5);
    const pre = { ...custom(1), mean: 0.5, std: 0.25 };
    const explainer = await createExplainer(m.bytes, { preprocess: pre, softmax: false });
    try {
      const g = Uint16Array.from({ length: P }, (_, i) => (i * 523 + 77) % 65536);
      const png = await sharp(g, { raw: { width: W, height: H, channels: 1 } })
        .toColourspace('grey16')
        .png()
        .toBuffer();
      const shap = await explainer.shap(png, {
        algorithm: 'exact',
        features: 'superpixels',
        segmentation: seg,
        masker: 'black',
        labels: [0],
      });
      const want = contributions(
        m.w,
        0,
        1,
        seg,
        (p) => (g[p] / 65535 - 0.5) / 0.25,
        () => -0.5 / 0.25,
      );
      assertClose(shap.explanations[0].segmentValues as Float64Array, want, 1e-4, 'gray png');
      const rgb = Uint8Array.from({ length: P * 3 }, (_, i) => (i * 41) % 256);
      const luma = (p: number) => 0.299 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2];
      const fromRgb = await explainer.shap(
        { data: rgb, width: W, height: H, channels: 3 },
        { algorithm: 'exact', features: 'superpixels', segmentation: seg, masker: 'black', labels: [0] },
      );
      const wantRgb = contributions(
        m.w,
        0,
        1,
        seg,
        (p) => (luma(p) / 255 - 0.5) / 0.25,
        () => -0.5 / 0.25,
      );
      assertClose(fromRgb.explanations[0].segmentValues as Float64Array, wantRgb, 1e-4, 'rgb as luma');
      // classify() runs the same 1-channel tensor.
      const top = await explainer.classify(png, { topK: 1 });
      assert.ok(Number.isFinite(top[0].probability));
    } finally {
      await explainer.dispose();
    }
  });

  it('where the channel dim sits: 3 wherever it is, else the fixed smaller dim with height and width alike', async () => {
    const load = (shape: (number | string)[]) =>
      loadModel(
        buildModel({
          inputs: [{ name: 'input', type: 'float32', shape }],
          outputs: [{ name: 'scores', type: 'float32', shape: ['batch', 2] }],
          // [N, 2]: the input's mean, twice (a model of any input shape with the declared output).
          initializers: [{ name: 'axes', type: 'int64', dims: [1], data: [1] }],
          nodes: [
            { op: 'Flatten', inputs: ['input'], outputs: ['flat'], attributes: { axis: { int: 1 } } },
            { op: 'ReduceMean', inputs: ['flat', 'axes'], outputs: ['m'], attributes: { keepdims: { int: 1 } } },
            { op: 'Concat', inputs: ['m', 'm'], outputs: ['scores'], attributes: { axis: { int: 1 } } },
          ],
        }),
      );
    for (const [shape, layout, channels] of [
      [['batch', 1, 28, 28], 'nchw', 1],
      [['batch', 1, 'h', 'w'], 'nchw', 1],
      [['batch', 64, 64, 13], 'nhwc', 13],
      [['batch', 'h', 'w', 13], 'nhwc', 13],
      [['batch', 3, 5, 3], 'nchw', 3],
    ] as const) {
      const m = await load([...shape]);
      assert.deepEqual([m.layout, m.channels], [layout, channels], shape.join(','));
      await m.dispose();
    }
    for (const shape of [
      ['batch', 'c', 32, 32],
      ['batch', 32, 32, 'c'],
      ['batch', 2000, 'h', 'w'],
      ['batch', 16, 16, 16],
    ])
      await assert.rejects(
        load(shape),
        { name: 'RangeError', message: /\[N, C, H, W\] or \[N, H, W, C\] with a fixed C from 1 to 1024/ },
        shape.join(','),
      );
  });

  it('refused with the parameter named: a preset, preset-based options, bgr, mean of 3 for 4 channels, a file or 3-channel pixels for a 4-channel model, a colour, graph compositing', async () => {
    const m = channelModel(4, 'nchw', 9);
    await assert.rejects(createExplainer(m.bytes, { preprocess: 'imagenet' }), {
      name: 'RangeError',
      message: /has 4 channels and the presets are for 3-channel RGB models for preprocess but received "imagenet"/,
    });
    await assert.rejects(createExplainer(m.bytes, { preprocess: { preset: 'imagenet', size: [H, W] } }), {
      name: 'RangeError',
      message: /preprocess\.preset/,
    });
    await assert.rejects(createExplainer(m.bytes, { preprocess: { ...custom(4), channels: 'bgr' } }), {
      name: 'RangeError',
      message: /preprocess\.channels/,
    });
    await assert.rejects(createExplainer(m.bytes, { preprocess: { ...custom(4), mean: [0, 0, 0] } }), {
      name: 'RangeError',
      message: /4 numbers.*for preprocess\.mean but received array\(3\)/,
    });
    await assert.rejects(createExplainer(m.bytes, { preprocess: custom(4), compositing: 'graph' }), {
      name: 'RangeError',
      message: /compositing/,
    });
    const explainer = await createExplainer(m.bytes, { preprocess: custom(4), softmax: false });
    try {
      const png = await sharp(new Uint8Array(P * 3), { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toBuffer();
      await assert.rejects(explainer.lime(png), {
        name: 'TypeError',
        message: /channels: 4 } \(the model's input has 4 channels\) for image but received Buffer/,
      });
      await assert.rejects(explainer.lime({ data: new Uint8Array(P * 3), width: W, height: H, channels: 3 }), {
        name: 'RangeError',
        message: /4 \(the model's input channels\) for image\.channels but received 3/,
      });
      const four = { data: new Float32Array(P * 4), width: W, height: H, channels: 4 as const };
      await assert.rejects(explainer.lime({ ...four, data: new Float32Array(P * 4 - 1) }), { name: 'RangeError', message: /image\.data/ });
      await assert.rejects(explainer.lime(four, { hide: { color: [1, 2, 3] }, numSamples: 10 }), {
        name: 'RangeError',
        message: /for a 4-channel model \(a colour has 3 values\) for hide but received "\{ color: \[1, 2, 3\] \}"/,
      });
      await assert.rejects(explainer.shap(four, { masker: { background: png }, maxEvals: 10 }), {
        name: 'RangeError',
        message: /4-channel model.* for masker\.background/,
      });
    } finally {
      await explainer.dispose();
    }
  });
});
