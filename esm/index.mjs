// SPDX-License-Identifier: MIT
// limeshap's ES module entry (`import { createExplainer } from 'limeshap'`): the CommonJS build in
// dist/lib re-exported by name, so both entries share one module instance (one addon, one thread
// pool, one set of settings) whichever way a program and its dependencies load limeshap. Node finds
// the names by parsing dist/lib/index.js; test/package/entries.test.ts checks that none is missing.
export * from '../dist/lib/index.js';
