// SPDX-License-Identifier: MIT
/**
 * `limeshap explain`: classifies and explains many images with LIME, SHAP or both. Per image it
 * writes NAME.lime.json, NAME.lime.png (lime's picture: top positive segments, the rest dimmed),
 * NAME.lime-heatmap.png (every segment's weight, with a colour bar), NAME.shap.json and NAME.shap.png
 * (shap's image_plot); each file atomically (temporary file, then rename), the JSON last, so a JSON
 * that parses marks a finished image. A failing image is recorded in failures.jsonl and the run goes
 * on; Ctrl-C stops after the images in flight; --resume skips finished images; --shard i/n takes a
 * deterministic 1/n of the inputs for job arrays.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createExplainer } from '../explainer';
import { limeToJson, renderLime, renderShap, shapToJson } from '../pictures';
import { PREPROCESS_PRESETS, type PreprocessPreset } from '../preprocess';
import { writeReport } from '../report';
import { SHAP_ALGORITHMS, type ShapAlgorithm } from '../shap';
import { numberList } from './args';
import { collectInputs, outputNames, parseShard, shardOf } from './inputs';
import { ProgressDisplay } from './progress';

export const EXPLAIN_USAGE = `Usage: limeshap explain --model MODEL.onnx [options] <images, directories or globs…>

  --model FILE         the ONNX image classifier (required)
  --manifest FILE      more inputs, one path per line
  --preset NAME        preprocessing: imagenet (default), inception, caffe-bgr
  --class-names FILE   class labels, one per line
  --method M           lime (default), shap or both
  --samples N          LIME samples per image (default 1000)
  --algorithm A        SHAP algorithm: partition (default), kernel, permutation, exact
  --max-evals N        SHAP evaluation budget (default: partition/permutation 500, kernel 2M+2048)
  --features F         SHAP features: pixels (partition default) or superpixels
  --seed N             seed of sampling and segmentation (default 42)
  --top K              classes printed and explained (default 5)
  --provider LIST      execution providers, e.g. cuda,cpu (default cpu)
  --concurrency N      images in flight (default 2)
  --inference WHERE    run the model on the main thread (default) or in a worker thread
  --shard i/n          take the i-th of n deterministic shares of the inputs (0 <= i < n)
  --resume             skip images whose outputs exist and parse
  --report             write DIR/report.html (self-contained) at the end
  --out DIR            output folder (default ./limeshap-out)
Writes per image DIR/NAME.lime.json, .lime.png, .lime-heatmap.png (LIME) and DIR/NAME.shap.json,
.shap.png (SHAP); failures go to DIR/failures.jsonl. Exit code: 0 all explained, 1 some failed,
2 bad usage, 130 interrupted.`;

/** Writes a file atomically: a temporary file in the same folder, then a rename. */
export function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** The files an image's run writes, JSON (the completion marker) last. */
function outputsOf(out: string, name: string, method: string): { json: string[]; png: string[] } {
  const json: string[] = [], png: string[] = [];
  if (method !== 'shap') {
    json.push(path.join(out, `${name}.lime.json`));
    png.push(path.join(out, `${name}.lime.png`), path.join(out, `${name}.lime-heatmap.png`));
  }
  if (method !== 'lime') {
    json.push(path.join(out, `${name}.shap.json`));
    png.push(path.join(out, `${name}.shap.png`));
  }
  return { json, png };
}

/** True when every output of an image exists and parses (JSON parses, PNGs have a PNG signature). */
function finished(files: { json: string[]; png: string[] }): boolean {
  try {
    for (const f of files.json) JSON.parse(fs.readFileSync(f, 'utf8'));
    for (const f of files.png) {
      const head = Buffer.alloc(8);
      const fd = fs.openSync(f, 'r');
      fs.readSync(fd, head, 0, 8, 0);
      fs.closeSync(fd);
      if (head.toString('latin1', 1, 4) !== 'PNG') return false;
    }
    return true;
  } catch {
    return false;
  }
}

