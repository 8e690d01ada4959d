// SPDX-License-Identifier: MIT
/**
 * Backward rules of pooling and reductions.
 *
 * MaxPool routes each output's gradient to the input that was its window's maximum. Its Indices
 * output exists only from opset 8 and the ScatterElements with `add` that would use it only from
 * opset 16, so the rule works from values at any opset instead: a grouped Conv with one-hot
 * kernels gathers each window's K values into K channels (the input padded with the lowest float,
 * so padding never matches), `window ≥ max` marks the maxima (split equally between ties, where
 * the derivative does not exist anyway), and a ConvTranspose with the same one-hot kernels
 * scatters the masked gradients back, adding where windows overlap (a 3×3 stride-2 pool).
 * AveragePool is the same ConvTranspose with an all-ones kernel after dividing by each window's
 * count; the global pools broadcast.
 *
 * @packageDocumentation
 */
import type { Emitter } from './emitter';
import { adjointPlacement, windowOf, type Window } from './geometry';
import { intAttr, intsAttr, normAxis, type Rule, type RuleContext } from './rule';

/** The lowest finite float32: what padded positions hold so that they are never a window's maximum. */
const LOWEST = -3.4028234663852886e38;

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** `[C·K, 1, k…]` kernels, channel c·K + j holding a 1 at window position j (grouped by C). */
function oneHotKernels(e: Emitter, channels: number, kernel: number[]): string {
  const k = product(kernel);
  const w = new Float64Array(channels * k * k);
  for (let c = 0; c < channels; c++) for (let j = 0; j < k; j++) w[(c * k + j) * k + j] = 1;
  return e.float(w, [channels * k, 1, ...kernel]);
}

/** The window geometry of a pooling node from its input and output shapes. */
function poolWindow(c: RuleContext): { x: number[]; y: number[]; win: Window } {
  const x = c.shape(c.input(0));
  const y = c.shape(c.output(0));
  const kernel = intsAttr(c.node, 'kernel_shape') ?? [];
  if (kernel.length !== x.length - 2) throw c.fail(`kernel_shape [${kernel.join(', ')}] does not fit an input of rank ${x.length}`);
  return { x, y, win: windowOf(c.node, kernel, x.slice(2), y.slice(2)) };
}

/** The ConvTranspose that scatters `[N, C·K, O…]` back through `kernels` onto the input's size. */
function scatter(c: RuleContext, z: string, kernels: string, channels: number, win: Window, x: number[], y: number[]): string {
  const { pads, outputPadding } = adjointPlacement(win, x.slice(2), y.slice(2));
  return c.e.op('ConvTranspose', [z, kernels], {
    kernel_shape: win.kernel,
    strides: win.strides,
    dilations: win.dilations,
    pads,
    output_padding: outputPadding,
    group: channels,
  });
}

/** The number of counted positions of each output window along one axis. */
function axisCounts(win: Window, axis: number, inSize: number, outSize: number, includePad: boolean): number[] {
  const counts: number[] = [];
  const [lo, hi] = includePad ? [-win.begins[axis], inSize + win.ends[axis]] : [0, inSize];
  for (let o = 0; o < outSize; o++) {
    let n = 0;
    for (let j = 0; j < win.kernel[axis]; j++) {
      const p = o * win.strides[axis] - win.begins[axis] + j * win.dilations[axis];
      if (p >= lo && p < hi) n++;
    }
    counts.push(n);
  }
  return counts;
}

