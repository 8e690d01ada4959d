// SPDX-License-Identifier: MIT
/**
 * Loads the compiled addon and describes its exports: the file named by the environment variable
 * LIMESHAP_ADDON, else a source build (build/Release, written by cmake-js), else the prebuilt addon of
 * this platform's package (lib/prebuilt.ts). Every other module reaches native code through `binding` only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { locatePrebuilt, prebuiltPackages } from './prebuilt';
import { VERSION } from './version';

/** The arguments of `composite` and `compositeSync`. */
export type CompositeArgs = [
  image: Uint8Array,
  hide: Uint8Array,
  labels: Int32Array,
  width: number,
  height: number,
  masks: Uint8Array,
  segments: number,
  params: NativeCompositeParams,
  out: Float32Array | Uint16Array,
  offset: number,
];

/** The arguments of `compositePlanes` and `compositePlanesSync`. */
export type CompositePlanesArgs = [
  kept: Float32Array,
  hidden: Float32Array,
  labels: Int32Array,
  width: number,
  height: number,
  channels: number,
  layout: 'nchw' | 'nhwc',
  masks: Uint8Array,
  segments: number,
  out: Float32Array | Uint16Array,
  offset: number,
];

/** Quickshift parameters as the addon reads them (complete: TypeScript fills every default). */
export interface NativeQuickshiftParams {
  kernelSize: number;
  maxDist: number;
  ratio: number;
  sigma: number;
  convert2lab: boolean;
  seed: number;
}

/** SLIC parameters as the addon reads them. */
export interface NativeSlicParams {
  nSegments: number;
  compactness: number;
  sigma: number;
  maxIter: number;
  convert2lab: boolean;
  enforceConnectivity: boolean;
}

/** SIMD state: the best level the CPU has, the level in use, and the cap set by `simd()`. */
export interface NativeSimdState {
  detected: 'scalar' | 'avx2' | 'avx512';
  active: 'scalar' | 'avx2' | 'avx512';
  cap: 'scalar' | 'avx2' | 'avx512';
}

/** Preprocessing applied while compositing: value = (pixel * scale - mean[c]) / std[c]. */
export interface NativeCompositeParams {
  scale: number;
  mean: number[];
  std: number[];
  layout: 'nchw' | 'nhwc';
  channels: 'rgb' | 'bgr';
}

/** LIME fit parameters (native/lime/lime_fit.h). */
export interface NativeLimeFitParams {
  kernelWidth: number;
  regressor: 'ridge' | 'linear' | 'lasso';
  alpha: number;
  featureSelection: string;
  numFeatures: number;
}

/** LIME fit outputs, caller-allocated. */
export interface NativeLimeFitOutput {
  distances: Float64Array;
  sampleWeights: Float64Array;
  intercept: Float64Array;
  coef: Float64Array;
  score: Float64Array;
  localPrediction: Float64Array;
}

/** Zeroed outputs of `limeFit` for n samples, L explained classes and M segments. */
export function limeFitOutput(n: number, L: number, M: number): NativeLimeFitOutput {
  return {
    distances: new Float64Array(n),
    sampleWeights: new Float64Array(n),
    intercept: new Float64Array(L),
    coef: new Float64Array(L * M),
    score: new Float64Array(L),
    localPrediction: new Float64Array(L),
  };
}

/**
 * The addon's exports (native/addon.cc). Sizes and values are re-checked natively; the Promise forms
 * work on the addon's own copies of their inputs and fill their output arrays when they settle (they
 * reject, writing nothing, when an output was detached or resized meanwhile).
 */
