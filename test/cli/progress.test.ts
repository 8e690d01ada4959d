// SPDX-License-Identifier: MIT
// ProgressDisplay on its own, with a clock the test moves: the bar from the start, redraws at most
// every 100 ms, within the terminal's width, lines printed above the bar; plain lines elsewhere.
import assert from 'node:assert/strict';
import type { BatchProgress } from '../../lib/batch';
import { ProgressDisplay } from '../../lib/cli/progress';
import { screenLines } from '../helpers/screen';

/** A stream that keeps what is written, `columns` wide. */
function terminal(columns: number | undefined) {
  const stream = { columns, isTTY: true, written: [] as string[], write: (s: string) => stream.written.push(s) > 0 };
  return stream;
}

function report(p: Partial<BatchProgress>): BatchProgress {
  return {
    event: 'samples',
    done: 0,
    failed: 0,
    inFlight: 1,
    total: 4,
    elapsedMs: 1000,
    imagesPerSecond: 0,
    evaluations: 0,
    progress: 0,
    ...p,
  };
}

describe('ProgressDisplay', () => {
  it('draws the bar at start (0 images done), before any report', () => {
    const t = terminal(80);
    new ProgressDisplay({ stream: t as unknown as NodeJS.WriteStream, now: () => 0 }).start(4, 0);
    assert.equal(t.written.length, 1);
    assert.match(screenLines(t.written.join(''))[0], /^\[\.+\] 0\/4 images {2}0 evals {2}- img\/s {2}ETA --:--$/);
  });

  it('redraws at most every 100 ms for samples, always for a finished image', () => {
    const t = terminal(80);
    let now = 0;
    const d = new ProgressDisplay({ stream: t as unknown as NodeJS.WriteStream, now: () => now });
    d.start(4, 0);
    for (let i = 1; i <= 50; i++) {
      now = i * 10; // 50 reports over 500 ms
      d.update(report({ evaluations: i * 16, progress: i / 50 }));
    }
    // One draw at start, then one each 100 ms: at 100, 200, 300, 400 and 500 ms.
    assert.equal(t.written.length, 6, t.written.join('\n'));
    d.update(report({ event: 'image', done: 1, evaluations: 816, progress: 1 }));
    assert.equal(t.written.length, 7, 'a finished image is drawn at once');
    assert.match(screenLines(t.written.join(''))[0], /^\[#{7}\.+\] 1\/4 images {2}816 evals {2}1\.00 img\/s {2}ETA /);
  });

  it('keeps the bar within the terminal width, the text first', () => {
    for (const columns of [120, 60, 40, 20]) {
      const t = terminal(columns);
      const d = new ProgressDisplay({ stream: t as unknown as NodeJS.WriteStream, now: () => 0, redrawMs: 0 });
      d.start(1000, 12);
      d.update(report({ total: 1000, done: 250, failed: 3, evaluations: 1234567, progress: 250.5, etaSeconds: 4000 }));
      const line = screenLines(t.written.join(''))[0];
      assert.ok(line.length <= columns - 1, `${columns} columns: "${line}"`);
      if (columns >= 120)
        assert.match(line, /^\[#+\.+\] 250\/1000 images {2}1,234,567 evals {2}250\.50 img\/s {2}ETA 1:06:40 {2}3 failed {2}12 skipped/);
      if (columns <= 40) assert.ok(line.startsWith('250/1000 images'), `no bar when it does not fit: "${line}"`);
    }
  });

  it('prints lines above the bar: the bar line is cleared, the line written, the bar drawn again', () => {
    const t = terminal(80);
    const d = new ProgressDisplay({ stream: t as unknown as NodeJS.WriteStream, now: () => 0 });
    d.start(2, 0);
    d.update(report({ event: 'image', done: 1, total: 2, progress: 1 }));
    d.print(() => t.write('a.png: tabby 90.0%\n'));
    d.finish();
    d.print(() => t.write('2 explained\n'));
    assert.deepEqual(
      screenLines(t.written.join('')).map((l) => l.replace(/\[[#.]+\]/, '[bar]')),
      ['a.png: tabby 90.0%', '[bar] 1/2 images  0 evals  1.00 img/s  ETA --:--', '2 explained', ''],
    );
  });

  it('without a terminal writes plain lines: at start, per finished image, else at most every 5 s', () => {
    const t = terminal(undefined);
    let now = 0;
    const d = new ProgressDisplay({ stream: t as unknown as NodeJS.WriteStream, tty: false, now: () => now });
    d.start(4, 0);
    for (let i = 1; i <= 120; i++) {
      now = i * 100; // 12 s of reports
      d.update(report({ evaluations: i }));
    }
    d.update(report({ event: 'image', done: 1, evaluations: 120, progress: 1 }));
    d.print(() => t.write('a.png: tabby\n'));
    d.finish();
    const text = t.written.join('');
    assert.ok(!text.includes('\r') && !text.includes('\x1b'), 'no carriage returns or escapes');
    const lines = text.trimEnd().split('\n');
    // start, at 5 s and 10 s, the finished image, the printed line.
    assert.equal(lines.length, 5, text);
    assert.match(lines[0], /^progress: 0\/4 images/);
    assert.match(lines[3], /^progress: 1\/4 images {2}120 evals/);
    assert.equal(lines[4], 'a.png: tabby');
  });
});
