// SPDX-License-Identifier: MIT
/**
 * The entry point for explanations: `createExplainer(model, options)` loads an ONNX image classifier
 * once, or wraps a predict function (model/function-model.ts); the returned Explainer classifies
 * and explains any number of images, then is disposed.
 */
import * as fs from 'node:fs/promises';
import type { ImageInput, RgbImage } from './image';
import { prepareImage } from './model-image';
import { runLime, type LimeOptions, type LimeResult } from './lime';
import { runShap, type ShapOptions, type ShapResult } from './shap';
import type { ModelSource } from './metrics/metric';
import { planEvaluation, runEvaluation, type EvaluateOptions, type EvaluationResult } from './metrics/run';
import { explainBatch, type BatchItem, type BatchOptions } from './batch';
import { loadModel, type LoadModelOptions, type Model } from './model';
import { loadModelWithBytes, readClassNames, checkBatchSizeOption, checkSoftmaxOption } from './model/load';
import {
  FUNCTION_MODEL_KEYS,
  FunctionModel,
  ONNX_ONLY_KEYS,
  refuseOnnxOnly,
  type FunctionModelOptions,
  type PredictFunction,
} from './model/function-model';
import {
  checkSizeOption,
  DEFAULT_PRESET,
  resolvePreprocess,
  toTensorData,
  type PreprocessSpec,
  type ResolvedPreprocess,
} from './preprocess';
import { topK } from './rank';
import { withOwnSegmentation } from './segment';
import { splitRunControl, throwIfAborted } from './run-control';
import { checkChoice, checkNumber, checkOptions, rangeError, typeError } from './validate';
import { COMPOSITING_MODES, type Compositing } from './engine';
import { checkGraphPays, useGraphCompositing } from './graph-engine';
import { prependCompositing } from './onnx/prepend-compositing';
import { GradientRunner } from './gradient/runner';
import { runIntegratedGradients, type IntegratedGradientsOptions, type IntegratedGradientsResult } from './gradient/explain-ig';
import { GRADIENT_ALGORITHM, runGradientShap } from './gradient/explain-expected';
import { runSmoothGrad, type SmoothGradOptions, type SmoothGradResult } from './gradient/explain-smooth';
import { runGradCam, type GradCamOptions, type GradCamResult } from './gradient/explain-gradcam';

/** Options of {@link createExplainer}: the model's and its preprocessing. */
export interface ExplainerOptions extends LoadModelOptions {
  /**
   * How images become model input: `'imagenet'` (default: RGB, /255, ImageNet mean/std, NCHW,
   * short side 256 then centre crop 224), `'inception'` (299, scaled to [-1, 1]), `'caffe-bgr'` (BGR,
   * 0–255, no mean/std), or a custom `{ size, resize, layout, channels, scale, mean, std }`.
   */
  preprocess?: PreprocessSpec;
  /**
   * Where LIME's and SHAP's perturbed images are composited. Default `'native'`.
   *
   * - `'native'`: by the addon, straight into the model's input tensor, overlapped with inference:
   *   the fastest on a CPU. Each batch hands onnxruntime N × 3·H·W floats (602 KB per 224×224
   *   sample; 602 MB for LIME's 1000 samples).
   * - `'graph'`: the model is rewritten (lib/onnx/prepend-compositing.ts) so that compositing runs as
   *   its first nodes, on the execution provider; each run sends N × segments mask bytes plus the
   *   8-bit image and background (3·H·W bytes each) and the label map (H·W bytes up to 256 segments,
   *   2·H·W up to 65536) — 0.35 MB at 224² with superpixels, 0.40 MB for pixel-level SHAP, plus the
   *   masks. Choose it on a GPU (`executionProviders: ['cuda', …]`), where the native tensors must
   *   otherwise cross the bus, with a batch of many samples (a dynamic-batch model's `batchSize`):
   *   those per-run bytes are paid at every run, so a small batch loses. Refused (RangeError naming
   *   `compositing`, with both byte counts) where a full run would send at least native's bytes:
   *   at load for a float16 model at batch size 1 (e.g. a model exported with a fixed batch of 1),
   *   and per image for its segment count. The model sees the very same input values as with
   *   `'native'` (same bits). Batches are not shared between images, `timings.composite` is 0
   *   (compositing is inside `infer`), and the rewritten model is a second session beside the
   *   original one (used by `classify`). Needs a model of opset 7 or newer and `inference: 'main'`
   *   (a RangeError otherwise); below opset 9, preprocessing that overflows to a non-finite value is
   *   refused (RangeError naming `preprocess`). Models loaded for `evaluate()`'s randomisation check
   *   composite natively.
   */
  compositing?: Compositing;
}

