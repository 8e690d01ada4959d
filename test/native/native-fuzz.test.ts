// SPDX-License-Identifier: MIT
// Seeded fuzz test of every entry point of the addon (lib/native.ts): valid calls of random and
// adversarial sizes, then up to three mutations each — numbers replaced by NaN, ±Infinity, -0,
// fractions, huge values or non-numbers; typed arrays of the wrong type or length, detached, shrunk,
// SharedArrayBuffer-backed or offset; params objects with missing fields, throwing getters, getters
// that detach a buffer, Proxies and revoked Proxies; NaN/Inf in float inputs, out-of-range masks and
// labels; outputs detached, shrunk or overwritten right after an async call. Several calls are in
// flight at once. Properties: nothing crashes (this runs in mocha's own process) or hangs; every
// failure is a TypeError, RangeError or Error with a message (or the hostile getter's own error);
// and afterwards the addon still computes right answers.
//
// LIMESHAP_FUZZ_CASES (default 20000) and LIMESHAP_FUZZ_SEED (default below) choose the run; a failure
// names the seed and case, and the case alone is rerun by LIMESHAP_FUZZ_SEED=<seed> LIMESHAP_FUZZ_ONLY=<case>.
import assert from 'node:assert/strict';
import { binding } from '../../lib/native';
import * as A from '../helpers/native-args';

const CASES = Number(process.env.LIMESHAP_FUZZ_CASES ?? 20000); // ~1.5 s on 2 cores (5 s under ASan)
const SEED = Number(process.env.LIMESHAP_FUZZ_SEED ?? 8_2026);
const ONLY = process.env.LIMESHAP_FUZZ_ONLY === undefined ? undefined : Number(process.env.LIMESHAP_FUZZ_ONLY);
const IN_FLIGHT = Number(process.env.LIMESHAP_FUZZ_IN_FLIGHT ?? 4); // calls running at once
const HANG_MS = 20_000; // one small call taking this long is a hang
const TRACE = process.env.LIMESHAP_FUZZ_TRACE === '1'; // print each case before it runs
const SLOW_MS = Number(process.env.LIMESHAP_FUZZ_SLOW_MS ?? Infinity); // log cases slower than this

/** splitmix32-style generator: one per case, so any case can be rerun alone. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const ADVERSARIAL_NUMBERS: unknown[] = [
  0,
  -0,
  -1,
  1,
  2,
  0.5,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53,
  1e300,
  -1e300,
  1e-300,
  5e-324,
  32768,
  32769,
  16385,
  1e8,
];
const NON_NUMBERS: unknown[] = ['3', null, undefined, {}, [], true, 10n, Symbol('x'), () => 1, new Uint8Array(1)];

/** An adversarial replacement for a number (mostly numbers; sometimes not a number at all). */
function badNumber(r: Rand): unknown {
  return r() < 0.75 ? pick(r, ADVERSARIAL_NUMBERS) : pick(r, NON_NUMBERS);
}

const ARRAY_TYPES = [Uint8Array, Int8Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array] as const;
type Typed = Uint8Array | Int8Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** An adversarial replacement for a typed array argument. */
function badArray(r: Rand, a: Typed): unknown {
  if (!ArrayBuffer.isView(a)) return new Uint8Array(3); // already replaced by an earlier mutation
  if (a.buffer.byteLength === 0) return a; // already detached
  const Ctor = a.constructor as new (n: number | ArrayBufferLike) => Typed;
  const n = a.length;
  switch (int(r, 0, 9)) {
    case 0:
      return new (pick(r, ARRAY_TYPES))(n); // wrong element type
    case 1:
      return new Ctor(Math.max(0, n - 1)); // one short
    case 2:
      return new Ctor(n + 1); // one long
    case 3:
      return new Ctor(0);
    case 4: {
      const c = new Ctor(n);
      c.set(a);
      A.detach(c);
      return c;
    } // detached
    case 5: {
      const c = A.resizable(Ctor as never, n, a.BYTES_PER_ELEMENT) as Typed;
      c.set(a);
      A.shrink(c);
      return c;
    }
    case 6: {
      const c = new Ctor(new SharedArrayBuffer(n * a.BYTES_PER_ELEMENT));
      c.set(a);
      return c;
    } // shared: valid
    case 7: {
      const big = new Ctor(n + 3);
      big.set(a, 3);
      return big.subarray(3);
    } // offset view: valid
    case 8:
      return Array.from(a); // a plain Array
    default:
      return pick(r, NON_NUMBERS);
  }
}

