// SPDX-License-Identifier: MIT
/**
 * Prebuilt addons: one npm package per platform (`@limeshap/linux-x64-gnu`, …), each holding a
 * `limeshap.node` and listed in the root package's `optionalDependencies`. npm installs only the one
 * whose `os`, `cpu` and `libc` fields fit the machine, so finding the addon is a matter of trying the
 * packages named for this platform and architecture. lib/native.ts loads through this module, and so
 * does the install script (scripts/install.js), which skips the source build when one of them loads;
 * this file therefore imports nothing of the library, so the install script can load it alone.
 */
import * as path from 'node:path';

/**
 * The published platform packages by `${process.platform}-${process.arch}`. Several names under one
 * key differ by C library (glibc, musl); npm installs at most one of them, and a wrong one would fail
 * to load and be passed over. Every name here is an optional dependency of the root package.json at
 * the root's own version (test/package/manifest.test.ts checks both ways); adding a platform means a
 * row here, its folder under npm/, and a build of it in the release pipeline (README, "Use it in
 * your project").
 */
export const PREBUILT_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'linux-x64': ['@limeshap/linux-x64-gnu'],
};

/** The name of the addon file inside every platform package. */
export const PREBUILT_FILE = 'limeshap.node';

/**
 * The platform packages to try on a machine, in order (none where nothing is prebuilt).
 * @param platform default `process.platform`
 * @param arch default `process.arch`
 */
export function prebuiltPackages(platform: string = process.platform, arch: string = process.arch): readonly string[] {
  return PREBUILT_PACKAGES[`${platform}-${arch}`] ?? [];
}

/** Where a platform package's addon is, or why it cannot be used. */
export type PrebuiltLocation = { readonly name: string; readonly file: string } | { readonly name: string; readonly problem: string };

/**
 * Finds an installed platform package's addon file without loading it. A package of another version
 * than `version` is refused: its addon was built from other sources than this JavaScript calls into
 * (npm pins the exact version, but another copy can be hoisted where this one resolves).
 * @param name the package name, e.g. `@limeshap/linux-x64-gnu`
 * @param version the root package's version, which the platform package must have
 * @param from the folder resolution starts from; default this module's folder
 */
export function locatePrebuilt(name: string, version: string, from: string = __dirname): PrebuiltLocation {
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`, { paths: [from] });
  } catch {
    return { name, problem: 'not installed' };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const found = (require(manifest) as { version?: unknown }).version;
  if (found !== version) return { name, problem: `version ${String(found)}, not ${version}` };
  return { name, file: path.join(path.dirname(manifest), PREBUILT_FILE) };
}
