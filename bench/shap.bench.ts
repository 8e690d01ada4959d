// SPDX-License-Identifier: MIT
/**
 * npm run bench:shap — SHAP on the shared photos with MobileNetV2-int8.
 *
 * Configurations: Partition over pixels at 500 evaluations (shap's default for images, masker
 * blur(128,128)) twice, with the batch given explicitly: at 10 coalitions per round (the default,
 * shap's, which gives shap's values) and at 64 (fuller model batches, other values: the batch
 * changes Partition's order of expansions), so that the cost of matching shap is measured in the
 * same run and printed as a ratio of median wall times; Partition over superpixels at 500 (default
 * batch); Kernel over superpixels at its default budget (2M + 2048 capped at 2^M, shap's
 * nsamples='auto'); Permutation over superpixels at 500 (or 2M, the least that buys one
 * permutation, when larger); exact Shapley values only for a photo with at most 14 superpixels
 * (skipped, and said so, otherwise).
 *
 * Prints per configuration and image, from the same run: wall time, evaluations, time inside
 * session.run (timings.infer), time per stage and the overhead ratio: wall ÷ pure ONNX Runtime time
 * of the same number of evaluations at the model's best batch size, measured in this run
 * (bench/pure-inference.ts; the target is <= 1.05 for Partition over pixels at 500, at either batch,
 * and Kernel at 2M + 2048; issue 11 asks <= 1.10 for Partition at 500), with the old ratio (wall ÷
 * time inside session.run, which hides contention) beside it; then per
 * configuration the median/min/max ratio and the median time outside session.run. Images are fitted
 * to the model's size first, so decoding is not counted. For context only: Python shap has no
 * measured baseline on this machine; its users report many minutes per image (about 25 minutes) for
 * image explanations.
 */
import * as path from 'node:path';
import { createExplainer, type RgbImage, type ShapOptions, type ShapResult } from '../lib';
import { segmentRgb } from '../lib/segment';
import { environment, fmt, load, PHOTOS, SHARED, stats, writeResults } from './harness';
import { pureInference, sweepText } from './pure-inference';

const shared = SHARED;
const SEED = 1;
const EXACT_MAX_SEGMENTS = 14;
const TARGET = 1.05;

interface Config {
  name: string;
  /** Whether the overhead target applies to this configuration. */
  target: boolean;
  /** Options for a photo with `segments` superpixels, or a reason to skip it. */
  options(segments: number): ShapOptions | { skip: string };
}

const CONFIGS: Config[] = [
  // The batch is explicit so that each line measures what its name says, whatever the default.
  {
    name: 'partition/pixels@500 batch 10 (default)',
    target: true,
    options: () => ({ algorithm: 'partition', features: 'pixels', maxEvals: 500, masker: 'blur(128,128)', batchSize: 10 }),
  },
  {
    name: 'partition/pixels@500 batch 64',
    target: true,
    options: () => ({ algorithm: 'partition', features: 'pixels', maxEvals: 500, masker: 'blur(128,128)', batchSize: 64 }),
  },
  { name: 'partition/superpixels@500', target: false, options: () => ({ algorithm: 'partition', features: 'superpixels', maxEvals: 500 }) },
  { name: 'kernel/superpixels@default', target: true, options: () => ({ algorithm: 'kernel', features: 'superpixels' }) },
  {
    name: 'permutation/superpixels@500',
    target: false,
    options: (M) => ({ algorithm: 'permutation', features: 'superpixels', maxEvals: Math.max(500, 2 * M) }),
  },
  {
    name: 'exact/superpixels',
    target: false,
    options: (M) =>
      M <= EXACT_MAX_SEGMENTS
        ? { algorithm: 'exact', features: 'superpixels' }
        : { skip: `${M} superpixels > ${EXACT_MAX_SEGMENTS} (2^${M} evaluations)` },
  },
];

