// SPDX-License-Identifier: MIT
// What `limeshap explain` shows while it runs and what it leaves for scripts: the live progress bar
// in a pseudo-terminal (util-linux script(1)), plain progress lines in a pipe, and --json's summary
// on stdout. Each test spawns the CLI on a tiny model built by code and small PNGs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, explain, writePng, writeTinyModel } from '../helpers/cli-fixture';
import { screenLines } from '../helpers/screen';

/** POSIX single quotes for a shell word. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The escape character, and "erase to the end of the line". */
const ESC = '\x1b',
  ERASE = `${ESC}[K`;

const RESULT = /^img\d\.png: class \d [\d.]+%$/;

describe('limeshap explain: progress and --json', function () {
  this.timeout(120_000);
  let dir: string;
  let model: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-progress-'));
    model = writeTinyModel(path.join(dir, 'model.onnx'));
    fs.mkdirSync(path.join(dir, 'in'));
    for (let i = 0; i < 3; i++) await writePng(path.join(dir, 'in', `img${i}.png`), i);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('on a terminal: a bar from the start (0 images done), result lines above it, never glued to it, within the width', function () {
    if (spawnSync('script', ['--version']).error) {
      if (process.env.CI === 'true') assert.fail('script(1) is missing: CI needs util-linux');
      console.log('      (skipped: script(1) from util-linux is missing)');
      this.skip();
    }
    const command = [process.execPath, CLI, 'explain', '--model', model, '--samples', '64', '--top', '1', '--out', 'tty', 'in']
      .map(sh)
      .join(' ');
    // A 60-column terminal; script -e returns the command's exit code.
    const r = spawnSync('script', ['-qfec', `stty cols 60 rows 24; ${command}`, '/dev/null'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const raw = r.stdout;
    const firstBar = raw.indexOf('0/3 images');
    const firstResult = raw.search(/img\d\.png: class/);
    assert.ok(
      firstBar >= 0 && firstResult > firstBar,
      `the bar shows 0/3 images before the first result: ${JSON.stringify(raw.slice(0, 400))}`,
    );
    const screen = screenLines(raw).filter((l) => l.trim());
    const results = screen.filter((l) => /\.png:/.test(l));
    assert.equal(results.length, 3, screen.join('\n'));
    for (const line of results) assert.match(line, RESULT, `a result line alone on its line: ${JSON.stringify(line)}`);
    // What stays on the screen: the three results, the bar at its end, the closing line.
    const bars = screen.filter((l) => / images {2}/.test(l));
    assert.equal(bars.length, 1, screen.join('\n'));
    assert.match(bars[0], /^\[#+\] 3\/3 images {2}\d+ evals/);
    assert.match(screen[screen.length - 1], /^3 explained, 0 failed; outputs in /);
    for (const line of [...bars, ...results]) assert.ok(line.length < 60, `within 60 columns: ${JSON.stringify(line)}`);
    // Every bar drawn, not just the last, fitted the width: no draw reached the last column.
    for (const draw of raw.split('\r')) assert.ok(!/ images {2}/.test(draw) || draw.split(ERASE)[0].length < 60, JSON.stringify(draw));
  });

  it('in a pipe: plain progress lines on stderr (at start and per finished image), results on stdout, no escapes', () => {
    const r = explain(dir, model, ['--out', 'pipe', 'in']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!/\r/.test(r.stdout + r.stderr) && !(r.stdout + r.stderr).includes(ESC), 'no carriage returns or escapes');
    const progress = r.stderr.trimEnd().split('\n');
    assert.match(progress[0], /^progress: 0\/3 images {2}0 evals/);
    for (const n of [1, 2, 3])
      assert.ok(
        progress.some((l) => l.startsWith(`progress: ${n}/3 images`)),
        r.stderr,
      );
    const out = r.stdout.trimEnd().split('\n');
    assert.deepEqual(
      out.slice(0, 3).map((l) => RESULT.test(l)),
      [true, true, true],
    );
  });

  it('--json: stdout is one JSON document (per image status, outputs, classes, timings; totals); human lines on stderr', () => {
    fs.writeFileSync(path.join(dir, 'in-bad.png'), 'not a png');
    const r = explain(dir, model, ['--out', 'json', '--json', '--report', 'in', 'in-bad.png']);
    assert.equal(r.status, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.exitCode, 1);
    assert.equal(doc.method, 'lime');
    assert.equal(doc.out, path.join(dir, 'json'));
    assert.deepEqual(doc.totals.inputs, 4);
    assert.deepEqual([doc.totals.explained, doc.totals.failed, doc.totals.skipped, doc.totals.notStarted], [3, 1, 0, 0]);
    assert.equal(doc.report, path.join(dir, 'json', 'report.html'));
    const bad = doc.images.find((i: { image: string }) => i.image.endsWith('in-bad.png'));
    assert.equal(bad.status, 'failed');
    assert.match(bad.error, /Unsupported or corrupt image/);
    for (const image of doc.images.filter((i: { status: string }) => i.status === 'explained')) {
      assert.deepEqual(image.outputs.map((f: string) => path.basename(f)).sort(), [
        `${image.name}.lime-heatmap.png`,
        `${image.name}.lime-segments.npy`,
        `${image.name}.lime.json`,
        `${image.name}.lime.png`,
      ]);
      for (const f of image.outputs) assert.ok(fs.existsSync(f), f);
      // The classes and timings are the image's JSON's own.
      const written = JSON.parse(fs.readFileSync(path.join(dir, 'json', `${image.name}.lime.json`), 'utf8'));
      assert.deepEqual(image.timings.lime, written.timings);
      assert.equal(image.classes.length, 1);
      assert.equal(image.classes[0].label, written.explanations[0].label);
      assert.ok(image.timings.lime.wait.total >= 0 && image.timings.lime.total > 0);
    }
    // The human lines went to stderr.
    assert.match(r.stderr, /img0\.png: class \d/);
    assert.match(r.stderr, /3 explained, 1 failed/);

    // --resume: the finished images are 'skipped', with their outputs.
    const again = explain(dir, model, ['--out', 'json', '--json', '--resume', 'in']);
    assert.equal(again.status, 0, again.stderr);
    const resumed = JSON.parse(again.stdout);
    assert.deepEqual(
      resumed.images.map((i: { status: string }) => i.status),
      ['skipped', 'skipped', 'skipped'],
    );
    assert.equal(resumed.images[0].outputs.length, 4);
  });
});
