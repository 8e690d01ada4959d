// SPDX-License-Identifier: MIT
/**
 * Model input preprocessing: which size, crop, channel order, layout and normalisation a classifier
 * expects, as presets (`'imagenet'`, `'inception'`, `'caffe-bgr'`) or a custom object. This module
 * only describes and applies the transform to one image; the native compositing kernel applies the
 * same normalisation to whole batches of perturbed images. It does not import onnxruntime-node
 * (only `lib/model.ts` does).
 *
 * Normalisation, per tensor channel `c` (after the channel reorder):
 * `value = (pixel[c] · scale − mean[c]) / std[c]`, with `pixel` the 8-bit value 0..255 (for 16-bit
 * and float images, their float value on the same scale: see `RawImage` in image.ts).
 */
import sharp from 'sharp';
import { resizeFloat } from './float-resize';
import { checkPixels, checkRgbImage, floatRgbImage, type RgbImage } from './image';
import { checkChoice, checkNumber, checkOptions, rangeError, typeError } from './validate';

/** The preset names. */
export const PREPROCESS_PRESETS = ['imagenet', 'inception', 'caffe-bgr'] as const;

/** The preset used when none is given. */
export const DEFAULT_PRESET = 'imagenet';
export type PreprocessPreset = (typeof PREPROCESS_PRESETS)[number];