/**
 * Options of `createExplainer(fn, options)` for a predict function: its input size, class names,
 * softmax and batch size ({@link FunctionModelOptions}) and the preprocessing that makes its input.
 * The ONNX-only options are refused by name (RangeError): `compositing: 'graph'`,
 * `inference: 'worker'`, `executionProviders`, `intraOpNumThreads`, `interOpNumThreads`.
 */
export interface FunctionExplainerOptions extends FunctionModelOptions {
  /**
   * How images become the function's input, as for an ONNX model (default `'imagenet'`); its
   * `layout` (a custom one, default `'nchw'`) is the layout of the batches the function gets.
   */
  preprocess?: PreprocessSpec;
}

/** One class of a classification. */
export interface Classification {
  index: number;
  label: string;
  probability: number;
}

/** A loaded model with its preprocessing; explains images with LIME (and SHAP). */
export class Explainer {
  /** @internal Use {@link createExplainer}. */
  constructor(
    /** The model: an ONNX Runtime session, or a predict function (`model.provider === 'function'`). */
    readonly model: Model,
    /** The preprocessing in force (every value resolved). */
    readonly preprocess: ResolvedPreprocess,
    /**
     * Where the model came from (its path or a copy of its bytes) and its load options, for
     * evaluate()'s randomisation check, which loads a rewritten copy. Absent (a predict function):
     * that metric is refused.
     */
    private readonly source?: { model: string | Uint8Array; options: LoadModelOptions },
  ) {}

  /** The gradient model (lib/gradient), built on first use and kept until dispose(). */
  private gradientRunner: Promise<GradientRunner> | undefined;
  /** Grad-CAM's gradient models, one per layer (they also output the layer and its gradient). */
  private layerRunners = new Map<string, Promise<GradientRunner>>();

  /**
   * The cached gradient runner: the model's backward graph, built once from its bytes and opened on
   * the model's provider. Needs an ONNX model on the main thread (an Error otherwise).
   * With a `layer`: the runner that also outputs that value and its gradient, of the logits
   * (Grad-CAM's y^c, before any softmax), cached per layer.
   */
  private gradients(layer?: string): Promise<GradientRunner> {
    const model = this.model;
    const source = this.modelSource();
    if (model.openSession === undefined || source === undefined)
      return Promise.reject(
        new Error("gradients need an ONNX model loaded with inference 'main' (not a predict function, not inference 'worker')"),
      );
    const cached = layer === undefined ? this.gradientRunner : this.layerRunners.get(layer);
    if (cached === undefined) {
      const [height, width] = this.preprocess.size;
      const built = (async () =>
        GradientRunner.create(await source.bytes(), (bytes, what) => model.openSession!(bytes, what), {
          inputShape: this.preprocess.layout === 'nchw' ? [3, height, width] : [height, width, 3],
          batchSize: model.batchSize,
          fixedBatch: model.batch !== 'dynamic',
          softmax: model.softmax === true,
          ...(layer === undefined ? {} : { layer, logits: true }),
        }))();
      // A failed build is not kept: the next call tries again (and fails the same way, with its message).
      built.catch(() => {
        if (this.gradientRunner === built) this.gradientRunner = undefined;
        if (layer !== undefined && this.layerRunners.get(layer) === built) this.layerRunners.delete(layer);
      });
      if (layer === undefined) this.gradientRunner = built;
      else this.layerRunners.set(layer, built);
      return built;
    }
    return cached;
  }

