// SPDX-License-Identifier: MIT
// Batch explanation: the explainBatch engine (order, failures, progress, abort, shared batches,
// bounded memory) and the batch command line (globs, manifests, shards, resume, Ctrl-C).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import sharp from 'sharp';
import { createExplainer, type BatchItem, type BatchProgress } from '../lib';
import { buildModel, linearModel } from './helpers/onnx-builder';
import { requireShared, shared } from './helpers/shared';
import { identityPreprocess } from './helpers/fixtures';

const H = 16,
  W = 16;
const identity = identityPreprocess(H, W);
function image(seed: number) {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * i) % 97)) % 256;
  return { data, width: W, height: H, channels: 3 as const };
}
const grid = { method: 'grid' as const, rows: 4, cols: 4 };

describe('explainBatch()', () => {
  it('yields every image in input order; a bad image is a failed item and the batch goes on', async () => {
    const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 3 }).bytes, { preprocess: identity });
    const inputs = [image(1), Buffer.from('not an image'), image(2), '/no/such.png', image(3)];
    const progress: BatchProgress[] = [];
    const items: BatchItem[] = [];
    for await (const item of explainer.explainBatch(inputs, {
      method: 'both',
      lime: { numSamples: 30, segmentation: grid },
      shap: { maxEvals: 40 },
      onProgress: (p) => progress.push(p),
    }))
      items.push(item);
    assert.deepEqual(
      items.map((i) => i.index),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      items.map((i) => i.ok),
      [true, false, true, false, true],
    );
    const bad = items[1];
    assert.ok(!bad.ok && /Unsupported or corrupt image/.test(bad.error.message));
    const good = items[2];
    assert.ok(good.ok && good.lime && good.shap);
    const images = progress.filter((p) => p.event === 'image');
    assert.equal(images.length, 5);
    assert.deepEqual(
      images.map((p) => p.done),
      [1, 2, 3, 4, 5],
    );
    assert.equal(images[4].failed, 2);
    assert.equal(images[4].total, 5);
    assert.equal(images[4].progress, 5);
    assert.equal(images[4].etaSeconds, 0);
    // Every evaluation of the explained images was reported (the failed ones made none).
    const made = items.reduce((a, i) => a + (i.ok ? (i.lime?.evaluations ?? 0) + (i.shap?.evaluations ?? 0) : 0), 0);
    assert.equal(images[4].evaluations, made);
    // Same result as one call on its own (batching never changes values).
    const alone = await explainer.lime(image(2), { numSamples: 30, segmentation: grid });
    assert.deepEqual(good.lime?.explanations[0].weights, alone.explanations[0].weights);
    await explainer.dispose();
  });

  it('reports samples as model batches return them, before the first image is done; progress counts shares of images in flight', async () => {
    const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 3 }).bytes, {
      preprocess: identity,
      batchSize: 16,
    });
    const progress: BatchProgress[] = [];
    const theirs: number[] = [];
    const items: BatchItem[] = [];
    for await (const item of explainer.explainBatch([image(1), image(2), image(3)], {
      method: 'both',
      // The caller's own per-explanation onProgress is still called.
      lime: { numSamples: 200, segmentation: grid, onProgress: (p) => theirs.push(p.evaluations) },
      shap: { maxEvals: 100 },
      concurrency: 1,
      onProgress: (p) => progress.push({ ...p }),
    }))
      items.push(item);
    const first = progress.findIndex((p) => p.event === 'image');
    assert.ok(first > 3, `several sample reports before the first image (${first})`);
    const before = progress.slice(0, first);
    assert.ok(before.every((p) => p.event === 'samples' && p.done === 0 && p.inFlight === 1));
    // Evaluations and progress only grow; with one image in flight and 'both', LIME is its first half.
    for (let i = 1; i < progress.length; i++) {
      assert.ok(progress[i].evaluations >= progress[i - 1].evaluations);
      assert.ok(progress[i].progress >= progress[i - 1].progress - 1e-12, `progress ${progress[i - 1].progress} → ${progress[i].progress}`);
    }
    const lime0 = items[0].ok ? (items[0].lime?.evaluations ?? 0) : 0;
    const afterLime = before.find((p) => p.evaluations === lime0);
    assert.ok(afterLime && Math.abs(afterLime.progress - 0.5) < 1e-9, JSON.stringify(afterLime));
    assert.ok(before.every((p) => p.progress > 0 && p.progress <= 1 && p.etaSeconds !== undefined));
    assert.equal(theirs.length > 0 && theirs[theirs.length - 1], items[2].ok ? items[2].lime?.evaluations : -1);
    await explainer.dispose();
  });

  it('an image whose outputs are NaN fails alone, even when its samples shared a batch with others', async () => {
    // output[n] = sqrt(mean of the input) twice: NaN for a dark image (inputs in [-0.5, 0]), fine for a bright one.
    const bytes = buildModel({
      inputs: [{ name: 'input', type: 'float32', shape: ['batch', 3, H, W] }],
      outputs: [{ name: 'scores', type: 'float32', shape: ['batch', 2] }],
      initializers: [{ name: 'axes', type: 'int64', dims: [3], data: [1, 2, 3] }],
      nodes: [
        { op: 'ReduceMean', inputs: ['input', 'axes'], outputs: ['m'], attributes: { keepdims: { int: 1 } } },
        { op: 'Sqrt', inputs: ['m'], outputs: ['s'] },
        { op: 'Flatten', inputs: ['s'], outputs: ['f'], attributes: { axis: { int: 1 } } },
        { op: 'Concat', inputs: ['f', 'f'], outputs: ['scores'], attributes: { axis: { int: 1 } } },
      ],
    });
    const explainer = await createExplainer(bytes, { preprocess: { ...identity, mean: 0.5 }, softmax: false, batchSize: 32 });
    const flat = (v: number) => ({ data: new Uint8Array(H * W * 3).fill(v), width: W, height: H, channels: 3 as const });
    const items: BatchItem[] = [];
    for await (const item of explainer.explainBatch([flat(250), flat(5), flat(240)], {
      concurrency: 3,
      lime: { numSamples: 10, segmentation: grid },
    }))
      items.push(item);
    assert.deepEqual(
      items.map((i) => i.ok),
      [true, false, true],
    );
    assert.ok(!items[1].ok && /NaN/.test(items[1].error.message));
    await explainer.dispose();
  });

  it('reads only regular files, at most maxInputBytes: a FIFO or a too-large file fails alone, never hangs', async function () {
    this.timeout(20_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-batch-files-'));
    try {
      const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2 }).bytes, { preprocess: identity });
      const png = path.join(dir, 'ok.png');
      await sharp(Buffer.from(image(1).data), { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toFile(png);
      const big = path.join(dir, 'big.png');
      fs.writeFileSync(big, Buffer.concat([fs.readFileSync(png), Buffer.alloc(4096)]));
      const fifo = path.join(dir, 'pipe.png');
      spawnSync('mkfifo', [fifo]);
      const items: BatchItem[] = [];
      const maxInputBytes = fs.statSync(png).size + 100;
      for await (const item of explainer.explainBatch([fifo, png, '/dev/zero', big], {
        concurrency: 1,
        maxInputBytes,
        lime: { numSamples: 10, segmentation: grid },
      }))
        items.push(item);
      assert.deepEqual(
        items.map((i) => i.ok),
        [false, true, false, false],
      );
      const errors = items.map((i) => (i.ok ? '' : i.error.message));
      assert.match(errors[0], /pipe\.png is not a regular file: it is a FIFO/);
      assert.match(errors[2], /\/dev\/zero is not a regular file: it is a character device/);
      assert.match(
        errors[3],
        new RegExp(`big\\.png is ${fs.statSync(big).size} bytes: expected at most maxInputBytes = ${maxInputBytes} bytes`),
      );
      // The same result as the file read directly.
      const direct = await explainer.lime(png, { numSamples: 10, segmentation: grid });
      assert.deepEqual(items[1].ok && items[1].lime?.explanations[0].weights, direct.explanations[0].weights);
      await assert.rejects(
        explainer.explainBatch([png], { maxInputBytes: 0 }).next(),
        (err: Error) => err instanceof RangeError && /maxInputBytes/.test(err.message),
      );
      await explainer.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops starting images when aborted; the ones in flight finish', async () => {
    const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2 }).bytes, { preprocess: identity });
    const stop = new AbortController();
    const items: BatchItem[] = [];
    const inputs = Array.from({ length: 20 }, (_, i) => image(i));
    for await (const item of explainer.explainBatch(inputs, {
      concurrency: 2,
      lime: { numSamples: 20, segmentation: grid },
      signal: stop.signal,
    })) {
      items.push(item);
      if (items.length === 3) stop.abort();
    }
    assert.ok(items.length >= 3 && items.length <= 5, `${items.length} items`);
    assert.ok(items.every((i) => i.ok));
    await explainer.dispose();
  });

  it('packs samples of several images into shared model batches', async () => {
    const explainer = await createExplainer(linearModel({ height: H, width: W, classes: 2 }).bytes, {
      preprocess: identity,
      batchSize: 32,
    });
    explainer.model.resetStats();
    const inputs = Array.from({ length: 8 }, (_, i) => image(i));
    for await (const item of explainer.explainBatch(inputs, { concurrency: 8, lime: { numSamples: 12, segmentation: grid } }))
      assert.ok(item.ok);
    const { runs, samples } = explainer.model.stats();
    assert.equal(samples, 8 * 12);
    assert.ok(runs < 8, `${runs} runs for 8 images of 12 samples with batches of 32`);
    await explainer.dispose();
  });

  it('keeps memory bounded: retained memory does not grow with the number of images', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const S = 128;
    const explainer = await createExplainer(linearModel({ height: S, width: S, classes: 2 }).bytes, {
      preprocess: { ...identity, size: [S, S] },
    });
    const img = (i: number) => ({
      data: Uint8Array.from({ length: S * S * 3 }, (_, j) => (j * 7 + i) % 256),
      width: S,
      height: S,
      channels: 3 as const,
    });
    const retained = () => {
      gc();
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const run = async (from: number, n: number) => {
      for await (const item of explainer.explainBatch(
        Array.from({ length: n }, (_, i) => img(from + i)),
        { lime: { numSamples: 50, segmentation: grid } },
      ))
        assert.ok(item.ok);
    };
    await run(0, 30); // warm-up: code, caches and the engine's buffers reach their steady size
    const before = retained();
    await run(30, 100);
    const after = retained();
    // Each result holds ~115 KB (the image and its label map): keeping the 100 would add ~11 MB.
    assert.ok(after - before < 4e6, `retained memory grew by ${((after - before) / 1e6).toFixed(2)} MB over 100 images`);
    await explainer.dispose();
  });
});

