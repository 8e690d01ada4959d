// SPDX-License-Identifier: MIT
/**
 * npm run bench:segment — quickshift speed per image size and kernel size.
 *
 * For 224, 299 and 512 px square images and kernelSize 2/4/6 it prints the median and spread of our
 * time (all threads, best SIMD), our single-thread scalar time measured in the same run and the ratio
 * between them. Then, side by side with scikit-image when a Python that imports it is found
 * ($LIMESHAP_PYTHON, python3 on PATH, /usr/bin/python3 — Debian's python3-skimage is 0.19.3, the
 * reference version), quickshift at LIME's parameters (kernel_size 4, max_dist 200, ratio 0.2, seed
 * 42) at 224² and 299² on the same pixels: both times, their ratio (target >= 30x) and whether the
 * labels are identical. Without such a Python it says so and prints our times only: no ratio is
 * quoted against figures from another run.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { concurrency, loadImage, simdLevel, type RgbImage } from '../lib';
import { segmentRgb } from '../lib/segment';
import { environment, findPython, fmt, load, stats, time, writeResults, SHARED, type PythonWith } from './harness';

const shared = SHARED;
/** LIME's quickshift parameters (lime_image's defaults) and the library's default seed. */
const LIME_QUICKSHIFT = { kernelSize: 4, maxDist: 200, ratio: 0.2, seed: 42 };
const SIDE_BY_SIDE_SIZES = [224, 299];
const TARGET_VS_SKIMAGE = 30;

interface SkimageRun {
  /** Median ms of 3 timed runs after one untimed. */
  ms: number;
  labels: Int32Array;
}

/** scikit-image's quickshift at LIME's parameters on the same pixels: its median time and labels. */
function skimageQuickshift(python: string, img: RgbImage): SkimageRun | undefined {
  const script = `
import sys, time, numpy as np
from skimage.segmentation import quickshift
w, h = int(sys.argv[2]), int(sys.argv[3])
img = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(h, w, 3)
run = lambda: quickshift(img, kernel_size=4, max_dist=200, ratio=0.2, random_seed=42)
labels = run()
ts = []
for _ in range(3):
    t = time.perf_counter(); run(); ts.append(time.perf_counter() - t)
labels.astype(np.int32).tofile(sys.argv[4])
print(sorted(ts)[1] * 1000)`;
  const base = path.join(os.tmpdir(), `limeshap-bench-${process.pid}`);
  fs.writeFileSync(`${base}.rgb`, img.data);
  try {
    const ms = Number(
      execFileSync(python, ['-c', script, `${base}.rgb`, String(img.width), String(img.height), `${base}.labels`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
    const bytes = fs.readFileSync(`${base}.labels`);
    return { ms, labels: new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(`${base}.rgb`, { force: true });
    fs.rmSync(`${base}.labels`, { force: true });
  }
}

/** Pixels whose labels differ (label ids compared as they are: both number segments in scan order). */
function differing(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** Our quickshift against scikit-image's, at LIME's parameters, on each image at each size. */
async function sideBySide(skimage: PythonWith | undefined, images: string[]): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  console.log(`
quickshift at LIME's parameters (kernelSize 4, maxDist 200, ratio 0.2, seed 42), side by side`);
  console.log('size  image        ours ms   skimage ms   ratio   labels');
  for (const size of SIDE_BY_SIDE_SIZES) {
    for (const name of images) {
      const img = await loadImage(path.join(shared, 'images', `${name}.png`), { width: size, height: size });
      const ours = stats(await time(() => segmentRgb(img, LIME_QUICKSHIFT), 5)).median;
      const seg = await segmentRgb(img, LIME_QUICKSHIFT);
      const sk = skimage === undefined ? undefined : skimageQuickshift(skimage.python, img);
      const diff = sk === undefined ? undefined : differing(seg.labels, sk.labels);
      const same = diff === undefined ? '-' : diff === 0 ? 'identical' : `${diff} pixels differ`;
      console.log(
        `${String(size).padEnd(5)} ${name.padEnd(10)} ${fmt(ours, 1).padStart(8)} ${(sk ? fmt(sk.ms, 1) : '-').padStart(12)} ${(sk ? `${fmt(sk.ms / ours, 1)}x` : '-').padStart(7)}   ${same}`,
      );
      rows.push({
        size,
        image: name,
        oursMs: ours,
        segments: seg.count,
        skimageMs: sk?.ms ?? null,
        ratio: sk ? sk.ms / ours : null,
        differingPixels: diff ?? null,
      });
    }
  }
  const ratios = rows.filter((r) => r.ratio !== null).map((r) => r.ratio as number);
  if (ratios.length > 0) {
    const r = stats(ratios);
    const allSame = rows.every((row) => row.differingPixels === 0);
    console.log(
      `ratio skimage ÷ ours: median ${fmt(r.median, 1)}x (min ${fmt(r.min, 1)}x, max ${fmt(r.max, 1)}x), target >= ${TARGET_VS_SKIMAGE}x — ${r.min >= TARGET_VS_SKIMAGE ? 'met' : 'NOT met'}; labels ${allSame ? 'identical on every image' : 'DIFFER on some images'}`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const env = environment();
  console.log(`limeshap bench:segment — ${env.cpu}, ${env.cores} cores, ${env.node}, SIMD ${simdLevel().detected}; ${load()}`);
  const tried: string[] = [];
  const skimage = findPython('skimage', tried);
  console.log(
    skimage === undefined
      ? `scikit-image: no Python imports skimage (tried ${tried.join(', ')}; set LIMESHAP_PYTHON) — our times only`
      : `scikit-image ${skimage.version} via ${skimage.python}`,
  );
  const allThreads = concurrency();
  const images = ['astronaut', 'chelsea', 'coffee'];
  const rows: Record<string, unknown>[] = [];
  console.log('size  ks  ms(median ±spread)  scalar-1-thread ms  speed-up');
  for (const size of [224, 299, 512]) {
    const inputs: RgbImage[] = [];
    for (const name of images) inputs.push(await loadImage(path.join(shared, 'images', `${name}.png`), { width: size, height: size }));
    for (const kernelSize of [2, 4, 6]) {
      const ours: number[] = [];
      const scalar: number[] = [];
      for (const img of inputs) {
        simdLevel('avx512');
        concurrency(allThreads);
        ours.push(...(await time(() => segmentRgb(img, { kernelSize }), 5)));
        simdLevel('scalar');
        concurrency(1);
        scalar.push(...(await time(() => segmentRgb(img, { kernelSize }), 1, 0)));
      }
      simdLevel('avx512');
      concurrency(allThreads);
      const o = stats(ours),
        s = stats(scalar);
      console.log(
        `${size}  ${kernelSize}   ${fmt(o.median, 2)} ±${fmt(o.spread * 100)}%         ${fmt(s.median, 1)}             ${fmt(s.median / o.median)}x`,
      );
      rows.push({ size, kernelSize, ours: o, scalarOneThread: s, speedup: s.median / o.median });
    }
  }
  const sideRows = await sideBySide(skimage, images);
  console.log(load());
  const file = writeResults('segment', { env, images, skimage: skimage ?? { tried, found: false }, rows, sideBySide: sideRows });
  console.log(`results: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
