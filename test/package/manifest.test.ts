// SPDX-License-Identifier: MIT
/**
 * The published shape of the package: the platform packages listed in lib/prebuilt.ts, the root's
 * optional dependencies and workspaces, and each npm/<platform>/package.json agree; `npm pack` of the
 * root ships what the entry points, the bin, the install script and a source build need, and nothing
 * of the tests, benchmarks, TypeScript sources or source maps.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PREBUILT_FILE, PREBUILT_PACKAGES } from '../../lib/prebuilt';

const repo = path.resolve(__dirname, '..', '..', '..');

interface Manifest {
  name: string;
  version: string;
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  files?: string[];
  os?: string[];
  cpu?: string[];
  libc?: string[];
  exports?: Record<string, unknown>;
  scripts?: Record<string, string>;
  workspaces?: string[];
  optionalDependencies?: Record<string, string>;
}

function readManifest(folder: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as Manifest;
}

/** Every string leaf of an exports map. */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Object.values(value as Record<string, unknown>).flatMap(targets);
}

describe('package manifest', () => {
  const root = readManifest(repo);
  const platformNames = Object.values(PREBUILT_PACKAGES).flat();

  it('lists every platform package of lib/prebuilt.ts as an optional dependency at its own version, and nothing else', () => {
    assert.deepEqual(Object.keys(root.optionalDependencies ?? {}).sort(), [...platformNames].sort());
    for (const name of platformNames) assert.equal(root.optionalDependencies?.[name], root.version, name);
  });

  it('has a workspace folder per platform package whose os, cpu and libc fit its key and name', () => {
    assert.deepEqual(root.workspaces, platformNames.map((name) => `npm/${name.split('/')[1]}`).sort());
    for (const [key, names] of Object.entries(PREBUILT_PACKAGES)) {
      const [os, cpu] = key.split('-');
      for (const name of names) {
        const platform = readManifest(path.join(repo, 'npm', name.split('/')[1] as string));
        assert.equal(platform.name, name);
        assert.equal(platform.version, root.version, `${name} must be released at the root's version`);
        assert.deepEqual(platform.os, [os], name);
        assert.deepEqual(platform.cpu, [cpu], name);
        if (name.endsWith('-gnu')) assert.deepEqual(platform.libc, ['glibc'], name);
        else if (name.endsWith('-musl')) assert.deepEqual(platform.libc, ['musl'], name);
        else assert.equal(platform.libc, undefined, name);
        assert.deepEqual(platform.files, [PREBUILT_FILE], name);
        // lib/prebuilt.ts resolves <name>/package.json; an exports map without it would hide the package.
        assert.equal((platform.exports as Record<string, string>)['./package.json'], './package.json', name);
      }
    }
  });

  it('packs the entry points, types, bin, install script and native sources, and no tests, sources or maps', function () {
    this.timeout(60_000);
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [packed] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
    const files = new Set((packed as { files: { path: string }[] }).files.map((f) => f.path));
    const needed = [
      ...targets(root.exports).map((t) => path.posix.normalize(t)),
      root.main as string,
      root.types as string,
      ...Object.values(root.bin ?? {}),
      'scripts/install.js',
      'dist/lib/prebuilt.js',
      'dist/lib/model/worker-entry.js',
      'CMakeLists.txt',
      'native/addon.cc',
      'README.md',
    ];
    for (const file of needed) assert.ok(files.has(file), `${file} is not packed`);
    assert.ok(root.scripts?.install?.includes('scripts/install.js'), 'the install script is scripts/install.js');
    const unwanted = [...files].filter((f) => /^(dist\/(test|bench)|lib|test|bench|npm|build)\/|\.map$|\.node$|\.tgz$/.test(f));
    assert.deepEqual(unwanted, []);
  });
});
