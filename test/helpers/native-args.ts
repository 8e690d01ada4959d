// SPDX-License-Identifier: MIT
/**
 * Valid argument lists for every entry point of the addon (lib/native.ts), built fresh on each call,
 * and the hostile objects the robustness tests put in their place. Used in-process by the fuzz test
 * and, through test/helpers/child.ts, in child processes by the hostile-argument tests.
 */

/** The error every hostile getter and trap throws, so a test can check it came back unchanged. */
export const HOSTILE = new Error('hostile getter');

/** A copy of `obj` whose property `key` throws HOSTILE when read. */
export function throwingGetter<T extends object>(obj: T, key: string): T {
  const copy = { ...obj } as Record<string, unknown>;
  Object.defineProperty(copy, key, {
    enumerable: true,
    get() {
      throw HOSTILE;
    },
  });
  return copy as T;
}

/** A Proxy of `obj` whose every trap throws HOSTILE. */
export function throwingProxy<T extends object>(obj: T): T {
  const fail = () => {
    throw HOSTILE;
  };
  return new Proxy(obj, { get: fail, has: fail, getOwnPropertyDescriptor: fail, ownKeys: fail, getPrototypeOf: fail });
}

/** A revoked Proxy: reading anything from it throws a TypeError. */
export function revokedProxy<T extends object>(obj: T): T {
  const { proxy, revoke } = Proxy.revocable(obj, {});
  revoke();
  return proxy;
}

/** An Array of 3 numbers whose element `index` throws HOSTILE when read. */
export function throwingTriple(values: number[], index: number): number[] {
  const a = values.slice();
  Object.defineProperty(a, index, {
    get() {
      throw HOSTILE;
    },
  });
  return a;
}

/** A typed array whose buffer is resizable, so a test can shrink it under a running call. */
export function resizable<T extends Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array>(
  make: new (buffer: ArrayBuffer) => T,
  length: number,
  bytesPerElement: number,
): T {
  const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
  return new make(new Resizable(length * bytesPerElement, { maxByteLength: length * bytesPerElement }));
}

/** Shrinks a resizable buffer to nothing (its pages are given back: a later write there faults). */
export function shrink(view: ArrayBufferView): void {
  (view.buffer as unknown as { resize(n: number): void }).resize(0);
}

/** Detaches a typed array's buffer by transferring it (the new owner is dropped at once). */
export function detach(view: ArrayBufferView): void {
  structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
}

/** A deterministic byte pattern. */
export function pattern(length: number, mul: number, add: number): Uint8Array {
  const a = new Uint8Array(length);
  for (let i = 0; i < length; i++) a[i] = (i * mul + add) % 256;
  return a;
}

export interface CompositeArgs {
  image: Uint8Array;
  hide: Uint8Array;
  labels: Int32Array;
  width: number;
  height: number;
  masks: Uint8Array;
  segments: number;
  params: { scale: number; mean: number[]; std: number[]; layout: 'nchw' | 'nhwc'; channels: 'rgb' | 'bgr' };
  out: Float32Array | Uint16Array;
  offset: number;
}

/** composite/compositeSync arguments: a W×H image in `segments` vertical bands, `samples` random masks. */
export function compositeArgs(width: number, height: number, segments: number, samples: number, half = false): CompositeArgs {
  const n = width * height;
  const labels = new Int32Array(n);
  for (let p = 0; p < n; p++) labels[p] = Math.min(segments - 1, Math.floor(((p % width) * segments) / width));
  const masks = new Uint8Array(samples * segments);
  for (let i = 0; i < masks.length; i++) masks[i] = (i * 7 + (i >> 3)) % 3 === 0 ? 0 : 1;
  return {
    image: pattern(3 * n, 37, 11),
    hide: pattern(3 * n, 5, 128),
    labels,
    width,
    height,
    masks,
    segments,
    params: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: 'nchw', channels: 'rgb' },
    out: half ? new Uint16Array(samples * 3 * n) : new Float32Array(samples * 3 * n),
    offset: 0,
  };
}

/** The argument list of composite/compositeSync, in order. */
export function compositeList(a: CompositeArgs): unknown[] {
  return [a.image, a.hide, a.labels, a.width, a.height, a.masks, a.segments, a.params, a.out, a.offset];
}

