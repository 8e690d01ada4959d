// SPDX-License-Identifier: MIT
/**
 * The batch engine: every model evaluation of limeshap goes through one engine per model, which
 * packs the perturbed samples of all pending requests — from any number of images in flight — into
 * full batches. The addon composites each request's share straight into the batch tensor at its
 * offset, and the next batch is composited while ONNX Runtime runs the current one (two buffers).
 *
 * Why this shape: onnxruntime-node's session.run blocks the event loop for the whole run (measured:
 * no timer fires during a 22 ms MobileNetV2 batch), so the next batch's compositing must already be
 * running natively (on the libuv pool) before run() is called; and a batch shared between images
 * keeps batches full even when each image needs few samples.
 *
 * Memory: two batch buffers (2 × batchSize × 3·H·W values) plus each request's masks and outputs;
 * nothing grows with the number of images. With a worker model (`inference: 'worker'`,
 * `model.sharedInput`) the two buffers are SharedArrayBuffers that the worker's session reads in
 * place; a buffer is composited into again only after the run that reads it has resolved.
 */
import { performance } from 'node:perf_hooks';
import type { RgbImage } from './image';
import type { Model } from './model';
import { binding, type NativeCompositeParams } from './native';
import { abortReason } from './run-control';
import { blockingRun } from './stage-clock';

/** One image's compositing inputs (all model-sized). */
export interface ImageContext {
  rgb: RgbImage;
  hide: RgbImage;
  labels: Int32Array;
  segments: number;
  params: NativeCompositeParams;
  /**
   * For 16-bit and float images: the image and the replacement as float32 model input, in the
   * output layout (toTensorData), composited by a select of the two (no 8-bit table). Absent for
   * 8-bit images, whose planes the addon builds from `rgb`, `hide` and `params`.
   */
  planes?: { kept: Float32Array; hidden: Float32Array };
}

/** Time spent and bytes sent on behalf of one request (shared batches are apportioned by sample count). */
export interface RequestStats {
  compositeMs: number;
  inferMs: number;
  /**
   * The engine's time on this request: its share of each batch's wait for compositing and of its run
   * (stage-clock.ts: the rest of the time the request was pending went to other requests).
   */
  engineMs: number;
  /** Bytes of model input handed to onnxruntime for this request (padding of fixed-batch models excluded). */
  inputBytes: number;
}

/** Where perturbed images are composited: see {@link Compositing}. */
export const COMPOSITING_MODES = ['native', 'graph'] as const;
/**
 * `'native'`: by the addon into the model's input tensor (N × 3·H·W values per batch);
 * `'graph'`: by nodes prepended to the model (N × segments mask bytes per batch; graph-engine.ts).
 */
export type Compositing = (typeof COMPOSITING_MODES)[number];

/**
 * How one request is steered: aborting `signal` rejects it with the signal's reason once the batch in
 * progress returns (its other samples are never run; other requests are unaffected); `onRows` is
 * told of every share of its rows that comes back (if it throws, the request rejects with that error).
 */
export interface RequestControl {
  signal?: AbortSignal;
  onRows?: (rows: number) => void;
}

/** What turns one image's masks into model outputs: the native {@link BatchEngine} or the graph's. */
export interface MaskEngine {
  readonly compositing: Compositing;
  /** Outputs (n × classes) for n masks over `ctx.segments` segments (1 = keep, 0 = hide). */
  evaluate(ctx: ImageContext, masks: Uint8Array, n: number, stats: RequestStats, control?: RequestControl): Promise<Float32Array>;
}

interface Request {
  ctx: ImageContext;
  masks: Uint8Array;
  n: number;
  assigned: number; // samples placed in a batch so far
  finished: number; // samples whose outputs arrived
  out?: Float32Array;
  stats: RequestStats;
  onRows?: (rows: number) => void;
  /** Set once resolved or rejected: a request aborted during a run gets none of that run's outputs. */
  settled: boolean;
  resolve(y: Float32Array): void;
  reject(err: Error): void;
}

interface Piece {
  request: Request;
  from: number; // first sample of the request
  count: number;
  offset: number; // first slot in the batch
}

interface Batch {
  buffer: Float32Array | Uint16Array;
  pieces: Piece[];
  count: number;
  compositeMs: number;
  /** The loop's time on this batch before its run: waiting for its compositing, starting the next's (set by the loop). */
  waitMs: number;
}

/**
 * Where the engine's loop spent the wall clock, summed since the engine was made: `activeMs` while
 * the loop ran (outside it the engine had nothing queued: every image in flight was segmenting,
 * fitting or being set up), `compositeWaitMs` waiting for a batch's compositing (what inference did
 * not hide), `runMs` inside model.run. Benchmarks attribute the critical path with it.
 */
export interface EngineClock {
  activeMs: number;
  compositeWaitMs: number;
  runMs: number;
}

