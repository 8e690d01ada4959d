// SPDX-License-Identifier: MIT
// `limeshap explain --evaluate` and the explanation settings as flags (--segmentation,
// --segment-param, --hide, --masker, --kernel-width, --regressor): the evaluation in each JSON
// (curves that start at the class's probability, AUCs by the formula), the curves picture (the exact
// pixels renderCurves draws from the JSON), the report's sections, usage errors naming the flag,
// --help, and fingerprints that change with every setting. Spawns the CLI on a tiny model built by code.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { explainFingerprints } from '../../lib/cli/fingerprint';
import { EXPLAIN_FLAGS, readExplainSettings } from '../../lib/cli/explain-flags';
import { parseFlags } from '../../lib/cli/flags';
import { METRIC_NAMES } from '../../lib/metrics/registry';
import { curvesImage } from '../../lib/render';
import { CLI, explain, writePng, writeTinyModel } from '../helpers/cli-fixture';
import { spawnSync } from 'node:child_process';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const readJson = (file: string): Json => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
/** (Σ p_k − (p_0 + p_n)/2) / n, the AUC. */
const area = (c: number[]) => (c.reduce((a, b) => a + b, 0) - (c[0] + c[c.length - 1]) / 2) / (c.length - 1);

describe('limeshap explain --evaluate and the explanation flags', function () {
  let dir: string;
  let model: string;
  const out = (name: string) => path.join(dir, name);
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-eval-'));
    model = writeTinyModel(path.join(dir, 'model.onnx'));
    await writePng(path.join(dir, 'cat.png'), 3);
    await writePng(path.join(dir, 'dog.png'), 5);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--evaluate deletion,insertion: the JSON holds the curves, NAME.*-curves.png draws them, the report summarises them', async () => {
    const r = explain(dir, model, [
      '--method',
      'both',
      '--features',
      'superpixels',
      '--segmentation',
      'grid',
      '--segment-param',
      'rows=2,cols=3',
      '--evaluate',
      'insertion,deletion',
      '--report',
      '--out',
      out('eval'),
      'cat.png',
      'dog.png',
    ]);
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['cat', 'dog'])
      for (const method of ['lime', 'shap']) {
        const json = readJson(path.join(out('eval'), `${name}.${method}.json`));
        assert.equal(json.segmentation.method, 'grid');
        assert.equal(json.segmentation.count, 6, 'rows=2,cols=3 reached the segmentation');
        const ev = json.evaluation;
        assert.deepEqual(ev.metrics, ['deletion', 'insertion'], 'registry order, only those asked');
        assert.equal(ev.method, method);
        assert.equal(ev.featureCount, 6);
        assert.equal(ev.classes.length, 1);
        const c = ev.classes[0];
        const explained = json.explanations[0];
        assert.equal(c.index, explained.index);
        assert.equal(c.mufidelity, undefined, 'metrics not asked for are not run');
        for (const metric of ['deletion', 'insertion']) {
          const m = c[metric];
          assert.equal(m.curve.length, 7, 'k = 0..n');
          assert.ok(Math.abs(m.auc - area(m.curve)) < 1e-12, `${metric} AUC is the area of its curve`);
          assert.equal(m.random.curves.length, 10, 'default random orders');
        }
        // With every feature shown the model sees the image: both curves meet the explained probability there.
        assert.ok(Math.abs(c.deletion.curve[0] - explained.probability) < 1e-5, `${name} ${method} deletion starts at p(x)`);
        assert.ok(Math.abs(c.insertion.curve[6] - explained.probability) < 1e-5, `${name} ${method} insertion ends at p(x)`);
        assert.ok(Math.abs(c.deletion.curve[6] - c.insertion.curve[0]) < 1e-6, 'both end on the substrate alone');
        // The picture is exactly what renderCurves draws from the JSON.
        const png = path.join(out('eval'), `${name}.${method}-curves.png`);
        const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
        const expected = curvesImage(ev).image;
        assert.deepEqual([info.width, info.height, info.channels], [expected.width, expected.height, 3]);
        assert.ok(Buffer.from(expected.data).equals(data), `${name}.${method}-curves.png pixels`);
      }
    const html = fs.readFileSync(path.join(out('eval'), 'report.html'), 'utf8');
    assert.match(html, /<h2 id="quality">Quality over the batch<\/h2>/);
    assert.equal((html.match(/<h3>Quality<\/h3>/g) ?? []).length, 2, 'one quality table per image');
    assert.equal((html.match(/deletion\/insertion curves<\/figcaption>/g) ?? []).length, 4, 'LIME and SHAP curves of both images');
    // The batch row of LIME holds the mean deletion AUC over both images, as the report formats it.
    const aucs = ['cat', 'dog'].map((n) => readJson(path.join(out('eval'), `${n}.lime.json`)).evaluation.classes[0].deletion.auc as number);
    const lime = /<tr><td>LIME<\/td><td class="n">2<\/td><td class="n">([^<]*)<\/td>/.exec(html);
    assert.ok(lime, 'a LIME row over 2 classes');
    assert.equal(lime[1], ((aucs[0] + aucs[1]) / 2).toFixed(3));
  });

  it('the explanation flags change the explanation: --regressor, --kernel-width and --hide change LIME weights; defaults given explicitly do not', () => {
    const weights = (name: string, args: string[]) => {
      const r = explain(dir, model, ['--segmentation', 'grid', '--segment-param', 'rows=3,cols=3', '--out', out(name), ...args, 'cat.png']);
      assert.equal(r.status, 0, r.stderr);
      return readJson(path.join(out(name), 'cat.lime.json')).explanations[0].weights as number[];
    };
    const base = weights('w-base', []);
    assert.deepEqual(weights('w-defaults', ['--regressor', 'ridge', '--kernel-width', '0.25', '--hide', 'mean']), base);
    assert.notDeepEqual(weights('w-linear', ['--regressor', 'linear']), base);
    assert.notDeepEqual(weights('w-kw', ['--kernel-width', '0.05']), base);
    assert.notDeepEqual(weights('w-black', ['--hide', 'black']), base);
  });

  it('bad values exit 2 naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--evaluate', 'deletion,bogus'], /--evaluate.*bogus/],
      [['--evaluate', ''], /--evaluate/],
      [['--segmentation', 'watershed'], /--segmentation.*watershed/],
      [['--segmentation', 'slic', '--segment-param', 'kernelSize=2'], /--segment-param.*kernelSize/],
      [['--segment-param', 'maxDist=-1'], /--segment-param.*maxDist/],
      [['--segment-param', 'convert2lab=maybe'], /--segment-param.*convert2lab/],
      [['--hide', 'purple'], /--hide.*purple/],
      [['--method', 'shap', '--masker', 'blur(0,3)'], /--masker/],
      [['--kernel-width', '0'], /--kernel-width/],
      [['--regressor', 'forest'], /--regressor.*forest/],
      [['--method', 'shap', '--segmentation', 'slic'], /--segmentation.*superpixels/],
      [['--method', 'lime', '--masker', 'black'], /--masker/],
    ];
    for (const [args, pattern] of cases) {
      const r = explain(dir, model, ['--out', out('bad'), ...args, 'cat.png']);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
    }
    assert.ok(!fs.existsSync(path.join(out('bad'), 'cat.lime.json')), 'nothing explained');
  });

  it('--help lists the new flags and every registered metric', () => {
    const r = spawnSync(process.execPath, [CLI, 'explain', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const flag of [
      '--evaluate LIST',
      '--segmentation METHOD',
      '--segment-param',
      '--hide SPEC',
      '--masker SPEC',
      '--kernel-width X',
      '--regressor R',
    ])
      assert.ok(r.stdout.includes(flag), flag);
    for (const m of METRIC_NAMES) assert.ok(r.stdout.includes(m), m);
  });

  it('every setting enters the fingerprint of the method it changes; --resume refuses outputs made without --evaluate', () => {
    const settings = (args: string[]) => readExplainSettings(parseFlags(EXPLAIN_FLAGS, ['--model', 'm.onnx', ...args]).values);
    const fp = (args: string[]) => explainFingerprints(settings(args), 'hash', null);
    const base = fp(['--method', 'both']);
    const changes: [string[], ('lime' | 'shap')[]][] = [
      [
        ['--evaluate', 'deletion'],
        ['lime', 'shap'],
      ],
      [['--segmentation', 'slic'], ['lime']],
      [
        ['--segmentation', 'slic', '--features', 'superpixels'],
        ['lime', 'shap'],
      ],
      [['--segment-param', 'maxDist=100'], ['lime']],
      [['--hide', 'black'], ['lime']],
      [['--masker', 'blur(8,8)'], ['shap']],
      [['--kernel-width', '0.5'], ['lime']],
      [['--regressor', 'lasso'], ['lime']],
    ];
    for (const [args, changed] of changes) {
      const f = fp(['--method', 'both', ...args]);
      for (const m of ['lime', 'shap'] as const)
        assert.equal(JSON.stringify(f[m]) !== JSON.stringify(base[m]), changed.includes(m), `${args.join(' ')}: ${m}`);
    }
    assert.notDeepEqual(fp(['--segment-param', 'maxDist=100']).lime, fp(['--segment-param', 'maxDist=50']).lime);
    // The same segmentation spelt differently (order, a default written out, the method named) is the same setting.
    const spelt = fp(['--segment-param', 'kernelSize=2,maxDist=100']).lime;
    assert.deepEqual(fp(['--segment-param', 'maxDist=100,kernelSize=2,ratio=0.2']).lime, spelt);
    assert.deepEqual(fp(['--segmentation', 'quickshift', '--segment-param', 'maxDist=100,kernelSize=2']).lime, spelt);
    assert.notDeepEqual(fp(['--evaluate', 'deletion']).lime, fp(['--evaluate', 'deletion,insertion']).lime);

    const first = explain(dir, model, ['--out', out('resume'), 'cat.png']);
    assert.equal(first.status, 0, first.stderr);
    const again = explain(dir, model, ['--out', out('resume'), '--resume', '--evaluate', 'deletion', 'cat.png']);
    assert.equal(again.status, 5, again.stderr);
    assert.match(again.stderr, /evaluate null -> "deletion"/);
    const forced = explain(dir, model, ['--out', out('resume'), '--resume', '--force', '--evaluate', 'deletion', 'cat.png']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(fs.existsSync(path.join(out('resume'), 'cat.lime-curves.png')));
    assert.deepEqual(readJson(path.join(out('resume'), 'cat.lime.json')).evaluation.metrics, ['deletion']);
  });
});
