// SPDX-License-Identifier: MIT
// createExplainer(fn) as an attacker's function would use it: wrong returns, throws, rejections,
// Proxies and getters, a function that never settles, one that keeps, scribbles on or detaches its
// batch after returning. Each gets an error naming the function and the batch (or no harm at all),
// nothing crashes, and the explainer gives the right answer afterwards.
import assert from 'node:assert/strict';
import { createExplainer, type LimeResult, type PredictBatch, type PredictFunction } from '../../lib';
import { readPredictions } from '../../lib/model/predict-output';
import { linearModel } from '../helpers/onnx-builder';
import { identityPreprocess } from '../helpers/fixtures';

const H = 16,
  W = 16;
const F = 3 * H * W;
const K = 3;
function testImage(): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i * i) % 101)) % 256;
  return { data, width: W, height: H, channels: 3 };
}
const model = linearModel({ height: H, width: W, classes: K, seed: 11 });

/** The glass-box linear model on an NCHW batch (float64). */
function linear({ data, dims }: PredictBatch): Float64Array {
  const n = dims[0];
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < K; k++) {
      let s = model.bias[k];
      for (let j = 0; j < F; j++) s += model.weights[k * F + j] * data[i * F + j];
      out[i * K + k] = s;
    }
  return out;
}

/** A function whose every property read throws: thrown as an "error" and returned as a value. */
const poison = new Proxy(function () {}, {
  apply() {
    throw new Error('trap: apply');
  },
  get() {
    throw new Error('trap: get');
  },
  getPrototypeOf() {
    throw new Error('trap: getPrototypeOf');
  },
  ownKeys() {
    throw new Error('trap: ownKeys');
  },
});

/** What the function does now; switched by each test. */
let mode = 'ok';
const kept: Float32Array[] = [];
const signals: AbortSignal[] = [];
/** Reads of each element, one map per value returned in 'counting' mode. */
const reads: Map<string, number>[] = [];

