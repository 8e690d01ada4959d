// SPDX-License-Identifier: MIT
/**
 * Class names as people type and read them. ImageNet's names are lists of synonyms
 * ("tabby, tabby cat"; "great white shark, white shark, man-eater, …"): titles show the first
 * synonym, and a class is chosen by its first synonym or its full name, case-insensitively.
 */

/** The first synonym of a comma-separated class name (`'tabby, tabby cat'` → `'tabby'`); other names as they are. */
export function shortLabel(label: string): string {
  const first = label.split(',')[0].trim();
  return first === '' ? label : first;
}

/** What {@link matchClass} found for one typed name. */
export type ClassMatch =
  | { kind: 'found'; index: number }
  /** Several classes answer to the name (ImageNet has two "crane"s): their indices. */
  | { kind: 'ambiguous'; indices: number[] }
  /** No class answers: up to 5 likely meant (a class with it as a later synonym, a name containing it, a near spelling). */
  | { kind: 'unknown'; suggestions: number[] };

const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** Edit distance (insertions, deletions, substitutions), for "did you mean" on long class lists. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * Finds the class a typed name means: the classes whose full name or first synonym equals it,
 * ignoring case and repeated spaces.
 *
 * @param name - what was typed, e.g. `'tabby'` or `'tabby, tabby cat'`.
 * @param classNames - the model's class names, index order.
 * @param suggest - look for suggestions when nothing matches (default true; false when only a match matters).
 * @returns the class, the classes it could be, or suggestions.
 */
export function matchClass(name: string, classNames: readonly string[], suggest = true): ClassMatch {
  const q = norm(name);
  const hits: number[] = [];
  classNames.forEach((c, i) => {
    if (norm(c) === q || norm(shortLabel(c)) === q) hits.push(i);
  });
  if (hits.length === 1) return { kind: 'found', index: hits[0] };
  if (hits.length > 1) return { kind: 'ambiguous', indices: hits };
  if (!suggest) return { kind: 'unknown', suggestions: [] };
  const suggestions: number[] = [];
  const add = (i: number) => {
    if (suggestions.length < 5 && !suggestions.includes(i)) suggestions.push(i);
  };
  const synonyms = classNames.map((c) => c.split(',').map(norm));
  synonyms.forEach((s, i) => s.includes(q) && add(i));
  if (q.length >= 3) synonyms.forEach((s, i) => s.some((x) => x.includes(q)) && add(i));
  if (suggestions.length === 0) {
    const most = Math.max(2, Math.floor(q.length / 3));
    // The distance is at least the length difference: skipping those keeps a long typed name from
    // costing its length times every class name's (a 100 000-character name took minutes).
    const scored = synonyms
      .flatMap((s, i) => (Math.abs(q.length - s[0].length) <= most ? [{ i, d: distance(q, s[0]) }] : []))
      .filter((x) => x.d <= most);
    scored.sort((a, b) => a.d - b.d || a.i - b.i).forEach((x) => add(x.i));
  }
  return { kind: 'unknown', suggestions };
}
