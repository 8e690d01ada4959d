// SPDX-License-Identifier: MIT
/**
 * A plain float64 evaluator of ONNX graphs, written from the operator specs, for the gradient
 * tests' finite differences: onnxruntime runs Conv, ConvTranspose and pooling in float32 only, and
 * float32 differences through a deep network are lost in rounding before the step is small enough
 * to miss its ReLU kinks. In float64 a step of 1e-6 does both. It knows the operators of the test
 * models and of SqueezeNet 1.1 (Conv, MaxPool, AveragePool, GlobalAveragePool, Relu, Clip,
 * Sigmoid, BatchNormalization, Concat, Dropout, Softmax, Flatten, Add, Mul, Sub with broadcasting, and the
 * activations LeakyRelu, HardSigmoid, HardSwish, Neg, Sum, GlobalMaxPool),
 * and nothing else: it is a truth for tests, not an engine (naive loops, one image at a time).
 *
 * @packageDocumentation
 */
import { decodeModel, tensorDims, tensorValues, type NodeProto } from '../../lib/onnx';

interface T {
  dims: number[];
  data: Float64Array;
}

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function ints(node: NodeProto, name: string, fallback: number[]): number[] {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.ints === undefined ? fallback : a.ints.map(Number);
}
function int(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.i === undefined ? fallback : Number(a.i);
}
function float(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.f === undefined ? fallback : a.f;
}

/** Multidirectional broadcasting of a binary function. */
function broadcast(a: T, b: T, f: (x: number, y: number) => number): T {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const dims = da.map((x, i) => Math.max(x, db[i]));
  const out = new Float64Array(size(dims));
  const strides = (d: number[]) => {
    const s = Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = rank - 1; i >= 0; i--) {
      s[i] = d[i] === 1 ? 0 : acc;
      acc *= d[i];
    }
    return s;
  };
  const sa = strides(da);
  const sb = strides(db);
  for (let p = 0; p < out.length; p++) {
    let rest = p;
    let ia = 0;
    let ib = 0;
    for (let i = rank - 1; i >= 0; i--) {
      const c = rest % dims[i];
      rest = Math.floor(rest / dims[i]);
      ia += c * sa[i];
      ib += c * sb[i];
    }
    out[p] = f(a.data[ia], b.data[ib]);
  }
  return { dims, data: out };
}

/** Explicit pads of a 2-D window node (auto_pad is not used by the test models). */
function window(node: NodeProto, kernel: number[]) {
  return {
    strides: ints(node, 'strides', [1, 1]),
    dilations: ints(node, 'dilations', [1, 1]),
    pads: ints(node, 'pads', [0, 0, 0, 0]),
    kernel,
  };
}

function outSize(inSize: number, k: number, s: number, d: number, p0: number, p1: number, ceil: boolean): number {
  const span = inSize + p0 + p1 - ((k - 1) * d + 1);
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // A ceil_mode window must start inside the input or its leading padding.
  if (ceil && (o - 1) * s >= inSize + p0) o--;
  return o;
}

function conv(node: NodeProto, x: T, w: T, b: T | undefined): T {
  const [n, c, h, wd] = x.dims;
  const [m, cg, kh, kw] = w.dims;
  const g = int(node, 'group', 1);
  const { strides, dilations, pads } = window(node, [kh, kw]);
  const oh = outSize(h, kh, strides[0], dilations[0], pads[0], pads[2], false);
  const ow = outSize(wd, kw, strides[1], dilations[1], pads[1], pads[3], false);
  const out = new Float64Array(n * m * oh * ow);
  const mg = m / g;
  for (let i = 0; i < n; i++)
    for (let o = 0; o < m; o++) {
      const group = Math.floor(o / mg);
      const base = (i * m + o) * oh * ow;
      if (b !== undefined) out.fill(b.data[o], base, base + oh * ow);
      for (let ci = 0; ci < cg; ci++) {
        const xc = (i * c + group * cg + ci) * h * wd;
        for (let a = 0; a < kh; a++)
          for (let e = 0; e < kw; e++) {
            const wv = w.data[((o * cg + ci) * kh + a) * kw + e];
            if (wv === 0) continue;
            for (let y = 0; y < oh; y++) {
              const yy = y * strides[0] - pads[0] + a * dilations[0];
              if (yy < 0 || yy >= h) continue;
              const row = xc + yy * wd;
              const orow = base + y * ow;
              for (let z = 0; z < ow; z++) {
                const xx = z * strides[1] - pads[1] + e * dilations[1];
                if (xx >= 0 && xx < wd) out[orow + z] += wv * x.data[row + xx];
              }
            }
          }
      }
    }
  return { dims: [n, m, oh, ow], data: out };
}