export class BatchEngine implements MaskEngine {
  readonly compositing = 'native';
  /** Samples per batch. */
  readonly batchSize: number;
  /** See {@link EngineClock}; plain counters, reset by assigning zeros. */
  readonly clock: EngineClock = { activeMs: 0, compositeWaitMs: 0, runMs: 0 };
  private readonly queue: Request[] = [];
  private buffers: (Float32Array | Uint16Array)[] = [];
  private sampleSize = 0;
  private running = false;
  /**
   * The model run in progress and the pieces it serves. Its signal is aborted once every one of
   * their requests has settled (aborted), so a run that never returns — a predict function that
   * hangs — holds the engine only until the requests waiting for it give up.
   */
  private inFlight: { pieces: Piece[]; controller: AbortController } | undefined;

  constructor(readonly model: Model) {
    // Fixed-batch models are fed by model.run in their own batch size; compositing still works in
    // blocks of at least 16 samples so its fixed cost per call stays small. A block is a whole
    // number of model batches, so model.run splits it into full runs (a batch size of 10: blocks
    // of 20, run as 10 + 10 rather than 10 + 6): a predict function sees batches of its size.
    const B = model.batchSize;
    this.batchSize = B >= 16 ? B : Math.ceil(16 / B) * B;
  }

  /** Outputs (n × classes) for n masks over `ctx.segments` segments (1 = keep, 0 = hide). */
  evaluate(ctx: ImageContext, masks: Uint8Array, n: number, stats: RequestStats, control: RequestControl = {}): Promise<Float32Array> {
    const { signal, onRows } = control;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (n === 0) return Promise.resolve(new Float32Array(0));
    return new Promise((resolve, reject) => {
      // Leaving the queue is all an abort needs: fill() takes no more of its samples, and the loop
      // runs no batch piece of a request that is no longer queued (see `live`).
      const onAbort = () => this.fail(request, abortReason(signal as AbortSignal) as Error);
      const request: Request = {
        ctx,
        masks,
        n,
        assigned: 0,
        finished: 0,
        stats,
        onRows,
        settled: false,
        resolve: (y) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(y);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(request);
      if (!this.running) void this.loop();
    });
  }

  private ensureBuffers(rgb: RgbImage): void {
    const size = (rgb.bands ?? 3) * rgb.width * rgb.height;
    if (size === this.sampleSize && this.buffers.length) return;
    this.sampleSize = size;
    const length = this.batchSize * size;
    const half = this.model.inputType === 'float16';
    // A worker model reads SAB-backed input in place (the addon composites into SABs just the same).
    // Otherwise the buffers are the addon's own memory (binding.nativeBuffer), which its worker
    // threads may write in place because nothing JS does can free it under them; into a plain
    // ArrayBuffer the addon would composite elsewhere and copy (measured in the README).
    const bytes = length * (half ? 2 : 4);
    const memory = () => (this.model.sharedInput ? new SharedArrayBuffer(bytes) : binding.nativeBuffer(bytes));
    const make = () => (half ? new Uint16Array(memory()) : new Float32Array(memory()));
    this.buffers = [make(), make()];
  }

  /** Takes up to batchSize samples from the queue and composites them into `buffer`; null when idle. */
  private async fill(buffer: Float32Array | Uint16Array): Promise<Batch | null> {
    const pieces: Piece[] = [];
    let count = 0;
    for (const request of this.queue) {
      if (count === this.batchSize) break;
      const take = Math.min(request.n - request.assigned, this.batchSize - count);
      if (take <= 0) continue;
      pieces.push({ request, from: request.assigned, count: take, offset: count });
      request.assigned += take;
      count += take;
    }
    if (count === 0) return null;
    const t0 = performance.now();
    const results = await Promise.allSettled(
      pieces.map(({ request: { ctx, masks }, from, count: k, offset }) =>
        ctx.planes
          ? binding.compositePlanes(
              ctx.planes.kept,
              ctx.planes.hidden,
              ctx.labels,
              ctx.rgb.width,
              ctx.rgb.height,
              ctx.rgb.bands ?? 3,
              ctx.params.layout,
              masks.subarray(from * ctx.segments, (from + k) * ctx.segments),
              ctx.segments,
              buffer,
              offset,
            )
          : binding.composite(
              ctx.rgb.data,
              ctx.hide.data,
              ctx.labels,
              ctx.rgb.width,
              ctx.rgb.height,
              masks.subarray(from * ctx.segments, (from + k) * ctx.segments),
              ctx.segments,
              ctx.params,
              buffer,
              offset,
            ),
      ),
    );
    const compositeMs = performance.now() - t0;
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.fail(pieces[i].request, r.reason as Error);
    });
    return { buffer, pieces, count, compositeMs, waitMs: 0 };
  }

  private fail(request: Request, err: Error): void {
    if (request.settled) return;
    request.settled = true;
    const i = this.queue.indexOf(request);
    if (i >= 0) this.queue.splice(i, 1);
    request.reject(err);
    const run = this.inFlight;
    if (run !== undefined && run.pieces.every((p) => p.request.settled))
      run.controller.abort(new Error('every request of this model run has settled: nobody waits for its outputs'));
  }

  /** `model.run` on `count` samples of the buffer from slot `offset`, as the run in flight for `pieces`. */
  private async runPieces(batch: Batch, pieces: Piece[], offset: number, count: number, size: [number, number]): Promise<Float32Array> {
    const run = { pieces, controller: new AbortController() };
    this.inFlight = run;
    try {
      const data = batch.buffer.subarray(offset * this.sampleSize, (offset + count) * this.sampleSize) as Float32Array | Uint16Array;
      // blockingRun: the part of a run that blocks the main thread is waiting for every other stage (lib/stage-clock.ts).
      return await blockingRun(() => this.model.run(data, count, size, run.controller.signal));
    } finally {
      this.inFlight = undefined;
    }
  }

  /** Hands outputs y (`rows` rows, for batch samples from `first` on) to the pieces' requests. */
  private deliver(pieces: Piece[], y: Float32Array, first: number, rows: number, inferMs: number, batch: Batch): void {
    const K = y.length / rows;
    for (const p of pieces) {
      const r = p.request;
      if (r.settled) continue; // aborted (or failed) while the batch ran
      r.out ??= new Float32Array(r.n * K);
      r.out.set(y.subarray((p.offset - first) * K, (p.offset - first + p.count) * K), p.from * K);
      r.finished += p.count;
      r.stats.inferMs += (inferMs * p.count) / rows;
      r.stats.engineMs += (inferMs * p.count) / rows + (batch.waitMs * p.count) / batch.count;
      r.stats.compositeMs += (batch.compositeMs * p.count) / batch.count;
      r.stats.inputBytes += p.count * this.sampleSize * batch.buffer.BYTES_PER_ELEMENT;
      if (r.onRows) {
        try {
          r.onRows(p.count);
        } catch (err) {
          this.fail(r, err as Error);
          continue;
        }
        if (r.settled) continue; // onRows aborted the request's signal
      }
      if (r.finished === r.n) {
        r.settled = true;
        this.queue.splice(this.queue.indexOf(r), 1);
        r.resolve(r.out);
      }
    }
  }

  private async loop(): Promise<void> {
    this.running = true;
    const started = performance.now();
    // Where this batch's turn began: its time up to the run (the wait for its compositing, starting
    // the next batch's) is apportioned with the run to its requests as their engineMs.
    let turn = started;
    try {
      let k = 0;
      this.ensureBuffers(this.queue[0].ctx.rgb);
      let filling = this.fill(this.buffers[0]);
      for (; ; turn = performance.now()) {
        const waited = performance.now();
        const batch = await filling;
        this.clock.compositeWaitMs += performance.now() - waited;
        if (!batch) break;
        // Composite the next batch natively while this one runs.
        filling = this.fill(this.buffers[++k % 2]);
        const live = batch.pieces.filter((p) => this.queue.includes(p.request));
        if (live.length === 0) continue;
        const size: [number, number] = [live[0].request.ctx.rgb.height, live[0].request.ctx.rgb.width];
        const t0 = performance.now();
        batch.waitMs = t0 - turn;
        try {
          const y = await this.runPieces(batch, live, 0, batch.count, size);
          const runMs = performance.now() - t0;
          this.clock.runMs += runMs;
          this.deliver(live, y, 0, batch.count, runMs, batch);
        } catch (err) {
          if (live.length === 1) {
            this.fail(live[0].request, err as Error);
            continue;
          }
          // A shared batch failed (a NaN output, say): run each image's samples on their own, still in
          // the buffer, so only the image that caused it fails and the others go on.
          for (const p of live) {
            if (p.request.settled) continue;
            const t1 = performance.now();
            try {
              const y = await this.runPieces(batch, [p], p.offset, p.count, size);
              this.deliver([p], y, p.offset, p.count, performance.now() - t1, batch);
            } catch (pieceError) {
              this.fail(p.request, pieceError as Error);
            }
          }
        }
      }
    } catch (err) {
      for (const r of this.queue.slice()) this.fail(r, err as Error);
    } finally {
      this.clock.activeMs += performance.now() - started;
      this.running = false;
      if (this.queue.some((r) => r.assigned < r.n)) void this.loop();
    }
  }
}

const engines = new WeakMap<Model, MaskEngine>();

/**
 * The one engine of a model, shared by every explanation on that model: the one set by
 * {@link setEngine} (an explainer with `compositing: 'graph'`), else a native {@link BatchEngine}
 * created on first use.
 */
export function engineFor(model: Model): MaskEngine {
  let engine = engines.get(model);
  if (!engine) {
    engine = new BatchEngine(model);
    engines.set(model, engine);
  }
  return engine;
}

/** Makes `engine` the engine of `model` (before any evaluation on it). */
export function setEngine(model: Model, engine: MaskEngine): void {
  engines.set(model, engine);
}