  /**
   * Explains one image with Grad-CAM (Selvaraju et al. 2017) on a convolutional layer: the layer's
   * activation A and the gradient of the class's score with respect to it come from the model's
   * backward graph (as for {@link integratedGradients}; built once per layer and cached); each
   * channel's weight is its mean gradient α_c, and the map ReLU(Σ α_c A_c) is upsampled bilinearly
   * to the model's input size. The score differentiated is the logit, as in the paper: the model's
   * output before the library's softmax, or before the model's own final Softmax.
   *
   * @param options - `classIndex` (default: the top class), `layer` (default: the last 4-D
   *   activation with more than one position, the last feature map before global pooling; the
   *   result says which).
   * @throws TypeError / RangeError naming a bad option: RangeError naming `layer` for a name that is
   *   not a node output (a few valid names suggested) or a value that is not 4-D; as
   *   {@link integratedGradients} for models without gradients.
   * @example
   * const cam = await explainer.gradCam('cat.jpg');
   * console.log(cam.label, cam.layer, cam.layerShape);
   */
  async gradCam(image: ImageInput, options?: GradCamOptions): Promise<GradCamResult> {
    const rgb = await this.prepare(image);
    return runGradCam(
      this.model,
      this.preprocess,
      rgb,
      options,
      (i) => this.label(i),
      () => this.gradients(),
      (layer) => this.gradients(layer),
    );
  }

  /**
   * Explains one image with Integrated Gradients (Sundararajan et al. 2017), computed from the
   * model's own gradients: lib/gradient writes its backward graph as ONNX nodes and onnxruntime runs
   * it (built on the first call and cached; see README, "Gradients", for the supported operators).
   * The path integral from the baseline to the image is the trapezoidal rule over `steps` intervals
   * (default 50); the result reports the completeness gap Σ attributions − (f(x) − f(baseline)).
   * Gradients are of what `classify` returns (probabilities after the model's or the library's
   * softmax, or logits with `softmax: false`).
   *
   * @param options - `classIndex` (default: the top class), `baseline` (default `'black'`; any
   *   `hide`/`masker` spec), `steps` (default 50).
   * @throws TypeError / RangeError naming a bad option; RangeError naming an operator (and node)
   *   the gradients do not support, or a quantized model; Error for a predict function or a worker
   *   model.
   * @example
   * const ig = await explainer.integratedGradients('cat.jpg', { steps: 100, baseline: 'blur(16,16)' });
   * console.log(ig.label, ig.completenessGap);
   */
  async integratedGradients(image: ImageInput, options?: IntegratedGradientsOptions): Promise<IntegratedGradientsResult> {
    const rgb = await this.prepare(image);
    return runIntegratedGradients(
      this.model,
      this.preprocess,
      rgb,
      options,
      (i) => this.label(i),
      () => this.gradients(),
    );
  }

  /**
   * Explains one image with SmoothGrad (Smilkov et al. 2017): the class's gradient averaged over
   * `nSamples` copies of the image with Gaussian noise, from the same cached gradient model as
   * {@link Explainer.integratedGradients}. `variant: 'gradient*input'` multiplies the mean
   * gradient by the image.
   *
   * @param options - `classIndex` (default: the top class), `nSamples` (default 50), `noise`
   *   (σ as a fraction of the preprocessed image's value range, default 0.15), `variant`
   *   (default `'gradient'`), `seed` (default 42).
   * @throws TypeError / RangeError naming a bad option; the errors of the gradient model as for
   *   {@link Explainer.integratedGradients}.
   * @example
   * const sg = await explainer.smoothGrad('cat.jpg', { nSamples: 50, noise: 0.15 });
   * console.log(sg.label, sg.pixels); // H·W values
   */
  async smoothGrad(image: ImageInput, options?: SmoothGradOptions): Promise<SmoothGradResult> {
    const rgb = await this.prepare(image);
    return runSmoothGrad(
      this.model,
      this.preprocess,
      rgb,
      options,
      (i) => this.label(i),
      () => this.gradients(),
    );
  }

  /** The model's source as the metrics read it (undefined without one). */
  private modelSource(): ModelSource | undefined {
    const src = this.source;
    if (src === undefined) return undefined;
    return {
      bytes: async () => (typeof src.model === 'string' ? new Uint8Array(await fs.readFile(src.model)) : src.model),
      load: (bytes) => loadModel(bytes, src.options),
    };
  }

  /** The label of class `index` (from `classNames`, else `"class <index>"`). */
  label(index: number): string {
    return this.model.classNames?.[index] ?? `class ${index}`;
  }

