// SPDX-License-Identifier: MIT
/**
 * Saving explanations as `limeshap explain` does, for code and for the command line: per result a
 * small JSON of metadata (classes, weights or per-segment values, settings, timings) beside its
 * arrays in NumPy `.npy` files (npy.ts), which the JSON names under `arrays` with file, dtype and
 * shape. The arrays are written first and the JSON last, each atomically, so a JSON that parses and
 * whose arrays are complete marks a finished result ({@link savedArraysComplete}).
 *
 * Layout, and why:
 * - SHAP values: one `NAME.shap.npy`, float32, shape [classes, H, W], classes in the order of the
 *   JSON's `explanations` (most probable first). One file rather than one per class: `np.load` gives
 *   the whole attribution tensor in one call, the shared colour scale of shap's `image_plot` (over all
 *   classes) is one `abs().max()` away, and an image is complete when one array is, which keeps
 *   `--resume`'s test simple. float32 because the values are float32 in memory: the file holds them
 *   exactly, at 4 bytes each (a 224×224 map of 5 classes is 1 MB, against 7.3 MB as JSON text).
 * - Label maps (LIME's segmentation, and SHAP's superpixels): `NAME.lime-segments.npy` /
 *   `NAME.shap-segments.npy`, shape [H, W], uint16 (int32 only past 65536 segments, which no explained
 *   segmentation reaches). A `.npy` rather than run-lengths in the JSON because placing weights on
 *   pixels is then one indexing, `weights[labels]`, in numpy and in code alike, with no decoder to
 *   write; quickshift's ragged boundaries make run-lengths long anyway. The map is 2 bytes a pixel
 *   (100 KB at 224×224), and lets a reader place LIME's weights without running the segmentation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from './atomic-write';
import type { LimeResult } from './lime';
import { type Npy, type NpyArray, type NpyDtype, parseNpyHeader, toNpy } from './npy';
import { limeToJson, shapToJson } from './pictures';
import { gradientToJson, type GradientResult } from './pictures-gradient';
import type { ShapResult } from './shap';
import type { Segmentation } from './segment';
import { rangeError, typeError } from './validate';

/** How an output JSON names an array stored beside it (under `arrays`). */
export interface NpyRef {
  /** The `.npy` file's name, relative to the JSON's folder. */
  file: string;
  dtype: NpyDtype;
  shape: number[];
}

/** The arrays a LIME JSON names: the label map of its segmentation. */
export const LIME_ARRAYS: readonly string[] = ['labels'];
/** The arrays a SHAP JSON names: the values, and over superpixels also their label map. */
export const SHAP_ARRAYS: readonly string[] = ['values'];

/** The arrays an Integrated Gradients (or SmoothGrad) JSON names, and a Grad-CAM JSON (see {@link gradientArrays}). */
export const IG_ARRAYS: readonly string[] = ['values', 'attributions'];
export const SMOOTHGRAD_ARRAYS: readonly string[] = IG_ARRAYS;
export const GRADCAM_ARRAYS: readonly string[] = ['values', 'cam'];
/** The file-name suffix of each saved array. */
const SUFFIX = {
  lime: { labels: '.lime-segments.npy' },
  shap: { values: '.shap.npy', labels: '.shap-segments.npy', standardErrors: '.shap-errors.npy' },
  integratedGradients: { values: '.ig.npy', attributions: '.ig-channels.npy' },
  smoothGrad: { values: '.smoothgrad.npy', attributions: '.smoothgrad-channels.npy' },
  gradcam: { values: '.gradcam.npy', cam: '.gradcam-layer.npy' },
} as const;

/** The JSON suffix of each gradient method's saved result. */
const GRADIENT_JSON = { integratedGradients: '.ig.json', smoothGrad: '.smoothgrad.json', gradcam: '.gradcam.json' } as const;

/** The result's method under each gradient method's command-line name. */
const CLI_METHOD = { ig: 'integratedGradients', smoothgrad: 'smoothGrad', gradcam: 'gradcam' } as const;

