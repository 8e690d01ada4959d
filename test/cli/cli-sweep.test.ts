// SPDX-License-Identifier: MIT
// `limeshap segment --model M [--evaluate …]`: the sweep segments the very model-sized image that
// `explain` explains (segment counts equal to explain's own, and unlike `--size`'s stretching on a
// non-square image); its quality numbers equal explainer.lime + explainer.evaluate computed here;
// the ranking follows the documented score; the files and pictures exist; usage errors name the
// flag; a corrupt image fails alone. Spawns the CLI on a tiny model built by code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { BETTER, rankCombinations, scaledRanks, SCORE_TEXT, type QualityRow } from '../../lib/cli/sweep-quality';
import { createExplainer } from '../../lib/explainer';
import type { MetricName } from '../../lib/metrics/registry';
import { BEST_COLOR, qualityTimeChart } from '../../lib/render/sweep-charts';
import { CLI, explain, writePng, writeTinyModel } from '../helpers/cli-fixture';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const readJson = (file: string): Json => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
const segment = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [CLI, 'segment', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

/** A 192×64 picture of 8 coloured vertical stripes (a little texture): the imagenet crop keeps the middle ones, a stretch all 8. */
async function writeStripes(file: string): Promise<string> {
  const w = 192,
    h = 64,
    data = Buffer.alloc(w * h * 3);
  const colors = [
    [200, 30, 30],
    [30, 200, 30],
    [30, 30, 200],
    [200, 200, 30],
    [30, 200, 200],
    [200, 30, 200],
    [120, 120, 120],
    [240, 160, 60],
  ];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < 3; k++) data[(y * w + x) * 3 + k] = Math.min(255, colors[Math.floor((x * 8) / w)][k] + ((x + 2 * y) % 7));
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(file);
  return file;
}

/**
 * The score as SCORE_TEXT words it, computed here by counting: a combination's rank in a metric is
 * the number of combinations strictly better plus half the others tied with it; scaled to 0..1.
 */
function expectedScores(qualities: Record<string, number>[], metrics: { name: string; lower: boolean }[]): number[] {
  const n = qualities.length;
  return qualities.map((q) => {
    let sum = 0;
    for (const { name, lower } of metrics) {
      const v = q[name];
      const better = qualities.filter((o) => (lower ? o[name] < v : o[name] > v)).length;
      const tied = qualities.filter((o) => o[name] === v).length - 1;
      sum += n === 1 ? 1 : 1 - (better + tied / 2) / (n - 1);
    }
    return sum / metrics.length;
  });
}

