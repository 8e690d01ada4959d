// SPDX-License-Identifier: MIT
/**
 * A lockfile for a fresh project that depends on packed limeshap tarballs, so the packed-install test
 * can install it with `npm ci --offline`. `npm install` of a tarball must resolve every version range
 * of limeshap's dependencies against the registry's package documents, which `npm ci` never fetched
 * (it installs from the lockfile's versions and integrities), so it fails offline; with a lockfile the
 * project gets exactly the dependency versions this repository's lockfile pins, from the tarballs its
 * `npm ci` left in the npm cache. The entries are this repository's own lockfile minus development
 * dependencies and the workspace link, plus one entry per tarball.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface LockEntry {
  version?: string;
  dev?: boolean;
  link?: boolean;
  [field: string]: unknown;
}

interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** A packed package: the tarball and the package.json inside it. */
export interface Tarball {
  readonly file: string;
  readonly manifest: { name: string; version: string; [field: string]: unknown };
}

/** What a lockfile entry records of a package's manifest. */
const MANIFEST_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'bin', 'engines', 'os', 'cpu', 'libc', 'license'];

/**
 * Writes package.json and package-lock.json of a project at `project` whose dependencies are
 * `tarballs` (referenced by paths relative to the project).
 * @param repoLock this repository's package-lock.json
 */
export function writeConsumerProject(project: string, tarballs: readonly Tarball[], repoLock: string): void {
  const lock = JSON.parse(fs.readFileSync(repoLock, 'utf8')) as Lockfile;
  const dependencies: Record<string, string> = {};
  const packages: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key.startsWith('node_modules/') && !entry.dev && !entry.link) packages[key] = entry;
  }
  for (const { file, manifest } of tarballs) {
    const spec = `file:${path.relative(project, file)}`;
    dependencies[manifest.name] = spec;
    const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;
    const entry: Record<string, unknown> = { version: manifest.version, resolved: spec, integrity };
    for (const field of MANIFEST_FIELDS) if (manifest[field] !== undefined) entry[field] = manifest[field];
    const scripts = manifest.scripts as Record<string, string> | undefined;
    if (scripts?.install ?? scripts?.preinstall ?? scripts?.postinstall) entry.hasInstallScript = true;
    packages[`node_modules/${manifest.name}`] = entry;
  }
  const name = path.basename(project);
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name, private: true, dependencies }, null, 2));
  const consumerLock = {
    name,
    lockfileVersion: lock.lockfileVersion,
    requires: true,
    packages: { '': { name, dependencies }, ...packages },
  };
  fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(consumerLock, null, 2));
}
