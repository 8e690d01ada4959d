// SPDX-License-Identifier: MIT
/**
 * The one place a model's fixed description ({@link ModelInfo}) becomes fields: both kinds of model
 * (the main-thread session, the worker proxy) extend {@link DescribedModel}, so the fields are
 * declared once, in the interface, and copied once, here.
 */
import type { ModelInfo } from './types';

/** The keys of {@link ModelInfo}, for copying it out of a model. */
const INFO_KEYS = [
  'inputName',
  'outputName',
  'inputType',
  'layout',
  'channels',
  'height',
  'width',
  'batch',
  'batchSize',
  'provider',
  'classNames',
] as const satisfies readonly (keyof ModelInfo)[];

/** A plain copy of a model's description (for posting between threads; class names copied too). */
export function modelInfo(m: ModelInfo): ModelInfo {
  const info = Object.fromEntries(INFO_KEYS.map((k) => [k, m[k]])) as unknown as { -readonly [K in keyof ModelInfo]: ModelInfo[K] };
  if (info.classNames !== undefined) info.classNames = [...info.classNames];
  return info;
}

// Declaration merging: the class has ModelInfo's readonly fields without restating them.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface DescribedModel extends ModelInfo {}
/**
 * Base of every model class: its {@link ModelInfo} fields, set from `info`, and what the first runs
 * find out (the class count when the output shape is dynamic, the softmax decision for 'auto').
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class DescribedModel {
  protected classCount: number | undefined;
  protected softmaxDecision: boolean | undefined;

  constructor(info: ModelInfo, classes: number | undefined, softmax: boolean | undefined) {
    Object.assign(this, modelInfo(info));
    this.classCount = classes;
    this.softmaxDecision = softmax;
  }

  /** Number of classes: from the output shape when fixed, else known after the first run. */
  get classes(): number | undefined {
    return this.classCount;
  }

  /** Whether softmax is applied to outputs; for 'auto', undefined until the first run decides. */
  get softmax(): boolean | undefined {
    return this.softmaxDecision;
  }
}
