// SPDX-License-Identifier: MIT
/**
 * SHAP for images (`explainer.shap()`): the same mathematics as Python's shap — Partition (Owen
 * values over a hierarchy, shap's default for images), Kernel, Permutation and exact Shapley values —
 * seeded, batched, with every coalition composited natively and identical coalitions evaluated once.
 * Features are pixels (channels kept together; shap's axis-aligned partition tree) or superpixels
 * (segments of `segment()`; for Partition, a hierarchy merging adjacent segments by colour).
 */
import { performance } from 'node:perf_hooks';
import { maskEvaluator } from './evaluate';
import { boxBlur, segmentMeanImage, solidImage } from './hide';
import { loadImage, type ImageInput, type RgbImage } from './image';
import type { Model } from './model';
import type { ResolvedPreprocess } from './preprocess';
import { exactShap, EXACT_MAX_PLAYERS } from './shap/exact';
import type { ShapGame, ShapValues } from './shap/game';
import { kernelShap } from './shap/kernel';
import { PARTITION_DEFAULT_BATCH, partitionShap } from './shap/partition';
import { permutationShap } from './shap/permutation';
import { imageTree, segmentTree, validateTree, type PartitionTree } from './shap/tree';
import { topK } from './lime';
import { resolveSegmentation, type Segmentation, type SegmentOptions } from './segment';
import { checkChoice, checkNumber, checkOptions, optionalNumber, optionalSeed, rangeError, typeError } from './validate';

export const SHAP_ALGORITHMS = ['partition', 'kernel', 'permutation', 'exact'] as const;
export type ShapAlgorithm = (typeof SHAP_ALGORITHMS)[number];

/**
 * What masked features show: `'blur(128,128)'` (default, a box blur of the whole image as shap's
 * Image masker), `'blur(kx,ky)'`, `'mean'` (each superpixel's mean colour; the image's mean colour for
 * pixel features), `'black'`, `{ color: [r, g, b] }`, or a background image of the model's size.
 */
export type MaskerSpec = string | { color: [number, number, number] } | { background: ImageInput };

/** Options of `explainer.shap()`. */
export interface ShapOptions {
  /** 'partition' (default, as shap.Explainer picks for images), 'kernel', 'permutation' or 'exact'. */
  algorithm?: ShapAlgorithm;
  /**
   * Budget of model evaluations (coalitions), the two base evaluations included; never exceeded.
   * Defaults: partition 500 (as shap), permutation 500, kernel 2M + 2048 capped at 2^M (shap's
   * nsamples='auto'), exact 2^M. Partition spends 2 per expansion, so an odd budget leaves one
   * evaluation unspent (maxEvals − 1); shap spends maxEvals + 1 there, so shap at an odd B gives
   * our values at B + 1.
   */
  maxEvals?: number;
  /**
   * Coalitions per evaluation round (model batches are filled from them). Default: 10 for
   * 'partition' (shap's batch_size='auto' with an image masker), 64 for the others.
   *
   * For 'partition' this is part of the result, not only of the speed: each round expands the
   * ⌈batchSize/2⌉ best nodes of the queue (2 coalitions each, so an odd batchSize sends
   * batchSize + 1, as shap) before their children's priorities are known, so another batch size
   * changes the order of expansions and, short of the full recursion, the values (batch 64 instead
   * of 10 moved them by up to 3% of the largest value on the 64 px reference photos at 500
   * evaluations). The default gives shap's numbers; a larger batch (e.g. 64) fills model batches
   * better and runs faster, at the price of values that differ from shap's default ones. For the
   * other algorithms the values do not depend on it.
   */
  batchSize?: number;
  /** Seed of sampling, coalitions and tie-breaks. Default 42. */
  seed?: number;
  /** Explain the k most probable classes. Default 5 (or all when fewer). Ignored when `labels` is given. */
  topLabels?: number;
  /** Explain these class indices. */
  labels?: number[];
  /** What masked features show. Default 'blur(128,128)'. */
  masker?: MaskerSpec;
  /** 'pixels' (default for partition) or 'superpixels' (default for kernel, permutation, exact). */
  features?: 'pixels' | 'superpixels';
  /** Superpixels: options for `segment()` (default quickshift with LIME's parameters) or a ready Segmentation. */
  segmentation?: SegmentOptions | Segmentation;
  /** Partition with superpixels: your own hierarchy instead of merging adjacent segments by colour. */
  hierarchy?: PartitionTree;
  /** Kernel: L1 feature selection: false (default; note shap >= 0.47 silently keeps only 10 features), 'num-features(k)', an alpha, 'aic' or 'bic'. */
  l1?: false | number | 'aic' | 'bic' | `num-features(${number})`;
}

