// SPDX-License-Identifier: MIT
/**
 * npm run bench:lime — LIME on the shared photos with MobileNetV2-int8 at 1000 samples.
 *
 * Prints per image, from the same run: wall time, time inside session.run, time per stage, and the
 * overhead ratio (wall ÷ time inside session.run; the target is <= 1.05), plus composited samples
 * per second and GB/s written by the compositing kernel. For scale: Python lime's own overhead on
 * this machine type is 4.1–5.1 s per 299×299 image at 1000 samples (quickshift 0.7–0.95 s, its
 * compositing loop 3.3–4.2 s, distances and fits ~25 ms), measured with a near-free classifier.
 */
import * as path from 'node:path';
import { createExplainer } from '../lib';
import { environment, fmt, PHOTOS, SHARED, stats, writeResults } from './harness';

const shared = SHARED;

async function main(): Promise<void> {
  const env = environment();
  console.log(`limeshap bench:lime — ${env.cpu}, ${env.cores} cores, ${env.node}`);
  const explainer = await createExplainer(path.join(shared, 'models', 'mobilenetv2-12-int8.onnx'));
  const bytesPerSample = 3 * 224 * 224 * 4;
  await explainer.lime(path.join(shared, PHOTOS[0]), { numSamples: 64 }); // warm-up: first-run allocations
  console.log('image                 wall ms  infer ms  segment  composite  fit   overhead  samples/s  GB/s');
  const rows = [];
  for (const photo of PHOTOS) {
    const rgb = await explainer.prepare(path.join(shared, photo)); // decoding is not LIME's work
    const r = await explainer.lime({ data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 }, { numSamples: 1000, seed: 1 });
    const t = r.timings;
    const overhead = t.total / t.infer;
    const samplesPerSec = (r.evaluations / t.composite) * 1000;
    const gbps = (r.evaluations * bytesPerSample) / (t.composite / 1000) / 1e9;
    console.log(
      `${path.basename(photo).padEnd(20)} ${fmt(t.total, 0).padStart(8)} ${fmt(t.infer, 0).padStart(9)} ${fmt(t.segment).padStart(8)} ${fmt(t.composite).padStart(10)} ${fmt(t.fit).padStart(5)} ${fmt(overhead, 3).padStart(9)} ${fmt(samplesPerSec, 0).padStart(10)} ${fmt(gbps, 2).padStart(5)}`,
    );
    rows.push({
      photo,
      timings: t,
      overhead,
      perExplanationOverheadMs: t.total - t.infer,
      evaluations: r.evaluations,
      segments: r.segmentation.count,
      samplesPerSec,
      gbps,
    });
  }
  const o = stats(rows.map((r) => r.overhead));
  const extra = stats(rows.map((r) => r.perExplanationOverheadMs));
  console.log(
    `overhead ratio: median ${fmt(o.median, 3)} (min ${fmt(o.min, 3)}, max ${fmt(o.max, 3)}); time outside session.run: median ${fmt(extra.median)} ms per explanation (Python lime: 4100–5100 ms)`,
  );
  await explainer.dispose();
  console.log(`results: ${writeResults('lime', { env, rows, overhead: o, outsideInferenceMs: extra })}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
