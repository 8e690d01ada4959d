// SPDX-License-Identifier: MIT
/**
 * Cancellation and progress of one explanation (`explainer.lime()` / `explainer.shap()`): the
 * `signal` and `onProgress` options. They steer a run but never change its result, so they are split
 * off before the result-affecting options are checked, echoed or fingerprinted (LIME_OPTION_KEYS,
 * shapOptionKeys(), evaluate()'s explainOptions do not know them).
 */
import { typeError } from './validate';

/** Progress of one explanation, reported each time a share of its samples comes back from the model. */
export interface ExplainProgress {
  /** Model evaluations done so far (ends at the result's `evaluations`). */
  evaluations: number;
  /**
   * The most evaluations this run may make: `numSamples` / `maxEvals`, and with the 'auto' modes
   * their current limit (`maxSamples`, the adaptive `maxEvals` limit). A run may end below it:
   * identical LIME samples are evaluated once, and SHAP algorithms may need fewer.
   */
  planned: number;
  /** Milliseconds since the call. */
  elapsedMs: number;
}

/** The options of `lime()` and `shap()` that steer a run without changing its result. */
export interface RunControlOptions {
  /**
   * Aborting it makes the call reject with the signal's `reason` (an `AbortError` when none) as soon
   * as the model batch in progress returns; samples of other images in the same batches go on.
   * An already-aborted signal rejects before any model call.
   */
  signal?: AbortSignal;
  /**
   * Called each time a batch's share of this run's samples is back, with {@link ExplainProgress}.
   * If it throws, the run stops and the call rejects with that error (the model and other images
   * are unaffected).
   */
  onProgress?: (progress: ExplainProgress) => void;
}

/** The keys of {@link RunControlOptions}. */
export const RUN_CONTROL_KEYS: readonly string[] = ['signal', 'onProgress'];

/** Checked run controls: what the evaluator needs. */
export interface RunControl {
  signal?: AbortSignal;
  onProgress?: (progress: ExplainProgress) => void;
}

/**
 * Splits `options` into run controls (type-checked: TypeError naming `signal` / `onProgress`) and
 * the rest, returned as a copy without the control keys when there were any. Non-objects pass
 * through unchanged for the option checks to refuse.
 */
export function splitRunControl<T>(options: T): { settings: T; control: RunControl } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return { settings: options, control: {} };
  const record = options as Record<string, unknown>;
  if (!Object.keys(record).some((k) => RUN_CONTROL_KEYS.includes(k))) return { settings: options, control: {} };
  const settings: Record<string, unknown> = {};
  const control: RunControl = {};
  for (const key of Object.keys(record)) {
    const value = record[key]; // read once: a getter is not asked twice
    if (key === 'signal') {
      if (value !== undefined && !(value instanceof AbortSignal)) throw typeError('signal', 'an AbortSignal', value);
      control.signal = value as AbortSignal | undefined;
    } else if (key === 'onProgress') {
      if (value !== undefined && typeof value !== 'function') throw typeError('onProgress', 'a function', value);
      control.onProgress = value as RunControl['onProgress'];
    } else settings[key] = value;
  }
  return { settings: settings as T, control };
}

/** What an aborted signal rejects with: its reason, or an AbortError when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Throws the signal's reason when it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}
