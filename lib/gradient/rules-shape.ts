// SPDX-License-Identifier: MIT
/**
 * Backward rules of operators that move values without arithmetic (reshapes, transposes, concat
 * and split) and of Softmax / LogSoftmax.
 *
 * @packageDocumentation
 */
import { intAttr, intsAttr, normAxis, type Rule, type RuleContext } from './rule';

/** Reshape-like operators: the gradient is dy in the input's shape. */
const reshapeBack: Rule = (c) => [c.e.reshapeLike(c.dy() as string, c.input(0))];

/**
 * The axes Softmax normalises over: before opset 13 the input is coerced to 2-D at `axis`
 * (default 1), so every axis from `axis` on; from 13, `axis` alone (default −1).
 */
function softmaxAxes(c: RuleContext): number[] {
  const rank = c.shape(c.input(0)).length;
  const old = c.e.opset < 13;
  const axis = normAxis(intAttr(c.node, 'axis', old ? 1 : -1), rank);
  return old ? Array.from({ length: rank - axis }, (_, i) => axis + i) : [axis];
}

export const SHAPE_RULES: Readonly<Record<string, Rule>> = {
  Reshape: (c) => [...reshapeBack(c), undefined],
  Flatten: reshapeBack,
  Squeeze: (c) => [...reshapeBack(c), undefined],
  Unsqueeze: (c) => [...reshapeBack(c), undefined],
  Transpose: (c) => {
    const rank = c.shape(c.input(0)).length;
    const perm = intsAttr(c.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inverse = Array<number>(rank);
    perm.forEach((p, i) => (inverse[p] = i));
    return [c.e.op('Transpose', [c.dy() as string], { perm: inverse })];
  },
  Concat: (c) => {
    const inputs = c.node.input ?? [];
    const axis = normAxis(intAttr(c.node, 'axis', 1), c.shape(c.output(0)).length);
    if (axis === 0) throw c.fail('concatenating along the batch axis is not supported');
    const parts = c.e.split(
      c.dy() as string,
      axis,
      inputs.map((name) => c.shape(name)[axis]),
    );
    return parts.map((p, i) => (c.needs(i) ? p : undefined));
  },
  Split: (c) => {
    const outputs = c.node.output ?? [];
    const axis = normAxis(intAttr(c.node, 'axis', 0), c.shape(c.input(0)).length);
    if (axis === 0) throw c.fail('splitting along the batch axis is not supported');
    // Outputs that do not reach the model output contribute zeros.
    const pieces = outputs.map((name, k) => c.dy(k) ?? c.e.zerosLike(name));
    return [pieces.length === 1 ? pieces[0] : c.e.op('Concat', pieces, { axis }), undefined];
  },
  Softmax: (c) => {
    // dx = y ⊙ (dy − Σ dy ⊙ y) over the normalised axes.
    const e = c.e;
    const y = c.output(0);
    const dy = c.dy() as string;
    const dot = e.reduceSum(e.op('Mul', [dy, y]), softmaxAxes(c));
    return [e.op('Mul', [y, e.op('Sub', [dy, dot])])];
  },
  LogSoftmax: (c) => {
    // dx = dy − softmax ⊙ Σ dy, with softmax = exp(y).
    const e = c.e;
    const dy = c.dy() as string;
    return [e.op('Sub', [dy, e.op('Mul', [e.op('Exp', [c.output(0)]), e.reduceSum(dy, softmaxAxes(c))])])];
  },
};
