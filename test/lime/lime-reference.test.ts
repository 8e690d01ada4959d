// SPDX-License-Identifier: MIT
// LIME's fitting stage against lime 0.2.0.1's own numbers (../shared/reference/lime): fed lime's
// sample matrix and probabilities, our distances, weights, intercepts, coefficients, R² and local
// predictions must match to 1e-9.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { binding, limeFitOutput } from '../../lib/native';
import { readFloat64, requireShared, shared } from '../helpers/shared';

const PHOTOS = ['astronaut', 'chelsea', 'coffee', 'dog', 'horses', 'rocket'];

interface LimeJson {
  n_segments: number;
  num_samples: number;
  top_labels: number[];
  per_label: { label: number; intercept: number; coef_by_segment: number[]; score_r2: number; local_pred: number }[];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('LIME fit against lime 0.2.0.1 (same samples, same probabilities)', function () {
  requireShared(this);
  for (const photo of PHOTOS) {
    it(`${photo}_299: distances, weights and all 5 ridge fits to 1e-9`, async () => {
      const dir = (f: string) => shared('reference', 'lime', `${photo}_299.${f}`);
      const json: LimeJson = JSON.parse(fs.readFileSync(dir('json'), 'utf8'));
      const n = json.num_samples,
        m = json.n_segments,
        K = json.top_labels.length;
      const masks = new Uint8Array(fs.readFileSync(dir('data.u8')));
      const targets = readFloat64(dir('labels_top.f64'));
      const out = limeFitOutput(n, K, m);
      await binding.limeFit(
        masks,
        n,
        m,
        targets,
        K,
        { kernelWidth: 0.25, regressor: 'ridge', alpha: 1, featureSelection: 'auto', numFeatures: 100000 },
        out,
      );
      assert.ok(maxAbsDiff(out.distances, readFloat64(dir('distances.f64'))) < 1e-12);
      assert.ok(maxAbsDiff(out.sampleWeights, readFloat64(dir('weights.f64'))) < 1e-12);
      json.per_label.forEach((ref, k) => {
        assert.ok(Math.abs(out.intercept[k] - ref.intercept) < 1e-9, `intercept of ${ref.label}`);
        assert.ok(maxAbsDiff(out.coef.subarray(k * m, (k + 1) * m), ref.coef_by_segment) < 1e-9, `coefficients of ${ref.label}`);
        assert.ok(Math.abs(out.score[k] - ref.score_r2) < 1e-9, `R² of ${ref.label}`);
        assert.ok(Math.abs(out.localPrediction[k] - ref.local_pred) < 1e-9, `local prediction of ${ref.label}`);
      });
    });
  }
});
