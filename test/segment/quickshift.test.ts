// SPDX-License-Identifier: MIT
// Quickshift against scikit-image 0.19.3's own outputs (../shared/reference/quickshift).
import assert from 'node:assert/strict';
import { segment, concurrency, simdLevel } from '../../lib';
import { binding } from '../../lib/native';
import { countDiff, quickshiftReferences, readFloat64, readInt32, requireShared, shared } from '../helpers/shared';

describe('quickshift', function () {
  requireShared(this);
  const refs = quickshiftReferences();
  const originalThreads = concurrency();
  const originalSimd = simdLevel().cap;
  afterEach(() => {
    concurrency(originalThreads);
    simdLevel(originalSimd);
  });

  it('finds all 12 reference cases', () => {
    assert.equal(refs.length, 12);
  });

  describe('tie-break noise equals numpy.random.default_rng(seed).normal(scale=1e-5) bit for bit', () => {
    for (const { base, json } of refs) {
      it(base, () => {
        const expected = readFloat64(shared('reference', 'quickshift', `${base}.tiebreak.f64`));
        const got = new Float64Array(json.height * json.width);
        binding.numpyNormal(json.params.random_seed as number, 1e-5, got);
        assert.equal(got.length, expected.length);
        const a = new Uint8Array(got.buffer),
          b = new Uint8Array(expected.buffer);
        assert.equal(Buffer.compare(a, b), 0, 'noise bytes differ');
      });
    }
  });

  describe('labels equal scikit-image for every reference image (0 differing pixels)', () => {
    for (const { base, json } of refs) {
      it(`${base} (${json.n_segments} segments)`, async () => {
        const p = json.params;
        const seg = await segment(shared('reference', 'quickshift', `${base}.png`), {
          kernelSize: p.kernel_size as number,
          maxDist: p.max_dist as number,
          ratio: p.ratio as number,
          sigma: p.sigma as number,
          convert2lab: p.convert2lab as boolean,
          seed: p.random_seed as number,
        });
        const expected = readInt32(shared('reference', 'quickshift', `${base}.labels.i32`));
        assert.equal(seg.count, json.n_segments);
        assert.equal(countDiff(seg.labels, expected), 0);
        assert.equal(seg.seed, 42);
        assert.equal(seg.method, 'quickshift');
      });
    }
  });

  it('gives the same labels with every SIMD level and with 1 or all threads', async () => {
    const image = shared('reference', 'quickshift', 'astronaut_224.png');
    const expected = readInt32(shared('reference', 'quickshift', 'astronaut_224.labels.i32'));
    const detected = simdLevel().detected;
    const levels = (['scalar', 'avx2', 'avx512'] as const).slice(0, detected === 'avx512' ? 3 : detected === 'avx2' ? 2 : 1);
    for (const level of levels) {
      for (const threads of [1, originalThreads]) {
        simdLevel(level);
        concurrency(threads);
        const seg = await segment(image, { kernelSize: 2 });
        const ref = await (async () => {
          simdLevel('scalar');
          concurrency(1);
          return segment(image, { kernelSize: 2 });
        })();
        assert.equal(countDiff(seg.labels, ref.labels), 0, `${level} with ${threads} threads`);
      }
      simdLevel(level);
      concurrency(originalThreads);
      const lime = await segment(image);
      assert.equal(countDiff(lime.labels, expected), 0, `${level}, LIME parameters`);
    }
  });

  it('is reproducible for a seed and changes with it where the noise decides (flat areas)', async () => {
    // A flat image: every density differs only by the noise, so the noise decides the segments.
    const flat = { data: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32, channels: 3 as const };
    const a = await segment(flat, { seed: 1, kernelSize: 1 });
    const b = await segment(flat, { seed: 1, kernelSize: 1 });
    const c = await segment(flat, { seed: 2, kernelSize: 1 });
    assert.deepEqual(a.labels, b.labels);
    assert.notDeepEqual(a.labels, c.labels);
    assert.equal(c.seed, 2);
  });

  it('cuts links longer than maxDist (maxDist 0 makes every pixel its own segment)', async () => {
    const img = shared('reference', 'quickshift', 'dog_224.png');
    const few = await segment(img, { maxDist: 200, kernelSize: 2 });
    const many = await segment(img, { maxDist: 4, kernelSize: 2 });
    assert.ok(many.count > few.count, `${many.count} > ${few.count}`);
    const tiny = { data: new Uint8Array([0, 0, 0, 255, 255, 255, 10, 10, 10, 200, 0, 0]), width: 2, height: 2, channels: 3 as const };
    const zero = await segment(tiny, { maxDist: 0 });
    assert.equal(zero.count, 4);
  });

  it('handles a 1x1 image and a single-colour image', async () => {
    const one = await segment({ data: new Uint8Array([10, 20, 30]), width: 1, height: 1, channels: 3 });
    assert.equal(one.count, 1);
    assert.deepEqual([...one.labels], [0]);
    const flat = await segment({ data: new Uint8Array(40 * 30 * 3).fill(77), width: 40, height: 30, channels: 3 });
    assert.ok(flat.count >= 1);
    const seen = new Set(flat.labels);
    assert.equal(seen.size, flat.count);
    assert.equal(Math.max(...seen), flat.count - 1);
  });
});
