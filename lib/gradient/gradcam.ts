// SPDX-License-Identifier: MIT
/**
 * Grad-CAM (Selvaraju et al. 2017): for a class k and a convolutional layer's activation A
 * (C channels of h × w), the channel weights are α_c = mean over the h·w positions of ∂y_k/∂A_c,
 * and the map is ReLU(Σ_c α_c A_c), h × w. The gradient model (./build.ts with a `layer`) gives A
 * and ∂y_k/∂A in one run; this file only does the arithmetic, and the choice of the default layer.
 *
 * @packageDocumentation
 */
import { rangeError } from '../validate';
import type { GradientValue } from './runner';

/** The layer's geometry: channel count and spatial size, whichever axis holds the channels. */
export interface LayerGeometry {
  channels: number;
  height: number;
  width: number;
  /** `'nchw'`: `[N, C, h, w]` (ONNX's convention); `'nhwc'`: `[N, h, w, C]` (a TensorFlow export). */
  layout: 'nchw' | 'nhwc';
}

/** The geometry of a 4-D value read in `layout`, or undefined for another rank. */
export function layerGeometry(dims: readonly number[], layout: 'nchw' | 'nhwc'): LayerGeometry | undefined {
  if (dims.length !== 4) return undefined;
  return layout === 'nchw'
    ? { channels: dims[1], height: dims[2], width: dims[3], layout }
    : { channels: dims[3], height: dims[1], width: dims[2], layout };
}

/**
 * The 4-D values with more than one spatial position, in graph order: the layers Grad-CAM can
 * use. The last of them is the default, which for a CNN is the last feature map before the global
 * pooling (after it, maps are 1 × 1 and a map says nothing about where).
 */
export function camLayers(values: readonly GradientValue[], layout: 'nchw' | 'nhwc'): GradientValue[] {
  return values.filter((v) => {
    const g = layerGeometry(v.dims, layout);
    return g !== undefined && g.height * g.width > 1;
  });
}

/**
 * Resolves the `layer` option: the given name checked against the model's values, or the default.
 *
 * @throws RangeError naming `layer`: an unknown name (with a few valid ones suggested), a value that
 *   is not 4-D; RangeError when the model has no 4-D value with more than one position.
 */
export function chooseLayer(
  layer: string | undefined,
  values: readonly GradientValue[],
  layout: 'nchw' | 'nhwc',
): { value: GradientValue; geometry: LayerGeometry; isDefault: boolean } {
  const usable = camLayers(values, layout);
  // The last few usable layers (the default last) are the likeliest wanted: they are suggested.
  const some = usable
    .slice(-5)
    .map((v) => `"${v.name}"`)
    .join(', ');
  if (layer === undefined) {
    const value = usable.at(-1);
    if (value === undefined)
      throw new RangeError(
        'gradCam needs a convolutional layer: the model has no 4-D activation [N, C, h, w] with h·w > 1 between its input and output',
      );
    return { value, geometry: layerGeometry(value.dims, layout) as LayerGeometry, isDefault: true };
  }
  const value = values.find((v) => v.name === layer);
  if (value === undefined)
    throw rangeError(
      'layer',
      `the name of a node output between the model's input and output (such as ${some || 'none: the model has no 4-D layer'})`,
      layer,
    );
  const geometry = layerGeometry(value.dims, layout);
  if (geometry === undefined)
    throw rangeError(
      'layer',
      `a 4-D activation [N, C, h, w] (such as ${some || 'none: the model has none'}); "${layer}" has shape [${value.dims.join(', ')}]`,
      layer,
    );
  return { value, geometry, isDefault: false };
}

/** Grad-CAM's weights and map of one image. */
export interface CamMap {
  /** α_c, one per channel. */
  weights: Float32Array;
  /** ReLU(Σ_c α_c A_c): `h·w` values, row-major. */
  map: Float32Array;
}

/**
 * Grad-CAM's channel weights and map from a layer's activation and gradient (one image, the
 * layer's layout; see the file's header). Sums in float64.
 */
export function camMap(activation: ArrayLike<number>, gradient: ArrayLike<number>, g: LayerGeometry): CamMap {
  const plane = g.height * g.width;
  const C = g.channels;
  // Index of channel c at position p in either layout.
  const at = g.layout === 'nchw' ? (c: number, p: number) => c * plane + p : (c: number, p: number) => p * C + c;
  const weights = new Float32Array(C);
  const alpha = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let p = 0; p < plane; p++) s += gradient[at(c, p)];
    alpha[c] = s / plane;
    weights[c] = alpha[c];
  }
  const map = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += alpha[c] * activation[at(c, p)];
    map[p] = s > 0 ? s : 0;
  }
  return { weights, map };
}
