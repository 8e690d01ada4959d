// SPDX-License-Identifier: MIT
/**
 * A gate between the main thread and a model worker, so that a worker is never terminated while it
 * is inside onnxruntime's native code.
 *
 * Why: `worker.terminate()` (also what Node does to every worker when the process exits through
 * `process.exit()`, an uncaught error or a second Ctrl-C) stops the worker's JavaScript. If the
 * worker is inside `session.run` or `InferenceSession.create` at that moment, onnxruntime-node's
 * binding returns into a terminating environment, throws a `Napi::Error` that nothing catches, and
 * `std::terminate` aborts the whole process (exit 134, "terminate called after throwing an instance
 * of 'Napi::Error'"). We cannot change that binding, so we make sure the situation never arises:
 *
 * - the worker marks itself BUSY around every native call, and checks STOP after marking itself
 *   busy (that order makes the handshake race-free with sequentially consistent Atomics);
 * - before anything terminates the worker, the main thread sets STOP (no new native call starts)
 *   and waits until BUSY is clear: asynchronously in `dispose()`, synchronously (`Atomics.wait`) in
 *   the process's `'exit'` handler, where no asynchronous work can run any more.
 *
 * The wait is bounded ({@link EXIT_WAIT_MS}): a model whose single batch runs longer than that can
 * still abort the process on a forced exit; a batch of an ImageNet CNN takes tens of milliseconds.
 */

/** `Atomics.waitAsync` (Node >= 16; not in TypeScript's ES2022 lib). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

const BUSY = 0;
const STOP = 1;

/** How long process exit or `dispose()` waits for a batch in flight to leave onnxruntime (ms). */
export const EXIT_WAIT_MS = 30_000;

/** Shared flags of one model worker: [BUSY, STOP]. */
export type Gate = Int32Array;

/** A new gate, on shared memory, to pass to the worker in its `workerData`. */
export function createGate(): Gate {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

// ---- main thread side ----------------------------------------------------------------------------

/** Gates of live workers; the process 'exit' handler drains them all. */
const live = new Set<Gate>();
let exitHookInstalled = false;

function drainAllOnExit(): void {
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (const gate of live) {
    Atomics.store(gate, STOP, 1);
    while (Atomics.load(gate, BUSY) === 1) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      Atomics.wait(gate, BUSY, 1, left);
    }
  }
}

/** Registers a live worker's gate so that process exit waits for its batch in flight. */
export function watchGate(gate: Gate): void {
  live.add(gate);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', drainAllOnExit);
  }
}

/** The worker is gone (terminated or exited): nothing to wait for at exit. */
export function unwatchGate(gate: Gate): void {
  live.delete(gate);
}

/**
 * Closes the gate (the worker starts no new native call) and resolves once the worker is outside
 * onnxruntime, or after `timeoutMs`. Then terminating the worker is safe.
 */
export async function closeGate(gate: Gate, timeoutMs = EXIT_WAIT_MS): Promise<void> {
  Atomics.store(gate, STOP, 1);
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(gate, BUSY) === 1) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    const waited = waitAsync(gate, BUSY, 1, left);
    if (waited.async) await waited.value;
  }
}

// ---- worker side ---------------------------------------------------------------------------------

/** Thrown by {@link guarded} when the main thread has closed the gate. */
export class GateClosedError extends Error {
  constructor() {
    super('The model is shutting down');
  }
}

/**
 * Runs `fn` (a call into onnxruntime) with the gate marked busy; throws {@link GateClosedError}
 * without calling it when the main thread has closed the gate.
 */
export async function guarded<T>(gate: Gate, fn: () => Promise<T>): Promise<T> {
  Atomics.store(gate, BUSY, 1);
  try {
    if (Atomics.load(gate, STOP) === 1) throw new GateClosedError();
    return await fn();
  } finally {
    Atomics.store(gate, BUSY, 0);
    Atomics.notify(gate, BUSY);
  }
}
