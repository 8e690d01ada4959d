// SPDX-License-Identifier: MIT
/**
 * Superpixel segmentation: quickshift (scikit-image's, label for label), SLIC, a regular grid, or a
 * label map supplied by the caller. Every method returns labels numbered 0..count-1.
 */
import { performance } from 'node:perf_hooks';
import { loadImage, type ImageInput, type ResizeOptions, type RgbImage } from './image';
import { binding } from './native';
import { checkChoice, checkNumber, checkOptions, optionalBoolean, optionalNumber, optionalSeed, rangeError, typeError } from './validate';

/** The segmentation methods. */
export const SEGMENT_METHODS = ['quickshift', 'slic', 'grid', 'labels'] as const;
export type SegmentMethod = (typeof SEGMENT_METHODS)[number];

/** Options of {@link segment}. Which ones apply depends on `method`; the rest are rejected. */
export interface SegmentOptions {
  /** `'quickshift'` (default, what LIME uses), `'slic'`, `'grid'` or `'labels'` (your own label map). */
  method?: SegmentMethod;
  /** Resize the image first (aspect ratio not kept). */
  resize?: ResizeOptions;
  /** Quickshift: width of the Gaussian density kernel; window radius ceil(3·kernelSize). Default 4, range (0, 64]. */
  kernelSize?: number;
  /** Quickshift: links longer than this are cut (more segments when smaller). Default 200, >= 0 (Infinity allowed). */
  maxDist?: number;
  /** Quickshift: weight of colour against position, in [0, 1]. Default 0.2. */
  ratio?: number;
  /** Quickshift and SLIC: Gaussian pre-smoothing width in pixels, >= 0. Default 0 (none). */
  sigma?: number;
  /** Quickshift and SLIC: work in CIE Lab (true) or RGB. Default true. */
  convert2lab?: boolean;
  /** Seed of quickshift's tie-break noise (numpy.random.default_rng(seed)); echoed by every method. Default 42. */
  seed?: number;
  /** SLIC: approximate number of segments, >= 1. Default 100. */
  nSegments?: number;
  /** SLIC: colour/space balance (higher: squarer segments), > 0. Default 10. */
  compactness?: number;
  /** SLIC: iterations of k-means, >= 1. Default 10. */
  maxIter?: number;
  /** SLIC: merge small disconnected pieces so every segment is connected. Default true. */
  enforceConnectivity?: boolean;
  /** Grid: rows of cells, 1..height. Default 8. */
  rows?: number;
  /** Grid: columns of cells, 1..width. Default 8. */
  cols?: number;
  /** Labels: the label map, one integer per pixel (row-major, any integer values). */
  labels?: Int32Array | Uint8Array | Uint16Array | Uint32Array | Int16Array | number[];
}

/** A segmentation: one label per pixel, row-major, numbered 0..count-1. */
export interface Segmentation {
  labels: Int32Array;
  width: number;
  height: number;
  /** Number of segments. */
  count: number;
  method: SegmentMethod;
  /** Every parameter used, defaults included. */
  params: Record<string, number | boolean>;
  /** The seed used (echoed for reproducibility). */
  seed: number;
  /** Wall time of the segmentation itself, in milliseconds (decoding excluded). */
  ms: number;
  /** For method 'labels': mapping[i] is the caller's label that became label i. */
  mapping?: Int32Array;
}

const COMMON = ['method', 'resize', 'seed'] as const;
const KNOWN: Record<SegmentMethod, readonly string[]> = {
  quickshift: [...COMMON, 'kernelSize', 'maxDist', 'ratio', 'sigma', 'convert2lab'],
  slic: [...COMMON, 'nSegments', 'compactness', 'sigma', 'maxIter', 'convert2lab', 'enforceConnectivity'],
  grid: [...COMMON, 'rows', 'cols'],
  labels: [...COMMON, 'labels'],
};

/** Quickshift parameters with LIME's values as defaults (scikit-image's names in camelCase). */
export function quickshiftParams(o: SegmentOptions) {
  return {
    kernelSize: optionalNumber('kernelSize', o.kernelSize, 4, { min: 0, minExclusive: true, max: 64 }),
    maxDist: optionalNumber('maxDist', o.maxDist, 200, { min: 0, allowInfinity: true }),
    ratio: optionalNumber('ratio', o.ratio, 0.2, { min: 0, max: 1 }),
    sigma: optionalNumber('sigma', o.sigma, 0, { min: 0, max: 1000 }),
    convert2lab: optionalBoolean('convert2lab', o.convert2lab, true),
    seed: optionalSeed('seed', o.seed, 42),
  };
}

/**
 * Checks segmentation options and fills every default, without segmenting. Useful to fail fast
 * before a long batch.
 * @throws TypeError / RangeError naming the option and the value.
 */
