// SPDX-License-Identifier: MIT
/**
 * inference: 'worker' — the main-thread face of a model whose onnxruntime session lives in a
 * worker_threads Worker (entry: worker-entry.ts). Runs are posted with their input (a shared
 * SharedArrayBuffer batch, or a transferred copy) and settle when the worker replies; a crashed
 * worker rejects every pending and later run; the worker is never terminated inside onnxruntime
 * (worker-gate.ts).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DescribedModel } from './info';
import type { ResolvedModelOptions } from './load';
import { checkRunArgs } from './run-args';
import type { Model, ModelStats } from './types';
import { emitWarning } from './warnings';
import { closeGate, createGate, unwatchGate, watchGate, type Gate } from './worker-gate';
import { revive, type FromWorker, type ToWorker, type WorkerStart } from './worker-protocol';

/** Starts a model's worker and resolves once its session is open. */
export function startWorkerModel(bytes: Uint8Array, what: string, options: ResolvedModelOptions): Promise<Model> {
  return WorkerModel.start(bytes, what, options);
}

/** The worker's entry script, beside this module (dist/lib/model/worker-entry.js once compiled). */
function workerEntry(): string {
  return path.join(__dirname, `worker-entry${path.extname(__filename) || '.js'}`);
}

interface PendingRun {
  resolve(y: Float32Array): void;
  reject(err: Error): void;
}

/** The main-thread face of a model whose session lives in a worker thread. */
class WorkerModel extends DescribedModel implements Model {
  readonly inference = 'worker';
  readonly sharedInput = true;
  /** The worker's counters since load, and those at the last resetStats. */
  private latest: ModelStats = { runs: 0, samples: 0, inferMs: 0 };
  private base: ModelStats = { runs: 0, samples: 0, inferMs: 0 };
  private readonly pending = new Map<number, PendingRun>();
  private nextId = 0;
  /** Set once the worker is gone: the error every later run rejects with. */
  private dead: Error | undefined;
  private disposing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly gate: Gate,
    private readonly what: string,
    ready: Extract<FromWorker, { type: 'ready' }>,
  ) {
    super(ready.info, ready.classes, ready.softmax);
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.die(new Error(`The model worker of ${what} crashed: ${err.message}`)));
    worker.on('messageerror', (err) => this.die(new Error(`The model worker of ${what} sent an unreadable message: ${err.message}`)));
    worker.on('exit', (code) => this.die(new Error(`The model worker of ${what} exited unexpectedly (exit code ${code})`)));
    // An idle worker does not keep the process alive (as an idle main-thread session does not).
    worker.unref();
  }

  /** Starts the worker and waits for its session. */
  static start(bytes: Uint8Array, what: string, options: ResolvedModelOptions): Promise<Model> {
    const gate = createGate();
    const start: WorkerStart = { bytes, gate, what, options };
    return new Promise<Model>((resolve, reject) => {
      let worker: Worker;
      try {
        worker = new Worker(workerEntry(), { workerData: start });
      } catch (err) {
        reject(new Error(`Cannot start the model worker (${workerEntry()}): ${(err as Error).message}`));
        return;
      }
      // From now on a process exit waits for the worker to leave onnxruntime (it may be creating the
      // session) before Node terminates it.
      watchGate(gate);
      worker.once('exit', () => unwatchGate(gate));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (m: FromWorker) => {
        if (m.type === 'warning') emitWarning(m.message);
        else if (m.type === 'ready') {
          cleanup();
          resolve(new WorkerModel(worker, gate, what, m));
        } else if (m.type === 'load-failed') {
          cleanup();
          void closeGate(gate).then(() => worker.terminate());
          reject(revive(m.error));
        }
      };
      const onError = (err: Error) => {
        cleanup();
        void closeGate(gate).then(() => worker.terminate());
        reject(new Error(`The model worker of ${what} crashed while loading: ${err.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`The model worker of ${what} exited while loading (exit code ${code})`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  async run(data: Float32Array | Uint16Array, count: number, size?: readonly [number, number]): Promise<Float32Array> {
    if (this.disposing !== undefined) throw new Error(`Model ${this.what} has been disposed`);
    if (this.dead !== undefined) throw new Error(this.dead.message);
    const { height, width } = checkRunArgs(this, this.what, data, count, size);
    if (count === 0) return new Float32Array(0);
    const id = this.nextId++;
    // SAB-backed input is shared with the worker; anything else is copied once (only the view:
    // cloning a view would copy its whole underlying buffer) and the copy transferred.
    const shared = data.buffer instanceof SharedArrayBuffer;
    const payload = shared ? data : data.slice();
    const message: ToWorker = { type: 'run', id, data: payload, count, size: [height, width] };
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      try {
        this.worker.postMessage(message, shared ? [] : [payload.buffer as ArrayBuffer]);
      } catch (err) {
        this.settle(id)?.reject(err as Error);
      }
    });
  }

  private settle(id: number): PendingRun | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    return p;
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'warning':
        emitWarning(m.message);
        return;
      case 'result':
      case 'failed':
        this.latest = m.stats;
        this.classCount = m.classes;
        this.softmaxDecision = m.softmax;
        if (m.type === 'result') this.settle(m.id)?.resolve(m.out);
        else this.settle(m.id)?.reject(revive(m.error));
        return;
      default:
        return;
    }
  }

  /** The worker is gone: every pending and later run rejects. */
  private die(err: Error): void {
    if (this.dead !== undefined) return;
    this.dead = this.disposing !== undefined ? new Error(`Model ${this.what} has been disposed`) : err;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new Error(this.dead.message));
  }

  stats(): ModelStats {
    return {
      runs: this.latest.runs - this.base.runs,
      samples: this.latest.samples - this.base.samples,
      inferMs: this.latest.inferMs - this.base.inferMs,
    };
  }

  resetStats(): void {
    this.base = { ...this.latest };
  }

  /**
   * Rejects pending runs, releases the session in the worker (waiting at most 5 s for it), waits
   * for a batch still inside onnxruntime to finish (lib/worker-gate.ts: terminating the worker there
   * would abort the process), then terminates the worker.
   */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      const gone = new Error(`Model ${this.what} has been disposed`);
      for (const id of [...this.pending.keys()]) this.settle(id)?.reject(gone);
      // Queued runs in the worker now fail at once instead of starting.
      const drained = closeGate(this.gate);
      if (this.dead === undefined) {
        this.worker.ref();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          const done = () => {
            clearTimeout(timer);
            resolve();
          };
          this.worker.on('message', (m: FromWorker) => m.type === 'disposed' && done());
          this.worker.once('exit', done);
          try {
            this.worker.postMessage({ type: 'dispose' } satisfies ToWorker);
          } catch {
            done();
          }
        });
      }
      this.dead ??= gone;
      await drained;
      await this.worker.terminate();
    })();
    return this.disposing;
  }
}
