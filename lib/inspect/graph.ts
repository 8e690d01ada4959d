// SPDX-License-Identifier: MIT
/**
 * What a classifier's graph does right after its image input and right before its output, read
 * from the nodes: the arithmetic it applies to the pixels itself (a Sub/Div/Mul/Add by constants,
 * a BatchNormalization: the normalisation some exporters bake in), the value range a quantized
 * model's first QuantizeLinear can represent, and whether the output is already a softmax.
 * These tell which preprocessing the model expects without running it.
 */
import { AttributeType, DataType, tensorValues, type GraphProto, type NodeProto, type TensorProto } from '../onnx';
import { float16ToFloat32 } from '../preprocess';

/** A per-channel affine map `y[c] = scale[c] · x[c] + offset[c]` (channels in tensor order). */
export interface InputAffine {
  scale: [number, number, number];
  offset: [number, number, number];
}

/** What the graph does to its image input before the first layer that is not plain arithmetic. */
export interface InputOps {
  /** The operators walked from the input, in order (e.g. `['Div', 'Sub', 'Div']`). */
  ops: string[];
  /** The arithmetic on the pixels, composed; absent when there is none. */
  affine?: InputAffine;
  /**
   * The input values a QuantizeLinear right at the input can represent, `[min, max]` (its scale
   * and zero point over the 8-bit range), when the model starts by quantizing its input.
   */
  quantizedRange?: [number, number];
}

/** What the model's output holds, from the op that makes it. */
export type OutputKind = 'probabilities' | 'log-probabilities' | 'sigmoid' | 'scores';

/** Ops that move or relabel values without changing them, walked through on both ends. */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'DequantizeLinear']);
/** The longest chain walked: normalisation is a few ops; past this it is the network itself. */
const MAX_STEPS = 16;

/** The values of a constant tensor as float64 numbers (half floats decoded), or undefined. */
function numbers(t: TensorProto): number[] | undefined {
  try {
    const v = tensorValues(t);
    if (t.data_type === DataType.FLOAT16) return [...float16ToFloat32(v as Uint16Array)];
    if (t.data_type === DataType.BFLOAT16) return undefined;
    return Array.from(v as ArrayLike<number | bigint>, Number);
  } catch {
    return undefined; // external data, strings: not a constant this module can read
  }
}

/**
 * The most elements a constant may have to be read: the walk only uses scalars, per-channel
 * triples and per-channel BatchNormalization parameters. Reading every weight tensor as JS numbers
 * instead took 8 bytes of heap per element (2 GiB for a 1 GiB model) and could end the process.
 */
const MAX_CONSTANT_VALUES = 4096;

