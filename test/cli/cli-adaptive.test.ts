// SPDX-License-Identifier: MIT
// `limeshap explain --samples auto` (LIME's adaptive budget from the command line): the JSON reports
// the samples used and the stability reached, the weights equal a fixed run of that many samples
// (rounds are prefixes of one draw), the report says how the budget was chosen, the bounds hold,
// and bad values exit 2 naming the flag. Spawns the CLI on a tiny model built by code.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explainFingerprints } from '../../lib/cli/fingerprint';
import { EXPLAIN_FLAGS, readExplainSettings } from '../../lib/cli/explain-flags';
import { parseFlags } from '../../lib/cli/flags';
import { explain, writePng, writeTinyModel } from '../helpers/cli-fixture';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const readJson = (file: string): Json => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;

describe('limeshap explain --samples auto', function () {
  let dir: string;
  let model: string;
  const out = (name: string) => path.join(dir, name);
  const grid = ['--segmentation', 'grid', '--segment-param', 'rows=3,cols=4'];
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-auto-'));
    model = writeTinyModel(path.join(dir, 'model.onnx'));
    await writePng(path.join(dir, 'cat.png'), 3);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports the samples used and the stability reached; the weights equal a fixed run of that many samples', () => {
    const r = explain(dir, model, [...grid, '--samples', 'auto', '--report', '--out', out('auto'), 'cat.png']);
    assert.equal(r.status, 0, r.stderr);
    const json = readJson(path.join(out('auto'), 'cat.lime.json'));
    assert.equal(json.stability.target, 0.9);
    assert.ok(json.stability.reached >= 0.9, `reached ${json.stability.reached}`);
    assert.equal(json.numSamples, 250 * json.stability.rounds, 'whole rounds of the default 250');
    assert.ok(json.numSamples <= 4000);
    const html = fs.readFileSync(path.join(out('auto'), 'report.html'), 'utf8');
    assert.match(html, /auto: top-5 stability \d\.\d\d ≥ target 0\.90 after \d+ rounds/);
    assert.ok(
      html.includes(`for 1 image(s): ${json.numSamples} samples on average (${json.numSamples}–${json.numSamples}); 1 of 1 reached`),
      'batch line',
    );

    const fixed = explain(dir, model, [...grid, '--samples', String(json.numSamples), '--out', out('fixed'), 'cat.png']);
    assert.equal(fixed.status, 0, fixed.stderr);
    const same = readJson(path.join(out('fixed'), 'cat.lime.json'));
    assert.equal(same.stability, undefined, 'a fixed budget reports no stability');
    assert.deepEqual(same.explanations[0].weights, json.explanations[0].weights);
  });

  it('--max-samples bounds the rounds: an unreachable target stops at the maximum and says so', () => {
    // Stability 1 is unreachable only by chance; --max-samples 300 caps the run either way.
    const r = explain(dir, model, [
      ...grid,
      '--samples',
      'auto',
      '--stability-target',
      '1',
      '--max-samples',
      '300',
      '--out',
      out('cap'),
      'cat.png',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const json = readJson(path.join(out('cap'), 'cat.lime.json'));
    assert.ok(json.numSamples <= 300, `used ${json.numSamples}`);
    assert.equal(json.stability.target, 1);
  });

  it('bad values exit 2 naming the flag; the adaptive flags need --samples auto', () => {
    const cases: [string[], RegExp][] = [
      [['--samples', 'many'], /--samples.*auto.*many/],
      [['--samples', '1'], /--samples/],
      [['--samples', 'auto', '--stability-target', '0'], /--stability-target/],
      [['--samples', 'auto', '--stability-target', '1.5'], /--stability-target.*1\.5/],
      [['--samples', 'auto', '--max-samples', 'x'], /--max-samples/],
      [['--samples', 'auto', '--max-samples', '100'], /--max-samples.*>= 250.*100/],
      [['--stability-target', '0.8'], /--stability-target.*--samples auto/],
      [['--samples', '500', '--max-samples', '800'], /--max-samples.*--samples auto/],
      // The library's bounds, checked before any image is read (not a failure per image).
      [['--samples', '20000000'], /--samples.*<= 10000000.*or auto, got "20000000"/],
      [['--seed', '1e300'], /--seed.*<= 9007199254740991/],
      [['--kernel-width', '1e200'], /--kernel-width.*<= 1e\+150/],
      [['--method', 'shap', '--max-evals', '1e9'], /--max-evals.*<= 100000000/],
      // A setting of the method that does not run is refused, not ignored.
      [
        ['--method', 'shap', '--samples', 'auto', '--stability-target', '0.5'],
        /--samples, --stability-target: LIME settings, but --method shap/,
      ],
      [
        ['--method', 'lime', '--max-evals', 'auto', '--error-target', '0.1'],
        /--max-evals, --error-target: SHAP settings, but --method lime/,
      ],
      [['--algorithm', 'exact'], /--algorithm: SHAP settings/],
    ];
    for (const [args, pattern] of cases) {
      const r = explain(dir, model, ['--out', out('bad'), ...args, 'cat.png']);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
    }
  });

  it("the adaptive settings enter LIME's fingerprint only", () => {
    const fp = (args: string[]) =>
      explainFingerprints(
        readExplainSettings(parseFlags(EXPLAIN_FLAGS, ['--model', 'm.onnx', '--method', 'both', ...args]).values),
        'h',
        null,
      );
    const auto = fp(['--samples', 'auto']);
    assert.notDeepEqual(auto.lime, fp([]).lime);
    assert.deepEqual(auto.shap, fp([]).shap);
    assert.notDeepEqual(fp(['--samples', 'auto', '--stability-target', '0.8']).lime, auto.lime);
    assert.notDeepEqual(fp(['--samples', 'auto', '--max-samples', '1000']).lime, auto.lime);
  });
});
