// SPDX-License-Identifier: MIT
/**
 * `limeshap explain`'s flags: the table (parsing and usage come from it) and the checked settings
 * the command runs with. Unset flags stay undefined and the library applies its own defaults; the
 * usage shows those defaults from the library's constants.
 */
import * as path from 'node:path';
import { DEFAULT_CONCURRENCY } from '../batch';
import { resolveBackground, type BackgroundSpec } from '../background';
import {
  DEFAULT_KERNEL_WIDTH,
  DEFAULT_NUM_SAMPLES,
  DEFAULT_TOP_LABELS,
  LIME_REGRESSORS,
  MAX_KERNEL_WIDTH,
  type LimeOptions,
} from '../lime';
import { DEFAULT_MAX_SAMPLES, DEFAULT_ROUND_SIZE, DEFAULT_STABILITY_TARGET, MAX_NUM_SAMPLES } from '../lime-adaptive';
import { MAX_EVALS } from '../shap';
import { MAX_SEED } from '../validate';
import { METRIC_NAMES, type MetricName } from '../metrics/registry';
import { SEGMENT_REGISTRY, type SegmentMethod, type SegmentOptions } from '../segment';
import { resolveParams, type SegmentMethodSpec } from '../segment/method';
import { SAMPLER_REGISTRY, SAMPLER_NAMES, type SamplerName } from '../samplers/registry';
import { DEFAULT_INFERENCE } from '../model/load';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../model';
import { DEFAULT_PRESET, PREPROCESS_PRESETS, resolvePreprocess, type PreprocessOptions, type PreprocessSpec } from '../preprocess';
import { MAX_INPUT_BYTES } from '../read-file';
import { DEFAULT_SEED } from '../rng';
import { DEFAULT_IG_STEPS } from '../gradient/integrated';
import { DEFAULT_EXPECTED_GRADIENT_SAMPLES } from '../gradient/expected';
import { DEFAULT_SMOOTHGRAD_NOISE, DEFAULT_SMOOTHGRAD_SAMPLES } from '../gradient/smooth';
import { DEFAULT_ERROR_TARGET, DEFAULT_SHAP_ROUND_SIZE } from '../shap/adaptive';
import { SHAP_ALGORITHMS, SHAP_REGISTRY, type ShapAlgorithm } from '../shap/registry';
import { shapFeatures } from './fingerprint';
import { parseShard, type Shard } from './inputs';
import { choiceFlag, flagUsage, numberFlag, numberOrAutoFlag, text, type Flag, type FlagValues } from './flags';
import { COMPOSITING_MODES, type Compositing } from '../engine';

/** What LIME and SHAP run as (explainBatch's `method`); 'none' when only gradient methods run. */
type ClassicMethod = 'lime' | 'shap' | 'both' | 'none';
/** The gradient methods `--method` lists besides lime and shap (lib/cli/explain-gradients.ts runs them). */
export const GRADIENT_METHODS = ['ig', 'smoothgrad', 'gradcam'] as const;
/** A gradient method's name on the command line and in its output files (NAME.ig.json …). */
export type GradientMethod = (typeof GRADIENT_METHODS)[number];
/**
 * `--algorithm`'s choices: the registry's game-based algorithms, then expected gradients ('gradient',
 * which the library runs apart from the registry: lib/gradient/explain-expected.ts).
 */
const ALGORITHMS = [...SHAP_ALGORITHMS, 'gradient'] as const;
/** SHAP flags that expected gradients do not take (the library refuses their options too). */
const NOT_GRADIENT_SHAP = ['max-evals', 'error-target', 'max-evals-limit'];
const SMOOTHGRAD_VARIANTS = ['gradient', 'gradient*input'] as const;
/** The SHAP algorithms that take `--max-evals auto`. */
const ADAPTIVE_ALGORITHMS = SHAP_REGISTRY.filter((a) => 'adaptive' in a).map((a) => a.name);
const FEATURES = ['pixels', 'superpixels'] as const;
const INFERENCE = ['main', 'worker'] as const;
/** Methods `--segmentation` offers: those that need nothing but their parameters (not 'labels'). */
const SEGMENTATIONS: readonly SegmentMethodSpec[] = SEGMENT_REGISTRY.filter((m: SegmentMethodSpec) => !m.extraOptions?.length);
/** The spellings of a background on the command line: lib/background.ts's string forms. */
const BACKGROUND_STRINGS = 'mean, black, blur or blur(kx,ky)';

