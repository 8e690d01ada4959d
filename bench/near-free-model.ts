// SPDX-License-Identifier: MIT
/**
 * The near-free classifier of bench:ceiling (issue 11): an 8×8 sample of the image's pixels (every
 * 28th pixel of a 224² image, all 3 channels) → a 1000-class linear layer → softmax. Inference
 * costs almost nothing, so what a LIME run takes is the pipeline around the model. Built in memory
 * with the library's own ONNX encoder (lib/onnx), like every model the project writes.
 */
import { AttributeType, DataType, encodeModel, makeTensor, type NodeProto } from '../lib/onnx';

/** Side of the pixel grid the model reads. */
export const GRID = 8;
/** Classes (ImageNet's count, so outputs and fits are the size of a real classifier's). */
export const CLASSES = 1000;

/** Deterministic weights in [-0.05, 0.05): a 32-bit LCG, so the model is the same in every run. */
function weights(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.1;
  }
  return out;
}

/**
 * ONNX bytes of the near-free classifier for `size`² NCHW float32 input (dynamic batch): Slice with
 * steps picks the GRID×GRID pixels at the centres of a GRID×GRID tiling, then Flatten → MatMul →
 * Add → Softmax. Output `probabilities` [N, CLASSES].
 */
export function nearFreeModel(size = 224): Uint8Array {
  const step = Math.floor(size / GRID);
  const features = 3 * GRID * GRID;
  const int64 = (name: string, values: number[]) =>
    makeTensor(name, DataType.INT64, [values.length], BigInt64Array.from(values.map(BigInt)));
  const node = (op_type: string, input: string[], output: string[], attribute: NodeProto['attribute'] = []): NodeProto => ({
    op_type,
    input,
    output,
    name: `${op_type}_${output[0]}`,
    attribute,
  });
  const dims = (d: (number | string)[]) => ({
    dim: d.map((x) => (typeof x === 'number' ? { dim_value: BigInt(x) } : { dim_param: x })),
  });
  return encodeModel({
    ir_version: 8n,
    producer_name: 'limeshap-bench-near-free',
    opset_import: [{ version: 18n }],
    graph: {
      name: 'near_free_classifier',
      node: [
        node('Slice', ['input', 'starts', 'ends', 'axes', 'steps'], ['grid']),
        node('Flatten', ['grid'], ['flat'], [{ name: 'axis', type: AttributeType.INT, i: 1n }]),
        node('MatMul', ['flat', 'W'], ['xw']),
        node('Add', ['xw', 'b'], ['logits']),
        node('Softmax', ['logits'], ['probabilities'], [{ name: 'axis', type: AttributeType.INT, i: 1n }]),
      ],
      initializer: [
        int64('starts', [step >> 1, step >> 1]),
        int64('ends', [size, size]),
        int64('axes', [2, 3]),
        int64('steps', [step, step]),
        makeTensor('W', DataType.FLOAT, [features, CLASSES], weights(features * CLASSES, 11)),
        makeTensor('b', DataType.FLOAT, [CLASSES], weights(CLASSES, 12)),
      ],
      input: [{ name: 'input', type: { tensor_type: { elem_type: DataType.FLOAT, shape: dims(['batch', 3, size, size]) } } }],
      output: [{ name: 'probabilities', type: { tensor_type: { elem_type: DataType.FLOAT, shape: dims(['batch', CLASSES]) } } }],
    },
  });
}
