// SPDX-License-Identifier: MIT
/**
 * Scrambled Sobol masks: point t of a Sobol sequence over M dimensions (Joe–Kuo 6.21201 direction
 * numbers, Gray-code order), scrambled by a seeded random linear matrix scramble plus digital shift
 * (Matoušek 1998), thresholded at 0.5: segment j is on when coordinate j >= 1/2. Row r (>= 1)
 * takes point r - 1, so rows (1,2), (3,4), … are complementary pairs (points 2t and 2t+1 differ by
 * the first direction number, 1/2 in every dimension) and every column is on in exactly half of
 * each pair. docs/sampling-study.md measured this design best of those tried.
 *
 * Thresholding keeps only the first binary digit, which a lower-triangular scramble leaves as the
 * unscrambled digit XOR the shift's, so the rows of n points lie in an affine GF(2) space of
 * dimension ceil(log2 n): two segments whose first ceil(log2 n) direction digits coincide get equal
 * or complementary columns. Use n well above the number of segments (and the ridge regressor, lime's).
 */
import { Rng } from '../rng';
import { rangeError } from '../validate';
import type { SamplerSpec } from './sampler';
import { SOBOL_DIRECTIONS } from './sobol-directions';

/** Binary digits of each coordinate (indices up to 2^32 - 1). */
const BITS = 32;

/** Dimensions with direction numbers: van der Corput plus the table. */
export const SOBOL_MAX_DIMS = SOBOL_DIRECTIONS.length + 1;

let table: Uint32Array | undefined;

/** Direction numbers v[j·32 + k] = m_k · 2^(31-k) (k from 0) of every dimension, built once. */
export function sobolDirections(): Uint32Array {
  if (table) return table;
  const v = new Uint32Array(SOBOL_MAX_DIMS * BITS);
  for (let k = 0; k < BITS; k++) v[k] = 2 ** (31 - k);
  SOBOL_DIRECTIONS.forEach((line, i) => {
    const [s, a, ...m] = line.split(' ').map(Number);
    const base = (i + 1) * BITS;
    for (let k = 0; k < s; k++) v[base + k] = m[k] * 2 ** (31 - k);
    // m_k = 2a_1 m_{k-1} ^ … ^ 2^{s-1} a_{s-1} m_{k-s+1} ^ 2^s m_{k-s} ^ m_{k-s}, in scaled form.
    for (let k = s; k < BITS; k++) {
      let x = v[base + k - s] ^ (v[base + k - s] >>> s);
      for (let t = 1; t < s; t++) if ((a >>> (s - 1 - t)) & 1) x ^= v[base + k - t];
      v[base + k] = x >>> 0;
    }
  });
  table = v;
  return v;
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * Unscrambled (`rng` undefined) or scrambled Sobol points 0..count-1 as 32-bit fixed-point
 * coordinates, handed to `emit(t, x)` with x[j] the coordinate of dimension j (reused between calls).
 */
export function sobolPoints(dims: number, count: number, rng: Rng | undefined, emit: (t: number, x: Uint32Array) => void): void {
  if (dims > SOBOL_MAX_DIMS) throw rangeError('sampler', `'sobol' for at most ${SOBOL_MAX_DIMS} segments`, dims);
  const base = sobolDirections();
  const used = Math.max(1, 32 - Math.clz32(count)); // digits of the largest index
  const v = new Uint32Array(dims * used);
  const x = new Uint32Array(dims);
  for (let j = 0; j < dims; j++) {
    if (!rng) {
      for (let k = 0; k < used; k++) v[j * used + k] = base[j * BITS + k];
      continue;
    }
    // Lower-triangular matrix with unit diagonal: row r (output digit r, bit 31 - r) has its own
    // digit and random earlier (higher) ones.
    const rows = new Uint32Array(BITS);
    for (let r = 0; r < BITS; r++) rows[r] = ((r === 0 ? 0 : rng.nextU32() & (~0 << (BITS - r))) | (1 << (31 - r))) >>> 0;
    for (let k = 0; k < used; k++) {
      const d = base[j * BITS + k];
      let out = 0;
      for (let r = 0; r < BITS; r++) out |= parity(rows[r] & d) << (31 - r);
      v[j * used + k] = out >>> 0;
    }
    x[j] = rng.nextU32(); // the digital shift: point 0
  }
  for (let t = 0; t < count; t++) {
    if (t > 0) {
      const c = 31 - Math.clz32(t & -t); // Gray code: point t = point t-1 ^ v[lowest set bit of t]
      for (let j = 0; j < dims; j++) x[j] ^= v[j * used + c];
    }
    emit(t, x);
  }
}

export const sobol = {
  name: 'sobol',
  summary: 'scrambled Sobol points thresholded at 1/2 (complementary pairs, balanced columns)',
  draw(seed: number, n: number, M: number, out: Uint8Array): void {
    sobolPoints(M, n - 1, new Rng(seed), (t, x) => {
      const at = (t + 1) * M;
      for (let j = 0; j < M; j++) out[at + j] = x[j] >>> 31;
    });
  },
} as const satisfies SamplerSpec;
