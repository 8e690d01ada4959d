// SPDX-License-Identifier: MIT
// compositing: 'graph': the rewritten model sees the native kernel's input (same outputs), for LIME
// and SHAP, NCHW and NHWC, RGB and BGR, float32 and float16, dynamic and fixed batches, on glass-box
// models with exact answers and on the shared MobileNetV2-int8 and float16 SqueezeNet (opset 7);
// the bytes each mode hands onnxruntime; the option's checks.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import fsPromises from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createExplainer, segment, type ExplainerOptions, type LimeResult, type ShapResult } from '../../lib';
import { maskEvaluator } from '../../lib/mask-evaluator';
import { loadModel } from '../../lib/model';
import { readExplainSettings } from '../../lib/cli/explain-flags';
import { decodeModel, encodeModel } from '../../lib/onnx';
import { labelByteCount, labelPlanes, prependCompositing, preprocessTable } from '../../lib/onnx/prepend-compositing';
import { float16Model, linearModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';
import { requireShared, shared } from '../helpers/shared';

const H = 16,
  W = 16;
function testImage(h = H, w = W): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i * i) % 101)) % 256;
  return { data, width: w, height: h, channels: 3 };
}

/** Runs `explain` with each compositing mode on the same model bytes and options. */
async function bothModes<T>(
  bytes: Uint8Array,
  options: ExplainerOptions,
  explain: (e: Awaited<ReturnType<typeof createExplainer>>) => Promise<T>,
) {
  const out: Record<'native' | 'graph', T> = {} as Record<'native' | 'graph', T>;
  for (const compositing of ['native', 'graph'] as const) {
    const explainer = await createExplainer(bytes, { ...options, compositing });
    try {
      out[compositing] = await explain(explainer);
    } finally {
      await explainer.dispose();
    }
  }
  return out;
}