/** The element count a tensor's dims declare (NaN when a dim is not a number). */
function declaredCount(t: TensorProto): number {
  return (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
}

/** Every small constant of the graph by name: initializers and Constant nodes' outputs. */
function constants(g: GraphProto): Map<string, { values: number[]; type: number | undefined }> {
  const out = new Map<string, { values: number[]; type: number | undefined }>();
  for (const t of g.initializer ?? []) {
    if (!(declaredCount(t) <= MAX_CONSTANT_VALUES)) continue;
    const values = numbers(t);
    if (t.name !== undefined && values) out.set(t.name, { values, type: t.data_type });
  }
  for (const n of g.node ?? []) {
    if (n.op_type !== 'Constant' || !n.output?.[0]) continue;
    const a = n.attribute?.[0];
    if (!a) continue;
    const values =
      a.type === AttributeType.TENSOR && a.t
        ? declaredCount(a.t) <= MAX_CONSTANT_VALUES
          ? numbers(a.t)
          : undefined
        : a.type === AttributeType.FLOAT && a.f !== undefined
          ? [a.f]
          : a.type === AttributeType.FLOATS
            ? (a.floats ?? [])
            : a.type === AttributeType.INT && a.i !== undefined
              ? [Number(a.i)]
              : undefined;
    if (values) out.set(n.output[0], { values, type: a.t?.data_type });
  }
  return out;
}

/** A constant as a per-channel triple: one value broadcast, or three; undefined otherwise. */
function triple(values: number[] | undefined): [number, number, number] | undefined {
  if (values?.length === 1) return [values[0], values[0], values[0]];
  if (values?.length === 3) return [values[0], values[1], values[2]];
  return undefined;
}

/** `y = s·x + o` followed by `z = k op y`, as one affine map (undefined for an op that is not one). */
function compose(f: InputAffine, op: string, k: [number, number, number], constantFirst: boolean): InputAffine | undefined {
  const s = [...f.scale] as [number, number, number],
    o = [...f.offset] as [number, number, number];
  for (let c = 0; c < 3; c++) {
    if (op === 'Add') o[c] += k[c];
    else if (op === 'Sub' && !constantFirst) o[c] -= k[c];
    else if (op === 'Sub') {
      s[c] = -s[c];
      o[c] = k[c] - o[c];
    } else if (op === 'Mul') {
      s[c] *= k[c];
      o[c] *= k[c];
    } else if (op === 'Div' && !constantFirst && k[c] !== 0) {
      s[c] /= k[c];
      o[c] /= k[c];
    } else return undefined;
  }
  return { scale: s, offset: o };
}

/** BatchNormalization's per-channel map: `(x − mean) / sqrt(var + ε) · gamma + beta`. */
function batchNorm(n: NodeProto, consts: ReturnType<typeof constants>): InputAffine | undefined {
  const [gamma, beta, mean, variance] = (n.input ?? []).slice(1, 5).map((name) => triple(consts.get(name)?.values));
  if (!gamma || !beta || !mean || !variance) return undefined;
  const eps = n.attribute?.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
  const scale = gamma.map((g, c) => g / Math.sqrt(variance[c] + eps)) as [number, number, number];
  return { scale, offset: scale.map((s, c) => beta[c] - mean[c] * s) as [number, number, number] };
}

/**
 * Walks from the image input through plain arithmetic by constants and returns what it found.
 * The walk stops at the first op of another kind, at a value used by more than one node, or at a
 * QuantizeLinear (whose representable range is reported when nothing changed the values before it).
 *
 * @param g - the decoded graph.
 * @param input - the image input's name.
 */
export function inputOps(g: GraphProto, input: string): InputOps {
  const consts = constants(g);
  const users = new Map<string, NodeProto[]>();
  // Pushed in place: copying the list for each user was quadratic (a value feeding 60 000 nodes took 28 s).
  for (const n of g.node ?? [])
    for (const i of n.input ?? []) {
      if (!i) continue;
      const list = users.get(i);
      if (list) list.push(n);
      else users.set(i, [n]);
    }
  const identity: InputAffine = { scale: [1, 1, 1], offset: [0, 0, 0] };
  let f = identity;
  let changed = false;
  const result: InputOps = { ops: [] };
  let current = input;
  for (let step = 0; step < MAX_STEPS; step++) {
    const next = users.get(current);
    if (next?.length !== 1) break;
    const n = next[0];
    const op = n.op_type ?? '';
    const ins = n.input ?? [];
    if (op === 'QuantizeLinear') {
      result.ops.push(op);
      const scale = consts.get(ins[1] ?? '')?.values;
      const zero = ins[2] ? consts.get(ins[2]) : undefined;
      if (!changed && scale?.length === 1 && (zero === undefined || zero.values.length === 1)) {
        // The zero point's type sets the integer range; without one it is uint8.
        const [lo, hi] = zero?.type === DataType.INT8 ? [-128, 127] : [0, 255];
        const z = zero?.values[0] ?? 0;
        result.quantizedRange = [scale[0] * (lo - z), scale[0] * (hi - z)];
      }
      break;
    }
    let g2: InputAffine | undefined;
    if (PASS_THROUGH.has(op) && op !== 'DequantizeLinear' && ins[0] === current) g2 = f;
    else if (op === 'BatchNormalization' && ins[0] === current) {
      const bn = batchNorm(n, consts);
      g2 = bn && compose(compose(f, 'Mul', bn.scale, false) ?? f, 'Add', bn.offset, false);
    } else if (['Add', 'Sub', 'Mul', 'Div'].includes(op) && ins.length === 2 && ins.includes(current) && ins[0] !== ins[1]) {
      const constantFirst = ins[0] !== current;
      const k = triple(consts.get(constantFirst ? ins[0] : ins[1])?.values);
      g2 = k && compose(f, op, k, constantFirst);
    }
    if (g2 === undefined) break;
    if (g2 !== f) changed = true;
    f = g2;
    result.ops.push(op);
    current = n.output?.[0] ?? '';
  }
  if (changed) result.affine = f;
  return result;
}

/**
 * What the graph's output holds: the op that makes `output`, looked for through ops that only move
 * values (Reshape, Flatten, Squeeze …): Softmax (or com.microsoft's QLinearSoftmax) →
 * `'probabilities'`, LogSoftmax → `'log-probabilities'`, Sigmoid → `'sigmoid'`, else `'scores'`.
 */
export function outputKind(g: GraphProto, output: string): OutputKind {
  const producer = new Map<string, NodeProto>();
  for (const n of g.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  let name = output;
  for (let step = 0; step < MAX_STEPS; step++) {
    const n = producer.get(name);
    const op = n?.op_type ?? '';
    if (op === 'Softmax' || op === 'QLinearSoftmax') return 'probabilities';
    if (op === 'LogSoftmax') return 'log-probabilities';
    if (op === 'Sigmoid' || op === 'QLinearSigmoid') return 'sigmoid';
    if (!PASS_THROUGH.has(op) || !n?.input?.[0]) return 'scores';
    name = n.input[0];
  }
  return 'scores';
}
