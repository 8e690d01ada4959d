// SPDX-License-Identifier: MIT
// writeReport(): a report over real explanations, written the way `limeshap explain` writes them,
// checked as text (self-contained, escaped) and in headless Chromium (every picture decodes).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createExplainer, renderLime, renderShap, REPORT_PICTURE_MAX_SIDE, saveLime, saveShap, writeReport } from '../lib';
import { encodePng, markBoundaries } from '../lib/render';
import { requireShared, shared } from './helpers/shared';

/** Debian's package `chromium`; CI installs it (.ci/run), elsewhere the browser check skips without it. */
const CHROMIUM = '/usr/bin/chromium';
const INJECTED = 'evil<script>alert(1)</script>.png';
/** A user-chosen output name with every character that HTML escaping must handle. */
const ODD_NAME = `fish & "chips" <i>'`;

/** The DOM after load, as headless Chromium serialises it, with a throwaway profile. */
function dumpDom(file: string): string {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--virtual-time-budget=10000',
        '--dump-dom',
        `file://${file}`,
      ],
      // The report is over a megabyte of base64; the default 1 MiB buffer would cut the dump.
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 256 * 1024 * 1024 },
    );
    assert.equal(r.error, undefined, `chromium did not run: ${r.error?.message}`);
    assert.equal(r.status, 0, `chromium exited ${r.status} (${r.signal ?? 'no signal'}): ${r.stderr.slice(-2000)}`);
    return r.stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

