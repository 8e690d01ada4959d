// SPDX-License-Identifier: MIT
/**
 * What made an output: each NAME.lime.json / NAME.shap.json records a `fingerprint` with the
 * SHA-256 of the model file's bytes, limeshap's version (for the defaults a release may change) and
 * every option that changes that method's numbers or labels,
 * so `--resume` can tell outputs of this run's settings from outputs of other ones. The model is
 * hashed rather than identified by path, size and mtime: hashing runs at about 0.7 GB/s (a 3.6 MB
 * model in ~5 ms), once per run, far less than loading the model, and a model replaced in place
 * or copied elsewhere is then judged by what it is. Options that do not change results
 * (--concurrency, --inference, --provider, --shard, --out) are left out.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { readRegularFile } from '../read-file';
import { savedArraysComplete } from '../save';
import { SEGMENT_REGISTRY, type SegmentOptions } from '../segment';
import { resolveParams } from '../segment/method';
import { SHAP_ALGORITHMS, SHAP_REGISTRY } from '../shap/registry';
import { VERSION } from '../version';
import { presetText, type ExplainSettings, type GradientMethod } from './explain-flags';

/**
 * The SHA-256 (hex) of a regular file's bytes, streamed (models may be gigabytes).
 * @throws Error when the file is missing or not a regular file (a FIFO would block forever).
 */