export function resolveSegmentOptions(options: SegmentOptions | undefined): Required<Pick<SegmentOptions, 'method'>> & SegmentOptions {
  const method = options?.method === undefined ? 'quickshift' : checkChoice('method', options.method, SEGMENT_METHODS);
  const o = checkOptions('options', options, KNOWN[method]) as SegmentOptions;
  return { ...o, method };
}

/**
 * Segments an image into superpixels.
 *
 * @param image - a file path, encoded image bytes, or raw pixels (see {@link loadImage}).
 * @param options - `method` (default `'quickshift'`) and that method's parameters; see
 *   {@link SegmentOptions} for each default. Quickshift with the defaults gives the same labels as
 *   `skimage.segmentation.quickshift(img, kernel_size=4, max_dist=200, ratio=0.2, random_seed=42)`
 *   (scikit-image 0.19.3, as LIME calls it) for 8-bit RGB input.
 * @returns labels 0..count-1, row-major, with the parameters, seed and time used.
 * @throws TypeError / RangeError for bad options (naming the option and value); Error for images
 *   that cannot be read.
 * @example
 * const seg = await segment('cat.png', { kernelSize: 4, maxDist: 200, ratio: 0.2 });
 * console.log(seg.count, seg.ms);
 */
export async function segment(image: ImageInput, options?: SegmentOptions): Promise<Segmentation> {
  const o = resolveSegmentOptions(options);
  const rgb = await loadImage(image, o.resize);
  return segmentRgb(rgb, o);
}

/** {@link segment} for pixels already decoded (used by the explainers on the model-sized image). */
export async function segmentRgb(rgb: RgbImage, options?: SegmentOptions): Promise<Segmentation> {
  const o = resolveSegmentOptions(options);
  const { width, height } = rgb;
  const labels = new Int32Array(width * height);
  const start = performance.now();
  switch (o.method) {
    case 'quickshift': {
      const params = quickshiftParams(o);
      const count = await binding.quickshift(rgb.data, width, height, params, labels);
      return { labels, width, height, count, method: 'quickshift', params, seed: params.seed, ms: performance.now() - start };
    }
    case 'slic': {
      const seed = optionalSeed('seed', o.seed, 42);
      const params = {
        nSegments: optionalNumber('nSegments', o.nSegments, 100, { integer: true, min: 1, max: 1e7 }),
        compactness: optionalNumber('compactness', o.compactness, 10, { min: 0, minExclusive: true, max: 1e6 }),
        sigma: optionalNumber('sigma', o.sigma, 0, { min: 0, max: 1000 }),
        maxIter: optionalNumber('maxIter', o.maxIter, 10, { integer: true, min: 1, max: 1000 }),
        convert2lab: optionalBoolean('convert2lab', o.convert2lab, true),
        enforceConnectivity: optionalBoolean('enforceConnectivity', o.enforceConnectivity, true),
      };
      const count = await binding.slic(rgb.data, width, height, params, labels);
      return { labels, width, height, count, method: 'slic', params, seed, ms: performance.now() - start };
    }
    case 'grid': {
      const seed = optionalSeed('seed', o.seed, 42);
      const rows = optionalNumber('rows', o.rows, 8, { integer: true, min: 1, max: height });
      const cols = optionalNumber('cols', o.cols, 8, { integer: true, min: 1, max: width });
      for (let r = 0; r < height; r++) {
        const base = Math.floor((r * rows) / height) * cols;
        for (let c = 0; c < width; c++) labels[r * width + c] = base + Math.floor((c * cols) / width);
      }
      return { labels, width, height, count: rows * cols, method: 'grid', params: { rows, cols }, seed, ms: performance.now() - start };
    }
    case 'labels': {
      const seed = optionalSeed('seed', o.seed, 42);
      const { count, mapping } = relabel(o.labels, labels);
      return { labels, width, height, count, method: 'labels', params: {}, seed, ms: performance.now() - start, mapping };
    }
  }
}

/**
 * Most segments an explanation (LIME, SHAP over superpixels) accepts. LIME's fit solves an M×M
 * system per class, so its time grows as M³: on the 2-core development machine, 1,000 samples and
 * 5 classes took 0.4 s at 500 segments, 2.7 s at 1,000, 9 s at 1,600 and 18 s at 2,048 (measured
 * with other jobs running), and quickshift with `maxDist: 0` makes ~50,000 segments (a 20 GB
 * matrix). Past ~1,000 segments LIME's default 1,000 samples also no longer determine the fit.
 * A segmentation with more segments is refused before any model evaluation, with a hint at coarser
 * parameters. `segment()` itself has no such limit.
 */
export const MAX_SEGMENTS = 1024;

/** How to get fewer segments from each method, for the MAX_SEGMENTS error. */
const COARSER: Record<SegmentMethod, string> = {
  quickshift: 'a larger maxDist or kernelSize',
  slic: 'a smaller nSegments',
  grid: 'fewer rows or cols',
  labels: 'a label map with fewer distinct values',
};

