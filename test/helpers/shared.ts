// SPDX-License-Identifier: MIT
/**
 * Access to ../shared (reference outputs, photos, models) beside the project's root. When the folder
 * is absent the suites that need it skip with a message naming it; under CI=true an absent folder is
 * a failure, never a skip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');
export const sharedDir = path.resolve(projectRoot, '..', 'shared');

/** Path of a file under ../shared. */
export function shared(...parts: string[]): string {
  return path.join(sharedDir, ...parts);
}

/** Call at the top of a describe() whose tests read ../shared. */
export function requireShared(ctx: Mocha.Suite): void {
  ctx.beforeAll(function () {
    if (fs.existsSync(sharedDir)) return;
    if (process.env.CI === 'true') throw new Error(`${sharedDir} is missing: CI needs the shared reference folder`);
    this.skip();
  });
}

/** Reads a little-endian binary file as a typed array. */
export function readInt32(file: string): Int32Array {
  const b = fs.readFileSync(file);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}
export function readFloat64(file: string): Float64Array {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** The quickshift reference cases: NAME_SIZE with their JSON. */
export function quickshiftReferences(): {
  base: string;
  json: { height: number; width: number; n_segments: number; params: Record<string, number | boolean> };
}[] {
  const dir = shared('reference', 'quickshift');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /_(224|299)\.json$/.test(f))
    .sort()
    .map((f) => ({ base: f.replace(/\.json$/, ''), json: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
}

/** Number of positions where two label maps differ. */
export function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}
