// SPDX-License-Identifier: MIT
// Quickshift's pair density pass (native/segment/quickshift.cc): approximate densities, each symmetric
// pair's term computed once, with a certified bound; comparisons closer than the bound are redone with
// scikit-image's exact sums. These tests hold it to the exact pass ('exact' mode, the previous
// algorithm) on inputs built to make comparisons close, and to scikit-image's labels with every
// comparison forced through the exact redo ('check-all').
import assert from 'node:assert/strict';
import { concurrency, segment, simdLevel, type RawImage } from '../../lib';
import { binding } from '../../lib/native';
import { countDiff, quickshiftReferences, readInt32, requireShared, shared } from '../helpers/shared';

type Mode = 'pairs' | 'exact' | 'check-all';

/** A deterministic pseudo-random generator (LCG), so the images are the same every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function image(width: number, height: number, pixel: (r: number, c: number, ch: number) => number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) for (let ch = 0; ch < 3; ch++) data[(r * width + c) * 3 + ch] = pixel(r, c, ch);
  return { data, width, height, channels: 3 as const };
}

/** Images on which densities are near-ties: everything flat, slow ramps, one grey level of noise. */
function adversarial(): [string, RawImage][] {
  const rnd = lcg(11);
  const noise = image(48, 40, () => 128 + Math.floor(rnd() * 2));
  return [
    ['flat', image(48, 40, () => 90)],
    ['horizontal ramp', image(48, 40, (_r, c) => 100 + (c >> 3))],
    ['diagonal ramp', image(48, 40, (r, c, ch) => 60 + ((r + c) >> 2) + ch)],
    ['one-level noise', noise],
    ['two halves', image(48, 40, (_r, c) => (c < 24 ? 40 : 41))],
    ['checkerboard', image(48, 40, (r, c) => ((r + c) % 2 ? 200 : 201))],
  ];
}

async function labelsIn(mode: Mode, img: RawImage, options: Record<string, number>): Promise<Int32Array> {
  binding.quickshiftDensityMode(mode);
  try {
    return (await segment(img, options)).labels;
  } finally {
    binding.quickshiftDensityMode('pairs');
  }
}

describe('quickshift pair densities: labels identical to the exact densities', () => {
  const threads = concurrency();
  const simd = simdLevel().cap;
  afterEach(() => {
    concurrency(threads);
    simdLevel(simd);
    binding.quickshiftDensityMode('pairs');
  });

  it("defaults to 'pairs' and rejects unknown modes", () => {
    assert.equal(binding.quickshiftDensityMode().mode, 'pairs');
    assert.throws(() => binding.quickshiftDensityMode('fast' as Mode), /mode must be 'pairs', 'exact' or 'check-all', got 'fast'/);
    assert.equal(binding.quickshiftDensityMode().mode, 'pairs');
  });

  describe('near-tie images, kernelSize 1, 2, 4 and 12, seeds 0 and 7, scalar and SIMD', () => {
    for (const [name, img] of adversarial()) {
      it(name, async () => {
        const levels = simdLevel().detected === 'scalar' ? (['scalar'] as const) : (['scalar', simdLevel().detected] as const);
        for (const level of levels) {
          simdLevel(level);
          for (const kernelSize of [1, 2, 4, 12]) {
            for (const seed of [0, 7]) {
              const options = { kernelSize, seed, maxDist: 1000 };
              const exact = await labelsIn('exact', img, options);
              const pairs = await labelsIn('pairs', img, options);
              assert.equal(countDiff(pairs, exact), 0, `${level}, kernelSize ${kernelSize}, seed ${seed}`);
            }
          }
        }
      });
    }
  });

  it('redoes close calls exactly (a large flat image with a wide kernel makes some) and stays identical', async () => {
    // kernelSize 8: 2401 terms per density, so the bound (~5e-9) is a visible fraction of the noise
    // (1e-5); the pixels whose whole window is inside the flat image differ only by the noise, so
    // some of their comparisons are too close to call from the pair densities.
    const flat = image(112, 112, () => 77);
    const before = binding.quickshiftDensityMode().exactDensities;
    const pairs = await labelsIn('pairs', flat, { kernelSize: 8, seed: 3 });
    const redone = binding.quickshiftDensityMode().exactDensities - before;
    assert.ok(redone > 0, 'no exact density was computed: the redo path was not exercised');
    assert.ok(redone < 112 * 112, `${redone}: every pixel needed its exact density`);
    assert.equal(countDiff(pairs, await labelsIn('exact', flat, { kernelSize: 8, seed: 3 })), 0);
  });

  it('keeps every pair density within its certified bound (measured in check-all mode)', async () => {
    for (const [, img] of adversarial()) await labelsIn('check-all', img, { kernelSize: 4 });
    await labelsIn(
      'check-all',
      image(40, 40, () => 77),
      { kernelSize: 12 },
    );
    const { worstDensityError } = binding.quickshiftDensityMode();
    assert.ok(worstDensityError > 0, 'no error measured');
    // The bound is rigorous but loose (the worst case of rounding); real errors are far below it.
    assert.ok(worstDensityError < 0.1, `worst error ${worstDensityError} of the bound`);
  });

  describe('scikit-image labels with every comparison through the exact redo (check-all)', function () {
    requireShared(this);
    for (const { base, json } of quickshiftReferences().filter((r) => r.base.endsWith('_224'))) {
      it(base, async () => {
        const img = shared('reference', 'quickshift', `${base}.png`);
        binding.quickshiftDensityMode('check-all');
        const before = binding.quickshiftDensityMode().exactDensities;
        const seg = await segment(img, { seed: json.params.random_seed as number });
        const redone = binding.quickshiftDensityMode().exactDensities - before;
        binding.quickshiftDensityMode('pairs');
        assert.equal(redone, json.height * json.width, 'every pixel goes through the exact redo');
        assert.equal(countDiff(seg.labels, readInt32(shared('reference', 'quickshift', `${base}.labels.i32`))), 0);
      });
    }
  });
});