  /**
   * Decodes an image and fits it to the model's input size (the preprocessing's resize/crop), as
   * 8-bit RGB. Explanations are made on this model-sized image.
   */
  async prepare(image: ImageInput): Promise<RgbImage> {
    return prepareImage(image, this.preprocess);
  }

  /**
   * Classifies one image.
   * @param options.topK - classes returned, highest first (default 5).
   * @returns `[{ index, label, probability }]`.
   */
  async classify(image: ImageInput, options?: { topK?: number }): Promise<Classification[]> {
    const o = checkOptions('options', options, ['topK']);
    const k = o.topK === undefined ? 5 : checkNumber('topK', o.topK, { integer: true, min: 1 });
    const rgb = await this.prepare(image);
    const scores = await this.model.run(toTensorData(rgb, this.preprocess, this.model.inputType), 1, [rgb.height, rgb.width]);
    return topK(scores, Math.min(k, scores.length)).map((index) => ({ index, label: this.label(index), probability: scores[index] }));
  }

  /**
   * Explains the model's prediction for one image with LIME (lime_image semantics: quickshift
   * segments, 1000 Bernoulli(0.5) perturbations with row 0 the image itself, segments hidden by their
   * mean colour, cosine-distance kernel of width 0.25, ridge alpha 1 per class, top 5 classes).
   * Perturbations are composited natively straight into the model's input tensor and evaluated in
   * batches, compositing the next batch while the model runs.
   *
   * Note: onnxruntime-node's `session.run` blocks the event loop while it runs, unless the model
   * was loaded with `inference: 'worker'`.
   *
   * @param image - a file path, encoded bytes or raw pixels.
   * @param options - see {@link LimeOptions} for every option and its default.
   * @returns explanations of the explained classes, highest first, with the segmentation, seed,
   *   evaluations, provider and per-stage timings.
   * @example
   * const explainer = await createExplainer('mobilenetv2.onnx', { classNames: 'labels.txt' });
   * const { explanations } = await explainer.lime('cat.jpg', { numSamples: 1000, seed: 1 });
   * console.log(explanations[0].label, explanations[0].ranking.slice(0, 5));
   */
  async lime(image: ImageInput, options?: LimeOptions): Promise<LimeResult> {
    // signal and onProgress steer the run; the rest are the result's settings.
    const { settings, control } = splitRunControl(options);
    throwIfAborted(control.signal);
    const own = withOwnSegmentation(settings);
    const rgb = await this.prepare(image);
    return runLime(this.model, this.preprocess, rgb, own, (i) => this.label(i), control);
  }

  /**
   * Explains the model's prediction for one image with SHAP: Partition (Owen values; default, as
   * shap picks for images), Kernel, Permutation or exact Shapley values, over pixels or superpixels,
   * with shap's blur(128,128) masker by default. Values always satisfy efficiency:
   * Σ values = probability − baseValue. At the defaults (pixels, blur(128,128), 500 evaluations,
   * batchSize 10) Partition gives Python shap's own values for `shap.Explainer(f,
   * shap.maskers.Image("blur(128,128)", shape))` (tested to float32 precision in
   * test/shap/shap-parity.test.ts); a larger `batchSize` is faster but gives other values.
   * `algorithm: 'gradient'` is expected gradients instead (shap's GradientExplainer, over the
   * model's own gradients: see lib/gradient/explain-expected.ts and README, "Gradients"): options
   * `background`, `nSamples` (default 200), `localSmoothing`, `seed`, `topLabels`, `labels`.
   *
   * Note: onnxruntime-node's `session.run` blocks the event loop while it runs, unless the model
   * was loaded with `inference: 'worker'`.
   *
   * @param options - see {@link ShapOptions} for every option and its default.
   * @example
   * const { explanations } = await explainer.shap('cat.jpg', { algorithm: 'partition', maxEvals: 500 });
   */
  async shap(image: ImageInput, options?: ShapOptions): Promise<ShapResult> {
    // signal and onProgress steer the run; the rest are the result's settings.
    const { settings, control } = splitRunControl(options);
    throwIfAborted(control.signal);
    if ((settings as ShapOptions | undefined)?.algorithm === GRADIENT_ALGORITHM) {
      // Expected gradients need the gradient runner, not the coalition game (see explain-expected.ts).
      const rgb = await this.prepare(image);
      return runGradientShap(
        this.model,
        this.preprocess,
        rgb,
        settings as ShapOptions,
        (i) => this.label(i),
        (img) => this.prepare(img),
        () => this.gradients(),
        control,
      );
    }
    const own = withOwnSegmentation(settings);
    const rgb = await this.prepare(image);
    return runShap(this.model, this.preprocess, rgb, own, (i) => this.label(i), control);
  }

