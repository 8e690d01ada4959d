// SPDX-License-Identifier: MIT
/**
 * `explain --labels`: the typed classes (indices and names) turned into class indices before the run
 * starts, so a name that matches no class, or several, is a usage error naming `--labels` and the
 * value (with suggestions) rather than a failure of every image.
 */
import * as fs from 'node:fs/promises';
import { matchClass, shortLabel } from '../class-names';
import { inspectModel } from '../inspect';

/** `281 (tabby)`, for messages. */
function named(i: number, names: readonly string[]): string {
  return `${i} (${shortLabel(names[i] ?? `class ${i}`)})`;
}

/**
 * Resolves `--labels` to class indices, in the order given, each once.
 *
 * A name is a class's first synonym or full name, case-insensitive ({@link matchClass}); as full
 * ImageNet names hold commas, consecutive pieces that together form a full name count as one
 * ("tabby, tabby cat"). Indices are checked against the class count (from the class names, else
 * from the model's output shape when it is fixed).
 *
 * @param typed - what `readExplainSettings` parsed: numbers for indices, strings for name pieces.
 * @param classNamesFile - the --class-names file, or undefined.
 * @param model - the --model path (read for its class count when there are no class names).
 * @returns the class indices.
 * @throws RangeError naming --labels and the value for an unknown or ambiguous name, an index past
 *   the class count, or a name given without --class-names.
 */
export async function resolveLabels(
  typed: readonly (number | string)[],
  classNamesFile: string | undefined,
  model: string,
): Promise<number[]> {
  let names: string[] | undefined;
  if (classNamesFile !== undefined && typed.some((t) => typeof t === 'string')) {
    try {
      names = (await fs.readFile(classNamesFile, 'utf8')).split(/\r?\n/);
    } catch (err) {
      throw new Error(`cannot read --class-names ${classNamesFile} for --labels: ${(err as Error).message}`, { cause: err });
    }
    while (names.length > 0 && names[names.length - 1] === '') names.pop();
  }
  let classes = names?.length;
  if (classes === undefined) {
    // The file is read without running it; a model it cannot read is reported when loaded.
    classes = await inspectModel(model).then(
      (r) => r.output?.classes,
      () => undefined,
    );
  }
  // A full name of k commas spans k + 1 pieces; runs are tried no longer than the longest name, so
  // that many labels stay linear (trying every run to the end took minutes for 200 ImageNet names).
  const longestRun = (names ?? []).reduce((most, n) => Math.max(most, n.split(',').length), 1);
  const out: number[] = [];
  const add = (i: number) => {
    if (!out.includes(i)) out.push(i);
  };
  for (let i = 0; i < typed.length;) {
    const piece = typed[i];
    if (typeof piece === 'number') {
      if (classes !== undefined && piece >= classes)
        throw new RangeError(`--labels ${piece}: the model has ${classes} classes (indices 0..${classes - 1})`);
      add(piece);
      i++;
      continue;
    }
    if (names === undefined)
      throw new RangeError(`--labels "${piece}": class names need --class-names FILE (or give class indices, e.g. --labels 281)`);
    // The longest run of pieces from here that is one class's full name, else this piece alone.
    let end = i + 1;
    let match = matchClass(piece, names);
    for (let j = Math.min(typed.length, i + longestRun); j > i + 1; j--) {
      const run = typed.slice(i, j);
      const m = run.every((p) => typeof p === 'string') ? matchClass(run.join(', '), names, false) : undefined;
      if (m !== undefined && m.kind !== 'unknown') {
        match = m;
        end = j;
        break;
      }
    }
    const value = typed.slice(i, end).join(', ');
    if (match.kind === 'ambiguous')
      throw new RangeError(
        `--labels "${value}": ${match.indices.length} classes answer to this name: ${match.indices.map((k) => named(k, names)).join(', ')}; give the index`,
      );
    if (match.kind === 'unknown') {
      const hint = match.suggestions.length
        ? `; did you mean ${match.suggestions.map((k) => named(k, names)).join(', ')}?`
        : ' (a name is a first synonym or a full name, e.g. "tabby" or "tabby, tabby cat")';
      throw new RangeError(`--labels "${value}": no class in ${classNamesFile} is named so${hint}`);
    }
    add(match.index);
    i = end;
  }
  return out;
}
