// SPDX-License-Identifier: MIT
/**
 * npm run bench:function — what a predict function model costs beside the same ONNX model.
 *
 * Prints, from the same run on MobileNetV2-int8 (224×224, batch 16):
 * - the copy each function call gets (16 × 3·224·224 float32 out of the engine's native buffer,
 *   into fresh memory) against one model.run of that batch, in alternating pairs: the price of
 *   handing the function a buffer of its own (lib/model/function-model.ts says why it gets one);
 * - LIME at 1000 samples on each photo, by the ONNX explainer and by a function explainer whose
 *   function calls the very same model's run(): alternated, `ROUNDS` times (default 3), with the
 *   wall-time ratio (function ÷ ONNX) and the largest difference between their weights (the
 *   function sees the same input values, so it is 0).
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createExplainer, type LimeResult } from '../lib';
import { loadModel } from '../lib/model';
import { binding } from '../lib/native';
import { environment, envInt, fmt, load, PHOTOS, SHARED, stats, writeResults } from './harness';

const BATCH = 16;
const SAMPLE = 3 * 224 * 224;

/** Copy-and-run pairs timed. */
const PAIRS = 30;

function maxWeightDiff(a: LimeResult, b: LimeResult): number {
  let d = 0;
  a.explanations.forEach((e, j) => e.weights.forEach((w, s) => (d = Math.max(d, Math.abs(w - b.explanations[j].weights[s])))));
  return d;
}

async function main(): Promise<void> {
  const env = environment();
  const rounds = envInt('ROUNDS', 3, 100);
  console.log(`limeshap bench:function — ${env.cpu}, ${env.cores} cores, ${env.node}; ${load()}`);
  const modelPath = path.join(SHARED, 'models', 'mobilenetv2-12-int8.onnx');

  // The copy against the inference it feeds, on the engine's kind of buffer: timed in alternating
  // pairs (median of the pair ratios), so a change in the machine's load falls on both.
  const inner = await loadModel(modelPath);
  const buffer = new Float32Array(binding.nativeBuffer(BATCH * SAMPLE * 4));
  for (let i = 0; i < buffer.length; i++) buffer[i] = ((i * 7919) % 1000) / 500 - 1;
  await inner.run(buffer, BATCH);
  const copies: number[] = [];
  const runs: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const t0 = performance.now();
    const copy = new Float32Array(buffer.subarray(0, BATCH * SAMPLE));
    const t1 = performance.now();
    await inner.run(copy, BATCH);
    copies.push(t1 - t0);
    runs.push(performance.now() - t1);
  }
  const copyMs = stats(copies).median;
  const runMs = stats(runs).median;
  const share = stats(copies.map((c, i) => c / runs[i])).median;
  console.log(
    `copy of a batch of ${BATCH} (${fmt((BATCH * SAMPLE * 4) / 1e6)} MB): ${fmt(copyMs, 2)} ms; model.run of it: ${fmt(runMs, 1)} ms; ` +
      `copy ÷ run (median of ${PAIRS} pairs) ${fmt(100 * share, 2)}%; ${load()}`,
  );

  const onnx = await createExplainer(modelPath);
  const fnExplainer = await createExplainer(({ data, dims }) => inner.run(data, dims[0]), { inputSize: 224, batchSize: BATCH });
  const rows = [];
  console.log('image                 onnx ms  function ms  ratio  max |Δweight|');
  for (const photo of PHOTOS) {
    const rgb = await onnx.prepare(path.join(SHARED, photo));
    const image = { data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 as const };
    const options = { numSamples: 1000, seed: 1 };
    const onnxMs: number[] = [];
    const fnMs: number[] = [];
    let diff = 0;
    for (let r = 0; r < rounds; r++) {
      // Alternated, so a change in the machine's load falls on both.
      const a = await onnx.lime(image, options);
      const b = await fnExplainer.lime(image, options);
      onnxMs.push(a.timings.total);
      fnMs.push(b.timings.total);
      diff = Math.max(diff, maxWeightDiff(a, b));
    }
    const o = stats(onnxMs).median;
    const f = stats(fnMs).median;
    console.log(
      `${path.basename(photo).padEnd(20)} ${fmt(o, 0).padStart(8)} ${fmt(f, 0).padStart(12)} ${fmt(f / o, 3).padStart(6)} ${diff}`,
    );
    rows.push({ photo, onnxMs, fnMs, ratio: f / o, maxWeightDiff: diff });
  }
  const ratio = stats(rows.map((r) => r.ratio));
  console.log(`function ÷ ONNX wall time: median ${fmt(ratio.median, 3)} (min ${fmt(ratio.min, 3)}, max ${fmt(ratio.max, 3)}); ${load()}`);
  console.log(`results: ${writeResults('function', { env, copies, runs, share, rows })}`);
  await onnx.dispose();
  await fnExplainer.dispose();
  await inner.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
