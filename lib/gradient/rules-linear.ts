// SPDX-License-Identifier: MIT
/**
 * Backward rules of the linear layers: Conv (its input gradient is a ConvTranspose with the same
 * weights, groups, strides, dilations and pads), BatchNormalization at inference (a per-channel
 * scale), Gemm and MatMul (products with the other operand transposed).
 *
 * @packageDocumentation
 */
import { adjointPlacement, windowOf } from './geometry';
import { floatAttr, intAttr, type Rule } from './rule';
import { unbroadcast, unbroadcastShapes } from './rules-elementwise';

/** The permutation that swaps a tensor's last two axes. */
function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

export const LINEAR_RULES: Readonly<Record<string, Rule>> = {
  Conv: (c) => {
    if (c.needs(1)) throw c.fail('weights that depend on the input are not supported');
    const x = c.shape(c.input(0));
    const w = c.shape(c.input(1));
    const y = c.shape(c.output(0));
    const kernel = w.slice(2);
    const win = windowOf(c.node, kernel, x.slice(2), y.slice(2));
    const { pads, outputPadding } = adjointPlacement(win, x.slice(2), y.slice(2));
    // ConvTranspose reads W as [C_in, C_out / group, k…]: Conv's [M, C / group, k…] is exactly
    // the adjoint's weight, so no transpose is needed, grouped or not.
    const dx = c.e.op('ConvTranspose', [c.dy() as string, c.input(1)], {
      kernel_shape: kernel,
      strides: win.strides,
      dilations: win.dilations,
      pads,
      output_padding: outputPadding,
      group: intAttr(c.node, 'group', 1),
    });
    return [dx, undefined, undefined];
  },
  BatchNormalization: (c) => {
    if (intAttr(c.node, 'training_mode', 0) !== 0) throw c.fail('training_mode 1 is not supported (inference only)');
    if ([1, 2, 3, 4].some((i) => c.needs(i))) throw c.fail('statistics or scales that depend on the input are not supported');
    // y = (x − mean) / √(var + ε) · scale + B: dx = dy · scale / √(var + ε), per channel.
    const eps = c.e.float([floatAttr(c.node, 'epsilon', 1e-5)], []);
    let factor = c.e.op('Div', [c.input(1), c.e.op('Sqrt', [c.e.op('Add', [c.input(4), eps])])]);
    const rank = c.shape(c.input(0)).length;
    const scaleShape = c.shape(c.input(1));
    if (scaleShape.length === 1) factor = c.e.op('Reshape', [factor, c.e.int64([scaleShape[0], ...Array<number>(rank - 2).fill(1)])]);
    return [c.e.op('Mul', [c.dy() as string, factor])];
  },
  Gemm: (c) => {
    // Y = alpha · A′ · B′ + beta · C with A′ = transA ? Aᵀ : A, B′ likewise.
    const dy = c.dy() as string;
    const alpha = floatAttr(c.node, 'alpha', 1);
    const beta = floatAttr(c.node, 'beta', 1);
    const transA = intAttr(c.node, 'transA', 0) !== 0;
    const transB = intAttr(c.node, 'transB', 0) !== 0;
    const e = c.e;
    const scale = (v: string, k: number) => (k === 1 ? v : e.op('Mul', [v, e.float([k], [])]));
    const t = (v: string) => e.op('Transpose', [v], { perm: [1, 0] });
    let dA: string | undefined;
    let dB: string | undefined;
    let dC: string | undefined;
    if (c.needs(0)) {
      // dA′ = dy · B′ᵀ, and B′ᵀ is B itself when transB.
      const g = e.op('MatMul', [dy, transB ? c.input(1) : t(c.input(1))]);
      dA = scale(transA ? t(g) : g, alpha);
    }
    if (c.needs(1)) {
      const g = e.op('MatMul', [transA ? c.input(0) : t(c.input(0)), dy]);
      dB = scale(transB ? t(g) : g, alpha);
    }
    if (c.input(2) !== '' && c.needs(2)) dC = unbroadcast(c, scale(dy, beta), c.input(2), c.output(0));
    return [dA, dB, dC];
  },
  MatMul: (c) => {
    const dy = c.dy() as string;
    const a = c.shape(c.input(0));
    const b = c.shape(c.input(1));
    if (a.length < 2 || b.length < 2) throw c.fail('1-D operands are not supported');
    const y = c.shape(c.output(0));
    const e = c.e;
    const grads: (string | undefined)[] = [undefined, undefined];
    if (c.needs(0)) {
      const g = e.op('MatMul', [dy, e.op('Transpose', [c.input(1)], { perm: swapLast(b.length) })]);
      grads[0] = unbroadcastShapes(e, g, [...y.slice(0, -2), ...a.slice(-2)], a, c.input(0));
    }
    if (c.needs(1)) {
      const g = e.op('MatMul', [e.op('Transpose', [c.input(0)], { perm: swapLast(a.length) }), dy]);
      grads[1] = unbroadcastShapes(e, g, [...y.slice(0, -2), ...b.slice(-2)], b, c.input(1));
    }
    return grads;
  },
};
