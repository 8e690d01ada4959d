// SPDX-License-Identifier: MIT
/**
 * The quality metrics `explainer.evaluate()` offers: one line each. Validation, defaults and docs
 * read this list; see metric.ts for what an entry declares.
 */
import { deletion } from './deletion';
import { insertion } from './insertion';
import type { MetricSpec } from './metric';
import { mufidelity } from './mufidelity';
import { randomization } from './randomization';
import { stability } from './stability';

/** Registered metrics, in the order they are reported; all but those with `byDefault: false` run by default. */
export const METRIC_REGISTRY = [deletion, insertion, mufidelity, stability, randomization] as const satisfies readonly MetricSpec[];

/** The `metrics` option's values. */
export type MetricName = (typeof METRIC_REGISTRY)[number]['name'];

/** The metric names, in registry order. */
export const METRIC_NAMES: readonly MetricName[] = METRIC_REGISTRY.map((m) => m.name);

/** The metrics run when `metrics` is not given. */
export const DEFAULT_METRICS: readonly MetricName[] = METRIC_REGISTRY.filter((m) => (m as MetricSpec).byDefault !== false).map(
  (m) => m.name,
);

/** The registered metric called `name` (a checked option value). */
export function metricSpec(name: MetricName): MetricSpec {
  return METRIC_REGISTRY.find((m) => m.name === name) as MetricSpec;
}

/** Every metric-specific option name, with the metrics that take it. */
export function metricOptions(): Map<string, MetricName[]> {
  const owners = new Map<string, MetricName[]>();
  for (const m of METRIC_REGISTRY) for (const p of m.params) owners.set(p.name, [...(owners.get(p.name) ?? []), m.name]);
  return owners;
}
