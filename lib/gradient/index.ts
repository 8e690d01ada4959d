// SPDX-License-Identifier: MIT
/**
 * Gradients of ONNX image classifiers: the backward graph written as ONNX nodes (build.ts, one
 * rule file per group of operators) and run by onnxruntime (runner.ts).
 *
 * @packageDocumentation
 */
export { buildGradientModel, planGradient, type GradientModel, type GradientOptions, type GradientPlan } from './build';
export { GradientRunner, type GradientBatch, type GradientRunnerOptions, type GradientValue, type SessionOpener } from './runner';
export { SUPPORTED_OPERATORS } from './rules';
export { integratedGradients, DEFAULT_IG_STEPS, type IntegratedGradients } from './integrated';
export { expectedGradients, DEFAULT_EXPECTED_GRADIENT_SAMPLES, type ExpectedGradients, type ExpectedGradientsInput } from './expected';
export { smoothGradients, DEFAULT_SMOOTHGRAD_SAMPLES, DEFAULT_SMOOTHGRAD_NOISE, type SmoothGradients } from './smooth';
