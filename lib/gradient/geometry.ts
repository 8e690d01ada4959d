// SPDX-License-Identifier: MIT
/**
 * The geometry of sliding windows (Conv, MaxPool, AveragePool): explicit pads from `pads` or
 * `auto_pad`, and where the adjoint (a ConvTranspose) must put its output so that it has exactly
 * the input's size (its `pads` and `output_padding`).
 *
 * @packageDocumentation
 */
import type { NodeProto } from '../onnx/types';
import { intsAttr, stringAttr } from './rule';

/** One window operator's geometry over the spatial axes. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding before each spatial axis. */
  begins: number[];
  /** Padding after each spatial axis (as given or as auto_pad makes it). */
  ends: number[];
}

/**
 * The window of `node` over inputs of spatial size `inSize` giving `outSize`.
 * `auto_pad` SAME_UPPER / SAME_LOWER pads are worked out as the spec says (extra padding at the
 * end for SAME_UPPER, at the beginning for SAME_LOWER).
 */
export function windowOf(node: NodeProto, kernel: number[], inSize: number[], outSize: number[]): Window {
  const n = kernel.length;
  const strides = intsAttr(node, 'strides') ?? Array<number>(n).fill(1);
  const dilations = intsAttr(node, 'dilations') ?? Array<number>(n).fill(1);
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  let begins = Array<number>(n).fill(0);
  let ends = Array<number>(n).fill(0);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    for (let i = 0; i < n; i++) {
      const total = Math.max(0, (outSize[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inSize[i]);
      const small = Math.floor(total / 2);
      begins[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      ends[i] = total - begins[i];
    }
  } else if (autoPad === 'NOTSET') {
    const pads = intsAttr(node, 'pads');
    if (pads !== undefined && pads.length === 2 * n) {
      begins = pads.slice(0, n);
      ends = pads.slice(n);
    }
  }
  return { kernel, strides, dilations, begins, ends };
}

/**
 * The ConvTranspose attributes that scatter an `outSize` map back onto an `inSize` one through
 * `w`: windows reaching past the input's end (ceil_mode, or padding) are cut off by the end pads;
 * input pixels after the last window are added as output padding (they get no gradient).
 */
export function adjointPlacement(w: Window, inSize: number[], outSize: number[]): { pads: number[]; outputPadding: number[] } {
  const ends: number[] = [];
  const outputPadding: number[] = [];
  for (let i = 0; i < inSize.length; i++) {
    const full = (outSize[i] - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1;
    const rest = full - w.begins[i] - inSize[i];
    ends.push(Math.max(0, rest));
    outputPadding.push(Math.max(0, -rest));
  }
  return { pads: [...w.begins, ...ends], outputPadding };
}
