// SPDX-License-Identifier: MIT
// Types of esm/index.mjs: the same declarations as the CommonJS entry.
export * from '../dist/lib/index.js';
