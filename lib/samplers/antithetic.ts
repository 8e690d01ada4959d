// SPDX-License-Identifier: MIT
/**
 * Antithetic pairs: each fair-coin mask is followed by its complement, so every segment is on in
 * exactly half of each pair (column means are 1/2 up to one unpaired row) and the pair's on-counts
 * add up to M. With an even number of perturbed rows (n odd) every row has its partner.
 */
import { Rng } from '../rng';
import type { SamplerSpec } from './sampler';

export const antithetic = {
  name: 'antithetic',
  summary: 'fair-coin masks each followed by its complement',
  draw(seed: number, n: number, M: number, out: Uint8Array): void {
    const rng = new Rng(seed);
    for (let row = 1; row < n; row += 2) {
      const at = row * M;
      rng.fillBits(out, at, at + M);
      if (row + 1 < n) for (let s = 0; s < M; s++) out[at + M + s] = 1 - out[at + s];
    }
  },
} as const satisfies SamplerSpec;
