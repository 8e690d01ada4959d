// SPDX-License-Identifier: MIT
/**
 * The engine of `compositing: 'graph'`: each image's masks go to the model rewritten by
 * `prependCompositing` (lib/onnx/prepend-compositing.ts), which composites on the execution
 * provider. Per run it sends N × segments mask bytes plus the image, background (8-bit RGB) and
 * label map (1 byte a pixel up to 256 segments, 2 up to 65536) once, instead of the native engine's
 * N × 3·H·W floats: {@link graphRunBytes} against {@link nativeRunBytes}. The image, background and
 * label map go with every run (onnxruntime-node has no I/O binding), so at a small batch size graph
 * mode can send more than native: a float16 model at batch 1 sends 6·H·W bytes natively and at least
 * 7·H·W + 1 in graph mode. {@link checkGraphPays} refuses that case (a RangeError naming
 * `compositing`) rather than let the option cost what it is meant to save.
 *
 * Unlike the native {@link BatchEngine} it does not share a batch between images (the image, its
 * background and labels are per-run inputs of the graph): each request runs in batches of the
 * model's batch size on its own, one request after another in call order. Where this is for — a
 * GPU, where a batch costs little to send and less to run — a batch of one image's samples is full
 * whenever the image needs at least the batch size of samples (LIME: 1000).
 */
import { performance } from 'node:perf_hooks';
import { blockingRun } from './stage-clock';
import { setEngine, type ImageContext, type MaskEngine, type RequestControl, type RequestStats } from './engine';
import type { Model } from './model';
import type { CompositingGraph, GraphBatch } from './model/types';
import type { NativeCompositeParams } from './native';
import { labelByteCount, labelPlanes } from './onnx/prepend-compositing';
import { abortReason, throwIfAborted } from './run-control';
import { rangeError } from './validate';

/** Bytes one graph run sends: the masks, the labels, the image and the background. */
export function graphBatchBytes(b: Pick<GraphBatch, 'masks' | 'labels' | 'image' | 'background'>): number {
  return b.masks.byteLength + b.labels.byteLength + b.image.byteLength + b.background.byteLength;
}

/**
 * Bytes a graph run of `batch` samples sends for an image of `pixels` pixels in `segments`
 * segments: `batch·segments` (masks) + `labelByteCount(segments)·pixels` (label map) + `2·3·pixels`
 * (image and background).
 */
export function graphRunBytes(batch: number, segments: number, pixels: number): number {
  return batch * segments + labelByteCount(segments) * pixels + 2 * 3 * pixels;
}

/** Bytes a native run of `batch` samples sends: `batch·3·pixels` input values of 4 (float32) or 2 (float16) bytes. */
export function nativeRunBytes(batch: number, pixels: number, inputType: 'float32' | 'float16'): number {
  return batch * 3 * pixels * (inputType === 'float16' ? 2 : 4);
}

/**
 * Refuses graph compositing where a full run at the model's batch size would send at least as many
 * bytes as native compositing (the case it exists to improve): called at load with one segment (the
 * least graph mode can send; only a float16 model at batch size 1 fails it, since segments ≤ pixels),
 * and per image with its segment count.
 * @throws RangeError naming `compositing`, with both byte counts.
 */
export function checkGraphPays(model: Pick<Model, 'batchSize' | 'batch' | 'inputType'>, segments: number, pixels: number): void {
  const B = model.batchSize;
  const graph = graphRunBytes(B, segments, pixels);
  const native = nativeRunBytes(B, pixels, model.inputType);
  if (graph >= native) {
    const batch = model.batch === 'dynamic' ? `batchSize ${B}` : `its fixed batch of ${B}`;
    throw new RangeError(
      `Expected 'native' for compositing with this model (${model.inputType} input, ${batch}, ${segments} segment${segments === 1 ? '' : 's'}) but received 'graph': ` +
        `a graph run would send ${graph} bytes (masks, label map, image and background) against native's ${native}` +
        (model.batch === 'dynamic' ? '; a larger batchSize makes graph mode pay' : ''),
    );
  }
}

/** What one image contributes to every run, checked once per image. */
interface Prepared {
  /** The label map as byte planes (see `labelPlanes`). */
  labels: Uint8Array;
  image: Uint8Array;
  background: Uint8Array;
}

export class GraphEngine implements MaskEngine {
  readonly compositing = 'graph';
  private chain: Promise<unknown> = Promise.resolve();
  private readonly prepared = new WeakMap<ImageContext, Prepared>();