/** The flags of `limeshap explain`, in usage order. */
export const EXPLAIN_FLAGS: readonly Flag[] = [
  { name: 'model', type: 'string', arg: 'FILE', help: 'the ONNX image classifier (required)' },
  { name: 'manifest', type: 'string', arg: 'FILE', help: 'more inputs, one path per line' },
  {
    name: 'preset',
    type: 'string',
    arg: 'NAME|JSON',
    help: `preprocessing: ${PREPROCESS_PRESETS.join(', ')} (default ${DEFAULT_PRESET}), or the custom form as JSON,\ne.g. '{"preset":"caffe-bgr","mean":[104,117,123]}' (see limeshap inspect)`,
  },
  { name: 'class-names', type: 'string', arg: 'FILE', help: 'class labels, one per line' },
  {
    name: 'method',
    type: 'string',
    arg: 'M,…',
    help: 'lime (default), shap, both (= lime,shap), ig (Integrated Gradients), smoothgrad (SmoothGrad),\ngradcam (Grad-CAM), or a list: lime,ig,gradcam',
  },
  {
    name: 'samples',
    type: 'string',
    arg: 'N|auto',
    help: `LIME samples per image (default ${DEFAULT_NUM_SAMPLES}); auto: sample in rounds until the top segments are stable`,
  },
  {
    name: 'stability-target',
    type: 'string',
    arg: 'X',
    help: `with --samples auto: stability to stop at, in (0, 1] (default ${DEFAULT_STABILITY_TARGET})`,
  },
  {
    name: 'max-samples',
    type: 'string',
    arg: 'N',
    help: `with --samples auto: most samples per image, >= ${DEFAULT_ROUND_SIZE} (one round; default ${DEFAULT_MAX_SAMPLES})`,
  },
  {
    name: 'algorithm',
    type: 'string',
    arg: 'A',
    help: `SHAP algorithm: ${SHAP_ALGORITHMS.map((a, i) => (i === 0 ? `${a} (default)` : a)).join(', ')},\nor gradient (expected gradients: --eg-samples, background --masker)`,
  },
  {
    name: 'eg-samples',
    type: 'string',
    arg: 'N',
    help: `with --algorithm gradient: expected gradients' samples, 1..10000000 (default ${DEFAULT_EXPECTED_GRADIENT_SAMPLES})`,
  },
  {
    name: 'max-evals',
    type: 'string',
    arg: 'N',
    help: `SHAP evaluation budget (default: ${SHAP_REGISTRY.map((a) => `${a.name} ${a.defaultMaxEvalsText}`).join(', ')}),\nor auto (${ADAPTIVE_ALGORITHMS.join(', ')}): evaluate in rounds until --error-target`,
  },
  {
    name: 'error-target',
    type: 'string',
    arg: 'X',
    help: `with --max-evals auto: largest standard error / largest |value| to stop at, in (0, 1] (default ${DEFAULT_ERROR_TARGET})`,
  },
  {
    name: 'max-evals-limit',
    type: 'string',
    arg: 'N',
    help: `with --max-evals auto: most evaluations per image, >= ${DEFAULT_SHAP_ROUND_SIZE} (one round; default 4 × the fixed default)`,
  },
  {
    name: 'features',
    type: 'string',
    arg: 'F',
    help: `SHAP features: ${FEATURES.map(
      (f) =>
        `${f} (default of ${SHAP_REGISTRY.filter((a) => a.defaultFeatures === f)
          .map((a) => a.name)
          .join(', ')})`,
    ).join(' or ')}`,
  },
  {
    name: 'segmentation',
    type: 'string',
    arg: 'METHOD',
    help: `superpixels of LIME and SHAP's superpixel features: ${SEGMENTATIONS.map((m, i) => (i === 0 ? `${m.name} (default)` : m.name)).join(', ')}`,
  },
  {
    name: 'segment-param',
    type: 'string',
    arg: 'K=V,…',
    help: `the method's parameters, e.g. kernelSize=2,maxDist=100 (default: the method's own):\n${SEGMENTATIONS.map(
      (m) => `${m.name}: ${m.params.map((p) => `${p.name}=${String(p.default)}`).join(', ')}`,
    ).join('\n')}`,
  },
  { name: 'hide', type: 'string', arg: 'SPEC', help: `what LIME's hidden segments show: ${BACKGROUND_STRINGS} (default mean)` },
  {
    name: 'masker',
    type: 'string',
    arg: 'SPEC',
    help: `what SHAP's masked features show (with --algorithm gradient: the background):\n${BACKGROUND_STRINGS} (default blur(128,128))`,
  },
  { name: 'kernel-width', type: 'string', arg: 'X', help: `LIME's kernel width, > 0 (default ${DEFAULT_KERNEL_WIDTH})` },
  { name: 'ig-steps', type: 'string', arg: 'N', help: `Integrated Gradients' trapezoid steps, 1..100000 (default ${DEFAULT_IG_STEPS})` },
  { name: 'ig-baseline', type: 'string', arg: 'SPEC', help: `Integrated Gradients' baseline: ${BACKGROUND_STRINGS} (default black)` },
  {
    name: 'smoothgrad-samples',
    type: 'string',
    arg: 'N',
    help: `SmoothGrad's noisy copies, 1..100000 (default ${DEFAULT_SMOOTHGRAD_SAMPLES})`,
  },
  {
    name: 'smoothgrad-noise',
    type: 'string',
    arg: 'X',
    help: `SmoothGrad's noise σ as a fraction of the input's range, 0..10 (default ${DEFAULT_SMOOTHGRAD_NOISE})`,
  },
  {
    name: 'smoothgrad-variant',
    type: 'string',
    arg: 'V',
    help: `SmoothGrad's map: ${SMOOTHGRAD_VARIANTS.map((v, i) => (i === 0 ? `${v} (default)` : v)).join(' or ')}`,
  },
  {
    name: 'layer',
    type: 'string',
    arg: 'NAME',
    help: "Grad-CAM's layer, a node output (default: the last feature map before global pooling)",
  },
  {
    name: 'regressor',
    type: 'string',
    arg: 'R',
    help: `LIME's surrogate: ${LIME_REGRESSORS.map((r, i) => (i === 0 ? `${r} (default)` : r)).join(', ')}`,
  },
  {
    name: 'sampler',
    type: 'string',
    arg: 'NAME',
    help: `LIME's masks: ${SAMPLER_REGISTRY.map((r, i) => `${r.name}${i === 0 ? ' (default)' : ''}: ${r.summary}`).join(';\n')}`,
  },
  { name: 'seed', type: 'string', arg: 'N', help: `seed of sampling and segmentation (default ${DEFAULT_SEED})` },
  {
    name: 'evaluate',
    type: 'string',
    arg: 'LIST',
    help: `measure each explanation: a comma list of ${METRIC_NAMES.join(', ')}\n(into NAME.*.json as "evaluation", NAME.*-curves.png, the report)`,
  },
  { name: 'top', type: 'string', arg: 'K', help: `classes printed and explained (default ${DEFAULT_TOP_LABELS})` },
  {
    name: 'labels',
    type: 'string',
    arg: 'LIST',
    help: "explain these classes instead of the top K: indices or names, e.g. 281,285 or tabby\n(a name is a class's first synonym or full name in --class-names, any case)",
  },
  {
    name: 'provider',
    type: 'string',
    arg: 'LIST',
    help: `execution providers, e.g. cuda,cpu (default cpu; one of ${EXECUTION_PROVIDERS.join(', ')})`,
  },
  { name: 'concurrency', type: 'string', arg: 'N', help: `images in flight (default ${DEFAULT_CONCURRENCY})` },
  {
    name: 'inference',
    type: 'string',
    arg: 'WHERE',
    help: `run the model on the main thread or in a worker thread (default ${DEFAULT_INFERENCE})`,
  },
  {
    name: 'compositing',
    type: 'string',
    arg: 'WHERE',
    help: `composite perturbations natively or in the model's graph (default native; graph for a GPU: ${COMPOSITING_MODES.join(', ')})`,
  },
  { name: 'shard', type: 'string', arg: 'i/n', help: 'take the i-th of n deterministic shares of the inputs (0 <= i < n)' },
  {
    name: 'resume',
    type: 'boolean',
    help: 'skip images whose outputs exist, parse and were made with the same model\nand settings; outputs made with other ones stop the run (exit 5)',
  },
  { name: 'force', type: 'boolean', help: 'with --resume: redo images whose outputs were made with other settings' },
  {
    name: 'max-input-bytes',
    type: 'string',
    arg: 'N',
    help: `largest image file read (default ${MAX_INPUT_BYTES}, 256 MiB); only regular\nfiles are read (a FIFO, a device or a folder fails that image)`,
  },
  { name: 'report', type: 'boolean', help: 'write DIR/report.html at the end (previews embedded, full pictures and arrays linked)' },
  {
    name: 'json',
    type: 'boolean',
    help: 'print one JSON summary on stdout at the end (per image: status, output files,\ntop classes, timings; totals); everything else goes to stderr',
  },
  { name: 'out', type: 'string', arg: 'DIR', help: 'output folder (default ./limeshap-out)' },
  { name: 'help', type: 'boolean', short: 'h', help: 'this text' },
];

