// SPDX-License-Identifier: MIT
// Batch bookkeeping of `limeshap explain` that stays true across runs: special files in inputs,
// failures.jsonl as the current failures, a full disk, kill -9 then --resume, settings
// fingerprints, the folder lock, duplicates and links in inputs, long and hostile file names.
// Each test spawns the CLI (dist/lib/cli/main.js) on a tiny model built by code and small PNGs.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HOST_TAG } from '../../lib/atomic-write';
import { fromNpy } from '../../lib/npy';
import { CLI, deadPid, explain, failureLines, filesEnding, writePng, writeTinyModel } from '../helpers/cli-fixture';

const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** Every output JSON parses, every array is a complete .npy and every picture is a complete PNG. */
function assertOutputsValid(dir: string): void {
  for (const f of filesEnding(dir, '.json')) JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  for (const f of filesEnding(dir, '.npy')) fromNpy(fs.readFileSync(path.join(dir, f))); // throws when cut short
  for (const f of filesEnding(dir, '.png')) {
    const b = fs.readFileSync(path.join(dir, f));
    assert.ok(b.subarray(1, 4).toString() === 'PNG' && b.subarray(b.length - 12).equals(PNG_END), `${f} is a complete PNG`);
  }
}

describe('limeshap explain: batch bookkeeping', function () {
  let dir: string;
  let model: string;
  const fresh = (name: string) => {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-batch-'));
    model = writeTinyModel(path.join(dir, 'model.onnx'));
    fs.mkdirSync(path.join(dir, 'in'));
    for (let i = 0; i < 4; i++) await writePng(path.join(dir, 'in', `img${i}.png`), i);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a FIFO and /dev/zero in a manifest are recorded failures; the batch finishes and the other images succeed', () => {
    const fifo = path.join(dir, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    fs.writeFileSync(path.join(dir, 'special.txt'), `in/img0.png\npipe.png\n/dev/zero\nin/img1.png\n`);
    // The old code hung forever on the FIFO (and read /dev/zero until the heap ran out).
    const r = explain(dir, model, ['--manifest', 'special.txt', '--out', 'special', '--concurrency', '1'], 30_000);
    assert.equal(r.error, undefined, 'finished (no timeout)');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /2 explained, 2 failed/);
    const failures = failureLines(path.join(dir, 'special'));
    assert.deepEqual(failures.map((f) => path.basename(f.image)).sort(), ['pipe.png', 'zero']);
    assert.match(failures.find((f) => f.image.endsWith('pipe.png'))?.error ?? '', /not a regular file: it is a FIFO/);
    assert.match(failures.find((f) => f.image === '/dev/zero')?.error ?? '', /not a regular file: it is a character device/);
    assert.deepEqual(filesEnding(path.join(dir, 'special'), '.lime.json'), ['img0.lime.json', 'img1.lime.json']);
  });

  it('failures.jsonl lists the current failures: each resume rewrites it; a fixed image leaves it; report.html agrees', async () => {
    const inputs = fresh('fix-in');
    await writePng(path.join(inputs, 'good.png'), 1);
    fs.writeFileSync(path.join(inputs, 'bad.png'), 'not a png');
    fs.writeFileSync(path.join(inputs, 'worse.png'), 'not a png either');
    const out = path.join(dir, 'fix-out');
    let r = explain(dir, model, [inputs, '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(
      failureLines(out).map((f) => path.basename(f.image)),
      ['bad.png', 'worse.png'],
    );
    // A resume that fails the same images again: still one line per image (the old code appended).
    r = explain(dir, model, [inputs, '--out', out, '--resume']);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(
      failureLines(out).map((f) => path.basename(f.image)),
      ['bad.png', 'worse.png'],
    );
    // bad.png is fixed: it succeeds and leaves the list.
    await writePng(path.join(inputs, 'bad.png'), 2);
    r = explain(dir, model, [inputs, '--out', out, '--resume', '--report']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /1 explained, 1 failed, 1 skipped/);
    const now = failureLines(out);
    assert.deepEqual(
      now.map((f) => path.basename(f.image)),
      ['worse.png'],
    );
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(html, /2 image\(s\), 1 failure\(s\)/);
    assert.match(html, /Failures \(1\)/);
    // Removing the bad input entirely and fixing nothing else: the last failing image is fixed too.
    await writePng(path.join(inputs, 'worse.png'), 3);
    r = explain(dir, model, [inputs, '--out', out, '--resume']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(failureLines(out), []);
  });

  it('a full disk: ENOSPC is a recorded failure with no temporary files left; when even recording fails, exit 3', function () {
    const mnt = fresh('tmpfs');
    // A tmpfs of 420 KiB holds one image's outputs (~330 KB with its label map) and the small failure records.
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=420k', 'tmpfs', mnt], { encoding: 'utf8' });
    if (m.status !== 0) {
      console.log(`      (skipped: cannot mount a tmpfs here: ${(m.stderr || m.error?.message || '').trim()})`);
      this.skip();
    }
    try {
      const out = path.join(mnt, 'out');
      let r = explain(dir, model, ['in/img0.png', 'in/img1.png', 'in/img2.png', '--out', out, '--concurrency', '1']);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /1 explained, 2 failed/);
      const failures = failureLines(out);
      assert.equal(failures.length, 2);
      for (const f of failures) assert.match(f.error, /ENOSPC|no space left/);
      assert.deepEqual(
        fs.readdirSync(out).filter((f) => f.endsWith('.tmp')),
        [],
        'no partial temporary files',
      );
      assertOutputsValid(out);
      // More room: the resume finishes the job and the failures are gone.
      execFileSync('mount', ['-o', 'remount,size=2m', mnt]);
      r = explain(dir, model, ['in/img0.png', 'in/img1.png', 'in/img2.png', '--out', out, '--resume']);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(failureLines(out), []);
      assertOutputsValid(out);
      // No room for anything but the lock: the failure cannot be recorded, the run stops with exit 3.
      execFileSync('mount', ['-o', 'remount,size=2m', mnt]);
      const full = path.join(mnt, 'full');
      fs.mkdirSync(full);
      const free = fs.statfsSync(mnt).bavail * fs.statfsSync(mnt).bsize;
      fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(free - 4096));
      r = explain(dir, model, ['in/img3.png', '--out', full]);
      assert.equal(r.status, 3, r.stdout + r.stderr);
      assert.match(r.stderr, /stopped: cannot record the failure of .*img3\.png.*(ENOSPC|no space left)/);
      assert.deepEqual(
        fs.readdirSync(full).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')),
        [],
      );
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('kill -9 in the middle of a run, then --resume: every output valid, stale temporary files removed', async () => {
    const out = fresh('killed');
    const child = spawn(
      process.execPath,
      [CLI, 'explain', '--model', model, '--samples', '300', '--top', '1', '--concurrency', '1', '--out', out, 'in'],
      { cwd: dir },
    );
    // Killed as soon as the second image's first temporary file appears: inside (or just after) a write.
    let tmps = 0;
    const watcher = fs.watch(out, (_event, name) => {
      if (String(name).endsWith('.tmp') && String(name).startsWith('img1') && ++tmps === 1) child.kill('SIGKILL');
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    watcher.close();
    assert.equal(signal, 'SIGKILL');
    assert.ok(filesEnding(out, '.lime.json').length < 4, 'killed before the end');
    // What a writer killed inside writeFileSync leaves: partial temporary files (ours and the
    // pre-host-tag format), plus one of a live process that a resume must not touch.
    const dead = deadPid();
    fs.writeFileSync(path.join(out, `img3.lime.png.${HOST_TAG}-${dead}.tmp`), Buffer.from([0x89, 0x50, 0x4e]));
    fs.writeFileSync(path.join(out, `img2.lime.json.${dead}.tmp`), '{"image": "in/im');
    const live = path.join(out, `other.lime.json.${HOST_TAG}-${process.pid}.tmp`);
    fs.writeFileSync(live, '{');
    assert.ok(fs.existsSync(path.join(out, '.limeshap.lock')), 'the killed run left its lock');
    const r = explain(dir, model, ['--samples', '300', '--concurrency', '1', '--out', out, '--resume', 'in']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /took over the stale lock of pid \d+/);
    // The two planted, and the killed run's own when the kill landed before its rename.
    assert.match(r.stdout, /removed [23] temporary file\(s\) left by a stopped run/);
    assert.deepEqual(
      fs.readdirSync(out).filter((f) => f.endsWith('.tmp')),
      [path.basename(live)],
    );
    fs.unlinkSync(live);
    assert.deepEqual(filesEnding(out, '.lime.json'), ['img0.lime.json', 'img1.lime.json', 'img2.lime.json', 'img3.lime.json']);
    assertOutputsValid(out);
    assert.ok(!fs.existsSync(path.join(out, '.limeshap.lock')), 'the lock is released');
  });

  it('--resume with another model or other settings refuses (exit 5) and names them; --force redoes those images', () => {
    const out = path.join(dir, 'settings');
    let r = explain(dir, model, ['in/img0.png', 'in/img1.png', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const before = fs.readFileSync(path.join(out, 'img0.lime.json'), 'utf8');
    assert.equal(JSON.parse(before).fingerprint.samples, 16);
    // The version stands for the defaults a release may change (e.g. SHAP Partition's batch size).
    const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string })
      .version;
    assert.equal(JSON.parse(before).fingerprint.limeshap, version);
    // Same settings: nothing to redo.
    r = explain(dir, model, ['in/img0.png', 'in/img1.png', '--out', out, '--resume']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /resume: 2 images already explained, 0 to go/);
    // Other samples: the old code skipped both images and kept results of 16 samples.
    r = explain(dir, model, ['in/img0.png', 'in/img1.png', '--out', out, '--resume', '--samples', '24']);
    assert.equal(r.status, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /2 image\(s\) .* were explained with another model or other settings/);
    assert.match(r.stderr, /img0\.png: samples 16 -> 24/);
    assert.match(r.stderr, /--force/);
    assert.equal(fs.readFileSync(path.join(out, 'img0.lime.json'), 'utf8'), before, 'nothing was touched');
    // Another model (different bytes at another path): refused too.
    const other = writeTinyModel(path.join(dir, 'model2.onnx'), 1);
    r = explain(dir, other, ['in/img0.png', '--out', out, '--resume']);
    assert.equal(r.status, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /img0\.png: model "[0-9a-f]{64}" -> "[0-9a-f]{64}"/);
    // --force: redone with the new settings.
    r = explain(dir, model, ['in/img0.png', 'in/img1.png', '--out', out, '--resume', '--samples', '24', '--force']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /redoing 2 image\(s\) explained with other settings/);
    const after = JSON.parse(fs.readFileSync(path.join(out, 'img0.lime.json'), 'utf8'));
    assert.equal(after.fingerprint.samples, 24);
    assert.equal(after.numSamples, 24);
  });

  it('one writer per folder: a live lock stops a second run (exit 4, naming the holder); shards share a folder', () => {
    const out = fresh('locked');
    const lock = path.join(out, '.limeshap.lock');
    // This test process is alive and is not the CLI: its pid holds the lock.
    fs.writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, host: os.hostname(), shard: 'all inputs', started: '2026-01-01T00:00:00.000Z' }),
    );
    let r = explain(dir, model, ['in/img0.png', '--out', out]);
    assert.equal(r.status, 4, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`in use by another limeshap run \\(pid ${process.pid} on ${os.hostname()}`));
    assert.deepEqual(filesEnding(out, '.json'), [], 'nothing written');
    fs.unlinkSync(lock);
    // Shard 0/2 held: shard 1/2 runs beside it, a whole-folder run or shard 0/4 does not.
    fs.writeFileSync(
      path.join(out, '.limeshap.shard-0-of-2.lock'),
      JSON.stringify({ pid: process.pid, host: os.hostname(), shard: 'shard 0/2', started: 'x' }),
    );
    r = explain(dir, model, ['in/img0.png', 'in/img1.png', '--out', out, '--shard', '1/2']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(explain(dir, model, ['in/img0.png', '--out', out]).status, 4);
    assert.equal(explain(dir, model, ['in/img0.png', '--out', out, '--shard', '0/4']).status, 4);
    // A stale lock (its process is gone) is taken over.
    fs.writeFileSync(
      path.join(out, '.limeshap.shard-0-of-2.lock'),
      JSON.stringify({ pid: deadPid(), host: os.hostname(), shard: 'shard 0/2', started: 'x' }),
    );
    r = explain(dir, model, ['in/img0.png', '--out', out]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(
      fs.readdirSync(out).filter((f) => f.endsWith('.lock')),
      ['.limeshap.shard-0-of-2.lock'],
      'the stale shard lock is left; our own is released',
    );
    // A file where the output folder (or a folder above it) should be is bad usage (exit 2, another --out
    // is needed), named as such; a folder that cannot be written for other reasons stays exit 3.
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    r = explain(dir, model, ['in/img0.png', '--out', 'a-file/out']);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--out .*a-file\/out cannot be created: .*a-file is a file, not a folder/);
  });

  it('the same file by another path or a link is explained once; folder links are followed, loops reported; a folder named x.png fails', async () => {
    const src = fresh('links-in');
    await writePng(path.join(src, 'a.png'), 5);
    const elsewhere = fresh('links-elsewhere');
    await writePng(path.join(elsewhere, 'b.png'), 6);
    fs.symlinkSync(path.join(src, 'a.png'), path.join(src, 'a-link.png'));
    fs.symlinkSync(elsewhere, path.join(src, 'more')); // a folder link: followed
    fs.symlinkSync('.', path.join(elsewhere, 'self')); // a loop back into a folder being walked
    fs.mkdirSync(path.join(src, 'folder.png'));
    fs.writeFileSync(path.join(dir, 'dups.txt'), 'links-in/a.png\n./links-in/../links-in/a.png\n');
    const out = path.join(dir, 'links-out');
    const r = explain(dir, model, ['links-in', '--manifest', 'dups.txt', '--out', out], 30_000);
    assert.equal(r.error, undefined, 'finished (no endless walk)');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /links-in\/a.png: the same file as links-in\/a-link.png, explained once|links-in\/a-link.png: the same file as links-in\/a.png, explained once/,
    );
    assert.match(r.stdout, /skipped links-in\/more\/self: a link back into a folder already being walked \(loop\)/);
    assert.match(r.stdout, /2 explained, 1 failed/);
    // One explanation for a.png (under one of its names), one for b.png through the folder link.
    assert.equal(filesEnding(out, '.lime.json').length, 2);
    assert.ok(filesEnding(out, '.lime.json').includes('b.lime.json'));
    const failures = failureLines(out);
    assert.equal(failures.length, 1);
    assert.match(failures[0].error, /folder\.png is not a regular file: it is a directory/);
  });

  it('a name too long for the filesystem fails before any work; control characters are escaped in terminal output', async () => {
    const src = fresh('names-in');
    const long = `${'n'.repeat(240)}.png`;
    await writePng(path.join(src, long), 7);
    const evil = 'evil\x1b[2J\x07name.png';
    await writePng(path.join(src, evil), 8);
    const out = path.join(dir, 'names-out');
    const r = explain(dir, model, ['names-in', '--out', out]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /1 explained, 1 failed/);
    const failures = failureLines(out);
    assert.equal(failures.length, 1);
    assert.match(failures[0].error, /is 240 bytes: with its suffixes it exceeds the 255-byte file name limit/);
    // eslint-disable-next-line no-control-regex -- no raw control character may reach the terminal
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(r.stdout + r.stderr), 'no raw control characters reach the terminal');
    assert.ok(r.stdout.includes('evil\\x1b[2J\\x07name.png: class'), r.stdout);
  });
});
