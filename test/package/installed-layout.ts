// SPDX-License-Identifier: MIT
/**
 * A fake installed project for the install-script and loader tests: node_modules/limeshap holding the
 * named files of this checkout (dist/ after tsc), and a platform package beside it that a test fills
 * with an addon of its choice (this checkout's build standing in for the prebuilt one, or junk).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PREBUILT_FILE } from '../../lib/prebuilt';

const repo = path.resolve(__dirname, '..', '..', '..');

/** This checkout's compiled addon. */
export const BUILT_ADDON = path.join(repo, 'build', 'Release', PREBUILT_FILE);

export interface InstalledLayout {
  /** node_modules/limeshap */
  readonly installed: string;
  /** node_modules/<platform package> */
  readonly platformDir: string;
  /** (Re)writes the platform package at `version` with `addon` (a file to copy, or bytes) as its addon; null removes it. */
  installPlatform(version: string | null, addon?: string | Uint8Array): void;
  remove(): void;
}

/**
 * Makes the layout in a new temporary folder.
 * @param files paths relative to the repository root, copied into node_modules/limeshap
 * @param platformPackage the platform package's name, e.g. `@limeshap/linux-x64-gnu`
 */
export function installedLayout(files: readonly string[], platformPackage: string): InstalledLayout {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-installed-'));
  const installed = path.join(project, 'node_modules', 'limeshap');
  const platformDir = path.join(project, 'node_modules', ...platformPackage.split('/'));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(installed, file)), { recursive: true });
    fs.copyFileSync(path.join(repo, file), path.join(installed, file));
  }
  return {
    installed,
    platformDir,
    installPlatform(version, addon = BUILT_ADDON) {
      fs.rmSync(platformDir, { recursive: true, force: true });
      if (version === null) return;
      fs.mkdirSync(platformDir, { recursive: true });
      const manifest = { name: platformPackage, version, exports: { './package.json': './package.json' } };
      fs.writeFileSync(path.join(platformDir, 'package.json'), JSON.stringify(manifest));
      if (typeof addon === 'string') fs.copyFileSync(addon, path.join(platformDir, PREBUILT_FILE));
      else fs.writeFileSync(path.join(platformDir, PREBUILT_FILE), addon);
    },
    remove() {
      fs.rmSync(project, { recursive: true, force: true });
    },
  };
}
