// SPDX-License-Identifier: MIT
/** How the model reports what is not an error (a CUDA fallback): a process warning. */

/** Writes a process warning (the worker forwards its warnings to the main thread through this). */
export type Warn = (message: string) => void;
export const emitWarning: Warn = (message) => process.emitWarning(message, 'LimeshapWarning');