async function hostileImpl(batch: PredictBatch): Promise<unknown> {
  const good = linear(batch);
  switch (mode) {
    case 'ok':
      return good;
    case 'short':
      return good.subarray(1);
    case 'string':
      return 'probabilities';
    case 'int32':
      return new Int32Array(good.length);
    case 'nan':
      good[5] = NaN;
      return good;
    case 'two-classes':
      return good.subarray(0, 2 * batch.dims[0]);
    case 'reject':
      return Promise.reject(new Error('service unavailable'));
    case 'reject-poison':
      return Promise.reject(poison);
    case 'proxy-trap':
      return new Proxy(Array.from(good), {
        get(target, key, receiver) {
          if (key === '3') throw new Error('trap on [3]');
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
    case 'proxy-length':
      return new Proxy([] as number[], {
        get(target, key, receiver) {
          return key === 'length' ? 2 ** 32 - 1 : (Reflect.get(target, key, receiver) as unknown);
        },
      });
    case 'counting': {
      // A getter on every element that answers differently each time: read once, the right answer.
      const count = new Map<string, number>();
      reads.push(count);
      return new Proxy(Array.from(good), {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) {
            const n = (count.get(key) ?? 0) + 1;
            count.set(key, n);
            return n === 1 ? target[Number(key)] : NaN;
          }
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
    }
    case 'thenable':
      return {
        get then() {
          throw new Error('then getter');
        },
      };
    case 'hang':
      signals.push(batch.signal);
      return new Promise(() => {});
    case 'keep-scribble':
      // Changes every batch it was given earlier, now and after returning: ours must not change.
      for (const old of kept) old.fill(NaN);
      kept.push(batch.data);
      setImmediate(() => batch.data.fill(-1e30));
      return good;
    case 'detach':
      structuredClone(batch.data.buffer, { transfer: [batch.data.buffer as ArrayBuffer] });
      return good;
    default:
      throw new Error(`no mode ${mode}`);
  }
}

/** `hostileImpl` under its own name (messages name it), typed as a predict function (it returns anything). */
const hostile = Object.defineProperty(hostileImpl, 'name', { value: 'hostile' }) as unknown as PredictFunction;

function syncThrower(): never {
  throw new TypeError('boom');
}

describe('models as functions: hostile predict functions', function () {
  const image = testImage();
  const options = { numSamples: 100, seed: 5, labels: [0, 1, 2], segmentation: { method: 'grid' as const, rows: 4, cols: 4 } };
  const batchName = /predict function "hostile" for batch \d+ \(\[\d+, 3, 16, 16\]\)/;
  let explainer: Awaited<ReturnType<typeof createExplainer>>;
  let baseline: LimeResult;

  before(async () => {
    mode = 'ok';
    explainer = await createExplainer(hostile, { preprocess: identityPreprocess(H, W), softmax: false });
    baseline = await explainer.lime(image, options);
  });
  after(async () => {
    await explainer.dispose();
  });

  /** The explainer still gives the baseline answer (mode back to 'ok'). */
  async function stillRight(): Promise<void> {
    mode = 'ok';
    const r = await explainer.lime(image, options);
    r.explanations.forEach((e, j) => assert.deepEqual(e.weights, baseline.explanations[j].weights));
  }

  const failures: [string, string, RegExp][] = [
    ['short', 'RangeError', /Expected \d+ scores \(\d+ rows × 3 classes\) for the value returned by/],
    ['string', 'TypeError', /Float32Array or Float64Array.*received "probabilities"/],
    ['int32', 'TypeError', /received Int32Array/],
    ['nan', 'RangeError', /Expected a finite score for row 1, class 2 of the value returned by .* but received NaN/],
    ['two-classes', 'RangeError', /Expected \d+ scores \(\d+ rows × 3 classes\)/],
    ['proxy-trap', 'Error', /Reading \[3\] of the value returned by .* threw: trap on \[3\]/],
    ['proxy-length', 'RangeError', /received array\(4294967295\)/],
    ['thenable', 'Error', /predict function "hostile" failed on batch \d+ \(\[\d+, 3, 16, 16\]\): then getter/],
    ['reject', 'Error', /predict function "hostile" failed on batch \d+ \(\[\d+, 3, 16, 16\]\): service unavailable/],
    ['reject-poison', 'Error', /predict function "hostile" failed on batch \d+.*could not be read|a function/],
  ];
  for (const [name, type, message] of failures) {
    it(`${name}: a ${type} naming the function and the batch; the explainer stays right`, async () => {
      mode = name;
      const err = await explainer.lime(image, options).then(
        () => assert.fail('resolved'),
        (e: unknown) => e as Error,
      );
      assert.equal(err.constructor.name, type, err.message);
      assert.match(err.message, message);
      assert.match(err.message, /predict function "hostile"/);
      assert.match(err.message, /batch \d+ \(\[\d+, 3, 16, 16\]\)/);
      if (type !== 'Error') assert.match(err.message, batchName);
      await stillRight();
    });
  }

  it('a rejection keeps its reason as the cause', async () => {
    mode = 'reject';
    await assert.rejects(explainer.classify(image), (err: Error) => (err.cause as Error).message === 'service unavailable');
    await stillRight();
  });

  it('a synchronous throw: an Error naming the function and the batch, with the thrown error as cause', async () => {
    const e = await createExplainer(syncThrower, { preprocess: identityPreprocess(H, W) });
    await assert.rejects(e.classify(image), (err: Error) => {
      assert.match(err.message, /^predict function "syncThrower" failed on batch 1 \(\[1, 3, 16, 16\]\): boom$/);
      assert.ok(err.cause instanceof TypeError);
      return true;
    });
    await e.dispose();
  });

  it('is called without a this: an unbound method cannot reach the model it is wrapped in', async () => {
    const thisValues: unknown[] = [];
    const e = await createExplainer(
      function (this: unknown, batch: PredictBatch) {
        thisValues.push(this);
        return linear(batch);
      },
      { preprocess: identityPreprocess(H, W) },
    );
    await e.classify(image);
    assert.deepEqual(thisValues, [undefined]);
    await e.dispose();
  });

  it('a Proxy whose every trap throws, as the function: anonymous in messages, still refused cleanly', async () => {
    const e = await createExplainer(poison as never, { preprocess: identityPreprocess(H, W) });
    await assert.rejects(e.classify(image), /^Error: predict function \(anonymous\) failed on batch 1 \(\[1, 3, 16, 16\]\): trap: apply$/);
    await e.dispose();
  });

  it('getters that answer differently on each read: every element read once, the right answer', async () => {
    mode = 'counting';
    reads.length = 0;
    const r = await explainer.lime(image, options);
    assert.ok(reads.length > 1);
    for (const count of reads) {
      assert.equal(count.size % K, 0);
      assert.deepEqual([...new Set(count.values())], [1], 'each index read once');
    }
    r.explanations.forEach((e, j) => assert.deepEqual(e.weights, baseline.explanations[j].weights));
  });

  it('a Proxy claiming 2^32 - 1 elements is refused from its length alone (no element read)', async () => {
    mode = 'proxy-length';
    const t0 = Date.now();
    await assert.rejects(explainer.classify(image), RangeError);
    assert.ok(Date.now() - t0 < 1000);
    await stillRight();
  });

  it('never settles: the caller’s signal aborts it, the function’s batch.signal is aborted, the engine moves on', async () => {
    mode = 'hang';
    signals.length = 0;
    await assert.rejects(explainer.lime(image, { ...options, signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
    assert.ok(signals.length >= 1);
    assert.ok(signals.every((s) => s.aborted));
    // Without the abandoned run the engine would still wait for it: this would never finish.
    await stillRight();
  });

  it('never settles and the explainer is disposed: the call rejects', async () => {
    mode = 'hang';
    const e = await createExplainer(hostile, { preprocess: identityPreprocess(H, W), softmax: false });
    const pending = e.lime(image, options);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await e.dispose();
    await assert.rejects(pending, /predict function "hostile" has been disposed/);
    await assert.rejects(e.classify(image), /has been disposed/);
  });

  it('keeps its batches and scribbles on them during later calls and after returning: our results do not change', async () => {
    mode = 'keep-scribble';
    kept.length = 0;
    const r = await explainer.lime(image, options);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(kept.length >= 2, 'several batches were kept');
    assert.ok(new Set(kept.map((k) => k.buffer)).size === kept.length, 'each call had a buffer of its own');
    r.explanations.forEach((e, j) => assert.deepEqual(e.weights, baseline.explanations[j].weights));
    await stillRight();
  });

  it('detaches its batch (transfers the buffer): no harm to the engine', async () => {
    mode = 'detach';
    const r = await explainer.lime(image, options);
    r.explanations.forEach((e, j) => assert.deepEqual(e.weights, baseline.explanations[j].weights));
    await stillRight();
  });

  describe('readPredictions: the accepted forms and their checks', () => {
    const where = 'the value returned by f for batch 1';
    it('typed arrays, flat arrays and nested arrays; class count from the value or as expected', () => {
      assert.deepEqual([...readPredictions(new Float64Array([0.25, 0.75, 1, 0]), 2, undefined, where).scores], [0.25, 0.75, 1, 0]);
      assert.equal(readPredictions([1, 2, 3, 4, 5, 6], 2, undefined, where).classes, 3);
      assert.equal(readPredictions([1, 2], 2, undefined, where).classes, 1, 'one class per row, flat');
      assert.deepEqual(
        [
          ...readPredictions(
            [
              [1, 2],
              [3, 4],
            ],
            2,
            2,
            where,
          ).scores,
        ],
        [1, 2, 3, 4],
      );
    });
    it('refuses with the place named', () => {
      assert.throws(() => readPredictions([[1, 2], [3]], 2, undefined, where), { name: 'RangeError', message: /\[1\] of the value/ });
      assert.throws(() => readPredictions([1, '2'], 2, undefined, where), { name: 'TypeError', message: /\[1\] of the value/ });
      assert.throws(() => readPredictions([[1], 2], 2, undefined, where), { name: 'TypeError', message: /\[1\] of the value/ });
      assert.throws(() => readPredictions([1, 2, 3], 2, undefined, where), { name: 'RangeError', message: /multiple of 2/ });
      assert.throws(() => readPredictions(new Float32Array(0), 1, undefined, where), { name: 'RangeError' });
      assert.throws(() => readPredictions(new Float32Array(2 ** 21), 1, undefined, where), {
        name: 'RangeError',
        message: /at most 1048576/,
      });
      assert.throws(() => readPredictions(new Float32Array([1, Infinity]), 1, 2, where), {
        name: 'RangeError',
        message: /class 1.*Infinity/,
      });
      assert.throws(() => readPredictions(null, 1, undefined, where), TypeError);
      assert.throws(() => readPredictions(poison, 1, undefined, where), TypeError);
    });
  });
});
