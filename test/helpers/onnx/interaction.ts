// SPDX-License-Identifier: MIT
/**
 * A glass-box image classifier with interactions: a polynomial of feature-group means, whose
 * exact Shapley values come from brute force over the coalitions of its groups.
 *
 * @packageDocumentation
 */
import type { NodeSpec } from './build';
import {
  CHANNELS,
  INPUT_NAME,
  buildImageModel,
  imageDims,
  resolveImageOptions,
  toNchw64,
  type GlassBoxModel,
  type ImageModelOptions,
} from './image';

/** One monomial of {@link interactionModel}: `coefficients[k] · Π_{g ∈ groups} s_g`. */
export interface InteractionTerm {
  /** Group indices multiplied together; `[]` is a constant, repeats are powers. */
  readonly groups: readonly number[];
  /** One coefficient per output class. */
  readonly coefficients: readonly number[];
}

/** Options of {@link interactionModel}. */
export interface InteractionModelOptions extends ImageModelOptions {
  /** Label map, `H × W` row-major, of feature groups `0..M-1`; every group must own at least one pixel. */
  readonly groups: Int32Array;
  /** The polynomial's monomials; all with the same number of coefficients (= classes). */
  readonly terms: readonly InteractionTerm[];
}

/** A polynomial model of the group means. */
export interface InteractionGlassBoxModel extends GlassBoxModel {
  /** `M`, the number of feature groups. */
  readonly groupCount: number;
  readonly terms: readonly InteractionTerm[];
  /** The group means `s[n, g]` (`batch × M`, row-major) of a batch laid out like the model input. */
  groupMeans(input: Float32Array | Uint16Array, batch: number): Float64Array;
}

/**
 * Non-linear model with interactions between feature groups:
 *
 * `scores[n, k] = Σ_t terms[t].coefficients[k] · Π_{g ∈ terms[t].groups} s[n, g]`
 *
 * where `s[n, g] = (1 / (3·|g|)) Σ_{c} Σ_{(y,x): groups[y·W+x] = g} x[n, c, y, x]`
 * is the mean of sample `n` over the pixels of group `g` and all channels.
 * E.g. terms `{groups:[0]}`, `{groups:[0,1]}`, `{groups:[0,1,2]}` give
 * `a·s0 + b·s0·s1 + c·s0·s1·s2`.
 *
 * Since `s_g` depends only on the pixels of group `g`, a game whose players are
 * the groups (each either kept or replaced by a baseline) has exact Shapley
 * values computable by brute force over the `2^M` coalitions with `reference`;
 * for a single monomial over distinct groups `T` the value of each `g ∈ T` is
 * `Σ_{S ⊆ T∖{g}} |S|!(|T|−|S|−1)!/|T|! · coef·Δ_g·Π_{h∈S} s¹_h·Π_{h∈T∖S∖{g}} s⁰_h`,
 * with `s¹`/`s⁰` the group means of the image/baseline and `Δ_g = s¹_g − s⁰_g`
 * (groups outside `T` get 0; Shapley values add up over terms).
 *
 * Graph: ReduceSum over channels → Flatten → MatMul by the `[H·W, M]` matrix
 * of `1/(3|g|)` one-hots (giving `s`) → Pad a column of ones (index `M`, so
 * shorter monomials can be padded to the longest) → Gather the `[T, P]` index
 * table → ReduceProd → MatMul by the `[T, classes]` coefficients. Output `scores`.
 */
