// SPDX-License-Identifier: MIT
// Grad-CAM through the library: CAM's identity on a conv → ReLU → global average pool → linear
// model (α_c = w_kc/(h·w), so the map is ReLU(Σ_c w_kc A_c)/(h·w), with A computed here in float64),
// the default layer found, the layer refusals, and on SqueezeNet the map's mass on the kitten
// rather than the white background around it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createExplainer, renderGradient, renderShap, saveGradient, type RawImage } from '../../lib';
import { fromNpy } from '../../lib/npy';
import { identityPreprocess } from '../helpers/fixtures';
import { buildModel } from '../helpers/onnx-builder';
import { requireShared, shared } from '../helpers/shared';
import { seeded } from './gradient-check';

const H = 6;
const W = 5;
const C = 4;
const K = 3;

/**
 * x [N,3,H,W] → Conv 3×3 (pads 1) "conv" → Relu "act" → GlobalAveragePool → Flatten → Gemm (the
 * logits), then a Softmax of the model's own when `softmax`.
 */
function camModel(softmax = false) {
  const random = seeded(21);
  const values = (n: number) => Float32Array.from({ length: n }, () => 2 * random() - 1);
  const conv = values(C * 3 * 3 * 3);
  const bias = values(C);
  const linear = values(K * C);
  const linearBias = values(K);
  const bytes = buildModel({
    inputs: [{ name: 'x', type: 'float32', shape: ['N', 3, H, W] }],
    outputs: [{ name: 'scores', type: 'float32', shape: ['N', K] }],
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'w', 'b'],
        outputs: ['conv'],
        attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } },
      },
      { op: 'Relu', inputs: ['conv'], outputs: ['act'] },
      { op: 'GlobalAveragePool', inputs: ['act'], outputs: ['gap'] },
      { op: 'Flatten', inputs: ['gap'], outputs: ['flat'], attributes: { axis: { int: 1 } } },
      { op: 'Gemm', inputs: ['flat', 'wl', 'bl'], outputs: [softmax ? 'logits' : 'scores'], attributes: { transB: { int: 1 } } },
      ...(softmax ? [{ op: 'Softmax', inputs: ['logits'], outputs: ['scores'], attributes: { axis: { int: 1 } } }] : []),
    ],
    initializers: [
      { name: 'w', type: 'float32', dims: [C, 3, 3, 3], data: conv },
      { name: 'b', type: 'float32', dims: [C], data: bias },
      { name: 'wl', type: 'float32', dims: [K, C], data: linear },
      { name: 'bl', type: 'float32', dims: [K], data: linearBias },
    ],
  });
  /** The activation A = ReLU(conv(x)) in float64, [C, H, W], from the image's 0..1 planes. */
  const activation = (image: RawImage): Float64Array => {
    const x = (c: number, y: number, xx: number) => (y < 0 || y >= H || xx < 0 || xx >= W ? 0 : image.data[3 * (y * W + xx) + c] / 255);
    const a = new Float64Array(C * H * W);
    for (let o = 0; o < C; o++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          let s = bias[o];
          for (let c = 0; c < 3; c++)
            for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += conv[((o * 3 + c) * 3 + i) * 3 + j] * x(c, y + i - 1, xx + j - 1);
          a[(o * H + y) * W + xx] = Math.max(0, s);
        }
    return a;
  };
  return { bytes, linear, activation };
}

function photo(seed: number): RawImage {
  const random = seeded(seed);
  return { data: Uint8Array.from({ length: H * W * 3 }, () => Math.floor(256 * random())), width: W, height: H, channels: 3 };
}

