// SPDX-License-Identifier: MIT
/**
 * Which operators have a gradient: the backward rules by operator, the operators whose output
 * carries no gradient (shape arithmetic, comparisons), and the quantized ones, refused by name.
 *
 * @packageDocumentation
 */
import type { Rule } from './rule';
import { ELEMENTWISE_RULES } from './rules-elementwise';
import { LINEAR_RULES } from './rules-linear';
import { POOL_RULES } from './rules-pool';
import { SHAPE_RULES } from './rules-shape';

/** Backward rules by `op_type` (default ONNX domain). */
export const RULES: Readonly<Record<string, Rule>> = { ...ELEMENTWISE_RULES, ...LINEAR_RULES, ...POOL_RULES, ...SHAPE_RULES };

/** The operators {@link RULES} differentiates, sorted (for messages and the README). */
export const SUPPORTED_OPERATORS: readonly string[] = Object.keys(RULES).sort();

/**
 * Operators whose outputs are piecewise constant or not values at all (shapes, indices, booleans):
 * their gradient is zero, so differentiation stops there.
 */
export const NO_GRADIENT = new Set([
  'Shape',
  'Size',
  'ArgMax',
  'ArgMin',
  'Equal',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'NonZero',
  'ConstantOfShape',
  'Constant',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'IsNaN',
  'IsInf',
]);

/** Operators of quantized models: a gradient through them needs a float model. */
export const QUANTIZED = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'QLinearConv',
  'QLinearMatMul',
  'QLinearAdd',
  'QLinearMul',
  'QLinearGlobalAveragePool',
  'QLinearAveragePool',
  'QLinearConcat',
  'QLinearSigmoid',
  'QLinearLeakyRelu',
  'QLinearSoftmax',
  'ConvInteger',
  'MatMulInteger',
  'MatMulIntegerToFloat',
]);