/** Fills some elements of a float array with NaN or ±Infinity. */
function poison(r: Rand, a: Float64Array | Float32Array): void {
  if (a.length === 0) return;
  for (let k = int(r, 1, 3); k > 0; k--) a[int(r, 0, a.length - 1)] = pick(r, [NaN, Infinity, -Infinity, 1e308, -1e308]);
}

/** A params object gone wrong: a field removed or replaced, a throwing getter, a Proxy, or no object at all. */
function badParams(r: Rand, params: Record<string, unknown>, buffers: Typed[]): unknown {
  const keys = Object.keys(params);
  const key = keys.length ? pick(r, keys) : 'x';
  switch (int(r, 0, 8)) {
    case 0: {
      const p = { ...params };
      delete p[key];
      return p;
    }
    case 1:
      return { ...params, [key]: badNumber(r) };
    case 2:
      return { ...params, [key]: pick(r, ['', 'nchw ', 'NHWC', 'ridge', 'forward', 'aic', 'scalar', '\u0000', 'x'.repeat(1000)]) };
    case 3:
      return A.throwingGetter(params, key);
    case 4:
      return A.throwingProxy(params);
    case 5:
      return A.revokedProxy(params);
    case 6: {
      // A getter that detaches one of the call's buffers while the arguments are being read.
      const p = { ...params };
      const value = p[key];
      const victim = buffers.length ? pick(r, buffers) : undefined;
      Object.defineProperty(p, key, {
        enumerable: true,
        get() {
          if (victim && !(victim.buffer instanceof SharedArrayBuffer) && victim.buffer.byteLength > 0) A.detach(victim);
          return value;
        },
      });
      return p;
    }
    case 7:
      return pick(r, [null, undefined, 3, 'params', [], () => 1]);
    default:
      return { ...params, [key]: { valueOf: () => 1, toString: () => 'x' } };
  }
}

interface Case {
  name: string;
  /** Makes the call (may throw); `after` runs right after it, while an async call is still running. */
  call(): unknown;
  after?: () => void;
  steps: string[];
}

const maybe = (r: Rand, p: number) => r() < p;

function compositeCase(r: Rand): Case {
  const width = maybe(r, 0.05) ? pick(r, [0, 32768, 32769]) : int(r, 1, 40);
  const height = maybe(r, 0.05) ? pick(r, [0, 32768]) : int(r, 1, 30);
  const ok = width >= 1 && height >= 1 && width * height <= 2000;
  const a = A.compositeArgs(ok ? width : 2, ok ? height : 2, int(r, 1, 12), int(r, 0, 6), maybe(r, 0.3));
  const list = A.compositeList(a);
  list[3] = width;
  list[4] = height;
  const steps: string[] = [`composite ${width}x${height} segments ${a.segments} samples ${a.masks.length / a.segments}`];
  const buffers: Typed[] = [a.image, a.hide, a.labels, a.masks, a.out];
  for (let k = int(r, 0, 3); k > 0; k--) {
    const what = int(r, 0, 7);
    steps.push(`mutation ${what}`);
    if (what === 0) list[pick(r, [3, 4, 6, 9])] = badNumber(r);
    else if (what === 1) {
      const i = pick(r, [0, 1, 2, 5, 8]);
      list[i] = badArray(r, list[i] as Typed);
    } else if (what === 2) list[7] = badParams(r, a.params as never, buffers);
    else if (what === 3 && a.labels.length) a.labels[int(r, 0, a.labels.length - 1)] = pick(r, [-1, a.segments, 2 ** 31 - 1, -(2 ** 31)]);
    else if (what === 4 && a.masks.length) a.masks[int(r, 0, a.masks.length - 1)] = pick(r, [2, 255]);
    else if (what === 5)
      list[7] = {
        ...a.params,
        mean: pick(r, [[1, 2], [NaN, 0, 0], [0, 0, Infinity], A.throwingTriple([0, 0, 0], 0), 'abc', new Float64Array(3)]),
      };
    else if (what === 6) list.length = int(r, 0, list.length - 1);
    else
      list[7] = {
        ...a.params,
        std: pick(r, [
          [0, 1, 1],
          [-0, 1, 1],
          [1e-320, 1, 1],
          [1, 1, NaN],
        ]),
      };
  }
  const sync = maybe(r, 0.3);
  const fn = sync ? binding.compositeSync : binding.composite;
  const after = pick(r, [undefined, undefined, 'detach', 'shrink', 'scribble'] as const);
  return {
    name: sync ? 'compositeSync' : 'composite',
    steps: [...steps, `after: ${after}`],
    call: () => (fn as (...x: unknown[]) => unknown)(...list),
    after: () => afterCall(after, [a.out, a.labels, a.masks]),
  };
}

