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

const NOISE = 1e-5; // scikit-image's tie-break noise scale

async function labelsIn(mode: Mode, img: RawImage, options: Record<string, number>, noiseScale = NOISE): Promise<Int32Array> {
  binding.quickshiftDensityMode(mode, noiseScale);
  try {
    return (await segment(img, options)).labels;
  } finally {
    binding.quickshiftDensityMode('pairs', NOISE);
  }
}

function segmentCount(labels: Int32Array): number {
  return new Set(labels).size;
}

describe('quickshift pair densities: labels identical to the exact densities', () => {
  const threads = concurrency();
  const simd = simdLevel().cap;
  afterEach(() => {
    concurrency(threads);
    simdLevel(simd);
    binding.quickshiftDensityMode('pairs', NOISE);
  });

  it("defaults to 'pairs' and rejects unknown modes", () => {
    assert.equal(binding.quickshiftDensityMode().mode, 'pairs');
    assert.equal(binding.quickshiftDensityMode().noiseScale, NOISE);
    assert.throws(() => binding.quickshiftDensityMode('fast' as Mode), /mode must be 'pairs', 'exact' or 'check-all', got 'fast'/);
    assert.throws(() => binding.quickshiftDensityMode('pairs', -1), RangeError);
    assert.throws(() => binding.quickshiftDensityMode('pairs', '0' as unknown as number), TypeError);
    assert.equal(binding.quickshiftDensityMode().mode, 'pairs');
    assert.equal(binding.quickshiftDensityMode().noiseScale, NOISE);
  });

  describe('exact ties (no tie-break noise): only the certified bound keeps the pair densities from ordering them', () => {
    // Without noise, every pixel whose window the image does not clip has the same exact density, bit
    // for bit (the same terms, summed in the same order: on a flat image, and on a checkerboard, whose
    // two colours see the same pattern of differences), so none is strictly denser than another and
    // each is its own segment. Their pair densities differ by the rounding of the pair sums (an ulp or
    // a few): a bound of 0, or one a hundred times too small, lets those differences make parents.
    // kernelSize 0.3 and 0.5 (windows of 3x3 and 5x5) make the bound only a few ulps of the density.
    const ties: [string, RawImage][] = [
      ['flat', image(64, 48, () => 90)],
      ['checkerboard', image(64, 48, (r, c) => ((r + c) % 2 ? 200 : 201))],
    ];
    for (const [name, img] of ties) {
      it(name, async () => {
        const levels = simdLevel().detected === 'scalar' ? (['scalar'] as const) : (['scalar', simdLevel().detected] as const);
        let redone = 0;
        for (const level of levels) {
          simdLevel(level);
          for (const kernelSize of [0.3, 0.5, 1, 2]) {
            const options = { kernelSize, maxDist: 1000 };
            const kw = Math.ceil(3 * kernelSize);
            const exact = await labelsIn('exact', img, options, 0);
            const interior = (img.height - 2 * kw) * (img.width - 2 * kw);
            assert.ok(segmentCount(exact) >= interior, `${level}, kernelSize ${kernelSize}: the unclipped pixels are not all roots`);
            const before = binding.quickshiftDensityMode().exactDensities;
            const pairs = await labelsIn('pairs', img, options, 0);
            redone += binding.quickshiftDensityMode().exactDensities - before;
            assert.equal(countDiff(pairs, exact), 0, `${level}, kernelSize ${kernelSize}`);
          }
        }
        assert.ok(redone > 0, 'no comparison was a close call: the ties were not exercised');
      });
    }
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
    // kernelSize 8: 2401 terms per density, so the bound (~9e-10) is a visible fraction of the noise
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

  it('runs the exact pass instead when the bound is too wide to pay off (kernelSize 64 on 64x64), and only then', async () => {
    // The bound grows with the window's terms times its flat density (~16000 x 15500 here: ~2e-7, over
    // 1e-7 = noise / 100); at kernelSize 4 it is ~6e-11.
    const img = image(64, 64, (r, c, ch) => 80 + ((r * 3 + c * 5 + ch) % 7));
    const before = binding.quickshiftDensityMode().exactFallbacks;
    await labelsIn('pairs', img, { kernelSize: 4 });
    const mid = binding.quickshiftDensityMode();
    assert.equal(mid.exactFallbacks, before);
    const pairs = await labelsIn('pairs', img, { kernelSize: 64 });
    const after = binding.quickshiftDensityMode();
    assert.equal(after.exactFallbacks, before + 1);
    assert.equal(after.exactDensities, mid.exactDensities, 'the exact pass needs no redo');
    assert.equal(countDiff(pairs, await labelsIn('exact', img, { kernelSize: 64 })), 0);
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
        binding.quickshiftDensityMode('pairs', NOISE);
        assert.equal(redone, json.height * json.width, 'every pixel goes through the exact redo');
        assert.equal(countDiff(seg.labels, readInt32(shared('reference', 'quickshift', `${base}.labels.i32`))), 0);
      });
    }
  });
});
