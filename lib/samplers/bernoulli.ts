// SPDX-License-Identifier: MIT
/** lime's design: every segment on or off by an independent fair coin. */
import { Rng } from '../rng';
import type { SamplerSpec } from './sampler';

export const bernoulli = {
  name: 'bernoulli',
  summary: "i.i.d. fair bits per segment (lime's)",
  // Exactly the stream LIME drew before samplers existed: one generator, 32 bits per draw, from row 1 on.
  draw(seed: number, _n: number, M: number, out: Uint8Array): void {
    new Rng(seed).fillBits(out, M);
  },
} as const satisfies SamplerSpec;