describe('limeshap explain (batch command line)', function () {
  requireShared(this);
  const cli = path.resolve(__dirname, '..', 'lib', 'cli', 'main.js');
  const model = shared('models', 'mobilenetv2-12-int8.onnx');
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-batch-'));
    fs.mkdirSync(path.join(dir, 'in', 'sub'), { recursive: true });
    const src = await sharp(shared('models', 'images', 'kitten_224.png'))
      .removeAlpha()
      .toBuffer();
    for (let i = 0; i < 6; i++) {
      const sub = i < 3 ? 'in' : path.join('in', 'sub');
      await sharp(src)
        .modulate({ brightness: 0.8 + i * 0.05 })
        .png()
        .toFile(path.join(dir, sub, `img${i}.png`));
    }
    fs.writeFileSync(path.join(dir, 'in', 'broken.png'), 'definitely not a png');
  });
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [cli, 'explain', '--model', model, '--samples', '16', '--top', '1', ...args], {
      encoding: 'utf8',
      cwd: dir,
    });
  const jsonCount = (out: string) => fs.readdirSync(path.join(dir, out)).filter((f) => f.endsWith('.lime.json')).length;

  it('takes directories, globs and manifests; records failures; exits 1 when one failed', () => {
    fs.writeFileSync(path.join(dir, 'list.txt'), '# two images\nin/img0.png\nin/sub/img4.png\n');
    const m = run('--manifest', 'list.txt', '--out', 'o1');
    assert.equal(m.status, 0, m.stderr);
    assert.equal(jsonCount('o1'), 2);
    const g = run('in/**/*.png', '--out', 'o2');
    assert.equal(g.status, 1);
    assert.equal(jsonCount('o2'), 6);
    const failures = fs
      .readFileSync(path.join(dir, 'o2', 'failures.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(failures.length, 1);
    assert.match(failures[0].image, /broken.png/);
    assert.match(failures[0].error, /Unsupported or corrupt image/);
    assert.match(g.stdout, /6 explained, 1 failed/);
  });

  it('file names with glob characters: an existing file is itself, a lone [ is literal, many * match in linear time', () => {
    const odd = path.join(dir, 'odd');
    fs.mkdirSync(odd);
    for (const name of ['a1.png', 'a[1].png', 'photo[1.png', `${'a'.repeat(200)}.png`])
      fs.copyFileSync(path.join(dir, 'in', 'img0.png'), path.join(odd, name));
    const named = (out: string) => fs.readdirSync(path.join(dir, out)).filter((f) => f.endsWith('.lime.json'));
    // The glob [1] matches a1.png; the file named a[1].png exists and is what was meant (its outputs are a_1_.*).
    const exact = run('odd/a[1].png', '--out', 'g1');
    assert.equal(exact.status, 0, exact.stderr);
    assert.deepEqual(named('g1'), ['a_1_.lime.json']);
    // As a glob, [ without ] made an invalid RegExp: a usage error for a file that exists.
    const lone = run('odd/photo[1.png', '--out', 'g2');
    assert.equal(lone.status, 0, lone.stderr);
    assert.deepEqual(named('g2'), ['photo_1.lime.json']);
    assert.deepEqual(named((run('odd/[a]*[0-9].png', '--out', 'g3'), 'g3')), ['a1.lime.json']);
    // Each * became [^/]* in a RegExp: 25 of them against a 200-letter name backtracked for ever.
    fs.writeFileSync(path.join(dir, 'globs.txt'), `odd/${'*a'.repeat(25)}*b.png\n`);
    const slow = spawnSync(process.execPath, [cli, 'explain', '--model', model, '--manifest', 'globs.txt', '--out', 'g4'], {
      encoding: 'utf8',
      cwd: dir,
      timeout: 30_000,
    });
    assert.equal(slow.signal, null, 'finished before the timeout');
    assert.equal(slow.status, 2);
    assert.match(slow.stderr, /no images found/);
  });

  it('--shard i/n splits the inputs deterministically into disjoint shares that cover them all', () => {
    const seen: string[] = [];
    for (const i of [0, 1, 2]) {
      const r = run('in', '--shard', `${i}/3`, '--out', `s${i}`);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      seen.push(...fs.readdirSync(path.join(dir, `s${i}`)).filter((f) => f.endsWith('.lime.json')));
    }
    assert.equal(seen.length, 6);
    assert.equal(new Set(seen).size, 6);
    assert.equal(run('in', '--shard', '3/3').status, 2);
  });

  it('Ctrl-C stops cleanly after the images in flight; --resume finishes the job', async () => {
    const child = spawn(
      process.execPath,
      [
        cli,
        'explain',
        '--model',
        model,
        '--samples',
        '400',
        '--top',
        '1',
        '--concurrency',
        '1',
        '--out',
        'o3',
        'in/sub',
        'in/img0.png',
        'in/img1.png',
        'in/img2.png',
      ],
      { cwd: dir },
    );
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/img\d\.png: /.test(stdout) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 130, stdout);
    assert.match(stdout, /interrupted/);
    const partial = jsonCount('o3');
    assert.ok(partial >= 1 && partial < 6, `${partial} finished before the stop`);
    assert.equal(fs.readdirSync(path.join(dir, 'o3')).filter((f) => f.endsWith('.tmp')).length, 0, 'no temporary files left');
    const r = run(
      '--samples',
      '400',
      '--concurrency',
      '1',
      '--out',
      'o3',
      '--resume',
      'in/sub',
      'in/img0.png',
      'in/img1.png',
      'in/img2.png',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`resume: ${partial} images already explained`));
    assert.equal(jsonCount('o3'), 6);
  });
});
