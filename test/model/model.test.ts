// SPDX-License-Identifier: MIT
// lib/model.ts (onnxruntime-node) and lib/preprocess.ts: glass-box models built in code, then the
// shared pretrained classifiers (../shared/models).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImage } from '../../lib/image';
import { DEFAULT_BATCH_SIZE, loadModel, type Model } from '../../lib/model';
import { PRESETS, fitToModel, float16ToFloat32, float32ToFloat16, resolvePreprocess, toTensorData } from '../../lib/preprocess';
import { float16Model, linearModel, nanModel, softmaxModel, wrongShapeModel, type GlassBoxModel } from '../helpers/onnx-builder';
import { requireShared, shared } from '../helpers/shared';

/** Deterministic pseudo-random inputs in [-1, 1). */
function randomInput(length: number, seed = 7): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 31 - 1;
  });
}

function softmax64(x: Float64Array, classes: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += classes) {
    const row = x.subarray(r, r + classes);
    const max = Math.max(...row);
    const total = row.reduce((s, v) => s + Math.exp(v - max), 0);
    row.forEach((v, k) => (out[r + k] = Math.exp(v - max) / total));
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `index ${i}: ${a} vs ${e}`);
  }
}

function argmax(x: ArrayLike<number>, from = 0, length = x.length): number {
  let best = from;
  for (let i = from; i < from + length; i++) if ((x[i] as number) > (x[best] as number)) best = i;
  return best - from;
}

/** Input for `count` samples of a glass-box model, in its layout and type. */
function inputFor(g: GlassBoxModel, count: number): Float32Array | Uint16Array {
  const length = g.inputShape(count).reduce((a, b) => a * b, 1);
  const x = randomInput(length);
  return g.inputType === 'float16' ? float32ToFloat16(x) : x;
}

