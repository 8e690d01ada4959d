// SPDX-License-Identifier: MIT
/**
 * The package's entry points as a program that depends on limeshap reaches them, by name through the
 * exports map (Node resolves a package's own name from inside it): `import` gets esm/index.mjs with
 * every export of the CommonJS build and the same instances, `require` gets dist/lib/index.js, and
 * deep paths stay private.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..', '..');

/** Runs an ES module snippet in a child node from the repository root; returns its stdout. */
function runModule(source: string): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('package entry points', () => {
  it('import and require give the same named exports, the same objects, and no default export', () => {
    const out = runModule(`
      import * as esm from 'limeshap';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('limeshap');
      const names = (o) => Object.keys(o).filter((k) => k !== '__esModule').sort();
      console.log(JSON.stringify({
        esm: names(esm),
        cjs: names(cjs),
        same: names(cjs).every((k) => esm[k] === cjs[k]),
        esmFile: import.meta.resolve('limeshap'),
        cjsFile: createRequire(import.meta.url).resolve('limeshap'),
      }));`);
    const r = JSON.parse(out) as { esm: string[]; cjs: string[]; same: boolean; esmFile: string; cjsFile: string };
    assert.ok(r.cjs.includes('createExplainer') && r.cjs.includes('nativeAddon'), r.cjs.join());
    assert.deepEqual(r.esm, r.cjs);
    assert.ok(r.same, 'an ES export differs from its CommonJS counterpart');
    assert.ok(r.esmFile.endsWith('/esm/index.mjs'), r.esmFile);
    assert.equal(r.cjsFile, path.join(repo, 'dist', 'lib', 'index.js'));
  });

  it('keeps the files behind the entry points private', () => {
    const r = spawnSync(process.execPath, ['-e', `require('limeshap/dist/lib/native.js')`], { cwd: repo, encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