export const EXPLAIN_USAGE = `Usage: limeshap explain --model MODEL.onnx [options] <images, directories or globs…>

${flagUsage(EXPLAIN_FLAGS)}
Writes per image DIR/NAME.lime.json, .lime.png, .lime-heatmap.png (LIME) and DIR/NAME.shap.json,
.shap.png (SHAP), DIR/NAME.ig.json, .ig.npy, .ig-channels.npy, .ig.png (Integrated Gradients) and
DIR/NAME.smoothgrad.json, .smoothgrad.npy, .smoothgrad-channels.npy, .smoothgrad.png (SmoothGrad),
DIR/NAME.gradcam.json, .gradcam.npy, .gradcam-layer.npy, .gradcam.png (Grad-CAM; gradient methods
explain the first of --labels, else the top class), with --evaluate deletion or insertion also .lime-curves.png / .shap-curves.png; DIR/failures.jsonl lists the images failing now (one line each, rewritten by every
run from DIR/failures/). One run writes a folder at a time (DIR/.limeshap.lock; shards of one job
array each lock their own share). Directory inputs are walked recursively, following links (loops
are reported and skipped).
Exit codes: 0 all explained, 1 some failed (see failures.jsonl), 2 bad usage (an unknown flag, no
--model, a glob or folder without images, --out naming a file), 3 outputs cannot be written (disk full or read-only: not even the failure could be recorded), 4 the output folder is in
use by another run, 5 --resume found outputs of other settings (use --force), 130 interrupted.`;

