// SPDX-License-Identifier: MIT
/**
 * Writes the backward graph's nodes: fresh names that avoid the model's own, float constants in
 * the model's element type, and the few operators whose form changed between opsets (ReduceSum,
 * Split, Pad, Slice took attributes before they took inputs), written in the form the model's own
 * opset reads. The gradient model keeps the model's opset, because raising it would change what
 * the model's own nodes mean (Softmax's axis at 13, Clip's bounds at 11, ...).
 *
 * @packageDocumentation
 */
import { makeTensor } from '../onnx/tensor';
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from '../onnx/types';

/** An attribute value as the emitter takes it: numbers are ints unless marked `{ f }`. */
export type AttrValue = number | readonly number[] | { f: number } | string;

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: BigInt(v) };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v.map((x: number) => BigInt(x)) };
  return { name, type: AttributeType.FLOAT, f: (v as { f: number }).f };
}

/** Appends nodes and initializers for the backward graph. */
export class Emitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private count = 0;

  /**
   * @param used - every name the model uses (values, initializers, nodes); new names avoid them.
   * @param floatType - the model's float `DataType` (FLOAT or DOUBLE): the type of constants.
   * @param opset - the model's default-domain opset: the form of the operators written.
   */
  constructor(
    private readonly used: Set<string>,
    readonly floatType: number,
    readonly opset: number,
  ) {}

  /** A name no value, initializer or node of the graph has. */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_');
    let name = `limeshap_grad_${clean}`;
    for (let k = 1; this.used.has(name); k++) name = `limeshap_grad_${clean}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Writes one node; returns its output names (`outputs` of them, named after `op`). */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(`${op.toLowerCase()}_${this.count}`));
    this.nodes.push({
      input: [...inputs],
      output: out,
      name: this.fresh(`node_${this.count++}_${op}`),
      op_type: op,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** {@link node} with one output. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, attrs)[0];
  }

  /** A float constant of the model's element type. */
  float(values: readonly number[] | Float64Array, dims: readonly number[] = [values.length]): string {
    const name = this.fresh('const');
    const data = this.floatType === DataType.DOUBLE ? Float64Array.from(values) : Float32Array.from(values);
    this.initializers.push(makeTensor(name, this.floatType, dims, data));
    return name;
  }

  /** An int64 constant. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh('const_i64');
    this.initializers.push(
      makeTensor(
        name,
        DataType.INT64,
        dims,
        BigInt64Array.from(values, (v) => BigInt(v)),
      ),
    );
    return name;
  }

  /** `x` summed over `axes`, kept as size-1 dims. */
  reduceSum(x: string, axes: readonly number[]): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.int64(axes)], { keepdims: 1 });
    return this.op('ReduceSum', [x], { axes, keepdims: 1 });
  }

  /** `x` cut along `axis` into pieces of `sizes`. */
  split(x: string, axis: number, sizes: readonly number[]): string[] {
    if (this.opset >= 13) return this.node('Split', [x, this.int64(sizes)], { axis }, sizes.length);
    return this.node('Split', [x], { axis, split: sizes }, sizes.length);
  }

  /** `x[starts:ends]` on `axes`. */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[]): string {
    if (this.opset >= 10) return this.op('Slice', [x, this.int64(starts), this.int64(ends), this.int64(axes)]);
    return this.op('Slice', [x], { starts, ends, axes });
  }

  /** `x` padded by ONNX `pads` (all begins, then all ends) with the constant `value`. */
  pad(x: string, pads: readonly number[], value: number): string {
    if (pads.every((p) => p === 0)) return x;
    if (this.opset >= 11) return this.op('Pad', [x, this.int64(pads), this.float([value], [])], { mode: 'constant' });
    return this.op('Pad', [x], { mode: 'constant', pads, value: { f: value } });
  }

  /** `x` reshaped to the (runtime) shape of `like`. */
  reshapeLike(x: string, like: string): string {
    return this.op('Reshape', [x, this.op('Shape', [like])]);
  }

  /** Zeros of `like`'s shape. */
  zerosLike(like: string): string {
    return this.op('Mul', [like, this.float([0], [])]);
  }

  /** The sum of several gradients of one value. */
  sum(terms: readonly string[]): string {
    return terms.length === 1 ? terms[0] : this.op('Sum', terms);
  }
}
