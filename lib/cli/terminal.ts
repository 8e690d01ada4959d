// SPDX-License-Identifier: MIT
/** Text from file names made safe for a terminal. */

/**
 * Escapes control characters (C0, DEL, C1) and the Unicode line separators and bidirectional
 * overrides as `\xNN` / `\u{NNNN}`: a file name may hold an escape sequence that would move the
 * cursor, clear the screen, retitle the window, or make a log line read differently than it is.
 *
 * @param text - any text (a file name, an error message naming one).
 * @returns the text with those characters escaped; everything else unchanged.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
