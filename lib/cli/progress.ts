// SPDX-License-Identifier: MIT
/** Progress display: a redrawn bar on a terminal, plain log lines otherwise (CI logs, pipes). */
import type { BatchProgress } from '../batch';

function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export class ProgressDisplay {
  private lastLine = 0;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  update(p: BatchProgress, skipped: number): void {
    const total = p.total === undefined ? '?' : String(p.total);
    const text = `${p.done}/${total} images  ${p.imagesPerSecond.toFixed(2)} img/s  ETA ${duration(p.etaSeconds)}${p.failed ? `  ${p.failed} failed` : ''}${skipped ? `  ${skipped} skipped (resume)` : ''}`;
    if (this.tty) {
      const width = 30;
      const filled = p.total ? Math.round((width * p.done) / p.total) : 0;
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      this.stream.write(`\r${bar} ${text}\x1b[K`);
    } else if (p.done === p.total || Date.now() - this.lastLine > 2000) {
      // Plain lines, at most one every 2 s, so logs stay readable.
      this.lastLine = Date.now();
      this.stream.write(`progress: ${text}\n`);
    }
  }

  /** Ends the bar's line (a log line printed next must not overwrite it). */
  finish(): void {
    if (this.tty) this.stream.write('\n');
  }
}
