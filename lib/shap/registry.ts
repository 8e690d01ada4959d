// SPDX-License-Identifier: MIT
/**
 * The SHAP algorithms `explainer.shap()` offers: one line each. Validation, defaults, the CLI's
 * `--algorithm` usage and docs read this list; see algorithm.ts for what an entry declares.
 */
import type { ShapAlgorithmSpec } from './algorithm';
import { exact } from './exact';
import { kernel } from './kernel';
import { partition } from './partition';
import { permutation } from './permutation';

/** Registered algorithms; the first is the default. */
export const SHAP_REGISTRY = [partition, kernel, permutation, exact] as const satisfies readonly ShapAlgorithmSpec[];

/** The `algorithm` option's values. */
export type ShapAlgorithm = (typeof SHAP_REGISTRY)[number]['name'];

/** The algorithm names, default first. */
export const SHAP_ALGORITHMS: readonly ShapAlgorithm[] = SHAP_REGISTRY.map((a) => a.name);

/** The registered algorithm called `name` (a checked option value). */
export function shapAlgorithm(name: ShapAlgorithm): ShapAlgorithmSpec {
  return SHAP_REGISTRY.find((a) => a.name === name) as ShapAlgorithmSpec;
}

/** Every algorithm-specific option name, with the algorithms that take it. */
export function algorithmOptions(): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const a of SHAP_REGISTRY) for (const o of a.options) owners.set(o, [...(owners.get(o) ?? []), a.name]);
  return owners;
}
