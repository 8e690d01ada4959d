// SPDX-License-Identifier: MIT
/**
 * `explainer.shap(image, { algorithm: 'gradient' })`: expected gradients (./expected.ts) as a SHAP
 * result — options checked, the image and backgrounds preprocessed, the classes chosen, f(x) and
 * the base value E[f(background)] computed by forward passes, and per-pixel values returned in
 * the shape of the other SHAP algorithms' results, so `renderShap` and `saveShap` take them.
 *
 * Why not an entry of lib/shap/registry.ts: a registered algorithm sees the model only through a
 * coalition game (masks of features → outputs), which cannot give gradients; expected gradients
 * need the gradient runner, a distribution of background images and no features or budget of
 * coalitions. So `Explainer.shap` branches here before `runShap`, and the registry (and the CLI's
 * `--algorithm` list built from it) stays the game-based algorithms.
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { backgroundImage, resolveBackground, type Background } from '../background';
import type { ImageInput, RgbImage } from '../image';
import { DEFAULT_TOP_LABELS } from '../lime';
import type { Model } from '../model/types';
import { toTensorData, type ResolvedPreprocess } from '../preprocess';
import { topK } from '../rank';
import { DEFAULT_SEED } from '../rng';
import { throwIfAborted, type RunControl } from '../run-control';
import type { ShapExplanation, ShapOptions, ShapResult } from '../shap';
import { checkNumber, optionalNumber, optionalSeed, rangeError, typeError } from '../validate';
import { DEFAULT_EXPECTED_GRADIENT_SAMPLES, expectedGradients } from './expected';
import type { GradientRunner } from './runner';

/** The `algorithm` value of expected gradients. */
export const GRADIENT_ALGORITHM = 'gradient';

/** Options only `algorithm: 'gradient'` takes (the others refuse them by name). */
export const GRADIENT_ONLY_OPTIONS = ['background', 'nSamples', 'localSmoothing'] as const;

/** The options `algorithm: 'gradient'` takes; every other SHAP option is refused by name. */
const GRADIENT_OPTIONS: readonly string[] = ['algorithm', 'seed', 'topLabels', 'labels', 'features', ...GRADIENT_ONLY_OPTIONS];

/** Most background images in a list (each is kept as one float32 model input). */
export const MAX_BACKGROUND_IMAGES = 256;

/** Default `background`: shap's Image masker default, as SHAP's `masker`. */
const DEFAULT_GRADIENT_BACKGROUND = 'blur(128,128)';

/** What the caller gave as `background`, checked: a spec, or a list of images. */
type GradientBackground = { spec: Background } | { images: ImageInput[] };

/** Checks every option before any work (TypeError / RangeError naming the option). */
function resolveGradientOptions(options: ShapOptions) {
  // Each option read once (a getter may answer differently twice).
  const o: Record<string, unknown> = { ...options };
  for (const key of Object.keys(o))
    if (!GRADIENT_OPTIONS.includes(key) && o[key] !== undefined)
      throw rangeError(key, `not with algorithm 'gradient' (it takes ${GRADIENT_OPTIONS.join(', ')})`, o[key]);
  if (o.features !== undefined && o.features !== 'pixels')
    throw rangeError('features', "'pixels' with algorithm 'gradient' (gradients are per input element)", o.features);
  const nSamples = optionalNumber('nSamples', o.nSamples, DEFAULT_EXPECTED_GRADIENT_SAMPLES, { integer: true, min: 1, max: 1e7 });
  const localSmoothing = optionalNumber('localSmoothing', o.localSmoothing, 0, { min: 0, max: 1e6 });
  const seed = optionalSeed('seed', o.seed, DEFAULT_SEED);
  if (o.topLabels !== undefined) checkNumber('topLabels', o.topLabels, { integer: true, min: 1 });
  const labels = o.labels;
  if (labels !== undefined && (!Array.isArray(labels) || labels.length === 0))
    throw typeError('labels', 'a non-empty array of class indices', labels);
  (labels as unknown[] | undefined)?.forEach((l, i) => checkNumber(`labels[${i}]`, l, { integer: true, min: 0 }));
  let background: GradientBackground;
  if (Array.isArray(o.background)) {
    const list = [...(o.background as unknown[])];
    if (list.length === 0 || list.length > MAX_BACKGROUND_IMAGES)
      throw rangeError('background', `a list of 1..${MAX_BACKGROUND_IMAGES} images`, `${list.length} images`);
    background = { images: list as ImageInput[] };
  } else background = { spec: resolveBackground('background', o.background ?? DEFAULT_GRADIENT_BACKGROUND) };
  return {
    nSamples,
    localSmoothing,
    seed,
    topLabels: o.topLabels as number | undefined,
    labels: labels as number[] | undefined,
    background,
  };
}

