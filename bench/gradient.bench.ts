// SPDX-License-Identifier: MIT
/**
 * npm run bench:gradient — gradient explanations of the shared photos with SqueezeNet 1.1 fp32
 * (preset caffe-bgr, the model's batch of 16).
 *
 * Per photo, measured in the same run: a 200-sample expected-gradients explanation (`shap` with
 * `algorithm: 'gradient'`, shap's default nsamples, top class, background blur(128,128): the cost
 * does not depend on which background); the forward-only time of the same number of model
 * evaluations (200 images through `model.run` at the same batch size), and their ratio, which is
 * what a backward pass costs on top of a forward pass; and Integrated Gradients at 50 steps (51
 * gradient evaluations). Building the gradient model happens once, in an untimed warm-up, and is
 * printed separately. Photos are fitted to the model's size first, so decoding is not counted.
 * `LIMESHAP_BENCH_IMAGES=n` limits the photos.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createExplainer, type RawImage, type RgbImage } from '../lib';
import { toTensorData } from '../lib/preprocess';
import { envInt, environment, fmt, load, PHOTOS, SHARED, stats, writeResults } from './harness';

const SAMPLES = 200;
const IG_STEPS = 50;

async function main(): Promise<void> {
  const modelPath = path.join(SHARED, 'models', 'squeezenet1.1-fp32.onnx');
  const photos = PHOTOS.slice(0, envInt('LIMESHAP_BENCH_IMAGES', PHOTOS.length, PHOTOS.length));
  const env = environment();
  console.log(`bench:gradient — SqueezeNet 1.1 fp32, ${photos.length} photos, ${load()}`);
  console.log(JSON.stringify(env));
  const explainer = await createExplainer(modelPath, { preprocess: 'caffe-bgr' });
  const rows: Record<string, unknown>[] = [];
  try {
    const fitted: RgbImage[] = [];
    for (const p of photos) fitted.push(await explainer.prepare(path.join(SHARED, p)));
    // Already model-sized: preparing them again inside the explanations is a copy, not a resize.
    const images: RawImage[] = fitted.map((f) => ({ data: f.data, width: f.width, height: f.height, channels: 3 }));
    const [height, width] = explainer.preprocess.size;
    // Warm-up: builds and opens the gradient model (cached by the explainer) and warms both sessions.
    const t0 = performance.now();
    await explainer.integratedGradients(images[0], { steps: 1 });
    const buildMs = performance.now() - t0;
    console.log(`gradient model built and warmed in ${fmt(buildMs / 1000, 2)} s; batch ${explainer.model.batchSize}`);
    console.log('photo                          EG200 s  forward200 s  ratio  EG infer s  IG50 s');
    for (const [i, rgb] of images.entries()) {
      let t = performance.now();
      const eg = await explainer.shap(rgb, { algorithm: 'gradient', nSamples: SAMPLES, topLabels: 1, seed: 1 });
      const egMs = performance.now() - t;
      // The same number of forward evaluations at the same batch size: the sample points' cost without gradients.
      const one = toTensorData(fitted[i], explainer.preprocess, 'float32') as Float32Array;
      const batch = new Float32Array(SAMPLES * one.length);
      for (let s = 0; s < SAMPLES; s++) batch.set(one, s * one.length);
      t = performance.now();
      await explainer.model.run(batch, SAMPLES, [height, width]);
      const forwardMs = performance.now() - t;
      t = performance.now();
      const ig = await explainer.integratedGradients(rgb, { steps: IG_STEPS });
      const igMs = performance.now() - t;
      const e = eg.explanations[0];
      const row = {
        photo: photos[i],
        expectedGradientsS: egMs / 1000,
        forwardS: forwardMs / 1000,
        ratio: egMs / forwardMs,
        egInferS: eg.timings.infer / 1000,
        igS: igMs / 1000,
        label: e.label,
        sum: e.values.reduce((a, b) => a + b, 0),
        change: e.probability - e.baseValue,
        sumStandardError: e.sumStandardError,
        igGap: ig.completenessGap,
      };
      rows.push(row);
      console.log(
        `${photos[i].padEnd(30)} ${fmt(row.expectedGradientsS, 2).padStart(7)}  ${fmt(row.forwardS, 2).padStart(12)}  ${fmt(row.ratio, 2).padStart(5)}  ${fmt(row.egInferS, 2).padStart(10)}  ${fmt(row.igS, 2).padStart(6)}`,
      );
    }
    const med = (k: string) => stats(rows.map((r) => r[k] as number));
    const summary = {
      expectedGradientsS: med('expectedGradientsS'),
      forwardS: med('forwardS'),
      ratio: med('ratio'),
      igS: med('igS'),
    };
    console.log(
      `median: expected gradients (200 samples) ${fmt(summary.expectedGradientsS.median, 2)} s/image, forward-only ${fmt(summary.forwardS.median, 2)} s, ratio ${fmt(summary.ratio.median, 2)} (min ${fmt(summary.ratio.min, 2)}, max ${fmt(summary.ratio.max, 2)}); IG at 50 steps ${fmt(summary.igS.median, 2)} s/image`,
    );
    const file = writeResults('gradient', {
      env,
      load: load(),
      model: 'squeezenet1.1-fp32',
      batchSize: explainer.model.batchSize,
      samples: SAMPLES,
      igSteps: IG_STEPS,
      buildMs,
      rows,
      summary,
    });
    console.log(`results: ${file}`);
  } finally {
    await explainer.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
