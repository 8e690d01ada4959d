// SPDX-License-Identifier: MIT
/**
 * Builds the gradient model: the classifier's own graph, then its reverse-mode derivative written
 * as ordinary ONNX nodes (one backward rule per operator, ./rules), so that one onnxruntime run
 * gives both the scores and the gradient of Σ scores ⊙ w with respect to the image, where `w`
 * (`[N, K]`, a new input) picks a class per image (one-hot rows) or mixes classes.
 *
 * Two steps, because the rules need static shapes (ConvTranspose's output padding, the axes a
 * broadcast operand is summed over, Concat's split sizes): {@link planGradient} checks the model
 * and returns a probe model whose outputs are every value the backward pass touches, which the
 * caller runs once at batch 1 (./runner.ts does, through lib/model/session.ts), and
 * {@link buildGradientModel} writes the backward graph from those shapes. Only values that depend on
 * the image get gradients: weights, biases and anything computed from constants are skipped.
 *
 * @packageDocumentation
 */
import { decodeModel, encodeModel } from '../onnx/codec';
import { tensorDims, tensorValues } from '../onnx/tensor';
import { DataType, type ModelProto, type NodeProto, type ValueInfoProto } from '../onnx/types';
import { Emitter } from './emitter';
import type { RuleContext } from './rule';
import { NO_GRADIENT, QUANTIZED, RULES, SUPPORTED_OPERATORS } from './rules';

/** Options of {@link planGradient} and {@link buildGradientModel}. */
export interface GradientOptions {
  /** The output differentiated. Default: the model's first output. */
  outputName?: string;
  /**
   * Softmax over the classes appended before the weights (what the library applies to a model that
   * outputs logits), so the gradient is that of the probabilities. Default false.
   */
  softmax?: boolean;
  /**
   * An intermediate value (a node output on the image → output path) whose value and gradient
   * the gradient model also outputs, for Grad-CAM. Default none.
   */
  layer?: string;
  /**
   * Differentiate the logits: the input of a Softmax that computes the output (the model's own, and
   * the library's `softmax`), while the scores output stays the probabilities. Grad-CAM's y^c is the
   * score before the softmax. Default false.
   */
  logits?: boolean;
}

/** What {@link planGradient} found: the names and the probe. */
export interface GradientPlan {
  /** The image input. */
  inputName: string;
  /** Its element type: 'float32' or 'float64'. */
  inputType: 'float32' | 'float64';
  /** The output differentiated. */
  outputName: string;
  /** The model with every value the backward pass reads as an output: run it once at batch 1. */
  probe: Uint8Array;
  /** The values whose shapes {@link buildGradientModel} needs (the probe's extra outputs). */
  probeOutputs: string[];
  /**
   * The node outputs that depend on the image and reach the differentiated output, in graph order:
   * the values a {@link GradientOptions.layer} may name (their shapes are in the probe).
   */
  values: string[];
}

/** The built gradient model and its I/O names. */
export interface GradientModel {
  bytes: Uint8Array;
  /** Inputs: the image (the model's own input) and the class weights `[N, K]`. */
  inputs: { image: string; weights: string };
  /**
   * Outputs: the scores `[N, K]` (after the optional softmax) and the gradient (the image's shape);
   * with a {@link GradientOptions.layer}, that value and its gradient (the layer's shape).
   */
  outputs: { scores: string; gradient: string; activation?: string; layerGradient?: string };
  /** Number of classes K. */
  classes: number;
}

