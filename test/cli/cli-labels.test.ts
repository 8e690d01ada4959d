// SPDX-License-Identifier: MIT
// `limeshap explain --labels`: chosen classes instead of the top K, by index or by name, run as a
// user runs it; pictures for every explained class, titled with the class's first synonym.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { matchClass, shortLabel } from '../../lib/class-names';
import { CLI, writePng, writeTinyModel } from '../helpers/cli-fixture';

interface Explained {
  explanations: { index: number; label: string }[];
  fingerprint: Record<string, unknown>;
}

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Explained;
const width = async (file: string) => (await sharp(file).metadata()).width as number;

describe('limeshap explain --labels (command line)', function () {
  this.timeout(180_000);
  let dir: string, model: string, img: string, names: string, shortNames: string;
  let runs = 0;
  /**
   * `limeshap explain` with few samples in a fresh output folder (not the fixture's explain(),
   * which adds --top 1: --labels refuses it).
   */
  const run = (args: string[], out = path.join(dir, `out${runs++}`)) => {
    const r = spawnSync(process.execPath, [CLI, 'explain', '--model', model, '--samples', '16', '--out', out, ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { ...r, out };
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-labels-'));
    model = writeTinyModel(path.join(dir, 'tiny.onnx')); // 3 classes: the mean of each channel
    img = await writePng(path.join(dir, 'a.png'), 3);
    // Class 0 has ImageNet-style synonyms; 1 and 2 share a first synonym, as ImageNet's two cranes.
    names = path.join(dir, 'names.txt');
    fs.writeFileSync(names, 'tabby, tabby cat\ncrane\ncrane, derrick\n');
    shortNames = path.join(dir, 'short.txt');
    fs.writeFileSync(shortNames, 'tabby\ncrane\ncrane\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--labels with --top is refused: both choose the classes (exit 2, no folder)', () => {
    const r = run(['--top', '1', '--labels', '2,0', img]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--labels and --top both choose the classes/);
    assert.ok(!fs.existsSync(r.out), 'no output folder for a usage error');
  });

  it('2,0,1 with --method both: LIME and SHAP explain classes 2, 0, 1 in that order; the pictures hold one panel per class', async () => {
    const one = run(['--method', 'both', '--max-evals', '20', '--labels', '2,0', img]);
    assert.equal(one.status, 0, one.stderr);
    const two = run(['--method', 'both', '--max-evals', '20', '--labels', '2,0,1', img]);
    assert.equal(two.status, 0, two.stderr);
    for (const method of ['lime', 'shap']) {
      const j = read(path.join(two.out, `a.${method}.json`));
      assert.deepEqual(
        j.explanations.map((e) => e.index),
        [2, 0, 1],
        method,
      );
      assert.equal(j.fingerprint.labels, '2,0,1');
    }
    // A third class is one more panel: the model-sized image (224) plus the 10 px gap.
    for (const picture of ['lime.png', 'lime-heatmap.png', 'shap.png']) {
      const w1 = await width(path.join(one.out, `a.${picture}`));
      const w2 = await width(path.join(two.out, `a.${picture}`));
      assert.equal(w2 - w1, 224 + 10, picture);
    }
  });

  it('names: a first synonym or a full name, any case; commas inside a full name are kept together', () => {
    const r = run(['--class-names', names, '--labels', 'TABBY, Tabby Cat,2', img]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      read(path.join(r.out, 'a.lime.json')).explanations.map((e) => e.index),
      [0, 2],
    );
    const s = run(['--class-names', names, '--labels', 'tabby', img]);
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(
      read(path.join(s.out, 'a.lime.json')).explanations.map((e) => e.index),
      [0],
    );
  });

  it('usage errors name --labels and the value, with suggestions, and make no folder (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [
        ['--class-names', names, '--labels', 'crane'],
        /--labels "crane": 2 classes answer to this name: 1 \(crane\), 2 \(crane\); give the index/,
      ],
      [
        ['--class-names', names, '--labels', 'tabby cat'],
        /--labels "tabby cat": no class in .*names\.txt is named so; did you mean 0 \(tabby\)\?/,
      ],
      [['--class-names', names, '--labels', 'tabbby'], /--labels "tabbby": .*did you mean 0 \(tabby\)\?/],
      [['--labels', '3'], /--labels 3: the model has 3 classes \(indices 0\.\.2\)/],
      [['--labels', 'tabby'], /--labels "tabby": class names need --class-names FILE/],
      [['--labels', '1,,2'], /--labels expects class indices or names separated by commas, got "1,,2"/],
    ];
    for (const [args, message] of cases) {
      const r = run([...args, img]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.ok(!fs.existsSync(r.out), `${args.join(' ')}: no output folder`);
    }
  });

  it('pictures are titled with the first synonym: "tabby, tabby cat" draws exactly as "tabby"', () => {
    const long = run(['--method', 'both', '--max-evals', '20', '--class-names', names, '--labels', '0,1', img]);
    const short = run(['--method', 'both', '--max-evals', '20', '--class-names', shortNames, '--labels', '0,1', img]);
    assert.equal(long.status, 0, long.stderr);
    assert.equal(short.status, 0, short.stderr);
    assert.equal(read(path.join(long.out, 'a.lime.json')).explanations[0].label, 'tabby, tabby cat', 'the JSON keeps the full name');
    for (const picture of ['lime.png', 'lime-heatmap.png', 'shap.png'])
      assert.ok(
        fs.readFileSync(path.join(long.out, `a.${picture}`)).equals(fs.readFileSync(path.join(short.out, `a.${picture}`))),
        `${picture}: same pixels`,
      );
  });

  it('--resume with other --labels finds the outputs made with other settings (exit 5)', () => {
    const first = run(['--labels', '1', img]);
    assert.equal(first.status, 0, first.stderr);
    const again = run(['--resume', '--labels', '2', img], first.out);
    assert.equal(again.status, 5, again.stderr);
    assert.match(again.stderr, /labels/);
  });

  it('shortLabel and matchClass', () => {
    assert.equal(shortLabel('tabby, tabby cat'), 'tabby');
    assert.equal(shortLabel('Egyptian cat'), 'Egyptian cat');
    assert.equal(shortLabel(', odd'), ', odd');
    const list = ['tabby, tabby cat', 'crane', 'crane, derrick'];
    assert.deepEqual(matchClass('  Tabby ', list), { kind: 'found', index: 0 });
    assert.deepEqual(matchClass('crane, derrick', list), { kind: 'found', index: 2 });
    assert.deepEqual(matchClass('crane', list), { kind: 'ambiguous', indices: [1, 2] });
    assert.deepEqual(matchClass('derrick', list), { kind: 'unknown', suggestions: [2] });
  });

  it('many names, or a very long one, resolve in linear time (a usage error still names the unknown one)', () => {
    // 1000 classes of four synonyms; 300 first synonyms then an unknown name. Every run of pieces to
    // the end was tried as a full name, each computing suggestions: minutes, where this takes a second.
    const many = path.join(dir, 'many.txt');
    fs.writeFileSync(many, Array.from({ length: 1000 }, (_, i) => `k${i}a, k${i}b, k${i}c, k${i}d\n`).join(''));
    const typed = [...Array.from({ length: 300 }, (_, i) => `k${i}a`), 'k300a, k300b, k300c, k300d', 'nosuchclass'].join(',');
    const r = run(['--class-names', many, '--labels', typed, img]);
    assert.equal(r.signal, null, 'finished before the timeout');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--labels "nosuchclass": no class in .*many\.txt/);
    // Suggestions by edit distance were computed against every class whatever the typed length.
    const long = run(['--class-names', many, '--labels', 'k'.repeat(100_000), img]);
    assert.equal(long.signal, null, 'finished before the timeout');
    assert.equal(long.status, 2, long.stderr);
    assert.match(long.stderr, /--labels "kkkk/);
  });
});
