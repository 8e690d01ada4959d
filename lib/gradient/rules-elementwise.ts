// SPDX-License-Identifier: MIT
/**
 * Backward rules of elementwise operators: arithmetic with multidirectional broadcasting (each
 * operand's gradient summed over the axes it was broadcast along) and activations (masks where
 * the derivative is 0 or 1; closed forms in the output elsewhere).
 *
 * @packageDocumentation
 */
import type { Emitter } from './emitter';
import { floatAttr, type Rule, type RuleContext } from './rule';

/**
 * The gradient `g` of a broadcast result, brought back to the shape of `operand`: summed over the
 * leading axes the operand lacks and over the axes where it has size 1 and the result has more.
 * Shapes come from the probe at batch 1, so the batch axis is never taken for a broadcast one.
 */
export function unbroadcast(c: RuleContext, g: string, operand: string, result: string): string {
  return unbroadcastShapes(c.e, g, c.shape(result), c.shape(operand), operand);
}

/** {@link unbroadcast} from `g` of shape `o` to `operand` of shape `a`. */
export function unbroadcastShapes(e: Emitter, g: string, o: readonly number[], a: readonly number[], operand: string): string {
  const lead = o.length - a.length;
  const axes: number[] = [];
  for (let i = 0; i < o.length; i++) if (i < lead || (a[i - lead] === 1 && o[i] !== 1)) axes.push(i);
  if (axes.length === 0) return g;
  const summed = e.reduceSum(g, axes);
  return lead > 0 ? e.reshapeLike(summed, operand) : summed;
}

/** 1 where `cond` holds, else 0, in the model's float type. */
function mask(e: Emitter, cond: string): string {
  return e.op('Cast', [cond], { to: e.floatType });
}

/** Rules for two-operand arithmetic: each operand's gradient from `dy` before unbroadcasting. */
function binary(local: (c: RuleContext, dy: string, which: 0 | 1) => string): Rule {
  return (c) => {
    const dy = c.dy() as string;
    return [0, 1].map((i) => (c.needs(i) ? unbroadcast(c, local(c, dy, i as 0 | 1), c.input(i), c.output(0)) : undefined));
  };
}

/** Rules of a one-input operator whose gradient is `dy` times a factor. */
function scaled(factor: (c: RuleContext) => string): Rule {
  return (c) => [c.e.op('Mul', [c.dy() as string, factor(c)])];
}

/** `y · (1 − y)`, `1 − y²`, … need a constant 1 in the model's type. */
const one = (e: Emitter) => e.float([1], []);

export const ELEMENTWISE_RULES: Readonly<Record<string, Rule>> = {
  Identity: (c) => [c.dy()],
  // Dropout at inference is the identity; its mask output carries no gradient.
  Dropout: (c) => [c.dy(), undefined, undefined],
  Neg: (c) => [c.e.op('Neg', [c.dy() as string])],
  Add: binary((_c, dy) => dy),
  Sub: binary((c, dy, i) => (i === 0 ? dy : c.e.op('Neg', [dy]))),
  Mul: binary((c, dy, i) => c.e.op('Mul', [dy, c.input(1 - i)])),
  Div: binary((c, dy, i) =>
    i === 0 ? c.e.op('Div', [dy, c.input(1)]) : c.e.op('Neg', [c.e.op('Div', [c.e.op('Mul', [dy, c.output(0)]), c.input(1)])]),
  ),
  Sum: (c) => (c.node.input ?? []).map((name, i) => (c.needs(i) ? unbroadcast(c, c.dy() as string, name, c.output(0)) : undefined)),
  Relu: scaled((c) => mask(c.e, c.e.op('Greater', [c.input(0), c.e.float([0], [])]))),
  LeakyRelu: scaled((c) => {
    // 1 where x > 0, alpha elsewhere: m·(1 − alpha) + alpha (no Where before opset 9).
    const alpha = floatAttr(c.node, 'alpha', 0.01);
    const m = mask(c.e, c.e.op('Greater', [c.input(0), c.e.float([0], [])]));
    return c.e.op('Add', [c.e.op('Mul', [m, c.e.float([1 - alpha], [])]), c.e.float([alpha], [])]);
  }),
  Clip: scaled((c) => {
    // The bounds are attributes before opset 11 and optional inputs from then on.
    const [lo, hi] =
      c.e.opset >= 11
        ? [c.input(1), c.input(2)]
        : [
            c.e.float([floatAttr(c.node, 'min', -3.4028234663852886e38)], []),
            c.e.float([floatAttr(c.node, 'max', 3.4028234663852886e38)], []),
          ];
    const terms: string[] = [];
    if (lo !== '') terms.push(mask(c.e, c.e.op('Greater', [c.input(0), lo])));
    if (hi !== '') terms.push(mask(c.e, c.e.op('Less', [c.input(0), hi])));
    if (terms.length === 0) return one(c.e);
    return terms.length === 1 ? terms[0] : c.e.op('Mul', terms);
  }),
  Sigmoid: scaled((c) => c.e.op('Mul', [c.output(0), c.e.op('Sub', [one(c.e), c.output(0)])])),
  Tanh: scaled((c) => c.e.op('Sub', [one(c.e), c.e.op('Mul', [c.output(0), c.output(0)])])),
  HardSigmoid: scaled((c) => {
    // alpha where 0 < alpha·x + beta < 1 (the output strictly inside (0, 1)), else 0.
    const alpha = floatAttr(c.node, 'alpha', 0.2);
    const inside = c.e.op('Mul', [
      mask(c.e, c.e.op('Greater', [c.output(0), c.e.float([0], [])])),
      mask(c.e, c.e.op('Less', [c.output(0), one(c.e)])),
    ]);
    return c.e.op('Mul', [inside, c.e.float([alpha], [])]);
  }),
  HardSwish: scaled((c) => {
    // y = x·h(x) with h = HardSigmoid(1/6, 1/2): y' = h(x) + x·h'(x).
    const x = c.input(0);
    const h = c.e.op('HardSigmoid', [x], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } });
    const inside = c.e.op('Mul', [mask(c.e, c.e.op('Greater', [h, c.e.float([0], [])])), mask(c.e, c.e.op('Less', [h, one(c.e)]))]);
    return c.e.op('Add', [h, c.e.op('Mul', [c.e.op('Mul', [x, inside]), c.e.float([1 / 6], [])])]);
  }),
};
