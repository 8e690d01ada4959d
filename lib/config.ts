// SPDX-License-Identifier: MIT
/** Process-wide native settings: thread count and SIMD. */
import { binding, type NativeSimdState } from './native';
import { checkChoice, checkNumber, typeError } from './validate';

/**
 * Reads or sets the number of native threads used by segmentation, compositing and solves (the
 * calling thread included). Default: the number of hardware threads.
 * @param threads - integer in [1, 1024]; omit to read.
 * @returns the thread count now in effect.
 */
export function concurrency(threads?: number): number {
  if (threads !== undefined) checkNumber('threads', threads, { integer: true, min: 1, max: 1024 });
  return binding.concurrency(threads);
}

/**
 * Reads or switches the SIMD paths (AVX2 / AVX-512, chosen at run time). Results are the same
 * either way; `false` runs the scalar code (for comparisons and benchmarks).
 * @param enabled - omit to read.
 * @returns whether a SIMD path is in use now.
 */
export function simd(enabled?: boolean): boolean {
  if (enabled !== undefined) {
    if (typeof enabled !== 'boolean') throw typeError('enabled', 'a boolean', enabled);
    binding.simd(enabled ? 'avx512' : 'scalar');
  }
  return binding.simd().active !== 'scalar';
}

/**
 * Detailed SIMD state, and a cap on the level (`'scalar' | 'avx2' | 'avx512'`) so tests and
 * benchmarks can run every path on one machine.
 */
export function simdLevel(cap?: NativeSimdState['cap']): NativeSimdState {
  if (cap !== undefined) checkChoice('cap', cap, ['scalar', 'avx2', 'avx512'] as const);
  return binding.simd(cap);
}
