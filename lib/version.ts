// SPDX-License-Identifier: MIT
/** The package's version, read from its package.json (two folders above dist/lib). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** limeshap's version, e.g. '0.1.0'. */
export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;
