// SPDX-License-Identifier: MIT
/**
 * NumPy as an independent reader and writer of `.npy` files: Debian's python3-numpy at
 * /usr/bin/python3. Tests that use it skip, saying why, where it is not installed.
 */
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

let checked: string | null | undefined;

/** Why numpy cannot be used here (a sentence), or null when it can. Checked once. */
export function numpyMissing(): string | null {
  if (checked === undefined) {
    const r = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8', timeout: 30_000 });
    checked =
      r.status === 0
        ? null
        : `${PYTHON} with numpy is not available (${(r.error?.message ?? r.stderr.trim().split('\n').pop()) || 'exit ' + r.status}); install python3-numpy`;
  }
  return checked;
}

/** Skips the calling test (or hook), saying why, when numpy is missing. */
export function requireNumpy(ctx: Mocha.Context): void {
  const why = numpyMissing();
  if (why === null) return;
  console.log(`      (skipped: ${why})`);
  ctx.skip();
}

/** Runs a Python script (numpy imported as np, `args` as sys.argv[1:]); returns its stdout, throws on failure. */
export function python(script: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', `import sys, json\nimport numpy as np\n${script}`, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.error?.message ?? ''}${r.stderr}`);
  return r.stdout;
}