function compositePlanesCase(r: Rand): Case {
  const width = maybe(r, 0.05) ? pick(r, [0, 32768, 32769]) : int(r, 1, 40);
  const height = maybe(r, 0.05) ? pick(r, [0, 32768]) : int(r, 1, 30);
  const channels = maybe(r, 0.05) ? pick(r, [0, 1025, 2 ** 31]) : int(r, 1, 6);
  const ok = width >= 1 && height >= 1 && width * height <= 2000 && channels <= 6 && channels >= 1;
  const [w, h, C] = ok ? [width, height, channels] : [2, 2, 1];
  const a = A.compositeArgs(w, h, int(r, 1, 12), int(r, 0, 6), maybe(r, 0.3));
  const size = C * w * h;
  const kept = Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 100);
  const hidden = Float32Array.from({ length: size }, (_, i) => (i % 5) - 2.5);
  const samples = a.masks.length / a.segments;
  const out = a.out instanceof Uint16Array ? new Uint16Array(samples * size) : new Float32Array(samples * size);
  const list: unknown[] = [kept, hidden, a.labels, width, height, channels, pick(r, ['nchw', 'nhwc']), a.masks, a.segments, out, 0];
  const steps: string[] = [`compositePlanes ${width}x${height}x${channels} segments ${a.segments} samples ${samples}`];
  for (let k = int(r, 0, 3); k > 0; k--) {
    const what = int(r, 0, 5);
    steps.push(`mutation ${what}`);
    if (what === 0) list[pick(r, [3, 4, 5, 8, 10])] = badNumber(r);
    else if (what === 1) {
      const i = pick(r, [0, 1, 2, 7, 9]);
      list[i] = badArray(r, list[i] as Typed);
    } else if (what === 2) list[6] = pick(r, ['NCHW', '', 'nchw ', 3, null, { toString: () => 'nchw' }]);
    else if (what === 3 && a.labels.length) a.labels[int(r, 0, a.labels.length - 1)] = pick(r, [-1, a.segments, 2 ** 31 - 1, -(2 ** 31)]);
    else if (what === 4 && a.masks.length) a.masks[int(r, 0, a.masks.length - 1)] = pick(r, [2, 255]);
    else list.length = int(r, 0, list.length - 1);
  }
  const sync = maybe(r, 0.3);
  const fn = sync ? binding.compositePlanesSync : binding.compositePlanes;
  const after = pick(r, [undefined, undefined, 'detach', 'shrink', 'scribble'] as const);
  return {
    name: sync ? 'compositePlanesSync' : 'compositePlanes',
    steps: [...steps, `after: ${after}`],
    call: () => (fn as (...x: unknown[]) => unknown)(...list),
    after: () => afterCall(after, [out, kept, hidden, a.labels, a.masks]),
  };
}

/** Changes the call's buffers right after an async call started. */
function afterCall(what: 'detach' | 'shrink' | 'scribble' | undefined, views: Typed[]): void {
  for (const v of views) {
    if (v.buffer instanceof SharedArrayBuffer) continue;
    if (what === 'detach' && v.buffer.byteLength > 0) A.detach(v);
    if (what === 'shrink' && (v.buffer as unknown as { resizable?: boolean }).resizable) A.shrink(v);
    if (what === 'scribble' && v.length) v.fill(255 as never);
  }
}