describe('Grad-CAM', function () {
  this.timeout(120000);

  for (const own of [false, true])
    it(`equals CAM's closed form ReLU(Σ_c w_kc A_c)/(h·w) on conv → ReLU → GAP → linear${own ? ' → Softmax' : ''}, on the default layer`, async () => {
      const model = camModel(own);
      // Grad-CAM differentiates the logit, whether the library's softmax ('auto' finds logits) or
      // the model's own follows it.
      const explainer = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W) });
      try {
        for (const [seed, k] of [
          [1, 0],
          [2, 2],
        ]) {
          const image = photo(seed);
          const cam = await explainer.gradCam(image, { classIndex: k });
          assert.equal(cam.layer, 'act');
          assert.equal(cam.defaultLayer, true);
          assert.deepEqual(cam.layerShape, [C, H, W]);
          const a = model.activation(image);
          for (let c = 0; c < C; c++) assert.ok(Math.abs(cam.weights[c] - model.linear[k * C + c] / (H * W)) < 1e-6, `α_${c}`);
          let positive = 0;
          for (let p = 0; p < H * W; p++) {
            let s = 0;
            for (let c = 0; c < C; c++) s += model.linear[k * C + c] * a[c * H * W + p];
            const expected = Math.max(0, s) / (H * W);
            if (expected > 0) positive++;
            assert.ok(Math.abs(cam.cam[p] - expected) < 1e-6, `pixel ${p}: ${cam.cam[p]} vs ${expected}`);
            // The layer has the input's size: upsampling changes nothing.
            assert.ok(Math.abs(cam.pixels[p] - cam.cam[p]) < 1e-6);
          }
          assert.ok(positive > 0, 'a map with something in it');
          assert.equal(cam.pixels.length, H * W);
          assert.equal(cam.classIndex, k);
        }
        // The pre-ReLU layer by name: the same map where the ReLU passes everything, and cached per layer.
        const named = await explainer.gradCam(photo(1), { classIndex: 0, layer: 'conv' });
        assert.equal(named.layer, 'conv');
        assert.equal(named.defaultLayer, false);
      } finally {
        await explainer.dispose();
      }
    });

  it('refuses an unknown layer (suggesting valid ones), a layer that is not 4-D, and bad types', async () => {
    const explainer = await createExplainer(camModel().bytes, { preprocess: identityPreprocess(H, W) });
    try {
      await assert.rejects(
        explainer.gradCam(photo(1), { layer: 'actt' }),
        (e: Error) => e instanceof RangeError && /layer/.test(e.message) && /"act"/.test(e.message) && /actt/.test(e.message),
      );
      await assert.rejects(
        explainer.gradCam(photo(1), { layer: 'flat' }),
        (e: Error) => e instanceof RangeError && /layer/.test(e.message) && /4-D/.test(e.message) && /\[1, 4\]/.test(e.message),
      );
      // An initializer is no activation.
      await assert.rejects(explainer.gradCam(photo(1), { layer: 'w' }), RangeError);
      await assert.rejects(
        explainer.gradCam(photo(1), { layer: 3 as unknown as string }),
        (e: Error) => e instanceof TypeError && /layer/.test(e.message),
      );
      await assert.rejects(
        explainer.gradCam(photo(1), { classIndex: K }),
        (e: Error) => e instanceof RangeError && /classIndex/.test(e.message),
      );
      await assert.rejects(explainer.gradCam(photo(1), { layr: 'act' } as object), /layr/);
    } finally {
      await explainer.dispose();
    }
  });

  it('saves maps as .npy beside a JSON naming them, and draws them (refusing what is not a gradient result)', async () => {
    const explainer = await createExplainer(camModel().bytes, { preprocess: identityPreprocess(H, W) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-gradcam-'));
    try {
      const cam = await explainer.gradCam(photo(4), { classIndex: 1 });
      const ig = await explainer.integratedGradients(photo(4), { classIndex: 1, steps: 3 });
      const written = [...saveGradient(cam, dir, 'x'), ...saveGradient(ig, dir, 'x')].map((f) => path.basename(f));
      assert.deepEqual(written, ['x.gradcam.npy', 'x.gradcam-layer.npy', 'x.gradcam.json', 'x.ig.npy', 'x.ig-channels.npy', 'x.ig.json']);
      const camJson = JSON.parse(fs.readFileSync(path.join(dir, 'x.gradcam.json'), 'utf8'));
      assert.equal(camJson.layer, 'act');
      assert.deepEqual(camJson.arrays.values, { file: 'x.gradcam.npy', dtype: '<f4', shape: [H, W] });
      assert.deepEqual(Array.from(fromNpy(fs.readFileSync(path.join(dir, 'x.gradcam.npy'))).data), Array.from(cam.pixels));
      const igJson = JSON.parse(fs.readFileSync(path.join(dir, 'x.ig.json'), 'utf8'));
      assert.deepEqual(igJson.arrays.attributions.shape, [3, H, W]);
      assert.equal(igJson.completenessGap, ig.completenessGap);
      assert.deepEqual(Array.from(fromNpy(fs.readFileSync(path.join(dir, 'x.ig-channels.npy'))).data), Array.from(ig.attributions));
      for (const result of [cam, ig]) {
        const meta = await sharp(await renderGradient(result)).metadata();
        // shap's layout: the image, then the map, side by side.
        assert.ok((meta.width ?? 0) >= 2 * W && (meta.height ?? 0) >= H, `${meta.width}×${meta.height}`);
      }
      await assert.rejects(
        renderGradient({ method: 'gradcam' } as never),
        (e: Error) => e instanceof TypeError && /result/.test(e.message),
      );
      // A SHAP result (expected gradients will return one) is drawn as renderShap draws it.
      const shap = await explainer.shap(photo(4), { maxEvals: 20, topLabels: 1 });
      assert.deepEqual(await renderGradient(shap), await renderShap(shap));
      await assert.rejects(renderGradient(cam, { limit: 0 }), (e: Error) => e instanceof RangeError && /limit/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await explainer.dispose();
    }
  });

  describe('SqueezeNet 1.1', function () {
    requireShared(this);

    it('puts the map of "tabby" on the kitten, not on the white background', async () => {
      const file = shared('models', 'images', 'kitten_224.png');
      const explainer = await createExplainer(shared('models', 'squeezenet1.1-fp32.onnx'), { preprocess: { preset: 'caffe-bgr' } });
      try {
        const cam = await explainer.gradCam(file);
        assert.equal(cam.classIndex, 281);
        assert.equal(cam.defaultLayer, true);
        assert.equal(cam.layerShape.length, 3);
        assert.ok(cam.layerShape[1] > 1 && cam.layerShape[2] > 1, `a spatial layer: ${cam.layerShape.join('×')}`);
        // The kitten is every pixel that is not near-white (the photo's background is white).
        const { data, info } = await sharp(fs.readFileSync(file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        assert.equal(info.width * info.height, cam.pixels.length);
        let cat = 0;
        let catN = 0;
        let rest = 0;
        let restN = 0;
        for (let p = 0; p < cam.pixels.length; p++) {
          const white = Math.min(data[3 * p], data[3 * p + 1], data[3 * p + 2]) > 225;
          if (white) {
            rest += cam.pixels[p];
            restN++;
          } else {
            cat += cam.pixels[p];
            catN++;
          }
        }
        assert.ok(catN > 0.2 * cam.pixels.length && restN > 0.2 * cam.pixels.length, `${catN} cat, ${restN} background pixels`);
        const ratio = cat / catN / (rest / restN);
        assert.ok(ratio > 2, `mean map on the kitten / on the background = ${ratio.toFixed(2)} (layer ${cam.layer})`);
      } finally {
        await explainer.dispose();
      }
    });
  });
});