/** Largest |a − b| relative to the largest |b| (0 when both are all zero). */
function relativeGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let gap = 0,
    scale = 0;
  for (let i = 0; i < a.length; i++) {
    gap = Math.max(gap, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? gap : gap / scale;
}

function assertSameLime(graph: LimeResult, native: LimeResult, tolerance: number): void {
  assert.equal(graph.compositing, 'graph');
  assert.equal(native.compositing, 'native');
  assert.equal(graph.evaluations, native.evaluations);
  assert.deepEqual(
    graph.explanations.map((e) => e.index),
    native.explanations.map((e) => e.index),
  );
  graph.explanations.forEach((e, j) => {
    const n = native.explanations[j];
    assert.ok(
      Math.abs(e.probability - n.probability) <= tolerance * Math.max(1, Math.abs(n.probability)),
      `probability ${e.probability} vs ${n.probability}`,
    );
    const gap = relativeGap(e.weights, n.weights);
    assert.ok(gap <= tolerance, `class ${e.index}: weights differ by ${gap} (relative)`);
  });
}

function assertSameShap(graph: ShapResult, native: ShapResult, tolerance: number): void {
  assert.equal(graph.compositing, 'graph');
  assert.equal(graph.evaluations, native.evaluations);
  graph.explanations.forEach((e, j) => {
    const n = native.explanations[j];
    assert.equal(e.index, n.index);
    assert.ok(Math.abs(e.baseValue - n.baseValue) <= tolerance, `base ${e.baseValue} vs ${n.baseValue}`);
    const gap = relativeGap(e.values, n.values);
    assert.ok(gap <= tolerance, `class ${e.index}: values differ by ${gap} (relative)`);
  });
}

describe("compositing: 'graph'", function () {
  const image = testImage();
  // float32 tolerance: both modes feed the model the same bits, so only onnxruntime's own
  // evaluation order (a different graph) could move the outputs.
  const F32 = 1e-5;

  describe('glass-box linear model: the exact answers, and the same as native', () => {
    it("LIME recovers each segment's exact contribution in graph mode as natively (NCHW, RGB)", async () => {
      const model = linearModel({ height: H, width: W, classes: 3, seed: 7 });
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const r = await bothModes(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false }, (e) =>
        e.lime(image, { segmentation: seg, hide: 'black', regressor: 'linear', numSamples: 300, labels: [0, 1, 2], seed: 3 }),
      );
      for (const e of r.graph.explanations) {
        const expected = new Float64Array(seg.count);
        for (let p = 0; p < H * W; p++)
          for (let c = 0; c < 3; c++)
            expected[seg.labels[p]] += model.weights[e.index * 3 * H * W + c * H * W + p] * (image.data[3 * p + c] / 255);
        for (let s = 0; s < seg.count; s++)
          assert.ok(Math.abs(e.weights[s] - expected[s]) < 1e-6, `class ${e.index} segment ${s}: ${e.weights[s]} vs ${expected[s]}`);
        assert.ok(Math.abs(e.intercept - model.bias[e.index]) < 1e-6);
      }
      assertSameLime(r.graph, r.native, F32);
    });

    for (const layout of ['nchw', 'nhwc'] as const)
      for (const channels of ['rgb', 'bgr'] as const)
        it(`LIME and SHAP (kernel, superpixels; partition, pixels) give native's outputs: ${layout}, ${channels}, mean/std`, async () => {
          const model = linearModel({ height: H, width: W, classes: 4, seed: 11, layout });
          const preprocess = {
            ...identityPreprocess(H, W),
            layout,
            channels,
            mean: [0.4, 0.5, 0.6] as const,
            std: [0.2, 0.3, 0.25] as const,
          };
          const seg = await segment(image, { method: 'grid', rows: 3, cols: 5 });
          const lime = await bothModes(model.bytes, { preprocess, softmax: false }, (e) =>
            e.lime(image, { segmentation: seg, hide: 'mean', numSamples: 120, seed: 5 }),
          );
          assertSameLime(lime.graph, lime.native, F32);
          const kernel = await bothModes(model.bytes, { preprocess, softmax: false }, (e) =>
            e.shap(image, { algorithm: 'kernel', segmentation: seg, maxEvals: 200, seed: 2, topLabels: 2 }),
          );
          assertSameShap(kernel.graph, kernel.native, F32);
          const pixels = await bothModes(model.bytes, { preprocess, softmax: false }, (e) =>
            e.shap(image, { algorithm: 'partition', features: 'pixels', maxEvals: 100, topLabels: 1 }),
          );
          assertSameShap(pixels.graph, pixels.native, F32);
        });

    it('a fixed-batch model (batch 4) pads its last run and gives native outputs', async () => {
      const model = linearModel({ height: H, width: W, classes: 3, seed: 9, batch: 4 });
      const seg = await segment(image, { method: 'grid', rows: 2, cols: 3 });
      const r = await bothModes(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false }, (e) =>
        e.lime(image, { segmentation: seg, hide: 'black', numSamples: 10, seed: 1 }),
      );
      assertSameLime(r.graph, r.native, F32);
    });

    it('float16 model: float16 values from the graph, the same outputs as the native float16 kernel', async () => {
      const model = float16Model({ height: H, width: W, classes: 2, seed: 12 });
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const r = await bothModes(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false }, (e) =>
        e.lime(image, { segmentation: seg, hide: 'black', regressor: 'linear', numSamples: 200, labels: [0, 1] }),
      );
      // Same float16 input bits → the same float16 outputs: exact.
      assertSameLime(r.graph, r.native, 0);
      // float16 input: half the native bytes per sample.
      assert.equal(r.native.inputBytes, r.native.evaluations * 3 * H * W * 2);
    });
  });

  describe('bytes handed to onnxruntime (result.inputBytes)', () => {
    it('native: evaluations × 3·H·W × 4; graph: evaluations × segments + runs × (H·W + 2 × 3·H·W) (1-byte labels up to 256 segments)', async () => {
      const model = linearModel({ height: H, width: W, classes: 3, seed: 4 });
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const r = await bothModes(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false, batchSize: 16 }, (e) =>
        e.lime(image, { segmentation: seg, numSamples: 100, seed: 8 }),
      );
      const n = r.native.evaluations;
      assert.equal(r.graph.evaluations, n);
      assert.equal(r.native.inputBytes, n * 3 * H * W * 4);
      const runs = Math.ceil(n / 16);
      assert.equal(r.graph.inputBytes, n * seg.count + runs * (H * W + 2 * 3 * H * W));
      assert.ok(r.graph.inputBytes < r.native.inputBytes / 4, `${r.graph.inputBytes} vs ${r.native.inputBytes}`);
      assert.equal(r.graph.timings.composite, 0, 'compositing happens inside the model run');
    });

    it('over 256 segments the label map is 2 bytes a pixel, and pixel-level SHAP (1024 pixels) still gives native outputs', async () => {
      const h = 32,
        w = 32;
      const big = testImage(h, w);
      const model = linearModel({ height: h, width: w, classes: 2, seed: 6 });
      const r = await bothModes(model.bytes, { preprocess: identityPreprocess(h, w), softmax: false, batchSize: 8 }, (e) =>
        e.shap(big, { algorithm: 'partition', features: 'pixels', maxEvals: 64, topLabels: 1 }),
      );
      assertSameShap(r.graph, r.native, F32);
      const n = r.graph.evaluations;
      // Partition hands the engine its evaluations in several requests; each request's last run may be partial.
      const masks = n * h * w;
      const perRun = 2 * h * w + 2 * 3 * h * w;
      assert.equal((r.graph.inputBytes - masks) % perRun, 0, `${r.graph.inputBytes - masks} is not a whole number of ${perRun}-byte runs`);
      assert.ok(r.graph.inputBytes - masks >= Math.ceil(n / 8) * perRun);
    });

    it('labelByteCount and labelPlanes: 1 byte up to 256 segments, 2 up to 65536, 3 up to 2^24; little-endian planes', () => {
      assert.deepEqual([1, 256, 257, 65536, 65537, 2 ** 24, 2 ** 24 + 1, 2 ** 31 - 1].map(labelByteCount), [1, 1, 2, 2, 3, 3, 4, 4]);
      assert.deepEqual([...labelPlanes(Int32Array.of(0, 255), 256)], [0, 255]);
      assert.deepEqual([...labelPlanes(Int32Array.of(0x1234, 7), 65536)], [0x34, 7, 0x12, 0]);
      assert.deepEqual([...labelPlanes(Int32Array.of(0x10203), 70000)], [3, 2, 1]);
    });

    it('a float16 model at batch 1 (graph 7·H·W + 1 bytes a run at least, native 6·H·W) is refused, naming compositing and both counts', async () => {
      for (const options of [{ batch: 1 }, { batch: 'dynamic' as const }]) {
        const model = float16Model({ height: H, width: W, classes: 2, seed: 3, ...options });
        await assert.rejects(
          createExplainer(model.bytes, {
            preprocess: identityPreprocess(H, W),
            compositing: 'graph',
            ...(options.batch === 'dynamic' ? { batchSize: 1 } : {}),
          }),
          (e: Error) =>
            e instanceof RangeError &&
            /compositing/.test(e.message) &&
            e.message.includes(`${1 + 7 * H * W} bytes`) &&
            e.message.includes(`native's ${6 * H * W}`),
        );
      }
      // At batch 2 graph mode pays (7·H·W + 2 < 12·H·W) and is accepted.
      const model = float16Model({ height: H, width: W, classes: 2, seed: 3, batch: 2 });
      const ok = await createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), compositing: 'graph' });
      await ok.dispose();
    });

    it('per image: a segment count that makes a graph run cost native bytes is refused, naming compositing', async () => {
      const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2, seed: 1 }).bytes, {
        preprocess: identityPreprocess(H, W),
        compositing: 'graph',
        batchSize: 2,
      });
      try {
        const rgb = { data: image.data, width: W, height: H };
        // Native: 2 × 3·H·W × 4 = 6144 bytes a run. Graph: 2 × segments + 2·H·W (2-byte labels) + 6·H·W:
        // 6048 at 2000 segments (accepted), 6248 at 2100 (refused).
        const labels = new Int32Array(H * W);
        const fine = maskEvaluator(explainer.model, explainer.preprocess, rgb, rgb, labels, 2000, { dedupe: false });
        assert.equal((await fine.evaluate(new Uint8Array(2000), 1)).length, 2);
        const costly = maskEvaluator(explainer.model, explainer.preprocess, rgb, rgb, labels, 2100, { dedupe: false });
        await assert.rejects(
          costly.evaluate(new Uint8Array(2100), 1),
          (e: Error) => e instanceof RangeError && /compositing/.test(e.message) && /6248 bytes/.test(e.message) && /6144/.test(e.message),
        );
      } finally {
        await explainer.dispose();
      }
    });
  });

  describe('the rewritten model', () => {
    it('is a valid ONNX model onnxruntime loads: its four inputs composite, its output is the original one', async () => {
      const model = linearModel({ height: H, width: W, classes: 3, seed: 7, layout: 'nhwc' });
      const spec = {
        inputName: 'input',
        inputType: 'float32' as const,
        height: H,
        width: W,
        ...identityPreprocess(H, W),
        layout: 'nhwc' as const,
      };
      const { bytes, inputs } = prependCompositing(model.bytes, { ...spec, mean: [0, 0, 0], std: [1, 1, 1] });
      const loaded = await loadModel(model.bytes, { softmax: false });
      try {
        // onnxruntime creates a session on the rewritten bytes and runs it by the four input names.
        const graph = await loaded.loadCompositingGraph!(bytes, inputs);
        // Two samples over one segment: all kept (the image), all hidden (the background).
        const background = new Uint8Array(H * W * 3).fill(200);
        const y = await graph.run({
          masks: Uint8Array.of(1, 0),
          count: 2,
          segments: 1,
          labels: labelPlanes(new Int32Array(H * W), 1),
          image: image.data,
          background,
          height: H,
          width: W,
        });
        const nhwc = (rgb: Uint8Array) => Float32Array.from(rgb, (v) => v / 255);
        const expected = [...model.reference(nhwc(image.data), 1), ...model.reference(nhwc(background), 1)];
        assert.ok(relativeGap(y, expected) < 1e-5, `${[...y]} vs ${expected}`);
        assert.deepEqual(loaded.stats().runs, 1, "the graph's runs count in the model's stats");
      } finally {
        await loaded.dispose();
      }
    });

    it("keeps the model's own names apart: an input already called limeshap_masks is not clobbered, and the model runs", async () => {
      const model = linearModel({ height: H, width: W, classes: 2, seed: 1 });
      const decoded = decodeModel(model.bytes);
      for (const node of decoded.graph!.node!) node.input = node.input!.map((n) => (n === 'input' ? 'limeshap_masks' : n));
      decoded.graph!.input![0].name = 'limeshap_masks';
      const spec = {
        inputName: 'limeshap_masks',
        inputType: 'float32' as const,
        height: H,
        width: W,
        ...identityPreprocess(H, W),
        mean: [0, 0, 0] as const,
        std: [1, 1, 1] as const,
      };
      const renamed = encodeModel(decoded);
      const { bytes, inputs } = prependCompositing(renamed, spec);
      assert.notEqual(inputs.masks, 'limeshap_masks');
      assert.equal(new Set(Object.values(inputs)).size, 4);
      // onnxruntime loads the rewritten model and runs it: the composited value feeds the model's
      // own 'limeshap_masks' consumers, the new masks input is another value.
      const loaded = await loadModel(renamed, { softmax: false });
      try {
        const graph = await loaded.loadCompositingGraph!(bytes, inputs);
        const background = new Uint8Array(H * W * 3).fill(9);
        const y = await graph.run({
          masks: Uint8Array.of(0, 1),
          count: 2,
          segments: 1,
          labels: labelPlanes(new Int32Array(H * W), 1),
          image: image.data,
          background,
          height: H,
          width: W,
        });
        const nchw = (rgb: Uint8Array) => {
          const out = new Float32Array(3 * H * W);
          for (let p = 0; p < H * W; p++) for (let c = 0; c < 3; c++) out[c * H * W + p] = rgb[3 * p + c] / 255;
          return out;
        };
        const expected = [...model.reference(nchw(background), 1), ...model.reference(nchw(image.data), 1)];
        assert.ok(relativeGap(y, expected) < 1e-5, `${[...y]} vs ${expected}`);
      } finally {
        await loaded.dispose();
      }
    });

    it('label maps of 1 to 4 bytes a pixel select the right segments (labels up to 2^24 + 9)', async () => {
      const model = linearModel({ height: H, width: W, classes: 2, seed: 5, layout: 'nhwc' });
      const spec = {
        inputName: 'input',
        inputType: 'float32' as const,
        height: H,
        width: W,
        ...identityPreprocess(H, W),
        layout: 'nhwc' as const,
        mean: [0, 0, 0] as const,
        std: [1, 1, 1] as const,
      };
      const { bytes, inputs } = prependCompositing(model.bytes, spec);
      const loaded = await loadModel(model.bytes, { softmax: false });
      try {
        const graph = await loaded.loadCompositingGraph!(bytes, inputs);
        const background = Uint8Array.from(image.data, (v) => 255 - v);
        for (const segments of [200, 1000, 70000, 2 ** 24 + 10]) {
          // Labels spread over the whole range, so that every byte plane matters.
          const labels = Int32Array.from({ length: H * W }, (_, p) => (p * 2654435761) % segments);
          labels[0] = segments - 1;
          const masks = new Uint8Array(segments);
          // A hashed pattern: a periodic one can agree on labels that differ only in a high byte.
          for (let i = 0; i < segments; i++) masks[i] = (Math.imul(i, 2654435761) >>> 16) & 1;
          const y = await graph.run({
            masks,
            count: 1,
            segments,
            labels: labelPlanes(labels, segments),
            image: image.data,
            background,
            height: H,
            width: W,
          });
          const composed = new Float32Array(H * W * 3);
          for (let p = 0; p < H * W; p++)
            for (let c = 0; c < 3; c++) composed[3 * p + c] = (masks[labels[p]] ? image.data : background)[3 * p + c] / 255;
          const expected = model.reference(composed, 1);
          assert.ok(relativeGap(y, expected) < 1e-5, `${segments} segments: ${[...y]} vs ${[...expected]}`);
        }
      } finally {
        await loaded.dispose();
      }
    });

    it("the lookup table holds the native kernel's float32 values (float64 arithmetic, one rounding)", () => {
      const lut = preprocessTable({ inputType: 'float32', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
      assert.equal(lut[256 + 200], Math.fround((200 / 255 - 0.456) / 0.224));
    });
  });

  describe('checks', () => {
    it('bad compositing values: TypeError / RangeError naming compositing', async () => {
      const bytes = linearModel({ height: H, width: W, classes: 2, seed: 1 }).bytes;
      await assert.rejects(
        createExplainer(bytes, { compositing: 5 as never }),
        (e: Error) => e instanceof TypeError && /compositing/.test(e.message),
      );
      await assert.rejects(
        createExplainer(bytes, { compositing: 'gpu' as never }),
        (e: Error) => e instanceof RangeError && /compositing/.test(e.message),
      );
      await assert.rejects(
        createExplainer(bytes, { compositing: 'graph', inference: 'worker' }),
        (e: Error) => e instanceof RangeError && /compositing/.test(e.message) && /worker/.test(e.message),
      );
    });

    it('limeshap explain --compositing: graph and native accepted, anything else a RangeError naming the flag', () => {
      assert.equal(readExplainSettings({ model: 'm.onnx', compositing: 'graph' }).compositing, 'graph');
      assert.equal(readExplainSettings({ model: 'm.onnx' }).compositing, undefined);
      assert.throws(
        () => readExplainSettings({ model: 'm.onnx', compositing: 'gpu' }),
        (e: Error) => e instanceof RangeError && /--compositing/.test(e.message),
      );
    });

    it('limeshap explain --compositing graph --inference worker: a usage error naming both flags', () => {
      assert.throws(
        () => readExplainSettings({ model: 'm.onnx', compositing: 'graph', inference: 'worker' }),
        (e: Error) => e instanceof RangeError && /--compositing/.test(e.message) && /--inference/.test(e.message),
      );
      assert.equal(readExplainSettings({ model: 'm.onnx', compositing: 'native', inference: 'worker' }).inference, 'worker');
    });

    it('below opset 9 (the Mul/Add select) a non-finite table value is refused naming preprocess; from opset 9 (Where) it is kept', () => {
      const decoded = decodeModel(float16Model({ height: H, width: W, classes: 2, seed: 1 }).bytes);
      // scale 1, std 0.001: 255 → 255000, Inf in float16; 0·Inf would be NaN where native writes Inf.
      const spec = {
        inputName: 'input',
        inputType: 'float16' as const,
        height: H,
        width: W,
        ...identityPreprocess(H, W),
        scale: 1,
        mean: [0, 0, 0] as const,
        std: [0.001, 1, 1] as const,
      };
      for (const opset of [7n, 8n]) {
        decoded.opset_import = [{ version: opset }];
        assert.throws(
          () => prependCompositing(encodeModel(decoded), spec),
          (e: Error) =>
            e instanceof RangeError &&
            /preprocess/.test(e.message) &&
            /std 0\.001/.test(e.message) &&
            /value 66 of channel 0/.test(e.message),
        );
      }
      // float16's largest finite value is 65504: std 0.004 keeps 255 → 63750 finite, accepted at opset 7.
      decoded.opset_import = [{ version: 7n }];
      assert.doesNotThrow(() => prependCompositing(encodeModel(decoded), { ...spec, std: [0.004, 1, 1] }));
      decoded.opset_import = [{ version: 9n }];
      assert.doesNotThrow(() => prependCompositing(encodeModel(decoded), spec));
    });

    it('a model path is read once: a file replaced after loading does not become the compositing graph', async () => {
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'limeshap-graph-'));
      const file = path.join(dir, 'model.onnx');
      const first = linearModel({ height: H, width: W, classes: 3, seed: 21 });
      const second = linearModel({ height: H, width: W, classes: 3, seed: 22 });
      fs.writeFileSync(file, first.bytes);
      // The module object itself (a default import under esModuleInterop): lib/ reads through it at each call.
      const promises = fsPromises as { readFile: typeof fsp.readFile };
      const readFile = promises.readFile;
      let reads = 0;
      // Each read of the model returns what is there, then replaces the file with another model.
      promises.readFile = (async (...args: Parameters<typeof fsp.readFile>) => {
        const out = await readFile(...args);
        if (args[0] === file) {
          reads++;
          fs.writeFileSync(file, second.bytes);
        }
        return out;
      }) as typeof fsp.readFile;
      const options = { preprocess: identityPreprocess(H, W), softmax: false } as const;
      const seg = await segment(image, { method: 'grid', rows: 4, cols: 4 });
      const explain = (e: Awaited<ReturnType<typeof createExplainer>>) =>
        e.lime(image, { segmentation: seg, hide: 'black', numSamples: 50, labels: [0, 1, 2], seed: 4 });
      let graph: LimeResult;
      try {
        const explainer = await createExplainer(file, { ...options, compositing: 'graph' });
        try {
          graph = await explain(explainer);
        } finally {
          await explainer.dispose();
        }
      } finally {
        promises.readFile = readFile;
        await fsp.rm(dir, { recursive: true, force: true });
      }
      // The graph explains the model that was loaded (the first), not the file's later content.
      const native = await bothModes(first.bytes, options, explain);
      assertSameLime(graph, native.native, F32);
      assert.equal(reads, 1, 'the model file is read once');
    });

    it('a model older than opset 7 is refused with a RangeError naming compositing', () => {
      const decoded = decodeModel(linearModel({ height: H, width: W, classes: 2, seed: 1 }).bytes);
      decoded.opset_import = [{ version: 6n }];
      const spec = {
        inputName: 'input',
        inputType: 'float32' as const,
        height: H,
        width: W,
        ...identityPreprocess(H, W),
        mean: [0, 0, 0] as const,
        std: [1, 1, 1] as const,
      };
      assert.throws(
        () => prependCompositing(encodeModel(decoded), spec),
        (e: Error) => e instanceof RangeError && /compositing/.test(e.message) && /opset 6/.test(e.message),
      );
    });

    it('labels outside [0, segments) and masks other than 0/1 are refused, as by the native kernel', async () => {
      const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2, seed: 1 }).bytes, {
        preprocess: identityPreprocess(H, W),
        compositing: 'graph',
      });
      try {
        const rgb = { data: image.data, width: W, height: H };
        const labels = new Int32Array(H * W);
        labels[17] = -1; // Gather would wrap it to the last segment
        const bad = maskEvaluator(explainer.model, explainer.preprocess, rgb, rgb, labels, 2);
        await assert.rejects(bad.evaluate(Uint8Array.of(1, 0), 1), /labels\[17\] = -1/);
        const ok = maskEvaluator(explainer.model, explainer.preprocess, rgb, rgb, new Int32Array(H * W), 2, { dedupe: false });
        await assert.rejects(ok.evaluate(Uint8Array.of(1, 2), 1), /masks\[1\] = 2/);
        // Another preprocessing than the graph's table would be composited wrongly: refused.
        const other = maskEvaluator(explainer.model, { ...explainer.preprocess, scale: 1 }, rgb, rgb, new Int32Array(H * W), 1);
        await assert.rejects(other.evaluate(Uint8Array.of(1), 1), /preprocessing differs/);
      } finally {
        await explainer.dispose();
      }
    });
  });

  describe('shared models', function () {
    requireShared(this);
    it('MobileNetV2-int8 (opset 12, Where): LIME and SHAP Partition give native outputs; bytes per sample', async () => {
      const bytes = new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(shared('models', 'mobilenetv2-12-int8.onnx'))));
      const photo = shared('images', 'dog.png');
      const r = await bothModes(bytes, {}, async (e) => ({
        lime: await e.lime(photo, { numSamples: 48, seed: 1 }),
        shap: await e.shap(photo, { maxEvals: 60, topLabels: 2 }),
      }));
      assertSameLime(r.graph.lime, r.native.lime, F32);
      assertSameShap(r.graph.shap, r.native.shap, F32);
      assert.equal(r.native.lime.inputBytes, r.native.lime.evaluations * 3 * 224 * 224 * 4);
    });

    it('SqueezeNet 1.1 float32, dynamic batch (opset 7: the exact Mul/Add select) gives native outputs', async () => {
      const bytes = new Uint8Array(fs.readFileSync(shared('models', 'squeezenet1.1-fp32.onnx')));
      const r = await bothModes(bytes, { preprocess: 'imagenet', batchSize: 8 }, (e) =>
        e.lime(shared('images', 'coffee.png'), { numSamples: 24, seed: 2 }),
      );
      assertSameLime(r.graph, r.native, F32);
      // Per run of 8 at 224²: masks + 50176 label bytes + 301056 image and background bytes.
      const runs = Math.ceil(r.graph.evaluations / 8);
      assert.equal(r.graph.inputBytes, r.graph.evaluations * r.graph.segmentation.count + runs * 7 * 224 * 224);
    });

    it('float16 SqueezeNet 1.1, fixed batch 1: graph mode (at least 351233 bytes a run) is refused against native (301056)', async () => {
      await assert.rejects(
        createExplainer(shared('models', 'squeezenet1.1-fp16.onnx'), { compositing: 'graph' }),
        (e: Error) =>
          e instanceof RangeError && /compositing/.test(e.message) && /351233 bytes/.test(e.message) && /301056/.test(e.message),
      );
    });
  });
});
