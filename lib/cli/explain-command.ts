// SPDX-License-Identifier: MIT
/**
 * `limeshap explain`: classifies each image and explains it with LIME, SHAP or both, writing per
 * image NAME.lime.json, NAME.lime.png (lime's picture: top positive segments, the rest dimmed),
 * NAME.lime-heatmap.png (every segment's weight, with a colour bar), NAME.shap.json and
 * NAME.shap.png (shap's image_plot). A failing image is reported and the run goes on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createExplainer, type Explainer } from '../explainer';
import { limeToJson, renderLime, renderShap, shapToJson } from '../pictures';
import { SHAP_ALGORITHMS, type ShapAlgorithm } from '../shap';
import { PREPROCESS_PRESETS, type PreprocessPreset } from '../preprocess';
import { expandInputs, numberList, stem } from './args';

export const EXPLAIN_USAGE = `Usage: limeshap explain --model MODEL.onnx [options] <images or directories…>

  --model FILE         the ONNX image classifier (required)
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
  --out DIR            output folder (default ./limeshap-out)
Writes DIR/NAME.lime.json, DIR/NAME.lime.png and DIR/NAME.lime-heatmap.png per image (LIME), and
DIR/NAME.shap.json and DIR/NAME.shap.png (SHAP).`;

/** Writes a file atomically: a temporary file in the same folder, then a rename. */
export function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export async function explainCommand(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      preset: { type: 'string' },
      'class-names': { type: 'string' },
      samples: { type: 'string' },
      method: { type: 'string' },
      algorithm: { type: 'string' },
      'max-evals': { type: 'string' },
      features: { type: 'string' },
      seed: { type: 'string' },
      top: { type: 'string' },
      provider: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(EXPLAIN_USAGE);
    return 0;
  }
  if (!values.model || positionals.length === 0) {
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
  const providers = (values.provider ?? 'cpu').split(',') as ('cpu' | 'cuda')[];
  const out = path.resolve(values.out ?? 'limeshap-out');
  fs.mkdirSync(out, { recursive: true });

  const explainer: Explainer = await createExplainer(values.model, { preprocess: preset, classNames: values['class-names'], executionProviders: providers });
  let failures = 0, done = 0;
  try {
    for (const file of expandInputs(positionals)) {
      try {
        const name = stem(file);
        const topLabels = Math.min(top, explainer.model.classes ?? top);
        const summary: string[] = [];
        let classes = '';
        if (method !== 'shap') {
          const result = await explainer.lime(file, { numSamples, seed, topLabels });
          writeAtomic(path.join(out, `${name}.lime.json`), JSON.stringify({ image: file, model: values.model, ...limeToJson(result) }, null, 1) + '\n');
          writeAtomic(path.join(out, `${name}.lime.png`), await renderLime(result));
          writeAtomic(path.join(out, `${name}.lime-heatmap.png`), await renderLime(result, { kind: 'heatmap' }));
          classes = result.explanations.map((e) => `${e.label} ${(e.probability * 100).toFixed(1)}%`).join(', ');
          summary.push(`LIME: ${result.segmentation.count} segments, ${result.evaluations} evaluations, ${result.timings.total.toFixed(0)} ms`);
        }
        if (method !== 'lime') {
          const result = await explainer.shap(file, { algorithm, maxEvals, features, seed, topLabels });
          writeAtomic(path.join(out, `${name}.shap.json`), JSON.stringify({ image: file, model: values.model, ...shapToJson(result) }, null, 1) + '\n');
          writeAtomic(path.join(out, `${name}.shap.png`), await renderShap(result));
          classes ||= result.explanations.map((e) => `${e.label} ${(e.probability * 100).toFixed(1)}%`).join(', ');
          summary.push(`SHAP ${result.algorithm}: ${result.evaluations} evaluations, ${result.timings.total.toFixed(0)} ms`);
        }
        log(`${path.basename(file)}: ${classes}  [${summary.join('; ')}]`);
        done++;
      } catch (err) {
        failures++;
        log(`${path.basename(file)}: FAILED: ${(err as Error).message}`);
      }
    }
  } finally {
    await explainer.dispose();
  }
  log(`${done} explained, ${failures} failed; outputs in ${out}`);
  return failures ? 1 : 0;
}
