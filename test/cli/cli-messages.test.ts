// SPDX-License-Identifier: MIT
// What the command line says when it is used wrongly, run as a user runs it: a mistyped flag, a
// missing --model, a glob or folder without images, --out naming a file, --version, the help text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { editDistance, nearest } from '../../lib/cli/suggest';
import { CLI, writePng, writeTinyModel } from '../helpers/cli-fixture';

const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

describe('limeshap messages (command line)', function () {
  this.timeout(120_000);
  let dir: string, model: string, img: string;
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-messages-'));
    model = writeTinyModel(path.join(dir, 'tiny.onnx'));
    fs.mkdirSync(path.join(dir, 'photos'));
    img = await writePng(path.join(dir, 'photos', 'a.png'), 1);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('a mistyped flag', () => {
    for (const [command, typed, meant] of [
      ['explain', '--modle', '--model'],
      ['explain', '--smaples', '--samples'],
      ['explain', '--class', '--class-names'],
      ['segment', '--kernal-size', '--kernel-size'],
      ['segment', '--sead', '--seed'],
    ]) {
      it(`${command} ${typed}: names it, suggests ${meant}, exit 2`, () => {
        const r = run(command, typed, 'x', img);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`unknown flag ${typed} for limeshap ${command}; did you mean ${meant}\\?`));
        assert.match(r.stderr, new RegExp(`limeshap ${command} --help`));
        assert.doesNotMatch(r.stderr, /positional argument/, "not parseArgs' own text");
      });
    }

    it('suggests nothing for a flag far from every flag, and still names it', () => {
      const r = run('explain', '--model', model, '--zzzzzzzz', img);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /unknown flag --zzzzzzzz for limeshap explain\n/);
      assert.doesNotMatch(r.stderr, /did you mean/);
    });

    it("suggests the command's own flags: --size is segment's, not explain's", () => {
      const r = run('explain', '--model', model, '--sise', '96', img);
      assert.equal(r.status, 2);
      assert.doesNotMatch(r.stderr, /--size/);
      const s = run('segment', '--sise', '96', img);
      assert.match(s.stderr, /did you mean --size\?/);
    });

    it('suggests the nearest command for a mistyped command', () => {
      const r = run('expalin', '--model', model, img);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /unknown command "expalin"; did you mean explain\?/);
    });
  });

  it('a missing --model says so in two lines with a hint, not the whole usage (exit 2)', () => {
    const r = run('explain', img);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^limeshap explain: --model is required/);
    assert.match(r.stderr, /e\.g\. limeshap explain --model \S+ /);
    assert.equal(r.stderr.trim().split('\n').length, 2, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /Usage:/);
  });

  it('missing inputs say so (explain and segment, exit 2)', () => {
    const e = run('explain', '--model', model);
    assert.equal(e.status, 2);
    assert.match(e.stderr, /^limeshap explain: no inputs/);
    const s = run('segment', '--kernel-size', '2');
    assert.equal(s.status, 2);
    assert.match(s.stderr, /^limeshap segment: no inputs/);
    assert.doesNotMatch(e.stdout + s.stdout, /Usage:/);
  });

  describe('a glob or folder that matches no image', () => {
    it('explain: exit 2, names the input, writes no output folder', () => {
      const out = path.join(dir, 'out-glob');
      const r = run('explain', '--model', model, '--samples', '16', 'photos/*.jpg', '--out', out);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /no images found in "photos\/\*\.jpg"/);
      assert.equal(fs.existsSync(out), false);
    });

    it('explain: an empty folder beside inputs that match is still named (exit 2)', () => {
      fs.mkdirSync(path.join(dir, 'empty'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'empty', 'notes.txt'), 'not an image');
      const r = run('explain', '--model', model, '--samples', '16', 'photos', 'empty', '--out', path.join(dir, 'out-empty'));
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /no images found in "empty"/);
      assert.doesNotMatch(r.stderr, /"photos"/);
    });

    it('explain: a manifest line that matches nothing is named (exit 2)', () => {
      const manifest = path.join(dir, 'list.txt');
      fs.writeFileSync(manifest, 'photos/a.png\nphotos/*.webp\n');
      const r = run('explain', '--model', model, '--samples', '16', '--manifest', manifest, '--out', path.join(dir, 'out-manifest'));
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /no images found in "[^"]*photos\/\*\.webp"/);
    });

    it('segment: exit 2, names the input', () => {
      const r = run('segment', 'nothing/**/*.png', '--out', path.join(dir, 'seg-glob'));
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /no images found in "nothing\/\*\*\/\*\.png"/);
      assert.equal(fs.existsSync(path.join(dir, 'seg-glob')), false);
    });
  });

  describe('--out naming a file', () => {
    let file: string;
    before(() => {
      file = path.join(dir, 'taken');
      fs.writeFileSync(file, 'keep me');
    });

    it('explain: names --out and the path, exit 2, the file untouched', () => {
      const r = run('explain', '--model', model, '--samples', '16', img, '--out', file);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`--out ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file, not a folder`));
      assert.doesNotMatch(r.stderr, /EEXIST/);
      assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
    });

    it('explain: a file above --out is named (exit 2)', () => {
      const r = run('explain', '--model', model, '--samples', '16', img, '--out', path.join(file, 'sub'));
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--out \S+taken\/sub cannot be created: \S+taken is a file, not a folder/);
      assert.doesNotMatch(r.stderr, /ENOTDIR/);
    });

    it('segment: names --out and the path, exit 2', () => {
      const r = run('segment', img, '--out', file);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--out \S+taken is a file, not a folder/);
      assert.doesNotMatch(r.stderr, /EEXIST/);
    });
  });

  it("--version and -v print the package's version (exit 0)", () => {
    for (const flag of ['--version', '-v']) {
      const r = run(flag);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), PACKAGE_VERSION);
    }
  });

  it('the top-level help says explain runs LIME and/or SHAP', () => {
    const r = run('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /\n {2}explain {4}[^\n]*LIME and\/or SHAP/);
    assert.match(r.stdout, /limeshap --version/);
  });
});

describe('flag suggestions (edit distance)', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    assert.equal(editDistance('model', 'model'), 0);
    assert.equal(editDistance('modle', 'model'), 1); // swap
    assert.equal(editDistance('mode', 'model'), 1); // insertion
    assert.equal(editDistance('models', 'model'), 1); // deletion
    assert.equal(editDistance('modal', 'model'), 1); // substitution
    assert.equal(editDistance('', 'top'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('picks the nearest name, an abbreviation, or nothing when none is close', () => {
    const known = ['model', 'samples', 'seed', 'size', 'class-names'];
    assert.equal(nearest('sead', known), 'seed');
    assert.equal(nearest('SAMPLES', known), 'samples');
    assert.equal(nearest('class', known), 'class-names');
    assert.equal(nearest('zzzzzzzz', known), undefined);
    assert.equal(nearest('x', []), undefined);
  });
});
