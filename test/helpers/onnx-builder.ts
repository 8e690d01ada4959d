// SPDX-License-Identifier: MIT
/**
 * Builds tiny ONNX models in memory, for tests. One import path for the pieces in ./onnx/:
 * - build.ts: the generic {@link buildModel} (a declarative graph spec, encoded by lib/onnx);
 * - image.ts: what the ready-made image models share ({@link GlassBoxModel}, options, casts);
 * - linear.ts: the linear family ({@link linearModel}, {@link float16Model}, {@link softmaxModel},
 *   {@link nanModel}, {@link wrongShapeModel});
 * - interaction.ts: {@link interactionModel}, a polynomial of feature-group means.
 *
 * The ready-made models are "glass-box" image classifiers whose outputs are known in closed
 * form, so tests can compare LIME coefficients and Shapley values with exact answers. Every one
 * returns its serialized bytes together with a float64 `reference` implementation of its
 * documented formula.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_OPSET,
  buildModel,
  type Attribute,
  type Dim,
  type ElementType,
  type FloatType,
  type Initializer,
  type ModelSpec,
  type NodeSpec,
  type ValueInfo,
} from './onnx/build';
export { INPUT_NAME, type GlassBoxModel, type ImageModelOptions } from './onnx/image';
export {
  float16Model,
  linearModel,
  nanModel,
  softmaxModel,
  wrongShapeModel,
  type LinearGlassBoxModel,
  type LinearModelOptions,
  type NanModelOptions,
  type WrongShapeModelOptions,
} from './onnx/linear';
export { interactionModel, type InteractionGlassBoxModel, type InteractionModelOptions, type InteractionTerm } from './onnx/interaction';

// float16 data (Node 20 has no Float16Array; ORT takes fp16 as Uint16Array bit patterns) are
// converted by the library's own functions (lib/preprocess.ts), re-exported for the tests.
export { float32ToFloat16, float16ToFloat32 } from '../../lib/preprocess';
