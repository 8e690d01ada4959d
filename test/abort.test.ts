// SPDX-License-Identifier: MIT
// explainer.lime() / explainer.shap() with `signal` and `onProgress`: aborting mid-run stops the model
// calls, leaves the explainer working (same results as a fresh one) and other images' work untouched;
// progress is monotone and ends at the evaluations reported; bad option types are named.
import assert from 'node:assert/strict';
import { createExplainer, segment, type Explainer } from '../lib';
import type { ExplainProgress } from '../lib/run-control';
import { linearModel } from './helpers/onnx-builder';
import { identityPreprocess } from './helpers/fixtures';

const H = 16,
  W = 16;
function testImage(shift = 0): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(H * W * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + shift + ((i * i) % 101)) % 256;
  return { data, width: W, height: H, channels: 3 };
}

async function makeExplainer(compositing: 'native' | 'graph' = 'native'): Promise<Explainer> {
  const model = linearModel({ height: H, width: W, classes: 3, seed: 7 });
  // Batches of 16 samples: a run of hundreds of samples spans many engine batches.
  return createExplainer(model.bytes, { preprocess: identityPreprocess(H, W), softmax: false, batchSize: 16, compositing });
}

const methods = [
  { name: 'lime', options: { numSamples: 400, seed: 3, hide: 'black' as const } },
  { name: 'shap', options: { algorithm: 'permutation' as const, maxEvals: 400, seed: 3, features: 'superpixels' as const } },
] as const;

function run(explainer: Explainer, method: 'lime' | 'shap', image: ReturnType<typeof testImage>, options: Record<string, unknown>) {
  return method === 'lime' ? explainer.lime(image, options) : explainer.shap(image, options);
}

describe('lime()/shap() signal and onProgress', function () {
  this.timeout(120000);
  let seg: Awaited<ReturnType<typeof segment>>;
  before(async () => {
    seg = await segment(testImage(), { method: 'grid', rows: 4, cols: 4 });
  });

  for (const { name, options } of methods) {
    describe(name, () => {
      for (const compositing of ['native', 'graph'] as const)
        it(`aborting mid-run rejects with the reason after fewer model runs, and the explainer still gives the fresh result (${compositing})`, async () => {
          const explainer = await makeExplainer(compositing);
          const fresh = await makeExplainer(compositing);
          const image = testImage();
          const full = await run(fresh, name, image, { ...options, segmentation: seg });
          const fullRuns = fresh.model.stats().runs;
          assert.ok(fullRuns >= 10, `a full run spans many batches (${fullRuns})`);

          const reason = new Error('stop now');
          const controller = new AbortController();
          let reports = 0;
          await assert.rejects(
            run(explainer, name, image, {
              ...options,
              segmentation: seg,
              signal: controller.signal,
              onProgress: () => {
                if (++reports === 2) controller.abort(reason);
              },
            }),
            (err) => err === reason,
          );
          const abortedRuns = explainer.model.stats().runs;
          assert.ok(abortedRuns < fullRuns / 2, `aborted after ${abortedRuns} runs of ${fullRuns}`);

          const again = await run(explainer, name, image, { ...options, segmentation: seg });
          assert.deepEqual(
            again.explanations.map((e) => [...('weights' in e ? e.weights : e.values)]),
            full.explanations.map((e) => [...('weights' in e ? e.weights : e.values)]),
          );
          assert.equal(again.evaluations, full.evaluations);
          await explainer.dispose();
          await fresh.dispose();
        });

      it("aborting one image's run leaves another image's queued work and result unaffected", async () => {
        const explainer = await makeExplainer();
        const fresh = await makeExplainer();
        const other = testImage(50);
        const expected = await run(fresh, name, other, { ...options, segmentation: seg });
        const controller = new AbortController();
        const aborted = run(explainer, name, testImage(), {
          ...options,
          segmentation: seg,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        });
        const kept = run(explainer, name, other, { ...options, segmentation: seg });
        await assert.rejects(aborted, (err: Error) => err.name === 'AbortError');
        const result = await kept;
        assert.deepEqual(
          result.explanations.map((e) => [...('weights' in e ? e.weights : e.values)]),
          expected.explanations.map((e) => [...('weights' in e ? e.weights : e.values)]),
        );
        await explainer.dispose();
        await fresh.dispose();
      });

      it('an already-aborted signal rejects before any model call', async () => {
        const explainer = await makeExplainer();
        const reason = new Error('already');
        await assert.rejects(
          run(explainer, name, testImage(), { ...options, segmentation: seg, signal: AbortSignal.abort(reason) }),
          (err) => err === reason,
        );
        assert.equal(explainer.model.stats().runs, 0);
        await explainer.dispose();
      });

      it('progress is monotone, within the plan, and ends at the evaluations reported', async () => {
        const explainer = await makeExplainer();
        const seen: ExplainProgress[] = [];
        const result = await run(explainer, name, testImage(), {
          ...options,
          segmentation: seg,
          onProgress: (p: ExplainProgress) => seen.push(p),
        });
        assert.ok(seen.length >= 10, `${seen.length} reports`);
        for (let i = 1; i < seen.length; i++) {
          assert.ok(seen[i].evaluations > seen[i - 1].evaluations, 'strictly increasing');
          assert.ok(seen[i].elapsedMs >= seen[i - 1].elapsedMs);
        }
        for (const p of seen) assert.ok(p.evaluations <= p.planned, `${p.evaluations} <= ${p.planned}`);
        assert.equal(seen[seen.length - 1].evaluations, result.evaluations);
        assert.equal(seen[0].planned, 400);
        await explainer.dispose();
      });

      it('a throwing onProgress rejects the call with its error; the explainer goes on', async () => {
        const explainer = await makeExplainer();
        const boom = new Error('progress failed');
        await assert.rejects(
          run(explainer, name, testImage(), {
            ...options,
            segmentation: seg,
            onProgress: () => {
              throw boom;
            },
          }),
          (err) => err === boom,
        );
        const fresh = await makeExplainer();
        const a = await run(explainer, name, testImage(), { ...options, segmentation: seg });
        const b = await run(fresh, name, testImage(), { ...options, segmentation: seg });
        assert.equal(a.evaluations, b.evaluations);
        assert.deepEqual(a.explanations[0].index, b.explanations[0].index);
        await explainer.dispose();
        await fresh.dispose();
      });

      it('bad option types are named', async () => {
        const explainer = await makeExplainer();
        await assert.rejects(run(explainer, name, testImage(), { signal: { aborted: false } }), (err: Error) => {
          return err instanceof TypeError && /\bsignal\b/.test(err.message);
        });
        await assert.rejects(run(explainer, name, testImage(), { onProgress: 'yes' }), (err: Error) => {
          return err instanceof TypeError && /\bonProgress\b/.test(err.message);
        });
        assert.equal(explainer.model.stats().runs, 0);
        await explainer.dispose();
      });
    });
  }

  it("signal and onProgress are not result settings: evaluate()'s explainOptions refuses them", async () => {
    const explainer = await makeExplainer();
    const image = testImage();
    const lime = await explainer.lime(image, { numSamples: 50, segmentation: seg, onProgress: () => undefined });
    await assert.rejects(
      explainer.evaluate(image, lime, { metrics: ['stability'], explainOptions: { signal: new AbortController().signal } as never }),
      (err: Error) => err instanceof RangeError && /explainOptions\.signal/.test(err.message),
    );
    await explainer.dispose();
  });
});
