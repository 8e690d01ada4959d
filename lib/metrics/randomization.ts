// SPDX-License-Identifier: MIT
/**
 * Model-randomisation sanity check (Adebayo et al. 2018): the explanation made again, with the
 * result's own seed, segmentation and settings, on a copy of the model whose last `layers` weighted nodes have
 * their weights permuted (randomize-model.ts says which and why a permutation), and compared with
 * the original by Spearman correlation per class. An explanation that hardly changes (ρ near 1) when
 * the model's learnt output layers are destroyed is not explaining the model. Opt-in (it loads a
 * second model): ask for it in `metrics`.
 */
import { checkNumber, rangeError } from '../validate';
import type { MetricContext, MetricSpec, ModelSource } from './metric';
import { randomizeModel, type RandomizedModel } from './randomize-model';
import { spearman } from './stats';

/** The randomisation check of one class. Plain data. */
export interface RandomizationMetric {
  /** Spearman correlation of the original and the randomised model's attributions (NaN when either is constant). */
  spearman: number;
  /** Weighted nodes randomised, counted from the output. */
  layers: number;
  /** Names of the permuted initializers, from the output towards the input. */
  initializers: string[];
  /** Seed of the permutations (evaluate's `seed`). */
  seed: number;
  /** Seed of the explanation made again: the result's own, so only the model differs. */
  explainSeed: number;
}

/** Rewrites the model before any model call, so a `layers` beyond the model's is refused for free. */
async function prepare(source: ModelSource | undefined, params: Record<string, unknown>, seed: number): Promise<RandomizedModel> {
  // No source: a predict function's explainer (createExplainer gives every ONNX model one).
  if (source === undefined)
    throw rangeError(
      'metrics',
      "no 'randomization' for this explainer: the check permutes an ONNX model's weights, and it has no model bytes " +
        '(a predict function, or an explainer not made by createExplainer())',
      'randomization',
    );
  return randomizeModel(await source.bytes(), params.layers as number, seed);
}

async function run(context: MetricContext, params: Record<string, unknown>, prepared?: unknown): Promise<RandomizationMetric[]> {
  const rewritten = prepared as RandomizedModel;
  const model = await (context.source as ModelSource).load(rewritten.bytes);
  let again: Float64Array[];
  try {
    again = await context.explainAgain(context.resultSeed, model);
  } finally {
    await model.dispose();
  }
  return context.classes.map((_, j) => ({
    spearman: spearman(context.original[j], again[j]),
    layers: params.layers as number,
    initializers: [...rewritten.initializers],
    seed: context.seed,
    explainSeed: context.resultSeed,
  }));
}

export const randomization = {
  name: 'randomization',
  summary: "agreement with the explanation of the model with its last layers' weights permuted (near 0 is best)",
  params: [
    {
      name: 'layers',
      summary: 'weighted nodes randomised, from the output towards the input',
      default: 1,
      check: (v) => checkNumber('layers', v, { integer: true, min: 1, max: 100000 }),
    },
  ],
  byDefault: false,
  prepare,
  run,
} as const satisfies MetricSpec;