/**
 * Runs expected gradients for `rgb` (already fitted to the model) and returns a SHAP result.
 * @param prepare - fits a background image to the model's size, as the explained image was.
 * @param runner - resolves to the model's (cached) gradient runner once softmax is decided.
 */
export async function runGradientShap(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  options: ShapOptions,
  classNames: (index: number) => string,
  prepare: (image: ImageInput) => Promise<RgbImage>,
  runner: () => Promise<GradientRunner>,
  control: RunControl = {},
): Promise<ShapResult> {
  const t0 = performance.now();
  const o = resolveGradientOptions(options);
  throwIfAborted(control.signal);
  const size: [number, number] = [rgb.height, rgb.width];
  const tensor = (img: RgbImage) => toTensorData(img, pre, 'float32') as Float32Array;
  const image = tensor(rgb);
  const per = image.length;

  // Backgrounds: computed from the image (a spec), or the caller's images fitted like the image.
  const bgImages: RgbImage[] = 'spec' in o.background ? [await backgroundImage('background', o.background.spec, rgb, undefined, 1)] : [];
  if ('images' in o.background)
    for (const [i, input] of o.background.images.entries()) {
      try {
        bgImages.push(await prepare(input));
      } catch (e) {
        if (e instanceof Error) e.message = `background[${i}]: ${e.message}`;
        throw e;
      }
    }
  const backgrounds = bgImages.map(tensor);

  // f(x) picks the classes (and decides 'auto' softmax before the gradient model is built).
  let inferMs = 0;
  let t = performance.now();
  const fx = await model.run(image, 1, size);
  inferMs += performance.now() - t;
  const K = fx.length;
  o.labels?.forEach((l, i) => {
    if (l >= K) throw rangeError(`labels[${i}]`, `a class index below ${K}`, l);
  });
  if (o.topLabels !== undefined && o.topLabels > K) throw rangeError('topLabels', `at most ${K} (the model's classes)`, o.topLabels);
  const explained = o.labels ?? topK(fx, o.topLabels ?? Math.min(DEFAULT_TOP_LABELS, K));

  // baseValue = E[f(background)]: the mean output over the background images (shap's expected_value).
  const all = new Float32Array(backgrounds.length * per);
  backgrounds.forEach((b, i) => all.set(b, i * per));
  t = performance.now();
  const fb = await model.run(all, backgrounds.length, size);
  inferMs += performance.now() - t;
  const base = explained.map((k) => {
    let s = 0;
    for (let j = 0; j < backgrounds.length; j++) s += fb[j * K + k];
    return s / backgrounds.length;
  });

  throwIfAborted(control.signal);
  const eg = await expectedGradients(await runner(), {
    image,
    backgrounds,
    classes: explained,
    nSamples: o.nSamples,
    localSmoothing: o.localSmoothing,
    seed: o.seed,
    layout: pre.layout,
    plane: rgb.width * rgb.height,
    checkpoint: () => throwIfAborted(control.signal),
  });

  const explanations: ShapExplanation[] = explained.map((index, j) => ({
    index,
    label: classNames(index),
    probability: fx[index],
    baseValue: base[j],
    values: eg.pixels[j],
    standardErrors: eg.pixelStandardErrors[j],
    sumStandardError: eg.sumStandardErrors[j],
  }));
  const forwardImages = 1 + backgrounds.length;
  const total = performance.now() - t0;
  return {
    explanations,
    image: rgb,
    algorithm: GRADIENT_ALGORITHM,
    features: 'pixels',
    // What evaluate() uses as its substrate: the background spec, or the first background image.
    masker:
      'spec' in o.background
        ? o.background.spec
        : { kind: 'image', input: { data: bgImages[0].data, width: rgb.width, height: rgb.height, channels: 3 } },
    evaluations: eg.evaluations + forwardImages,
    maxEvals: o.nSamples,
    seed: o.seed,
    provider: model.provider,
    // No compositing: every input is built in JavaScript; 'native' is the explainer-wide default.
    compositing: 'native',
    inputBytes: (eg.evaluations + forwardImages) * per * 4,
    timings: {
      segment: 0,
      composite: 0,
      infer: inferMs + eg.runMs,
      evaluate: inferMs + eg.totalMs,
      solve: 0,
      total,
      wait: { segment: 0, evaluate: 0, solve: 0, total: 0 },
    },
  };
}
