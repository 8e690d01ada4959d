// SPDX-License-Identifier: MIT
/**
 * The seeded random generator behind every sampled quantity in limeshap (LIME's perturbations,
 * SHAP's coalitions, permutations and tie-breaks): xoshiro128** (Blackman & Vigna), seeded from a
 * 53-bit integer through SplitMix32 steps. Same seed, same stream, on every platform; 32-bit integer
 * arithmetic only, so it is fast in JavaScript without BigInt.
 */
import { optionalSeed } from './validate';

/** The seed of every seeded choice when none is given (sampling, coalitions, quickshift's noise). */
export const DEFAULT_SEED = 42;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed - integer in [0, 2^53 - 1]. */
  constructor(seed: number) {
    optionalSeed('seed', seed, 0);
    // Split the 53-bit seed into two 32-bit words and stir them into four non-zero state words.
    let x = (seed >>> 0) ^ 0x9e3779b9;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x ^ hi;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number {
    if (n <= 1) return 0;
    if (n <= 2 ** 32) {
      const limit = Math.floor(2 ** 32 / n) * n;
      for (;;) {
        const x = this.nextU32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.nextDouble() * n);
  }

  /** Fills `out` with independent fair bits (0 or 1), 32 per draw. */
  fillBits(out: Uint8Array, start = 0, end = out.length): void {
    let bits = 0;
    let left = 0;
    for (let i = start; i < end; i++) {
      if (left === 0) {
        bits = this.nextU32();
        left = 32;
      }
      out[i] = bits & 1;
      bits >>>= 1;
      left--;
    }
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** A standard normal draw (Box–Muller; one value per call, for simplicity). */
  nextNormal(): number {
    let u = 0;
    while (u === 0) u = this.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.nextDouble());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