export const POOL_RULES: Readonly<Record<string, Rule>> = {
  MaxPool: (c) => {
    const { x, y, win } = poolWindow(c);
    const e = c.e;
    const channels = x[1];
    const k = product(win.kernel);
    // Pad far enough at the end for the last (ceil_mode) window, with values that never win.
    const ends = win.ends.map((_, i) =>
      Math.max(win.ends[i], (y[2 + i] - 1) * win.strides[i] + (win.kernel[i] - 1) * win.dilations[i] + 1 - win.begins[i] - x[2 + i]),
    );
    const padded = e.pad(c.input(0), [0, 0, ...win.begins, 0, 0, ...ends], LOWEST);
    const kernels = oneHotKernels(e, channels, win.kernel);
    const gathered = e.op('Conv', [padded, kernels], {
      kernel_shape: win.kernel,
      strides: win.strides,
      dilations: win.dilations,
      group: channels,
    });
    // [N, C·K, O…] as [N, C, K, O…] against the maxima [N, C, 1, O…] (0 keeps the batch size).
    const out = y.slice(2);
    const windows = e.op('Reshape', [gathered, e.int64([0, channels, k, ...out])]);
    const maxima = e.op('Reshape', [c.output(0), e.int64([0, channels, 1, ...out])]);
    const isMax = e.op('Cast', [e.op('Not', [e.op('Less', [windows, maxima])])], { to: e.floatType });
    const share = e.op('Div', [isMax, e.reduceSum(isMax, [2])]);
    const dy = e.op('Reshape', [c.dy() as string, e.int64([0, channels, 1, ...out])]);
    const z = e.op('Reshape', [e.op('Mul', [share, dy]), e.int64([0, channels * k, ...out])]);
    return [scatter(c, z, kernels, channels, win, x, y)];
  },
  AveragePool: (c) => {
    const { x, y, win } = poolWindow(c);
    const e = c.e;
    const channels = x[1];
    const includePad = intAttr(c.node, 'count_include_pad', 0) !== 0;
    // 1 / count of every output window, as a constant of the output's spatial shape.
    const out = y.slice(2);
    const perAxis = out.map((o, i) => axisCounts(win, i, x[2 + i], o, includePad));
    const inv = new Float64Array(product(out));
    for (let p = 0; p < inv.length; p++) {
      let rest = p;
      let count = 1;
      for (let i = out.length - 1; i >= 0; i--) {
        count *= perAxis[i][rest % out[i]];
        rest = Math.floor(rest / out[i]);
      }
      inv[p] = count === 0 ? 0 : 1 / count;
    }
    const scaled = e.op('Mul', [c.dy() as string, e.float(inv, out)]);
    const ones = e.float(new Float64Array(channels * product(win.kernel)).fill(1), [channels, 1, ...win.kernel]);
    return [scatter(c, scaled, ones, channels, win, x, y)];
  },
  GlobalAveragePool: (c) => {
    const spatial = c.shape(c.input(0)).slice(2);
    const n = product(spatial);
    // dy [N, C, 1…] times a constant of the spatial shape broadcasts to the input's shape.
    return [c.e.op('Mul', [c.dy() as string, c.e.float(new Float64Array(n).fill(1 / n), spatial)])];
  },
  GlobalMaxPool: (c) => {
    const e = c.e;
    const rank = c.shape(c.input(0)).length;
    const isMax = e.op('Cast', [e.op('Not', [e.op('Less', [c.input(0), c.output(0)])])], { to: e.floatType });
    const share = e.op('Div', [
      isMax,
      e.reduceSum(
        isMax,
        Array.from({ length: rank - 2 }, (_, i) => i + 2),
      ),
    ]);
    return [e.op('Mul', [share, c.dy() as string])];
  },
  ReduceMean: (c) => reduceRule(c, true),
  ReduceSum: (c) => reduceRule(c, false),
};

/** ReduceMean / ReduceSum: dy, back at keepdims shape, spread over the reduced axes. */
function reduceRule(c: RuleContext, mean: boolean): (string | undefined)[] {
  const e = c.e;
  const x = c.shape(c.input(0));
  // axes: an attribute, or an input from opset 13 (ReduceSum) or 18 (ReduceMean), read from its initializer.
  const axesInput = c.input(1);
  let axes = intsAttr(c.node, 'axes');
  if (axesInput !== '') {
    axes = c.constantInts(axesInput);
    if (axes === undefined) throw c.fail('axes must be an initializer');
  }
  const keep = intAttr(c.node, 'keepdims', 1) !== 0;
  const all = axes === undefined || axes.length === 0;
  if (all && intAttr(c.node, 'noop_with_empty_axes', 0) !== 0) return [c.dy()];
  const reduced = all ? x.map((_, i) => i) : (axes as number[]).map((a) => normAxis(a, x.length));
  if (reduced.includes(0)) throw c.fail('reducing over the batch axis is not supported');
  let dy = c.dy() as string;
  if (!keep) dy = e.op('Reshape', [dy, e.int64(x.map((d, i) => (i === 0 ? 0 : reduced.includes(i) ? 1 : d)))]);
  const count = product(reduced.map((i) => x[i]));
  if (mean) dy = e.op('Mul', [dy, e.float([1 / count], [])]);
  // Adding zeros of the input's shape broadcasts (no Expand before opset 8).
  return [e.op('Add', [dy, e.zerosLike(c.input(0))]), undefined];
}
