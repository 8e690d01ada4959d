// SPDX-License-Identifier: MIT
/**
 * npm run bench:segment — quickshift speed per image size and kernel size.
 *
 * For 224, 299 and 512 px square images and kernelSize 2/4/6 it prints the median and spread of our
 * time (all threads, best SIMD), our single-thread scalar time measured in the same run, the ratio
 * between them, and for kernelSize 4 (LIME's parameters) the ratio to scikit-image 0.19.3's time on
 * this 2-core machine type (440–480 ms, 770–1070 ms and 2.5–2.7 s; the middle of each range is
 * used). When python3 can import skimage, it is also timed side by side on the same pixels.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { concurrency, loadImage, simdLevel, type RgbImage } from '../lib';
import { segmentRgb } from '../lib/segment';
import { environment, fmt, stats, time, writeResults, SHARED } from './harness';

const shared = SHARED;
const SKIMAGE_MS: Record<number, [number, number]> = { 224: [440, 480], 299: [770, 1070], 512: [2500, 2700] };

function skimageTime(img: RgbImage, kernelSize: number): number | undefined {
  const script = `
import sys, time, numpy as np
from skimage.segmentation import quickshift
w, h, ks = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
img = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(h, w, 3)
quickshift(img, kernel_size=ks, max_dist=200, ratio=0.2, random_seed=42)
ts = []
for _ in range(3):
    t = time.perf_counter(); quickshift(img, kernel_size=ks, max_dist=200, ratio=0.2, random_seed=42); ts.append(time.perf_counter() - t)
print(sorted(ts)[1] * 1000)`;
  const file = path.join(os.tmpdir(), `limeshap-bench-${process.pid}.rgb`);
  fs.writeFileSync(file, img.data);
  try {
    return Number(
      execFileSync('python3', ['-c', script, file, String(img.width), String(img.height), String(kernelSize)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
  } catch {
    return undefined;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function main(): Promise<void> {
  const env = environment();
  console.log(`limeshap bench:segment — ${env.cpu}, ${env.cores} cores, ${env.node}, SIMD ${simdLevel().detected}`);
  let hasSkimage = true;
  try {
    execFileSync('python3', ['-c', 'import skimage'], { stdio: 'ignore' });
  } catch {
    hasSkimage = false;
  }
  const allThreads = concurrency();
  const images = ['astronaut', 'chelsea', 'coffee'];
  const rows: Record<string, unknown>[] = [];
  console.log('size  ks  ms(median ±spread)  scalar-1-thread ms  speed-up  vs skimage 0.19.3 (reference)  vs skimage (measured)');
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
      const ref = SKIMAGE_MS[size];
      const vsRef = kernelSize === 4 ? `${fmt(ref[0] / o.median)}–${fmt(ref[1] / o.median)}x` : '-';
      const measured = hasSkimage ? skimageTime(inputs[0], kernelSize) : undefined;
      const vsMeasured = measured === undefined ? '-' : `${fmt(measured / o.median)}x (${fmt(measured, 0)} ms)`;
      console.log(
        `${size}  ${kernelSize}   ${fmt(o.median, 2)} ±${fmt(o.spread * 100)}%         ${fmt(s.median, 1)}             ${fmt(s.median / o.median)}x     ${vsRef.padEnd(30)} ${vsMeasured}`,
      );
      rows.push({
        size,
        kernelSize,
        ours: o,
        scalarOneThread: s,
        speedup: s.median / o.median,
        skimageReferenceMs: ref,
        vsSkimageReference: kernelSize === 4 ? [ref[0] / o.median, ref[1] / o.median] : null,
        skimageMeasuredMs: measured ?? null,
      });
    }
  }
  const file = writeResults('segment', { env, images, rows });
  console.log(`results: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
