// SPDX-License-Identifier: MIT
/**
 * The model the packed-install consumers (consumer/explain.mts, consumer/explain.cjs) explain: 16 × 16
 * RGB in, two logits out. Class 0's logit is the mean of the left half's 384 inputs (8 columns × 16
 * rows × 3 channels, each 0..1 after the default /255 scaling), class 1's is 0; so a white image gives
 * logits (1, 0) and a left half turned black gives (0, 0), whatever the right half shows.
 */
import { linearModel } from '../helpers/onnx-builder';

/** Side of the square input. */
export const SIDE = 16;

/** The serialized ONNX model. */
export function glassBoxModel(): Uint8Array {
  const plane = SIDE * SIDE;
  const leftInputs = 3 * SIDE * (SIDE / 2);
  const weights = new Float32Array(2 * 3 * plane);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE / 2; x++) weights[c * plane + y * SIDE + x] = 1 / leftInputs;
    }
  }
  return linearModel({ height: SIDE, width: SIDE, classes: 2, weights, bias: new Float32Array(2) }).bytes;
}
