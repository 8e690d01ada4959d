// SPDX-License-Identifier: MIT
/**
 * Progress display of `limeshap explain`: on a terminal, one bar line on stderr, drawn from the
 * start and redrawn as model batches return samples, with every other line (an image's classes, a
 * failure) printed above it; elsewhere (CI logs, pipes) plain lines, one per finished image and at
 * most one every few seconds between them.
 */
import type { BatchProgress } from '../batch';

function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** Where and how progress is shown; every field has a default for the real process. */
export interface ProgressOptions {
  /** Where the bar or the plain lines go (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Draw a bar (default: whether `stream` is a terminal); plain lines otherwise. */
  tty?: boolean;
  /** The clock, in ms (default Date.now). */
  now?: () => number;
  /** Least ms between two bar redraws (default 100: at most 10 a second). */
  redrawMs?: number;
  /** Least ms between two plain lines, other than those of finished images (default 5000). */
  plainMs?: number;
}

/** Widest bar, in characters between the brackets. */
const BAR_MAX = 30;
/** Narrowest bar worth drawing; below it the line is text alone. */
const BAR_MIN = 8;

export class ProgressDisplay {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly redrawMs: number;
  private readonly plainMs: number;
  private state: BatchProgress | undefined;
  private total = 0;
  private skipped = 0;
  /** When the bar was last drawn or the last plain line written (-Infinity: never). */
  private last = -Infinity;
  private drawn = false;
  /** Between the first draw and finish(): lines printed meanwhile get the bar drawn again below them. */
  private live = false;
  /** The longest text drawn so far: the bar is sized for it, so that it does not change size at every redraw. */
  private textWidth = 0;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.now = options.now ?? Date.now;
    this.redrawMs = options.redrawMs ?? 100;
    this.plainMs = options.plainMs ?? 5000;
  }

  /** Shows the bar (or a first plain line) before any image is done: `total` images to explain, `skipped` done before (--resume). */
  start(total: number, skipped: number): void {
    this.total = total;
    this.skipped = skipped;
    this.show(true);
  }

  /** Takes a batch report: redraws at most every `redrawMs` (plain: a line per finished image, else every `plainMs`). */
  update(p: BatchProgress): void {
    this.state = p;
    const due = this.now() - this.last >= (this.tty ? this.redrawMs : this.plainMs);
    this.show(p.event === 'image' || due);
  }

  /**
   * Writes a line of other output (through `write`, to any stream) above the bar: clears the bar's
   * line, writes, draws the bar again. Without a bar, just writes.
   */
  print(write: () => void): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    write();
    if (this.tty && this.live) this.draw();
  }

  /** Draws the final state and ends the bar's line, so that what is printed next starts on its own. */
  finish(): void {
    if (!this.tty || !this.live) return;
    this.draw();
    this.stream.write('\n');
    this.drawn = this.live = false;
  }

  private show(now: boolean): void {
    if (!now) return;
    if (this.tty) this.draw();
    else {
      this.last = this.now();
      this.stream.write(`progress: ${this.text()}\n`);
    }
  }

  private draw(): void {
    this.last = this.now();
    // One column spare: writing the last column makes some terminals wrap.
    const width = (this.stream.columns || 80) - 1;
    let text = this.text();
    this.textWidth = Math.max(this.textWidth, text.length);
    const room = width - this.textWidth - 3; // "[" + bar + "] "
    let bar = '';
    if (room >= BAR_MIN) {
      const size = Math.min(BAR_MAX, room);
      const share = this.total ? Math.min(1, (this.state?.progress ?? 0) / this.total) : 0;
      const filled = Math.floor(size * share);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(size - filled)}] `;
    } else if (text.length > width) text = text.slice(0, Math.max(0, width));
    this.stream.write(`\r${bar}${text}\x1b[K`);
    this.drawn = this.live = true;
  }

  /** The numbers: images done/total, evaluations, images per second, ETA, failures, skipped. */
  private text(): string {
    const p = this.state;
    const done = p?.done ?? 0;
    const seconds = (p?.elapsedMs ?? 0) / 1000;
    // The rate of work done, finished images and shares of those in flight: it moves from the first batch on.
    const rate = p && seconds > 0 ? p.progress / seconds : undefined;
    const parts = [
      `${done}/${this.total} images`,
      `${(p?.evaluations ?? 0).toLocaleString('en-US')} evals`,
      `${rate === undefined ? '-' : rate.toFixed(2)} img/s`,
      `ETA ${duration(p?.etaSeconds)}`,
    ];
    if (p?.failed) parts.push(`${p.failed} failed`);
    if (this.skipped) parts.push(`${this.skipped} skipped (resume)`);
    return parts.join('  ');
  }
}