function pool(node: NodeProto, x: T, kind: 'max' | 'avg'): T {
  const [n, c, h, wd] = x.dims;
  const kernel = ints(node, 'kernel_shape', []);
  const { strides, dilations, pads } = window(node, kernel);
  const ceil = int(node, 'ceil_mode', 0) !== 0;
  const includePad = int(node, 'count_include_pad', 0) !== 0;
  const oh = outSize(h, kernel[0], strides[0], dilations[0], pads[0], pads[2], ceil);
  const ow = outSize(wd, kernel[1], strides[1], dilations[1], pads[1], pads[3], ceil);
  const out = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++) {
        let best = -Infinity;
        let sum = 0;
        let count = 0;
        for (let a = 0; a < kernel[0]; a++)
          for (let e = 0; e < kernel[1]; e++) {
            const yy = y * strides[0] - pads[0] + a * dilations[0];
            const xx = z * strides[1] - pads[1] + e * dilations[1];
            const inside = yy >= 0 && yy < h && xx >= 0 && xx < wd;
            const inPadded = yy >= -pads[0] && yy < h + pads[2] && xx >= -pads[1] && xx < wd + pads[3];
            if (inside) {
              const v = x.data[(p * h + yy) * wd + xx];
              best = Math.max(best, v);
              sum += v;
            }
            if (includePad ? inPadded : inside) count++;
          }
        out[(p * oh + y) * ow + z] = kind === 'max' ? best : sum / count;
      }
  return { dims: [n, c, oh, ow], data: out };
}

function softmax(x: T, axis: number, opset: number): T {
  const rank = x.dims.length;
  const a = axis < 0 ? axis + rank : axis;
  // Before opset 13 the input is coerced to 2-D at axis; from 13, the one axis.
  const inner = opset < 13 ? size(x.dims.slice(a)) : x.dims[a];
  const stride = opset < 13 ? 1 : size(x.dims.slice(a + 1));
  const out = new Float64Array(x.data.length);
  const outer = x.data.length / (inner * stride);
  for (let o = 0; o < outer; o++)
    for (let s = 0; s < stride; s++) {
      const at = (k: number) => o * inner * stride + k * stride + s;
      let max = -Infinity;
      for (let k = 0; k < inner; k++) max = Math.max(max, x.data[at(k)]);
      let sum = 0;
      for (let k = 0; k < inner; k++) sum += Math.exp(x.data[at(k)] - max);
      for (let k = 0; k < inner; k++) out[at(k)] = Math.exp(x.data[at(k)] - max) / sum;
    }
  return { dims: [...x.dims], data: out };
}

function concat(parts: T[], axis: number): T {
  const rank = parts[0].dims.length;
  const a = axis < 0 ? axis + rank : axis;
  const dims = [...parts[0].dims];
  dims[a] = parts.reduce((s, p) => s + p.dims[a], 0);
  const outer = size(dims.slice(0, a));
  const out = new Float64Array(size(dims));
  let at = 0;
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const len = size(p.dims.slice(a));
      out.set(p.data.subarray(o * len, (o + 1) * len), at);
      at += len;
    }
  return { dims, data: out };
}

const map = (x: T, f: (v: number) => number): T => ({ dims: [...x.dims], data: x.data.map(f) });

/** A float64 evaluator of one ONNX model (see the file's header). */
export class Float64Model {
  private readonly graph;
  private readonly constants = new Map<string, T>();
  private readonly opset: number;

  constructor(bytes: Uint8Array) {
    const model = decodeModel(bytes);
    this.graph = model.graph ?? {};
    this.opset = Number(model.opset_import?.find((o) => (o.domain ?? '') === '')?.version ?? 0);
    for (const t of this.graph.initializer ?? []) {
      const v = tensorValues(t);
      this.constants.set(t.name as string, {
        dims: tensorDims(t),
        data: Float64Array.from(v as ArrayLike<number>, (x) => Number(x)),
      });
    }
  }