function limeFitCase(r: Rand): Case {
  const n = int(r, 2, 60),
    m = int(r, 1, 12),
    K = int(r, 1, 3);
  const fs = pick(r, ['auto', 'forward', 'highest-weights', 'lasso-path', 'none', 'forward_selection']);
  const a = A.limeFitArgs(n, m, K, fs, int(r, 1, 14));
  a.params.regressor = pick(r, ['ridge', 'linear', 'lasso']);
  a.params.alpha = pick(r, [0, 1e-12, 0.01, 1, 1e6]);
  a.params.kernelWidth = pick(r, [0.25, 1, 1e-3, 1e-150, 1e150, 3]);
  if (maybe(r, 0.2)) a.masks.fill(pick(r, [0, 1])); // degenerate designs
  if (maybe(r, 0.1)) a.targets.fill(pick(r, [0, 1e300]));
  const list = A.limeFitList(a);
  const steps = [`limeFit n ${n} m ${m} K ${K} ${fs} ${a.params.regressor}`];
  const outs = Object.values(a.out);
  for (let k = int(r, 0, 3); k > 0; k--) {
    const what = int(r, 0, 5);
    steps.push(`mutation ${what}`);
    if (what === 0) list[pick(r, [1, 2, 4])] = badNumber(r);
    else if (what === 1) {
      const i = pick(r, [0, 3]);
      list[i] = badArray(r, list[i] as Typed);
    } else if (what === 2) list[5] = badParams(r, a.params as never, [a.masks, a.targets, ...outs]);
    else if (what === 3) list[6] = badParams(r, a.out as never, [a.masks, a.targets, ...outs]);
    else if (what === 4) poison(r, a.targets);
    else {
      const key = pick(r, Object.keys(a.out)) as keyof typeof a.out;
      list[6] = { ...a.out, [key]: badArray(r, a.out[key]) };
    }
  }
  const after = pick(r, [undefined, undefined, 'detach', 'scribble'] as const);
  return {
    name: 'limeFit',
    steps: [...steps, `after: ${after}`],
    call: () => (binding.limeFit as (...x: unknown[]) => unknown)(...list),
    after: () => afterCall(after, [a.masks, a.targets, pick(r, outs)]),
  };
}

function shapCase(r: Rand): Case {
  const n = int(r, 1, 60),
    M = int(r, 1, 10),
    K = int(r, 1, 3);
  const l1 = pick(r, ['none', 'num-features', 'alpha', 'aic', 'bic']);
  const a = A.shapArgs(n, M, K, l1, l1 === 'num-features' ? int(r, 1, 12) : pick(r, [0, 0.01, 1]));
  if (maybe(r, 0.3)) a.params.zeroTol = pick(r, [0, 1e-10, 1]);
  if (maybe(r, 0.2)) a.weights.fill(pick(r, [0, 1e-300, 1e300]));
  if (maybe(r, 0.2)) a.masks.fill(pick(r, [0, 1]));
  const list = A.shapList(a);
  const steps = [`kernelShapSolve n ${n} M ${M} K ${K} ${l1}`];
  for (let k = int(r, 0, 3); k > 0; k--) {
    const what = int(r, 0, 4);
    steps.push(`mutation ${what}`);
    if (what === 0) list[pick(r, [1, 2, 5])] = badNumber(r);
    else if (what === 1) {
      const i = pick(r, [0, 3, 4, 6, 8]);
      list[i] = badArray(r, list[i] as Typed);
    } else if (what === 2) list[7] = badParams(r, a.params as never, [a.masks, a.weights, a.y, a.delta, a.out]);
    else if (what === 3) poison(r, pick(r, [a.weights, a.y, a.delta]));
    else list[7] = { ...a.params, zeroTol: badNumber(r) };
  }
  const after = pick(r, [undefined, undefined, 'detach', 'scribble'] as const);
  return {
    name: 'kernelShapSolve',
    steps: [...steps, `after: ${after}`],
    call: () => (binding.kernelShapSolve as (...x: unknown[]) => unknown)(...list),
    after: () => afterCall(after, [a.out, a.y, a.weights]),
  };
}