/**
 * Every array file `saveLime` / `saveShap` / `saveGradient` may write for `name` in `dir` (which of
 * them exist depends on the features); gradient methods by their command-line names (`ig`,
 * `smoothgrad`, `gradcam`).
 */
export function savedArrayFiles(dir: string, name: string, method: 'lime' | 'shap' | keyof typeof CLI_METHOD): string[] {
  const key = method === 'lime' || method === 'shap' ? method : CLI_METHOD[method];
  return Object.values(SUFFIX[key]).map((suffix) => path.join(dir, `${name}${suffix}`));
}

/** The longest suffix a saved file gets (`.lime-segments.npy`), for file-name length checks. */
export const LONGEST_SAVED_SUFFIX = Math.max(
  ...[...Object.values(SUFFIX).flatMap((s) => Object.values(s)), '.lime.json'].map((s) => s.length),
);

/** A segmentation's label map as an array: uint16 where every label fits (always, for explained segmentations). */
function labelsArray(seg: Segmentation): Npy {
  const data: NpyArray = seg.count <= 65536 ? Uint16Array.from(seg.labels) : Int32Array.from(seg.labels);
  return { dtype: data instanceof Uint16Array ? '<u2' : '<i4', shape: [seg.height, seg.width], data };
}

/**
 * The arrays of a LIME result as {@link saveLime} stores them: `labels`, the segmentation's label map
 * ([H, W], uint16), so that `explanations[i].weights[labels[y][x]]` is pixel (x, y)'s weight.
 * @param result - what `explainer.lime()` returned.
 */
export function limeArrays(result: LimeResult): Record<string, Npy> {
  return { labels: labelsArray(result.segmentation) };
}

/**
 * The arrays of a SHAP result as {@link saveShap} stores them: `values` ([classes, H, W], float32, the
 * per-pixel values of each explained class in the order of `explanations`), over superpixels also
 * `labels` (the label map, [H, W], uint16), and with per-pixel standard errors (expected gradients)
 * `standardErrors` ([classes, H, W], float32).
 * @param result - what `explainer.shap()` returned.
 */
export function shapArrays(result: ShapResult): Record<string, Npy> {
  const { width, height } = result.image;
  const values = new Float32Array(result.explanations.length * width * height);
  result.explanations.forEach((e, i) => values.set(e.values, i * width * height));
  const arrays: Record<string, Npy> = { values: { dtype: '<f4', shape: [result.explanations.length, height, width], data: values } };
  if (result.segmentation) arrays.labels = labelsArray(result.segmentation);
  // Per-pixel standard errors (expected gradients) are H × W per class like the values: an array,
  // not JSON text. Per-superpixel ones are a few numbers and stay in the JSON (shapToJson).
  if (result.features === 'pixels' && result.explanations.every((e) => e.standardErrors?.length === width * height)) {
    const errors = new Float32Array(result.explanations.length * width * height);
    result.explanations.forEach((e, i) => errors.set(e.standardErrors as Float64Array, i * width * height));
    arrays.standardErrors = { dtype: '<f4', shape: [result.explanations.length, height, width], data: errors };
  }
  return arrays;
}

/** Checks the common arguments of saveLime/saveShap. */
function checkTarget(dir: unknown, name: unknown, fields: unknown): void {
  if (typeof dir !== 'string' || dir === '') throw typeError('dir', 'a folder path', dir);
  if (typeof name !== 'string' || name === '') throw typeError('name', 'a file name stem', name);
  // A separator would write outside `dir` (and the JSON's relative file names would not resolve).
  if (/[/\\\0]/.test(name) || name === '.' || name === '..') throw rangeError('name', 'a file name stem without path separators', name);
  if (fields !== undefined && (typeof fields !== 'object' || fields === null || Array.isArray(fields)))
    throw typeError('fields', 'a plain object of extra JSON fields', fields);
}

