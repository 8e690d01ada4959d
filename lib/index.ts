// SPDX-License-Identifier: MIT
/** limeshap: fast, seeded LIME and SHAP explanations of image classifiers. Public API. */
export { segment, MAX_SEGMENTS, SEGMENT_METHODS, type Segmentation, type SegmentOptions, type SegmentMethod } from './segment';
export {
  loadImage,
  MAX_INPUT_BYTES,
  MAX_PIXELS,
  type ImageInput,
  type LoadImageOptions,
  type RawImage,
  type RgbImage,
  type ResizeOptions,
} from './image';
export { concurrency, simd, simdLevel } from './config';
export { nativeAddon, type NativeAddonInfo, type AddonSource } from './native';
export { createExplainer, Explainer, type ExplainerOptions, type FunctionExplainerOptions, type Classification } from './explainer';
export type { PredictBatch, PredictFunction, PredictOutput } from './model/function-model';
export { MAX_FUNCTION_CLASSES } from './model/predict-output';
export { COMPOSITING_MODES, type Compositing } from './engine';
export type { HideSpec, LimeOptions, LimeResult, LimeExplanation } from './lime';
export { MAX_SAMPLE_BYTES } from './lime';
export type { Model, LoadModelOptions, ExecutionProvider, ModelProvider } from './model';
export type { PreprocessSpec, PreprocessOptions, ResolvedPreprocess } from './preprocess';
export type { BackgroundSpec } from './background';
export { renderLime, limeToJson, renderShap, shapToJson, renderCurves, type RenderLimeOptions } from './pictures';
export type { CurvesOptions } from './render/curves';
export type { IntegratedGradientsOptions, IntegratedGradientsResult } from './gradient/explain-ig';
export type { GradientMapResult, ChannelAttributions } from './gradient/result';
export type { SmoothGradOptions, SmoothGradResult } from './gradient/explain-smooth';
export type { GradCamOptions, GradCamResult } from './gradient/explain-gradcam';
export type { ShapOptions, ShapResult, ShapExplanation, ShapAlgorithm, MaskerSpec } from './shap';
export { MAX_EVALS } from './shap';
export type { ShapPrecision } from './shap/adaptive';
export type { EvaluateOptions, EvaluationResult, ClassEvaluation } from './metrics/run';
export type { CurveMetric } from './metrics/curves';
export type { MuFidelityMetric } from './metrics/mufidelity';
export type { StabilityMetric } from './metrics/stability';
export type { RandomizationMetric } from './metrics/randomization';
export { METRIC_NAMES, type MetricName } from './metrics/registry';
export type { PartitionTree } from './shap/tree';
export type { BatchOptions, BatchItem, BatchProgress } from './batch';
export { writeReport, REPORT_PICTURE_MAX_SIDE, type ReportOptions } from './report';
export {
  toNpy,
  fromNpy,
  writeNpy,
  readNpy,
  parseNpyHeader,
  MAX_NPY_BYTES,
  type Npy,
  type NpyArray,
  type NpyDtype,
  type NpyHeader,
} from './npy';
export { saveLime, saveShap, saveGradient, limeArrays, shapArrays, gradientArrays, type NpyRef } from './save';
export { renderGradient, gradientToJson, type GradientResult } from './pictures-gradient';
export { inspectModel, type ModelInspection, type PreprocessSuggestion } from './inspect';
