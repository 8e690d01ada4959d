// SPDX-License-Identifier: MIT
/**
 * The model rewrite behind `compositing: 'graph'`: the perturbation is prepended to the classifier
 * as ONNX nodes, so each batch sends the masks (N × M bytes) instead of N composited images
 * (N × 3·H·W floats), and the execution provider composites at its own memory bandwidth.
 *
 * The rewritten graph takes four inputs in place of the image input (names in {@link GraphInputs}):
 * - `masks`, uint8 `[N, M]`: 1 keeps a segment, 0 hides it (LIME's and SHAP's coalitions as they are);
 * - `labels`, uint8 `[K, H·W]`: the segment of every pixel (row-major) as K little-endian byte
 *   planes (plane k holds byte k of each label; K = {@link labelByteCount}: 1 for up to 256 segments,
 *   2 for up to 65536), so a superpixel label map costs H·W bytes per run rather than int32's 4·H·W.
 *   One uint8 input of variable K rather than a uint8/uint16/int32 input per case: an ONNX input has
 *   one element type, and one rewritten model (one session) then serves every segment count. Gather
 *   takes int32/int64 indices only, so the graph widens the planes (Cast to int32) and adds them up
 *   (`p0 + 256·p1 + 65536·p2 + 16777216·p3`, missing planes read as zero) before its Gather;
 * - `image` and `background`, uint8 `[H, W, 3]`: the model-sized 8-bit RGB picture and what hidden
 *   segments show (LIME's `hide`, SHAP's `masker`), once per run.
 * and computes
 *   label[p]    = Σ_k labels[k, p] · 256^k                    (Cast, Concat zero planes, Gather, Mul, Add)
 *   pixel[n, p] = masks[n, label[p]]                         (Cast to bool, Gather on axis 1, Reshape)
 *   input[n]    = where(pixel[n], pre(image), pre(background)) (Where, broadcast over channels)
 * which feeds the original image input by its own name, so the rest of the graph is untouched.
 *
 * `pre` is the preprocessing as a lookup table, not as arithmetic: per pixel `pre` reorders the
 * channels (BGR: a Gather on the channel axis), looks up `lut[256·c + v]` (Cast, Add a per-channel
 * offset, Gather), and for NCHW transposes `[H, W, 3]` to `[3, H, W]`. The table holds
 * `float32(((double)v·scale − mean[c]) / std[c])` for the 256 values of each channel (rounded on to
 * float16 for a float16 model), the very values of the native kernel's table (native/perturb/
 * composite.h), and a select moves values without arithmetic, so the model sees bit for bit the
 * input the native kernel writes. That is why the design selects (Where) rather than blends
 * (`bg + mask·(img − bg)`): with a 0/1 mask the blend is the same function mathematically, and
 * compositing then preprocessing equals preprocessing then selecting because the preprocessing is a
 * per-pixel function of the pixel value alone; but in float32 `bg + (img − bg)` is not always `img`
 * (it is off by up to an ulp of max(|img|, |bg|)), and preprocessing in float32 arithmetic in the
 * graph (`x·scale − mean`) would round differently from the kernel's float64. The 8-bit pictures
 * are also a quarter of the bytes of preprocessed float32 planes.
 *
 * With default-domain opset >= 9 the select is one Where node; opsets 7 and 8 (no Where; e.g. the
 * SqueezeNet 1.1 of the ONNX model zoo) get `m·img + (1 − m)·bg`, which with m in {0, 1} is exact
 * as well (up to the sign of a zero) as long as every table value is finite: 0·Inf is NaN where the
 * native kernel writes Inf. A table with a non-finite value (a tiny `std`, or float16 overflow:
 * scale 1 and std 0.001 give 255000, Inf in float16) is therefore refused at those opsets with a
 * RangeError naming `preprocess`. Older opsets (no multidirectional broadcasting) are refused with a
 * RangeError naming `compositing`.
 *
 * @packageDocumentation
 */
