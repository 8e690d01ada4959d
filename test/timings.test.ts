// SPDX-License-Identifier: MIT
// Stage timings with two images in flight: each stage's own time stays what it is alone, and the
// time spent on the other image (its samples in the shared engine, its model runs blocking the main
// thread) is reported apart, as `timings.wait`. The model here blocks the main thread for a fixed
// time per run, as onnxruntime-node's session.run does, so the waits are large and predictable.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createExplainer, Explainer, type BatchItem, type LimeResult, type ShapResult } from '../lib';
import type { Model } from '../lib/model';
import { linearModel } from './helpers/onnx-builder';
import { identityPreprocess } from './helpers/fixtures';

const H = 16,
  W = 16;
/** Milliseconds every model run blocks the main thread. */
const RUN_MS = 100;
/** Samples per model run. */
const BATCH = 16;

function image(seed: number) {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * i) % 97)) % 256;
  return { data, width: W, height: H, channels: 3 as const };
}

/** The model with every run blocking the main thread for RUN_MS first (a busy wait: timers cannot fire). */
function blocking(model: Model): Model {
  const slow = Object.create(model) as Model;
  Object.defineProperty(slow, 'run', {
    value: (data: Float32Array | Uint16Array, count: number, size?: readonly [number, number]) => {
      const end = performance.now() + RUN_MS;
      while (performance.now() < end);
      return model.run(data, count, size);
    },
  });
  return slow;
}

const sum = (t: Record<string, number>, keys: string[]) => keys.reduce((a, k) => a + t[k], 0);

describe('timings: own time and waiting with two images in flight', function () {
  this.timeout(60_000);
  let explainer: Explainer;
  let slow: Explainer;
  before(async () => {
    explainer = await createExplainer(linearModel({ height: H, width: W, classes: 3, seed: 2 }).bytes, {
      preprocess: identityPreprocess(H, W),
      batchSize: BATCH,
    });
    slow = new Explainer(blocking(explainer.model), explainer.preprocess);
    // First calls pay one-time costs (session warm-up, lazy loading) that the comparisons must not see.
    await explainer.lime(image(3), { segmentation: { method: 'grid', rows: 4, cols: 4 }, numSamples: 32 });
    await explainer.shap(image(3), { segmentation: { method: 'grid', rows: 4, cols: 4 }, features: 'superpixels', maxEvals: 32 });
  });
  after(() => explainer.dispose());

  async function both<R>(method: 'lime' | 'shap', options: object): Promise<{ items: R[]; wall: number }> {
    const t0 = performance.now();
    const items: BatchItem[] = [];
    for await (const item of slow.explainBatch([image(1), image(2)], { method, [method]: options, concurrency: 2 })) items.push(item);
    const wall = performance.now() - t0;
    return { items: items.map((i) => (i.ok ? (i[method] as R) : assert.fail(i.error))), wall };
  }

  it("LIME: evaluate's own time is the image's share of the runs; waiting for the other image is timings.wait", async () => {
    const options = { segmentation: { method: 'grid', rows: 4, cols: 4 }, numSamples: 64, seed: 1 } as const;
    const t0 = performance.now();
    const alone = await slow.lime(image(1), options);
    const aloneWall = performance.now() - t0;
    // Alone, nothing waits: own + wait = wall and the wait is (nearly) nothing.
    assert.ok(alone.timings.wait.total < RUN_MS / 2, JSON.stringify(alone.timings));
    assert.ok(Math.abs(alone.timings.total + alone.timings.wait.total - aloneWall) < RUN_MS / 2);

    const { items, wall } = await both<LimeResult>('lime', options);
    for (const r of items) {
      const t = r.timings;
      // The image's own evaluations: its samples over BATCH per run, RUN_MS each (plus the real model's run and compositing).
      const ownRuns = (r.evaluations / BATCH) * RUN_MS;
      assert.ok(t.evaluate >= ownRuns * 0.95 && t.evaluate < ownRuns + RUN_MS, `evaluate ${t.evaluate} ≈ ${ownRuns}: ${JSON.stringify(t)}`);
      // Its own total stays near the image alone, whatever the other image took: the other's runs
      // (about 4 × RUN_MS) are not in it. Two runs of slack for a loaded machine.
      assert.ok(t.total < ownRuns + 2 * RUN_MS, `own total ${t.total}: its ${ownRuns} ms of runs and a little`);
      assert.ok(Math.abs(t.total - alone.timings.total) < 2 * RUN_MS, `own total ${t.total} vs alone ${alone.timings.total}`);
      // Stage waits add up within the call's wait; own + wait is at most the batch's wall time.
      assert.ok(sum(t.wait, ['segment', 'evaluate', 'fit']) <= t.wait.total + 1e-6, JSON.stringify(t));
      assert.ok(t.total + t.wait.total <= wall + 1, `own ${t.total} + wait ${t.wait.total} <= wall ${wall}`);
    }
    // Both images' runs went through one engine, one run at a time: the batch took about all 8 runs,
    // and the images' waits hold the other's runs (each run blocks everything but itself).
    const runs = items.reduce((a, r) => a + r.evaluations, 0) / BATCH;
    assert.ok(wall >= runs * RUN_MS * 0.95, `wall ${wall} >= ${runs} runs`);
    const waited = items.reduce((a, r) => a + r.timings.wait.total, 0);
    assert.ok(waited >= (runs / 2 - 1) * RUN_MS, `waits ${waited} hold the other image's runs`);
  });

  it("SHAP: solve's own time stays as alone while the other image's runs interleave; they are its wait", async () => {
    // Partition SHAP evaluates in steps of batchSize coalitions, solving between them: the two images'
    // steps interleave, so each image's solve spans the other's runs.
    const options = {
      segmentation: { method: 'grid', rows: 4, cols: 4 },
      features: 'superpixels',
      maxEvals: 96,
      batchSize: 16,
      seed: 1,
    } as const;
    const alone = await slow.shap(image(1), options);
    assert.ok(alone.timings.wait.total < RUN_MS / 2, JSON.stringify(alone.timings));
    explainer.model.resetStats();
    const { items, wall } = await both<ShapResult>('shap', options);
    const runs = explainer.model.stats().runs;
    for (const r of items) {
      const t = r.timings;
      // The old solve (the algorithm's wall time less its own inference) took in the other image's runs.
      assert.ok(t.solve < alone.timings.solve + RUN_MS, `solve ${t.solve} vs alone ${alone.timings.solve}: ${JSON.stringify(t)}`);
      assert.ok(t.evaluate >= t.infer, JSON.stringify(t));
      assert.ok(sum(t.wait, ['segment', 'evaluate', 'solve']) <= t.wait.total + 1e-6, JSON.stringify(t));
      assert.ok(t.total + t.wait.total <= wall + 1, `own ${t.total} + wait ${t.wait.total} <= wall ${wall}`);
    }
    // Every run's time is owned by the images in it, no more: their own evaluate times add up to the runs.
    const owned = items.reduce((a, r) => a + r.timings.evaluate, 0);
    assert.ok(owned >= runs * RUN_MS * 0.95 && owned <= wall, `own evaluate ${owned} for ${runs} runs of ${RUN_MS} ms in ${wall}`);
  });
});
