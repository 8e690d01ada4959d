// SPDX-License-Identifier: MIT
/**
 * Which addon lib/native.ts loads: LIMESHAP_ADDON alone when set, else a source build
 * (build/Release, build/Debug), else this platform's prebuilt package, and an error naming every
 * place tried when none loads. The loader runs in child processes from a fake installed package
 * (installed-layout.ts) with this checkout's addon standing in for the prebuilt one.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addonCandidates, nativeAddon } from '../../lib/native';
import { PREBUILT_FILE, prebuiltPackages } from '../../lib/prebuilt';
import { VERSION } from '../../lib/version';
import { BUILT_ADDON, installedLayout, type InstalledLayout } from './installed-layout';

const repo = path.resolve(__dirname, '..', '..', '..');

describe('native addon loader', () => {
  it('tries LIMESHAP_ADDON alone when it is set', () => {
    assert.deepEqual(addonCandidates({ LIMESHAP_ADDON: 'x/y.node' }), [{ source: 'LIMESHAP_ADDON', file: path.resolve('x/y.node') }]);
  });

  it('tries the source builds before the platform packages', () => {
    const candidates = addonCandidates({});
    const builds = ['Release', 'Debug'].map((c) => ({ source: 'source', file: path.join(repo, 'build', c, PREBUILT_FILE) }));
    assert.deepEqual(candidates.slice(0, 2), builds);
    assert.deepEqual(
      candidates.slice(2).map((c) => [c.source, c.package]),
      prebuiltPackages().map((name) => ['prebuilt', name]),
    );
  });

  it('reports what this process loaded: the checkout build, or LIMESHAP_ADDON under test:sanitize', () => {
    const env = process.env.LIMESHAP_ADDON;
    const expected = env ? { file: path.resolve(env), source: 'LIMESHAP_ADDON' } : { file: BUILT_ADDON, source: 'source' };
    assert.deepEqual(nativeAddon(), expected);
  });

  it('LIMESHAP_ADDON naming a script, a JSON file, a folder or another native addon: refused at load, nothing of it run', function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-addon-'));
    try {
      fs.writeFileSync(path.join(dir, 'script.js'), "console.log('SCRIPT RAN'); module.exports = {};");
      fs.writeFileSync(path.join(dir, 'object.json'), '{"quickshift": 1}');
      fs.mkdirSync(path.join(dir, 'folder'));
      fs.writeFileSync(path.join(dir, 'folder', 'index.js'), "console.log('SCRIPT RAN'); module.exports = {};");
      // A real addon that is not limeshap's: onnxruntime's, which this checkout has.
      const other = require.resolve('onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node', { paths: [repo] });
      const cases: [string, RegExp][] = [
        [path.join(dir, 'script.js'), /script\.js: /],
        [path.join(dir, 'object.json'), /object\.json: /],
        [path.join(dir, 'folder'), /folder: /],
        [other, /not a limeshap addon of version .*: it lacks quickshift, slic/],
      ];
      const script = `try { require(${JSON.stringify(path.join(repo, 'dist', 'lib', 'native.js'))}); console.log('LOADED'); } catch (e) { console.log(e.message); }`;
      for (const [file, message] of cases) {
        if (file === other && process.platform !== 'linux') continue;
        const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, LIMESHAP_ADDON: file } });
        assert.equal(r.status, 0, r.stderr);
        assert.ok(!r.stdout.includes('SCRIPT RAN'), `${file}: ran as the addon`);
        assert.ok(!r.stdout.includes('LOADED'), `${file}: accepted as the addon`);
        assert.match(r.stdout, /the native addon could not be loaded/);
        assert.match(r.stdout, message);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('in an installed package', function () {
    const [platformPackage] = prebuiltPackages();
    let layout: InstalledLayout;

    before(function () {
      if (platformPackage === undefined || !fs.existsSync(BUILT_ADDON)) this.skip();
      const modules = ['native', 'prebuilt', 'version'].map((m) => `dist/lib/${m}.js`);
      layout = installedLayout(['package.json', ...modules], platformPackage);
    });

    after(() => layout?.remove());

    /** nativeAddon() of the installed copy in a child (with LIMESHAP_ADDON unset), or its load error. */
    function load(): { info?: { file: string; source: string; package?: string }; error?: string } {
      const native = JSON.stringify(path.join(layout.installed, 'dist', 'lib', 'native.js'));
      const script = `try { console.log(JSON.stringify({ info: require(${native}).nativeAddon() })); } catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
      const env = { ...process.env };
      delete env.LIMESHAP_ADDON;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as ReturnType<typeof load>;
    }

    it('loads the prebuilt addon when there is no source build', () => {
      layout.installPlatform(VERSION);
      const file = path.join(layout.platformDir, PREBUILT_FILE);
      assert.deepEqual(load().info, { file, source: 'prebuilt', package: platformPackage });
    });

    it('prefers a source build (an install that compiled, or a developer build) over the prebuilt addon', () => {
      layout.installPlatform(VERSION);
      const built = path.join(layout.installed, 'build', 'Release', PREBUILT_FILE);
      fs.mkdirSync(path.dirname(built), { recursive: true });
      fs.copyFileSync(BUILT_ADDON, built);
      try {
        assert.deepEqual(load().info, { file: built, source: 'source' });
      } finally {
        fs.rmSync(path.join(layout.installed, 'build'), { recursive: true });
      }
    });

    it('passes over a platform package of another version, and says what it tried and how to build', () => {
      layout.installPlatform('0.0.1');
      const { error } = load();
      assert.ok(error, 'loading succeeded');
      assert.match(error, new RegExp(`${platformPackage}: version 0\\.0\\.1, not ${VERSION.replace(/\./g, '\\.')}`));
      assert.match(error, /build[/\\]Release[/\\]limeshap\.node: not found/);
      assert.match(error, /npm rebuild limeshap/);
    });

    it('passes over a prebuilt addon that does not load, with the reason', () => {
      layout.installPlatform(VERSION, new TextEncoder().encode('not a shared object'));
      const { error } = load();
      assert.ok(error, 'loading succeeded');
      // dlopen's reason (e.g. 'file too short' or 'invalid ELF header' on Linux) after the file's path.
      const line = error.split('\n').find((l) => l.trim().startsWith(`${path.join(layout.platformDir, PREBUILT_FILE)}: `));
      assert.ok(line, error);
      assert.doesNotMatch(line, /not found$/);
    });
  });
});