export interface NativeBinding {
  quickshift(rgb: Uint8Array, width: number, height: number, params: NativeQuickshiftParams, labels: Int32Array): Promise<number>;
  slic(rgb: Uint8Array, width: number, height: number, params: NativeSlicParams, labels: Int32Array): Promise<number>;
  numpyNormal(seed: number, scale: number, out: Float64Array): void;
  /**
   * Test hook: how quickshift's density pass runs — 'pairs' (default: each symmetric pair's term once,
   * exact sums only where a comparison needs them), 'exact' (scikit-image's sums everywhere) or
   * 'check-all' (every comparison through the exact redo) — and the scale of its tie-break noise
   * (default 1e-5, scikit-image's; 0 makes a flat image's densities exact ties). Returns the settings,
   * the number of exact densities computed so far by 'pairs' and 'check-all' calls, the number of
   * 'pairs' calls that ran the exact pass instead (their bound too wide to pay off), and the largest
   * error of a pair density that 'check-all' calls measured, as a fraction of its certified bound.
   * Labels are the same in every mode; they equal scikit-image's only at noise scale 1e-5.
   */
  quickshiftDensityMode(
    mode?: 'pairs' | 'exact' | 'check-all',
    noiseScale?: number,
  ): {
    mode: 'pairs' | 'exact' | 'check-all';
    noiseScale: number;
    exactDensities: number;
    exactFallbacks: number;
    worstDensityError: number;
  };
  /**
   * Test hook: the AVX-512 exp of quickshift's pair density pass (into `fast`) and std::exp (into
   * `libm`) of every x (x <= 0); false, writing nothing, on a CPU without AVX-512.
   */
  quickshiftPairExp(x: Float64Array, fast: Float64Array, libm: Float64Array): boolean;
  /** CIE Lab of every pixel (3 doubles each), as skimage.color.rgb2lab of the 8-bit image; synchronous. */
  rgbToLab(rgb: Uint8Array, width: number, height: number, out: Float64Array): void;
  /** Writes masks.length / segments perturbed, preprocessed samples into out, starting at sample `offset`. */
  composite(...args: CompositeArgs): Promise<void>;
  /** The same as `composite`, on the calling thread (for small jobs and tests). */
  compositeSync(...args: CompositeArgs): void;
  /**
   * `composite` for float images: `kept` and `hidden` are the image and the replacement already as
   * model input (channels·H·W float32 each, in the output layout); each sample selects per pixel
   * between them (float16 outputs get their round-to-nearest-even halves). Same checks and ownership.
   */
  compositePlanes(...args: CompositePlanesArgs): Promise<void>;
  /** The same as `compositePlanes`, on the calling thread. */
  compositePlanesSync(...args: CompositePlanesArgs): void;
  /**
   * Zeroed memory owned by the addon, as an ArrayBuffer of `byteLength` bytes. `composite` writes
   * into it in place from worker threads (any other non-shared output is composited into native
   * memory and copied on the main thread): the addon frees it only when JS has dropped it and no
   * kernel is writing into it, so dropping, detaching or transferring it mid-call is harmless.
   */
  nativeBuffer(byteLength: number): ArrayBuffer;
  limeFit(
    masks: Uint8Array,
    n: number,
    m: number,
    targets: Float64Array,
    K: number,
    params: NativeLimeFitParams,
    out: NativeLimeFitOutput,
  ): Promise<void>;
  concurrency(threads?: number): number;
  simd(level?: 'scalar' | 'avx2' | 'avx512'): NativeSimdState;
  /**
   * Kernel SHAP's constrained weighted least squares (native/shap/kernel_shap.h): for each of the K
   * targets, optional L1 selection on shap's augmented system, then Σφ = delta enforced by elimination.
   * masks n × M (0/1), weights n, y n × K (f(S) − f(∅)), delta K (f(all) − f(∅)); writes out (K × M).
   */
  kernelShapSolve(
    masks: Uint8Array,
    n: number,
    M: number,
    weights: Float64Array,
    y: Float64Array,
    K: number,
    delta: Float64Array,
    params: NativeKernelShapParams,
    out: Float64Array,
  ): Promise<void>;
}

/** Kernel SHAP L1 selection: 'num-features' (l1Value = r, LARS), 'alpha' (l1Value = Lasso alpha), 'aic'/'bic' (LassoLarsIC). */
export interface NativeKernelShapParams {
  l1: 'none' | 'num-features' | 'alpha' | 'aic' | 'bic';
  l1Value: number;
  /** |φ| below this is set to 0 afterwards. Default 1e-10 (shap's); 0 keeps Σφ = delta to rounding. */
  zeroTol?: number;
}

const root = path.resolve(__dirname, '..', '..');

/** Where an addon file comes from: the LIMESHAP_ADDON variable, a source build, or a platform package. */
export type AddonSource = 'LIMESHAP_ADDON' | 'source' | 'prebuilt';

/** One addon file to try, or a platform package that cannot be tried and why. */
export type AddonCandidate =
  | { readonly source: AddonSource; readonly file: string; readonly package?: string }
  | { readonly source: 'prebuilt'; readonly package: string; readonly problem: string };

