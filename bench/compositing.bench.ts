// SPDX-License-Identifier: MIT
/**
 * npm run bench:compositing — `compositing: 'native'` against `'graph'` in the same run: LIME on the
 * shared photos with MobileNetV2-int8 at 1000 samples, the two explainers alternating per photo.
 *
 * Prints per photo and mode the wall time, the time inside session.run, and the bytes of model
 * input handed to onnxruntime (`result.inputBytes`: what would cross to a GPU), then the median
 * wall ratio graph ÷ native. On a CPU the graph's compositing is an extra cost inside session.run
 * (it is not overlapped with inference as the native kernel is); the bytes are what it saves on a
 * device.
 */
import * as path from 'node:path';
import { createExplainer, type Compositing } from '../lib';
import { environment, fmt, PHOTOS, SHARED, stats, writeResults } from './harness';

const MB = 1e6;

async function main(): Promise<void> {
  const env = environment();
  console.log(`limeshap bench:compositing — ${env.cpu}, ${env.cores} cores, ${env.node}`);
  const model = path.join(SHARED, 'models', 'mobilenetv2-12-int8.onnx');
  const modes: Compositing[] = ['native', 'graph'];
  const explainers = await Promise.all(modes.map((compositing) => createExplainer(model, { compositing })));
  for (const e of explainers) await e.lime(path.join(SHARED, PHOTOS[0]), { numSamples: 64 }); // warm-up
  console.log('image                 mode     wall ms  infer ms  segments  input MB/image');
  type Run = { wallMs: number; inferMs: number; inputBytes: number; evaluations: number };
  const rows: ({ photo: string } & Record<Compositing, Run>)[] = [];
  for (const photo of PHOTOS) {
    const rgb = await explainers[0].prepare(path.join(SHARED, photo));
    const raw = { data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 as const };
    const row = { photo } as { photo: string } & Record<Compositing, Run>;
    for (const [i, e] of explainers.entries()) {
      const r = await e.lime(raw, { numSamples: 1000, seed: 1 });
      const t = r.timings;
      console.log(
        `${path.basename(photo).padEnd(20)}  ${modes[i].padEnd(7)} ${fmt(t.total, 0).padStart(8)} ${fmt(t.infer, 0).padStart(9)} ${String(r.segmentation.count).padStart(9)}  ${fmt(r.inputBytes / MB, 2).padStart(14)}`,
      );
      row[modes[i]] = { wallMs: t.total, inferMs: t.infer, inputBytes: r.inputBytes, evaluations: r.evaluations };
    }
    rows.push(row);
  }
  const ratio = stats(rows.map((r) => r.graph.wallMs / r.native.wallMs));
  const bytes = (m: Compositing) => stats(rows.map((r) => r[m].inputBytes / MB));
  console.log(
    `input per image: native median ${fmt(bytes('native').median, 1)} MB, graph median ${fmt(bytes('graph').median, 2)} MB; wall graph ÷ native: median ${fmt(ratio.median, 3)} (min ${fmt(ratio.min, 3)}, max ${fmt(ratio.max, 3)})`,
  );
  for (const e of explainers) await e.dispose();
  console.log(`results: ${writeResults('compositing', { env, rows, ratio })}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
