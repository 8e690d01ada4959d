// SPDX-License-Identifier: MIT
// Quickshift with Gaussian pre-smoothing (sigma > 0) and SLIC against scikit-image 0.19.3's own label
// maps, pixel for pixel. The maps are small and stored in test/data/golden, made by generate.py there
// (64 x 64 crops of two shared photos, cut by slicing so both sides decode the same pixels). They guard
// the Gaussian filter and the RGB->Lab conversion, which quickshift's default (sigma 0) and the
// ../shared references do not exercise.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { concurrency, segment, simdLevel, type SegmentOptions } from '../../lib';

const dir = path.resolve(__dirname, '..', '..', '..', 'test', 'data', 'golden');
interface Case {
  method: 'quickshift' | 'slic';
  params: Record<string, number>;
  segments: Record<string, number>;
}
const spec = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8')) as { skimage: string; cases: Record<string, Case> };

/** scikit-image's parameters in limeshap's names. */
function options(c: Case): SegmentOptions {
  const p = c.params;
  if (c.method === 'quickshift')
    return { method: 'quickshift', kernelSize: p.kernel_size, maxDist: p.max_dist, ratio: p.ratio, sigma: p.sigma, seed: p.random_seed };
  return { method: 'slic', nSegments: p.n_segments, compactness: p.compactness, sigma: p.sigma };
}

describe(`quickshift (sigma > 0) and SLIC equal scikit-image ${spec.skimage} (test/data/golden)`, () => {
  const threads = concurrency();
  const simd = simdLevel().cap;
  afterEach(() => {
    concurrency(threads);
    simdLevel(simd);
  });

  for (const [name, c] of Object.entries(spec.cases)) {
    for (const crop of Object.keys(c.segments)) {
      it(`${crop} ${name} (${c.segments[crop]} segments): 0 differing pixels, scalar and SIMD, 1 and 2 threads`, async () => {
        const raw = fs.readFileSync(path.join(dir, `${crop}.${name}.i32`));
        const expected = new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
        for (const [level, n] of [
          ['scalar', 1],
          [simdLevel().detected, 2],
        ] as const) {
          simdLevel(level);
          concurrency(n);
          const seg = await segment(path.join(dir, `${crop}.png`), options(c));
          assert.equal(seg.count, c.segments[crop], `${level}, ${n} threads`);
          let diff = 0;
          for (let i = 0; i < expected.length; i++) if (seg.labels[i] !== expected[i]) diff++;
          assert.equal(diff, 0, `${level}, ${n} threads`);
        }
      });
    }
  }
});