/**
 * The addon files tried, in order: `LIMESHAP_ADDON` (a path to a limeshap.node, e.g. the sanitizer
 * build of `npm run test:sanitize`) alone when set; else build/Release, build/Debug, then this
 * platform's prebuilt packages. A source build comes first because it exists only when someone built
 * one: a developer's checkout (whose edits to native/ must not be shadowed by a published binary) or
 * an install where no prebuilt addon loaded, so the install script compiled.
 */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): AddonCandidate[] {
  if (env.LIMESHAP_ADDON) return [{ source: 'LIMESHAP_ADDON', file: path.resolve(env.LIMESHAP_ADDON) }];
  const built: AddonCandidate[] = ['Release', 'Debug'].map((config) => ({
    source: 'source',
    file: path.join(root, 'build', config, 'limeshap.node'),
  }));
  const prebuilt: AddonCandidate[] = prebuiltPackages().map((name) => {
    const found = locatePrebuilt(name, VERSION);
    return 'file' in found
      ? { source: 'prebuilt', file: found.file, package: name }
      : { source: 'prebuilt', package: name, problem: found.problem };
  });
  return [...built, ...prebuilt];
}

/** Which addon file was loaded, and from where (see {@link nativeAddon}). */
export interface NativeAddonInfo {
  /** Absolute path of the loaded limeshap.node. */
  readonly file: string;
  /** `'prebuilt'` (a platform package), `'source'` (compiled by cmake-js) or `'LIMESHAP_ADDON'`. */
  readonly source: AddonSource;
  /** The platform package, for a prebuilt addon. */
  readonly package?: string;
}

/**
 * Every function of {@link NativeBinding}: an addon without one of them is not this version's
 * limeshap addon. A record over the interface's keys, so the compiler keeps it complete.
 */
const BINDING_FUNCTIONS: Readonly<Record<keyof NativeBinding, true>> = {
  quickshift: true,
  slic: true,
  numpyNormal: true,
  quickshiftDensityMode: true,
  quickshiftPairExp: true,
  rgbToLab: true,
  composite: true,
  compositeSync: true,
  compositePlanes: true,
  compositePlanesSync: true,
  nativeBuffer: true,
  limeFit: true,
  concurrency: true,
  simd: true,
  kernelShapSolve: true,
};

/**
 * Loads one addon file. process.dlopen loads native shared objects only: require() would run a
 * `.js` file or a folder's index.js, or take a `.json` file's object, as the addon, and the first
 * call into it would fail far from the cause (LIMESHAP_ADDON names any path).
 */
function loadAddonFile(file: string): NativeBinding {
  const module = { exports: {} as Record<string, unknown> };
  process.dlopen(module, file);
  const missing = Object.keys(BINDING_FUNCTIONS).filter((name) => typeof module.exports[name] !== 'function');
  if (missing.length > 0) throw new Error(`not a limeshap addon of version ${VERSION}: it lacks ${missing.join(', ')}`);
  return module.exports as unknown as NativeBinding;
}

function load(): { binding: NativeBinding; info: NativeAddonInfo } {
  const failures: string[] = [];
  for (const candidate of addonCandidates()) {
    if (!('file' in candidate)) {
      failures.push(`${candidate.package}: ${candidate.problem}`);
      continue;
    }
    const { file, source } = candidate;
    if (!fs.existsSync(file)) {
      failures.push(`${file}: not found`);
      continue;
    }
    try {
      const binding = loadAddonFile(file);
      return { binding, info: candidate.package === undefined ? { file, source } : { file, source, package: candidate.package } };
    } catch (err) {
      failures.push(`${file}: ${(err as Error).message}`);
    }
  }
  const reinstall =
    prebuiltPackages().length > 0
      ? 'Reinstall with optional dependencies (`npm install --include=optional limeshap`) to get the prebuilt addon, or build'
      : `No prebuilt addon exists for ${process.platform}-${process.arch}: build`;
  throw new Error(
    `limeshap: the native addon could not be loaded.\n  ${failures.join('\n  ')}\n` +
      `${reinstall} it from source with \`npm rebuild limeshap\` (\`npm run build:native\` in a checkout), ` +
      `which needs cmake >= 3.15 and a C++17 compiler.`,
  );
}

const loaded = load();

/**
 * Which native addon this process loaded: its file and whether it came from a platform package
 * (`'prebuilt'`), a source build (`'source'`) or the `LIMESHAP_ADDON` variable. Loading happens once,
 * when limeshap is first imported, so this never changes.
 */
export function nativeAddon(): NativeAddonInfo {
  return { ...loaded.info };
}

/** The loaded addon. Loading happens once, at first import. */
export const binding: NativeBinding = loaded.binding;
