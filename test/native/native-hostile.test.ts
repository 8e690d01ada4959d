// SPDX-License-Identifier: MIT
// The addon against hostile callers (issue 8): argument objects whose reads throw (getters, Proxies,
// revoked Proxies, throwing array elements), buffers detached, shrunk or changed while a call runs,
// non-finite fit inputs and extreme values. Each case runs in a child process (test/helpers/child.ts)
// because on the old addon these aborted (FATAL ERROR napi_throw), segfaulted or wrote into freed
// memory, which would have taken mocha down with them. The child must exit cleanly, with the error
// type and message checked inside it, and the addon must still give correct results afterwards.
import * as path from 'node:path';
import { expectClean, runChild } from '../helpers/child';

// Waits for queued work to settle and for the GC to run, so a worker left behind with a bad state
// (the old null-deferred case) would crash here, inside the child.
const SETTLE = `await new Promise((r) => setTimeout(r, 200)); gc(); await new Promise((r) => setTimeout(r, 50));`;

describe('native addon: hostile argument objects', function () {
  this.timeout(120_000);

  it('composite and compositeSync: a throwing getter, Proxy or array element throws that error; a revoked Proxy a TypeError', () => {
    expectClean(
      runChild(`
        const base = () => A.compositeArgs(8, 6, 3, 2);
        const isHostile = (e) => e === A.HOSTILE;
        const cases = ['scale', 'mean', 'std', 'layout', 'channels'].map((key) => (a) => { a.params = A.throwingGetter(a.params, key); });
        cases.push((a) => { a.params = A.throwingProxy(a.params); });
        cases.push((a) => { a.params.mean = A.throwingTriple(a.params.mean, 1); });
        cases.push((a) => { a.params.std = A.throwingTriple(a.params.std, 2); });
        for (const f of [binding.composite, binding.compositeSync]) {
          for (const c of cases) {
            const a = base();
            c(a);
            assert.throws(() => f(...A.compositeList(a)), isHostile);
          }
          const a = base();
          a.params = A.revokedProxy(a.params);
          assert.throws(() => f(...A.compositeList(a)), TypeError);
        }
        ${SETTLE}
        const a = base(), b = base();
        await binding.composite(...A.compositeList(a));
        binding.compositeSync(...A.compositeList(b));
        assert.deepEqual(a.out, b.out);
        assert.ok(a.out.some((v) => v !== 0));
      `),
    );
  });

  it('limeFit: throwing getters and Proxies in params and out throw that error; no worker is left queued', () => {
    expectClean(
      runChild(`
        const base = () => A.limeFitArgs(12, 4, 2);
        const isHostile = (e) => e === A.HOSTILE;
        const call = (a) => binding.limeFit(...A.limeFitList(a));
        for (const key of ['kernelWidth', 'regressor', 'alpha', 'featureSelection', 'numFeatures']) {
          const a = base();
          a.params = A.throwingGetter(a.params, key);
          assert.throws(() => call(a), isHostile, key);
        }
        for (const key of ['distances', 'sampleWeights', 'intercept', 'coef', 'score', 'localPrediction']) {
          const a = base();
          a.out = A.throwingGetter(a.out, key);
          assert.throws(() => call(a), isHostile, 'out.' + key);
        }
        for (const field of ['params', 'out']) {
          const a = base();
          a[field] = A.throwingProxy(a[field]);
          assert.throws(() => call(a), isHostile);
          const b = base();
          b[field] = A.revokedProxy(b[field]);
          assert.throws(() => call(b), TypeError);
        }
        ${SETTLE}
        const a = base();
        await call(a);
        assert.ok(a.out.coef.some((v) => v !== 0) && a.out.sampleWeights[0] === 1);
      `),
    );
  });

  it('kernelShapSolve: a throwing optional field (zeroTol) throws, and nothing crashes later', () => {
    expectClean(
      runChild(`
        const base = () => A.shapArgs(40, 4, 2, 'alpha', 0.01);
        const isHostile = (e) => e === A.HOSTILE;
        const call = (a) => binding.kernelShapSolve(...A.shapList(a));
        for (const key of ['l1', 'l1Value', 'zeroTol']) {
          const a = base();
          a.params = A.throwingGetter({ ...a.params, zeroTol: 0 }, key);
          assert.throws(() => call(a), isHostile, key);
        }
        const p = base();
        p.params = A.throwingProxy(p.params);
        assert.throws(() => call(p), isHostile);
        const r = base();
        r.params = A.revokedProxy(r.params);
        assert.throws(() => call(r), TypeError);
        ${SETTLE}
        const a = base();
        a.params = { l1: 'none', l1Value: 0, zeroTol: 0 };
        await call(a);
        // The targets are exactly linear, so Kernel SHAP recovers the coefficients.
        for (let k = 0; k < 2; k++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(a.out[k * 4 + j] - ((j % 3) - 1 + 0.5 * k)) < 1e-9);
      `),
    );
  });

  it('quickshift and slic: throwing getters and Proxies in params throw that error', () => {
    expectClean(
      runChild(`
        const isHostile = (e) => e === A.HOSTILE;
        for (const [name, params] of [['quickshift', A.QUICKSHIFT_PARAMS], ['slic', A.SLIC_PARAMS]]) {
          const call = (a) => binding[name](...A.segmentList(a));
          for (const key of Object.keys(params)) {
            const a = A.segmentArgs(16, 12, params);
            a.params = A.throwingGetter(a.params, key);
            assert.throws(() => call(a), isHostile, name + '.' + key);
          }
          const a = A.segmentArgs(16, 12, params);
          a.params = A.throwingProxy(a.params);
          assert.throws(() => call(a), isHostile);
          const b = A.segmentArgs(16, 12, params);
          b.params = A.revokedProxy(b.params);
          assert.throws(() => call(b), TypeError);
        }
        ${SETTLE}
        const a = A.segmentArgs(16, 12, A.QUICKSHIFT_PARAMS);
        const count = await binding.quickshift(...A.segmentList(a));
        assert.ok(count >= 2 && Math.max(...a.labels) === count - 1);
      `),
    );
  });
});

