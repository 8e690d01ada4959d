// SPDX-License-Identifier: MIT
/**
 * LIME's samplers (the `sampler` option, `--sampler`): one line each; see sampler.ts for what an
 * entry declares. Every sampler keeps LIME's estimand; they differ in how evenly the masks cover
 * the segments.
 */
import { antithetic } from './antithetic';
import { bernoulli } from './bernoulli';
import type { SamplerSpec } from './sampler';
import { sobol } from './sobol';

/** Registered samplers; the first is the default (lime's). */
export const SAMPLER_REGISTRY = [bernoulli, antithetic, sobol] as const satisfies readonly SamplerSpec[];

/** The `sampler` option's values. */
export type SamplerName = (typeof SAMPLER_REGISTRY)[number]['name'];

/** The sampler names, default first. */
export const SAMPLER_NAMES: readonly SamplerName[] = SAMPLER_REGISTRY.map((s) => s.name);

/** The default sampler, 'bernoulli'. */
export const DEFAULT_SAMPLER: SamplerName = SAMPLER_NAMES[0];

/**
 * LIME's n × M perturbation masks from sampler `name` (a checked option value) and `seed`: row 0
 * all on (the image itself), the rest the sampler's.
 */
export function drawMasks(name: SamplerName, seed: number, n: number, M: number): Uint8Array {
  const masks = new Uint8Array(n * M);
  masks.fill(1, 0, M);
  (SAMPLER_REGISTRY.find((s) => s.name === name) as SamplerSpec).draw(seed, n, M, masks);
  return masks;
}
