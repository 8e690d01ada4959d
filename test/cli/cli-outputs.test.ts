// SPDX-License-Identifier: MIT
// What `limeshap explain` stores per image: small JSON beside .npy arrays (SHAP values, label maps).
// The arrays are read with lib/npy.ts and with numpy, compared bit for bit with the same explanation
// made in memory by the library, and --resume redoes an image whose arrays are missing, cut short or
// not named. Spawns the CLI on a tiny model built by code.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createExplainer, readNpy, saveLime, saveShap, toNpy, type LimeResult, type ShapResult } from '../../lib';
import { HOST_TAG } from '../../lib/atomic-write';
import { explain, writePng, writeTinyModel } from '../helpers/cli-fixture';
import { python, requireNumpy } from '../helpers/numpy';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readJson = (file: string): Record<string, any> => JSON.parse(fs.readFileSync(file, 'utf8'));
const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('limeshap explain: .npy outputs', function () {
  this.timeout(120000);
  let dir: string;
  let model: string;
  let out: string;
  let image: string;
  /** The same explanations, made in memory with the CLI's settings (16 LIME samples, top 1 class). */
  let lime: LimeResult;
  let shap: ShapResult;
  /** Explained at a model size of 36 × 48. */
  let superpixels: ShapResult;
  let wideLime: LimeResult;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-outputs-'));
    model = writeTinyModel(path.join(dir, 'model.onnx'));
    image = await writePng(path.join(dir, 'cat.png'), 5, 48, 36);
    out = path.join(dir, 'out');
    const r = explain(dir, model, ['--method', 'both', '--out', out, 'cat.png']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const explainer = await createExplainer(model);
    try {
      lime = await explainer.lime(image, { numSamples: 16, topLabels: 1 });
      shap = await explainer.shap(image, { topLabels: 1 });
    } finally {
      await explainer.dispose();
    }
    // A model size that is not square, so that an exchanged height and width would show.
    const wide = await createExplainer(model, { preprocess: { preset: 'imagenet', size: [36, 48] } });
    try {
      superpixels = await wide.shap(image, { topLabels: 2, algorithm: 'kernel', segmentation: { method: 'grid', rows: 2, cols: 3 } });
      wideLime = await wide.lime(image, { numSamples: 16, topLabels: 1, segmentation: { method: 'grid', rows: 3, cols: 4 } });
    } finally {
      await wide.dispose();
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('NAME.shap.json names NAME.shap.npy ([classes, H, W] float32) and holds no per-pixel numbers; the values equal the library’s bit for bit', async () => {
    const json = readJson(path.join(out, 'cat.shap.json'));
    assert.deepEqual(json.arrays, { values: { file: 'cat.shap.npy', dtype: '<f4', shape: [1, 224, 224] } });
    assert.equal(json.explanations[0].values, undefined, 'no values inline');
    assert.ok(fs.statSync(path.join(out, 'cat.shap.json')).size < 4096, 'the JSON is metadata only');
    const values = await readNpy(path.join(out, 'cat.shap.npy'));
    assert.equal(values.dtype, '<f4');
    assert.deepEqual(values.shape, [1, 224, 224]);
    assert.ok(bytesOf(values.data).equals(bytesOf(shap.explanations[0].values)), 'the in-memory values, exactly');
    assert.equal(json.explanations[0].index, shap.explanations[0].index);
  });

  it('NAME.lime.json names NAME.lime-segments.npy; weights placed through it equal the map the heatmap draws', async () => {
    const json = readJson(path.join(out, 'cat.lime.json'));
    assert.deepEqual(json.arrays, { labels: { file: 'cat.lime-segments.npy', dtype: '<u2', shape: [224, 224] } });
    const labels = await readNpy(path.join(out, 'cat.lime-segments.npy'));
    assert.deepEqual([...labels.data], [...lime.segmentation.labels], 'the explained segmentation, exactly');
    assert.equal(Math.max(...labels.data) + 1, json.segmentation.count);
    // The per-pixel map renderLime's heatmap draws is weights[labels[p]] of the explanation in memory.
    const weights = json.explanations[0].weights as number[];
    const placed = Float64Array.from(labels.data, (l) => weights[l]);
    const drawn = Float64Array.from(lime.segmentation.labels, (l) => lime.explanations[0].weights[l]);
    assert.ok(bytesOf(placed).equals(bytesOf(drawn)));
  });

  it('numpy loads both arrays with the shapes the JSON records, and places the weights the same way', function () {
    requireNumpy(this);
    const r = JSON.parse(
      python(
        `d = sys.argv[1]
lime = json.load(open(d + '/cat.lime.json')); shap = json.load(open(d + '/cat.shap.json'))
labels = np.load(d + '/' + lime['arrays']['labels']['file'])
values = np.load(d + '/' + shap['arrays']['values']['file'])
placed = np.array(lime['explanations'][0]['weights'])[labels]
print(json.dumps({'labels': [labels.dtype.str, list(labels.shape)], 'values': [values.dtype.str, list(values.shape)],
  'sum': float(values[0].astype(np.float64).sum()), 'placed': placed.astype('<f8').tobytes().hex()}))`,
        [out],
      ),
    );
    assert.deepEqual(r.labels, ['<u2', [224, 224]]);
    assert.deepEqual(r.values, ['<f4', [1, 224, 224]]);
    // shap's efficiency: the values sum to probability − base value (the JSON's sum, from the same floats).
    assert.ok(Math.abs(r.sum - readJson(path.join(out, 'cat.shap.json')).explanations[0].sum) < 1e-9);
    const drawn = Float64Array.from(lime.segmentation.labels, (l) => lime.explanations[0].weights[l]);
    assert.equal(r.placed, bytesOf(drawn).toString('hex'));
  });

  it('saveShap over superpixels writes the values and the label map, saveLime the label map ([H, W] of a 36 × 48 model); both refuse bad arguments naming them', async () => {
    const lib = path.join(dir, 'lib');
    fs.mkdirSync(lib);
    const written = saveShap(superpixels, lib, 'sp', { image: 'x.png' });
    assert.deepEqual(
      written.map((f) => path.basename(f)),
      ['sp.shap.npy', 'sp.shap-segments.npy', 'sp.shap.json'],
    );
    const json = readJson(path.join(lib, 'sp.shap.json'));
    assert.equal(json.image, 'x.png');
    assert.deepEqual(json.arrays.values.shape, [2, 36, 48]);
    const values = await readNpy(path.join(lib, 'sp.shap.npy'));
    const labels = await readNpy(path.join(lib, 'sp.shap-segments.npy'));
    assert.deepEqual([...labels.data], [...(superpixels.segmentation as { labels: Int32Array }).labels]);
    for (let c = 0; c < 2; c++) {
      const plane = values.data.subarray(c * 36 * 48, (c + 1) * 36 * 48);
      assert.ok(bytesOf(plane).equals(bytesOf(superpixels.explanations[c].values)), `class ${c}`);
      // Each segment's pixels share its value evenly: their sum is the JSON's segment value.
      const sums = new Float64Array(6);
      labels.data.forEach((l, p) => (sums[l] += plane[p]));
      json.explanations[c].segmentValues.forEach((v: number, s: number) =>
        assert.ok(Math.abs(sums[s] - v) < 1e-6 * Math.max(1, Math.abs(v))),
      );
    }
    assert.deepEqual(
      saveLime(wideLime, lib, 'wl').map((f) => path.basename(f)),
      ['wl.lime-segments.npy', 'wl.lime.json'],
    );
    assert.deepEqual(readJson(path.join(lib, 'wl.lime.json')).arrays.labels, {
      file: 'wl.lime-segments.npy',
      dtype: '<u2',
      shape: [36, 48],
    });
    const wl = await readNpy(path.join(lib, 'wl.lime-segments.npy'));
    assert.deepEqual([...wl.data], [...wideLime.segmentation.labels]);
    // A 3 × 4 grid over 36 × 48 (cells of 12 × 12): the last pixel is in cell 11, the end of row 0 in cell 3.
    assert.equal(wl.data[35 * 48 + 47], 11);
    assert.equal(wl.data[47], 3);
    assert.throws(
      () => saveLime(lime, lib, '../escape'),
      (e: Error) => e instanceof RangeError && /for name/.test(e.message),
    );
    assert.throws(
      () => saveLime(lime, lib, ''),
      (e: Error) => e instanceof TypeError && /for name/.test(e.message),
    );
    assert.throws(
      () => saveLime(lime, 7 as unknown as string, 'x'),
      (e: Error) => e instanceof TypeError && /for dir/.test(e.message),
    );
    assert.throws(
      () => saveShap(shap, lib, 'x', [] as unknown as Record<string, unknown>),
      (e: Error) => e instanceof TypeError && /for fields/.test(e.message),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'escape.lime.json')));
  });

  it('saveLime with fields JSON cannot hold writes nothing; a link planted at the temporary name is not written through', () => {
    const hostile = path.join(dir, 'hostile');
    fs.mkdirSync(hostile);
    assert.throws(() => saveLime(lime, hostile, 'big', { n: 1n }), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => saveShap(shap, hostile, 'cyc', { cyclic }), TypeError);
    assert.deepEqual(fs.readdirSync(hostile), [], 'no array left that no JSON names');
    // Someone who can write to the folder links the predictable temporary name to a file of ours.
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'untouched');
    for (const file of ['x.lime-segments.npy', 'x.lime.json'])
      fs.symlinkSync(victim, path.join(hostile, `${file}.${HOST_TAG}-${process.pid}.tmp`));
    saveLime(lime, hostile, 'x');
    assert.equal(fs.readFileSync(victim, 'utf8'), 'untouched');
    assert.deepEqual(readJson(path.join(hostile, 'x.lime.json')).arrays.labels.file, 'x.lime-segments.npy');
    assert.deepEqual(fs.readdirSync(hostile).sort(), ['x.lime-segments.npy', 'x.lime.json']);
  });

  it('--resume redoes an image whose .npy is missing, cut short or unnamed, and skips a complete one', () => {
    const resume = () => explain(dir, model, ['--method', 'both', '--out', out, '--resume', 'cat.png']);
    const npy = path.join(out, 'cat.shap.npy');
    const original = fs.readFileSync(npy);
    let r = resume();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /0 explained, 0 failed, 1 skipped/);

    const damage: [string, () => void][] = [
      ['values cut short', () => fs.truncateSync(npy, original.length - 4)],
      ['values missing', () => fs.rmSync(npy)],
      ['label map cut to its header', () => fs.truncateSync(path.join(out, 'cat.lime-segments.npy'), 128)],
      ['label map missing', () => fs.rmSync(path.join(out, 'cat.lime-segments.npy'))],
      ['values of another shape', () => fs.writeFileSync(npy, toNpy(new Float32Array(48), [1, 1, 48]))],
      [
        'a JSON written before arrays were stored (values inline, none named)',
        () => {
          const file = path.join(out, 'cat.shap.json');
          const json = readJson(file);
          delete json.arrays;
          fs.writeFileSync(file, JSON.stringify(json));
        },
      ],
    ];
    for (const [what, spoil] of damage) {
      spoil();
      r = resume();
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /1 explained, 0 failed/, what);
      assert.ok(fs.readFileSync(npy).equals(original), `${what}: rewritten, same values`);
      assert.deepEqual(readJson(path.join(out, 'cat.shap.json')).arrays.values.shape, [1, 224, 224]);
    }
    r = resume();
    assert.match(r.stdout, /0 explained, 0 failed, 1 skipped/);
  });
});
