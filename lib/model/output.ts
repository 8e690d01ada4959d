// SPDX-License-Identifier: MIT
/** Checks on a model's output scores, and the softmax applied to them. */

/** `[a, b, …]`, for messages. */
export function shapeText(shape: readonly (number | string)[] | readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A model whose output has no class to explain (it would fail later with an internal message). */
export function noClasses(output: string, what: string, shape: readonly (number | string)[]): RangeError {
  return new RangeError(`Expected at least 1 class in output "${output}" of model ${what} but received shape ${shapeText(shape)}`);
}
/** Whether an output shape is one of those accepted: `[N, K]` or `[N, K, 1, 1]` (symbolic dims allowed). */
export function acceptedOutputShape(shape: readonly (number | string)[]): boolean {
  if (shape.length === 2) return true;
  return shape.length === 4 && (shape[2] === 1 || typeof shape[2] === 'string') && (shape[3] === 1 || typeof shape[3] === 'string');
}

/**
 * Checks the dims of one output tensor for a batch of `runN` ([runN, K] or [runN, K, 1, 1], K >= 1)
 * and returns K.
 */
export function checkOutputDims(dims: readonly number[], runN: number, outputName: string, what: string): number {
  const ok = dims[0] === runN && (dims.length === 2 || (dims.length === 4 && dims[2] === 1 && dims[3] === 1));
  if (!ok)
    throw new Error(
      `Model output "${outputName}" has shape ${shapeText(dims)} for a batch of ${runN}; expected [${runN}, classes] or [${runN}, classes, 1, 1]`,
    );
  if (dims[1] === 0) throw noClasses(outputName, what, dims);
  return dims[1] as number;
}

/** Throws an Error naming the output, batch row and class of the first non-finite score. */
export function checkFinite(values: Float32Array, classes: number, outputName: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) {
      const row = Math.floor(i / classes);
      throw new Error(
        `Model output "${outputName}" holds ${values[i]} (batch row ${row}, class ${i - row * classes}): the model produced non-finite scores`,
      );
    }
  }
}

/** Every row in [0, 1] and summing to 1 within `tolerance`. */
export function allDistributions(out: Float32Array, classes: number, tolerance: number): boolean {
  for (let row = 0; row < out.length; row += classes) {
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const v = out[row + k] as number;
      if (v < 0 || v > 1) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > tolerance) return false;
  }
  return true;
}
/** Numerically stable softmax of each row, in place (float64 accumulation). */
export function softmaxRows(out: Float32Array, classes: number): void {
  const e = new Float64Array(classes);
  for (let row = 0; row < out.length; row += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, out[row + k] as number);
    let total = 0;
    for (let k = 0; k < classes; k++) {
      e[k] = Math.exp((out[row + k] as number) - max);
      total += e[k] as number;
    }
    for (let k = 0; k < classes; k++) out[row + k] = (e[k] as number) / total;
  }
}

/**
 * The softmax step of every model's output: applies softmax to each row in place when `decision`
 * is true; `undefined` (`softmax: 'auto'`, not decided yet) decides it first, from this output:
 * softmax unless every row is already a distribution within `tolerance`.
 * @returns the decision, for the model to keep.
 */
export function applySoftmax(out: Float32Array, classes: number, decision: boolean | undefined, tolerance: number): boolean {
  const apply = decision ?? !allDistributions(out, classes, tolerance);
  if (apply) softmaxRows(out, classes);
  return apply;
}