describe('native addon: buffers changed, detached or shrunk while a call runs', function () {
  this.timeout(120_000);

  it('composite: output detached or shrunk during the call rejects with an Error, writing nothing', () => {
    expectClean(
      runChild(`
        for (const change of ['detach', 'shrink']) {
          const a = A.compositeArgs(224, 224, 50, 16);
          if (change === 'shrink') a.out = A.resizable(Float32Array, a.out.length, 4);
          const p = binding.composite(...A.compositeList(a));
          if (change === 'detach') A.detach(a.out); else A.shrink(a.out);
          await assert.rejects(p, { name: 'Error', message: /out was detached or resized while compositing ran/ });
        }
        ${SETTLE}
        const a = A.compositeArgs(224, 224, 50, 16);
        await binding.composite(...A.compositeList(a));
        assert.ok(a.out.some((v) => v !== 0));
      `),
    );
  });

  it('composite: labels, masks and image changed during the call do not change the result (the addon works on copies)', () => {
    expectClean(
      runChild(`
        const ref = A.compositeArgs(224, 224, 50, 16);
        binding.compositeSync(...A.compositeList(ref));
        const a = A.compositeArgs(224, 224, 50, 16);
        const p = binding.composite(...A.compositeList(a));
        a.labels.fill(1e9);   // far outside [0, 50): read as a mask index this was out of bounds
        a.masks.fill(7);
        a.image.fill(0);
        await p;
        assert.deepEqual(a.out, ref.out);
      `),
    );
  });

  it('compositeSync: a getter that detaches or shrinks a buffer gives a RangeError, not a read of freed memory', () => {
    expectClean(
      runChild(`
        for (const target of ['image', 'labels', 'out']) {
          for (const change of ['detach', 'shrink']) {
            const a = A.compositeArgs(64, 48, 5, 4);
            const Ctor = a[target].constructor;
            if (change === 'shrink') {
              const r = A.resizable(Ctor, a[target].length, Ctor.BYTES_PER_ELEMENT);
              r.set(a[target]);
              a[target] = r;
            }
            const view = a[target];
            let scale = a.params.scale;
            Object.defineProperty(a.params, 'scale', { get() { if (change === 'detach') A.detach(view); else A.shrink(view); return scale; } });
            assert.throws(() => binding.compositeSync(...A.compositeList(a)), { name: 'RangeError', message: new RegExp('^' + target + ' (has|holds) 0') }, target + '/' + change);
          }
        }
      `),
    );
  });

  it('native batch buffers (nativeBuffer): composited in place; dropping or transferring one mid-call is harmless', () => {
    expectClean(
      runChild(`
        const ref = A.compositeArgs(224, 224, 50, 16);
        binding.compositeSync(...A.compositeList(ref));
        const a = A.compositeArgs(224, 224, 50, 16);
        a.out = new Float32Array(binding.nativeBuffer(a.out.byteLength));
        await binding.composite(...A.compositeList(a));
        assert.deepEqual(a.out, ref.out);
        // A subarray at an offset of a native buffer is written in place too.
        const big = new Float32Array(binding.nativeBuffer(ref.out.byteLength * 2));
        const b = A.compositeArgs(224, 224, 50, 16);
        b.out = big;
        b.offset = 16;
        big.fill(0);
        const b2 = A.compositeArgs(224, 224, 50, 16);
        b2.out = big;
        b2.offset = 0;
        b2.masks = b2.masks.subarray(0, 8 * 50);
        await Promise.all([binding.composite(...A.compositeList(b)), binding.composite(...A.compositeList(b2))]);
        assert.deepEqual(big.subarray(ref.out.length), ref.out);
        assert.deepEqual(big.subarray(0, ref.out.length / 2), ref.out.subarray(0, ref.out.length / 2));
        // Transfer (Node may refuse it for external memory) and drop while the kernel writes.
        for (let round = 0; round < 4; round++) {
          const c = A.compositeArgs(224, 224, 50, 16);
          c.out = new Float32Array(binding.nativeBuffer(c.out.byteLength));
          const p = binding.composite(...A.compositeList(c));
          try { A.detach(c.out); } catch (e) { assert.equal(e.name, 'DataCloneError'); }
          c.out = null;
          gc();
          await p.catch((e) => assert.match(e.message, /detached|resized/));
        }
        ${SETTLE}
        assert.throws(() => binding.nativeBuffer(0), RangeError);
        assert.throws(() => binding.nativeBuffer(-1), RangeError);
        assert.throws(() => binding.nativeBuffer('8'), TypeError);
      `),
    );
  });

  it('limeFit: an output detached during the fit rejects; inputs changed during the fit do not change the result', () => {
    expectClean(
      runChild(`
        for (const key of ['distances', 'sampleWeights', 'intercept', 'coef', 'score', 'localPrediction']) {
          const a = A.limeFitArgs(2000, 40, 3);
          const p = binding.limeFit(...A.limeFitList(a));
          A.detach(a.out[key]);
          await assert.rejects(p, { name: 'Error', message: new RegExp('out.' + key + ' was detached or resized') });
          // All or nothing: the other outputs were not written either.
          for (const other of Object.keys(a.out)) if (other !== key) assert.ok(a.out[other].every((v) => v === 0), other);
        }
        const ref = A.limeFitArgs(2000, 40, 3);
        await binding.limeFit(...A.limeFitList(ref));
        const b = A.limeFitArgs(2000, 40, 3);
        const p = binding.limeFit(...A.limeFitList(b));
        b.masks.fill(0);
        b.targets.fill(NaN);
        await p;
        assert.deepEqual(b.out, ref.out);
      `),
    );
  });

  it('limeFit: a getter that detaches masks or targets gives a RangeError naming it', () => {
    expectClean(
      runChild(`
        for (const target of ['masks', 'targets']) {
          const a = A.limeFitArgs(50, 6, 2);
          const view = a[target];
          const nf = a.params.numFeatures;
          Object.defineProperty(a.params, 'numFeatures', { get() { A.detach(view); return nf; } });
          assert.throws(() => binding.limeFit(...A.limeFitList(a)), { name: 'RangeError', message: new RegExp('^' + target + ' has 0 elements') });
        }
      `),
    );
  });

  it('quickshift and slic: labels detached during the call reject; rgb changed during the call does not change the result', () => {
    expectClean(
      runChild(`
        for (const [name, params] of [['quickshift', A.QUICKSHIFT_PARAMS], ['slic', A.SLIC_PARAMS]]) {
          const a = A.segmentArgs(96, 64, params);
          const p = binding[name](...A.segmentList(a));
          A.detach(a.labels);
          await assert.rejects(p, { name: 'Error', message: /labels was detached or resized/ });
          const s = A.segmentArgs(96, 64, params);
          s.labels = A.resizable(Int32Array, s.labels.length, 4);
          const q = binding[name](...A.segmentList(s));
          A.shrink(s.labels);
          await assert.rejects(q, { name: 'Error', message: /labels was detached or resized/ });
          const ref = A.segmentArgs(96, 64, params);
          const count = await binding[name](...A.segmentList(ref));
          const b = A.segmentArgs(96, 64, params);
          const r = binding[name](...A.segmentList(b));
          b.rgb.fill(0);
          assert.equal(await r, count);
          assert.deepEqual(b.labels, ref.labels);
        }
      `),
    );
  });

  it('kernelShapSolve: out detached during the solve rejects; inputs changed during it do not change the result', () => {
    expectClean(
      runChild(`
        const a = A.shapArgs(3000, 60, 2);
        const p = binding.kernelShapSolve(...A.shapList(a));
        A.detach(a.out);
        await assert.rejects(p, { name: 'Error', message: /out was detached or resized/ });
        const ref = A.shapArgs(3000, 60, 2);
        await binding.kernelShapSolve(...A.shapList(ref));
        const b = A.shapArgs(3000, 60, 2);
        const q = binding.kernelShapSolve(...A.shapList(b));
        b.weights.fill(-1);
        b.y.fill(NaN);
        b.masks.fill(9);
        await q;
        assert.deepEqual(b.out, ref.out);
      `),
    );
  });
});