/** The checked settings of one `explain` run; undefined means the library's default. */
export interface ExplainSettings {
  model: string;
  manifest: string | undefined;
  classNames: string | undefined;
  /** A preset's name or the custom form (parsed from JSON). */
  preset: PreprocessSpec | undefined;
  /** LIME and SHAP's part of --method. */
  method: ClassicMethod;
  /** The gradient methods of --method, in the order given (empty when none). */
  gradients: GradientMethod[];
  igSteps: number | undefined;
  igBaseline: BackgroundSpec | undefined;
  layer: string | undefined;
  smoothgradSamples: number | undefined;
  smoothgradNoise: number | undefined;
  smoothgradVariant: (typeof SMOOTHGRAD_VARIANTS)[number] | undefined;
  numSamples: number | 'auto' | undefined;
  /** With --samples auto only. */
  stabilityTarget: number | undefined;
  /** With --samples auto only. */
  maxSamples: number | undefined;
  /** A registered algorithm, or 'gradient' (expected gradients). */
  algorithm: ShapAlgorithm | 'gradient' | undefined;
  /** --eg-samples: expected gradients' nSamples, with --algorithm gradient. */
  egSamples: number | undefined;
  maxEvals: number | 'auto' | undefined;
  /** --error-target, with --max-evals auto. */
  errorTarget: number | undefined;
  /** --max-evals-limit, with --max-evals auto. */
  maxEvalsLimit: number | undefined;
  features: (typeof FEATURES)[number] | undefined;
  /** Method and parameters, when --segmentation or --segment-param is given. */
  segmentation: SegmentOptions | undefined;
  hide: BackgroundSpec | undefined;
  masker: BackgroundSpec | undefined;
  kernelWidth: number | undefined;
  regressor: (typeof LIME_REGRESSORS)[number] | undefined;
  sampler: SamplerName | undefined;
  seed: number | undefined;
  /** Metrics to measure each explanation with (registry order), when --evaluate is given. */
  evaluate: MetricName[] | undefined;
  top: number | undefined;
  /**
   * --labels: the classes to explain, as typed (indices as numbers, names as strings); the command
   * resolves names to indices (lib/cli/labels-flag.ts) before the run, so a run sees numbers only.
   */
  labels: (number | string)[] | undefined;
  providers: ExecutionProvider[] | undefined;
  concurrency: number | undefined;
  inference: (typeof INFERENCE)[number] | undefined;
  compositing: Compositing | undefined;
  shard: Shard | undefined;
  resume: boolean;
  force: boolean;
  maxInputBytes: number | undefined;
  report: boolean;
  /** --json: the summary document on stdout (json-summary.ts), human output on stderr. */
  json: boolean;
  out: string;
}

