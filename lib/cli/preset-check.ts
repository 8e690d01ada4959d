// SPDX-License-Identifier: MIT
/**
 * The check `limeshap explain` makes before it runs: does the chosen preset disagree with what
 * `limeshap inspect` reads from the model? A wrong preset fails silently (SqueezeNet given the
 * ImageNet preset calls a cat "mosquito net"), so a disagreement backed by more than a default is
 * said once, before the first image, with the reason. It is a warning, not an error: the
 * suggestion may be wrong (a producer's convention is a guess), and the user has the last word.
 */
import { inspectModel } from '../inspect';
import { DEFAULT_PRESET, type PreprocessSpec } from '../preprocess';

/**
 * The warning to print when `preset` (undefined: the default, 'imagenet'; a custom form is never
 * questioned) disagrees with a
 * suggestion of 'medium' or 'high' confidence for the model at `modelPath`; undefined when they
 * agree, the suggestion is a low-confidence default, or the model cannot be read (explaining it
 * will then report the problem itself).
 *
 * @param modelPath - the `--model` path.
 * @param preset - the `--preset` given, if any.
 * @returns one line of text, or undefined.
 */
export async function presetWarning(modelPath: string, preset: PreprocessSpec | undefined): Promise<string | undefined> {
  // A custom form is a deliberate choice: the check is for a preset taken by name or by default.
  if (typeof preset === 'object') return undefined;
  let suggestion;
  try {
    suggestion = (await inspectModel(modelPath)).suggestion;
  } catch {
    return undefined;
  }
  if (suggestion === undefined || suggestion.confidence === 'low') return undefined;
  const chosen = preset ?? DEFAULT_PRESET;
  if (suggestion.preset === chosen) return undefined;
  const want = suggestion.preset !== undefined ? `--preset ${suggestion.preset}` : 'a custom preprocessing (library only)';
  return (
    `warning: --preset ${chosen}${preset === undefined ? ' (the default)' : ''}, but this model looks like it wants ${want} ` +
    `(${suggestion.confidence} confidence: ${suggestion.reasons[0] ?? 'see limeshap inspect'}); a wrong preset gives confident nonsense — check with: limeshap inspect MODEL`
  );
}