/** Writes each array, then the JSON naming them; returns the paths written, JSON last. */
function save(
  dir: string,
  name: string,
  suffixes: Record<string, string>,
  arrays: Record<string, Npy>,
  jsonSuffix: string,
  json: Record<string, unknown>,
): string[] {
  const written: string[] = [];
  const refs: Record<string, NpyRef> = {};
  for (const [key, a] of Object.entries(arrays)) refs[key] = { file: `${name}${suffixes[key]}`, dtype: a.dtype, shape: a.shape };
  // Serialised before anything is written: `fields` that JSON cannot hold (a BigInt, a cycle, a
  // throwing toJSON) fail the call without leaving arrays that no JSON names.
  const text = JSON.stringify({ ...json, arrays: refs }, null, 1) + '\n';
  for (const [key, a] of Object.entries(arrays)) {
    const file = path.join(dir, refs[key].file);
    writeAtomic(file, toNpy(a.data, a.shape));
    written.push(file);
  }
  const out = path.join(dir, `${name}${jsonSuffix}`);
  writeAtomic(out, text);
  written.push(out);
  return written;
}

/**
 * Saves a LIME result as `limeshap explain` does: `dir/NAME.lime-segments.npy` (the label map, [H, W]
 * uint16), then `dir/NAME.lime.json` ({@link limeToJson}'s fields, `fields` before them, and `arrays:
 * { labels: { file, dtype, shape } }`). Each file is written atomically, the JSON last.
 *
 * @param result - what `explainer.lime()` returned.
 * @param dir - an existing folder.
 * @param name - the file name stem (no path separators).
 * @param fields - extra JSON fields, e.g. `{ image, model }` (default none); the result's own fields win.
 * @returns the paths written, the JSON last.
 * @throws TypeError/RangeError naming `dir`, `name` or `fields`; the write's error (ENOSPC…).
 */
export function saveLime(result: LimeResult, dir: string, name: string, fields?: Record<string, unknown>): string[] {
  checkTarget(dir, name, fields);
  return save(dir, name, SUFFIX.lime, limeArrays(result), '.lime.json', { ...fields, ...limeToJson(result) });
}

/**
 * Saves a SHAP result as `limeshap explain` does: `dir/NAME.shap.npy` (values, [classes, H, W] float32,
 * classes in the order of `explanations`), over superpixels `dir/NAME.shap-segments.npy` (label map),
 * then `dir/NAME.shap.json` ({@link shapToJson}'s fields, `fields` before them, and `arrays: { values,
 * labels? }` each `{ file, dtype, shape }`). Each file is written atomically, the JSON last.
 *
 * @param result - what `explainer.shap()` returned.
 * @param dir - an existing folder.
 * @param name - the file name stem (no path separators).
 * @param fields - extra JSON fields, e.g. `{ image, model }` (default none); the result's own fields win.
 * @returns the paths written, the JSON last.
 * @throws TypeError/RangeError naming `dir`, `name` or `fields`; the write's error (ENOSPC…).
 */
export function saveShap(result: ShapResult, dir: string, name: string, fields?: Record<string, unknown>): string[] {
  checkTarget(dir, name, fields);
  return save(dir, name, SUFFIX.shap, shapArrays(result), '.shap.json', { ...fields, ...shapToJson(result) });
}

/** The most header bytes read to check an array (numpy's own headers here are 128 bytes). */
const HEADER_PREFIX = 64 * 1024;

/** True when `file` is a regular file holding a complete `.npy` of exactly `ref`'s dtype and shape. */
async function matchesRef(file: string, ref: NpyRef): Promise<boolean> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const stat = await handle.stat();
    if (!stat.isFile()) return false;
    const head = Buffer.alloc(Math.min(stat.size, HEADER_PREFIX));
    await handle.read(head, 0, head.length, 0);
    const h = parseNpyHeader(head);
    return (
      stat.size === h.dataOffset + h.dataBytes &&
      h.dtype === ref.dtype &&
      h.shape.length === ref.shape.length &&
      h.shape.every((n, i) => n === ref.shape[i])
    );
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/**
 * Whether the arrays an output JSON names are all there and complete: each key of `required` names,
 * under the JSON's `arrays`, a file beside the JSON (a plain name, no folders) that is a complete
 * `.npy` of the recorded dtype and shape. A JSON written before arrays were stored (none named), an
 * array missing, cut short or of another shape: false, and the image is explained again.
 *
 * @param jsonFile - the JSON's path (its folder is where the arrays are looked for).
 * @param json - its parsed content.
 * @param required - the keys that must be named (e.g. {@link LIME_ARRAYS}); every named array is checked.
 */