  /**
   * Measures how good an explanation of `image` is, by forward passes only (the same batch engine
   * as the explanation), for each explained class, over the explanation's features (segments; for
   * pixel-level SHAP, pixels ranked by value in `steps` chunks, default 100):
   * - `deletion` / `insertion` (Petsiuk et al. 2018): the class's output as the highest-attributed
   *   features are replaced by the substrate (revealed over it), k = 0..n, with the curve, its AUC
   *   and the same for `randomOrders` seeded random orders (default 10);
   * - `mufidelity` (Bhatt et al. 2020): over `subsets` random subsets (default 128, each feature in
   *   with probability `subsetFraction`, default 0.2), the correlation of Σ φ over the subset with
   *   the output's drop when it is removed;
   * - `stability`: explained again with `seeds` seeds (default 5) and the same segmentation: mean
   *   pairwise Spearman correlation and top-`k` Jaccard index (default 5);
   * - `randomization` (Adebayo et al. 2018; only when asked for in `metrics`): explained again with
   *   the result's seed on a copy of the model whose last `layers` weighted nodes (default 1) have
   *   their weights permuted (seeded by `seed`); the Spearman correlation with the original
   *   attributions and the permuted initializers' names;
   * and, where they exist, LIME's weighted R² (`r2`) and SHAP's efficiency gap.
   * The substrate defaults to the explanation's own background (LIME's `hide`, SHAP's `masker`).
   * Every option is checked before any model call; the result is plain data and echoes `seed`
   * (default 42).
   *
   * @param image - the image that `result` explains (as given to `lime()`/`shap()`).
   * @param result - a result of {@link Explainer.lime} or {@link Explainer.shap} on this explainer.
   * @param options - see {@link EvaluateOptions} for every option and its default.
   * @throws RangeError when `image` is not the image `result` explains; TypeError/RangeError naming
   *   any bad option.
   * @example
   * const lime = await explainer.lime('cat.jpg');
   * const q = await explainer.evaluate('cat.jpg', lime, { metrics: ['deletion', 'insertion'] });
   * console.log(q.classes[0].deletion?.auc, q.classes[0].deletion?.random.auc);
   */
  async evaluate(image: ImageInput, result: LimeResult | ShapResult, options?: EvaluateOptions): Promise<EvaluationResult> {
    // Checked copies now, before decoding: the caller may change its objects while we run.
    const plan = planEvaluation(result, options, this.model.classes);
    const rgb = await this.prepare(image);
    return runEvaluation(this.model, this.preprocess, rgb, plan, this.modelSource());
  }

  /**
   * Explains many images (LIME, SHAP or both per image) with a few in flight at once, sharing model
   * batches between them. Yields one item per image in input order; a failed image is a failed item
   * (`ok: false`, with its error) and the batch goes on. `onProgress` is called after each image
   * and as model batches return samples of the images in flight (see BatchProgress);
   * aborting `signal` stops starting new images and lets the ones in flight finish.
   * @example
   * for await (const item of explainer.explainBatch(files, { method: 'both', onProgress: console.log })) {
   *   if (item.ok) save(item.lime, item.shap); else console.error(item.input, item.error.message);
   * }
   */
  explainBatch(images: Iterable<ImageInput> | AsyncIterable<ImageInput>, options?: BatchOptions): AsyncGenerator<BatchItem> {
    return explainBatch(this, images, options);
  }

  /** Releases the model. The explainer cannot be used afterwards. */
  async dispose(): Promise<void> {
    const gradients = [this.gradientRunner, ...this.layerRunners.values()];
    this.gradientRunner = undefined;
    this.layerRunners.clear();
    for (const g of gradients) await g?.then((r) => r.dispose()).catch(() => undefined);
    await this.model.dispose();
  }
}