/**
 * Checks the parsed flags (RangeError naming the flag for a bad value). The caller has already made
 * sure `--model` is there.
 */
export function readExplainSettings(values: FlagValues): ExplainSettings {
  const providers = text(values, 'provider')?.split(',');
  providers?.forEach((p) => {
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(p))
      throw new RangeError(`--provider must list ${EXECUTION_PROVIDERS.join(', ')}, got "${p}"`);
  });
  const resume = values.resume === true,
    force = values.force === true;
  if (force && !resume) throw new RangeError('--force only makes sense with --resume (without --resume every image is redone anyway)');
  const settings: ExplainSettings = {
    model: text(values, 'model') as string,
    manifest: text(values, 'manifest'),
    classNames: text(values, 'class-names'),
    preset: presetFlag(values),
    ...methodFlag(values),
    igSteps: numberFlag(values, 'ig-steps', { integer: true, min: 1, max: 100000 }),
    igBaseline: backgroundFlag(values, 'ig-baseline'),
    layer: text(values, 'layer'),
    smoothgradSamples: numberFlag(values, 'smoothgrad-samples', { integer: true, min: 1, max: 100000 }),
    smoothgradNoise: numberFlag(values, 'smoothgrad-noise', { min: 0, max: 10 }),
    smoothgradVariant: choiceFlag(values, 'smoothgrad-variant', SMOOTHGRAD_VARIANTS),
    numSamples: numberOrAutoFlag(values, 'samples', { integer: true, min: 2, max: MAX_NUM_SAMPLES }),
    stabilityTarget: numberFlag(values, 'stability-target', { min: 0, minExclusive: true }),
    maxSamples: numberFlag(values, 'max-samples', { integer: true, min: DEFAULT_ROUND_SIZE, max: MAX_NUM_SAMPLES }),
    algorithm: choiceFlag(values, 'algorithm', ALGORITHMS),
    egSamples: numberFlag(values, 'eg-samples', { integer: true, min: 1, max: 1e7 }),
    maxEvals: numberOrAutoFlag(values, 'max-evals', { integer: true, min: 2, max: MAX_EVALS }),
    errorTarget: numberFlag(values, 'error-target', { min: 0, minExclusive: true }),
    maxEvalsLimit: numberFlag(values, 'max-evals-limit', { integer: true, min: DEFAULT_SHAP_ROUND_SIZE, max: MAX_EVALS }),
    features: choiceFlag(values, 'features', FEATURES),
    segmentation: segmentationFlag(values),
    hide: backgroundFlag(values, 'hide'),
    masker: backgroundFlag(values, 'masker'),
    kernelWidth: numberFlag(values, 'kernel-width', { min: 0, minExclusive: true, max: MAX_KERNEL_WIDTH }),
    regressor: choiceFlag(values, 'regressor', LIME_REGRESSORS),
    sampler: choiceFlag(values, 'sampler', SAMPLER_NAMES),
    seed: numberFlag(values, 'seed', { integer: true, min: 0, max: MAX_SEED }),
    evaluate: evaluateFlag(values),
    top: numberFlag(values, 'top', { integer: true, min: 1 }),
    labels: labelsFlag(values),
    providers: providers as ExecutionProvider[] | undefined,
    concurrency: numberFlag(values, 'concurrency', { integer: true, min: 1 }),
    inference: choiceFlag(values, 'inference', INFERENCE),
    compositing: choiceFlag(values, 'compositing', COMPOSITING_MODES),
    shard: parseShard(text(values, 'shard')),
    resume,
    force,
    maxInputBytes: numberFlag(values, 'max-input-bytes', { integer: true, min: 1 }),
    report: values.report === true,
    json: values.json === true,
    out: path.resolve(text(values, 'out') ?? 'limeshap-out'),
  };
  // The library refuses this pair too, but naming its options; a usage error names the flags.
  if (settings.compositing === 'graph' && settings.inference === 'worker')
    throw new RangeError(
      "--compositing graph needs --inference main (the compositing graph runs on the main thread's session): drop --inference worker or use --compositing native",
    );
  if ((settings.stabilityTarget ?? settings.maxSamples) !== undefined && settings.numSamples !== 'auto')
    throw new RangeError('--stability-target and --max-samples only apply with --samples auto');
  if (settings.stabilityTarget !== undefined && settings.stabilityTarget > 1)
    throw new RangeError(`--stability-target must be in (0, 1], got "${settings.stabilityTarget}"`);
  if (settings.method === 'shap' && settings.segmentation !== undefined && shapFeatures(settings) === 'pixels')
    throw new RangeError(
      settings.algorithm === 'gradient'
        ? '--segmentation and --segment-param: not with --algorithm gradient (expected gradients are per pixel)'
        : '--segmentation and --segment-param need superpixels: with --method shap add --features superpixels',
    );
  if (settings.labels !== undefined && settings.top !== undefined)
    throw new RangeError('--labels and --top both choose the classes to explain: give one of them');
  checkMethodFlags(values, settings.method);
  checkGradientFlags(values, settings.gradients);
  checkExpectedGradientFlags(values, settings);
  checkMaxEvalsAuto(settings);
  return settings;
}

