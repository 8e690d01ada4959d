// SPDX-License-Identifier: MIT
// The registries of segmentation methods and SHAP algorithms are what validation, defaults, the
// CLI's flags and usage read: every entry must be usable through all of them, so a new entry that
// forgets something fails here rather than in a user's hands.
import assert from 'node:assert/strict';
import { createExplainer, segment, type Explainer } from '../lib';
import { EXPLAIN_USAGE } from '../lib/cli/explain-command';
import { SEGMENT_USAGE } from '../lib/cli/segment-command';
import { SEGMENT_REGISTRY, type SegmentMethodSpec, type SegmentOptions } from '../lib/segment';
import { SHAP_REGISTRY } from '../lib/shap/registry';
import { linearModel } from './helpers/onnx-builder';

const H = 16,
  W = 16;
const image = { data: new Uint8Array(H * W * 3).map((_, i) => (i * 2654435761) >>> 24), width: W, height: H, channels: 3 as const };
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('registries', () => {
  describe('segmentation methods (lib/segment/registry.ts)', () => {
    for (const method of SEGMENT_REGISTRY as readonly SegmentMethodSpec[]) {
      it(`${method.name}: segments with its defaults, labels 0..count-1, echoing its parameters`, async () => {
        const options = {
          method: method.name,
          ...(method.name === 'labels' ? { labels: Array.from({ length: H * W }, (_, i) => (i % 5) * 10) } : {}),
        } as SegmentOptions;
        const seg = await segment(image, options);
        assert.equal(seg.method, method.name);
        assert.ok(seg.count >= 1);
        let max = 0;
        for (const l of seg.labels) max = Math.max(max, l);
        assert.equal(max, seg.count - 1);
        for (const p of method.params) assert.equal(seg.params[p.name], p.default, p.name);
      });

      it(`${method.name}: each parameter's bad value is a RangeError or TypeError naming it`, async () => {
        for (const p of method.params) {
          const bad = p.rule === 'boolean' ? 'yes' : -1;
          await assert.rejects(segment(image, { method: method.name, [p.name]: bad } as SegmentOptions), {
            message: new RegExp(`for ${p.name} but`),
          });
        }
      });

      if (method.sweep) {
        it(`${method.name}: the segment command offers it and a flag for each swept parameter`, () => {
          assert.match(SEGMENT_USAGE, new RegExp(`--method LIST.*${method.name}`));
          for (const p of method.params.filter((q) => q.sweep)) assert.match(SEGMENT_USAGE, new RegExp(`--${kebab(p.name)} LIST`));
        });
      }
    }
  });

  describe('SHAP algorithms (lib/shap/registry.ts)', () => {
    let explainer: Explainer;
    before(async () => {
      explainer = await createExplainer(linearModel({ height: H, width: W, classes: 3 }).bytes, {
        preprocess: { size: [H, W], resize: 'stretch', layout: 'nchw', channels: 'rgb', scale: 1 / 255, mean: 0, std: 1 },
      });
    });
    after(() => explainer.dispose());

    for (const algorithm of SHAP_REGISTRY) {
      it(`${algorithm.name}: runs with its defaults over 2x2 superpixels, efficient (Σ values = f(x) − base)`, async () => {
        const r = await explainer.shap(image, {
          algorithm: algorithm.name,
          features: 'superpixels',
          segmentation: { method: 'grid', rows: 2, cols: 2 },
          topLabels: 1,
        });
        assert.equal(r.algorithm, algorithm.name);
        const e = r.explanations[0];
        const sum = (e.segmentValues as Float64Array).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - (e.probability - e.baseValue)) < 1e-5, `${sum} vs ${e.probability - e.baseValue}`);
        assert.ok(r.evaluations <= r.maxEvals);
      });

      it(`${algorithm.name}: the explain command lists it with its default budget`, () => {
        assert.match(EXPLAIN_USAGE, new RegExp(`--algorithm A .*${algorithm.name}`));
        assert.ok(EXPLAIN_USAGE.includes(`${algorithm.name} ${algorithm.defaultMaxEvalsText}`));
      });

      for (const option of algorithm.options) {
        it(`${algorithm.name}: its own option '${option}' is refused by the other algorithms`, async () => {
          const other = SHAP_REGISTRY.find((a) => !(a.options as readonly string[]).includes(option));
          if (!other) return;
          await assert.rejects(explainer.shap(image, { algorithm: other.name, [option]: 1 } as never), {
            name: 'RangeError',
            message: new RegExp(`for ${option} but`),
          });
        });
      }
    }
  });
});