describe('limeshap segment --model / --evaluate (the quality sweep)', function () {
  this.timeout(240_000);
  let dir: string;
  let model: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-cli-sweep-'));
    model = writeTinyModel(path.join(dir, 'model.onnx'));
    await writeStripes(path.join(dir, 'stripes.png'));
    await writePng(path.join(dir, 'cat.png'), 3, 48, 40);
    await writePng(path.join(dir, 'dog.png'), 5, 40, 56);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("--model segments explain's model-sized image: the same segment count as explain's own segmentation, not --size's stretch", async () => {
    const r = segment(dir, 'stripes.png', '--model', model, '--kernel-size', '4', '--out', 'seg-model');
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const [row] = readJson(path.join(dir, 'seg-model', 'segments.json')) as Json[];
    const overlay = await sharp(path.join(dir, 'seg-model', row.overlay)).metadata();
    assert.deepEqual([overlay.width, overlay.height], [224, 224], "the imagenet preset's 224 x 224");

    const e = explain(dir, model, ['--segment-param', 'kernelSize=4', '--out', 'explained', 'stripes.png']);
    assert.equal(e.status, 0, e.stderr + e.stdout);
    const explained = readJson(path.join(dir, 'explained', 'stripes.lime.json')).segmentation;
    assert.equal(explained.params.kernelSize, 4);
    assert.equal(row.count, explained.count, "the sweep's count is explain's");

    const s = segment(dir, 'stripes.png', '--size', '224', '--kernel-size', '4', '--out', 'seg-size');
    assert.equal(s.status, 0, s.stderr);
    const [stretched] = readJson(path.join(dir, 'seg-size', 'segments.json')) as Json[];
    assert.notEqual(stretched.count, explained.count, '--size stretches the 3:1 picture, explain crops it: they differ here');
  });

  it('--evaluate: quality equal to explainer.lime + evaluate, the ranking by the documented score, CSV/JSON/PNG', async () => {
    const metrics: MetricName[] = ['deletion', 'insertion', 'mufidelity', 'stability'];
    const r = segment(
      dir,
      'cat.png',
      'dog.png',
      '--model',
      model,
      '--method',
      'grid',
      '--rows',
      '1,2,4',
      '--cols',
      '2',
      '--evaluate',
      'stability,deletion,insertion,mufidelity',
      '--samples',
      '24',
      '--seed',
      '7',
      '--out',
      'sweep',
    );
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const out = path.join(dir, 'sweep');
    const rows = readJson(path.join(out, 'segments.json')) as Json[];
    assert.equal(rows.length, 6, '2 images x 3 combinations');

    // The same explanation and evaluation, made here through the library with the same segmentation and seed.
    const explainer = await createExplainer(model);
    try {
      for (const row of rows) {
        const segmentation = { method: 'grid' as const, rows: row.swept.rows, cols: row.swept.cols };
        const image = path.join(dir, row.image);
        const lime = await explainer.lime(image, { segmentation, numSamples: 24, seed: 7, topLabels: 1 });
        const ev = await explainer.evaluate(image, lime, { metrics, seed: 7, explainOptions: { numSamples: 24 } });
        const c = ev.classes[0];
        assert.equal(row.count, lime.segmentation.count);
        assert.deepEqual(row.classes, [lime.explanations[0].index]);
        assert.equal(row.quality.deletion, c.deletion?.auc, `${row.combination} deletion`);
        assert.equal(row.quality.insertion, c.insertion?.auc, `${row.combination} insertion`);
        assert.equal(row.quality.mufidelity, c.mufidelity?.correlation, `${row.combination} mufidelity`);
        assert.equal(row.quality.stability, c.stability?.spearman, `${row.combination} stability`);
      }
    } finally {
      await explainer.dispose();
    }

    const sweep = readJson(path.join(out, 'sweep.json'));
    assert.deepEqual(sweep.metrics, metrics, 'registry order');
    assert.equal(sweep.score, SCORE_TEXT);
    assert.deepEqual(sweep.size, [224, 224]);
    assert.equal(sweep.better.deletion.better, 'lower');
    assert.equal(sweep.better.insertion.better, 'higher');
    const combos = sweep.combinations as Json[];
    assert.equal(combos.length, 3);
    for (const c of combos) {
      const mine = rows.filter((row) => row.combination === c.combination);
      assert.equal(c.images, 2);
      for (const m of metrics) {
        const mean = (mine[0].quality[m] + mine[1].quality[m]) / 2;
        assert.ok(Math.abs(c.quality[m] - mean) < 1e-12, `${c.combination} ${m}: mean over the images`);
      }
      assert.ok(Math.abs(c.timeS - ((mine[0].ms + mine[1].ms) / 2000 + (mine[0].explainS + mine[1].explainS) / 2)) < 1e-9);
    }
    const expected = expectedScores(
      combos.map((c) => c.quality),
      metrics.map((m) => ({ name: m, lower: m === 'deletion' })),
    );
    combos.forEach((c, i) => assert.ok(Math.abs(c.score - expected[i]) < 1e-12, `score of ${c.combination}`));
    for (let i = 1; i < combos.length; i++) {
      assert.equal(combos[i].rank, i + 1);
      assert.ok(combos[i - 1].score >= combos[i].score, 'ranked by score, best first');
    }
    // Printed: the ranking table in rank order.
    const printed = r.stdout.split('\n').filter((l) => /^\s+\d+\s+grid\s/.test(l));
    assert.deepEqual(
      printed.map((l) => l.trim().split(/\s+/)[2]),
      combos.map((c) => `rows=${c.params.rows}`),
    );
    const csv = fs.readFileSync(path.join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'rank,method,params,score,segments,segment_ms,explain_s,evaluate_s,time_s,images,failed,' + metrics.join(','));
    assert.equal(csv.length, 4);
    assert.match(csv[1], new RegExp(`^1,grid,rows=${combos[0].params.rows} cols=2,`));
    const perImage = fs.readFileSync(path.join(out, 'segments.csv'), 'utf8').trim().split('\n');
    assert.ok(perImage[0].endsWith(',explain_s,evaluate_s,deletion,insertion,mufidelity,stability,error'));
    assert.equal(perImage.length, 7);

    // The quality-against-time picture is the chart of the JSON's combinations, best point drawn red.
    const png = await sharp(path.join(out, 'sweep-quality-time.png')).raw().toBuffer({ resolveWithObject: true });
    const chart = qualityTimeChart(combos.map((c) => ({ label: `grid rows=${c.params.rows}`, time: c.timeS, score: c.score })));
    assert.deepEqual([png.info.width, png.info.height], [chart.image.width, chart.image.height]);
    const best = chart.centres[0] as { x: number; y: number };
    const at = (best.y * png.info.width + best.x) * png.info.channels;
    assert.deepEqual([...png.data.subarray(at, at + 3)], [...BEST_COLOR], 'the best combination at (its time, its score)');
    const effects = await sharp(path.join(out, 'sweep-effects.png')).metadata();
    assert.equal(effects.width, 300, 'one panel: rows (cols took one value)');
  });

  it('ranks by the mean of per-metric scaled ranks (hand-computed order)', () => {
    const row = (combination: string, deletion: number, insertion: number, ms: number): QualityRow => ({
      combination,
      method: 'grid',
      swept: {},
      count: 4,
      ms,
      explainS: 0,
      evaluateS: 0,
      quality: { deletion, insertion },
    });
    // deletion: A best (1), B 0.5, C 0; insertion: C 1, A 0.5, B 0 → A 0.75, C 0.5, B 0.25; D ties A but is slower.
    const ranked = rankCombinations([row('A', 0.1, 0.9, 10), row('B', 0.2, 0.8, 10), row('C', 0.3, 0.95, 10)], ['deletion', 'insertion']);
    assert.deepEqual(
      ranked.map((c) => [c.combination, c.score]),
      [
        ['A', 0.75],
        ['C', 0.5],
        ['B', 0.25],
      ],
    );
    const tied = rankCombinations([row('slow', 0.1, 0.9, 50), row('fast', 0.1, 0.9, 5)], ['deletion', 'insertion']);
    assert.deepEqual(
      tied.map((c) => c.combination),
      ['fast', 'slow'],
      'equal scores: the faster first',
    );
  });

  it('usage errors exit 2 naming the flag and value', () => {
    const cases: [string[], RegExp][] = [
      [['--evaluate', 'deletion'], /--evaluate needs --model.*--evaluate deletion/],
      [['--model', model, '--size', '96'], /--size cannot go with --model.*--size 96/],
      [['--model', model, '--samples', '50'], /--samples sets how LIME explains: it needs --evaluate, got --samples 50/],
      [['--model', model, '--evaluate', 'deletion,bogus'], /--evaluate must list metrics among .*got "bogus"/],
      [['--model', model, '--evaluate', 'deletion', '--kernel-width', '0'], /--kernel-width expects a number > 0 and <= 1e\+150, got "0"/],
      [['--preset', 'inception'], /--preset needs --model/],
      [['--kernel-size=-1'], /for kernelSize but received -1/],
    ];
    for (const [args, message] of cases) {
      const r = segment(dir, 'cat.png', ...args, '--out', 'usage');
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it('a corrupt image among good ones: exit 1, the others still get their rows and the ranking', () => {
    fs.writeFileSync(path.join(dir, 'broken.png'), 'not a png');
    const r = segment(
      dir,
      'broken.png',
      'cat.png',
      '--model',
      model,
      '--method',
      'grid',
      '--rows',
      '2',
      '--evaluate',
      'deletion',
      '--samples',
      '8',
      '--out',
      'bad',
    );
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /broken.png\tERROR\t/);
    const rows = readJson(path.join(dir, 'bad', 'segments.json')) as Json[];
    assert.deepEqual(
      rows.map((row) => path.basename(row.image)),
      ['cat.png'],
    );
    assert.equal(typeof rows[0].quality.deletion, 'number');
    const sweep = readJson(path.join(dir, 'bad', 'sweep.json'));
    assert.equal(sweep.combinations[0].images, 1);

    // Only bad images: every row fails, nothing to chart — exit 1 (an image failed), not a crash.
    const none = segment(
      dir,
      'broken.png',
      '--model',
      model,
      '--method',
      'grid',
      '--rows',
      '2',
      '--evaluate',
      'deletion',
      '--samples',
      '8',
      '--out',
      'none',
    );
    assert.equal(none.status, 1, none.stderr + none.stdout);
    assert.ok(!fs.existsSync(path.join(dir, 'none', 'sweep-quality-time.png')));
  });

  it('randomization ranks by |ρ|: nearer 0 is better whatever the sign', () => {
    assert.deepEqual(scaledRanks([0.02, -0.9, 0.5], 'zero'), [1, 0, 0.5]);
    assert.deepEqual(scaledRanks([0.02, -0.9, 0.5], 'lower'), [0.5, 1, 0]);
    assert.equal(BETTER.randomization, 'zero');
  });
});
