// SPDX-License-Identifier: MIT
/**
 * Own time and waiting of an explanation's stages. With several images in flight (explainBatch,
 * concurrent lime()/shap() calls) a stage's wall time also holds time spent on the other images:
 * - their samples, run by the model's shared batch engine while this image's evaluations sit in its
 *   queue (counted by the engine: each request's share of the batches it was in, `engineMs`);
 * - their model runs on the main thread: onnxruntime-node's session.run blocks the event loop, so
 *   a stage whose native work finished cannot go on until the run returns (counted here: the
 *   synchronous part of every model run, {@link blockingRun}).
 * A stage's own time is its wall time less those; its `wait` is the rest, so own + wait = wall.
 * CPU contention (two images' native work on the same cores) is not waiting: it stays in own time.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds the main thread spent inside model runs' synchronous part, since the process started. */
let blockedMs = 0;

/**
 * Calls `run` (it starts a model run) and counts its synchronous part as main-thread blocking: the
 * whole session.run for a model on the main thread, a message post for a worker model (whose runs
 * do not block).
 */
export function blockingRun<T>(run: () => T): T {
  const t0 = performance.now();
  try {
    return run();
  } finally {
    blockedMs += performance.now() - t0;
  }
}

/** What one image's evaluations spent, as a mask evaluator counts it (see mask-evaluator.ts). */
export interface EvaluationClock {
  /** Wall time while at least one evaluation of the image was pending. */
  evaluatingMs: number;
  /** Main-thread blocking (any model's runs) while evaluations were pending. */
  blockedWhileEvaluatingMs: number;
  /** The engine's time on this image's samples: its share of each batch's compositing wait and run. */
  engineMs: number;
}

/** A stage's own time and its waiting (own + wait = the stage's wall time). */
export interface StageTime {
  own: number;
  wait: number;
}

/** A point in time that {@link StageClock.since} measures from. */
export interface StageMark {
  readonly t: number;
  readonly blocked: number;
  readonly evaluating: number;
  readonly blockedEvaluating: number;
  readonly engine: number;
}

/**
 * Measures stages of one image's explanation. A stage may contain evaluations (LIME's evaluate,
 * SHAP's algorithm) and work of its own (segmentation, fits, SHAP's solve) in any order.
 */
export class StageClock {
  /** @param evaluation - the image's evaluator clock (absent before the evaluator exists: no evaluations). */
  constructor(private evaluation?: EvaluationClock) {}

  /** Sets the evaluator clock, once the evaluator exists. */
  use(evaluation: EvaluationClock): void {
    this.evaluation = evaluation;
  }

  /** Now, for {@link since}. */
  mark(): StageMark {
    const e = this.evaluation;
    return {
      t: performance.now(),
      blocked: blockedMs,
      evaluating: e?.evaluatingMs ?? 0,
      blockedEvaluating: e?.blockedWhileEvaluatingMs ?? 0,
      engine: e?.engineMs ?? 0,
    };
  }

  /**
   * Splits the time since `from`: `evaluate` (the evaluations inside it: own = the engine's time on
   * this image's samples, wait = waiting for other images' samples) and `work` (the rest: wait = other
   * model runs blocking the main thread). Each own + wait is that part's wall time.
   */
  since(from: StageMark): { evaluate: StageTime; work: StageTime; wall: number } {
    const now = this.mark();
    const wall = now.t - from.t;
    const evaluating = Math.min(wall, now.evaluating - from.evaluating);
    const evaluateOwn = Math.min(evaluating, now.engine - from.engine);
    const workWall = wall - evaluating;
    const workWait = Math.min(workWall, Math.max(0, now.blocked - from.blocked - (now.blockedEvaluating - from.blockedEvaluating)));
    return {
      evaluate: { own: evaluateOwn, wait: evaluating - evaluateOwn },
      work: { own: workWall - workWait, wait: workWait },
      wall,
    };
  }
}

/** The main thread's blocking by model runs so far (ms), for clocks that measure from a point. */
export function mainThreadBlockedMs(): number {
  return blockedMs;
}

/**
 * Own times and waits of named stages over one explanation, summed over a stage's runs (LIME's
 * rounds), with the call's total: `own.total` + `wait.total` is the call's wall time.
 */
export class StageTimer<K extends string> {
  readonly own: Record<K, number>;
  readonly wait: Record<K, number>;
  private readonly clock = new StageClock();
  private readonly start: StageMark;

  constructor(stages: readonly K[]) {
    this.own = Object.fromEntries(stages.map((s) => [s, 0])) as Record<K, number>;
    this.wait = Object.fromEntries(stages.map((s) => [s, 0])) as Record<K, number>;
    this.start = this.clock.mark();
  }

  /** Sets the evaluator clock once the evaluator exists (its counters start at 0, like the marks before it). */
  use(evaluation: EvaluationClock): void {
    this.clock.use(evaluation);
  }

  /** Runs `work` as (one run of) `stage`: its evaluations and its own work both count to the stage. */
  async time<T>(stage: K, work: () => Promise<T>): Promise<T> {
    const from = this.clock.mark();
    try {
      return await work();
    } finally {
      const t = this.clock.since(from);
      this.own[stage] += t.evaluate.own + t.work.own;
      this.wait[stage] += t.evaluate.wait + t.work.wait;
    }
  }

  /** Runs `work`, counting its evaluations to `evaluations` and the rest (SHAP's solve) to `rest`. */
  async split<T>(evaluations: K, rest: K, work: () => Promise<T>): Promise<T> {
    const from = this.clock.mark();
    try {
      return await work();
    } finally {
      const t = this.clock.since(from);
      this.own[evaluations] += t.evaluate.own;
      this.wait[evaluations] += t.evaluate.wait;
      this.own[rest] += t.work.own;
      this.wait[rest] += t.work.wait;
    }
  }

  /**
   * A result's `timings`: each stage's own time and the whole call's (`total`), the evaluator's
   * compositing and inference (`stats`), and every wait (`wait`).
   */
  timings(stats: { compositeMs: number; inferMs: number }): Record<K | 'total' | 'composite' | 'infer', number> & {
    wait: Record<K | 'total', number>;
  } {
    const { own, wait } = this.totals();
    return { ...own, composite: stats.compositeMs, infer: stats.inferMs, wait };
  }

  /** The call so far: own time and waiting of every stage, and of the whole call (`total`). */
  totals(): { own: Record<K | 'total', number>; wait: Record<K | 'total', number> } {
    const t = this.clock.since(this.start);
    const wait = t.evaluate.wait + t.work.wait;
    return { own: { ...this.own, total: t.wall - wait }, wait: { ...this.wait, total: wait } };
  }
}