function segmentCase(r: Rand): Case {
  const slic = maybe(r, 0.5);
  const width = maybe(r, 0.05) ? pick(r, [0, 32769]) : int(r, 1, 24);
  const height = int(r, 1, 20);
  const ok = width >= 1 && width <= 24;
  const params: Record<string, number | boolean> = slic
    ? {
        ...A.SLIC_PARAMS,
        nSegments: pick(r, [1, 2, 8, 1000]),
        compactness: pick(r, [1e-9, 0.1, 10, 1e9]),
        sigma: pick(r, [0, 0.5, 5]),
        maxIter: pick(r, [1, 10]),
      }
    : {
        ...A.QUICKSHIFT_PARAMS,
        kernelSize: pick(r, [1e-9, 0.5, 3, 10]),
        maxDist: pick(r, [0, 1, 6, 1e300]),
        ratio: pick(r, [0, 0.5, 1]),
        sigma: pick(r, [0, 1, 5]),
      };
  if (maybe(r, 0.3)) params.convert2lab = false;
  const a = A.segmentArgs(ok ? width : 2, height, params);
  const list = A.segmentList(a);
  list[1] = width;
  const steps = [`${slic ? 'slic' : 'quickshift'} ${width}x${height} ${JSON.stringify(params)}`];
  for (let k = int(r, 0, 3); k > 0; k--) {
    const what = int(r, 0, 3);
    steps.push(`mutation ${what}`);
    if (what === 0) list[pick(r, [1, 2])] = badNumber(r);
    else if (what === 1) {
      const i = pick(r, [0, 4]);
      list[i] = badArray(r, list[i] as Typed);
    } else if (what === 2) list[3] = badParams(r, params, [a.rgb, a.labels]);
    else list[3] = { ...params, [pick(r, Object.keys(params))]: badNumber(r) };
  }
  const after = pick(r, [undefined, undefined, 'detach', 'scribble'] as const);
  const fn = slic ? binding.slic : binding.quickshift;
  return {
    name: slic ? 'slic' : 'quickshift',
    steps: [...steps, `after: ${after}`],
    call: () => (fn as (...x: unknown[]) => unknown)(...list),
    after: () => afterCall(after, [a.labels, a.rgb]),
  };
}

function smallCase(r: Rand): Case {
  switch (int(r, 0, 4)) {
    case 0: {
      const out = maybe(r, 0.8) ? new Float64Array(int(r, 0, 50)) : badArray(r, new Float64Array(5));
      const args = [maybe(r, 0.7) ? int(r, 0, 1e6) : badNumber(r), maybe(r, 0.7) ? 1e-5 : badNumber(r), out];
      return {
        name: 'numpyNormal',
        steps: [`numpyNormal ${String(args[0])} ${String(args[1])}`],
        call: () => (binding.numpyNormal as (...x: unknown[]) => unknown)(...args),
      };
    }
    case 1: {
      const bytes = maybe(r, 0.7) ? int(r, 1, 4096) : badNumber(r);
      return {
        name: 'nativeBuffer',
        steps: [`nativeBuffer ${String(bytes)}`],
        call: () => (binding.nativeBuffer as (x: unknown) => ArrayBuffer)(bytes),
      };
    }
    case 4: {
      // rgbToLab: sizes that fit or not, arrays of the wrong kind or length.
      const w = int(r, 1, 40),
        h = int(r, 1, 40);
      const rgb = maybe(r, 0.8) ? new Uint8Array(3 * w * h).map(() => int(r, 0, 255)) : badArray(r, new Uint8Array(3 * w * h));
      const out = maybe(r, 0.8) ? new Float64Array(3 * w * h) : badArray(r, new Float64Array(3 * w * h));
      const args = [rgb, maybe(r, 0.8) ? w : badNumber(r), maybe(r, 0.8) ? h : badNumber(r), out];
      return { name: 'rgbToLab', steps: [`rgbToLab ${w}x${h}`], call: () => (binding.rgbToLab as (...x: unknown[]) => unknown)(...args) };
    }
    case 2: {
      const t = maybe(r, 0.7) ? int(r, 1, 3) : badNumber(r);
      return { name: 'concurrency', steps: [`concurrency ${String(t)}`], call: () => (binding.concurrency as (x: unknown) => number)(t) };
    }
    default: {
      const level = maybe(r, 0.7) ? pick(r, ['scalar', 'avx2', 'avx512']) : pick(r, [...NON_NUMBERS, 'AVX2', '']);
      return { name: 'simd', steps: [`simd ${String(level)}`], call: () => (binding.simd as (x: unknown) => unknown)(level) };
    }
  }
}

