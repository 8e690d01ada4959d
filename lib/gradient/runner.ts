// SPDX-License-Identifier: MIT
/**
 * Runs gradients: plans and probes the model once, builds its gradient model (./build.ts), opens
 * it as an onnxruntime session (lib/model/session.ts) and runs batches of images and class weights
 * through it. One {@link GradientRunner} per model and input size: the explainer caches it.
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { decodeModel } from '../onnx/codec';
import type { GraphSession } from '../model/types';
import { buildGradientModel, planGradient, type GradientModel, type GradientOptions } from './build';

/** Opens a session on model bytes (e.g. `Model.openSession`, or `openGraphSession` for bare bytes). */
export type SessionOpener = (bytes: Uint8Array, what: string) => Promise<GraphSession>;

/** Options of {@link GradientRunner.create}. */
export interface GradientRunnerOptions extends GradientOptions {
  /**
   * The image input's shape without the batch axis (e.g. `[3, 224, 224]`). Default: the model's
   * declared shape, which must then be fixed.
   */
  inputShape?: readonly number[];
  /** Images per run. Default 16. */
  batchSize?: number;
  /** The model's batch axis is fixed at `batchSize`: a shorter last run is padded with zeros. Default false. */
  fixedBatch?: boolean;
}

/** Scores and gradients of `count` images. */
export interface GradientBatch {
  /** `count × K` scores (after the optional softmax). */
  scores: Float32Array | Float64Array;
  /** `count × (image size)` gradients of Σ scores ⊙ weights, in the input's layout. */
  gradients: Float32Array | Float64Array;
  /** Milliseconds in onnxruntime's runs. */
  runMs: number;
  /** With a `layer`: `count × (layer size)` values of that layer, in its layout. */
  activations?: Float32Array | Float64Array;
  /** With a `layer`: `count × (layer size)` gradients of Σ scores ⊙ weights with respect to it. */
  layerGradients?: Float32Array | Float64Array;
}

/** A value the gradient model can output with its gradient (see `GradientOptions.layer`). */
export interface GradientValue {
  name: string;
  /** Its shape at batch 1 (from the shape probe). */
  dims: readonly number[];
}

/** The declared input shape without the batch axis, when every dim of it is fixed. */
function declaredShape(bytes: Uint8Array, inputName: string): number[] | undefined {
  const input = decodeModel(bytes).graph?.input?.find((v) => v.name === inputName);
  const dims = input?.type?.tensor_type?.shape?.dim?.slice(1) ?? [];
  if (dims.length === 0 || dims.some((d) => d.dim_value === undefined || d.dim_value <= 0n)) return undefined;
  return dims.map((d) => Number(d.dim_value));
}

/** A built gradient model, opened and ready to run. */
export class GradientRunner {
  private constructor(
    private readonly session: GraphSession,
    /** The built model and its I/O names. */
    readonly model: GradientModel,
    /** Input shape without the batch axis. */
    readonly inputShape: readonly number[],
    readonly inputType: 'float32' | 'float64',
    readonly batchSize: number,
    private readonly fixedBatch: boolean,
    /** Milliseconds spent planning, probing, building and opening. */
    readonly buildMs: number,
    /** The values a `layer` may name, in graph order, with their shapes. */
    readonly values: readonly GradientValue[],
    private readonly layer: string | undefined,
  ) {}

  /**
   * Plans, probes and builds the gradient model of `bytes` and opens it with `open`.
   *
   * @throws RangeError naming an operator without a backward rule and its node, or a quantized
   *   operator (see `planGradient`); RangeError when the input shape is dynamic and not given.
   */
  static async create(bytes: Uint8Array, open: SessionOpener, options: GradientRunnerOptions = {}): Promise<GradientRunner> {
    const t0 = performance.now();
    const plan = planGradient(bytes, options);
    const shape = options.inputShape ?? declaredShape(bytes, plan.inputName);
    if (shape === undefined) throw new RangeError(`gradients: input "${plan.inputName}" has a dynamic size; give inputShape`);
    const probe = await open(plan.probe, 'gradient shape probe');
    const shapes = new Map<string, number[]>([[plan.inputName, [1, ...shape]]]);
    try {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = plan.inputType === 'float64' ? new Float64Array(size) : new Float32Array(size);
      const out = await probe.run({ [plan.inputName]: { type: plan.inputType, data, dims: [1, ...shape] } }, plan.probeOutputs);
      for (const name of plan.probeOutputs) shapes.set(name, out[name].dims);
    } finally {
      await probe.release();
    }
    const model = buildGradientModel(bytes, shapes, options);
    const session = await open(model.bytes, 'gradient model');
    return new GradientRunner(
      session,
      model,
      shape,
      plan.inputType,
      options.batchSize ?? 16,
      options.fixedBatch === true,
      performance.now() - t0,
      plan.values.map((name) => ({ name, dims: shapes.get(name) ?? [] })),
      options.layer,
    );
  }

