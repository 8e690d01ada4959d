// SPDX-License-Identifier: MIT
// A tiny world for command-line tests: a model file built by code, small PNGs, and a runner that
// spawns the CLI as a user would (node dist/lib/cli/main.js) with a timeout, so a hang fails the
// test instead of stalling the suite.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { buildModel } from './onnx-builder';

export const CLI = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'main.js');

/**
 * Writes a 3-class model to `file`: scores = mean of each input channel over the image
 * (ReduceMean over H and W), with dynamic height and width so the imagenet preset's 224 fits.
 * Returns the path. `variant` changes the bytes (another model) but not the graph's meaning.
 */
export function writeTinyModel(file: string, variant = 0): string {
  const bytes = buildModel({
    inputs: [{ name: 'input', type: 'float32', shape: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'scores', type: 'float32', shape: ['batch', 3] }],
    initializers: [
      { name: 'axes', type: 'int64', dims: [2], data: [2, 3] },
      { name: 'k', type: 'float32', dims: [1], data: new Float32Array([1 + variant]) },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['input', 'axes'], outputs: ['m'], attributes: { keepdims: { int: 0 } } },
      { op: 'Mul', inputs: ['m', 'k'], outputs: ['scores'] },
    ],
  });
  fs.writeFileSync(file, bytes);
  return file;
}

/**
 * Writes a 3-class CNN to `file`: Conv 3×3 (4 channels, pads 1) → Relu (value "act") →
 * GlobalAveragePool → Flatten → Gemm, fixed seeded weights, dynamic height and width. Returns the
 * path. For the gradient methods (Grad-CAM needs a 4-D layer, which the tiny model lacks).
 */
export function writeConvModel(file: string): string {
  let state = 7;
  const values = (n: number) =>
    Float32Array.from({ length: n }, () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return (2 * state) / 2147483648 - 1;
    });
  const bytes = buildModel({
    inputs: [{ name: 'input', type: 'float32', shape: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'scores', type: 'float32', shape: ['batch', 3] }],
    initializers: [
      { name: 'w', type: 'float32', dims: [4, 3, 3, 3], data: values(108) },
      { name: 'wl', type: 'float32', dims: [3, 4], data: values(12) },
    ],
    nodes: [
      {
        op: 'Conv',
        inputs: ['input', 'w'],
        outputs: ['conv'],
        attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } },
      },
      { op: 'Relu', inputs: ['conv'], outputs: ['act'] },
      { op: 'GlobalAveragePool', inputs: ['act'], outputs: ['gap'] },
      { op: 'Flatten', inputs: ['gap'], outputs: ['flat'], attributes: { axis: { int: 1 } } },
      { op: 'Gemm', inputs: ['flat', 'wl'], outputs: ['scores'], attributes: { transB: { int: 1 } } },
    ],
  });
  fs.writeFileSync(file, bytes);
  return file;
}

/** Writes a small textured PNG (w × h) whose pixels depend on `seed`. */
export async function writePng(file: string, seed: number, w = 40, h = 32): Promise<string> {
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * i) % 97)) % 256;
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(file);
  return file;
}

/** Runs `limeshap explain` with small, fast settings; `args` come after them (and may override). */
export function explain(cwd: string, model: string, args: string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  // Few LIME samples, unless LIME does not run (a run without it refuses LIME settings).
  const shapOnly = args.some((a, i) => a === '--method' && !/(^|,)(lime|both)(,|$)/.test(args[i + 1] ?? ''));
  return spawnSync(process.execPath, [CLI, 'explain', '--model', model, ...(shapOnly ? [] : ['--samples', '16']), '--top', '1', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

/** The lines of DIR/failures.jsonl, parsed (none when the file is absent). */
export function failureLines(dir: string): { image: string; error: string }[] {
  const file = path.join(dir, 'failures.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** Names in a folder ending with `suffix`, sorted. */
export function filesEnding(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort();
}

/** A pid that was alive a moment ago and is not now: a process that has exited. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}