describe('native addon: non-finite and extreme values', function () {
  this.timeout(120_000);

  it('limeFit: NaN or Infinity in targets is a RangeError naming the element, for every feature selection', () => {
    expectClean(
      runChild(`
        for (const fs of ['forward', 'auto', 'highest-weights', 'lasso-path', 'none']) {
          for (const bad of [NaN, Infinity, -Infinity]) {
            const a = A.limeFitArgs(30, 5, 2, fs, 3);
            a.targets[7] = bad;
            assert.throws(() => binding.limeFit(...A.limeFitList(a)), { name: 'RangeError', message: new RegExp('^targets\\\\[7\\\\] \\\\(sample 3, class 1\\\\) must be finite, got ' + String(bad)) }, fs);
          }
        }
        const a = A.limeFitArgs(30, 5, 2, 'forward', 3);
        await binding.limeFit(...A.limeFitList(a));
        // Forward selection keeps exactly 3 segments per class.
        for (let k = 0; k < 2; k++) assert.equal(a.out.coef.subarray(k * 5, k * 5 + 5).filter((v) => v !== 0).length, 3);
      `),
    );
  });

  it('extreme values are refused with a RangeError naming the argument and the value, not an internal message', () => {
    expectClean(
      runChild(`
        const fit = (mod) => { const a = A.limeFitArgs(30, 5, 2); mod(a); return () => binding.limeFit(...A.limeFitList(a)); };
        assert.throws(fit((a) => { a.params.kernelWidth = 1e-200; }), { name: 'RangeError', message: /^kernelWidth must be in \\[1e-150, 1e\\+150\\], got 1e-200$/ });
        assert.throws(fit((a) => { a.params.kernelWidth = NaN; }), { name: 'RangeError', message: /kernelWidth .*got NaN/ });
        assert.throws(fit((a) => { a.K = 0; }), { name: 'RangeError', message: /^K \\(number of explained classes\\) must be an integer in \\[1, 100000\\], got 0$/ });
        assert.throws(fit((a) => { a.m = 1e9; }), { name: 'RangeError', message: /^m \\(number of segments\\) must be an integer in \\[1, 16384\\], got 1000000000$/ });
        assert.throws(fit((a) => { a.params.featureSelection = 'best'; }), { name: 'RangeError', message: /featureSelection .*got 'best'/ });
        assert.throws(fit((a) => { a.params.alpha = '1'; }), { name: 'TypeError', message: /^alpha must be a number, got a string$/ });
        const shap = (mod) => { const a = A.shapArgs(10, 3, 1); mod(a); return () => binding.kernelShapSolve(...A.shapList(a)); };
        assert.throws(shap((a) => { a.y[4] = NaN; }), { name: 'RangeError', message: /^y\\[4\\] must be finite, got NaN$/ });
        assert.throws(shap((a) => { a.delta[0] = Infinity; }), { name: 'RangeError', message: /^delta\\[0\\] must be finite, got Infinity$/ });
        assert.throws(shap((a) => { a.weights[2] = -1; }), { name: 'RangeError', message: /^weights\\[2\\] must be finite and >= 0, got -1$/ });
        const c = A.compositeArgs(8, 6, 3, 2);
        c.params.std = [1, 0, 1];
        assert.throws(() => binding.compositeSync(...A.compositeList(c)), { name: 'RangeError', message: /^std\\[1\\] must be nonzero, got 0$/ });
        const d = A.compositeArgs(8, 6, 3, 2);
        d.labels[5] = 3;
        assert.throws(() => binding.compositeSync(...A.compositeList(d)), { name: 'RangeError', message: /labels\\[5\\] = 3/ });
        await assert.rejects(binding.composite(...A.compositeList(d)), { name: 'RangeError', message: /labels\\[5\\] = 3/ });
      `),
    );
  });
});