/**
 * LIME's options from the checked settings (undefined ones leave the library's defaults); the
 * caller adds what is its own (`topLabels`, and the segmentation where it segments itself).
 */
export function limeOptionsOf(s: ExplainSettings): LimeOptions {
  return {
    numSamples: s.numSamples,
    stabilityTarget: s.stabilityTarget,
    maxSamples: s.maxSamples,
    seed: s.seed,
    segmentation: s.segmentation,
    hide: s.hide,
    kernelWidth: s.kernelWidth,
    regressor: s.regressor,
    sampler: s.sampler,
  };
}

/** Flags that only LIME reads, and flags that only SHAP reads. */
const LIME_ONLY = ['samples', 'stability-target', 'max-samples', 'hide', 'kernel-width', 'regressor', 'sampler'];
const SHAP_ONLY = ['algorithm', 'eg-samples', 'max-evals', 'error-target', 'max-evals-limit', 'features', 'masker'];

/** A setting of the method that does not run is a mistake worth a usage error, not a silent no-op. */
function checkMethodFlags(values: FlagValues, method: ClassicMethod): void {
  const given = (names: string[]) => names.filter((n) => text(values, n) !== undefined).map((n) => `--${n}`);
  const lime = given(LIME_ONLY),
    shap = given(SHAP_ONLY);
  if (method === 'shap' && lime.length)
    throw new RangeError(
      `${lime.join(', ')}: LIME settings, but --method shap runs SHAP only (use --method lime or both; SHAP's background is --masker)`,
    );
  if (method === 'none' && lime.length + shap.length)
    throw new RangeError(`${[...lime, ...shap].join(', ')}: LIME/SHAP settings, but --method runs neither (add lime or shap to --method)`);
  if (method === 'lime' && shap.length)
    throw new RangeError(
      `${shap.join(', ')}: SHAP settings, but --method lime runs LIME only (use --method shap or both; LIME's background is --hide)`,
    );
}

/**
 * `--method lime,shap,ig,gradcam`: a comma list (`both` stands for lime,shap), each once; LIME and
 * SHAP's part as explainBatch's method, the gradient methods apart. Default lime.
 */
function methodFlag(values: FlagValues): { method: ClassicMethod; gradients: GradientMethod[] } {
  const t = text(values, 'method');
  if (t === undefined) return { method: 'lime', gradients: [] };
  const known = ['lime', 'shap', 'both', ...GRADIENT_METHODS];
  const asked = t.split(',').map((m) => m.trim());
  for (const m of asked)
    if (!known.includes(m)) throw new RangeError(`--method must list methods among ${known.join(', ')}, got "${m === '' ? t : m}"`);
  const lime = asked.includes('lime') || asked.includes('both');
  const shap = asked.includes('shap') || asked.includes('both');
  return {
    method: lime && shap ? 'both' : lime ? 'lime' : shap ? 'shap' : 'none',
    gradients: GRADIENT_METHODS.filter((m) => asked.includes(m)),
  };
}