export interface LimeFitArgs {
  masks: Uint8Array;
  n: number;
  m: number;
  targets: Float64Array;
  K: number;
  params: { kernelWidth: number; regressor: string; alpha: number; featureSelection: string; numFeatures: number };
  out: {
    distances: Float64Array;
    sampleWeights: Float64Array;
    intercept: Float64Array;
    coef: Float64Array;
    score: Float64Array;
    localPrediction: Float64Array;
  };
}

/** limeFit arguments: n samples over m segments (row 0 all on), K linear-ish targets. */
export function limeFitArgs(n: number, m: number, K: number, featureSelection = 'auto', numFeatures = 100000): LimeFitArgs {
  const masks = new Uint8Array(n * m);
  for (let i = 0; i < n * m; i++) masks[i] = i < m ? 1 : (i * 2654435761) % 7 < 4 ? 1 : 0;
  const targets = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      let t = 0.1 * k;
      for (let j = 0; j < m; j++) t += masks[i * m + j] * (((j + k) % 5) - 2) * 0.3;
      targets[i * K + k] = t + ((i * 31) % 7) * 0.01;
    }
  }
  return {
    masks,
    n,
    m,
    targets,
    K,
    params: { kernelWidth: 0.25, regressor: 'ridge', alpha: 1, featureSelection, numFeatures },
    out: {
      distances: new Float64Array(n),
      sampleWeights: new Float64Array(n),
      intercept: new Float64Array(K),
      coef: new Float64Array(K * m),
      score: new Float64Array(K),
      localPrediction: new Float64Array(K),
    },
  };
}

export function limeFitList(a: LimeFitArgs): unknown[] {
  return [a.masks, a.n, a.m, a.targets, a.K, a.params, a.out];
}

export interface ShapArgs {
  masks: Uint8Array;
  n: number;
  M: number;
  weights: Float64Array;
  y: Float64Array;
  K: number;
  delta: Float64Array;
  params: { l1: string; l1Value: number; zeroTol?: number };
  out: Float64Array;
}

/** kernelShapSolve arguments: n coalitions of M features, K targets from a known linear model. */
export function shapArgs(n: number, M: number, K: number, l1 = 'none', l1Value = 0): ShapArgs {
  const masks = new Uint8Array(n * M);
  for (let i = 0; i < n * M; i++) masks[i] = (i * 40503 + (i >> 2)) % 5 < 2 ? 1 : 0;
  const weights = new Float64Array(n).fill(1);
  const y = new Float64Array(n * K);
  const delta = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < M; j++) delta[k] += (j % 3) - 1 + 0.5 * k;
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let j = 0; j < M; j++) t += masks[i * M + j] * ((j % 3) - 1 + 0.5 * k);
      y[i * K + k] = t;
    }
  }
  return { masks, n, M, weights, y, K, delta, params: { l1, l1Value }, out: new Float64Array(K * M) };
}

export function shapList(a: ShapArgs): unknown[] {
  return [a.masks, a.n, a.M, a.weights, a.y, a.K, a.delta, a.params, a.out];
}

export interface SegmentArgs {
  rgb: Uint8Array;
  width: number;
  height: number;
  params: Record<string, number | boolean>;
  labels: Int32Array;
}

export const QUICKSHIFT_PARAMS = { kernelSize: 3, maxDist: 6, ratio: 0.5, sigma: 0, convert2lab: true, seed: 42 };
export const SLIC_PARAMS = { nSegments: 8, compactness: 10, sigma: 0, maxIter: 10, convert2lab: true, enforceConnectivity: true };

/** quickshift/slic arguments for a W×H patterned image. */
export function segmentArgs(width: number, height: number, params: Record<string, number | boolean>): SegmentArgs {
  const rgb = new Uint8Array(3 * width * height);
  for (let p = 0; p < width * height; p++) {
    const x = p % width,
      y = Math.floor(p / width);
    const v = ((x >> 3) + (y >> 3)) % 2 ? 200 : 40;
    rgb[3 * p] = v;
    rgb[3 * p + 1] = (x * 255) / width;
    rgb[3 * p + 2] = (y * 255) / height;
  }
  return { rgb, width, height, params: { ...params }, labels: new Int32Array(width * height) };
}

export function segmentList(a: SegmentArgs): unknown[] {
  return [a.rgb, a.width, a.height, a.params, a.labels];
}
