// SPDX-License-Identifier: MIT
/**
 * scripts/install.js's choice between the prebuilt addon and a source build, in an installed layout
 * made here: node_modules/limeshap with the files the decision reads (its package.json, the script,
 * dist/lib/prebuilt.js) and node_modules/@limeshap/<platform> holding this checkout's built addon as
 * the prebuilt one. Each case runs the decision in a child process (it loads the addon). The full
 * installs, compile included, are `npm run test:package` (test/package/packed-install.ts).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PREBUILT_FILE, prebuiltPackages } from '../../lib/prebuilt';
import { VERSION } from '../../lib/version';
import { BUILT_ADDON, installedLayout, type InstalledLayout } from './installed-layout';

interface Decision {
  compile: boolean;
  reason: string;
  tried: string[];
  package?: string;
  file?: string;
}

describe('install script decision', function () {
  const [platformPackage] = prebuiltPackages();
  let layout: InstalledLayout;
  let installed: string;
  let platformDir: string;
  const installPlatform = (version: string | null, addon?: string | Uint8Array): void => layout.installPlatform(version, addon);

  before(function () {
    // Only where a platform package exists and a built addon can stand in for it.
    if (platformPackage === undefined || !fs.existsSync(BUILT_ADDON)) this.skip();
    layout = installedLayout(['package.json', 'scripts/install.js', 'dist/lib/prebuilt.js'], platformPackage);
    ({ installed, platformDir } = layout);
  });

  after(() => layout?.remove());

  /** scripts/install.js's decide() in the layout, with LIMESHAP_BUILD_FROM_SOURCE only as `env` says. */
  function decide(env: Record<string, string> = {}): Decision {
    const script = `console.log(JSON.stringify(require(${JSON.stringify(path.join(installed, 'scripts', 'install.js'))}).decide()))`;
    const childEnv = { ...process.env };
    delete childEnv.LIMESHAP_BUILD_FROM_SOURCE;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...childEnv, ...env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Decision;
  }

  it('skips the compile when the platform package of the same version loads', () => {
    installPlatform(VERSION, BUILT_ADDON);
    const d = decide();
    assert.equal(d.compile, false, JSON.stringify(d));
    assert.equal(d.package, platformPackage);
    assert.equal(fs.realpathSync(d.file as string), fs.realpathSync(path.join(platformDir, PREBUILT_FILE)));
  });

  it('compiles when LIMESHAP_BUILD_FROM_SOURCE=1, even though the prebuilt addon loads', () => {
    installPlatform(VERSION, BUILT_ADDON);
    const d = decide({ LIMESHAP_BUILD_FROM_SOURCE: '1' });
    assert.deepEqual([d.compile, d.reason], [true, 'LIMESHAP_BUILD_FROM_SOURCE=1']);
  });

  it('compiles when no platform package is installed', () => {
    installPlatform(null);
    const d = decide();
    assert.equal(d.compile, true);
    assert.deepEqual(d.tried, [`${platformPackage}: not installed`]);
  });

  it('compiles when the platform package has another version', () => {
    installPlatform('0.0.1', BUILT_ADDON);
    const d = decide();
    assert.equal(d.compile, true);
    assert.deepEqual(d.tried, [`${platformPackage}: version 0.0.1, not ${VERSION}`]);
  });

  it('compiles when the prebuilt addon does not load on this system', () => {
    installPlatform(VERSION, new TextEncoder().encode('not a shared object'));
    const d = decide();
    assert.equal(d.compile, true);
    assert.equal(d.tried.length, 1);
    // The reason is dlopen's (e.g. 'file too short' or 'invalid ELF header' on Linux), after the package name.
    const prefix = `${platformPackage}: `;
    assert.ok(d.tried[0]?.startsWith(prefix) && d.tried[0].length > prefix.length + 10, d.tried[0]);
    assert.doesNotMatch(d.tried[0], /not installed|version/);
  });

  it('compiles when the package has no dist/ to look for a prebuilt addon with', () => {
    installPlatform(VERSION, BUILT_ADDON);
    const moduleFile = path.join(installed, 'dist', 'lib', 'prebuilt.js');
    fs.renameSync(moduleFile, `${moduleFile}.away`);
    try {
      const d = decide();
      assert.equal(d.compile, true);
      assert.match(d.reason, /^cannot look for a prebuilt addon: /);
    } finally {
      fs.renameSync(`${moduleFile}.away`, moduleFile);
    }
  });

  it('compiles in a source checkout (lib/native.ts present), where developers edit native/', () => {
    installPlatform(VERSION, BUILT_ADDON);
    fs.mkdirSync(path.join(installed, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(installed, 'lib', 'native.ts'), '');
    try {
      const d = decide();
      assert.deepEqual([d.compile, d.reason], [true, 'source checkout']);
    } finally {
      fs.rmSync(path.join(installed, 'lib'), { recursive: true });
    }
  });
});
