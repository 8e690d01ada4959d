// SPDX-License-Identifier: MIT
/** "Did you mean …?" for mistyped flags and commands: the nearest known name by edit distance. */

/**
 * Edit distance between two strings, counting an insertion, a deletion, a substitution or a swap of
 * two adjacent characters as one edit (optimal string alignment), so "--modle" is one edit from "--model".
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1,
    cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name nearest to `given`, or undefined when none is close enough to be what was meant:
 * at most 2 edits, or a third of the name's length for long names; a name that starts with what
 * was given (an abbreviation such as "class" for "class-names") counts as near. Ties go to the
 * earlier name in `known`.
 *
 * @param given - what the user typed, without dashes.
 * @param known - the valid names, without dashes.
 */
export function nearest(given: string, known: readonly string[]): string | undefined {
  const g = given.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = editDistance(g, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3))) return best;
  return g.length >= 3 ? known.find((name) => name.startsWith(g)) : undefined;
}
