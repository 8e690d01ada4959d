// SPDX-License-Identifier: MIT
// `limeshap explain --max-evals auto [--error-target X]`: the settings (usage errors naming the flag,
// the fingerprint), and the precision, evaluations and standard errors in each image's SHAP JSON.
// Spawns the CLI on a tiny model built by code.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explainFingerprints } from '../../lib/cli/fingerprint';
import { EXPLAIN_FLAGS, readExplainSettings } from '../../lib/cli/explain-flags';
import { parseFlags } from '../../lib/cli/flags';
import { explain, writePng, writeTinyModel } from '../helpers/cli-fixture';

const settings = (args: string[]) => readExplainSettings(parseFlags(EXPLAIN_FLAGS, ['--model', 'm.onnx', ...args]).values);

describe('limeshap explain --max-evals auto', function () {
  this.timeout(120000);
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-auto-'));
    await writePng(path.join(dir, 'cat.png'), 3);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses auto and --error-target; refuses them where they mean nothing, naming the flag', () => {
    const s = settings(['--method', 'shap', '--algorithm', 'kernel', '--max-evals', 'auto', '--error-target', '0.1']);
    assert.equal(s.maxEvals, 'auto');
    assert.equal(s.errorTarget, 0.1);
    assert.equal(
      settings(['--method', 'shap', '--algorithm', 'kernel', '--max-evals', 'auto', '--max-evals-limit', '900']).maxEvalsLimit,
      900,
    );
    assert.equal(settings(['--method', 'shap', '--max-evals', '300']).maxEvals, 300);
    const bad: [string[], RegExp][] = [
      [['--method', 'shap', '--max-evals', 'auto'], /--max-evals auto needs --algorithm kernel or permutation \(got partition\)/],
      [['--method', 'shap', '--algorithm', 'exact', '--max-evals', 'auto'], /--max-evals auto.*exact/],
      [['--method', 'shap', '--algorithm', 'kernel', '--max-evals', 'Auto'], /--max-evals.*"Auto"/],
      [
        ['--method', 'shap', '--algorithm', 'kernel', '--error-target', '0.1'],
        /--error-target and --max-evals-limit only apply with --max-evals auto/,
      ],
      [['--method', 'shap', '--algorithm', 'kernel', '--max-evals-limit', '1000'], /--max-evals-limit only apply with --max-evals auto/],
      [
        ['--method', 'shap', '--algorithm', 'kernel', '--max-evals', 'auto', '--max-evals-limit', '100'],
        /--max-evals-limit.*>= 500.*"100"/,
      ],
      [['--method', 'shap', '--algorithm', 'kernel', '--max-evals', 'x'], /--max-evals.*or auto.*"x"/],
      [['--method', 'shap', '--algorithm', 'kernel', '--max-evals', 'auto', '--error-target', '0'], /--error-target.*"0"/],
      [['--method', 'shap', '--algorithm', 'kernel', '--max-evals', 'auto', '--error-target', '2'], /--error-target.*\(0, 1\].*"2"/],
    ];
    for (const [args, message] of bad)
      assert.throws(
        () => settings(args),
        (e: Error) => e instanceof RangeError && message.test(e.message),
        args.join(' '),
      );
  });

  it('--max-evals auto and --error-target enter the SHAP fingerprint only', () => {
    const fp = (args: string[]) => explainFingerprints(settings(['--method', 'both', '--algorithm', 'kernel', ...args]), 'hash', null);
    const base = fp([]);
    const auto = fp(['--max-evals', 'auto']);
    const target = fp(['--max-evals', 'auto', '--error-target', '0.2']);
    assert.deepEqual(auto.lime, base.lime);
    assert.deepEqual(target.lime, base.lime);
    assert.notDeepEqual(auto.shap, base.shap);
    assert.notDeepEqual(target.shap, auto.shap);
    assert.notDeepEqual(fp(['--max-evals', 'auto', '--max-evals-limit', '900']).shap, auto.shap);
  });

  it('writes the precision reached, the evaluations and the standard errors into NAME.shap.json and the report', () => {
    const model = writeTinyModel(path.join(dir, 'model.onnx'));
    const out = path.join(dir, 'out');
    const r = explain(dir, model, [
      '--method',
      'shap',
      '--algorithm',
      'kernel',
      '--features',
      'superpixels',
      '--segmentation',
      'grid',
      '--segment-param',
      'rows=2,cols=3',
      '--max-evals',
      'auto',
      '--error-target',
      '0.1',
      '--report',
      '--out',
      out,
      'cat.png',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'cat.shap.json'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    // The tiny model is linear in the channel means, so one round (every one of the 2^6 coalitions) is exact.
    assert.equal(json.precision.target, 0.1);
    assert.equal(json.precision.rounds, 1);
    assert.equal(json.precision.reached, 0);
    assert.equal(json.maxEvals, 64);
    assert.ok(json.evaluations <= 64);
    assert.equal(json.explanations[0].standardErrors.length, 6);
    assert.match(
      fs.readFileSync(path.join(out, 'report.html'), 'utf8'),
      /max-evals auto: largest standard error 0\.000 × largest \|value\|, target 0\.100, 1 rounds/,
    );
  });
});