interface Row {
  config: string;
  photo: string;
  features: number;
  maxEvals: number;
  evaluations: number;
  timings: ShapResult['timings'];
  /** Pure ONNX Runtime ms of `evaluations` evaluations at the best batch size. */
  pureMs: number;
  /** wall ÷ pureMs. */
  overhead: number;
  /** wall ÷ time inside session.run (the old ratio). */
  overheadOverInfer: number;
  /** total − infer: everything not inside session.run. */
  outsideMs: number;
  /** total − infer − segment − solve: setup (masker, evaluator), f(x) and result assembly. */
  otherMs: number;
}

async function main(): Promise<void> {
  const env = environment();
  console.log(
    `limeshap bench:shap — ${env.cpu}, ${env.cores} cores, ${env.node}, ${env.threads} threads, simd ${JSON.stringify(env.simd)}`,
  );
  console.log(load());
  const modelPath = path.join(shared, 'models', 'mobilenetv2-12-int8.onnx');
  const pure = await pureInference(modelPath);
  console.log(sweepText(pure));
  const explainer = await createExplainer(modelPath);

  // Prepare every photo to the model's size first (decoding and resizing are not SHAP's work), and
  // count its superpixels with the segmentation shap() will make (same seed, same defaults).
  const images: { photo: string; rgb: RgbImage; segments: number }[] = [];
  for (const photo of PHOTOS) {
    const rgb = await explainer.prepare(path.join(shared, photo));
    const seg = await segmentRgb(rgb, { seed: SEED });
    images.push({ photo, rgb, segments: seg.count });
  }
  const input = (rgb: RgbImage) => ({ data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 as const });

  // Warm-up: first-run allocations of the engine, both feature kinds.
  await explainer.shap(input(images[0].rgb), { algorithm: 'partition', features: 'pixels', maxEvals: 64, seed: SEED });
  await explainer.shap(input(images[0].rgb), { algorithm: 'kernel', features: 'superpixels', maxEvals: 64, seed: SEED });

  const rows: Row[] = [];
  const skipped: { config: string; photo: string; reason: string }[] = [];
  const summaries: Record<string, unknown> = {};
  // LIMESHAP_SHAP_ONLY=text runs only the configurations whose name contains it (e.g. 'pixels').
  const only = process.env.LIMESHAP_SHAP_ONLY;
  for (const config of CONFIGS) {
    if (only && !config.name.includes(only)) continue;
    console.log(`\n${config.name}${config.target ? ` (target overhead <= ${TARGET})` : ''}`);
    console.log(
      'image                   M  evals  budget   wall ms  infer ms  pure ms  segment  composite*   solve   other  outside ms  overhead  (÷ infer)',
    );
    const mine: Row[] = [];
    for (const { photo, rgb, segments } of images) {
      const name = path.basename(photo).padEnd(20);
      const opts = config.options(segments);
      if ('skip' in opts) {
        console.log(`${name} skipped: ${opts.skip}`);
        skipped.push({ config: config.name, photo, reason: opts.skip });
        continue;
      }
      const r = await explainer.shap(input(rgb), { ...opts, seed: SEED });
      const t = r.timings;
      const M = r.features === 'pixels' ? rgb.width * rgb.height : (r.segmentation?.count ?? segments);
      const pureMs = await pure.ms(r.evaluations);
      const row: Row = {
        config: config.name,
        photo,
        features: M,
        maxEvals: r.maxEvals,
        evaluations: r.evaluations,
        timings: t,
        pureMs,
        overhead: t.total / pureMs,
        overheadOverInfer: t.total / t.infer,
        outsideMs: t.total - t.infer,
        otherMs: t.total - t.infer - t.segment - t.solve,
      };
      const flag = config.target && row.overhead > TARGET ? '  > target' : '';
      console.log(
        `${name} ${String(M).padStart(5)} ${String(r.evaluations).padStart(6)} ${String(r.maxEvals).padStart(7)} ${fmt(t.total, 0).padStart(9)} ${fmt(t.infer, 0).padStart(9)} ${fmt(row.pureMs, 0).padStart(8)} ` +
          `${fmt(t.segment).padStart(8)} ${fmt(t.composite).padStart(11)} ${fmt(t.solve).padStart(7)} ${fmt(row.otherMs).padStart(7)} ${fmt(row.outsideMs).padStart(11)} ${fmt(row.overhead, 3).padStart(9)} ${fmt(row.overheadOverInfer, 3).padStart(10)}${flag}`,
      );
      mine.push(row);
      rows.push(row);
    }
    if (mine.length === 0) {
      console.log(`${config.name}: no photo qualified`);
      summaries[config.name] = { runs: 0 };
      continue;
    }
    const o = stats(mine.map((r) => r.overhead));
    const oi = stats(mine.map((r) => r.overheadOverInfer));
    const out = stats(mine.map((r) => r.outsideMs));
    const part = (k: 'segment' | 'solve') => stats(mine.map((r) => r.timings[k])).median;
    const other = stats(mine.map((r) => r.otherMs)).median;
    console.log(
      `${config.name}: overhead ratio (wall ÷ pure inference at batch ${pure.best}) median ${fmt(o.median, 3)} (min ${fmt(o.min, 3)}, max ${fmt(o.max, 3)}; old ÷ inside session.run: median ${fmt(oi.median, 3)})` +
        `${config.target ? (o.max <= TARGET ? ` — within the ${TARGET} target` : ` — ABOVE the ${TARGET} target on ${mine.filter((r) => r.overhead > TARGET).length} of ${mine.length}`) : ''}; ` +
        `time outside session.run: median ${fmt(out.median)} ms (segment ${fmt(part('segment'))}, solve ${fmt(part('solve'))}, other ${fmt(other)})`,
    );
    summaries[config.name] = {
      overhead: o,
      overheadOverInfer: oi,
      outsideMs: out,
      medianSegmentMs: part('segment'),
      medianSolveMs: part('solve'),
      medianOtherMs: other,
      targetApplies: config.target,
    };
  }
  // The price of shap's default batch: same photos, same budget, same run.
  const wall = (config: string) => stats(rows.filter((r) => r.config === config).map((r) => r.timings.total)).median;
  const batch10 = CONFIGS[0].name,
    batch64 = CONFIGS[1].name;
  if (rows.some((r) => r.config === batch10) && rows.some((r) => r.config === batch64)) {
    const ratio = wall(batch10) / wall(batch64);
    console.log(
      `\npartition/pixels@500: batch 10 (default, shap's values) median wall ${fmt(wall(batch10), 0)} ms = ${fmt(ratio, 2)} × batch 64 (${fmt(wall(batch64), 0)} ms)`,
    );
    summaries['partition batch 10 ÷ batch 64 (median wall)'] = ratio;
  }
  console.log(
    '\n* composite runs natively while the model runs (overlapped with session.run), so it is not added to the outside time. ' +
      'solve = algorithm time minus time inside session.run (it includes coalition caching and any compositing the model had to wait for); ' +
      "other = wall − infer − segment − solve (masker, evaluator setup, f(x), result assembly; it also holds f(x)'s own session.run, which solve subtracts).",
  );
  console.log(
    'Python shap, for context: no measured baseline on this machine — shap users report many minutes per image (about 25 minutes per image) for image explanations; ' +
      'that figure is reported, not measured here, and is not a like-for-like comparison.',
  );
  console.log(load());
  await explainer.dispose();
  await pure.dispose();
  const python = {
    measured: false,
    reported: 'many minutes per image (shap users report ~25 minutes per image for image explanations); not measured here',
  };
  console.log(
    `results: ${writeResults('shap', { env, seed: SEED, pureSweep: pure.sweep, pureBest: pure.best, target: TARGET, configs: CONFIGS.map((c) => c.name), rows, skipped, summaries, python })}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
