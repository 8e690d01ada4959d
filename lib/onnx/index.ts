// SPDX-License-Identifier: MIT
/**
 * ONNX model files as data: decode a `.onnx` file to plain objects, read or replace tensors,
 * encode it back (for rewriting initializers, building derived graphs, test fixtures).
 * Running models is `lib/model`'s job, not this module's.
 *
 * @packageDocumentation
 */
export { decodeModel, encodeModel } from './codec';
export { SCHEMA_IR_VERSION } from './schema';
export { makeTensor, tensorDims, tensorValues, type TensorArray } from './tensor';
export * from './types';