/** The default-domain opset a model imports. */
function defaultOpset(model: ModelProto): number {
  const entry = (model.opset_import ?? []).find((o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx');
  return entry?.version === undefined ? 0 : Number(entry.version);
}

const nodeName = (node: NodeProto, index: number) => `"${node.name !== undefined && node.name !== '' ? node.name : `#${index}`}"`;

/** The decoded model with the nodes on the image → output path (checked) and what depends on the image. */
interface Analysis {
  model: ModelProto;
  inputName: string;
  floatType: number;
  outputName: string;
  /** Values that depend on the image through differentiable operators. */
  depends: Set<string>;
  /** Indices (in graph order) of nodes between the image and the output. */
  path: number[];
  /** Values on the path whose gradient is needed (they reach the output). */
  needed: Set<string>;
}

function analyse(bytes: Uint8Array, options: GradientOptions): Analysis {
  const model = decodeModel(bytes);
  const graph = model.graph ?? {};
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  // Old IR versions list initializers among the inputs: the image is the one input that is not one.
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name));
  if (inputs.length !== 1)
    throw new RangeError(`gradients need a model with one input; this one has ${inputs.length} (${inputs.map((v) => v.name).join(', ')})`);
  const input = inputs[0] as ValueInfoProto;
  const inputName = input.name as string;
  const elem = input.type?.tensor_type?.elem_type;
  if (elem !== DataType.FLOAT && elem !== DataType.DOUBLE) {
    const name = Object.entries(DataType).find(([, v]) => v === elem)?.[0] ?? String(elem);
    throw new RangeError(`gradients need a float32 or float64 model; input "${inputName}" is ${name}`);
  }
  const outputName = options.outputName ?? graph.output?.[0]?.name;
  if (outputName === undefined || !(graph.output ?? []).some((o) => o.name === outputName))
    throw new RangeError(`the model has no output named "${String(outputName)}"`);

  const nodes = graph.node ?? [];
  const depends = new Set([inputName]);
  nodes.forEach((node) => {
    if (NO_GRADIENT.has(node.op_type ?? '') && (node.domain ?? '') === '') return;
    if ((node.input ?? []).some((name) => depends.has(name))) for (const out of node.output ?? []) depends.add(out);
  });
  const needed = new Set([outputName]);
  const path: number[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (!(node.output ?? []).some((o) => needed.has(o))) continue;
    if (!(node.input ?? []).some((name) => depends.has(name))) continue;
    path.push(i);
    for (const name of node.input ?? []) if (depends.has(name)) needed.add(name);
  }
  path.reverse();
  const unsupported = path.filter((i) => (nodes[i].domain ?? '') !== '' || RULES[nodes[i].op_type ?? ''] === undefined);
  if (unsupported.length > 0) {
    const i = unsupported[0];
    const node = nodes[i];
    const op = `${(node.domain ?? '') === '' ? '' : `${node.domain}.`}${node.op_type ?? '?'}`;
    const all = [...new Set(unsupported.map((j) => nodes[j].op_type ?? '?'))];
    const quantized = QUANTIZED.has(node.op_type ?? '');
    throw new RangeError(
      quantized
        ? `gradients need a float model: operator ${op} (node ${nodeName(node, i)}) is quantized; use the float32 version of the model`
        : `gradients: operator ${op} (node ${nodeName(node, i)}) is not supported` +
            (all.length > 1 ? ` (nor ${all.slice(1).join(', ')})` : '') +
            `; supported: ${SUPPORTED_OPERATORS.join(', ')}`,
    );
  }
  return { model, inputName, floatType: elem, outputName, depends, path, needed };
}

/** Outputs of path nodes that depend on the image and reach the output, in graph order. */
function layerValues(a: Analysis): string[] {
  const nodes = a.model.graph?.node ?? [];
  return a.path.flatMap((i) => (nodes[i].output ?? []).filter((o) => o !== '' && a.depends.has(o) && a.needed.has(o)));
}

/**
 * Checks that the model can be differentiated and makes the shape probe.
 *
 * @param bytes - the classifier's `.onnx` bytes (not changed).
 * @param options - see {@link GradientOptions} (defaults: first output, no softmax).
 * @throws RangeError naming the operator and the node for an operator without a backward rule,
 *   or for a quantized model (QuantizeLinear, QLinearConv …); RangeError for a model with
 *   several inputs or an input that is not float32/float64; Error for bytes that are not a model.
 */
export function planGradient(bytes: Uint8Array, options: GradientOptions = {}): GradientPlan {
  const a = analyse(bytes, options);
  const graph = a.model.graph ?? {};
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const names = new Set<string>();
  for (const i of a.path)
    for (const name of [...(graph.node?.[i].input ?? []), ...(graph.node?.[i].output ?? [])])
      if (name !== '' && name !== a.inputName && !initializers.has(name)) names.add(name);
  const probeOutputs = [...names];
  const known = new Set((graph.output ?? []).map((o) => o.name));
  graph.output = [...(graph.output ?? []), ...probeOutputs.filter((n) => !known.has(n)).map((name) => ({ name }))];
  return {
    inputName: a.inputName,
    inputType: a.floatType === DataType.DOUBLE ? 'float64' : 'float32',
    outputName: a.outputName,
    probe: encodeModel(a.model),
    probeOutputs,
    values: layerValues(a),
  };
}

/**
 * Builds the gradient model (see the file's header).
 *
 * @param bytes - the classifier's `.onnx` bytes (not changed).
 * @param shapes - the shapes of the plan's `probeOutputs` and of the image input, at batch 1.
 * @param options - as given to {@link planGradient}.
 * @throws as {@link planGradient}; RangeError naming the node when a rule meets attributes it
 *   does not support (weights computed from the image, batch-axis concat …).
 */
