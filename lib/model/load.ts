// SPDX-License-Identifier: MIT
/**
 * {@link loadModel}: checks the options, reads the model and its class names, and opens the session
 * on this thread (session.ts) or in a worker (worker-proxy.ts).
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import { checkChoice, checkNumber, checkOptions, rangeError, typeError } from '../validate';
import { openModel } from './session';
import { EXECUTION_PROVIDERS, type ExecutionProvider, type InferenceMode, type LoadModelOptions, type Model } from './types';
import { startWorkerModel } from './worker-proxy';

/**
 * intraOpNumThreads of a worker's session when not given: the core count
 * (`os.availableParallelism()`), since inference then has every core while the native pool's work
 * overlaps it (README, "Why the defaults"). It is set explicitly rather than left to onnxruntime
 * (`0`), which also chooses the core count but pins its threads to cores; pass
 * `intraOpNumThreads: 0` for that.
 */
export function defaultWorkerIntraOpThreads(): number {
  return os.availableParallelism();
}

/** Reads `classNames` (a file of one label per line, or an array of strings); `from` names it in messages. */
export async function readClassNames(source: string | readonly string[]): Promise<{ names: string[]; from: string }> {
  if (typeof source === 'string') {
    let text: string;
    try {
      text = await fs.readFile(source, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT' ? `Class names file not found: ${source}` : `Cannot read class names file ${source}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const names = text.split(/\r?\n/);
    while (names.length > 0 && names[names.length - 1] === '') names.pop();
    return { names, from: `class names file ${source}` };
  }
  if (!Array.isArray(source)) throw typeError('classNames', 'a file path or an array of strings', source);
  source.forEach((s, i) => {
    if (typeof s !== 'string') throw typeError(`classNames[${i}]`, 'a string', s);
  });
  return { names: [...source], from: 'classNames' };
}

/** Checks {@link LoadModelOptions.softmax} (default `'auto'`): shared by every kind of model. */
export function checkSoftmaxOption(value: unknown): 'auto' | boolean {
  if (value === undefined) return 'auto';
  return typeof value === 'boolean' ? value : checkChoice('softmax', value, ['auto'] as const);
}

/** Checks {@link LoadModelOptions.batchSize} (undefined: the model's own or the default): shared by every kind of model. */
export function checkBatchSizeOption(value: unknown): number | undefined {
  return value === undefined ? undefined : checkNumber('batchSize', value, { integer: true, min: 1, max: 65536 });
}

/**
 * @internal The options of {@link loadModel} once checked: plain data, so they can be posted to a
 * worker.
 */
export interface ResolvedModelOptions {
  providers: ExecutionProvider[];
  threads: { intraOpNumThreads?: number; interOpNumThreads?: number };
  softmax: 'auto' | boolean;
  batchSize: number | undefined;
  labels: { names: string[]; from: string } | undefined;
}

/**
 * Loads an ONNX image classifier and checks that it is one: a single 4-D float32/float16 input with
 * a channel dimension of 3 (`[N, 3, H, W]` → NCHW, `[N, H, W, 3]` → NHWC), and a first output of
 * shape `[N, K]` or `[N, K, 1, 1]`.
 *
 * @param model - path of a `.onnx` file, or its bytes.
 * @param options - see {@link LoadModelOptions} (defaults: CPU, onnxruntime's thread counts,
 *   softmax `'auto'`, batch size {@link DEFAULT_BATCH_SIZE}, inference on the main thread).
 * @returns the model, ready to {@link Model.run}.
 * @throws TypeError / RangeError for bad options; Error naming the path for an unreadable file or
 *   bytes onnxruntime rejects; RangeError when the input is not a 4-D image tensor (or not
 *   float32/float16, or the model has several inputs); Error for an output of another shape;
 *   RangeError naming the file and both counts when `classNames` does not match the class count.
 *   With `inference: 'worker'` the same errors, raised in the worker, reject with the same type
 *   and message.
 * @example
 * const model = await loadModel('mobilenetv2-12-int8.onnx', { classNames: 'imagenet-labels.txt' });
 * const scores = await model.run(tensorData, 1); // 1000 probabilities
 * await model.dispose();
 */
export async function loadModel(model: string | Uint8Array, options?: LoadModelOptions): Promise<Model> {
  return (await loadModelWithBytes(model, options)).model;
}

/**
 * @internal {@link loadModel}, also returning the bytes the session was made from (the file as read
 * once, or `model` itself), so that a rewrite of the model (`compositing: 'graph'`) starts from the
 * very bytes loaded rather than from a second read of a file that may have changed in between.
 */
export async function loadModelWithBytes(
  model: string | Uint8Array,
  options?: LoadModelOptions,
): Promise<{ model: Model; bytes: Uint8Array }> {
  const o = checkOptions('options', options, [
    'executionProviders',
    'intraOpNumThreads',
    'interOpNumThreads',
    'classNames',
    'softmax',
    'batchSize',
    'inference',
  ]) as LoadModelOptions;
  let providers: ExecutionProvider[] = ['cpu'];
  if (o.executionProviders !== undefined) {
    if (!Array.isArray(o.executionProviders)) throw typeError('executionProviders', "an array of 'cpu' / 'cuda'", o.executionProviders);
    if (o.executionProviders.length === 0) throw rangeError('executionProviders', 'at least one provider', o.executionProviders);
    providers = o.executionProviders.map((p, i) => checkChoice(`executionProviders[${i}]`, p, EXECUTION_PROVIDERS));
  }
  const threads: ResolvedModelOptions['threads'] = {};
  if (o.intraOpNumThreads !== undefined)
    threads.intraOpNumThreads = checkNumber('intraOpNumThreads', o.intraOpNumThreads, { integer: true, min: 0, max: 1024 });
  if (o.interOpNumThreads !== undefined)
    threads.interOpNumThreads = checkNumber('interOpNumThreads', o.interOpNumThreads, { integer: true, min: 0, max: 1024 });
  const softmaxOption = checkSoftmaxOption(o.softmax);
  const batchOption = checkBatchSizeOption(o.batchSize);
  const inference: InferenceMode =
    o.inference === undefined ? DEFAULT_INFERENCE : checkChoice('inference', o.inference, ['main', 'worker'] as const);
  const labels = o.classNames === undefined ? undefined : await readClassNames(o.classNames);

  let bytes: Uint8Array;
  let what: string;
  if (typeof model === 'string') {
    what = model;
    try {
      // Read here rather than by onnxruntime, whose file errors do not always name the path.
      bytes = await fs.readFile(model);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `Model file not found: ${model}` : `Cannot read model file ${model}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  } else if (model instanceof Uint8Array) {
    what = `(${model.length} bytes)`;
    bytes = model;
  } else {
    throw typeError('model', 'a file path or the bytes of an ONNX model (Uint8Array)', model);
  }
  if (bytes.length === 0) throw new Error(`Cannot load ONNX model ${what}: it is empty`);

  const resolved: ResolvedModelOptions = { providers, threads, softmax: softmaxOption, batchSize: batchOption, labels };
  if (inference === 'worker') {
    threads.intraOpNumThreads ??= defaultWorkerIntraOpThreads();
    return { model: await startWorkerModel(bytes, what, resolved), bytes };
  }
  return { model: await openModel(bytes, what, resolved), bytes };
}

/** Default of {@link LoadModelOptions.inference}. */
export const DEFAULT_INFERENCE: InferenceMode = 'main';