export async function hashFile(file: string): Promise<string> {
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${file} is not a regular file`);
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/**
 * The segmentation as the fingerprint records it: the method and every parameter resolved (defaults
 * filled in, registry order), so `kernelSize=2,maxDist=100` and `maxDist=100,kernelSize=2,ratio=0.2`
 * (the default ratio) are the same setting. The settings were checked already.
 */
function segmentationKey(options: SegmentOptions): string {
  const { method, ...params } = options as SegmentOptions & Record<string, unknown>;
  const spec = SEGMENT_REGISTRY.find((m) => m.name === method);
  return JSON.stringify(spec ? { method, ...resolveParams(spec, params) } : options);
}

/** A method's settings: plain JSON values only, compared key by key. */
export type Fingerprint = Record<string, string | number | null>;

/** The keys of `expected` whose values differ in `found` (all of them when `found` is not an object). */
export function differences(expected: Fingerprint, found: unknown): string[] {
  if (typeof found !== 'object' || found === null || Array.isArray(found)) return ['fingerprint (none recorded)'];
  const f = found as Record<string, unknown>;
  const keys = new Set([...Object.keys(expected), ...Object.keys(f)]);
  return [...keys]
    .filter((k) => expected[k] !== f[k])
    .map((k) => `${k} ${JSON.stringify(f[k] ?? null)} -> ${JSON.stringify(expected[k] ?? null)}`);
}

/** An output JSON bigger than this is not one of ours (they are kilobytes to a few megabytes). */
const MAX_OUTPUT_JSON_BYTES = 256 * 1024 * 1024;

/**
 * The state of one output JSON: 'missing' (absent or unreadable, or an array it must name absent or
 * incomplete: to do), 'done' (parses, matches `expected`, and its arrays are complete), or the list
 * of differing settings.
 * @param arrays - the keys the JSON's `arrays` must name, each a complete `.npy` beside it (default none).
 */
export async function outputState(
  file: string,
  expected: Fingerprint,
  arrays: readonly string[] = [],
): Promise<'missing' | 'done' | string[]> {
  let json: unknown;
  try {
    json = JSON.parse(
      (await readRegularFile(file, { maxBytes: MAX_OUTPUT_JSON_BYTES, capName: 'the output JSON limit', what: 'output' })).toString('utf8'),
    );
  } catch {
    return 'missing';
  }
  if (typeof json !== 'object' || json === null) return 'missing';
  const diff = differences(expected, (json as Record<string, unknown>).fingerprint);
  if (diff.length) return diff;
  // The .npy files are written before the JSON, but a user may have removed or cut one since.
  return (await savedArraysComplete(file, json as Record<string, unknown>, arrays)) ? 'done' : 'missing';
}

/** The SHAP features an `explain` run uses: --features, or the algorithm's default (pixels for expected gradients). */
export function shapFeatures(s: Pick<ExplainSettings, 'features' | 'algorithm'>): 'pixels' | 'superpixels' {
  if (s.algorithm === 'gradient') return 'pixels';
  const algorithm = s.algorithm ?? SHAP_ALGORITHMS[0];
  return s.features ?? (SHAP_REGISTRY.find((a) => a.name === algorithm) as { defaultFeatures: 'pixels' | 'superpixels' }).defaultFeatures;
}

/**
 * The fingerprints of an `explain` run's LIME and SHAP outputs: every setting that changes a
 * method's numbers, labels or the outputs' content (--evaluate adds fields and pictures). Unset
 * flags are recorded as null: the library's default, which the version stands for. The
 * segmentation enters SHAP's only where SHAP uses it (superpixel features).
 * @param s - the checked settings.
 * @param modelHash - SHA-256 of the model file.
 * @param classHash - SHA-256 of the class-name file, or null.
 */
export function explainFingerprints(s: ExplainSettings, modelHash: string, classHash: string | null): Record<'lime' | 'shap', Fingerprint> {
  const common = {
    limeshap: VERSION,
    model: modelHash,
    preset: s.preset === undefined ? null : presetText(s.preset),
    classNames: classHash,
    seed: s.seed ?? null,
    top: s.top ?? null,
    evaluate: s.evaluate?.join(',') ?? null,
    // Absent unless set, so outputs made before --labels existed still match; resolved indices by then.
    ...(s.labels === undefined ? {} : { labels: s.labels.join(',') }),
  };
  const segmentation = s.segmentation === undefined ? null : segmentationKey(s.segmentation);
  return {
    lime: {
      method: 'lime',
      ...common,
      samples: s.numSamples ?? null,
      segmentation,
      hide: s.hide === undefined ? null : String(s.hide),
      kernelWidth: s.kernelWidth ?? null,
      regressor: s.regressor ?? null,
      // Absent unless set, so outputs made before --sampler existed (the default) still match.
      ...(s.sampler === undefined ? {} : { sampler: s.sampler }),
      ...(s.stabilityTarget === undefined ? {} : { stabilityTarget: s.stabilityTarget }),
      ...(s.maxSamples === undefined ? {} : { maxSamples: s.maxSamples }),
    },
    shap: {
      method: 'shap',
      ...common,
      algorithm: s.algorithm ?? null,
      maxEvals: s.maxEvals ?? null,
      // Absent unless set, so outputs made before --eg-samples existed still match.
      ...(s.egSamples === undefined ? {} : { egSamples: s.egSamples }),
      // Absent unless set, so outputs made before --error-target existed still match.
      ...(s.errorTarget === undefined ? {} : { errorTarget: s.errorTarget }),
      ...(s.maxEvalsLimit === undefined ? {} : { maxEvalsLimit: s.maxEvalsLimit }),
      features: s.features ?? null,
      segmentation: shapFeatures(s) === 'superpixels' ? segmentation : null,
      masker: s.masker === undefined ? null : String(s.masker),
    },
  };
}

/**
 * The fingerprints of an `explain` run's gradient outputs (NAME.ig.json, NAME.smoothgrad.json,
 * NAME.gradcam.json; SmoothGrad's with the seed of its noise): the
 * model, preprocessing, class names, the class chosen (--labels' first, else the top class) and the
 * method's own flags, unset ones as null (the library's default, which the version stands for).
 * @param s - the checked settings.
 * @param modelHash - SHA-256 of the model file.
 * @param classHash - SHA-256 of the class-name file, or null.
 */
export function gradientFingerprints(s: ExplainSettings, modelHash: string, classHash: string | null): Record<GradientMethod, Fingerprint> {
  const common = {
    limeshap: VERSION,
    model: modelHash,
    preset: s.preset === undefined ? null : presetText(s.preset),
    classNames: classHash,
    classIndex: s.labels?.[0] ?? null,
  };
  return {
    ig: { method: 'ig', ...common, steps: s.igSteps ?? null, baseline: s.igBaseline === undefined ? null : String(s.igBaseline) },
    smoothgrad: {
      method: 'smoothgrad',
      ...common,
      samples: s.smoothgradSamples ?? null,
      noise: s.smoothgradNoise ?? null,
      variant: s.smoothgradVariant ?? null,
      seed: s.seed ?? null,
    },
    gradcam: { method: 'gradcam', ...common, layer: s.layer ?? null },
  };
}
