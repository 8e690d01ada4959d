// SPDX-License-Identifier: MIT
// Shutting down with a busy model worker (inference: 'worker') must be clean. Terminating a worker
// while it is inside onnxruntime's session.run aborted the whole process ("terminate called after
// throwing an instance of 'Napi::Error'", exit 134) on process.exit(), an uncaught error, dispose()
// and a second Ctrl-C in the CLI. Each case runs in a child process, with the worker kept busy by
// several queued batches, and asserts the exit code the program asked for.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { linearModel } from '../helpers/onnx-builder';

const dist = path.resolve(__dirname, '..', '..');
const S = 128;

/**
 * A child script that loads a worker model, times one batch of 256 samples (t), queues three more,
 * and `fraction * t` later (so the worker is inside session.run of the first queued batch) does `then` (a statement). Rejections of the pending runs are expected.
 */
function child(then: string, fraction: number, modelFile: string): string {
  return `
const { loadModel } = require(${JSON.stringify(path.join(dist, 'lib', 'model'))});
(async () => {
  const model = await loadModel(${JSON.stringify(modelFile)}, { inference: 'worker', batchSize: 256 });
  const data = new Float32Array(256 * 3 * ${S} * ${S}).fill(0.25);
  const t0 = performance.now();
  await model.run(data, 256);
  const t = performance.now() - t0;
  for (let i = 0; i < 3; i++) model.run(data, 256).catch(() => {});
  await new Promise((r) => setTimeout(r, ${fraction} * t));
  ${then}
})();`;
}

describe("inference: 'worker' — shutdown with a batch in flight", function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-shutdown-'));
  const modelFile = path.join(dir, 'linear.onnx');
  before(() => fs.writeFileSync(modelFile, linearModel({ height: S, width: S, classes: 256 }).bytes));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const runChild = (code: string) => spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60_000 });
  const noAbort = (r: { status: number | null; signal: NodeJS.Signals | null; stderr: string }) => {
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /terminate called|Aborted|FATAL/);
  };

  for (const fraction of [0.3, 0.6, 0.9]) {
    it(`process.exit(7) ${fraction} batches into the runs exits with 7, not 134`, () => {
      const r = runChild(child('process.exit(7);', fraction, modelFile));
      noAbort(r);
      assert.equal(r.status, 7, r.stderr);
    });
  }

  it('an uncaught error while the worker runs exits with 1 and prints the error, not an abort', () => {
    const r = runChild(child("throw new Error('boom from the test');", 0.5, modelFile));
    noAbort(r);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /boom from the test/);
  });

  it('process.exit() while the worker is still creating its session exits cleanly', () => {
    const code = `
const { loadModel } = require(${JSON.stringify(path.join(dist, 'lib', 'model'))});
loadModel(${JSON.stringify(modelFile)}, { inference: 'worker' }).catch(() => {});
setTimeout(() => process.exit(5), 5);`;
    const r = runChild(code);
    noAbort(r);
    assert.equal(r.status, 5, r.stderr);
  });

  it('dispose() during a batch rejects the pending runs, waits for the batch, and the process ends normally', () => {
    const r = runChild(child("await model.dispose(); console.log('disposed');", 0.5, modelFile));
    noAbort(r);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /disposed/);
  });

  it('the CLI: a second Ctrl-C with the worker busy exits with 130', async () => {
    // The CLI's default preset (imagenet) wants a 224x224 input.
    const cliModel = path.join(dir, 'linear224.onnx');
    fs.writeFileSync(cliModel, linearModel({ height: 224, width: 224, classes: 16 }).bytes);
    const images = path.join(dir, 'images');
    fs.mkdirSync(images, { recursive: true });
    for (let i = 0; i < 4; i++) {
      // Noise, so quickshift finds many segments and the samples are not all alike (the engine
      // evaluates identical samples once).
      const data = Buffer.alloc(224 * 224 * 3);
      for (let p = 0; p < data.length; p++) data[p] = (p * 2654435761 + i * 97) >>> 24;
      await sharp(data, { raw: { width: 224, height: 224, channels: 3 } })
        .png()
        .toFile(path.join(images, `im${i}.png`));
    }
    const cli = path.join(dist, 'lib', 'cli', 'main.js');
    const args = [
      cli,
      'explain',
      '--model',
      cliModel,
      '--inference',
      'worker',
      '--samples',
      '4000',
      '--out',
      path.join(dir, 'out'),
      images,
    ];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // The first finished image prints a line; then the Ctrl-C handler is installed and the next
    // images' batches keep the worker busy. Ctrl-C twice.
    await new Promise((resolve) => proc.stdout.once('data', resolve));
    proc.stdout.resume();
    proc.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    proc.kill('SIGINT');
    const { code, signal } = await exited;
    noAbort({ status: code, signal, stderr });
    assert.equal(code, 130, stderr);
  });
});