export function interactionModel(opts: InteractionModelOptions): InteractionGlassBoxModel {
  const o = resolveImageOptions(opts);
  const plane = o.height * o.width;
  if (opts.groups.length !== plane) throw new RangeError(`groups must hold H·W = ${plane} labels, got ${opts.groups.length}`);
  // A reduce, not Math.max(...groups): spreading 50k labels of a 224×224 map risks the argument limit.
  const groupCount = opts.groups.reduce((max, g) => Math.max(max, g), -1) + 1;
  const sizes = new Array<number>(groupCount).fill(0);
  for (const g of opts.groups) {
    if (g < 0) throw new RangeError(`group labels must be ≥ 0, got ${g}`);
    sizes[g] = (sizes[g] as number) + 1;
  }
  const empty = sizes.indexOf(0);
  if (empty >= 0) throw new RangeError(`group ${empty} owns no pixel, so its mean is undefined`);

  const terms = opts.terms;
  const classes = terms[0]?.coefficients.length ?? 0;
  if (classes === 0) throw new RangeError('terms must be non-empty and have at least one coefficient');
  const arity = Math.max(1, ...terms.map((t) => t.groups.length));
  const indices: number[] = [];
  const coefficients = new Float32Array(terms.length * classes);
  terms.forEach((term, t) => {
    if (term.coefficients.length !== classes)
      throw new RangeError(`term ${t} has ${term.coefficients.length} coefficients, expected ${classes}`);
    for (const g of term.groups) {
      if (!Number.isInteger(g) || g < 0 || g >= groupCount) throw new RangeError(`term ${t}: no group ${g}`);
    }
    // Index M selects the padded column of ones, the neutral factor of a product.
    indices.push(...term.groups, ...new Array<number>(arity - term.groups.length).fill(groupCount));
    coefficients.set(term.coefficients, t * classes);
  });
  const meanMatrix = new Float32Array(plane * groupCount);
  opts.groups.forEach((g, p) => {
    meanMatrix[p * groupCount + g] = 1 / (CHANNELS * (sizes[g] as number));
  });

  const bytes = buildImageModel(o, 'scores', [classes], (x, result) => ({
    nodes: <NodeSpec[]>[
      { op: 'ReduceSum', inputs: [x, 'channel_axis'], outputs: ['channel_sum'], attributes: { keepdims: { int: 0 } } },
      { op: 'Flatten', inputs: ['channel_sum'], outputs: ['pixels'], attributes: { axis: { int: 1 } } },
      { op: 'MatMul', inputs: ['pixels', 'group_means'], outputs: ['s'] },
      { op: 'Pad', inputs: ['s', 'ones_pad', 'one'], outputs: ['s_and_one'], attributes: { mode: { string: 'constant' } } },
      { op: 'Gather', inputs: ['s_and_one', 'term_groups'], outputs: ['factors'], attributes: { axis: { int: 1 } } },
      { op: 'ReduceProd', inputs: ['factors', 'factor_axis'], outputs: ['monomials'], attributes: { keepdims: { int: 0 } } },
      { op: 'MatMul', inputs: ['monomials', 'term_coefficients'], outputs: [result] },
    ],
    initializers: [
      { name: 'channel_axis', type: 'int64', dims: [1], data: [1] },
      { name: 'group_means', type: 'float32', dims: [plane, groupCount], data: meanMatrix },
      // Pad's layout is [begin_0, begin_1, end_0, end_1]: one extra column at the end of axis 1.
      { name: 'ones_pad', type: 'int64', dims: [4], data: [0, 0, 0, 1] },
      { name: 'one', type: 'float32', dims: [], data: Float32Array.of(1) },
      { name: 'term_groups', type: 'int64', dims: [terms.length, arity], data: indices },
      { name: 'factor_axis', type: 'int64', dims: [1], data: [2] },
      { name: 'term_coefficients', type: 'float32', dims: [terms.length, classes], data: coefficients },
    ],
  }));

  const groupMeans = (input: Float32Array | Uint16Array, batch: number): Float64Array => {
    const x = toNchw64(o, input, batch);
    const s = new Float64Array(batch * groupCount);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < CHANNELS; c++) {
        for (let p = 0; p < plane; p++) {
          const g = opts.groups[p] as number;
          s[n * groupCount + g] = (s[n * groupCount + g] as number) + (x[(n * CHANNELS + c) * plane + p] as number);
        }
      }
      for (let g = 0; g < groupCount; g++) s[n * groupCount + g] = (s[n * groupCount + g] as number) / (CHANNELS * (sizes[g] as number));
    }
    return s;
  };

  return {
    bytes,
    inputName: INPUT_NAME,
    outputName: 'scores',
    inputType: o.inputType,
    outputType: o.outputType,
    classes,
    groupCount,
    terms,
    inputShape: (batch) => imageDims(o, batch),
    groupMeans,
    reference: (input, batch) => {
      const s = groupMeans(input, batch);
      const out = new Float64Array(batch * classes);
      for (let n = 0; n < batch; n++) {
        for (const term of terms) {
          const product = term.groups.reduce((acc, g) => acc * (s[n * groupCount + g] as number), 1);
          term.coefficients.forEach((a, k) => {
            out[n * classes + k] = (out[n * classes + k] as number) + a * product;
          });
        }
      }
      return out;
    },
  };
}