  /** The first output of the model for one input of `dims`, in float64. */
  run(input: ArrayLike<number>, dims: number[]): Float64Array {
    const values = new Map(this.constants);
    const inputName = (this.graph.input ?? []).find((v) => !this.constants.has(v.name as string))?.name as string;
    values.set(inputName, { dims, data: Float64Array.from(input) });
    for (const node of this.graph.node ?? []) {
      const ins = (node.input ?? []).map((n) => (n === '' ? undefined : values.get(n)));
      const x = ins[0] as T;
      let y: T;
      switch (node.op_type) {
        case 'Conv':
          y = conv(node, x, ins[1] as T, ins[2]);
          break;
        case 'MaxPool':
          y = pool(node, x, 'max');
          break;
        case 'AveragePool':
          y = pool(node, x, 'avg');
          break;
        case 'GlobalAveragePool': {
          const [n, c] = x.dims;
          const hw = size(x.dims.slice(2));
          const data = new Float64Array(n * c);
          for (let p = 0; p < n * c; p++) for (let q = 0; q < hw; q++) data[p] += x.data[p * hw + q] / hw;
          y = { dims: [n, c, ...x.dims.slice(2).map(() => 1)], data };
          break;
        }
        case 'GlobalMaxPool': {
          const [n, c] = x.dims;
          const hw = size(x.dims.slice(2));
          const data = new Float64Array(n * c).fill(-Infinity);
          for (let p = 0; p < n * c; p++) for (let q = 0; q < hw; q++) data[p] = Math.max(data[p], x.data[p * hw + q]);
          y = { dims: [n, c, ...x.dims.slice(2).map(() => 1)], data };
          break;
        }
        case 'LeakyRelu': {
          const alpha = float(node, 'alpha', 0.01);
          y = map(x, (v) => (v > 0 ? v : alpha * v));
          break;
        }
        case 'HardSigmoid': {
          const [alpha, beta] = [float(node, 'alpha', 0.2), float(node, 'beta', 0.5)];
          y = map(x, (v) => Math.min(1, Math.max(0, alpha * v + beta)));
          break;
        }
        case 'HardSwish':
          y = map(x, (v) => v * Math.min(1, Math.max(0, v / 6 + 0.5)));
          break;
        case 'Neg':
          y = map(x, (v) => -v);
          break;
        case 'Sum':
          y = (ins as T[]).slice(1).reduce((acc, t) => broadcast(acc, t, (a, b) => a + b), x);
          break;
        case 'Relu':
          y = map(x, (v) => Math.max(v, 0));
          break;
        case 'Sigmoid':
          y = map(x, (v) => 1 / (1 + Math.exp(-v)));
          break;
        case 'Clip': {
          const lo = ins[1]?.data[0] ?? -Infinity;
          const hi = ins[2]?.data[0] ?? Infinity;
          y = map(x, (v) => Math.min(Math.max(v, lo), hi));
          break;
        }
        case 'BatchNormalization': {
          const [scale, bias, mean, variance] = ins.slice(1) as T[];
          const eps = float(node, 'epsilon', 1e-5);
          const hw = size(x.dims.slice(2));
          const c = x.dims[1];
          y = { dims: [...x.dims], data: x.data.slice() };
          for (let p = 0; p < y.data.length; p++) {
            const ch = Math.floor(p / hw) % c;
            y.data[p] = ((x.data[p] - mean.data[ch]) / Math.sqrt(variance.data[ch] + eps)) * scale.data[ch] + bias.data[ch];
          }
          break;
        }
        case 'Concat':
          y = concat(ins as T[], int(node, 'axis', 1));
          break;
        case 'Dropout':
        case 'Identity':
          y = x;
          break;
        case 'Softmax':
          y = softmax(x, int(node, 'axis', this.opset < 13 ? 1 : -1), this.opset);
          break;
        case 'Flatten': {
          const axis = int(node, 'axis', 1);
          y = { dims: [size(x.dims.slice(0, axis)), size(x.dims.slice(axis))], data: x.data };
          break;
        }
        case 'Add':
          y = broadcast(x, ins[1] as T, (a, b) => a + b);
          break;
        case 'Sub':
          y = broadcast(x, ins[1] as T, (a, b) => a - b);
          break;
        case 'Mul':
          y = broadcast(x, ins[1] as T, (a, b) => a * b);
          break;
        default:
          throw new Error(`Float64Model: no ${node.op_type}`);
      }
      values.set((node.output ?? [])[0], y);
    }
    return (values.get(this.graph.output?.[0]?.name as string) as T).data;
  }
}
