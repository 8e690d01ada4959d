// SPDX-License-Identifier: MIT
// A minimal terminal for tests: replays what a program wrote to a terminal (carriage returns, line
// feeds, "erase to end of line") and returns the lines as they would stand on the screen. Other
// escape sequences (colours) are dropped. Lines are not wrapped: a test checks their length.

/** The screen's lines after `output` was written to an empty terminal. */
export function screenLines(output: string): string[] {
  const lines: string[] = [''];
  let row = 0,
    col = 0;
  for (let i = 0; i < output.length; i++) {
    const c = output[i];
    if (c === '\r') col = 0;
    else if (c === '\n') {
      row++;
      col = 0; // script(1)'s terminal turns \n into \r\n; a bare \n here starts the line too
      if (lines.length <= row) lines.push('');
    } else if (c === '\x1b') {
      // CSI: ESC [ parameters final-byte
      // eslint-disable-next-line no-control-regex -- matching the escape character is the point
      const m = /^\x1b\[([0-9;?]*)([@-~])/.exec(output.slice(i));
      if (!m) continue;
      if (m[2] === 'K' && (m[1] === '' || m[1] === '0')) lines[row] = lines[row].slice(0, col);
      i += m[0].length - 1;
    } else {
      const line = lines[row].padEnd(col);
      lines[row] = line.slice(0, col) + c + line.slice(col + 1);
      col++;
    }
  }
  return lines;
}