/**
 * Rewrites the model for `compositing: 'graph'`, loads it beside `model` and makes it the model's engine.
 * @param bytes - the bytes `model` was loaded from (not read again: both sessions are the same model).
 */
async function loadCompositingGraph(model: Model, pre: ResolvedPreprocess, bytes: Uint8Array): Promise<void> {
  if (model.loadCompositingGraph === undefined)
    throw rangeError('compositing', "'native' for this model (it cannot load a compositing graph)", 'graph');
  const [height, width] = pre.size;
  // The least a graph run sends (one segment) against native's run: refuse before building anything.
  checkGraphPays(model, 1, height * width);
  // The graph composites 8-bit RGB through a table: other channel counts composite natively.
  if (pre.channelCount !== 3) throw rangeError('compositing', `'native' for a model of ${pre.channelCount} input channels`, 'graph');
  const [mean, std] = [pre.mean, pre.std] as [number, number, number][];
  const params = { scale: pre.scale, mean, std, layout: pre.layout, channels: pre.channels };
  const rewritten = prependCompositing(bytes, { inputName: model.inputName, inputType: model.inputType, height, width, ...params });
  useGraphCompositing(model, await model.loadCompositingGraph(rewritten.bytes, rewritten.inputs), params);
}

/**
 * Loads an ONNX image classifier for explanation, or wraps a predict function as one.
 *
 * An ONNX model: a path of an .onnx file, or its bytes; `options` are {@link ExplainerOptions}.
 *
 * A predict function: `fn(batch)` gets `{ data, dims, layout, signal }` — the preprocessed,
 * perturbed images as a Float32Array with dims `[N, 3, H, W]` (or `[N, H, W, 3]` for an `'nhwc'`
 * preprocessing), N at most `batchSize`, a copy it may keep — and returns (or resolves to) their
 * scores: see {@link PredictFunction}. The engine batches it like an ONNX model. `options` are
 * {@link FunctionExplainerOptions}: `inputSize`, `preprocess`, `classNames`, `softmax`,
 * `batchSize`. Not with a function: `compositing: 'graph'`, `inference: 'worker'`, onnxruntime's
 * providers and threads (RangeError naming the option), and evaluate()'s `'randomization'` metric,
 * which permutes an ONNX model's weights (RangeError naming `metrics`). A function that throws,
 * rejects or returns scores of the wrong form fails the explanations in its batch with an error
 * naming it and the batch; the explainer stays usable. One that never settles holds its batch until
 * the `signal` of every explanation in it aborts (e.g. `signal: AbortSignal.timeout(60_000)`), or
 * until `dispose()`.
 *
 * @param model - path of an .onnx file, its bytes, or a predict function.
 * @param options - `preprocess` (default `'imagenet'`), `executionProviders` (default `['cpu']`;
 *   `['cuda', 'cpu']` falls back to CPU with a warning), `classNames` (file or array), `softmax`
 *   (`'auto'` default), `batchSize`, `intraOpNumThreads`, `interOpNumThreads`, `inference`
 *   (`'main'` default, or `'worker'`: the session in a worker thread; see
 *   {@link LoadModelOptions.inference}), `compositing` (`'native'` default, or `'graph'` for a GPU:
 *   see {@link ExplainerOptions.compositing}); for a function, {@link FunctionExplainerOptions}.
 * @throws TypeError for a `model` of another type; Error for an unreadable model; RangeError for
 *   a model without a 4-D image input or a class-name list of the wrong length; TypeError /
 *   RangeError naming `compositing` for a bad value, for `'graph'` with `inference: 'worker'`, a
 *   model older than opset 7, or a model and batch size at which a graph run would send at least
 *   native's bytes (a float16 model at batch size 1); RangeError naming `preprocess` for `'graph'`
 *   on a model below opset 9 when the preprocessing gives a non-finite value; with a function,
 *   RangeError naming an ONNX-only option, and `inputSize` / `preprocess.size` when they disagree
 *   or neither gives a size.
 * @example
 * const explainer = await createExplainer('mobilenetv2.onnx', { classNames: 'labels.txt' });
 * @example
 * const explainer = await createExplainer(({ data, dims }) => myModel.predict(data, dims), {
 *   inputSize: 224,
 *   preprocess: { preset: 'imagenet', layout: 'nhwc' },
 *   classNames: 'labels.txt',
 * });
 */
