// SPDX-License-Identifier: MIT
/**
 * Runs a snippet of JavaScript in a fresh `node` process, for tests of things that used to abort or
 * crash the process (a crash there fails one test instead of killing mocha). The snippet sees
 * `binding` (the addon, loaded as lib/native.ts loads it: LIMESHAP_ADDON is inherited, so the
 * sanitizer run checks the sanitizer build), `A` (test/helpers/native-args.ts), `assert` and `gc` (--expose-gc), and may be async; the child exits 0 only
 * when the snippet finished without an exception.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const nativeModule = path.resolve(__dirname, '..', '..', 'lib', 'native.js');
const argsModule = path.resolve(__dirname, 'native-args.js');

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `body` (an async function body) in a child node process; `timeoutMs` kills a hang. */
export function runChild(body: string, timeoutMs = 60_000): ChildResult {
  const script = [
    `const assert = require('node:assert/strict');`,
    `const { binding } = require(${JSON.stringify(nativeModule)});`,
    `const A = require(${JSON.stringify(argsModule)});`,
    `(async () => {`,
    body,
    `})().then(() => { console.log('CHILD-DONE'); }, (err) => { console.error('CHILD-FAILED', err); process.exitCode = 1; });`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: timeoutMs, env: process.env });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Asserts the child exited by itself with status 0 after finishing its snippet. */
export function expectClean(r: ChildResult): void {
  const ok = r.status === 0 && r.signal === null && r.stdout.includes('CHILD-DONE');
  if (!ok) {
    throw new Error(
      `child process: status ${r.status}, signal ${r.signal}\n--- stdout\n${r.stdout.slice(-2000)}\n--- stderr\n${r.stderr.slice(-4000)}`,
    );
  }
}