export function buildGradientModel(
  bytes: Uint8Array,
  shapes: ReadonlyMap<string, readonly number[]>,
  options: GradientOptions = {},
): GradientModel {
  const a = analyse(bytes, options);
  const model = a.model;
  const graph = model.graph ?? {};
  const nodes = graph.node ?? [];
  const initShapes = new Map((graph.initializer ?? []).map((t) => [t.name as string, tensorDims(t)]));
  const shapeOf = (name: string): number[] => {
    const s = shapes.get(name) ?? initShapes.get(name);
    if (s === undefined) throw new Error(`gradients: no shape for value "${name}" (it was not in the probe)`);
    return [...s];
  };
  const used = new Set<string>();
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.value_info ?? [])]) if (v.name) used.add(v.name);
  for (const t of graph.initializer ?? []) if (t.name) used.add(t.name);
  for (const n of nodes) for (const name of [n.name, ...(n.input ?? []), ...(n.output ?? [])]) if (name) used.add(name);
  const e = new Emitter(used, a.floatType, defaultOpset(model));

  // The seed: scores [N, K] (flattened, optionally softmaxed) and the gradient of Σ scores ⊙ w.
  const out = shapeOf(a.outputName);
  const classes = out.slice(1).reduce((x, y) => x * y, 1);
  const weights = e.fresh('weights');
  let scores = a.outputName;
  if (out.length !== 2) scores = e.op('Flatten', [a.outputName], { axis: 1 });
  let seed = weights;
  // With `logits`, the seed goes to the input of the model's final Softmax, if it has one.
  let seedAt = a.outputName;
  const producer = nodes.find((n) => (n.output ?? []).includes(a.outputName));
  if (
    options.logits === true &&
    producer?.op_type === 'Softmax' &&
    (producer.domain ?? '') === '' &&
    a.depends.has(producer.input?.[0] ?? '')
  )
    seedAt = producer.input?.[0] as string;
  if (options.softmax === true && options.logits !== true) {
    scores = e.op('Softmax', [scores], { axis: 1 });
    seed = e.op('Mul', [scores, e.op('Sub', [weights, e.reduceSum(e.op('Mul', [weights, scores]), [1])])]);
  }
  if (shapeOf(seedAt).length !== 2) seed = e.reshapeLike(seed, seedAt);
  if (scores === a.outputName) scores = e.op('Identity', [a.outputName]);

  const grads = new Map<string, string[]>([[seedAt, [seed]]]);
  const summed = new Map<string, string | undefined>();
  const gradOf = (name: string): string | undefined => {
    if (!summed.has(name)) {
      const terms = grads.get(name);
      summed.set(name, terms === undefined ? undefined : e.sum(terms));
    }
    return summed.get(name);
  };
  for (let p = a.path.length - 1; p >= 0; p--) {
    const index = a.path[p];
    const node = nodes[index];
    const outs = node.output ?? [];
    if (!outs.some((o) => gradOf(o) !== undefined)) continue;
    const ins = node.input ?? [];
    const context: RuleContext = {
      node,
      e,
      input: (i) => ins[i] ?? '',
      output: (k) => outs[k] ?? '',
      needs: (i) => ins[i] !== undefined && ins[i] !== '' && a.depends.has(ins[i]),
      dy: (k = 0) => (outs[k] === undefined || outs[k] === '' ? undefined : gradOf(outs[k])),
      shape: shapeOf,
      constantInts: (name) => {
        const t = (graph.initializer ?? []).find((x) => x.name === name);
        return t === undefined ? undefined : Array.from(tensorValues(t) as ArrayLike<number | bigint>, Number);
      },
      fail: (reason) => new RangeError(`gradients: operator ${node.op_type ?? '?'} (node ${nodeName(node, index)}): ${reason}`),
    };
    const rule = RULES[node.op_type ?? ''];
    // Rules read dy() of the first output as defined; only Split's other outputs are values too.
    if (node.op_type !== 'Split' && gradOf(outs[0]) === undefined) continue;
    const result = rule(context);
    result.forEach((g, i) => {
      if (g === undefined || !context.needs(i)) return;
      const list = grads.get(ins[i]) ?? [];
      list.push(g);
      grads.set(ins[i], list);
    });
  }
  const gradient = e.op('Identity', [gradOf(a.inputName) ?? e.zerosLike(a.inputName)]);
  const layer = options.layer;
  if (layer !== undefined && !layerValues(a).includes(layer))
    throw new RangeError(`gradients: layer "${layer}" is not a node output between the image and "${a.outputName}"`);
  // Identity nodes give the layer's value and gradient output names of their own.
  const activation = layer === undefined ? undefined : e.op('Identity', [layer]);
  const layerGradient = layer === undefined ? undefined : e.op('Identity', [gradOf(layer) ?? e.zerosLike(layer)]);

  const floatInfo = (name: string, dims: (number | string)[]): ValueInfoProto => ({
    name,
    type: {
      tensor_type: {
        elem_type: a.floatType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: BigInt(d) } : { dim_param: d })) },
      },
    },
  });
  const image = shapeOf(a.inputName);
  graph.input = [...(graph.input ?? []), floatInfo(weights, ['limeshap_batch', classes])];
  graph.output = [floatInfo(scores, ['limeshap_batch', classes]), floatInfo(gradient, ['limeshap_batch', ...image.slice(1)])];
  if (activation !== undefined && layerGradient !== undefined && layer !== undefined) {
    const dims = ['limeshap_batch', ...shapeOf(layer).slice(1)];
    graph.output.push(floatInfo(activation, dims), floatInfo(layerGradient, dims));
  }
  graph.node = [...nodes, ...e.nodes];
  graph.initializer = [...(graph.initializer ?? []), ...e.initializers];
  return {
    bytes: encodeModel(model),
    inputs: { image: a.inputName, weights },
    outputs: { scores, gradient, ...(activation === undefined ? {} : { activation, layerGradient }) },
    classes,
  };
}