describe('writeReport', function () {
  requireShared(this);
  let out = '';
  let report = '';
  let html = '';
  /** Pictures written into the folder, each of which the report must embed. */
  let pictures = 0;

  before(async function () {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-report-'));
    const explainer = await createExplainer(shared('models', 'mobilenetv2-12-int8.onnx'), {
      classNames: shared('models', 'imagenet-labels.txt'),
    });
    try {
      const inputs: [string, string][] = [
        ['kitten_224', shared('models', 'images', 'kitten_224.png')],
        [ODD_NAME, shared('models', 'images', 'fish.png')],
      ];
      for (const [name, file] of inputs) {
        // What explain-command.ts writes, small budgets: the report is under test, not the explanations.
        const lime = await explainer.lime(file, { numSamples: 100, seed: 1, topLabels: 3 });
        saveLime(lime, out, name, { image: file, model: 'mobilenetv2-12-int8.onnx' });
        fs.writeFileSync(path.join(out, `${name}.lime.png`), await renderLime(lime));
        fs.writeFileSync(path.join(out, `${name}.lime-heatmap.png`), await renderLime(lime, { kind: 'heatmap' }));
        const shap = await explainer.shap(file, { maxEvals: 100, seed: 1, topLabels: 3 });
        saveShap(shap, out, name, { image: file, model: 'mobilenetv2-12-int8.onnx' });
        fs.writeFileSync(path.join(out, `${name}.shap.png`), await renderShap(shap));
        // The optional segmentation overlay, so the report shows the segments too.
        fs.writeFileSync(path.join(out, `${name}.segments.png`), await encodePng(markBoundaries(lime.image, lime.segmentation.labels)));
        pictures += 4;
      }
    } finally {
      await explainer.dispose();
    }
    fs.writeFileSync(
      path.join(out, 'failures.jsonl'),
      JSON.stringify({ image: INJECTED, error: 'Unsupported or corrupt image <b>&</b>' }) +
        '\n' +
        'not json <img src=x onerror=alert(2)>\n',
    );
    report = await writeReport(out, { title: 'Run <1>' });
    html = fs.readFileSync(report, 'utf8');
  });

  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('writes outDir/report.html, self-contained: every picture a data URI, nothing fetched', () => {
    assert.equal(report, path.join(out, 'report.html'));
    const srcs = [...html.matchAll(/<img\b[^>]*\ssrc="([^"]*)"/g)].map((m) => m[1]);
    assert.equal(srcs.length, pictures, 'one <img> per picture in the folder');
    for (const s of srcs) assert.match(s, /^data:image\/webp;base64,[A-Za-z0-9+/]+=*$/);
    assert.doesNotMatch(html, /<link\b|\bsrc="(?!data:)/i, 'no external resources, only data URIs');
    // Links go to sections of the page or to files of the folder (full-size pictures, the values).
    const files = new Set(fs.readdirSync(out));
    for (const [, href] of html.matchAll(/\bhref="([^"]*)"/g))
      assert.ok(
        href.startsWith('#') || files.has(decodeURIComponent(href.replace(/&#39;/g, "'"))),
        `${href}: a section or a file of the folder`,
      );
    assert.match(html, /Content-Security-Policy/);
  });

  it('holds the summary, the classes, segmentation and timings of each image', () => {
    assert.match(html, /<h1>Run &lt;1&gt;<\/h1>/);
    // The summary links each image to its section.
    const links = [...html.matchAll(/<a href="#(img-\d+)">/g)].map((m) => m[1]);
    assert.equal(links.length, 2);
    for (const id of links) assert.ok(html.includes(`<section id="${id}">`), id);
    assert.match(html, /tabby, tabby cat/);
    assert.match(html, /tench, Tinca tinca/);
    assert.match(html, /quickshift/);
    assert.match(html, /kernelSize=4/);
    for (const stage of ['segment', 'composite', 'infer', 'fit', 'solve', 'total']) assert.ok(html.includes(`<td>${stage}</td>`), stage);
    // Own time and waiting per method, each a column (a 'wait' row would be an object printed as a number).
    for (const col of ['LIME own', 'LIME wait', 'SHAP own', 'SHAP wait']) assert.ok(html.includes(`<th>${col}</th>`), col);
    assert.ok(!html.includes('<td>wait</td>'));
  });

  it('escapes every user-supplied text: file names, errors, title', () => {
    // The page's own script is the only one; the injected ones are text.
    assert.equal(html.match(/<script/gi)?.length, 1);
    assert.ok(html.includes('evil&lt;script&gt;alert(1)&lt;/script&gt;.png'));
    assert.ok(html.includes('not json &lt;img src=x onerror=alert(2)&gt;'));
    assert.ok(html.includes('fish &amp; &quot;chips&quot; &lt;i&gt;&#39;'));
    assert.ok(!html.includes('<i>'), 'no markup from a name');
  });

  it('renders in headless Chromium: every picture decodes, nothing injected runs', function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.CI === 'true')
        assert.fail(`${CHROMIUM} is missing: CI needs Debian's chromium package (apt-get install -y chromium)`);
      console.log(`      (skipped: ${CHROMIUM} is missing; apt-get install -y chromium to run this check)`);
      this.skip();
    }
    const dom = dumpDom(report);
    const body = /<body\b[^>]*>/.exec(dom)?.[0] ?? '';
    const total = Number(/data-images-total="(\d+)"/.exec(body)?.[1]);
    const loaded = Number(/data-images-loaded="(\d+)"/.exec(body)?.[1]);
    assert.ok(total > 0, `the page's script ran and counted the pictures: ${body}`);
    assert.equal(total, pictures);
    assert.equal(loaded, total, `${total - loaded} picture(s) did not decode`);
    // In the live DOM too, the injected name is text, not an element.
    assert.equal(dom.match(/<script/gi)?.length, 1);
    assert.ok(dom.includes('evil&lt;script&gt;alert(1)&lt;/script&gt;.png'));
    assert.equal(dom.match(/<img\b/gi)?.length, pictures, 'no <img> injected from failures.jsonl');
  });

  it('keeps the page light: previews at most REPORT_PICTURE_MAX_SIDE a side, linked to the full pictures; the values linked, not inlined', async () => {
    const previews = [...html.matchAll(/<a href="([^"]*)"><img src="data:image\/webp;base64,([^"]*)"/g)];
    assert.equal(previews.length, pictures);
    let pngBytes = 0;
    for (const [, href, b64] of previews) {
      const full = await sharp(path.join(out, decodeURIComponent(href.replace(/&#39;/g, "'")))).metadata();
      const preview = await sharp(Buffer.from(b64, 'base64')).metadata();
      assert.equal(preview.format, 'webp');
      // The full picture, scaled to fit REPORT_PICTURE_MAX_SIDE (never enlarged), aspect kept.
      const scale = Math.min(1, REPORT_PICTURE_MAX_SIDE / Math.max(full.width as number, full.height as number));
      assert.ok(Math.abs((preview.width as number) - Math.round((full.width as number) * scale)) <= 1, `${href} width`);
      assert.ok(Math.abs((preview.height as number) - Math.round((full.height as number) * scale)) <= 1, `${href} height`);
      pngBytes += fs.statSync(path.join(out, decodeURIComponent(href.replace(/&#39;/g, "'")))).size;
    }
    assert.ok(html.length < pngBytes / 3, `report ${html.length} bytes against ${pngBytes} bytes of PNG`);
    // Each image's JSON and arrays are linked; no per-segment weight of a JSON appears in the page.
    for (const f of ['kitten_224.lime.json', 'kitten_224.lime-segments.npy', 'kitten_224.shap.json', 'kitten_224.shap.npy'])
      assert.ok(html.includes(`<a href="${f}"><code>${f}</code></a>`), f);
    const weights = JSON.parse(fs.readFileSync(path.join(out, 'kitten_224.lime.json'), 'utf8')).explanations[0].weights as number[];
    assert.equal(weights.filter((w) => html.includes(String(w))).length, 0, 'no weight inlined');
  });

  it('downscales a picture wider than REPORT_PICTURE_MAX_SIDE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-report-wide-'));
    try {
      fs.writeFileSync(path.join(dir, 'wide.shap.json'), JSON.stringify({ explanations: [] }));
      const w = 2000,
        h = 300;
      const data = new Uint8Array(w * h * 3).map((_, i) => (i * 7) % 251);
      fs.writeFileSync(path.join(dir, 'wide.shap.png'), await encodePng({ data, width: w, height: h }));
      const page = fs.readFileSync(await writeReport(dir), 'utf8');
      const b64 = /<img src="data:image\/webp;base64,([^"]*)"/.exec(page)?.[1] ?? '';
      const m = await sharp(Buffer.from(b64, 'base64')).metadata();
      assert.deepEqual([m.width, m.height], [REPORT_PICTURE_MAX_SIDE, Math.round((h * REPORT_PICTURE_MAX_SIDE) / w)]);
      assert.match(page, /<a href="wide\.shap\.png"><img /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists a cut-off picture among the failures (browsers draw those without complaint)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-report-cut-'));
    try {
      fs.copyFileSync(path.join(out, 'kitten_224.lime.json'), path.join(dir, 'kitten_224.lime.json'));
      fs.writeFileSync(path.join(dir, 'kitten_224.lime.png'), fs.readFileSync(path.join(out, 'kitten_224.lime.png')).subarray(0, 500));
      const page = fs.readFileSync(await writeReport(dir), 'utf8');
      assert.match(page, /kitten_224\.lime\.png<\/td><td class="fail">not a complete PNG/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad folder or unknown options', async () => {
    await assert.rejects(writeReport(path.join(out, 'missing')), { code: 'ENOENT' });
    await assert.rejects(writeReport(out, { titel: 'x' } as never), /titel/);
    await assert.rejects(writeReport(out, { title: 3 } as never), TypeError);
  });
});

describe('writeReport: what it reads', () => {
  it('embeds only regular files inside the folder: links and special files are listed, not followed', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-report-links-'));
    try {
      const dir = path.join(base, 'out');
      fs.mkdirSync(dir);
      // Outside the folder: a "secret" JSON and a picture that a link named like an output points to.
      const secret = path.join(base, 'secret.json');
      fs.writeFileSync(secret, JSON.stringify({ image: 'TOP-SECRET-CONTENT', explanations: [] }));
      const outsidePng = path.join(base, 'outside.png');
      fs.writeFileSync(outsidePng, await encodePng({ data: new Uint8Array(4 * 4 * 3).fill(9), width: 4, height: 4 }));
      const ownPng = await encodePng({ data: new Uint8Array(4 * 4 * 3).fill(200), width: 4, height: 4 });
      fs.writeFileSync(path.join(dir, 'real.lime.json'), JSON.stringify({ image: 'real.png', explanations: [] }));
      fs.writeFileSync(path.join(dir, 'real.lime.png'), ownPng);
      fs.symlinkSync(secret, path.join(dir, 'leak.lime.json'));
      fs.symlinkSync(outsidePng, path.join(dir, 'real.lime-heatmap.png'));
      fs.symlinkSync('/dev/zero', path.join(dir, 'real.shap.png'));
      fs.symlinkSync(secret, path.join(dir, 'failures.jsonl'));
      const page = fs.readFileSync(await writeReport(dir), 'utf8');
      assert.ok(!page.includes('TOP-SECRET-CONTENT'), 'nothing read through a link');
      assert.ok(!page.includes(fs.readFileSync(outsidePng).toString('base64')), 'no picture from outside the folder');
      // The folder's own picture (grey 200) is embedded as a preview; the outside one (grey 9) is not.
      const b64 = /<img src="data:image\/webp;base64,([^"]*)"/.exec(page)?.[1] ?? '';
      const { channels } = await sharp(Buffer.from(b64, 'base64')).stats();
      assert.ok(Math.abs(channels[0].mean - 200) < 3, `the folder's own picture is embedded (mean ${channels[0].mean})`);
      for (const name of ['leak.lime.json', 'real.lime-heatmap.png', 'real.shap.png', 'failures.jsonl'])
        assert.match(page, new RegExp(`${name.replace(/\./g, '\\.')}</td><td class="fail">[^<]*symbolic link`), name);
      assert.equal(page.match(/<img\b/g)?.length, 1);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