// The ONNX form last: Parameters<typeof createExplainer> (the CLI's option types) reads the last overload.
export async function createExplainer(model: PredictFunction, options?: FunctionExplainerOptions): Promise<Explainer>;
export async function createExplainer(model: string | Uint8Array, options?: ExplainerOptions): Promise<Explainer>;
export async function createExplainer(
  model: string | Uint8Array | PredictFunction,
  options?: ExplainerOptions | FunctionExplainerOptions,
): Promise<Explainer> {
  if (typeof model === 'function') return createFunctionExplainer(model, options as FunctionExplainerOptions | undefined);
  if (typeof model !== 'string' && !(model instanceof Uint8Array))
    throw typeError('model', 'a file path, the bytes of an ONNX model (Uint8Array) or a predict function', model);
  return createOnnxExplainer(model, options as ExplainerOptions | undefined);
}

/**
 * An explainer over a predict function (see {@link createExplainer}): its options checked, the
 * ONNX-only ones refused, the preprocessing resolved against `inputSize` (whose layout the
 * function then gets).
 */
async function createFunctionExplainer(fn: PredictFunction, options: FunctionExplainerOptions | undefined): Promise<Explainer> {
  const o = checkOptions('options', options, ['preprocess', ...FUNCTION_MODEL_KEYS, ...ONNX_ONLY_KEYS]);
  // Each value read once: a getter is not asked twice.
  const values = new Map(Object.keys(o).map((k) => [k, o[k]]));
  for (const key of ONNX_ONLY_KEYS) refuseOnnxOnly(key, values.get(key));
  const inputSize = values.get('inputSize') === undefined ? undefined : checkSizeOption('inputSize', values.get('inputSize'));
  const batchSize = checkBatchSizeOption(values.get('batchSize'));
  const softmax = checkSoftmaxOption(values.get('softmax'));
  const classNames = values.get('classNames');
  const labels = classNames === undefined ? undefined : await readClassNames(classNames as string | readonly string[]);
  // inputSize plays an ONNX model's fixed input size; the function takes whichever layout the
  // preprocessing names (no model layout to agree with).
  const spec = (values.get('preprocess') ?? DEFAULT_PRESET) as PreprocessSpec;
  const pre = resolvePreprocess(spec, inputSize === undefined ? undefined : { height: inputSize[0], width: inputSize[1] });
  const loaded = new FunctionModel({ fn, size: pre.size, layout: pre.layout, batchSize, softmax, labels });
  return new Explainer(loaded, pre);
}

/** An explainer over an ONNX model (see {@link createExplainer}). */
async function createOnnxExplainer(model: string | Uint8Array, options: ExplainerOptions | undefined): Promise<Explainer> {
  const { preprocess = DEFAULT_PRESET, compositing: compositingOption, ...modelOptions } = options ?? {};
  const compositing = compositingOption === undefined ? 'native' : checkChoice('compositing', compositingOption, COMPOSITING_MODES);
  if (compositing === 'graph' && modelOptions.inference === 'worker')
    throw rangeError(
      'compositing',
      "'native' with inference 'worker' (the compositing graph runs on the main thread's session)",
      compositing,
    );
  // A copy of given bytes, taken before anything awaits (a Buffer's slice() would share them): the
  // caller may reuse its buffer. A path is read once by loadModel and read again only by evaluate().
  const source = typeof model === 'string' || !(model instanceof Uint8Array) ? model : new Uint8Array(model);
  const { model: loaded, bytes } = await loadModelWithBytes(source, modelOptions);
  try {
    const pre = resolvePreprocess(preprocess, {
      layout: loaded.layout,
      height: loaded.height,
      width: loaded.width,
      channels: loaded.channels,
    });
    if (compositing === 'graph') await loadCompositingGraph(loaded, pre, bytes);
    return new Explainer(loaded, pre, { model: source, options: modelOptions });
  } catch (err) {
    await loaded.dispose();
    throw err;
  }
}
