// SPDX-License-Identifier: MIT
/** The public types of segmentation: the options of `segment()` and its result. */
import type { ResizeOptions } from '../image';
import type { SegmentMethod } from './registry';

/** Options of {@link segment}. Which ones apply depends on `method`; the rest are rejected. */
export interface SegmentOptions {
  /** A registered method (lib/segment/registry.ts): `'quickshift'` (default, what LIME uses), `'slic'`, `'grid'` or `'labels'` (your own label map). */
  method?: SegmentMethod;
  /** Resize the image first (aspect ratio not kept). */
  resize?: ResizeOptions;
  /** Quickshift: width of the Gaussian density kernel; window radius ceil(3·kernelSize). Default 4, range (0, 64]. */
  kernelSize?: number;
  /** Quickshift: links longer than this are cut (more segments when smaller). Default 200, >= 0 (Infinity allowed). */
  maxDist?: number;
  /** Quickshift: weight of colour against position, in [0, 1]. Default 0.2. */
  ratio?: number;
  /** Quickshift and SLIC: Gaussian pre-smoothing width in pixels, >= 0. Default 0 (none). */
  sigma?: number;
  /** Quickshift and SLIC: work in CIE Lab (true) or RGB. Default true. */
  convert2lab?: boolean;
  /** Seed of quickshift's tie-break noise (numpy.random.default_rng(seed)); echoed by every method. Default 42. */
  seed?: number;
  /** SLIC: approximate number of segments, >= 1. Default 100. */
  nSegments?: number;
  /** SLIC: colour/space balance (higher: squarer segments), > 0. Default 10. */
  compactness?: number;
  /** SLIC: iterations of k-means, >= 1. Default 10. */
  maxIter?: number;
  /** SLIC: merge small disconnected pieces so every segment is connected. Default true. */
  enforceConnectivity?: boolean;
  /** Grid: rows of cells, 1..height. Default 8. */
  rows?: number;
  /** Grid: columns of cells, 1..width. Default 8. */
  cols?: number;
  /** Labels: the label map, one integer per pixel (row-major, any integer values). */
  labels?: Int32Array | Uint8Array | Uint16Array | Uint32Array | Int16Array | number[];
}

/** A segmentation: one label per pixel, row-major, numbered 0..count-1. */
export interface Segmentation {
  labels: Int32Array;
  width: number;
  height: number;
  /** Number of segments. */
  count: number;
  method: SegmentMethod;
  /** Every parameter used, defaults included. */
  params: Record<string, number | boolean>;
  /** The seed used (echoed for reproducibility). */
  seed: number;
  /** Wall time of the segmentation itself, in milliseconds (decoding excluded). */
  ms: number;
  /** For method 'labels': mapping[i] is the caller's label that became label i. */
  mapping?: Int32Array;
}
