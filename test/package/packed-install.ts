// SPDX-License-Identifier: MIT
/**
 * `npm run test:package` (run by .ci/run after `npm test`): the package as a user gets it. Packs limeshap
 * and this platform's prebuilt package (scripts/stage-prebuilt.js), then installs the tarballs into
 * fresh projects offline, from the npm cache `npm ci` filled, with ONNXRUNTIME_NODE_INSTALL=skip:
 *
 * 1. both tarballs: the install script must not compile (no build/ in the installed package) and the
 *    consumers must run on the prebuilt addon; a TypeScript ES module (consumer/explain.mts, compiled by
 *    this repo's tsc with nodenext resolution against the installed types) explains an image with LIME,
 *    a CommonJS script (consumer/explain.cjs) with SHAP, both checked against exact values; the `limeshap`
 *    bin prints the version;
 * 2. limeshap alone (its optional platform package unavailable, as on a platform nothing is prebuilt
 *    for): the install script must compile the addon from the packed native/ sources, and the CommonJS
 *    consumer must run on that build.
 *
 * About 2 minutes on 2 cores, most of it the compile of step 2 and unpacking onnxruntime-node twice.
 * Exits non-zero on the first failure, with the failing command's output.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeConsumerProject, type Tarball } from './consumer-lock';
import { glassBoxModel } from './glass-box';

const repo = path.resolve(__dirname, '..', '..', '..');
const consumerSources = path.join(repo, 'test', 'package', 'consumer');
const started = Date.now();

/**
 * npm settings that `npm run` exports and the nested runs keep: where the cache and the user's npmrc
 * are (the offline installs need the cache `npm ci` filled), the registry and its certificates, and
 * the Node headers a source build uses. The nested npm reads everything else from its own npmrc files.
 */
const KEPT_NPM_SETTINGS = new Set(['cache', 'userconfig', 'globalconfig', 'registry', 'cafile', 'nodedir'].map((k) => `npm_config_${k}`));

/**
 * The environment of the nested npm and node runs: this one without what `npm run` adds (npm_* values,
 * which npm would read as its own settings, such as this repository's onnxruntime-node-install=skip
 * from .npmrc, except KEPT_NPM_SETTINGS; and node_modules/.bin folders on PATH), so the installs see
 * what a user's shell would give them.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if ((/^npm_/i.test(key) && !KEPT_NPM_SETTINGS.has(key.toLowerCase())) || key === 'INIT_CWD') continue;
    env[key] =
      key === 'PATH'
        ? value
            ?.split(path.delimiter)
            .filter((dir) => !dir.includes(`node_modules${path.sep}.bin`))
            .join(path.delimiter)
        : value;
  }
  return { ...env, ...extra };
}

function step(title: string): void {
  console.log(`\n[${((Date.now() - started) / 1000).toFixed(0)} s] ${title}`);
}

/** Runs a command to completion; returns its stdout (echoed unless `quiet`), throws with its output when it fails. */
function run(command: string, args: string[], options: SpawnSyncOptions & { quiet?: boolean } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', env: userEnv(), maxBuffer: 64 << 20, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${output}`);
  if (!options.quiet) process.stdout.write(output.replace(/^/gm, '    '));
  return String(result.stdout);
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`packed install: ${message}`);
}

/**
 * A fresh project with the given tarballs installed offline, as a user would install limeshap, but
 * from a lockfile (consumer-lock.ts says why) so that it needs nothing beyond the npm cache.
 */
function installProject(dir: string, tarballs: Tarball[]): void {
  writeConsumerProject(dir, tarballs, path.join(repo, 'package-lock.json'));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], {
    cwd: dir,
    env: userEnv({ ONNXRUNTIME_NODE_INSTALL: 'skip' }),
  });
}

function runCommonJs(project: string, model: string, expectAddon: 'prebuilt' | 'source'): void {
  fs.copyFileSync(path.join(consumerSources, 'explain.cjs'), path.join(project, 'explain.cjs'));
  run(process.execPath, ['explain.cjs'], { cwd: project, env: userEnv({ MODEL: model, EXPECT_ADDON: expectAddon }) });
}

function main(): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-packed-'));
  try {
    const { version } = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    const model = path.join(work, 'glass-box.onnx');
    fs.writeFileSync(model, glassBoxModel());

    step('pack limeshap and the prebuilt package of this platform');
    const platformFolder = run(process.execPath, [path.join(repo, 'scripts', 'stage-prebuilt.js')], { cwd: repo }).trim();
    // --ignore-scripts: `npm run test:package` compiled dist/ just before (publishing runs `prepare`).
    const packed = (folder: string): Tarball => {
      const args = folder === repo ? [] : ['--workspace', path.relative(repo, folder)];
      const [entry] = JSON.parse(
        run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work, ...args], { cwd: repo, quiet: true }),
      ) as {
        filename: string;
      }[];
      check(entry !== undefined, `npm pack ${args.join(' ')} reported no tarball`);
      const file = path.join(work, (entry as { filename: string }).filename);
      console.log(`    ${path.basename(file)}: ${(fs.statSync(file).size / 1024).toFixed(0)} KiB`);
      return { file, manifest: JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as Tarball['manifest'] };
    };
    const mainTarball = packed(repo);
    const platformTarball = packed(platformFolder);

    step('install both tarballs offline: the prebuilt addon, no compile');
    const withPrebuilt = path.join(work, 'with-prebuilt');
    installProject(withPrebuilt, [mainTarball, platformTarball]);
    const installed = path.join(withPrebuilt, 'node_modules', 'limeshap');
    check(!fs.existsSync(path.join(installed, 'build')), 'the install compiled the addon although the prebuilt one loads');

    step('an ES module in TypeScript, compiled with nodenext resolution, explains with LIME');
    fs.copyFileSync(path.join(consumerSources, 'explain.mts'), path.join(withPrebuilt, 'explain.mts'));
    const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const typeRoots = path.join(repo, 'node_modules', '@types');
    const tscArgs = ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict'];
    run(process.execPath, [tsc, ...tscArgs, '--typeRoots', typeRoots, '--types', 'node', 'explain.mts'], { cwd: withPrebuilt });
    run(process.execPath, ['explain.mjs'], { cwd: withPrebuilt, env: userEnv({ MODEL: model, EXPECT_ADDON: 'prebuilt' }) });

    step('a CommonJS script explains with SHAP');
    runCommonJs(withPrebuilt, model, 'prebuilt');

    step('the limeshap bin');
    const printed = run(path.join(withPrebuilt, 'node_modules', '.bin', 'limeshap'), ['--version'], { cwd: withPrebuilt }).trim();
    check(printed.includes(version), `limeshap --version printed ${JSON.stringify(printed)}, not ${version}`);

    step('install limeshap alone offline: no platform package, so the addon is compiled from source');
    const fromSource = path.join(work, 'from-source');
    installProject(fromSource, [mainTarball]);
    check(!fs.existsSync(path.join(fromSource, 'node_modules', '@limeshap')), 'a platform package was installed');
    const built = path.join(fromSource, 'node_modules', 'limeshap', 'build', 'Release', 'limeshap.node');
    check(fs.existsSync(built), `the install did not compile ${built}`);
    runCommonJs(fromSource, model, 'source');

    step(`packed install: all checks passed`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
