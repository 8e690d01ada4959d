// SPDX-License-Identifier: MIT
/**
 * Entry of the worker thread of a model loaded with `inference: 'worker'` (started by
 * worker-proxy.ts from dist/lib/model/worker-entry.js). It opens the onnxruntime session through
 * session.ts, the only importer of onnxruntime-node, and then serves `run` requests:
 * the input arrives as a view of the main thread's SharedArrayBuffer batch buffer (no copy; or as
 * a transferred copy), the outputs go back transferred, with the counters measured here around
 * `session.run`. Errors go back flattened (name, message, stack) and are rebuilt with their class.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { modelInfo } from './info';
import { openModel } from './session';
import type { Model } from './types';
import { guarded } from './worker-gate';
import { postError, type FromWorker, type ToWorker, type WorkerStart } from './worker-protocol';

if (isMainThread || parentPort === null) throw new Error('lib/model/worker-entry is the entry of a worker thread, not a module to import');
const port = parentPort;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function main(): Promise<void> {
  const { bytes, gate, what, options } = workerData as WorkerStart;
  let model: Model;
  try {
    model = await guarded(gate, () => openModel(bytes, what, options, (message) => post({ type: 'warning', message })));
  } catch (err) {
    post({ type: 'load-failed', error: postError(err) });
    return;
  }
  // onnxruntime-node rejects tensors over SharedArrayBuffer memory ("Invalid argument"), so shared
  // input is copied into this reused ArrayBuffer first. Runs are served one at a time (the session
  // runs one batch at a time anyway), so the scratch is never overwritten under a pending run.
  let scratch: Float32Array | Uint16Array | undefined;
  const local = (data: Float32Array | Uint16Array): Float32Array | Uint16Array => {
    if (!(data.buffer instanceof SharedArrayBuffer)) return data;
    if (scratch === undefined || scratch.length < data.length || scratch.constructor !== data.constructor)
      scratch = data instanceof Uint16Array ? new Uint16Array(data.length) : new Float32Array(data.length);
    const view = scratch.subarray(0, data.length);
    view.set(data);
    return view;
  };
  let queue: Promise<void> = Promise.resolve();
  const serve = async (m: Extract<ToWorker, { type: 'run' }>): Promise<void> => {
    try {
      // Marked busy so the main thread never terminates this thread inside onnxruntime.
      const out = await guarded(gate, () => model.run(local(m.data), m.count, m.size));
      post({ type: 'result', id: m.id, out, stats: model.stats(), classes: model.classes, softmax: model.softmax }, [
        out.buffer as ArrayBuffer,
      ]);
    } catch (err) {
      post({ type: 'failed', id: m.id, error: postError(err), stats: model.stats(), classes: model.classes, softmax: model.softmax });
    }
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'run') queue = queue.then(() => serve(m));
    else if (m.type === 'dispose')
      queue = queue
        .then(() => model.dispose())
        .then(
          () => post({ type: 'disposed' }),
          () => post({ type: 'disposed' }),
        );
  });
  post({ type: 'ready', info: modelInfo(model), classes: model.classes, softmax: model.softmax });
}

void main();
