// SPDX-License-Identifier: MIT
/** Shared benchmark plumbing: timing statistics, the environment banner, and the JSON writer. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { concurrency, simdLevel } from '../lib';

/** ../shared beside the project's root (dist/bench/ → three folders up). */
export const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared');

/** The photos every explanation bench runs on, relative to {@link SHARED}. */
export const PHOTOS = [
  'images/astronaut.png',
  'images/chelsea.png',
  'images/coffee.png',
  'images/dog.png',
  'images/horses.png',
  'images/rocket.png',
  'models/images/kitten_224.png',
  'models/images/fish.png',
];

/** Seed of bench:quality's reference explanation, shared by the benches that compare with it. */
export const QUALITY_REFERENCE_SEED = 1_000_003;

/** A positive integer from environment variable `name` (at most `max`), or `fallback` when unset. */
export function envInt(name: string, fallback: number, max = Infinity): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`${name} must be an integer in [1, ${max}], got ${raw}`);
  return v;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  /** Half the interquartile range, relative to the median (a robust spread). */
  spread: number;
  runs: number;
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => {
    const x = p * (s.length - 1);
    const lo = Math.floor(x);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (x - lo);
  };
  const median = q(0.5);
  return { median, min: s[0], max: s[s.length - 1], spread: (q(0.75) - q(0.25)) / 2 / median, runs: s.length };
}

/** Runs fn `warmup` times untimed, then `runs` times, and returns the wall times in ms. */
export async function time(fn: () => Promise<unknown>, runs: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export function environment(): Record<string, unknown> {
  return {
    cpu: os.cpus()[0]?.model,
    cores: os.availableParallelism(),
    node: process.version,
    threads: concurrency(),
    simd: simdLevel(),
    date: new Date().toISOString(),
  };
}

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResults(name: string, data: unknown): string {
  const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(data, null, 1) + '\n');
  return file;
}

export const fmt = (x: number, digits = 1) => x.toFixed(digits);

/** A Python interpreter that imports a module, with the module's version. */
export interface PythonWith {
  python: string;
  version: string;
}

/**
 * The first Python that imports `module` among `$LIMESHAP_PYTHON`, `python3` on PATH and
 * `/usr/bin/python3` (Debian's, where `python3-skimage` installs), with `module.__version__`;
 * undefined when none does. `tried` receives every interpreter asked, for the bench to say so.
 */
export function findPython(module: string, tried: string[] = []): PythonWith | undefined {
  const candidates = [process.env.LIMESHAP_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of [...new Set(candidates)]) {
    tried.push(python);
    try {
      const version = execFileSync(python, ['-c', `import ${module}; print(getattr(${module}, '__version__', 'unknown'))`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 60_000,
      }).trim();
      return { python, version };
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** The load averages (1, 5, 15 min) and their sum of cores, for the banner: the machine may be shared. */
export function load(): string {
  const [a, b, c] = os.loadavg();
  return `load average ${a.toFixed(2)}, ${b.toFixed(2)}, ${c.toFixed(2)} on ${os.availableParallelism()} cores`;
}
