// SPDX-License-Identifier: MIT
/**
 * Which preprocessing a model most likely expects, and why: the evidence in the file, strongest
 * first — image metadata the ONNX spec defines (`Image.BitmapPixelFormat`, `Image.NominalPixelRange`),
 * normalisation the graph does itself, the range a quantized input can hold, then weaker hints
 * (the producer, a 299×299 input), and last the most common convention.
 */
import { PRESETS, type PreprocessOptions, type PreprocessPreset, type PreprocessSpec } from '../preprocess';
import type { InputOps } from './graph';

/** How sure a suggestion is: read from the model's own numbers or metadata, from a convention of its producer, or a default. */
export type Confidence = 'high' | 'medium' | 'low';

/** A suggested preprocessing. */
export interface PreprocessSuggestion {
  /** The preset to name (`--preset` on the command line), when one fits the model as it is. */
  preset: PreprocessPreset | undefined;
  /** What to pass as `preprocess`: the preset's name, or a custom object when no preset fits. */
  preprocess: PreprocessSpec;
  confidence: Confidence;
  /** The evidence, one sentence each, strongest first. */
  reasons: string[];
}

/** What {@link suggestPreprocess} reads of the model. */
export interface SuggestInput {
  producer: string | undefined;
  graphName: string | undefined;
  metadata: Record<string, string>;
  layout: 'nchw' | 'nhwc';
  /** Fixed input height and width (undefined when dynamic). */
  height: number | undefined;
  width: number | undefined;
  ops: InputOps;
}