export interface ShapExplanation {
  index: number;
  label: string;
  /** The model's output for this class on the image. */
  probability: number;
  /** The output with every feature masked: Σ values = probability − baseValue. */
  baseValue: number;
  /** Attribution per pixel (H × W, model-sized); a superpixel's value is spread evenly over its pixels. */
  values: Float32Array;
  /** Attribution per superpixel, when features are superpixels. */
  segmentValues?: Float64Array;
  /** Standard error per feature (permutation only). */
  standardErrors?: Float64Array;
}

export interface ShapResult {
  explanations: ShapExplanation[];
  /** The model-sized image explained. */
  image: RgbImage;
  /** The superpixels used, when features are superpixels. */
  segmentation?: Segmentation;
  algorithm: ShapAlgorithm;
  features: 'pixels' | 'superpixels';
  /** Model evaluations run (distinct coalitions). */
  evaluations: number;
  /** The budget the algorithm worked to. */
  maxEvals: number;
  seed: number;
  provider: string;
  timings: { segment: number; composite: number; infer: number; solve: number; total: number };
}

const KNOWN = ['algorithm', 'maxEvals', 'batchSize', 'seed', 'topLabels', 'labels', 'masker', 'features', 'segmentation', 'hierarchy', 'l1'];

/** Parses 'blur(kx,ky)'; undefined for other strings. */
function parseBlur(spec: string): [number, number] | undefined {
  const m = /^blur\((\d+),\s*(\d+)\)$/.exec(spec.trim());
  if (!m) return undefined;
  const kx = Number(m[1]), ky = Number(m[2]);
  if (kx < 1 || ky < 1) throw rangeError('masker', "'blur(kx,ky)' with kx, ky >= 1", spec);
  return [kx, ky];
}

async function maskImage(masker: MaskerSpec, rgb: RgbImage, labels: Int32Array | undefined, count: number): Promise<RgbImage> {
  const expected = "'blur(kx,ky)', 'mean', 'black', { color: [r, g, b] } or { background: image }";
  if (typeof masker === 'string') {
    const blur = parseBlur(masker);
    if (blur) return boxBlur(rgb, blur[0], blur[1]);
    if (masker === 'black') return solidImage(rgb.width, rgb.height, [0, 0, 0]);
    if (masker === 'mean') {
      if (labels) return segmentMeanImage(rgb, labels, count);
      return segmentMeanImage(rgb, new Int32Array(rgb.width * rgb.height), 1);
    }
    throw rangeError('masker', expected, masker);
  }
  if (typeof masker === 'object' && masker !== null && 'color' in masker) {
    const color = masker.color;
    if (!Array.isArray(color) || color.length !== 3) throw typeError('masker.color', 'an array [r, g, b]', color);
    color.forEach((v, i) => checkNumber(`masker.color[${i}]`, v, { integer: true, min: 0, max: 255 }));
    return solidImage(rgb.width, rgb.height, color);
  }
  if (typeof masker === 'object' && masker !== null && 'background' in masker) {
    const bg = await loadImage(masker.background);
    if (bg.width !== rgb.width || bg.height !== rgb.height)
      throw rangeError('masker.background', `an image of the model's size (${rgb.width}x${rgb.height})`, `${bg.width}x${bg.height}`);
    return bg;
  }
  throw typeError('masker', expected, masker);
}

