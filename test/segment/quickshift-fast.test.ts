// SPDX-License-Identifier: MIT
// The exp of quickshift's AVX-512 pair density pass (native/simd/exp_fast_avx512.h) against std::exp:
// its error bound kQsExpRelError (native/segment/quickshift_kernels.h) enters the certified tolerance of
// the pair densities, so an exp that breaks it would break the labels' equality with scikit-image.
import assert from 'node:assert/strict';
import { binding } from '../../lib/native';

const REL_ERROR = 4e-15; // kQsExpRelError
const MIN_NORMAL = 2 ** -1022;

/** Arguments over the whole range the pair pass can meet (x = inv * d2 <= 0), and its edges. */
function argumentsToTry(): Float64Array {
  const xs: number[] = [0, -0, -5e-324, -1e-300, -1e-17, -1e-9, -708.39, -708.4, -745.13, -745.2, -1100, -1101, -1e4, -1e300];
  for (let i = 0; i <= 200000; i++) xs.push(-1100 * (i / 200000)); // the whole range, evenly
  for (let i = 1; i <= 100000; i++) xs.push(-i / 100000); // near 0, where most kernel terms are
  for (let e = -300; e <= 3; e += 0.01) xs.push(-(10 ** e)); // every magnitude
  // The edges of the reduction: multiples of ln2/16 (table entries) and the midpoints between them.
  for (let k = 0; k <= 25400; k++) {
    const x = -k * (Math.LN2 / 16);
    xs.push(x, x - Math.LN2 / 32, x * (1 + 2 ** -52), x * (1 - 2 ** -52));
  }
  return Float64Array.from(xs.filter((x) => x <= 0));
}

describe('quickshift pair density exp (ExpFastAvx512) against std::exp', () => {
  it(`stays within ${REL_ERROR} (relative) of std::exp for x in [-1e300, 0]`, function () {
    const x = argumentsToTry();
    const fast = new Float64Array(x.length);
    const libm = new Float64Array(x.length);
    if (!binding.quickshiftPairExp(x, fast, libm)) this.skip(); // no AVX-512 on this CPU
    let worst = 0;
    let worstAt = 0;
    for (let i = 0; i < x.length; i++) {
      if (libm[i] >= MIN_NORMAL) {
        const rel = Math.abs(fast[i] - libm[i]) / libm[i];
        if (rel > worst) [worst, worstAt] = [rel, x[i]];
      } else {
        // Below 2^-1022 only the absolute error is bounded (exp_fast_avx512.h).
        assert.ok(fast[i] >= 0 && Math.abs(fast[i] - libm[i]) <= 2.3e-308, `x = ${x[i]}: ${fast[i]} vs ${libm[i]}`);
      }
    }
    assert.ok(worst <= REL_ERROR, `relative error ${worst} at x = ${worstAt}`);
    // It is not libm's algorithm (else this measures nothing), and it is far better than the bound allows.
    assert.ok(worst > 0, 'identical to std::exp everywhere');
    assert.equal(fast[0], 1);
  });

  it('rejects arguments above 0 and NaN with a RangeError, and mismatched arrays', () => {
    const out = () => new Float64Array(1);
    assert.throws(() => binding.quickshiftPairExp(Float64Array.of(0.5), out(), out()), {
      name: 'RangeError',
      message: /x must hold values <= 0, got 0.5/,
    });
    assert.throws(() => binding.quickshiftPairExp(Float64Array.of(NaN), out(), out()), { name: 'RangeError', message: /got NaN/ });
    assert.throws(() => binding.quickshiftPairExp(Float64Array.of(-1), new Float64Array(2), out()), RangeError);
    assert.throws(() => binding.quickshiftPairExp(Float64Array.of(-1), new Float32Array(1) as unknown as Float64Array, out()), TypeError);
  });
});
