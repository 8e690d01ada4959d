// SPDX-License-Identifier: MIT
// `limeshap explain --method smoothgrad` and `--method shap --algorithm gradient` (expected
// gradients) on a linear glass box whose two outputs are already a distribution (p₀ = ½ + w·x,
// p₁ = ½ − w·x, so no softmax is added and ∇p₀ = w): the saved arrays equal the closed forms
// (SmoothGrad = w whatever the noise; gradient×input = w ⊙ x; expected gradients over a black
// background = Σ_c x·w per pixel, base value ½) and the library's results bit for bit; --resume
// skips finished images and refuses other settings; flags that do not apply exit 2 naming the flag.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createExplainer, readNpy } from '../../lib';
import { explain, writePng } from '../helpers/cli-fixture';
import { linearModel } from '../helpers/onnx-builder';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readJson = (file: string): Record<string, any> => JSON.parse(fs.readFileSync(file, 'utf8'));

const H = 6;
const W = 5;
const PLANE = H * W;
/** The model's own size, stretched, x/255: the model sees the PNG's pixels as they are. */
const PRESET = { size: [H, W] as [number, number], resize: 'stretch' as const, layout: 'nchw' as const, scale: 1 / 255, mean: 0, std: 1 };

describe('limeshap explain: SmoothGrad and expected gradients', function () {
  this.timeout(120000);
  let dir: string;
  let model: string;
  let image: string;
  /** Class 0's weights (NCHW-flattened); class 1's are their negation. */
  let w: Float32Array;
  /** The image as the model sees it, NCHW. */
  let x: Float32Array;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-sg-eg-'));
    // Non-negative weights small enough that p₀ = ½ + w·x stays in [½, 1): class 0 is the top class.
    let state = 11;
    w = Float32Array.from({ length: 3 * PLANE }, () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return (0.4 / (3 * PLANE)) * (state / 2147483648);
    });
    const glass = linearModel({
      height: H,
      width: W,
      classes: 2,
      weights: Float32Array.from([...w, ...w.map((v) => -v)]),
      bias: Float32Array.of(0.5, 0.5),
    });
    model = path.join(dir, 'linear.onnx');
    fs.writeFileSync(model, glass.bytes);
    image = await writePng(path.join(dir, 'cat.png'), 3, W, H);
    const raw = await sharp(image).raw().toBuffer();
    x = new Float32Array(3 * PLANE);
    for (let p = 0; p < PLANE; p++) for (let c = 0; c < 3; c++) x[c * PLANE + p] = raw[3 * p + c] / 255;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => explain(dir, model, ['--preset', JSON.stringify(PRESET), ...args]);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
    assert.equal(a.length, b.length, what);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  };

  it('--method smoothgrad writes NAME.smoothgrad.* equal to w (and w ⊙ x for gradient*input) and to the library’s result', async () => {
    const out = path.join(dir, 'sg');
    const r = run([
      '--method',
      'smoothgrad',
      '--smoothgrad-samples',
      '7',
      '--smoothgrad-noise',
      '0.3',
      '--seed',
      '5',
      '--report',
      '--out',
      out,
      'cat.png',
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const suffix of ['.smoothgrad.json', '.smoothgrad.npy', '.smoothgrad-channels.npy', '.smoothgrad.png'])
      assert.ok(fs.existsSync(path.join(out, `cat${suffix}`)), `cat${suffix}`);
    assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /SmoothGrad/, 'the report shows the picture');
    const json = readJson(path.join(out, 'cat.smoothgrad.json'));
    assert.equal(json.method, 'smoothGrad');
    assert.equal(json.classIndex, 0);
    assert.equal(json.nSamples, 7);
    assert.equal(json.noise, 0.3);
    assert.equal(json.seed, 5);
    assert.equal(json.variant, 'gradient');
    assert.deepEqual(json.arrays.values, { file: 'cat.smoothgrad.npy', dtype: '<f4', shape: [H, W] });
    assert.deepEqual(json.arrays.attributions, { file: 'cat.smoothgrad-channels.npy', dtype: '<f4', shape: [3, H, W] });
    const channels = (await readNpy(path.join(out, 'cat.smoothgrad-channels.npy'))).data as Float32Array;
    const values = (await readNpy(path.join(out, 'cat.smoothgrad.npy'))).data as Float32Array;
    // The gradient of a linear output is its weights, at every noisy copy.
    close(channels, w, 1e-8, 'channels');
    close(
      values,
      Array.from({ length: PLANE }, (_, p) => w[p] + w[PLANE + p] + w[2 * PLANE + p]),
      1e-8,
      'values',
    );
    const explainer = await createExplainer(model, { preprocess: PRESET });
    try {
      const sg = await explainer.smoothGrad(image, { nSamples: 7, noise: 0.3, seed: 5 });
      assert.deepEqual(Buffer.from(values.buffer, values.byteOffset, values.byteLength), Buffer.from(sg.pixels.buffer));
    } finally {
      await explainer.dispose();
    }

    const gi = path.join(dir, 'sg-input');
    const r2 = run([
      '--method',
      'smoothgrad',
      '--smoothgrad-variant',
      'gradient*input',
      '--smoothgrad-samples',
      '2',
      '--out',
      gi,
      'cat.png',
    ]);
    assert.equal(r2.status, 0, r2.stdout + r2.stderr);
    const product = (await readNpy(path.join(gi, 'cat.smoothgrad.npy'))).data as Float32Array;
    close(
      product,
      Array.from({ length: PLANE }, (_, p) => [0, 1, 2].reduce((s, c) => s + w[c * PLANE + p] * x[c * PLANE + p], 0)),
      1e-8,
      'gradient*input',
    );
  });

  it('--method shap --algorithm gradient writes NAME.shap.* equal to Σ_c x·w over a black background and to the library’s result', async () => {
    const out = path.join(dir, 'eg');
    const r = run([
      '--method',
      'shap',
      '--algorithm',
      'gradient',
      '--masker',
      'black',
      '--eg-samples',
      '9',
      '--seed',
      '4',
      '--out',
      out,
      'cat.png',
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(fs.existsSync(path.join(out, 'cat.shap.png')));
    const json = readJson(path.join(out, 'cat.shap.json'));
    assert.equal(json.algorithm, 'gradient');
    assert.equal(json.fingerprint.algorithm, 'gradient');
    assert.equal(json.fingerprint.egSamples, 9);
    assert.equal(json.fingerprint.masker, 'black');
    assert.equal(json.explanations[0].index, 0);
    assert.ok(Math.abs(json.explanations[0].baseValue - 0.5) < 1e-6, `baseValue ${json.explanations[0].baseValue}: f(black) = ½`);
    const values = (await readNpy(path.join(out, 'cat.shap.npy'))).data as Float32Array;
    const expected = Array.from({ length: PLANE }, (_, p) => [0, 1, 2].reduce((s, c) => s + x[c * PLANE + p] * w[c * PLANE + p], 0));
    close(values, expected, 1e-8, 'expected gradients');
    const explainer = await createExplainer(model, { preprocess: PRESET });
    try {
      const eg = await explainer.shap(image, { algorithm: 'gradient', background: 'black', nSamples: 9, seed: 4, topLabels: 1 });
      assert.deepEqual(Buffer.from(values.buffer, values.byteOffset, values.byteLength), Buffer.from(eg.explanations[0].values.buffer));
      // Per-pixel standard errors go to NAME.shap-errors.npy ([classes, H, W]), not into the JSON.
      assert.equal(json.explanations[0].standardErrors, undefined);
      assert.equal(typeof json.explanations[0].sumStandardError, 'number');
      assert.deepEqual(json.arrays.standardErrors.shape, [1, H, W]);
      const errors = await readNpy(path.join(out, 'cat.shap-errors.npy'));
      assert.deepEqual(errors.data, Float32Array.from(eg.explanations[0].standardErrors as Float64Array));
    } finally {
      await explainer.dispose();
    }
  });

  it('--resume skips finished SmoothGrad and expected-gradient images and refuses other settings; --json lists the files', () => {
    const out = path.join(dir, 'resume');
    const args = [
      '--method',
      'shap,smoothgrad',
      '--algorithm',
      'gradient',
      '--eg-samples',
      '5',
      '--smoothgrad-samples',
      '3',
      '--out',
      out,
      'cat.png',
    ];
    const first = run(args);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    const again = run([...args, '--resume']);
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /1 skipped/);
    const noise = run([...args, '--smoothgrad-noise', '0.2', '--resume']);
    assert.equal(noise.status, 5, noise.stdout + noise.stderr);
    assert.match(noise.stderr, /noise null -> 0\.2/);
    const samples = run([
      '--method',
      'shap,smoothgrad',
      '--algorithm',
      'gradient',
      '--eg-samples',
      '6',
      '--smoothgrad-samples',
      '3',
      '--out',
      out,
      '--resume',
      'cat.png',
    ]);
    assert.equal(samples.status, 5, samples.stdout + samples.stderr);
    assert.match(samples.stderr, /egSamples 5 -> 6/);
    // A removed SmoothGrad array makes the image unfinished: redone.
    fs.rmSync(path.join(out, 'cat.smoothgrad-channels.npy'));
    const redo = run([...args, '--resume']);
    assert.equal(redo.status, 0, redo.stdout + redo.stderr);
    assert.match(redo.stdout, /1 explained/);
    const json = run(['--method', 'smoothgrad', '--smoothgrad-samples', '2', '--json', '--out', path.join(dir, 'json'), 'cat.png']);
    assert.equal(json.status, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.deepEqual(doc.gradients, ['smoothgrad']);
    assert.deepEqual((doc.images[0].outputs as string[]).map((f) => path.basename(f)).sort(), [
      'cat.smoothgrad-channels.npy',
      'cat.smoothgrad.json',
      'cat.smoothgrad.npy',
      'cat.smoothgrad.png',
    ]);
  });

  it('flags that do not apply are usage errors (exit 2) naming the flag', () => {
    const out = path.join(dir, 'bad');
    const refused: [string[], RegExp][] = [
      [['--method', 'shap', '--algorithm', 'gradient', '--max-evals', '50'], /--max-evals.*--algorithm gradient/],
      [['--method', 'shap', '--algorithm', 'gradient', '--max-evals', 'auto'], /--max-evals.*--algorithm gradient/],
      [['--method', 'shap', '--algorithm', 'gradient', '--features', 'superpixels'], /--features superpixels.*--algorithm gradient/],
      [['--method', 'shap', '--eg-samples', '5'], /--eg-samples.*--algorithm/],
      [['--method', 'shap', '--algorithm', 'gradient', '--segmentation', 'slic'], /--segmentation.*--algorithm gradient/],
      [['--method', 'shap', '--algorithm', 'gradient', '--evaluate', 'deletion'], /--evaluate.*--algorithm gradient/],
      [['--method', 'lime', '--eg-samples', '5'], /--eg-samples.*--method lime/],
      [['--method', 'ig', '--smoothgrad-noise', '0.1'], /--smoothgrad-noise.*smoothgrad/],
      [['--method', 'smoothgrad', '--smoothgrad-variant', 'input'], /--smoothgrad-variant.*"input"/],
      [['--method', 'smoothgrad', '--smoothgrad-samples', '0'], /--smoothgrad-samples/],
      [['--method', 'shap', '--algorithm', 'gradient', '--eg-samples', '1.5'], /--eg-samples/],
      [['--method', 'shap', '--algorithm', 'gradients'], /--algorithm.*gradient.*"gradients"/],
    ];
    for (const [args, message] of refused) {
      const r = run([...args, '--out', out, 'cat.png']);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
    assert.ok(!fs.existsSync(out), 'no output folder for a usage error');
  });
});
