#!/usr/bin/env node
// SPDX-License-Identifier: MIT
/**
 * Copies this checkout's build (build/Release/limeshap.node) into the platform package of the machine
 * it runs on (npm/<platform>/, e.g. npm/linux-x64-gnu/), ready for `npm pack --workspace npm/<platform>`,
 * and prints that folder. A release pipeline runs it once per platform, on that platform, after
 * `npm ci`; the packed-install test (test/package/packed-install.ts) runs it here.
 *
 * Refuses to stage when the platform package's version differs from the root package's (the root pins
 * its platform packages at its own version), when nothing is prebuilt for this platform, or when
 * build/ was configured for this CPU only or with sanitizers.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** 'gnu' or 'musl' on Linux (a glibc process reports its glibc version), '' elsewhere. */
function libcSuffix() {
  if (process.platform !== 'linux') return '';
  return process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl';
}

function main() {
  const { prebuiltPackages, PREBUILT_FILE } = require(path.join(root, 'dist', 'lib', 'prebuilt.js'));
  const libc = libcSuffix();
  const names = prebuiltPackages().filter((name) => libc === '' || name.endsWith(`-${libc}`));
  if (names.length !== 1) {
    throw new Error(
      `stage-prebuilt: no platform package for ${process.platform}-${process.arch}${libc ? ` (${libc})` : ''} in lib/prebuilt.ts`,
    );
  }
  const name = names[0];
  const folder = path.join(root, 'npm', name.split('/')[1]);
  const own = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const platform = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
  if (platform.name !== name || platform.version !== own.version) {
    throw new Error(`stage-prebuilt: ${folder}/package.json is ${platform.name}@${platform.version}; expected ${name}@${own.version}`);
  }
  const built = path.join(root, 'build', 'Release', PREBUILT_FILE);
  if (!fs.existsSync(built)) throw new Error(`stage-prebuilt: ${built} is missing (run \`npm run build:native\`)`);
  // A build tuned for this CPU (-march=native) or instrumented would crash or crawl on users' machines.
  const cache = path.join(root, 'build', 'CMakeCache.txt');
  const options = fs.existsSync(cache) ? fs.readFileSync(cache, 'utf8') : '';
  const unfit = /^(LIMESHAP_NATIVE_ARCH|LIMESHAP_SANITIZE):BOOL=(ON|TRUE|1)$/im.exec(options);
  if (unfit) throw new Error(`stage-prebuilt: build/ was configured with ${unfit[1]}=ON; rebuild without it to publish`);
  fs.copyFileSync(built, path.join(folder, PREBUILT_FILE));
  console.log(folder);
}

main();