/**
 * A 52-bit hash of one mask (two 32-bit multiply-xor lanes over little-endian 4-byte words, then the
 * tail bytes), cheap even for pixel masks of 50 KB. It depends on the bytes only, never on where
 * they sit: a row of a batch starts at any offset (M × row), and a hash that read aligned rows as
 * words but unaligned ones byte by byte missed the cached f(all) whenever M % 4 ≠ 0, spending one
 * evaluation over the budget.
 */
function maskHash(bytes: Uint8Array): number {
  let a = 0x811c9dc5, b = 0x01000193 ^ bytes.length;
  const end = bytes.length & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    const w = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995) ^ (b >>> 15);
  }
  for (; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x100000 + (b >>> 12);
}

/**
 * A game whose coalitions are remembered across calls, so no coalition is evaluated twice: the full
 * coalition evaluated to pick the classes is reused by every algorithm, and with `all` (permutation,
 * whose passes share many coalitions) every coalition is. Partition, kernel and exact never repeat a
 * coalition beyond the two ends, so only uniform masks are looked up for them (pixel masks are 50 KB).
 * Masks are keyed by a hash and compared byte for byte on a hit.
 */
/** Largest `maxEvals` accepted (10^8 evaluations: about 33 hours of MobileNetV2 on 2 CPU cores). */
export const MAX_EVALS = 1e8;

/** Most bytes Kernel's coalition matrix or Permutation's coalition cache may take (2 GiB). */
const MAX_SHAP_BYTES = 2 ** 31;

/**
 * Kernel keeps every coalition (maxEvals × M bytes); Permutation caches every coalition with its
 * outputs (maxEvals × (M + 4K) bytes). Refuse a budget whose bookkeeping would pass
 * {@link MAX_SHAP_BYTES} before evaluating it, rather than run out of memory hours later.
 */
function checkShapMemory(algorithm: ShapAlgorithm, maxEvals: number, M: number, K: number): void {
  const perEval = algorithm === 'kernel' ? M : algorithm === 'permutation' ? M + 4 * K : 0;
  if (perEval === 0) return;
  const most = Math.floor(MAX_SHAP_BYTES / perEval);
  // Kernel never draws more than the 2^M coalitions there are.
  const used = algorithm === 'kernel' && M <= 30 ? Math.min(maxEvals, 2 ** M) : maxEvals;
  if (used > most)
    throw rangeError('maxEvals', `at most ${most} for algorithm '${algorithm}' with ${M} features and ${K} classes (2 GiB of coalitions)`, maxEvals);
}

