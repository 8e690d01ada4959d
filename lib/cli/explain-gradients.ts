// SPDX-License-Identifier: MIT
/**
 * `limeshap explain --method …,ig,smoothgrad,gradcam`: the gradient methods of one image, run after its LIME
 * and SHAP explanations (or alone), each written as NAME.METHOD.png (renderGradient), then its
 * arrays and JSON (saveGradient: NAME.ig.npy, NAME.ig-channels.npy, NAME.ig.json; NAME.smoothgrad.npy,
 * NAME.smoothgrad-channels.npy, NAME.smoothgrad.json; NAME.gradcam.npy,
 * NAME.gradcam-layer.npy, NAME.gradcam.json), the JSON last as for LIME and SHAP, so --resume reads
 * them the same way.
 *
 * @packageDocumentation
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BatchItem, BatchProgress } from '../batch';
import { writeAtomic } from '../atomic-write';
import type { Explainer } from '../explainer';
import { renderGradient, type GradientResult } from '../pictures-gradient';
import { GRADCAM_ARRAYS, IG_ARRAYS, saveGradient, SMOOTHGRAD_ARRAYS } from '../save';
import type { ExplainSettings, GradientMethod } from './explain-flags';
import type { Fingerprint } from './fingerprint';

/** The arrays each gradient method's JSON names (for --resume's completeness check). */
export const GRADIENT_METHOD_ARRAYS: Record<GradientMethod, readonly string[]> = {
  ig: IG_ARRAYS,
  smoothgrad: SMOOTHGRAD_ARRAYS,
  gradcam: GRADCAM_ARRAYS,
};

/** The files a gradient method writes for image NAME: its JSON (written last) and its picture. */
export function gradientOutputs(out: string, name: string, method: GradientMethod): { json: string; png: string } {
  return { json: path.join(out, `${name}.${method}.json`), png: path.join(out, `${name}.${method}.png`) };
}

/**
 * Runs the gradient methods of `s.gradients` on one image and writes their files. The class is the
 * first of --labels (indices by now), else the image's top class.
 * @returns the results, in the order of `s.gradients`.
 */
export async function explainGradients(
  explainer: Explainer,
  file: string,
  name: string,
  out: string,
  s: ExplainSettings,
  fingerprints: Record<GradientMethod, Fingerprint>,
): Promise<GradientResult[]> {
  const classIndex = s.labels?.[0] as number | undefined;
  const results: GradientResult[] = [];
  for (const method of s.gradients) {
    const result =
      method === 'ig'
        ? await explainer.integratedGradients(file, { classIndex, steps: s.igSteps, baseline: s.igBaseline })
        : method === 'smoothgrad'
          ? await explainer.smoothGrad(file, {
              classIndex,
              nSamples: s.smoothgradSamples,
              noise: s.smoothgradNoise,
              variant: s.smoothgradVariant,
              seed: s.seed,
            })
          : await explainer.gradCam(file, { classIndex, layer: s.layer });
    const files = gradientOutputs(out, name, method);
    writeAtomic(files.png, await renderGradient(result));
    saveGradient(result, out, name, { image: file, model: s.model, fingerprint: fingerprints[method] });
    results.push(result);
  }
  return results;
}

/**
 * The batch of a run with gradient methods only (`--method ig,smoothgrad,gradcam`): each image as an item
 * with no LIME or SHAP result, in order, one at a time (its gradient methods run in the command's
 * loop before the next is asked for, which is when the previous one's progress is reported). No
 * new image is started once `signal` is aborted.
 */
export async function* gradientOnlyBatch(
  files: readonly string[],
  signal: AbortSignal,
  onProgress: (p: BatchProgress) => void,
): AsyncGenerator<BatchItem> {
  const t0 = performance.now();
  for (let index = 0; index < files.length; index++) {
    if (index > 0) {
      const elapsedMs = performance.now() - t0;
      onProgress({
        event: 'image',
        done: index,
        failed: 0,
        inFlight: 0,
        elapsedMs,
        imagesPerSecond: (1000 * index) / elapsedMs,
        evaluations: 0,
        progress: index,
      });
    }
    if (signal.aborted) return;
    yield { index, input: files[index], ok: true, ms: 0 };
  }
}
