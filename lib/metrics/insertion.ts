// SPDX-License-Identifier: MIT
/** Insertion AUC (Petsiuk et al. 2018): higher is better — revealing the top features should restore the output fast. */
import { curveMetric, RANDOM_ORDERS } from './curves';
import type { MetricSpec } from './metric';

export const insertion = {
  name: 'insertion',
  summary: 'output as the highest-attributed features are revealed over the substrate (AUC: higher is better)',
  params: [RANDOM_ORDERS],
  run: (context, params) => curveMetric(context, params, false),
} as const satisfies MetricSpec;