import { float32ToFloat16 } from '../preprocess';
import { decodeModel, encodeModel } from './codec';
import { makeTensor } from './tensor';
import { AttributeType, DataType, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from './types';

/** What the rewrite needs to know of the model input and the preprocessing. */
export interface CompositingGraphSpec {
  /** Name of the model's image input (replaced by the composited value of the same name). */
  inputName: string;
  /** Element type of that input. */
  inputType: 'float32' | 'float16';
  layout: 'nchw' | 'nhwc';
  height: number;
  width: number;
  channels: 'rgb' | 'bgr';
  scale: number;
  /** Per tensor channel. */
  mean: readonly [number, number, number];
  /** Per tensor channel. */
  std: readonly [number, number, number];
}

/** The input names of a rewritten model (prefixed, made unique against the model's own names). */
export interface GraphInputs {
  masks: string;
  labels: string;
  image: string;
  background: string;
}

/** The first default-domain opset whose Cast, Gather, Reshape and broadcasting Mul/Add the prepended nodes can use. */
export const MIN_COMPOSITING_OPSET = 7;

/** From this opset on, the select is one Where node; below it, the exact arithmetic form. */
const WHERE_OPSET = 9;

/** Most byte planes of the `labels` input: int32 labels (segments < 2^31) fit in 4. */
const MAX_LABEL_PLANES = 4;

/**
 * Bytes per pixel of the `labels` input for a label map of `segments` segments (labels in
 * [0, segments)): 1 up to 256 segments, 2 up to 65536, 3 up to 2^24, else 4.
 */
export function labelByteCount(segments: number): number {
  let k = 1;
  while (k < MAX_LABEL_PLANES && segments > 256 ** k) k++;
  return k;
}

/**
 * The `labels` input for a label map: `labelByteCount(segments)` planes of H·W bytes, plane k
 * holding byte k of each label (little-endian). Labels must be in [0, segments).
 */
export function labelPlanes(labels: ArrayLike<number>, segments: number): Uint8Array {
  const k = labelByteCount(segments);
  const n = labels.length;
  const out = new Uint8Array(k * n);
  for (let p = 0; p < n; p++) {
    let v = labels[p];
    for (let j = 0; j < k; j++, v >>>= 8) out[j * n + p] = v & 255;
  }
  return out;
}

/** Whether a table entry (float32 value, or float16 bits) is finite. */
function finiteEntry(lut: Float32Array | Uint16Array, i: number): boolean {
  return lut instanceof Float32Array ? Number.isFinite(lut[i]) : (lut[i] & 0x7c00) !== 0x7c00;
}

/**
 * The preprocessing table: `lut[256·c + v]` is tensor channel c's value for 8-bit value v, computed
 * as the native kernel does (float64, rounded once to float32; then to float16 for a float16 model).
 */
export function preprocessTable(spec: Pick<CompositingGraphSpec, 'inputType' | 'scale' | 'mean' | 'std'>): Float32Array | Uint16Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[256 * c + v] = (v * spec.scale - spec.mean[c]) / spec.std[c];
  return spec.inputType === 'float16' ? float32ToFloat16(lut) : lut;
}

function attrInt(name: string, value: number) {
  return { name, type: AttributeType.INT, i: BigInt(value) };
}

function attrInts(name: string, values: readonly number[]) {
  return { name, type: AttributeType.INTS, ints: values.map((v) => BigInt(v)) };
}

function tensorInput(name: string, elemType: number, dims: readonly (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: BigInt(d) } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

/** Every name the graph already uses (values, initializers, nodes), so new names can avoid them. */
function usedNames(graph: GraphProto): Set<string> {
  const used = new Set<string>();
  const add = (n: string | undefined) => n !== undefined && used.add(n);
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.value_info ?? [])]) add(v.name);
  for (const t of graph.initializer ?? []) add(t.name);
  for (const node of graph.node ?? []) {
    add(node.name);
    node.input?.forEach(add);
    node.output?.forEach(add);
  }
  return used;
}