describe('native addon: shutdown with work in flight', function () {
  this.timeout(120_000);
  const nativeModule = JSON.stringify(path.resolve(__dirname, '..', '..', 'lib', 'native.js'));
  const argsModule = JSON.stringify(path.resolve(__dirname, '..', 'helpers', 'native-args.js'));
  // Starts compositing (into a plain and a native buffer), fits and segmentations, and returns at once.
  const startWork = `
    for (let i = 0; i < 4; i++) {
      const c = A.compositeArgs(224, 224, 50, 16);
      if (i % 2) c.out = new Float32Array(binding.nativeBuffer(c.out.byteLength));
      binding.composite(...A.compositeList(c));
      binding.limeFit(...A.limeFitList(A.limeFitArgs(3000, 60, 3)));
      binding.quickshift(...A.segmentList(A.segmentArgs(160, 120, A.QUICKSHIFT_PARAMS)));
    }`;

  it('process.exit() while kernels run exits cleanly (status 0, no abort)', () => {
    for (let round = 0; round < 3; round++) {
      expectClean(
        runChild(`${startWork}\n await new Promise((r) => setTimeout(r, ${round * 15})); console.log('CHILD-DONE'); process.exit(0);`),
      );
    }
  });

  it('a worker thread terminated while its kernels run: the process goes on and the addon still works', () => {
    expectClean(
      runChild(`
        const { Worker } = require('node:worker_threads');
        for (let round = 0; round < 3; round++) {
          const w = new Worker(\`
            const { binding } = require(${nativeModule});
            const A = require(${argsModule});
            ${startWork.replace(/`/g, '\\`')}
            require('node:worker_threads').parentPort.postMessage('busy');
          \`, { eval: true });
          await new Promise((r) => w.once('message', r));
          await w.terminate();
        }
        gc();
        const ref = A.compositeArgs(64, 48, 5, 4);
        binding.compositeSync(...A.compositeList(ref));
        const a = A.compositeArgs(64, 48, 5, 4);
        await binding.composite(...A.compositeList(a));
        assert.deepEqual(a.out, ref.out);
      `),
    );
  });
});
