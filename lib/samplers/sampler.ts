// SPDX-License-Identifier: MIT
/** What a LIME sampler declares: one file per sampler, one line in registry.ts. */

export interface SamplerSpec {
  /** The `sampler` option's value. */
  readonly name: string;
  /** One line for usage texts and documentation. */
  readonly summary: string;
  /**
   * Fills rows 1..n-1 of `out` (n rows of M bytes, row-major) with 0/1 masks over the M segments,
   * deterministically from `seed`. Row 0 (the image itself, all on) is written by the caller and
   * must be left alone.
   */
  draw(seed: number, n: number, M: number, out: Uint8Array): void;
}
