// SPDX-License-Identifier: MIT
/**
 * Deletion and insertion curves (Petsiuk et al. 2018, RISE), shared by deletion.ts and
 * insertion.ts: features ranked by attribution, highest first; deletion replaces the top k by the
 * substrate, insertion starts from the substrate and reveals the top k, k = 0..n; p_k is the
 * explained class's output. The same curves for `randomOrders` seeded random orders (the same
 * orders for every class over one feature set) give the chance level to read the AUC against.
 */
import { checkNumber } from '../validate';
import { Rng } from '../rng';
import { bySet } from './features';
import type { MetricContext, MetricParam } from './metric';
import { curveArea, mean } from './stats';

/** A deletion or insertion curve of one class, with its random-order baseline. Plain data. */
export interface CurveMetric {
  /** Area under `curve`: (Σ_k p_k − (p_0 + p_n)/2) / n. */
  auc: number;
  /** p_0..p_n: the class's output after k features were deleted (inserted). */
  curve: number[];
  /** The feature order used (highest attribution first). */
  order: number[];
  /** The same for random orders (seeded). */
  random: {
    /** Mean AUC over the random orders. */
    auc: number;
    aucs: number[];
    curves: number[][];
    orders: number[][];
  };
}

/** `randomOrders`: random orders behind the chance baseline (default 10; 1..100: each costs n + 1 evaluations). */
export const RANDOM_ORDERS: MetricParam = {
  name: 'randomOrders',
  summary: 'random feature orders averaged for the chance baseline',
  default: 10,
  check: (v) => checkNumber('randomOrders', v, { integer: true, min: 1, max: 100 }),
};

/** Writes the n + 1 masks of one order: deletion starts all on, insertion all off. */
function writeMasks(out: Uint8Array, row: number, order: ArrayLike<number>, n: number, deletion: boolean): void {
  const start = deletion ? 1 : 0;
  for (let k = 0; k <= n; k++) {
    const m = out.subarray((row + k) * n, (row + k + 1) * n);
    m.fill(start);
    for (let t = 0; t < k; t++) m[order[t]] = 1 - start;
  }
}

/** Deletion (`deletion` true) or insertion curves of every class. */
export async function curveMetric(context: MetricContext, params: Record<string, unknown>, deletion: boolean): Promise<CurveMetric[]> {
  const R = params.randomOrders as number;
  const out: CurveMetric[] = new Array(context.classes.length);
  for (const [set, members] of bySet(context.classes)) {
    const n = set.count;
    const rng = new Rng(context.seed);
    const orders = Array.from({ length: R }, () => rng.permutation(n));
    // One call for the set: the random orders' rows first, then each class's own order.
    const rows = (R + members.length) * (n + 1);
    const masks = new Uint8Array(rows * n);
    orders.forEach((o, r) => writeMasks(masks, r * (n + 1), o, n, deletion));
    members.forEach((j, m) => writeMasks(masks, (R + m) * (n + 1), context.classes[j].order, n, deletion));
    const y = await set.evaluator.evaluate(masks, rows);
    const K = y.length / rows;
    const curveAt = (block: number, cls: number) => Array.from({ length: n + 1 }, (_, k) => y[(block * (n + 1) + k) * K + cls]);
    members.forEach((j, m) => {
      const c = context.classes[j];
      const curves = orders.map((_, r) => curveAt(r, c.index));
      const aucs = curves.map(curveArea);
      const curve = curveAt(R + m, c.index);
      out[j] = {
        auc: curveArea(curve),
        curve,
        order: Array.from(c.order),
        random: { auc: mean(aucs), aucs, curves, orders: orders.map((o) => Array.from(o)) },
      };
    });
  }
  return out;
}