/** The range of values a preset feeds the model, over all channels: `(0·scale − mean)/std … (255·scale − mean)/std`. */
export function presetRange(name: PreprocessPreset): [number, number] {
  const p = PRESETS[name];
  let lo = Infinity,
    hi = -Infinity;
  for (let c = 0; c < 3; c++) {
    for (const pixel of [0, 255]) {
      const v = (pixel * p.scale - p.mean[c]) / p.std[c];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return [lo, hi];
}

const fmt = (v: number) => String(Number(v.toPrecision(3)));
const rangeText = ([lo, hi]: readonly [number, number]) => `[${fmt(lo)}, ${fmt(hi)}]`;

/** The channels/scale/mean/std values of a spec, to compare with the presets. */
type Values = Required<Pick<PreprocessOptions, 'channels' | 'scale'>> & { mean: number; std: number };

/** The preset whose values these are (channels, scale, no mean, no std), if any. */
function presetOf(v: Values): PreprocessPreset | undefined {
  for (const [name, p] of Object.entries(PRESETS) as [PreprocessPreset, (typeof PRESETS)[PreprocessPreset]][]) {
    const same = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
    if (p.channels === v.channels && same(p.scale, v.scale) && p.mean.every((m) => same(m, v.mean)) && p.std.every((s) => same(s, v.std)))
      return name;
  }
  return undefined;
}

/**
 * A suggestion from a preset's name or custom values, with the model's fixed size: a preset whose
 * own size differs from the model's becomes `{ preset, size }` (the library form; `--preset` alone
 * would be refused for the size).
 */
function make(base: PreprocessPreset | Values, m: SuggestInput, confidence: Confidence, reasons: string[]): PreprocessSuggestion {
  const name = typeof base === 'string' ? base : presetOf(base);
  const fixed = m.height !== undefined && m.width !== undefined ? ([m.height, m.width] as [number, number]) : undefined;
  if (name !== undefined) {
    const fits = fixed === undefined || (fixed[0] === PRESETS[name].size && fixed[1] === PRESETS[name].size);
    if (fits) return { preset: name, preprocess: name, confidence, reasons };
    return { preset: undefined, preprocess: { preset: name, size: fixed[0] === fixed[1] ? fixed[0] : fixed }, confidence, reasons };
  }
  const v = base as Values;
  const spec: PreprocessOptions = { channels: v.channels, scale: v.scale, mean: v.mean, std: v.std };
  if (fixed === undefined) spec.size = 224;
  return { preset: undefined, preprocess: spec, confidence, reasons };
}

/** Metadata keys and values are case-insensitive (ONNX docs/MetadataProps.md). */
function meta(m: Record<string, string>, key: string): string | undefined {
  const k = Object.keys(m).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : m[k].trim().toLowerCase();
}

/** Producers whose models come from Caffe or Caffe2 (trained on BGR pixels 0..255). */
const CAFFE = /caffe/i;
/** PyTorch exports: the producer, or the graph names its exporter gives (`torch-jit-export`, `main_graph`). */
function fromPytorch(m: SuggestInput): boolean {
  return /pytorch|torch/i.test(m.producer ?? '') || /^(torch[-_]jit[-_]export|torch_jit|main_graph)$/i.test(m.graphName ?? '');
}

/**
 * Suggests the preprocessing for a model from what its file shows (see the module comment for the
 * order of the evidence).
 * @param m - the facts read from the model (lib/inspect/index.ts gathers them).
 * @returns the suggestion with its confidence and reasons.
 */
export function suggestPreprocess(m: SuggestInput): PreprocessSuggestion {
  const format = meta(m.metadata, 'Image.BitmapPixelFormat');
  const range = meta(m.metadata, 'Image.NominalPixelRange');
  if (format !== undefined || range !== undefined) {
    const channels = format?.startsWith('bgr') ? 'bgr' : 'rgb';
    const reasons = [`metadata Image.BitmapPixelFormat=${format ?? '(none: RGB assumed)'}, Image.NominalPixelRange=${range ?? '(none)'}`];
    if (range === 'normalized_0_1') return make({ channels, scale: 1 / 255, mean: 0, std: 1 }, m, 'high', reasons);
    if (range === 'normalized_1_1') return make({ channels, scale: 1 / 127.5, mean: 1, std: 1 }, m, 'high', reasons);
    if (range === 'nominalrange_16_235') reasons.push('NominalRange_16_235 (video range) is not offered: 0..255 is the nearest');
    // NominalRange_0_255, or no range given: Windows ML's default is 0..255.
    return make({ channels, scale: 1, mean: 0, std: 1 }, m, 'high', reasons);
  }

  const { affine, quantizedRange } = m.ops;
  if (affine !== undefined) {
    // What the graph does to its input is the normalisation; the input is then raw pixels. Which
    // range: dividing by 10 or more (x/255, x/127.5, /(255·std)) or subtracting means above 10
    // (Caffe's BGR means) means 0..255; otherwise the graph expects 0..1.
    const maxScale = Math.max(...affine.scale.map(Math.abs));
    const maxOffset = Math.max(...affine.offset.map(Math.abs));
    const raw = maxScale < 0.1 || maxOffset > 10;
    const [o0, , o2] = affine.offset.map(Math.abs);
    // ImageNet's mean is largest in red and smallest in blue, so per-channel means that shrink
    // along the tensor's channels say RGB and means that grow say BGR.
    const channels = o2 > o0 * 1.01 ? 'bgr' : 'rgb';
    const text = affine.scale.map((s, c) => `${fmt(s)}·x${affine.offset[c] >= 0 ? '+' : '−'}${fmt(Math.abs(affine.offset[c]))}`);
    const reasons = [
      `the graph normalises its input itself (${m.ops.ops.join(' → ')} at the input: ${text.join(', ')} per channel), so it takes ` +
        `unnormalised pixels in ${raw ? '0..255' : '0..1'}; a preset that normalises again would feed it wrong values`,
    ];
    if (o0 !== o2) reasons.push(`channel order ${channels.toUpperCase()}, from the per-channel means (ImageNet's red mean is the largest)`);
    return make({ channels, scale: raw ? 1 : 1 / 255, mean: 0, std: 1 }, m, 'high', reasons);
  }

  if (quantizedRange !== undefined) {
    const [qlo, qhi] = quantizedRange;
    const candidates = (Object.keys(PRESETS) as PreprocessPreset[]).map((name) => {
      const [lo, hi] = presetRange(name);
      return { name, range: [lo, hi] as [number, number], miss: (Math.abs(lo - qlo) + Math.abs(hi - qhi)) / (hi - lo) };
    });
    const best = candidates.reduce((a, b) => (b.miss < a.miss ? b : a));
    if (best.miss <= 0.1)
      return make(best.name, m, 'high', [
        `the input is quantized (QuantizeLinear at the input) over ${rangeText(quantizedRange)}: the range of the '${best.name}' preset's values, ${rangeText(best.range)}`,
      ]);
  }

  if (CAFFE.test(m.producer ?? ''))
    return make('caffe-bgr', m, 'medium', [
      `producer "${m.producer}": a Caffe/Caffe2 conversion; Caffe models are trained on BGR pixels 0..255 ` +
        `(some also subtract the BGR means: the custom form { preset: 'caffe-bgr', mean: [104, 117, 123] })`,
    ]);
  if (m.height === 299 && m.width === 299)
    return make('inception', m, 'medium', ['a 299×299 input: the Inception v3 family, which takes values in [−1, 1]']);
  if (fromPytorch(m))
    return make('imagenet', m, 'medium', [
      `a PyTorch export (${m.producer ? `producer "${m.producer}"` : `graph "${m.graphName}"`}): torchvision models take ImageNet-normalised RGB`,
    ]);
  const reasons = ['no metadata, in-graph normalisation or quantized input says otherwise: the most common convention'];
  if (/tf2onnx|keras|tensorflow|tflite/i.test(m.producer ?? '') || m.layout === 'nhwc')
    reasons.push(
      "TensorFlow/Keras models differ by family: Keras 'tf' mode takes [−1, 1] (the inception preset's values), 'caffe' mode BGR minus the means, 'torch' mode this one",
    );
  return make('imagenet', m, 'low', reasons);
}