/** How the image is brought to the model's size. */
export const RESIZE_MODES = ['crop', 'stretch', 'pad'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

/** Tensor layouts: `[N, C, H, W]` or `[N, H, W, C]` (C = 3 for RGB models). */
export const LAYOUTS = ['nchw', 'nhwc'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Channel order of the tensor. */
export const CHANNEL_ORDERS = ['rgb', 'bgr'] as const;
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];

/** Element types of a model's image input. */
export type InputDType = 'float32' | 'float16';

/**
 * Per-channel values in the tensor's channel order: 3 for an RGB model, C for a model of C channels
 * (grayscale, multispectral); or one number used for every channel.
 */
export type Triple = number | readonly number[];

/**
 * A custom preprocessing. Every field is optional: a field left out takes the value of `preset`
 * when one is named, else the default listed here.
 */
export interface PreprocessOptions {
  /** Start from this preset and override the fields given. Default: none (the defaults below). */
  preset?: PreprocessPreset;
  /**
   * Model input size: one number (square) or `[height, width]`, integers 1..8192. Default: the
   * model's fixed height and width; required when the model's spatial dims are dynamic.
   */
  size?: number | readonly [number, number];
  /**
   * An image already of this size is used as is. `'crop'` (default): keep the aspect ratio, resize so the image covers
   * `round(h·256/224) × round(w·256/224)` (for a square size: short side to `round(size·256/224)`,
   * i.e. 256 for 224 and 342 for 299), then take the centre `h × w` crop, as torchvision's
   * `Resize(256) + CenterCrop(224)` does. `'stretch'`: resize to `h × w` ignoring the aspect ratio.
   * `'pad'`: fit inside `h × w` keeping the aspect ratio, padding with black.
   */
  resize?: ResizeMode;
  /** Tensor layout. Default: the model's layout (and a RangeError if it disagrees), else `'nchw'`. */
  layout?: Layout;
  /** Tensor channel order. Default `'rgb'`. */
  channels?: ChannelOrder;
  /** Multiplies the 0..255 pixel first. Finite, > 0. Default `1/255`. */
  scale?: number;
  /** Subtracted after scaling, per tensor channel (in `channels` order). Finite. Default 0 for every channel. */
  mean?: Triple;
  /** Divides last, per tensor channel (in `channels` order). Finite, > 0. Default 1 for every channel. */
  std?: Triple;
}

/** A preset name or a custom preprocessing. */
export type PreprocessSpec = PreprocessPreset | PreprocessOptions;

/** What {@link resolvePreprocess} needs to know of the model (a loaded `Model` fits). */
export interface ModelInputInfo {
  /**
   * The model's input layout; undefined when the model takes either (a predict function, fed in
   * the preprocessing's layout).
   */
  layout?: Layout;
  /**
   * Channels of the model input (default 3). A model of another count (1 for grayscale, more for
   * multispectral) takes a custom preprocessing only: no preset, no `preset` base, `channels` 'rgb'
   * (the order is the image's), `mean`/`std` one number or C numbers.
   */
  channels?: number;
  /** Fixed input height, or undefined when dynamic. */
  height?: number;
  /** Fixed input width, or undefined when dynamic. */
  width?: number;
}

/** A complete preprocessing, every default applied. */
export interface ResolvedPreprocess {
  /** `[height, width]` of the model input. */
  size: [number, number];
  resize: ResizeMode;
  layout: Layout;
  channels: ChannelOrder;
  scale: number;
  /** Per tensor channel, in `channels` order (`channelCount` values). */
  mean: number[];
  /** Per tensor channel, in `channels` order (`channelCount` values). */
  std: number[];
  /** Channels of the model input: 3 for RGB, 1 for grayscale, more for multispectral. */
  channelCount: number;
}

/** The largest model side accepted. */
const MAX_SIDE = 8192;

/** Crops keep 224/256 of the resized image, the standard ImageNet evaluation ratio (0.875). */
const CROP_RESIZE = 256 / 224;

interface PresetValues extends Omit<ResolvedPreprocess, 'size' | 'layout' | 'channelCount'> {
  size: number;
  layout: Layout;
}

/**
 * The presets.
 * - `'imagenet'`: torchvision / ONNX Model Zoo: RGB, `x/255`, mean `[0.485, 0.456, 0.406]`, std
 *   `[0.229, 0.224, 0.225]`, 224, short side 256 then centre crop 224.
 * - `'inception'`: Inception v3 / Keras "tf" mode: RGB, `x/127.5 − 1` (scale 1/127.5, mean 1, std 1)
 *   so values lie in [−1, 1], 299, short side 342 (= round(299·256/224)) then centre crop 299.
 * - `'caffe-bgr'`: Caffe2 / Windows ML SqueezeNet: BGR, raw 0..255 (scale 1, no mean/std), 224,
 *   short side 256 then centre crop 224.
 * All three default to NCHW; a model whose input is NHWC gets NHWC (the layout follows the model).
 */
export const PRESETS: Readonly<Record<PreprocessPreset, Readonly<PresetValues>>> = {
  imagenet: {
    size: 224,
    resize: 'crop',
    layout: 'nchw',
    channels: 'rgb',
    scale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  },
  inception: { size: 299, resize: 'crop', layout: 'nchw', channels: 'rgb', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
  'caffe-bgr': { size: 224, resize: 'crop', layout: 'nchw', channels: 'bgr', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
};

const CUSTOM_KEYS = ['preset', 'size', 'resize', 'layout', 'channels', 'scale', 'mean', 'std'] as const;

function checkTriple(name: string, value: unknown, positive: boolean, count: number): number[] {
  const rule = positive ? { min: 0, minExclusive: true } : {};
  if (typeof value === 'number') {
    const v = checkNumber(name, value, rule);
    return new Array<number>(count).fill(v);
  }
  if (!Array.isArray(value)) throw typeError(name, `a number or an array of ${count} numbers`, value);
  if (value.length !== count) throw rangeError(name, `an array of ${count} numbers (one per model input channel)`, value);
  return value.map((v, c) => checkNumber(`${name}[${c}]`, v, rule));
}

/** Checks a size option: one number (square) or `[height, width]`, integers 1..8192. */
export function checkSizeOption(name: string, value: unknown): [number, number] {
  const rule = { integer: true, min: 1, max: MAX_SIDE };
  if (typeof value === 'number') {
    const v = checkNumber(name, value, rule);
    return [v, v];
  }
  if (!Array.isArray(value)) throw typeError(name, 'a number or [height, width]', value);
  if (value.length !== 2) throw rangeError(name, '[height, width]', value);
  return [checkNumber(`${name}[0]`, value[0], rule), checkNumber(`${name}[1]`, value[1], rule)];
}

function sizeText([h, w]: readonly [number, number] | readonly (number | undefined)[]): string {
  return `${h ?? '?'}x${w ?? '?'}`;
}

/**
 * Checks a preprocessing spec against the model input and fills every default.
 *
 * Size: an explicit size (a preset's, or `size` in a custom object) must equal the model's fixed
 * height/width where the model has them; a custom object without `size` takes the model's.
 * Layout: follows the model (a custom `layout` that disagrees is a RangeError); a model without a
 * layout of its own (a predict function) takes the preset's or custom layout, else `'nchw'`.
 *
 * @param spec - a preset name (`'imagenet'`, `'inception'`, `'caffe-bgr'`) or {@link PreprocessOptions}.
 * @param model - the model input (layout and fixed dims); omit to resolve the spec on its own.
 * @returns the complete preprocessing.
 * @throws TypeError for a value of the wrong type; RangeError for an unknown preset or option, an
 *   out-of-range value, a size that differs from the model's fixed size (naming both), or a missing
 *   size for a model with dynamic height/width.
 * @example
 * const p = resolvePreprocess('imagenet', model); // { size: [224, 224], resize: 'crop', ... }
 */
export function resolvePreprocess(spec: PreprocessSpec, model?: ModelInputInfo): ResolvedPreprocess {
  let base: PresetValues | undefined;
  let custom: PreprocessOptions = {};
  const C = model?.channels ?? 3;
  if (C !== 3 && (typeof spec === 'string' || (typeof spec === 'object' && spec !== null && 'preset' in spec)))
    throw rangeError(
      typeof spec === 'string' ? 'preprocess' : 'preprocess.preset',
      `a custom preprocessing { size, scale, mean, std } without a preset: the model's input has ${C} channels and the presets are for 3-channel RGB models`,
      typeof spec === 'string' ? spec : (spec as PreprocessOptions).preset,
    );
  if (typeof spec === 'string') {
    base = PRESETS[checkChoice('preprocess', spec, PREPROCESS_PRESETS)];
  } else if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    custom = checkOptions('preprocess', spec, CUSTOM_KEYS) as PreprocessOptions;
    if (custom.preset !== undefined) base = PRESETS[checkChoice('preprocess.preset', custom.preset, PREPROCESS_PRESETS)];
  } else {
    throw typeError('preprocess', `a preset name (${PREPROCESS_PRESETS.map((p) => `'${p}'`).join(', ')}) or an options object`, spec);
  }

  const modelSize = model === undefined ? undefined : [model.height, model.width];
  let size: [number, number] | undefined;
  let sizeFrom = '';
  if (custom.size !== undefined) {
    size = checkSizeOption('preprocess.size', custom.size);
    sizeFrom = 'preprocess.size';
  } else if (base !== undefined && (typeof spec === 'string' || modelSize?.[0] === undefined || modelSize?.[1] === undefined)) {
    // A preset's size is checked against the model; a custom object based on a preset but
    // without `size` defers to the model's fixed size (that is what "custom" is for).
    size = [base.size, base.size];
    sizeFrom = `preset '${typeof spec === 'string' ? spec : custom.preset}'`;
  }
  if (modelSize !== undefined) {
    const [mh, mw] = modelSize;
    if (size === undefined) {
      if (mh === undefined || mw === undefined)
        throw rangeError('preprocess.size', `a size: the model's input height/width are dynamic (${sizeText(modelSize)})`, custom.size);
      size = [mh, mw];
    } else if ((mh !== undefined && mh !== size[0]) || (mw !== undefined && mw !== size[1])) {
      throw new RangeError(
        `Expected the input size of ${sizeFrom} (${sizeText(size)}) to equal the model's fixed input size (${sizeText(modelSize)})`,
      );
    }
  }
  if (size === undefined) throw rangeError('preprocess.size', 'a size (no preset and no model to take it from)', custom.size);

  let layout: Layout = model?.layout ?? base?.layout ?? 'nchw';
  if (custom.layout !== undefined) {
    const wanted = checkChoice('preprocess.layout', custom.layout, LAYOUTS);
    if (model?.layout !== undefined && wanted !== model.layout)
      throw rangeError('preprocess.layout', `'${model.layout}' (the model's input layout)`, wanted);
    layout = wanted;
  }
  return {
    size,
    resize: custom.resize === undefined ? (base?.resize ?? 'crop') : checkChoice('preprocess.resize', custom.resize, RESIZE_MODES),
    layout,
    channels:
      custom.channels === undefined
        ? (base?.channels ?? 'rgb')
        : C === 3
          ? checkChoice('preprocess.channels', custom.channels, CHANNEL_ORDERS)
          : checkChoice('preprocess.channels', custom.channels, ['rgb'] as const),
    scale:
      custom.scale === undefined ? (base?.scale ?? 1 / 255) : checkNumber('preprocess.scale', custom.scale, { min: 0, minExclusive: true }),
    mean:
      custom.mean === undefined
        ? base
          ? [...base.mean]
          : new Array<number>(C).fill(0)
        : checkTriple('preprocess.mean', custom.mean, false, C),
    std:
      custom.std === undefined ? (base ? [...base.std] : new Array<number>(C).fill(1)) : checkTriple('preprocess.std', custom.std, true, C),
    channelCount: C,
  };
}

function rawRgb(data: Buffer, width: number, height: number): RgbImage {
  return { data: new Uint8Array(data.buffer, data.byteOffset, width * height * 3), width, height };
}

/**
 * Brings an 8-bit RGB image to the model's size, as 8-bit RGB (normalisation comes later, in
 * {@link toTensorData} or the native compositing kernel, so superpixels are computed on the very
 * pixels the model sees).
 *
 * Every mode uses sharp's default Lanczos-3 kernel, and an image already `w × h` is returned as is
 * (a copy) whatever the mode. Both choices reproduce the shared models' reference top-5
 * (shared/models/README.md): the 224×224 photos were fed unresized (squeezenet on fish.png gives
 * tench 0.738 that way, but electric ray after a 256-upscale and crop), and mobilenet on dog.jpg gives
 * malamute 0.674 with Lanczos-3 against the README's 0.677 (bilinear: 0.777).
 *
 * - `'crop'`: aspect-preserving resize so the image covers `round(h·256/224) × round(w·256/224)`
 *   (sharp `fit: 'outside'`; for a square size, the short side goes to `round(size·256/224)`: 256
 *   for 224, 342 for 299), then the centre `h × w` crop at offsets `floor((W' − w)/2)`,
 *   `floor((H' − h)/2)`: torchvision's `Resize(256)` + `CenterCrop(224)`.
 * - `'stretch'`: resize to `h × w` (aspect ratio not kept).
 * - `'pad'`: fit inside `h × w` keeping the aspect ratio, centred, black borders (sharp `fit: 'contain'`).
 *
 * An image with float `values` (16-bit, float) is resized the same way on its floats by
 * float-resize.ts's Lanczos-3 (no rounding; close to, not bit-identical with, sharp's), and keeps
 * `values`.
 *
 * @param rgb - RGB pixels, as {@link loadImage} returns.
 * @param p - a resolved preprocessing ({@link resolvePreprocess}).
 * @returns a new `p.size[1] × p.size[0]` RGB image.
 * @throws TypeError / RangeError for a malformed image.
 */
export async function fitToModel(rgb: RgbImage, p: ResolvedPreprocess): Promise<RgbImage> {
  checkRgbImage('image', rgb);
  const [h, w] = p.size;
  if (rgb.values) return fitFloat(rgb as RgbImage & { values: Float32Array }, p);
  if (rgb.width === w && rgb.height === h) return { data: Uint8Array.from(rgb.data), width: w, height: h };
  const input = () => sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });
  if (p.resize === 'crop') {
    const tw = Math.round(w * CROP_RESIZE),
      th = Math.round(h * CROP_RESIZE);
    // 'outside' scales by the larger ratio, so a thin image becomes huge before the crop: bound it first.
    const s = Math.max(tw / rgb.width, th / rgb.height);
    checkPixels(
      `image resized for preprocess.resize 'crop' (${rgb.width}x${rgb.height} to cover ${tw}x${th})`,
      rgb.width * s,
      rgb.height * s,
    );
    const { data, info } = await input().resize(tw, th, { fit: 'outside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    // The crop in JS: its offsets are then exactly the documented ones, whatever sharp rounds to.
    const left = Math.floor((info.width - w) / 2);
    const top = Math.floor((info.height - h) / 2);
    const out = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      const src = ((top + y) * info.width + left) * 3;
      out.set(data.subarray(src, src + w * 3), y * w * 3);
    }
    return { data: out, width: w, height: h };
  }
  const { data, info } = await input()
    .resize(w, h, p.resize === 'stretch' ? { fit: 'fill' } : { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return rawRgb(data, info.width, info.height);
}

/** {@link fitToModel} on float pixels: the same geometry, resampled by {@link resizeFloat}. */
function fitFloat(rgb: RgbImage & { values: Float32Array }, p: ResolvedPreprocess): RgbImage {
  const [h, w] = p.size;
  const { width: W, height: H, values } = rgb;
  const B = rgb.bands ?? 3;
  if (W === w && H === h) return floatRgbImage(Float32Array.from(values), w, h, B);
  if (p.resize === 'stretch') return floatRgbImage(resizeFloat(values, W, H, B, w, h), w, h, B);
  const out = new Float32Array(w * h * B);
  if (p.resize === 'crop') {
    const tw = Math.round(w * CROP_RESIZE),
      th = Math.round(h * CROP_RESIZE);
    const s = Math.max(tw / W, th / H);
    checkPixels(`image resized for preprocess.resize 'crop' (${W}x${H} to cover ${tw}x${th})`, W * s, H * s);
    // As sharp's fit 'outside': the side that sets the scale lands exactly on its target.
    const rw = Math.max(tw, Math.round(W * s)),
      rh = Math.max(th, Math.round(H * s));
    const big = resizeFloat(values, W, H, B, rw, rh);
    const left = Math.floor((rw - w) / 2);
    const top = Math.floor((rh - h) / 2);
    for (let y = 0; y < h; y++) out.set(big.subarray(((top + y) * rw + left) * B, ((top + y) * rw + left + w) * B), y * w * B);
    return floatRgbImage(out, w, h, B);
  }
  // 'pad': fit inside, centred, black (0) borders.
  const s = Math.min(w / W, h / H);
  const rw = Math.min(w, Math.max(1, Math.round(W * s))),
    rh = Math.min(h, Math.max(1, Math.round(H * s)));
  const small = resizeFloat(values, W, H, B, rw, rh);
  const left = Math.floor((w - rw) / 2);
  const top = Math.floor((h - rh) / 2);
  for (let y = 0; y < rh; y++) out.set(small.subarray(y * rw * B, (y + 1) * rw * B), ((top + y) * w + left) * B);
  return floatRgbImage(out, w, h, B);
}

/**
 * The model input tensor for ONE image, in plain TypeScript: the reference for the native batch
 * compositing kernel, and what float images are composited from (their `values` stand for the 8-bit
 * pixels). Reorders channels, applies `(pixel·scale − mean[c]) / std[c]` in float64, and
 * lays the values out NCHW (`c·H·W + y·W + x`) or NHWC (`(y·W + x)·3 + c`).
 *
 * @param rgb - the model-sized image ({@link fitToModel}).
 * @param p - the resolved preprocessing.
 * @param dtype - `'float32'` (default) → Float32Array; `'float16'` → Uint16Array of IEEE half bit
 *   patterns (round to nearest even), as onnxruntime-node takes float16 data.
 * @returns `C·H·W` values (C = `p.channelCount`, 3 for RGB).
 * @throws RangeError when the image is not `p.size`.
 */
export function toTensorData(rgb: RgbImage, p: ResolvedPreprocess, dtype: InputDType = 'float32'): Float32Array | Uint16Array {
  checkRgbImage('image', rgb);
  checkChoice('dtype', dtype, ['float32', 'float16'] as const);
  const [h, w] = p.size;
  if (rgb.width !== w || rgb.height !== h)
    throw rangeError('image', `a ${w} x ${h} image (the model size; see fitToModel)`, `${rgb.width} x ${rgb.height}`);
  const plane = w * h;
  const C = p.channelCount;
  if ((rgb.bands ?? 3) !== C)
    throw rangeError('image', `an image of ${C} channel(s) (the model's; see prepareImage)`, `${rgb.bands ?? 3} channel(s)`);
  const out = new Float32Array(C * plane);
  // Float pixels (16-bit, float images) where the image has them: the same formula, unrounded input.
  const pixels: ArrayLike<number> = rgb.values ?? rgb.data;
  for (let c = 0; c < C; c++) {
    const src = p.channels === 'rgb' ? c : 2 - c;
    const mean = p.mean[c] as number;
    const std = p.std[c] as number;
    for (let i = 0; i < plane; i++) {
      const v = ((pixels[C * i + src] as number) * p.scale - mean) / std;
      out[p.layout === 'nchw' ? c * plane + i : C * i + c] = v;
    }
  }
  return dtype === 'float16' ? float32ToFloat16(out) : out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Rounds numbers to IEEE half precision (round to nearest, ties to even; overflow → ±Infinity),
 * returned as bit patterns: Node 20 has no Float16Array, and onnxruntime-node takes Uint16Array.
 */
export function float32ToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i] as number;
    const bits = u32[0] as number;
    const sign = (bits >>> 16) & 0x8000;
    const exp = (bits >>> 23) & 0xff;
    const man = bits & 0x7fffff;
    let half: number;
    if (exp === 0xff) {
      half = sign | 0x7c00 | (man !== 0 ? 0x200 : 0);
    } else {
      const e = exp - 112; // rebias 127 → 15
      if (e >= 0x1f) {
        half = sign | 0x7c00;
      } else if (e <= 0) {
        if (e < -10) {
          half = sign;
        } else {
          // Subnormal half: shift the 24-bit significand right by 14 − e, rounding to nearest even.
          const sig = man | 0x800000;
          const shift = 14 - e;
          const q = sig >>> shift;
          const rest = sig & ((1 << shift) - 1);
          const halfway = 1 << (shift - 1);
          half = sign | (rest > halfway || (rest === halfway && (q & 1) === 1) ? q + 1 : q);
        }
      } else {
        const q = (e << 10) | (man >>> 13);
        const rest = man & 0x1fff;
        // A carry into the exponent is the correct rounding (up to Infinity).
        half = sign | (rest > 0x1000 || (rest === 0x1000 && (q & 1) === 1) ? q + 1 : q);
      }
    }
    out[i] = half;
  }
  return out;
}

/** Decodes IEEE half-precision bit patterns to float32 (exact: every half is a float32). */
export function float16ToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i] as number;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const man = h & 0x3ff;
    if (exp === 0) out[i] = sign * man * 2 ** -24;
    else if (exp === 0x1f) out[i] = man !== 0 ? NaN : sign * Infinity;
    else out[i] = sign * (1 + man / 1024) * 2 ** (exp - 15);
  }
  return out;
}
