// SPDX-License-Identifier: MIT
/**
 * npm run bench:batch — end-to-end batch explanation against pure inference, in the same run.
 *
 * Explains 32 images (the shared photos and crops of them, as encoded PNGs: decoding is part of the
 * job) with MobileNetV2-int8 at 1000 LIME samples each through explainBatch, then runs the same
 * number of model evaluations through the model alone (model.run on a ready input buffer) at the
 * model's best batch size, swept in this run (bench/pure-inference.ts). Prints images/s, both times,
 * their ratio (target <= 1.05; beside it the same at the explanation's batch size, the old
 * denominator) and peak RSS; writes JSON.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createExplainer } from '../lib';
import { environment, fmt, load, writeResults, SHARED } from './harness';
import { pureInference, sweepText } from './pure-inference';

const shared = SHARED;

async function images(): Promise<Buffer[]> {
  const big = ['astronaut', 'chelsea', 'coffee', 'dog', 'horses', 'rocket'].map((n) => path.join(shared, 'images', `${n}.png`));
  const out: Buffer[] = [];
  for (const f of [...big, path.join(shared, 'models', 'images', 'kitten_224.png'), path.join(shared, 'models', 'images', 'fish.png')])
    out.push(await sharp(f).png().toBuffer());
  // Four crops of each large photo: its quadrants.
  for (const f of big) {
    const { width = 0, height = 0 } = await sharp(f).metadata();
    for (const [x, y] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]) {
      out.push(
        await sharp(f)
          .extract({
            left: x * Math.floor(width / 2),
            top: y * Math.floor(height / 2),
            width: Math.floor(width / 2),
            height: Math.floor(height / 2),
          })
          .png()
          .toBuffer(),
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  const env = environment();
  console.log(`limeshap bench:batch — ${env.cpu}, ${env.cores} cores, ${env.node}; ${load()}`);
  const inputs = await images();
  const explainer = await createExplainer(path.join(shared, 'models', 'mobilenetv2-12-int8.onnx'));
  const model = explainer.model;
  // Warm-up (first-run allocations in onnxruntime), then the measured batch.
  for await (const _ of explainer.explainBatch(inputs.slice(0, 1), { lime: { numSamples: 64 } }));
  model.resetStats();
  let evaluations = 0,
    failed = 0;
  const t0 = performance.now();
  for await (const item of explainer.explainBatch(inputs, { lime: { numSamples: 1000, seed: 1 } })) {
    if (item.ok) evaluations += item.lime?.evaluations ?? 0;
    else failed++;
  }
  const endToEnd = performance.now() - t0;
  const insideRun = model.stats().inferMs;
  // Peak RSS of the explanation, read before the pure-inference sessions (batch sizes up to 128) add theirs.
  const rssMb = process.resourceUsage().maxRSS / 1024;

  // Pure inference of the same number of evaluations: at the best batch size (the ratio's
  // denominator), and at the explanation's own batch size (the old denominator), one ready buffer.
  const best = await pureInference(path.join(shared, 'models', 'mobilenetv2-12-int8.onnx'));
  console.log(sweepText(best));
  const pureBest = await best.ms(evaluations);
  await best.dispose();
  const batch = model.batchSize;
  const sample = 3 * 224 * 224;
  const data = new Float32Array(batch * sample).fill(0.5);
  model.resetStats();
  const t1 = performance.now();
  for (let done = 0; done < evaluations; done += batch)
    await model.run(data.subarray(0, Math.min(batch, evaluations - done) * sample), Math.min(batch, evaluations - done));
  const pure = performance.now() - t1;

  const ratio = endToEnd / pureBest;
  const ratioSameBatch = endToEnd / pure;
  console.log(`images: ${inputs.length} (${failed} failed), evaluations: ${evaluations}, batch size ${batch}`);
  console.log(
    `end to end: ${fmt(endToEnd, 0)} ms (${fmt((inputs.length / endToEnd) * 1000, 2)} images/s); inside session.run during it: ${fmt(insideRun, 0)} ms`,
  );
  console.log(
    `pure inference of the same evaluations: ${fmt(pureBest, 0)} ms at batch ${best.best} (best), ${fmt(pure, 0)} ms at batch ${batch}`,
  );
  console.log(
    `ratio end-to-end / pure inference at the best batch: ${fmt(ratio, 3)} (target <= 1.05); at batch ${batch}: ${fmt(ratioSameBatch, 3)}; peak RSS ${fmt(rssMb, 0)} MB; ${load()}`,
  );
  await explainer.dispose();
  console.log(
    `results: ${writeResults('batch', { env, images: inputs.length, evaluations, batchSize: batch, endToEndMs: endToEnd, insideRunMs: insideRun, pureSweep: best.sweep, pureBestBatch: best.best, pureInferenceMs: pureBest, pureSameBatchMs: pure, ratio, ratioSameBatch, imagesPerSecond: (inputs.length / endToEnd) * 1000, peakRssMb: rssMb })}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
