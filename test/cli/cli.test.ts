// SPDX-License-Identifier: MIT
// The command line, run as a user runs it (node dist/lib/cli/main.js).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { requireShared, shared } from '../helpers/shared';

const cli = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('limeshap segment (command line)', function () {
  requireShared(this);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-'));

  it('sweeps every combination and writes the table, overlays and contact sheets', async () => {
    const img = shared('reference', 'quickshift', 'dog_224.png');
    const r = run(
      'segment',
      img,
      shared('images', 'coffee.png'),
      '--kernel-size',
      '2,4',
      '--max-dist',
      '10,200',
      '--size',
      '96',
      '--out',
      out,
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /image\tmethod\tparams\tsegments\tmin\tmedian\tmax\tms/);
    assert.equal(lines.filter((l) => l.includes('quickshift\tkernelSize=')).length, 8);
    const csv = fs.readFileSync(path.join(out, 'segments.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 1 + 8);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'segments.json'), 'utf8'));
    assert.equal(json.length, 8);
    for (const row of json) {
      assert.ok(row.count >= 1 && row.minSize <= row.medianSize && row.medianSize <= row.maxSize);
      const meta = await sharp(path.join(out, row.overlay)).metadata();
      assert.equal(meta.width, 96);
    }
    // smaller maxDist never gives fewer segments
    const byKey = (ks: number, md: number) =>
      json.find(
        (r: { image: string; params: { kernelSize: number; maxDist: number } }) =>
          r.image === img && r.params.kernelSize === ks && r.params.maxDist === md,
      ).count;
    assert.ok(byKey(2, 10) >= byKey(2, 200));
    for (const sheet of ['dog_224.sheet.png', 'coffee.sheet.png']) {
      const meta = await sharp(path.join(out, sheet)).metadata();
      assert.ok((meta.width as number) > 2 * 96, `${sheet} holds a grid`);
    }
  });

  it('reports a bad image, carries on, and exits non-zero', () => {
    const bad = path.join(out, 'bad.png');
    fs.writeFileSync(bad, 'not a png');
    const r = run('segment', bad, shared('reference', 'quickshift', 'dog_224.png'), '--size', '32', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /bad.png\tERROR\tUnsupported or corrupt image/);
    assert.match(r.stdout, /dog_224.png\tquickshift/);
  });

  it('rejects bad flags with a message naming them', () => {
    const r = run('segment', 'x.png', '--kernel-size', '2,a');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--kernel-size expects comma-separated numbers/);
    const u = run('frobnicate');
    assert.equal(u.status, 2);
    assert.match(u.stderr, /unknown command "frobnicate"/);
  });
});
