// SPDX-License-Identifier: MIT
/** The messages between the main thread and a model's worker thread (inference: 'worker'). */
import type { ResolvedModelOptions } from './load';
import type { ModelInfo, ModelStats } from './types';
import type { Gate } from './worker-gate';

/** @internal An Error as posted between threads. */
export interface PostedError {
  name: string;
  message: string;
  stack?: string;
}

/** @internal The worker's start data. */
export interface WorkerStart {
  bytes: Uint8Array;
  /** Flags shared with the main thread so the worker is never terminated inside onnxruntime (worker-gate.ts). */
  gate: Gate;
  what: string;
  options: ResolvedModelOptions;
}

/** @internal Main thread → worker. */
export type ToWorker =
  { type: 'run'; id: number; data: Float32Array | Uint16Array; count: number; size: [number, number] } | { type: 'dispose' };

/** @internal Worker → main thread. `stats` are the worker model's counters since load. */
export type FromWorker =
  | { type: 'ready'; info: ModelInfo; classes: number | undefined; softmax: boolean | undefined }
  | { type: 'load-failed'; error: PostedError }
  | { type: 'warning'; message: string }
  | { type: 'result'; id: number; out: Float32Array; stats: ModelStats; classes: number | undefined; softmax: boolean | undefined }
  | { type: 'failed'; id: number; error: PostedError; stats: ModelStats; classes: number | undefined; softmax: boolean | undefined }
  | { type: 'disposed' };

/** @internal Flattens an error for postMessage. */
export function postError(err: unknown): PostedError {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** Rebuilds a posted error with its original class (Error, TypeError, RangeError) and message. */
export function revive(e: PostedError): Error {
  const Ctor = e.name === 'TypeError' ? TypeError : e.name === 'RangeError' ? RangeError : Error;
  const err = new Ctor(e.message);
  if (err.name !== e.name) err.name = e.name;
  if (e.stack !== undefined) err.stack = `${e.stack}\n    at (limeshap model worker)`;
  return err;
}