export async function explainCommand(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      manifest: { type: 'string' },
      preset: { type: 'string' },
      'class-names': { type: 'string' },
      method: { type: 'string' },
      samples: { type: 'string' },
      algorithm: { type: 'string' },
      'max-evals': { type: 'string' },
      features: { type: 'string' },
      seed: { type: 'string' },
      top: { type: 'string' },
      provider: { type: 'string' },
      concurrency: { type: 'string' },
      inference: { type: 'string' },
      shard: { type: 'string' },
      resume: { type: 'boolean' },
      report: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(EXPLAIN_USAGE);
    return 0;
  }
  if (!values.model || (positionals.length === 0 && !values.manifest)) {
    log(EXPLAIN_USAGE);
    return 2;
  }
  const preset = (values.preset ?? 'imagenet') as PreprocessPreset;
  if (!PREPROCESS_PRESETS.includes(preset)) throw new RangeError(`--preset must be one of ${PREPROCESS_PRESETS.join(', ')}, got "${values.preset}"`);
  const method = values.method ?? 'lime';
  if (!['lime', 'shap', 'both'].includes(method)) throw new RangeError(`--method must be lime, shap or both, got "${method}"`);
  const algorithm = (values.algorithm ?? 'partition') as ShapAlgorithm;
  if (!SHAP_ALGORITHMS.includes(algorithm)) throw new RangeError(`--algorithm must be one of ${SHAP_ALGORITHMS.join(', ')}, got "${values.algorithm}"`);
  const maxEvals = values['max-evals'] === undefined ? undefined : numberList('max-evals', values['max-evals'], [])[0];
  const features = values.features as 'pixels' | 'superpixels' | undefined;
  if (features !== undefined && features !== 'pixels' && features !== 'superpixels') throw new RangeError(`--features must be pixels or superpixels, got "${features}"`);
  const numSamples = numberList('samples', values.samples, [1000])[0];
  const seed = numberList('seed', values.seed, [42])[0];
  const top = numberList('top', values.top, [5])[0];
  const concurrency = numberList('concurrency', values.concurrency, [2])[0];
  const shard = parseShard(values.shard);
  const inference = values.inference ?? 'main';
  if (inference !== 'main' && inference !== 'worker') throw new RangeError(`--inference must be main or worker, got "${inference}"`);
  const providers = (values.provider ?? 'cpu').split(',') as ('cpu' | 'cuda')[];
  const out = path.resolve(values.out ?? 'limeshap-out');
  fs.mkdirSync(out, { recursive: true });

  // Inputs: expanded, sorted and named before sharding, so every shard agrees on names and shares.
  const all = collectInputs(positionals, values.manifest);
  const names = outputNames(all);
  const mine = shardOf(all, shard);
  const todo = values.resume ? mine.filter((f) => !finished(outputsOf(out, names.get(f) as string, method))) : mine;
  const skipped = mine.length - todo.length;
  if (shard) log(`shard ${shard.index}/${shard.count}: ${mine.length} of ${all.length} inputs`);
  if (skipped) log(`resume: ${skipped} images already explained, ${todo.length} to go`);

  const explainer = await createExplainer(values.model, { preprocess: preset, classNames: values['class-names'], executionProviders: providers, inference });
  const topLabels = Math.min(top, explainer.model.classes ?? top);
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130); // a second Ctrl-C: stop now
    stop.abort();
    log('\ninterrupted: finishing the images in flight (Ctrl-C again to quit now); run again with --resume to finish the job');
  };
  process.on('SIGINT', onSigint);
  const progress = new ProgressDisplay();
  const failures = path.join(out, 'failures.jsonl');
  let done = 0, failed = 0;
  try {
    const batch = explainer.explainBatch(todo, {
      method: method as 'lime' | 'shap' | 'both',
      lime: { numSamples, seed, topLabels },
      shap: { algorithm, maxEvals, features, seed, topLabels },
      concurrency,
      signal: stop.signal,
      onProgress: (p) => progress.update({ ...p, total: todo.length }, skipped),
    });
    for await (const item of batch) {
      const file = item.input as string;
      const name = names.get(file) as string;
      try {
        if (!item.ok) throw item.error;
        const common = { image: file, model: values.model };
        // Pictures first, JSON last: a JSON that parses means the image is complete (--resume).
        if (item.lime) {
          writeAtomic(path.join(out, `${name}.lime.png`), await renderLime(item.lime));
          writeAtomic(path.join(out, `${name}.lime-heatmap.png`), await renderLime(item.lime, { kind: 'heatmap' }));
        }
        if (item.shap) writeAtomic(path.join(out, `${name}.shap.png`), await renderShap(item.shap));
        if (item.lime) writeAtomic(path.join(out, `${name}.lime.json`), JSON.stringify({ ...common, ...limeToJson(item.lime) }, null, 1) + '\n');
        if (item.shap) writeAtomic(path.join(out, `${name}.shap.json`), JSON.stringify({ ...common, ...shapToJson(item.shap) }, null, 1) + '\n');
        const first = item.lime ?? item.shap;
        const classes = first ? first.explanations.map((e) => `${e.label} ${(e.probability * 100).toFixed(1)}%`).join(', ') : '';
        if (!process.stderr.isTTY || todo.length <= 20) log(`${path.basename(file)}: ${classes}`);
        done++;
      } catch (err) {
        failed++;
        fs.appendFileSync(failures, JSON.stringify({ image: file, error: (err as Error).message, time: new Date().toISOString() }) + '\n');
        log(`${path.basename(file)}: FAILED: ${(err as Error).message}`);
      }
    }
  } finally {
    progress.finish();
    process.off('SIGINT', onSigint);
    await explainer.dispose();
  }
  const interrupted = stop.signal.aborted;
  const left = todo.length - done - failed;
  log(`${done} explained, ${failed} failed${skipped ? `, ${skipped} skipped (already done)` : ''}${interrupted ? `, ${left} not started (interrupted)` : ''}; outputs in ${out}`);
  if (values.report) log(`report: ${await writeReport(out)}`);
  if (interrupted) return 130;
  return failed ? 1 : 0;
}
