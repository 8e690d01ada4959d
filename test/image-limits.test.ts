// SPDX-License-Identifier: MIT
// Resource limits of image input: intermediate images are bounded like inputs (the aspect-ratio
// bomb), and only regular files are read, at most maxInputBytes (FIFOs, /dev/zero, folders).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadImage, MAX_PIXELS } from '../lib';
import { fitToModel, resolvePreprocess } from '../lib/preprocess';
import { writePng } from './helpers/cli-fixture';

describe('image limits', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-limits-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a 1 x 5000 PNG is refused before the 'crop' resize would make 256 x 1.28M pixels", async () => {
    const file = path.join(dir, 'thin.png');
    await sharp(Buffer.alloc(5000 * 3, 200), { raw: { width: 1, height: 5000, channels: 3 } })
      .png()
      .toFile(file);
    assert.ok(fs.statSync(file).size < 1000, 'a tiny file');
    const rgb = await loadImage(file);
    assert.equal(rgb.width * rgb.height, 5000);
    const t0 = Date.now();
    // The old code resized to 256 x 1,280,000 (10.8 s, 1 GB) and then cropped.
    await assert.rejects(fitToModel(rgb, resolvePreprocess('imagenet')), (err: Error) => {
      assert.ok(err instanceof RangeError, String(err));
      assert.match(err.message, /preprocess\.resize 'crop'/);
      assert.match(err.message, /1x5000/);
      assert.match(err.message, /256x1280000/);
      assert.match(err.message, new RegExp(`at most ${MAX_PIXELS} pixels`));
      return true;
    });
    assert.ok(Date.now() - t0 < 1000, `refused in ${Date.now() - t0} ms`);
    // Modest aspect ratios still work, and 'pad' / 'stretch' never make big intermediates.
    const wide = await loadImage(await writePng(path.join(dir, 'wide.png'), 1, 300, 20));
    assert.equal((await fitToModel(wide, resolvePreprocess('imagenet'))).width, 224);
    const padded = await fitToModel(rgb, resolvePreprocess({ preset: 'imagenet', resize: 'pad' }));
    assert.equal(padded.width * padded.height, 224 * 224);
  });

  it('reads a FIFO as a failure at once, not a hang', async function () {
    this.timeout(10_000);
    const fifo = path.join(dir, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(loadImage(fifo), /pipe\.png is not a regular file: it is a FIFO/);
  });

  it('/dev/zero and folders are refused; maxInputBytes caps a regular file', async () => {
    await assert.rejects(loadImage('/dev/zero'), /\/dev\/zero is not a regular file: it is a character device/);
    const folder = path.join(dir, 'folder.png');
    fs.mkdirSync(folder);
    await assert.rejects(loadImage(folder), /folder\.png is not a regular file: it is a directory/);
    const png = await writePng(path.join(dir, 'ok.png'), 2);
    const size = fs.statSync(png).size;
    assert.equal((await loadImage(png, undefined, { maxInputBytes: size })).width, 40);
    await assert.rejects(
      loadImage(png, undefined, { maxInputBytes: size - 1 }),
      (err: Error) => err instanceof RangeError && /maxInputBytes = \d+ bytes/.test(err.message) && err.message.includes(String(size)),
    );
    await assert.rejects(
      loadImage(png, undefined, { maxInputBytes: 0 }),
      (err: Error) => err instanceof RangeError && /options\.maxInputBytes/.test(err.message),
    );
    await assert.rejects(
      loadImage(png, undefined, { maxInputBytes: '9' as unknown as number }),
      (err: Error) => err instanceof TypeError && /options\.maxInputBytes/.test(err.message),
    );
    await assert.rejects(loadImage('/no/such/file.png'), /Image file not found: \/no\/such\/file\.png/);
  });
});
