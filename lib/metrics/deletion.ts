// SPDX-License-Identifier: MIT
/** Deletion AUC (Petsiuk et al. 2018): lower is better — removing the top features should hurt fast. */
import { curveMetric, RANDOM_ORDERS } from './curves';
import type { MetricSpec } from './metric';

export const deletion = {
  name: 'deletion',
  summary: 'output as the highest-attributed features are replaced by the substrate (AUC: lower is better)',
  params: [RANDOM_ORDERS],
  run: (context, params) => curveMetric(context, params, true),
} as const satisfies MetricSpec;