export async function savedArraysComplete(jsonFile: string, json: Record<string, unknown>, required: readonly string[]): Promise<boolean> {
  const arrays = json.arrays;
  if (typeof arrays !== 'object' || arrays === null || Array.isArray(arrays)) return required.length === 0;
  const refs = arrays as Record<string, unknown>;
  if (!required.every((k) => k in refs)) return false;
  for (const ref of Object.values(refs)) {
    if (typeof ref !== 'object' || ref === null) return false;
    const { file, dtype, shape } = ref as Record<string, unknown>;
    if (typeof file !== 'string' || typeof dtype !== 'string' || !Array.isArray(shape)) return false;
    // Only files beside the JSON: a hand-edited "../x.npy" must not make another folder's file count.
    if (file !== path.basename(file) || file === '..' || file === '.') return false;
    if (!(await matchesRef(path.join(path.dirname(jsonFile), file), { file, dtype: dtype as NpyDtype, shape: shape as number[] })))
      return false;
  }
  return true;
}

/**
 * The arrays of a gradient result as {@link saveGradient} stores them: `values`, the per-pixel map
 * ([H, W], float32: Integrated Gradients summed over channels, or Grad-CAM upsampled to the model's
 * input); for Integrated Gradients and SmoothGrad also `attributions` (one per input element,
 * [3, H, W] or [H, W, 3] in the model's layout), for Grad-CAM `cam` (the map at the layer's
 * resolution, [h, w]).
 * @param result - what `explainer.integratedGradients()`, `explainer.smoothGrad()` or
 *   `explainer.gradCam()` returned.
 */
export function gradientArrays(result: GradientResult): Record<string, Npy> {
  const { width, height } = result;
  const arrays: Record<string, Npy> = { values: { dtype: '<f4', shape: [height, width], data: result.pixels } };
  if (result.method === 'integratedGradients' || result.method === 'smoothGrad')
    arrays.attributions = {
      dtype: '<f4',
      shape: result.layout === 'nchw' ? [3, height, width] : [height, width, 3],
      data: result.attributions,
    };
  else arrays.cam = { dtype: '<f4', shape: [result.layerShape[1], result.layerShape[2]], data: result.cam };
  return arrays;
}

/**
 * Saves a gradient result as `limeshap explain` does: Integrated Gradients as `dir/NAME.ig.npy`
 * (values) and `dir/NAME.ig-channels.npy`, then `dir/NAME.ig.json`; SmoothGrad likewise as
 * `dir/NAME.smoothgrad.npy`, `dir/NAME.smoothgrad-channels.npy`, `dir/NAME.smoothgrad.json`; Grad-CAM as
 * `dir/NAME.gradcam.npy` (values) and `dir/NAME.gradcam-layer.npy` (cam), then
 * `dir/NAME.gradcam.json` (see {@link gradientArrays}; the JSON holds `gradientToJson`'s fields,
 * `fields` before them, and `arrays`). Each file is written atomically, the JSON last.
 *
 * @param result - what `explainer.integratedGradients()`, `explainer.smoothGrad()` or
 *   `explainer.gradCam()` returned.
 * @param dir - an existing folder.
 * @param name - the file name stem (no path separators).
 * @param fields - extra JSON fields, e.g. `{ image, model }` (default none); the result's own fields win.
 * @returns the paths written, the JSON last.
 * @throws TypeError/RangeError naming `result`, `dir`, `name` or `fields`; the write's error.
 */
export function saveGradient(result: GradientResult, dir: string, name: string, fields?: Record<string, unknown>): string[] {
  checkTarget(dir, name, fields);
  const json = gradientToJson(result);
  return save(dir, name, SUFFIX[result.method], gradientArrays(result), GRADIENT_JSON[result.method], { ...fields, ...json });
}