/** Flags of a gradient method that does not run are a usage error, as LIME's and SHAP's are. */
function checkGradientFlags(values: FlagValues, gradients: readonly GradientMethod[]): void {
  const given = (names: string[]) => names.filter((n) => text(values, n) !== undefined).map((n) => `--${n}`);
  const ig = given(['ig-steps', 'ig-baseline']);
  if (ig.length && !gradients.includes('ig'))
    throw new RangeError(`${ig.join(', ')}: Integrated Gradients settings, but --method does not list ig`);
  const sg = given(['smoothgrad-samples', 'smoothgrad-noise', 'smoothgrad-variant']);
  if (sg.length && !gradients.includes('smoothgrad'))
    throw new RangeError(`${sg.join(', ')}: SmoothGrad settings, but --method does not list smoothgrad`);
  if (given(['layer']).length && !gradients.includes('gradcam'))
    throw new RangeError('--layer: a Grad-CAM setting, but --method does not list gradcam');
}

/**
 * `--algorithm gradient` (expected gradients) has no coalition budget and no superpixels: the budget
 * flags and `--features superpixels` are usage errors naming the flag, as the library refuses their
 * options, and so is `--evaluate` (the library cannot evaluate its result yet); `--eg-samples` needs
 * `--algorithm gradient`.
 */
function checkExpectedGradientFlags(values: FlagValues, s: ExplainSettings): void {
  const given = (names: string[]) => names.filter((n) => text(values, n) !== undefined).map((n) => `--${n}`);
  if (s.algorithm !== 'gradient') {
    if (s.egSamples !== undefined) throw new RangeError('--eg-samples: an expected gradients setting, but --algorithm is not gradient');
    return;
  }
  const budget = given(NOT_GRADIENT_SHAP);
  if (budget.length)
    throw new RangeError(`${budget.join(', ')}: not with --algorithm gradient (expected gradients take --eg-samples instead)`);
  if (s.features === 'superpixels')
    throw new RangeError('--features superpixels: not with --algorithm gradient (gradients are per pixel: --features pixels)');
  // The library's evaluate() refuses an expected-gradients result: each image would fail after its work.
  if (s.evaluate !== undefined)
    throw new RangeError('--evaluate: not with --algorithm gradient yet (evaluate() re-explains through the coalition algorithms)');
}

/** `--max-evals auto` needs an algorithm that has an adaptive mode; `--error-target` and `--max-evals-limit` need `--max-evals auto` (RangeError naming the flag). */
function checkMaxEvalsAuto(s: ExplainSettings): void {
  if ((s.errorTarget ?? s.maxEvalsLimit) !== undefined && s.maxEvals !== 'auto')
    throw new RangeError('--error-target and --max-evals-limit only apply with --max-evals auto');
  if (s.errorTarget !== undefined && s.errorTarget > 1)
    throw new RangeError(`--error-target expects a number in (0, 1], got "${s.errorTarget}"`);
  const algorithm = s.algorithm ?? SHAP_ALGORITHMS[0];
  if (
    (s.method === 'shap' || s.method === 'both') &&
    s.maxEvals === 'auto' &&
    !(ADAPTIVE_ALGORITHMS as readonly string[]).includes(algorithm)
  )
    throw new RangeError(`--max-evals auto needs --algorithm ${ADAPTIVE_ALGORITHMS.join(' or ')} (got ${algorithm})`);
}

/**
 * `--labels 281,tabby`: class indices (non-negative integers) and names, in order. A full ImageNet
 * name holds commas ("tabby, tabby cat"), so the pieces are kept as typed and joined back where
 * they form one name (lib/cli/labels-flag.ts); here only empty pieces are refused.
 */