  /** The `layer`'s shape without the batch axis (empty without a layer). */
  get layerShape(): readonly number[] {
    const layer = this.model.outputs.activation === undefined ? undefined : this.values.find((v) => v.name === this.layerName);
    return layer === undefined ? [] : layer.dims.slice(1);
  }

  /** The `layer` whose value and gradient {@link run} returns, if any. */
  get layerName(): string | undefined {
    return this.layer;
  }

  /** Number of classes. */
  get classes(): number {
    return this.model.classes;
  }

  /**
   * Scores and gradients of `count` images laid out back to back, in runs of `batchSize`.
   *
   * @param images - `count × (image size)` values in the model's layout and type.
   * @param weights - `count × K` class weights: row i is the `w` of image i (one-hot for one class).
   */
  async run(images: Float32Array | Float64Array, count: number, weights: Float32Array | Float64Array): Promise<GradientBatch> {
    const per = this.inputShape.reduce((a, b) => a * b, 1);
    const k = this.model.classes;
    if (images.length !== count * per) throw new RangeError(`images: ${images.length} values for ${count} images of ${per}`);
    if (weights.length !== count * k) throw new RangeError(`weights: ${weights.length} values for ${count} rows of ${k} classes`);
    const Array_ = this.inputType === 'float64' ? Float64Array : Float32Array;
    // onnxruntime takes the element type the model declares.
    const img = images instanceof Array_ ? images : Array_.from(images);
    const w = weights instanceof Array_ ? weights : Array_.from(weights);
    const scores = new Array_(count * k);
    const gradients = new Array_(count * per);
    const { image, weights: wName } = this.model.inputs;
    const { scores: sName, gradient, activation, layerGradient } = this.model.outputs;
    const layerSize = activation === undefined ? 0 : this.layerShape.reduce((a, b) => a * b, 1);
    const activations = activation === undefined ? undefined : new Array_(count * layerSize);
    const layerGradients = activation === undefined ? undefined : new Array_(count * layerSize);
    let runMs = 0;
    for (let start = 0; start < count; start += this.batchSize) {
      const n = Math.min(this.batchSize, count - start);
      // A fixed batch larger than what is left: zeros after the last image, dropped after.
      const runN = this.fixedBatch ? this.batchSize : n;
      const part = (all: Float32Array | Float64Array, width: number) => {
        const view = all.subarray(start * width, (start + n) * width);
        if (runN === n) return view;
        const padded = new Array_(runN * width);
        padded.set(view);
        return padded;
      };
      const t0 = performance.now();
      const out = await this.session.run(
        {
          [image]: { type: this.inputType, data: part(img, per), dims: [runN, ...this.inputShape] },
          [wName]: { type: this.inputType, data: part(w, k), dims: [runN, k] },
        },
        activation === undefined || layerGradient === undefined ? [sName, gradient] : [sName, gradient, activation, layerGradient],
      );
      runMs += performance.now() - t0;
      scores.set((out[sName].data as Float32Array).subarray(0, n * k), start * k);
      gradients.set((out[gradient].data as Float32Array).subarray(0, n * per), start * per);
      if (activation !== undefined && layerGradient !== undefined) {
        activations?.set((out[activation].data as Float32Array).subarray(0, n * layerSize), start * layerSize);
        layerGradients?.set((out[layerGradient].data as Float32Array).subarray(0, n * layerSize), start * layerSize);
      }
    }
    return { scores, gradients, runMs, ...(activations === undefined ? {} : { activations, layerGradients }) };
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}