/**
 * The segmentation an explainer works on: a ready {@link Segmentation} (checked like any input,
 * and copied, since the caller may change its arrays while the explanation runs on other threads),
 * or the options of {@link segment} (default quickshift with LIME's parameters, seeded with `seed`
 * unless the options name their own).
 * @throws TypeError / RangeError for a ready segmentation of another size, a count that is not an
 *   integer >= 1, labels outside 0..count-1; RangeError for more than {@link MAX_SEGMENTS} segments.
 */
export async function resolveSegmentation(rgb: RgbImage, spec: SegmentOptions | Segmentation | undefined, seed: number): Promise<Segmentation> {
  let seg: Segmentation;
  if (isReadySegmentation(spec)) {
    seg = owned.has(spec) ? spec : ownSegmentation(spec);
    if (seg.width !== rgb.width || seg.height !== rgb.height)
      throw rangeError('segmentation', `a segmentation of the model-sized image (${rgb.width}x${rgb.height})`, `${seg.width}x${seg.height}`);
  } else {
    seg = await segmentRgb(rgb, { seed, ...((spec as SegmentOptions | undefined) ?? {}) });
  }
  if (seg.count > MAX_SEGMENTS) {
    throw new RangeError(
      `Expected at most ${MAX_SEGMENTS} segments (MAX_SEGMENTS) for segmentation but received ${seg.count} segments from ` +
        `${seg.method}: use ${COARSER[seg.method] ?? 'coarser parameters'}`,
    );
  }
  return seg;
}

/** True for a ready {@link Segmentation} (rather than options of {@link segment}). */
function isReadySegmentation(spec: unknown): spec is Segmentation {
  return typeof spec === 'object' && spec !== null && (spec as Segmentation).labels instanceof Int32Array;
}

/** Segmentations made by {@link ownSegmentation}: checked copies no caller holds. */
const owned = new WeakSet<Segmentation>();

/**
 * Checks a caller's ready segmentation (count an integer >= 1, width x height labels, each in
 * 0..count-1) and returns a copy the library owns: the explainers call this synchronously when
 * called, so a caller changing its arrays afterwards (while the explanation runs on other threads)
 * changes nothing. Anything else is returned as it is.
 */
export function ownSegmentation<T>(spec: T): T {
  if (!isReadySegmentation(spec)) return spec;
  // Each field is read once: a getter may answer differently on a second read.
  const { labels, width, height, count, method, params, seed, ms, mapping } = spec;
  checkNumber('segmentation.width', width, { integer: true, min: 1 });
  checkNumber('segmentation.height', height, { integer: true, min: 1 });
  checkNumber('segmentation.count', count, { integer: true, min: 1, max: 2 ** 31 - 1 });
  const own = labels.slice();
  if (own.length !== width * height) throw rangeError('segmentation.labels', `${width * height} labels (width x height)`, own);
  for (let i = 0; i < own.length; i++) {
    const v = own[i] as number;
    if (v < 0 || v >= count) throw rangeError(`segmentation.labels[${i}]`, `a label in 0..${count - 1} (count ${count})`, v);
  }
  const copy: Segmentation = {
    labels: own,
    width,
    height,
    count,
    method: SEGMENT_METHODS.includes(method) ? method : 'labels',
    params: { ...params },
    seed: typeof seed === 'number' ? seed : 0,
    ms: typeof ms === 'number' ? ms : 0,
    ...(mapping instanceof Int32Array ? { mapping: mapping.slice() } : {}),
  };
  owned.add(copy);
  return copy as T;
}

/** Renumbers a caller's label map to 0..n-1 in ascending order of the original values (numpy.unique). */
function relabel(source: SegmentOptions['labels'], out: Int32Array): { count: number; mapping: Int32Array } {
  if (source === undefined) throw typeError('labels', 'a label map (one integer per pixel)', source);
  if (!Array.isArray(source) && !ArrayBuffer.isView(source)) throw typeError('labels', 'an integer array or typed array', source);
  if (source.length !== out.length) throw rangeError('labels', `length ${out.length} (width x height)`, `length ${source.length}`);
  const values = new Set<number>();
  for (let i = 0; i < source.length; i++) {
    const v = source[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(`labels[${i}]`, 'an integer', v);
    values.add(v);
  }
  const mapping = Int32Array.from([...values].sort((a, b) => a - b));
  const index = new Map<number, number>();
  mapping.forEach((v, i) => index.set(v, i));
  for (let i = 0; i < source.length; i++) out[i] = index.get(source[i] as number) as number;
  return { count: mapping.length, mapping };
}

/**
 * `options` with its ready `segmentation`, if any, replaced by an owned checked copy
 * ({@link ownSegmentation}); anything else is returned as it is (and validated later).
 */
export function withOwnSegmentation<T>(options: T): T {
  if (typeof options !== 'object' || options === null) return options;
  const segmentation = (options as { segmentation?: unknown }).segmentation;
  if (!isReadySegmentation(segmentation)) return options;
  return { ...options, segmentation: ownSegmentation(segmentation) };
}
