#!/usr/bin/env node
// SPDX-License-Identifier: MIT
/**
 * limeshap's npm `install` script: use the prebuilt addon of this platform's package when it loads,
 * compile the addon from native/ with cmake-js otherwise.
 *
 * Compiles when:
 * - LIMESHAP_BUILD_FROM_SOURCE=1 is set (a user who wants a build tuned or patched locally);
 * - this is a source checkout (lib/native.ts is there; the published package ships only dist/): a
 *   developer's `npm ci` must build the native/ they edit, even where a platform package is installed;
 * - no platform package for this machine loads (none published for it, optional dependencies omitted,
 *   or its binary refused by this system, e.g. an older glibc).
 *
 * The packed-install test (test/package/packed-install.ts) installs the packed package both ways and
 * checks which addon each install ended up loading (`nativeAddon()`).
 * Plain CommonJS, not TypeScript: in a checkout this runs before `prepare` compiles anything.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

/**
 * Whether to compile, why, and what was tried: `{ compile, reason, tried, package?, file? }`.
 * @param {string} root the package folder (default: the one above this script)
 * @param {NodeJS.ProcessEnv} env default `process.env`
 */
function decide(root = path.resolve(__dirname, '..'), env = process.env) {
  if (env.LIMESHAP_BUILD_FROM_SOURCE === '1') {
    return { compile: true, reason: 'LIMESHAP_BUILD_FROM_SOURCE=1', tried: [] };
  }
  if (fs.existsSync(path.join(root, 'lib', 'native.ts'))) {
    return { compile: true, reason: 'source checkout', tried: [] };
  }
  let prebuilt;
  try {
    prebuilt = require(path.join(root, 'dist', 'lib', 'prebuilt.js'));
  } catch (err) {
    // An unbuilt copy (dist/ missing): the source build is the only way left.
    return { compile: true, reason: `cannot look for a prebuilt addon: ${err.message}`, tried: [] };
  }
  const { prebuiltPackages, locatePrebuilt } = prebuilt;
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const tried = [];
  for (const name of prebuiltPackages()) {
    const found = locatePrebuilt(name, version, root);
    if (!found.file) {
      tried.push(`${name}: ${found.problem}`);
      continue;
    }
    try {
      require(found.file);
      return { compile: false, reason: `prebuilt ${name} loads`, tried, package: name, file: found.file };
    } catch (err) {
      tried.push(`${name}: ${err.message}`);
    }
  }
  const reason = tried.length === 0 ? `no prebuilt addon for ${process.platform}-${process.arch}` : 'no prebuilt addon loads';
  return { compile: true, reason, tried };
}

function main() {
  const root = path.resolve(__dirname, '..');
  const decision = decide(root);
  if (!decision.compile) {
    console.log(`limeshap: using the prebuilt addon of ${decision.package}`);
    return 0;
  }
  console.log(`limeshap: compiling the native addon (${decision.reason}${decision.tried.length ? ': ' + decision.tried.join('; ') : ''})`);
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  const run = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
  if (run.error) throw run.error;
  if (run.status !== 0) {
    console.error('limeshap: the source build failed; it needs CMake >= 3.15 and a C++17 compiler (README, "Use it in your project")');
  }
  return run.status ?? 1;
}

// Required by test/package/install-decision.test.ts for decide(); run by npm as the install script.
if (require.main === module) process.exitCode = main();
module.exports = { decide };
