// SPDX-License-Identifier: MIT
// `limeshap explain --method …,ig,gradcam`: the gradient methods' files (picture, .npy arrays, JSON
// last), equal bit for bit to the library's results with the same settings; --method as a list
// (lime with gradcam, gradient methods alone); --resume skipping finished images and refusing
// other settings; the gradient flags refused without their method; an unknown --layer recorded as
// the image's failure naming the layer; the report embedding the pictures. Spawns the CLI on a
// small CNN built by code.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createExplainer, readNpy } from '../../lib';
import { explain, failureLines, writeConvModel, writePng } from '../helpers/cli-fixture';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readJson = (file: string): Record<string, any> => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('limeshap explain: gradient methods (ig, gradcam)', function () {
  this.timeout(120000);
  let dir: string;
  let model: string;
  let image: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-gradients-'));
    model = writeConvModel(path.join(dir, 'model.onnx'));
    image = await writePng(path.join(dir, 'cat.png'), 5, 48, 36);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--method lime,ig,gradcam writes NAME.ig.* and NAME.gradcam.* equal to the library’s results, and the report shows them', async () => {
    const out = path.join(dir, 'out1');
    const r = explain(dir, model, [
      '--method',
      'lime,ig,gradcam',
      '--ig-steps',
      '4',
      '--ig-baseline',
      'mean',
      '--layer',
      'act',
      '--report',
      '--out',
      out,
      'cat.png',
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const suffix of [
      '.lime.json',
      '.ig.json',
      '.ig.npy',
      '.ig-channels.npy',
      '.ig.png',
      '.gradcam.json',
      '.gradcam.npy',
      '.gradcam-layer.npy',
      '.gradcam.png',
    ])
      assert.ok(fs.existsSync(path.join(out, `cat${suffix}`)), `cat${suffix}`);
    const explainer = await createExplainer(model);
    try {
      const ig = await explainer.integratedGradients(image, { steps: 4, baseline: 'mean' });
      const cam = await explainer.gradCam(image, { layer: 'act' });
      const igJson = readJson(path.join(out, 'cat.ig.json'));
      assert.equal(igJson.steps, 4);
      assert.equal(igJson.classIndex, ig.classIndex);
      assert.equal(igJson.fingerprint.baseline, 'mean');
      assert.deepEqual(igJson.arrays.values, { file: 'cat.ig.npy', dtype: '<f4', shape: [224, 224] });
      assert.deepEqual(Buffer.from((await readNpy(path.join(out, 'cat.ig.npy'))).data.buffer), Buffer.from(ig.pixels.buffer));
      const camJson = readJson(path.join(out, 'cat.gradcam.json'));
      assert.equal(camJson.layer, 'act');
      assert.equal(camJson.defaultLayer, false);
      assert.deepEqual(camJson.layerShape, [4, 224, 224]);
      assert.deepEqual(Buffer.from((await readNpy(path.join(out, 'cat.gradcam.npy'))).data.buffer), Buffer.from(cam.pixels.buffer));
    } finally {
      await explainer.dispose();
    }
    const report = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(report, /Grad-CAM/);
    assert.match(report, /Integrated Gradients/);
  });

  it('gradient methods alone: --resume skips finished images and refuses other settings', () => {
    const out = path.join(dir, 'out2');
    const args = ['--method', 'ig,gradcam', '--ig-steps', '3', '--out', out, 'cat.png'];
    const first = explain(dir, model, args);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.ok(!fs.existsSync(path.join(out, 'cat.lime.json')), 'no LIME without lime in --method');
    assert.equal(readJson(path.join(out, 'cat.gradcam.json')).layer, 'act', 'the default layer');
    const again = explain(dir, model, [...args, '--resume']);
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /1 skipped/);
    const other = explain(dir, model, ['--method', 'ig,gradcam', '--ig-steps', '5', '--out', out, '--resume', 'cat.png']);
    assert.equal(other.status, 5, other.stdout + other.stderr);
    assert.match(other.stderr, /steps 3 -> 5/);
    // --json names the gradient methods and every file written, arrays included.
    const json = explain(dir, model, ['--method', 'ig,gradcam', '--json', '--out', path.join(dir, 'out2json'), 'cat.png']);
    assert.equal(json.status, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.method, 'none');
    assert.deepEqual(doc.gradients, ['ig', 'gradcam']);
    const written = (doc.images[0].outputs as string[]).map((f) => path.basename(f)).sort();
    assert.deepEqual(written, [
      'cat.gradcam-layer.npy',
      'cat.gradcam.json',
      'cat.gradcam.npy',
      'cat.gradcam.png',
      'cat.ig-channels.npy',
      'cat.ig.json',
      'cat.ig.npy',
      'cat.ig.png',
    ]);
    // A removed array makes the image unfinished: redone.
    fs.rmSync(path.join(out, 'cat.gradcam-layer.npy'));
    const redo = explain(dir, model, [...args, '--resume']);
    assert.equal(redo.status, 0, redo.stdout + redo.stderr);
    assert.match(redo.stdout, /1 explained/);
  });

  it('refuses gradient flags without their method, unknown methods, and records an unknown layer as a failure naming it', () => {
    const out = path.join(dir, 'out3');
    const layerAlone = explain(dir, model, ['--method', 'lime', '--layer', 'act', '--out', out, 'cat.png']);
    assert.equal(layerAlone.status, 2);
    assert.match(layerAlone.stderr, /--layer.*gradcam/);
    const stepsAlone = explain(dir, model, ['--method', 'gradcam', '--ig-steps', '4', '--out', out, 'cat.png']);
    assert.equal(stepsAlone.status, 2);
    assert.match(stepsAlone.stderr, /--ig-steps.*ig/);
    const bad = explain(dir, model, ['--method', 'lime,gradcamm', '--out', out, 'cat.png']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--method.*"gradcamm"/);
    const unknown = explain(dir, model, ['--method', 'gradcam', '--layer', 'nope', '--out', out, 'cat.png']);
    assert.equal(unknown.status, 1, unknown.stdout + unknown.stderr);
    const failures = failureLines(out);
    assert.equal(failures.length, 1);
    assert.match(failures[0].error, /"act".*layer.*"nope"/);
  });
});
