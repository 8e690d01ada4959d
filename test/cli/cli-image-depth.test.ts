// SPDX-License-Identifier: MIT
// `limeshap explain` on 16-bit PNG and TIFF files: they are read at 16 bits. Truth: the tiny model
// scores each channel's mean of the ImageNet-normalised input, so on a flat 224x224 image the
// reported probability is the softmax of ((v/65535 − mean_c) / std_c), computed here from the 16-bit
// values; 8 bits would move it by far more than the tolerance.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { explain, filesEnding, writeTinyModel } from '../helpers/cli-fixture';
import { buildModel } from '../helpers/onnx-builder';

const MEAN = [0.485, 0.456, 0.406],
  STD = [0.229, 0.224, 0.225];
const FLAT = [257 * 100 + 128, 257 * 30 + 200, 257 * 200 + 60]; // far from the 8-bit values 257·k

function softmaxTop(scores: number[]): number {
  const m = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - m));
  return Math.max(...e) / e.reduce((a, b) => a + b, 0);
}

describe('limeshap explain: 16-bit PNG and TIFF', function () {
  this.timeout(120000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-depth-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('explains them at 16 bits: the probability is the one of the 16-bit values', async () => {
    const model = writeTinyModel(path.join(dir, 'model.onnx'));
    const u16 = new Uint16Array(224 * 224 * 3);
    for (let p = 0; p < 224 * 224; p++) u16.set(FLAT, 3 * p);
    const raw = () => sharp(u16, { raw: { width: 224, height: 224, channels: 3 } }).toColourspace('rgb16');
    await raw().png().toFile(path.join(dir, 'flat.png'));
    await raw().tiff({ compression: 'none' }).toFile(path.join(dir, 'flat.tif'));
    const out = path.join(dir, 'out');
    const r = explain(dir, model, ['--out', out, 'flat.png', 'flat.tif']);
    assert.equal(r.status, 0, r.stderr);
    const want = softmaxTop(FLAT.map((v, c) => (v / 65535 - MEAN[c]) / STD[c]));
    const eightBit = softmaxTop(FLAT.map((v, c) => (Math.round(v / 257) / 255 - MEAN[c]) / STD[c]));
    assert.ok(Math.abs(want - eightBit) > 1.2e-4, `the test can tell 16 bits from 8: ${want} vs ${eightBit}`);
    const results = filesEnding(out, '.lime.json');
    assert.equal(results.length, 2);
    for (const f of results) {
      const probability = JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')).explanations[0].probability as number;
      // 4e-5: the model's float32 ReduceMean over 224² values (measured 1e-5 off).
      assert.ok(Math.abs(probability - want) < 4e-5, `${f}: ${probability} vs ${want} (8-bit: ${eightBit})`);
    }
  });

  it('a grayscale model with --preset as JSON explains a 16-bit grayscale PNG at 16 bits', async () => {
    // scores = [m, 2m, 3m], m the mean of the one normalised channel.
    const model = path.join(dir, 'gray.onnx');
    fs.writeFileSync(
      model,
      buildModel({
        inputs: [{ name: 'input', type: 'float32', shape: ['batch', 1, 28, 28] }],
        outputs: [{ name: 'scores', type: 'float32', shape: ['batch', 3] }],
        initializers: [
          { name: 'axes', type: 'int64', dims: [2], data: [2, 3] },
          { name: 'k', type: 'float32', dims: [1, 3], data: Float32Array.of(1, 2, 3) },
        ],
        nodes: [
          { op: 'ReduceMean', inputs: ['input', 'axes'], outputs: ['m'], attributes: { keepdims: { int: 0 } } },
          { op: 'Mul', inputs: ['m', 'k'], outputs: ['scores'] },
        ],
      }),
    );
    const v = 257 * 180 + 130; // far from 257·k
    await sharp(new Uint16Array(28 * 28).fill(v), { raw: { width: 28, height: 28, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(path.join(dir, 'gray16.png'));
    const out = path.join(dir, 'out-gray');
    const preset = JSON.stringify({ size: 28, resize: 'stretch', scale: 1 / 255, mean: 0.5, std: 0.25 });
    const r = explain(dir, model, ['--preset', preset, '--out', out, 'gray16.png']);
    assert.equal(r.status, 0, r.stderr);
    const x = (v / 65535 - 0.5) / 0.25;
    const want = softmaxTop([x, 2 * x, 3 * x]);
    const xr = (Math.round(v / 257) / 255 - 0.5) / 0.25;
    const eightBit = softmaxTop([xr, 2 * xr, 3 * xr]);
    assert.ok(Math.abs(want - eightBit) > 1e-4, `the test can tell 16 bits from 8: ${want} vs ${eightBit}`);
    const [f] = filesEnding(out, '.lime.json');
    const probability = JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')).explanations[0].probability as number;
    assert.ok(Math.abs(probability - want) < 1e-5, `${probability} vs ${want} (8-bit: ${eightBit})`);
  });
});