function labelsFlag(values: FlagValues): (number | string)[] | undefined {
  const t = text(values, 'labels');
  if (t === undefined) return undefined;
  const pieces = t.split(',').map((p) => p.trim());
  if (pieces.some((p) => p === '')) throw new RangeError(`--labels expects class indices or names separated by commas, got "${t}"`);
  return pieces.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** `--evaluate a,b`: registered metric names (registry order, once each); RangeError naming the flag otherwise. */
function evaluateFlag(values: FlagValues): MetricName[] | undefined {
  const t = text(values, 'evaluate');
  if (t === undefined) return undefined;
  const asked = t.split(',').map((m) => m.trim());
  for (const m of asked)
    if (!(METRIC_NAMES as readonly string[]).includes(m))
      throw new RangeError(`--evaluate must list metrics among ${METRIC_NAMES.join(', ')}, got "${m}"`);
  return METRIC_NAMES.filter((m) => asked.includes(m));
}

/** `--hide` / `--masker`: a background's string spelling, checked by lib/background.ts (RangeError naming the flag). */
function backgroundFlag(values: FlagValues, name: 'hide' | 'masker' | 'ig-baseline'): BackgroundSpec | undefined {
  const t = text(values, name);
  if (t === undefined) return undefined;
  try {
    resolveBackground(`--${name}`, t);
  } catch (err) {
    throw new RangeError(`--${name} must be ${BACKGROUND_STRINGS}, got "${t}" (${(err as Error).message})`, { cause: err });
  }
  return t as BackgroundSpec;
}

/**
 * `--segmentation M` and `--segment-param k=v,…`: the method (default: the registry's first) and
 * its parameters, names and values checked against the method's registry entry (RangeError naming
 * the flag). Bounds that depend on the image are checked when it is segmented.
 */
function segmentationFlag(values: FlagValues): SegmentOptions | undefined {
  const method = choiceFlag(
    values,
    'segmentation',
    SEGMENTATIONS.map((m) => m.name),
  );
  const list = text(values, 'segment-param');
  if (method === undefined && list === undefined) return undefined;
  const spec = SEGMENTATIONS.find((m) => m.name === (method ?? SEGMENTATIONS[0].name)) as SegmentMethodSpec;
  const params: Record<string, number | boolean> = {};
  for (const item of (list ?? '').split(',').filter((i) => i.trim() !== '')) {
    const m = /^\s*([A-Za-z0-9]+)\s*=\s*(\S+)\s*$/.exec(item);
    const param = m && spec.params.find((p) => p.name === m[1]);
    if (!m || !param)
      throw new RangeError(
        `--segment-param takes ${spec.params.map((p) => p.name).join(', ')} for ${spec.name} as name=value, got "${item}"`,
      );
    const v = m[2];
    if (param.rule === 'boolean') {
      if (v !== 'true' && v !== 'false') throw new RangeError(`--segment-param ${param.name} must be true or false, got "${v}"`);
      params[param.name] = v === 'true';
    } else {
      const n = v === 'inf' || v === 'Infinity' ? Infinity : Number(v);
      if (Number.isNaN(n)) throw new RangeError(`--segment-param ${param.name} must be a number, got "${v}"`);
      params[param.name] = n;
    }
  }
  try {
    resolveParams(spec, params);
  } catch (err) {
    throw new RangeError(`--segment-param: ${(err as Error).message}`, { cause: err });
  }
  return { method: spec.name as SegmentMethod, ...params };
}

/**
 * --preset: a preset's name, or the library's custom form as a JSON object (what `limeshap inspect`
 * prints when no preset fits). The object is checked now, so a wrong field is a usage error naming
 * it before any work: against a 224×224 stand-in when it gives no size and no preset (the size then
 * comes from the model, which is not loaded yet). RangeError naming --preset otherwise.
 */
function presetFlag(values: FlagValues): PreprocessSpec | undefined {
  const t = text(values, 'preset');
  if (t === undefined) return undefined;
  if (!t.trimStart().startsWith('{')) return choiceFlag(values, 'preset', PREPROCESS_PRESETS);
  let spec: unknown;
  try {
    spec = JSON.parse(t);
  } catch (err) {
    throw new RangeError(
      `--preset must be one of ${PREPROCESS_PRESETS.join(', ')} or a JSON object, got ${t} (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new RangeError(`--preset must be one of ${PREPROCESS_PRESETS.join(', ')} or a JSON object, got ${t}`);
  const o = spec as PreprocessOptions;
  try {
    resolvePreprocess(o.size === undefined && o.preset === undefined ? { ...o, size: 224 } : o);
  } catch (err) {
    throw new RangeError(`--preset ${t}: ${(err as Error).message}`, { cause: err });
  }
  return o;
}

/**
 * --preset as text, for fingerprints and tables: the name, or the custom form as JSON with its keys
 * sorted (so that the same form written in another key order is the same setting).
 */
export function presetText(spec: PreprocessSpec): string {
  if (typeof spec === 'string') return spec;
  const o = spec as Record<string, unknown>;
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    ),
  );
}
