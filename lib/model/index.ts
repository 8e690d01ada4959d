// SPDX-License-Identifier: MIT
/**
 * ONNX image classifiers through onnxruntime-node. The folder, by job:
 * - types.ts: the public types ({@link Model}, {@link ModelInfo}, {@link LoadModelOptions}) and constants;
 * - load.ts: {@link loadModel}: options, model bytes, class names;
 * - session.ts: the onnxruntime session and the main-thread model (the only onnxruntime-node importer);
 * - output.ts: checks on output scores, softmax;
 * - info.ts: the one copy of a model's description into fields;
 * - run-args.ts: the checks of `run()`'s arguments, shared by every kind of model;
 * - function-model.ts, predict-output.ts: a predict function as a model, and the checks of what it returns;
 * - worker-proxy.ts, worker-entry.ts, worker-protocol.ts, worker-gate.ts: `inference: 'worker'`.
 */
export { loadModel, defaultWorkerIntraOpThreads } from './load';
export { DEFAULT_BATCH_SIZE, EXECUTION_PROVIDERS } from './types';
export type { ExecutionProvider, InferenceMode, LoadModelOptions, Model, ModelInfo, ModelProvider, ModelStats } from './types';