function makeCase(seed: number, i: number): Case {
  const r = rng(Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b));
  const kind = r();
  if (kind < 0.22) return compositeCase(r);
  if (kind < 0.3) return compositePlanesCase(r);
  if (kind < 0.5) return limeFitCase(r);
  if (kind < 0.7) return shapCase(r);
  if (kind < 0.88) return segmentCase(r);
  return smallCase(r);
}

/** Whether a thrown or rejected value is one the addon may produce (or the hostile getter's own). */
function allowed(e: unknown): boolean {
  if (e === A.HOSTILE) return true;
  if (!(e instanceof Error) || !['TypeError', 'RangeError', 'Error'].includes(e.name)) return false;
  return e.message.length > 0;
}

async function runCase(seed: number, i: number): Promise<string> {
  const t0 = Date.now();
  const outcome = await runCaseTimed(seed, i);
  if (Date.now() - t0 > SLOW_MS) console.log(`      slow: case ${i} ${Date.now() - t0} ms: ${makeCase(seed, i).steps.join('; ')}`);
  return outcome;
}

async function runCaseTimed(seed: number, i: number): Promise<string> {
  const c = makeCase(seed, i);
  if (TRACE) process.stderr.write(`case ${i}: ${c.steps.join('; ')}\n`);
  const where = () => `seed ${seed} case ${i} (rerun: LIMESHAP_FUZZ_SEED=${seed} LIMESHAP_FUZZ_ONLY=${i}): ${c.steps.join('; ')}`;
  let result: unknown;
  try {
    result = c.call();
  } catch (e) {
    assert.ok(allowed(e), `${where()}: threw ${String(e)} (${(e as Error)?.name})`);
    return 'threw';
  }
  if (!(result instanceof Promise)) return 'returned';
  c.after?.();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)));
  const settled = await Promise.race([
    result.then(
      () => 'resolved',
      (e: unknown) => (allowed(e) ? 'rejected' : `rejected with ${String(e)}`),
    ),
    hang,
  ]);
  clearTimeout(timer);
  assert.ok(settled === 'resolved' || settled === 'rejected', `${where()}: ${settled}`);
  return settled;
}

describe('native addon: seeded fuzz of every entry point', function () {
  this.timeout(10 * 60_000);
  const threads = binding.concurrency();
  const simd = binding.simd().cap;
  after(() => {
    binding.concurrency(threads);
    binding.simd(simd);
  });

  it(`${ONLY === undefined ? CASES : 1} cases (seed ${SEED}): no crash, no hang, only TypeError/RangeError/Error; the addon still works afterwards`, async () => {
    const counts: Record<string, number> = {};
    const t0 = Date.now();
    const indices = ONLY === undefined ? Array.from({ length: CASES }, (_, i) => i) : [ONLY];
    let next = 0;
    const lane = async () => {
      while (next < indices.length) {
        const outcome = await runCase(SEED, indices[next++]);
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    binding.concurrency(threads);
    binding.simd(simd);
    if (global.gc) global.gc();
    console.log(
      `      fuzz: ${indices.length} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${SEED}): ${JSON.stringify(counts)}`,
    );
    // Each outcome occurs: the cases reach the kernels, not only the argument checks.
    for (const outcome of ['threw', 'returned', 'resolved', 'rejected'])
      if (indices.length >= 500) assert.ok((counts[outcome] ?? 0) > 0, outcome);

    // Still correct afterwards: compositing against the synchronous form and a fit recovering a known
    // linear model (targets = Σ masks·coef + 0.1k + small noise per row).
    const ref = A.compositeArgs(16, 12, 4, 3);
    binding.compositeSync(...(A.compositeList(ref) as Parameters<typeof binding.compositeSync>));
    const again = A.compositeArgs(16, 12, 4, 3);
    await binding.composite(...(A.compositeList(again) as Parameters<typeof binding.composite>));
    assert.deepEqual(again.out, ref.out);
    const s = A.shapArgs(40, 4, 2);
    s.params.zeroTol = 0;
    await binding.kernelShapSolve(...(A.shapList(s) as Parameters<typeof binding.kernelShapSolve>));
    for (let k = 0; k < 2; k++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(s.out[k * 4 + j] - ((j % 3) - 1 + 0.5 * k)) < 1e-9);
  });
});