function cachedGame(players: number, evaluate: (masks: Uint8Array, n: number) => Promise<Float32Array>, outputs: () => number, all: boolean): ShapGame {
  const cache = new Map<number, { mask: Uint8Array; y: Float32Array }[]>();
  const lookup = (mask: Uint8Array, hash: number) => cache.get(hash)?.find((e) => Buffer.compare(e.mask, mask) === 0);
  return {
    players,
    outputs,
    async evaluate(masks: Uint8Array, n: number): Promise<Float32Array> {
      const rows = Array.from({ length: n }, (_, i) => masks.subarray(i * players, (i + 1) * players));
      const cacheable = rows.map((row) => all || row.indexOf(row[0] ^ 1) === -1);
      if (!cacheable.some(Boolean)) return evaluate(masks, n);
      const hashes = rows.map((row, i) => (cacheable[i] ? maskHash(row) : -1));
      // Rows not cached yet, each distinct one once.
      const missing: number[] = [];
      const pending = new Map<number, Uint8Array[]>();
      rows.forEach((row, i) => {
        if (!cacheable[i]) {
          missing.push(i);
          return;
        }
        if (lookup(row, hashes[i])) return;
        const same = pending.get(hashes[i]) ?? [];
        if (same.some((m) => Buffer.compare(m, row) === 0)) return;
        same.push(row);
        pending.set(hashes[i], same);
        missing.push(i);
      });
      let y: Float32Array | undefined;
      if (missing.length) {
        const sub = new Uint8Array(missing.length * players);
        missing.forEach((row, j) => sub.set(rows[row], j * players));
        y = await evaluate(sub, missing.length);
        const K = outputs();
        missing.forEach((row, j) => {
          if (!cacheable[row]) return;
          const entry = { mask: sub.slice(j * players, (j + 1) * players), y: (y as Float32Array).slice(j * K, (j + 1) * K) };
          const bucket = cache.get(hashes[row]) ?? [];
          bucket.push(entry);
          cache.set(hashes[row], bucket);
        });
      }
      const K = outputs();
      const out = new Float32Array(n * K);
      const fresh = new Map<number, number>(missing.map((row, j) => [row, j]));
      rows.forEach((row, i) => {
        const j = fresh.get(i);
        out.set(j !== undefined && !cacheable[i] ? (y as Float32Array).subarray(j * K, (j + 1) * K) : (lookup(row, hashes[i]) as { y: Float32Array }).y, i * K);
      });
      return out;
    },
  };
}

