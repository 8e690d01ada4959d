// SPDX-License-Identifier: MIT
/**
 * The model-randomisation sanity check's model rewrite (Adebayo et al. 2018): the weights of the
 * last `layers` weighted nodes of an ONNX graph, cascading from the output towards the input, are
 * replaced by a seeded permutation of their own values.
 *
 * Why a permutation rather than fresh Gaussian draws: it keeps each tensor's type, shape and exact
 * distribution of values (mean, spread, sparsity), so the randomised model's activations stay in the
 * original's range (no saturated softmax, no overflow in float16) while every learnt pattern is
 * destroyed; and it applies unchanged to any element type — float32/float16/bfloat16/double values,
 * and int8/uint8 quantized weights, which stay valid for their own scale and zero point.
 *
 * What counts as a node's weights (`weightInputs`): its inputs that are graph initializers with more
 * than one element, of a float type; for the quantization operators, only the quantized weight
 * (and QLinearConv's int32 bias): DequantizeLinear's input 0 (an int8 MobileNet stores its weights as
 * int8 initializers dequantized this way), QLinearConv's inputs 3 and 8, QLinearMatMul's input 3 —
 * scales and zero points are left alone, so the randomised weights are read with their own
 * quantization. Integer tensors elsewhere (shapes, indices) are never touched. Graph order is
 * topological (ONNX requires it), so "last" is the order of `graph.node`; subgraphs are not entered.
 */
import { decodeModel, encodeModel, makeTensor, tensorDims, tensorValues, DataType, type ModelProto, type TensorProto } from '../onnx';
import { Rng } from '../rng';
import { rangeError } from '../validate';

const FLOAT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16, DataType.DOUBLE]);

/** Quantization operators: the input positions that hold weights (the others are scales, zero points, activations). */
const QUANTIZED_WEIGHTS: ReadonlyMap<string, readonly number[]> = new Map([
  ['DequantizeLinear', [0]],
  ['QLinearConv', [3, 8]],
  ['QLinearMatMul', [3]],
  ['QuantizeLinear', []],
]);

/** What {@link randomizeModel} returns. */
export interface RandomizedModel {
  /** The rewritten model's bytes. */
  bytes: Uint8Array;
  /** Names of the initializers replaced, from the output towards the input. */
  initializers: string[];
  /** Names of the weighted nodes whose weights were replaced (the node name, else its first output). */
  nodes: string[];
}

function elements(t: TensorProto): number {
  return tensorDims(t).reduce((a, b) => a * b, 1);
}

/** The initializer names of `node`'s inputs that are its weights (see the file's header). */
function weightInputs(op: string, inputs: readonly string[], initializers: ReadonlyMap<string, TensorProto>): string[] {
  const positions = QUANTIZED_WEIGHTS.get(op);
  const picked: string[] = [];
  inputs.forEach((name, i) => {
    const t = initializers.get(name);
    if (t === undefined || elements(t) < 2) return;
    if (positions !== undefined ? positions.includes(i) : FLOAT_TYPES.has(t.data_type ?? 0)) picked.push(name);
  });
  return picked;
}

/** The weighted nodes of a decoded model, in graph order, with their weight initializers; their count is the largest `layers` {@link randomizeModel} takes. */
export function weightedNodes(model: ModelProto): { node: string; weights: string[] }[] {
  const graph = model.graph ?? {};
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const found: { node: string; weights: string[] }[] = [];
  for (const node of graph.node ?? []) {
    const weights = weightInputs(node.op_type ?? '', node.input ?? [], initializers);
    if (weights.length > 0) found.push({ node: node.name || (node.output?.[0] ?? ''), weights });
  }
  return found;
}

/**
 * Rewrites an ONNX model with the weights of its last `layers` weighted nodes permuted (seeded).
 * An initializer shared by several of those nodes is permuted once.
 *
 * @param bytes - the model's `.onnx` bytes (not changed).
 * @param layers - weighted nodes to randomise, counted from the output; integer >= 1.
 * @param seed - seed of the permutations: same seed, same bytes.
 * @throws RangeError naming `layers` when the model has fewer weighted nodes.
 */
export function randomizeModel(bytes: Uint8Array, layers: number, seed: number): RandomizedModel {
  const model = decodeModel(bytes);
  const weighted = weightedNodes(model);
  if (layers > weighted.length) throw rangeError('layers', `at most the model's ${weighted.length} weighted nodes`, layers);
  const chosen = weighted.slice(weighted.length - layers).reverse();
  const byName = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const rng = new Rng(seed);
  const initializers: string[] = [];
  for (const { weights } of chosen)
    for (const name of weights) {
      if (initializers.includes(name)) continue;
      initializers.push(name);
      const t = byName.get(name) as TensorProto;
      const values = tensorValues(t);
      const order = rng.permutation(values.length);
      const shuffled = values.slice() as typeof values;
      for (let i = 0; i < order.length; i++) (shuffled as unknown as number[])[i] = (values as unknown as number[])[order[i]];
      // Edited in place (makeTensor's little-endian raw_data) so every other field of the tensor stays.
      const raw = makeTensor(name, t.data_type as number, tensorDims(t), shuffled).raw_data as Uint8Array;
      for (const list of ['float_data', 'int32_data', 'int64_data', 'double_data', 'uint64_data'] as const) delete t[list];
      t.raw_data = raw;
    }
  return { bytes: encodeModel(model), initializers, nodes: chosen.map((c) => c.node) };
}