  /**
   * @param params - the preprocessing baked into the graph's lookup table; an image evaluated with
   *   other parameters is refused, since the graph would silently preprocess it the wrong way.
   */
  constructor(
    readonly model: Model,
    private readonly graph: CompositingGraph,
    private readonly params: NativeCompositeParams,
  ) {}

  evaluate(ctx: ImageContext, masks: Uint8Array, n: number, stats: RequestStats, control: RequestControl = {}): Promise<Float32Array> {
    if (control.signal?.aborted) return Promise.reject(abortReason(control.signal));
    if (n === 0) return Promise.resolve(new Float32Array(0));
    // One request at a time (session.run runs one batch at a time anyway), in call order.
    const result = this.chain.then(() => this.run(ctx, masks, n, stats, control));
    this.chain = result.catch(() => undefined);
    return result;
  }

  private prepare(ctx: ImageContext): Prepared {
    let p = this.prepared.get(ctx);
    if (p !== undefined) return p;
    // The graph composites 8-bit pixels through a table: float pixels would be rounded.
    if (ctx.planes)
      throw rangeError('compositing', "'native' for a 16-bit or float image (the compositing graph takes 8-bit pixels)", 'graph');
    const { scale, mean, std, layout, channels } = this.params;
    const q = ctx.params;
    if (
      q.scale !== scale ||
      q.layout !== layout ||
      q.channels !== channels ||
      [0, 1, 2].some((c) => q.mean[c] !== mean[c] || q.std[c] !== std[c])
    )
      throw new Error("compositing 'graph': the image's preprocessing differs from the one built into the model's compositing graph");
    const { labels, segments } = ctx;
    checkGraphPays(this.model, segments, labels.length);
    // The native kernel refuses labels outside [0, segments); Gather would wrap negative ones.
    for (let i = 0; i < labels.length; i++)
      if (!(labels[i] >= 0 && labels[i] < segments)) throw new RangeError(`labels[${i}] = ${labels[i]} is outside [0, ${segments})`);
    // Copies (labelPlanes makes one): the graph reads them at every run, after the caller may have moved on.
    p = { labels: labelPlanes(labels, segments), image: Uint8Array.from(ctx.rgb.data), background: Uint8Array.from(ctx.hide.data) };
    this.prepared.set(ctx, p);
    return p;
  }

  private async run(ctx: ImageContext, masks: Uint8Array, n: number, stats: RequestStats, control: RequestControl): Promise<Float32Array> {
    // From here on the engine works for this request alone: all of it is the request's own time.
    const started = performance.now();
    try {
      return await this.runBatches(ctx, masks, n, stats, control);
    } finally {
      stats.engineMs += performance.now() - started;
    }
  }

  private async runBatches(
    ctx: ImageContext,
    masks: Uint8Array,
    n: number,
    stats: RequestStats,
    control: RequestControl,
  ): Promise<Float32Array> {
    const p = this.prepare(ctx);
    const M = ctx.segments;
    if (masks.length !== n * M) throw new RangeError(`masks has ${masks.length} elements, expected ${n} × ${M}`);
    // Cast-to-bool in the graph would take any nonzero byte as "keep": hold masks to 0/1 as the kernel does.
    for (let i = 0; i < masks.length; i++) if (masks[i] > 1) throw new RangeError(`masks[${i}] = ${masks[i]} is not 0 or 1`);
    const B = this.model.batchSize;
    const out: Float32Array[] = [];
    for (let start = 0; start < n; start += B) {
      // Aborted (also while waiting for earlier requests): stop before the next batch.
      throwIfAborted(control.signal);
      const count = Math.min(B, n - start);
      const batch: GraphBatch = {
        masks: masks.slice(start * M, (start + count) * M),
        count,
        segments: M,
        ...p,
        height: ctx.rgb.height,
        width: ctx.rgb.width,
      };
      const t0 = performance.now();
      out.push(await blockingRun(() => this.graph.run(batch)));
      stats.inferMs += performance.now() - t0;
      stats.inputBytes += graphBatchBytes(batch);
      control.onRows?.(count); // a throw rejects this request only: the chain goes on
    }
    if (out.length === 1) return out[0];
    const y = new Float32Array(out.reduce((a, c) => a + c.length, 0));
    let at = 0;
    for (const c of out) {
      y.set(c, at);
      at += c.length;
    }
    return y;
  }
}

/** Makes a {@link GraphEngine} on `graph` the engine of `model` (lib/engine.ts, engineFor). */
export function useGraphCompositing(model: Model, graph: CompositingGraph, params: NativeCompositeParams): void {
  setEngine(model, new GraphEngine(model, graph, params));
}