/** Runs SHAP on a model-sized image. Called by `Explainer.shap()`. */
export async function runShap(model: Model, pre: ResolvedPreprocess, rgb: RgbImage, options: ShapOptions | undefined, classNames: (i: number) => string): Promise<ShapResult> {
  const start = performance.now();
  const o = checkOptions('options', options, KNOWN) as ShapOptions;
  const algorithm = o.algorithm === undefined ? 'partition' : checkChoice('algorithm', o.algorithm, SHAP_ALGORITHMS);
  const features = o.features === undefined ? (algorithm === 'partition' ? 'pixels' : 'superpixels') : checkChoice('features', o.features, ['pixels', 'superpixels'] as const);
  const seed = optionalSeed('seed', o.seed, 42);
  // Partition's default is shap's: its batch changes the order of expansions (see ShapOptions.batchSize).
  const batchSize = optionalNumber('batchSize', o.batchSize, algorithm === 'partition' ? PARTITION_DEFAULT_BATCH : 64, { integer: true, min: 2, max: 65536 });
  if (o.topLabels !== undefined) checkNumber('topLabels', o.topLabels, { integer: true, min: 1 });
  if (o.labels !== undefined && (!Array.isArray(o.labels) || o.labels.length === 0)) throw typeError('labels', 'a non-empty array of class indices', o.labels);
  o.labels?.forEach((l, i) => checkNumber(`labels[${i}]`, l, { integer: true, min: 0 }));
  if (o.hierarchy !== undefined && (algorithm !== 'partition' || features !== 'superpixels'))
    throw rangeError('hierarchy', "only with algorithm 'partition' and features 'superpixels'", 'a hierarchy');
  if (o.l1 !== undefined && algorithm !== 'kernel') throw rangeError('l1', "only with algorithm 'kernel'", o.l1);

  // Features: superpixels (a segmentation) or pixels (each pixel its own player).
  const t0 = performance.now();
  let seg: Segmentation | undefined;
  let labels: Int32Array;
  let M: number;
  if (features === 'superpixels') {
    seg = await resolveSegmentation(rgb, o.segmentation, seed);
    labels = seg.labels;
    M = seg.count;
  } else {
    if (o.segmentation !== undefined) throw rangeError('segmentation', "only with features 'superpixels'", 'a segmentation');
    M = rgb.width * rgb.height;
    labels = Int32Array.from({ length: M }, (_, i) => i);
  }
  const segmentMs = performance.now() - t0;

  // Budget.
  const defaultEvals = algorithm === 'partition' || algorithm === 'permutation' ? 500 : algorithm === 'kernel' ? Math.min(2 * M + 2048, M <= 30 ? 2 ** M : Infinity) : 2 ** M;
  if (algorithm === 'exact' && M > EXACT_MAX_PLAYERS)
    throw rangeError('features', `at most ${EXACT_MAX_PLAYERS} features for algorithm 'exact' (2^M evaluations)`, `${M} features`);
  if (algorithm !== 'partition' && features === 'pixels' && M > 4096)
    throw rangeError('features', `'superpixels' for algorithm '${algorithm}' (pixel features make ${M} players)`, 'pixels');
  const maxEvals = optionalNumber('maxEvals', o.maxEvals, defaultEvals, { integer: true, min: 2, max: MAX_EVALS });

  const hide = await maskImage(o.masker ?? 'blur(128,128)', rgb, seg?.labels, M);
  const evaluator = maskEvaluator(model, pre, rgb, hide, labels, M, { dedupe: false });
  const game = cachedGame(M, (m, n) => evaluator.evaluate(m, n), () => evaluator.classes(), algorithm === 'permutation');

  // The classes to explain come from f(image), the full coalition (cached: the algorithms need it too).
  const fx = await game.evaluate(new Uint8Array(M).fill(1), 1);
  const K = fx.length;
  o.labels?.forEach((l, i) => {
    if (l >= K) throw rangeError(`labels[${i}]`, `a class index below ${K}`, l);
  });
  if (o.topLabels !== undefined && o.topLabels > K) throw rangeError('topLabels', `at most ${K} (the model's classes)`, o.topLabels);
  checkShapMemory(algorithm, maxEvals, M, K);
  const explained = o.labels ?? topK(fx, o.topLabels ?? Math.min(5, K));
  const run = { explained, maxEvals, seed, batchSize };

  const t1 = performance.now();
  let result: ShapValues;
  switch (algorithm) {
    case 'partition': {
      let tree: PartitionTree;
      if (features === 'pixels') {
        tree = imageTree(rgb.height, rgb.width);
      } else if (o.hierarchy) {
        tree = validateTree(o.hierarchy, 'hierarchy');
        if (tree.players !== M) throw rangeError('hierarchy', `a tree over the ${M} superpixels`, `a tree over ${tree.players} players`);
      } else {
        tree = segmentTree(labels, rgb.width, rgb.height, M, rgb.data);
      }
      result = await partitionShap(game, tree, run);
      break;
    }
    case 'kernel':
      result = await kernelShap(game, { ...run, l1: o.l1 ?? false });
      break;
    case 'permutation':
      result = await permutationShap(game, run);
      break;
    case 'exact':
      result = await exactShap(game, run);
      break;
  }
  const solveMs = performance.now() - t1 - evaluator.stats.inferMs;

  const pixels = rgb.width * rgb.height;
  const sizes = new Float64Array(M);
  if (seg) for (let p = 0; p < pixels; p++) sizes[labels[p]]++;
  const explanations: ShapExplanation[] = explained.map((index, j) => {
    const phi = result.values.subarray(j * M, (j + 1) * M);
    const values = new Float32Array(pixels);
    for (let p = 0; p < pixels; p++) values[p] = seg ? phi[labels[p]] / sizes[labels[p]] : phi[p];
    const e: ShapExplanation = { index, label: classNames(index), probability: fx[index], baseValue: result.base[j], values };
    if (seg) e.segmentValues = Float64Array.from(phi);
    if (result.standardErrors) e.standardErrors = result.standardErrors.slice(j * M, (j + 1) * M);
    return e;
  });
  return {
    explanations,
    image: rgb,
    segmentation: seg,
    algorithm,
    features,
    evaluations: evaluator.stats.evaluations,
    maxEvals,
    seed,
    provider: model.provider,
    timings: { segment: segmentMs, composite: evaluator.stats.compositeMs, infer: evaluator.stats.inferMs, solve: Math.max(0, solveMs), total: performance.now() - start },
  };
}