describe('model: glass-box ONNX models', () => {
  const models: Model[] = [];
  const track = (m: Model) => (models.push(m), m);
  after(async () => {
    for (const m of models) await m.dispose();
  });

  it('reads metadata: names, type, layout, fixed dims, batch, classes, provider', async () => {
    const g = linearModel({ height: 6, width: 5, classes: 4 });
    const m = track(await loadModel(g.bytes));
    assert.equal(m.inputName, 'input');
    assert.equal(m.outputName, 'logits');
    assert.equal(m.inputType, 'float32');
    assert.equal(m.layout, 'nchw');
    assert.equal(m.height, 6);
    assert.equal(m.width, 5);
    assert.equal(m.batch, 'dynamic');
    assert.equal(m.batchSize, DEFAULT_BATCH_SIZE);
    assert.equal(m.classes, 4);
    assert.equal(m.provider, 'cpu');
    assert.equal(m.softmax, undefined, "'auto' decides on the first run");
  });

  for (const layout of ['nchw', 'nhwc'] as const) {
    it(`dynamic batch, ${layout}: logits equal the reference, split into runs of batchSize`, async () => {
      const g = linearModel({ height: 8, width: 7, classes: 5, layout });
      const m = track(await loadModel(g.bytes, { softmax: false, batchSize: 2 }));
      assert.equal(m.layout, layout);
      const x = inputFor(g, 5);
      const out = await m.run(x, 5);
      assertClose(out, g.reference(x, 5), 1e-4, 1e-4);
      assert.deepEqual({ ...m.stats(), inferMs: 0 }, { runs: 3, samples: 5, inferMs: 0 });
      assert.ok(m.stats().inferMs > 0);
      m.resetStats();
      assert.deepEqual(m.stats(), { runs: 0, samples: 0, inferMs: 0 });
    });

    it(`fixed batch 1, ${layout}: one image per run, same logits`, async () => {
      const g = linearModel({ height: 4, width: 6, classes: 3, layout, batch: 1 });
      const m = track(await loadModel(g.bytes, { softmax: false }));
      assert.equal(m.batch, 1);
      assert.equal(m.batchSize, 1);
      const x = inputFor(g, 3);
      const out = await m.run(x, 3);
      assertClose(out, g.reference(x, 3), 1e-4, 1e-4);
      assert.equal(m.stats().runs, 3);
    });
  }

  it('fixed batch 2 with an odd count: the last run is padded and the padding dropped', async () => {
    const g = linearModel({ height: 3, width: 3, classes: 2, batch: 2 });
    const m = track(await loadModel(g.bytes, { softmax: false }));
    const x = inputFor(g, 3);
    const out = await m.run(x, 3);
    assert.equal(out.length, 6);
    assertClose(out, g.reference(x, 3), 1e-4, 1e-4);
    assert.deepEqual([m.stats().runs, m.stats().samples], [2, 3]);
    await assert.rejects(loadModel(g.bytes, { batchSize: 4 }), { name: 'RangeError', message: /fixed batch dimension.*batchSize/ });
  });

  for (const layout of ['nchw', 'nhwc'] as const) {
    it(`float16 input and output (${layout}): Uint16Array in, float32 scores out`, async () => {
      const g = float16Model({ height: 5, width: 5, classes: 3, layout });
      const m = track(await loadModel(g.bytes, { softmax: false, batchSize: 3 }));
      assert.equal(m.inputType, 'float16');
      const x = inputFor(g, 4);
      assert.ok(x instanceof Uint16Array);
      const out = await m.run(x, 4);
      assert.ok(out instanceof Float32Array);
      assertClose(out, g.reference(x, 4), 2e-3, 2e-3);
      await assert.rejects(m.run(randomInput(75 * 4), 4), { name: 'TypeError', message: /Uint16Array.*float16/ });
    });
  }

  it("softmax 'auto' applies softmax to logits, true always, false never", async () => {
    const g = linearModel({ height: 4, width: 4, classes: 6, seed: 3 });
    const x = inputFor(g, 3);
    const logits = g.reference(x, 3);
    const auto = track(await loadModel(g.bytes));
    assertClose(await auto.run(x, 3), softmax64(logits, 6), 1e-5);
    assert.equal(auto.softmax, true);
    const always = track(await loadModel(g.bytes, { softmax: true }));
    assertClose(await always.run(x, 3), softmax64(logits, 6), 1e-5);
    const never = track(await loadModel(g.bytes, { softmax: false }));
    assertClose(await never.run(x, 3), logits, 1e-4, 1e-4);
    assert.equal(never.softmax, false);
  });

  it("softmax 'auto' leaves a model's probabilities alone; true applies it again", async () => {
    const g = softmaxModel({ height: 4, width: 4, classes: 6, seed: 5 });
    const x = inputFor(g, 3);
    const probabilities = g.reference(x, 3);
    const auto = track(await loadModel(g.bytes));
    assertClose(await auto.run(x, 3), probabilities, 1e-5);
    assert.equal(auto.softmax, false);
    const twice = track(await loadModel(g.bytes, { softmax: true }));
    assertClose(await twice.run(x, 3), softmax64(probabilities, 6), 1e-5);
  });

  it('EXPECTED FAILURE - NaN in the output is an Error naming the output', async () => {
    const g = nanModel({ height: 3, width: 3, classes: 3, nanClasses: [1] });
    const m = track(await loadModel(g.bytes));
    await assert.rejects(m.run(inputFor(g, 2), 2), { name: 'Error', message: /"logits".*NaN.*class 1/ });
  });

  it('EXPECTED FAILURE - a non-image input is a RangeError, a rank-3 output an Error naming the shape', async () => {
    const flat = wrongShapeModel({ height: 4, width: 4, classes: 2, variant: 'rank2-input' });
    await assert.rejects(loadModel(flat.bytes), { name: 'RangeError', message: /model input must be a 4-D image tensor.*\[batch, 48\]/ });
    const rank3 = wrongShapeModel({ height: 4, width: 4, classes: 2, variant: 'rank3-output' });
    await assert.rejects(loadModel(rank3.bytes), (err: Error) => {
      assert.equal(err.constructor, Error);
      assert.match(err.message, /"logits".*\[batch, 1, 2\]/);
      return true;
    });
  });

  it('EXPECTED FAILURE - classNames whose count differs from the classes is a RangeError naming file and counts', async () => {
    const g = linearModel({ height: 3, width: 3, classes: 3 });
    const file = path.join(os.tmpdir(), `limeshap-labels-${process.pid}.txt`);
    fs.writeFileSync(file, 'cat\ndog\n');
    try {
      await assert.rejects(loadModel(g.bytes, { classNames: file }), {
        name: 'RangeError',
        message: new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has 2 names .* 3 classes`),
      });
      fs.writeFileSync(file, 'cat\ndog\nbird\n');
      const m = track(await loadModel(g.bytes, { classNames: file }));
      assert.deepEqual(m.classNames, ['cat', 'dog', 'bird']);
    } finally {
      fs.unlinkSync(file);
    }
    await assert.rejects(loadModel(g.bytes, { classNames: ['a'] }), { name: 'RangeError', message: /classNames has 1 names .* 3 classes/ });
    await assert.rejects(loadModel(g.bytes, { classNames: '/nonexistent/labels.txt' }), {
      message: /not found: \/nonexistent\/labels\.txt/,
    });
  });

  it('EXPECTED FAILURE - unreadable or invalid model files are Errors naming the path', async () => {
    await assert.rejects(loadModel('/nonexistent/model.onnx'), { name: 'Error', message: /\/nonexistent\/model\.onnx/ });
    const file = path.join(os.tmpdir(), `limeshap-bad-${process.pid}.onnx`);
    fs.writeFileSync(file, 'not an onnx model');
    try {
      await assert.rejects(loadModel(file), {
        name: 'Error',
        message: new RegExp(`Cannot load ONNX model ${file.replace(/[.]/g, '\\.')}`),
      });
    } finally {
      fs.unlinkSync(file);
    }
  });

  it('BAD CALL - options and run arguments', async () => {
    const g = linearModel({ height: 3, width: 3, classes: 2 });
    await assert.rejects(loadModel(g.bytes, { batchSize: 0 }), { name: 'RangeError', message: /batchSize/ });
    await assert.rejects(loadModel(g.bytes, { batchSize: '8' as unknown as number }), { name: 'TypeError', message: /batchSize/ });
    await assert.rejects(loadModel(g.bytes, { softmax: 'yes' as unknown as boolean }), { name: 'RangeError', message: /softmax/ });
    await assert.rejects(loadModel(g.bytes, { executionProviders: ['tpu' as 'cpu'] }), {
      name: 'RangeError',
      message: /executionProviders\[0\]/,
    });
    await assert.rejects(loadModel(g.bytes, { executionProviders: [] }), { name: 'RangeError' });
    await assert.rejects(loadModel(g.bytes, { intraOpNumThreads: 1.5 }), { name: 'RangeError', message: /intraOpNumThreads/ });
    await assert.rejects(loadModel(g.bytes, { colour: 1 } as never), { name: 'RangeError', message: /options\.colour/ });
    await assert.rejects(loadModel(42 as unknown as string), { name: 'TypeError', message: /model/ });
    const m = track(await loadModel(g.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }));
    await assert.rejects(m.run(new Float32Array(26), 1), { name: 'RangeError', message: /length 27/ });
    await assert.rejects(m.run(new Float32Array(27), 1.5), { name: 'RangeError', message: /count/ });
    await assert.rejects(m.run([1, 2] as unknown as Float32Array, 1), { name: 'TypeError', message: /Float32Array/ });
    assert.equal((await m.run(new Float32Array(0), 0)).length, 0);
    await m.dispose();
    await assert.rejects(m.run(new Float32Array(27), 1), /disposed/);
  });

  it("['cuda', 'cpu'] falls back to CPU with a warning when CUDA is unavailable", async () => {
    const g = linearModel({ height: 3, width: 3, classes: 2 });
    const warnings: Error[] = [];
    const listener = (w: Error) => warnings.push(w);
    process.on('warning', listener);
    try {
      const m = track(await loadModel(g.bytes, { executionProviders: ['cuda', 'cpu'] }));
      await new Promise((resolve) => setImmediate(resolve));
      if (m.provider === 'cpu') {
        assert.ok(
          warnings.some((w) => w.name === 'LimeshapWarning' && /CUDA/.test(w.message)),
          'a CUDA warning',
        );
        await assert.rejects(loadModel(g.bytes, { executionProviders: ['cuda'] }), /CUDA execution provider unavailable/);
      } else {
        assert.equal(m.provider, 'cuda');
      }
      const x = inputFor(g, 2);
      assertClose(await m.run(x, 2), softmax64(g.reference(x, 2), 2), 1e-5);
    } finally {
      process.off('warning', listener);
    }
  });
});

describe('preprocess', () => {
  const model224 = { layout: 'nchw' as const, height: 224, width: 224 };

  it('resolves presets with every default', () => {
    assert.deepEqual(resolvePreprocess('imagenet', model224), {
      size: [224, 224],
      resize: 'crop',
      layout: 'nchw',
      channels: 'rgb',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      channelCount: 3,
    });
    const inception = resolvePreprocess('inception', { layout: 'nhwc' });
    assert.deepEqual([inception.size, inception.layout, inception.scale, inception.mean], [[299, 299], 'nhwc', 1 / 127.5, [1, 1, 1]]);
    assert.equal(resolvePreprocess('caffe-bgr').channels, 'bgr');
    assert.equal(PRESETS['caffe-bgr'].scale, 1);
  });

  it('a preset size that differs from the model is a RangeError naming both', () => {
    assert.throws(() => resolvePreprocess('inception', model224), {
      name: 'RangeError',
      message: /preset 'inception' \(299x299\).*\(224x224\)/,
    });
  });

  it('custom forms: defaults from the model, overrides on a preset, clear errors', () => {
    const p = resolvePreprocess(
      { channels: 'bgr', scale: 1, mean: [104, 117, 123], resize: 'pad' },
      { layout: 'nhwc', height: 32, width: 48 },
    );
    assert.deepEqual(p, {
      size: [32, 48],
      resize: 'pad',
      layout: 'nhwc',
      channels: 'bgr',
      scale: 1,
      mean: [104, 117, 123],
      std: [1, 1, 1],
      channelCount: 3,
    });
    assert.deepEqual(resolvePreprocess({ preset: 'imagenet' }, { layout: 'nchw', height: 64, width: 64 }).size, [64, 64]);
    assert.deepEqual(resolvePreprocess({ preset: 'inception', std: 2 }).std, [2, 2, 2]);
    assert.throws(() => resolvePreprocess('vgg' as 'imagenet'), { name: 'RangeError', message: /preprocess/ });
    assert.throws(() => resolvePreprocess(7 as unknown as 'imagenet'), { name: 'TypeError' });
    assert.throws(() => resolvePreprocess({ size: 100 }, model224), { name: 'RangeError', message: /100x100.*224x224/ });
    assert.throws(() => resolvePreprocess({}, { layout: 'nchw' }), { name: 'RangeError', message: /dynamic.*preprocess\.size/ });
    assert.throws(() => resolvePreprocess({ size: 0 }), { name: 'RangeError', message: /preprocess\.size/ });
    assert.throws(() => resolvePreprocess({ size: [224] as unknown as number }), { name: 'RangeError', message: /\[height, width\]/ });
    assert.throws(() => resolvePreprocess({ std: [1, 0, 1] }, model224), { name: 'RangeError', message: /preprocess\.std\[1\]/ });
    assert.throws(() => resolvePreprocess({ mean: [1, 2] as unknown as number }, model224), {
      name: 'RangeError',
      message: /preprocess\.mean/,
    });
    assert.throws(() => resolvePreprocess({ mean: '0' as unknown as number }, model224), {
      name: 'TypeError',
      message: /preprocess\.mean/,
    });
    assert.throws(() => resolvePreprocess({ scale: -1 }, model224), { name: 'RangeError', message: /preprocess\.scale/ });
    assert.throws(() => resolvePreprocess({ layout: 'nhwc' }, model224), { name: 'RangeError', message: /preprocess\.layout/ });
    assert.throws(() => resolvePreprocess({ resize: 'zoom' as 'crop' }, model224), { name: 'RangeError', message: /preprocess\.resize/ });
    assert.throws(() => resolvePreprocess({ sizes: 3 } as never, model224), { name: 'RangeError', message: /preprocess\.sizes/ });
  });

  it('toTensorData: channel order, normalisation and layout of one image, float32 and float16', () => {
    const rgb = { data: Uint8Array.from([0, 128, 255, 10, 20, 30]), width: 2, height: 1 };
    const p = resolvePreprocess({ size: [1, 2], scale: 1 / 255, mean: [0.5, 0, 0], std: [0.5, 1, 2] }, { layout: 'nchw' });
    const v = (x: number, c: number) => (x / 255 - (p.mean[c] as number)) / (p.std[c] as number);
    assertClose(toTensorData(rgb, p), [v(0, 0), v(10, 0), v(128, 1), v(20, 1), v(255, 2), v(30, 2)], 1e-6);
    const bgr = { ...p, channels: 'bgr' as const, layout: 'nhwc' as const };
    assertClose(toTensorData(rgb, bgr), [v(255, 0), v(128, 1), v(0, 2), v(30, 0), v(20, 1), v(10, 2)], 1e-6);
    const half = toTensorData(rgb, p, 'float16');
    assert.ok(half instanceof Uint16Array);
    assertClose(float16ToFloat32(half), toTensorData(rgb, p), 2e-3);
    assert.throws(() => toTensorData(rgb, { ...p, size: [2, 2] }), { name: 'RangeError', message: /2 x 2/ });
  });

  it('float16 conversion rounds to nearest even and keeps specials', () => {
    const values = [0, -0, 1, -2.5, 65504, 1e6, 2 ** -24, 1 + 2 ** -11, 1 + 3 * 2 ** -11, Infinity, NaN];
    assert.deepEqual(
      [...float16ToFloat32(float32ToFloat16(values))],
      [0, -0, 1, -2.5, 65504, Infinity, 2 ** -24, 1, 1 + 4 * 2 ** -11, Infinity, NaN],
    );
  });

  it("fitToModel: 'crop' (short side 256/224, centre), 'stretch', 'pad', and as-is at the model size", async () => {
    // 40×20 image: left half red, right half blue, a green column in the middle.
    const width = 40,
      height = 20;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = 3 * (y * width + x);
        if (x === 19 || x === 20) data[i + 1] = 255;
        else if (x < 20) data[i] = 255;
        else data[i + 2] = 255;
      }
    const rgb = { data, width, height };
    const base = resolvePreprocess({ size: 14 });
    const crop = await fitToModel(rgb, { ...base, resize: 'crop' });
    assert.deepEqual([crop.width, crop.height], [14, 14]);
    // Short side 20 → 16 (= 14·256/224), width 32; the centre crop keeps the green middle columns.
    const mid = 3 * (7 * 14 + 7);
    assert.ok((crop.data[mid + 1] as number) > 100, 'green centre');
    assert.ok((crop.data[3 * (7 * 14)] as number) > 200, 'red left');
    const stretch = await fitToModel(rgb, { ...base, resize: 'stretch' });
    assert.deepEqual([stretch.width, stretch.height], [14, 14]);
    const pad = await fitToModel(rgb, { ...base, resize: 'pad' });
    assert.deepEqual([pad.width, pad.height, pad.data.length], [14, 14, 14 * 14 * 3]);
    assert.deepEqual([...pad.data.subarray(0, 3)], [0, 0, 0], 'black border on top');
    assert.ok((pad.data[3 * (7 * 14)] as number) > 200, 'red inside on the left');
    const same = await fitToModel(rgb, { ...resolvePreprocess({ size: [20, 40] }), resize: 'crop' });
    assert.deepEqual(same.data, rgb.data);
    assert.notEqual(same.data, rgb.data, 'a copy');
  });
});

describe('model: shared pretrained classifiers', function () {
  requireShared(this);
  this.timeout(60000);
  const cases = [
    { file: 'mobilenetv2-12-int8.onnx', preset: 'imagenet', softmax: true, inputType: 'float32', batch: 'dynamic' },
    { file: 'squeezenet1.1-fp32.onnx', preset: 'caffe-bgr', softmax: false, inputType: 'float32', batch: 'dynamic' },
    { file: 'squeezenet1.1-fp16.onnx', preset: 'caffe-bgr', softmax: false, inputType: 'float16', batch: 1 },
  ] as const;
  for (const c of cases) {
    it(`${c.file} (${c.preset}): kitten_224.png → 281 tabby, fish.png → 0 tench`, async () => {
      const m = await loadModel(shared('models', c.file), { classNames: shared('models', 'imagenet-labels.txt') });
      try {
        assert.deepEqual([m.inputType, m.batch, m.classes, m.layout, m.height, m.width], [c.inputType, c.batch, 1000, 'nchw', 224, 224]);
        const p = resolvePreprocess(c.preset, m);
        const images = await Promise.all(
          ['kitten_224.png', 'fish.png'].map(async (f) => fitToModel(await loadImage(shared('models', 'images', f)), p)),
        );
        const one = toTensorData(images[0]!, p, m.inputType);
        const data = m.inputType === 'float16' ? new Uint16Array(2 * one.length) : new Float32Array(2 * one.length);
        images.forEach((img, i) => data.set(toTensorData(img, p, m.inputType), i * one.length));
        const out = await m.run(data, 2);
        assert.equal(m.softmax, c.softmax, 'softmax decided by auto');
        assert.equal(argmax(out, 0, 1000), 281);
        assert.equal(argmax(out, 1000, 1000), 0);
        assert.match(m.classNames![281]!, /^tabby/);
        for (const row of [0, 1]) assert.ok(Math.abs(out.subarray(row * 1000, row * 1000 + 1000).reduce((s, v) => s + v, 0) - 1) < 1e-2);
        // Reference values from shared/models/README.md (same preprocessing: 224×224 photos as is).
        const expected = c.file.startsWith('mobilenet') ? [0.854, 0.751] : [0.932, 0.7377];
        assert.ok(Math.abs((out[281] as number) - expected[0]!) < 0.01, `tabby ${out[281]}`);
        assert.ok(Math.abs((out[1000] as number) - expected[1]!) < 0.01, `tench ${out[1000]}`);
        // A batch gives what single runs give.
        const single = await m.run(data.subarray(one.length), 1);
        assertClose(single, out.subarray(1000), 1e-4);
      } finally {
        await m.dispose();
      }
    });
  }
});