/** The default-domain opset a model imports (`''` and `'ai.onnx'` are the same domain). */
function defaultOpset(model: { opset_import?: { domain?: string; version?: bigint }[] }): number {
  const entry = (model.opset_import ?? []).find((o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx');
  return entry?.version === undefined ? 0 : Number(entry.version);
}

/**
 * Rewrites classifier bytes so the perturbation is composited inside the graph (see the file's
 * header for the nodes and why).
 *
 * @param bytes - the model's `.onnx` bytes (not changed).
 * @param spec - its image input and the preprocessing in force.
 * @returns the rewritten bytes and the names of the four new inputs.
 * @throws RangeError naming `compositing` when the model has no input `spec.inputName` or imports a
 *   default-domain opset below {@link MIN_COMPOSITING_OPSET}; RangeError naming `preprocess` when a
 *   model below opset 9 would get a non-finite table value (see the file's header).
 */
export function prependCompositing(bytes: Uint8Array, spec: CompositingGraphSpec): { bytes: Uint8Array; inputs: GraphInputs } {
  const model = decodeModel(bytes);
  const graph = model.graph ?? {};
  const opset = defaultOpset(model);
  if (opset < MIN_COMPOSITING_OPSET)
    throw new RangeError(
      `compositing 'graph' needs a model of opset ${MIN_COMPOSITING_OPSET} or newer (broadcasting Mul/Add); this model imports opset ${opset}: use compositing 'native'`,
    );
  const at = (graph.input ?? []).findIndex((v) => v.name === spec.inputName);
  if (at < 0) throw new RangeError(`compositing 'graph': the model has no input named "${spec.inputName}"`);

  const used = usedNames(graph);
  const fresh = (base: string): string => {
    let name = `limeshap_${base}`;
    for (let k = 1; used.has(name); k++) name = `limeshap_${base}_${k}`;
    used.add(name);
    return name;
  };
  const inputs: GraphInputs = { masks: fresh('masks'), labels: fresh('labels'), image: fresh('image'), background: fresh('background') };
  const { height: H, width: W } = spec;
  const valueType = spec.inputType === 'float16' ? DataType.FLOAT16 : DataType.FLOAT;
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const node = (op: string, input: string[], output: string, attribute: NodeProto['attribute'] = []) =>
    nodes.push({ input, output: [output], name: fresh(`${op.toLowerCase()}_${nodes.length}`), op_type: op, attribute });
  const constant = (
    base: string,
    dataType: number,
    values: Int32Array | BigInt64Array | Float32Array | Uint16Array,
    dims: readonly number[] = [values.length],
  ) => {
    const name = fresh(base);
    initializers.push(makeTensor(name, dataType, dims, values));
    return name;
  };

  const table = preprocessTable(spec);
  if (opset < WHERE_OPSET)
    for (let i = 0; i < table.length; i++)
      if (!finiteEntry(table, i)) {
        const [c, v] = [Math.floor(i / 256), i % 256];
        throw new RangeError(
          `compositing 'graph' on a model of opset ${opset} (no Where: the select is m·img + (1 − m)·bg) needs finite preprocessed values, ` +
            `but preprocess (scale ${spec.scale}, mean ${spec.mean[c]}, std ${spec.std[c]}) maps value ${v} of channel ${c} to ` +
            `${spec.inputType === 'float16' ? 'a non-finite float16' : 'a non-finite float32'} (0·Inf would be NaN): ` +
            `use a larger std or compositing 'native'`,
        );
      }
  const lut = constant('lut', valueType, table);
  const offsets = constant('channel_offsets', DataType.INT32, Int32Array.of(0, 256, 512));
  const bgrOrder = spec.channels === 'bgr' ? constant('bgr_order', DataType.INT32, Int32Array.of(2, 1, 0)) : undefined;
  /** pre(picture): the uint8 [H, W, 3] input preprocessed to [3, H, W] (NCHW) or [H, W, 3] (NHWC). */
  const preprocessed = (picture: string): string => {
    let x = picture;
    if (bgrOrder !== undefined) {
      node('Gather', [x, bgrOrder], fresh(`${picture}_bgr`), [attrInt('axis', 2)]);
      x = nodes[nodes.length - 1].output![0];
    }
    const wide = fresh(`${picture}_i32`);
    node('Cast', [x], wide, [attrInt('to', DataType.INT32)]);
    const index = fresh(`${picture}_index`);
    node('Add', [wide, offsets], index);
    const hwc = fresh(`${picture}_hwc`);
    node('Gather', [lut, index], hwc, [attrInt('axis', 0)]);
    if (spec.layout === 'nhwc') return hwc;
    const chw = fresh(`${picture}_chw`);
    node('Transpose', [hwc], chw, [attrInts('perm', [2, 0, 1])]);
    return chw;
  };
  const image = preprocessed(inputs.image);
  const background = preprocessed(inputs.background);

  // The label of each pixel from its K byte planes: widen, pad with zero planes so that planes 0..3
  // exist whatever K is (zeros made from the input itself, so no H·W initializer), add them up.
  const planes = fresh('label_planes');
  node('Cast', [inputs.labels], planes, [attrInt('to', DataType.INT32)]);
  const zeros = fresh('label_zeros');
  node('Sub', [planes, planes], zeros);
  const padded = fresh('label_planes_padded');
  node('Concat', [planes, ...Array<string>(MAX_LABEL_PLANES - 1).fill(zeros)], padded, [attrInt('axis', 0)]);
  let label = '';
  for (let k = 0; k < MAX_LABEL_PLANES; k++) {
    const plane = fresh(`label_plane_${k}`);
    node('Gather', [padded, constant(`plane_index_${k}`, DataType.INT32, Int32Array.of(k))], plane, [attrInt('axis', 0)]);
    let term = plane;
    if (k > 0) {
      term = fresh(`label_term_${k}`);
      node('Mul', [plane, constant(`plane_weight_${k}`, DataType.INT32, Int32Array.of(256 ** k), [])], term);
    }
    if (k === 0) label = term;
    else {
      const sum = fresh(`label_sum_${k}`);
      node('Add', [label, term], sum);
      label = sum;
    }
  }
  // label is [1, H·W]; the Gather below gives [N, 1, H·W], which the Reshape makes an image.
  const keep = fresh('keep');
  node('Cast', [inputs.masks], keep, [attrInt('to', DataType.BOOL)]);
  const pixelKeep = fresh('pixel_keep');
  node('Gather', [keep, label], pixelKeep, [attrInt('axis', 1)]);
  const shape = constant(
    'mask_shape',
    DataType.INT64,
    BigInt64Array.from(spec.layout === 'nchw' ? [-1n, 1n, BigInt(H), BigInt(W)] : [-1n, BigInt(H), BigInt(W), 1n]),
  );
  const condition = fresh('condition');
  node('Reshape', [pixelKeep, shape], condition);
  // The select writes the original input's name: every node that read the image now reads this.
  if (opset >= WHERE_OPSET) {
    node('Where', [condition, image, background], spec.inputName);
  } else {
    // Before opset 9 there is no Where: m·img + (1 − m)·bg with m in {0, 1} selects exactly too
    // (x·1 = x, x·0 = ±0, x + ±0 = x for finite x; only the sign of a zero can differ).
    const m = fresh('keep_values');
    node('Cast', [condition], m, [attrInt('to', valueType)]);
    const one = constant('one', valueType, spec.inputType === 'float16' ? Uint16Array.of(0x3c00) : Float32Array.of(1));
    const notM = fresh('hide_values');
    node('Sub', [one, m], notM);
    const kept = fresh('kept');
    node('Mul', [m, image], kept);
    const hidden = fresh('hidden');
    node('Mul', [notM, background], hidden);
    node('Add', [kept, hidden], spec.inputName);
  }

  graph.input = [
    ...(graph.input ?? []).slice(0, at),
    tensorInput(inputs.masks, DataType.UINT8, ['limeshap_samples', 'limeshap_segments']),
    tensorInput(inputs.labels, DataType.UINT8, ['limeshap_label_bytes', H * W]),
    tensorInput(inputs.image, DataType.UINT8, [H, W, 3]),
    tensorInput(inputs.background, DataType.UINT8, [H, W, 3]),
    ...(graph.input ?? []).slice(at + 1),
  ];
  graph.initializer = [...(graph.initializer ?? []), ...initializers];
  // ONNX wants nodes in topological order: the new ones come first, the model's own after.
  graph.node = [...nodes, ...(graph.node ?? [])];
  model.graph = graph;
  return { bytes: encodeModel(model), inputs };
}
