// SPDX-License-Identifier: MIT
// BAD CALL matrix: every bad input gets a clear TypeError/RangeError/Error naming the thing, from
// TypeScript before the native call, and the native side re-checks sizes on its own.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { segment, concurrency, simd, MAX_PIXELS } from '../lib';
import { binding } from '../lib/native';

const rgb = (w: number, h: number) => ({ data: new Uint8Array(w * h * 3).fill(100), width: w, height: h, channels: 3 as const });

describe('bad input', () => {
  const cases: [string, () => Promise<unknown>, { name: string; message: RegExp }][] = [
    ['kernelSize 0', () => segment(rgb(8, 8), { kernelSize: 0 }), { name: 'RangeError', message: /kernelSize.*received 0/ }],
    ['kernelSize negative', () => segment(rgb(8, 8), { kernelSize: -1 }), { name: 'RangeError', message: /kernelSize/ }],
    [
      'kernelSize string',
      () => segment(rgb(8, 8), { kernelSize: '4' as unknown as number }),
      { name: 'TypeError', message: /kernelSize.*"4"/ },
    ],
    ['maxDist < 0', () => segment(rgb(8, 8), { maxDist: -0.5 }), { name: 'RangeError', message: /maxDist.*-0.5/ }],
    ['maxDist NaN', () => segment(rgb(8, 8), { maxDist: NaN }), { name: 'RangeError', message: /maxDist.*NaN/ }],
    ['ratio > 1', () => segment(rgb(8, 8), { ratio: 1.5 }), { name: 'RangeError', message: /ratio.*1.5/ }],
    ['ratio < 0', () => segment(rgb(8, 8), { ratio: -0.1 }), { name: 'RangeError', message: /ratio/ }],
    ['sigma < 0', () => segment(rgb(8, 8), { sigma: -1 }), { name: 'RangeError', message: /sigma/ }],
    ['seed negative', () => segment(rgb(8, 8), { seed: -1 }), { name: 'RangeError', message: /seed.*-1/ }],
    ['seed fraction', () => segment(rgb(8, 8), { seed: 1.5 }), { name: 'RangeError', message: /seed.*1.5/ }],
    ['seed too big', () => segment(rgb(8, 8), { seed: 2 ** 60 }), { name: 'RangeError', message: /seed/ }],
    ['seed string', () => segment(rgb(8, 8), { seed: 'x' as unknown as number }), { name: 'TypeError', message: /seed/ }],
    [
      'unknown method',
      () => segment(rgb(8, 8), { method: 'felzenszwalb' as never }),
      { name: 'RangeError', message: /method.*felzenszwalb/ },
    ],
    [
      'option of another method',
      () => segment(rgb(8, 8), { method: 'grid', kernelSize: 3 }),
      { name: 'RangeError', message: /kernelSize/ },
    ],
    ['grid rows > height', () => segment(rgb(8, 8), { method: 'grid', rows: 9 }), { name: 'RangeError', message: /rows/ }],
    ['slic nSegments 0', () => segment(rgb(8, 8), { method: 'slic', nSegments: 0 }), { name: 'RangeError', message: /nSegments/ }],
    ['slic compactness 0', () => segment(rgb(8, 8), { method: 'slic', compactness: 0 }), { name: 'RangeError', message: /compactness/ }],
    [
      'zero width',
      () => segment({ data: new Uint8Array(0), width: 0, height: 5, channels: 3 }),
      { name: 'RangeError', message: /image.width/ },
    ],
    [
      'negative height',
      () => segment({ data: new Uint8Array(0), width: 5, height: -2, channels: 3 }),
      { name: 'RangeError', message: /image.height/ },
    ],
    [
      'raw length mismatch',
      () => segment({ data: new Uint8Array(10), width: 2, height: 2, channels: 3 }),
      { name: 'RangeError', message: /length 12 \(2 x 2 x 3\) for image.data.*length 10/ },
    ],
    [
      'raw channels 5',
      () => segment({ data: new Uint8Array(20), width: 2, height: 2, channels: 5 as never }),
      { name: 'RangeError', message: /channels/ },
    ],
    [
      'raw data not bytes',
      () => segment({ data: [1, 2, 3] as never, width: 1, height: 1, channels: 3 }),
      { name: 'TypeError', message: /image.data/ },
    ],
    [
      'too many pixels',
      () => segment({ data: new Uint8Array(3), width: 10000, height: 10000, channels: 3 }),
      { name: 'RangeError', message: new RegExp(`${MAX_PIXELS}`) },
    ],
    ['image of wrong type', () => segment(42 as never), { name: 'TypeError', message: /image/ }],
    ['missing file', () => segment('/no/such/file.png'), { name: 'Error', message: /not found.*\/no\/such\/file.png/ }],
    [
      'corrupt bytes',
      () => segment(Buffer.from('this is not an image at all')),
      { name: 'Error', message: /Unsupported or corrupt image/ },
    ],
    ['empty bytes', () => segment(Buffer.alloc(0)), { name: 'Error', message: /empty/ }],
    ['resize 0', () => segment(rgb(8, 8), { resize: { width: 0, height: 4 } }), { name: 'RangeError', message: /resize.width/ }],
  ];
  for (const [title, call, expected] of cases) {
    it(`BAD CALL - ${title}`, async () => {
      await assert.rejects(call(), expected);
    });
  }

  it('BAD CALL - a truncated PNG file', async () => {
    const good = fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'));
    assert.ok(good.length > 0);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008020000', 'hex');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-')), 'truncated.png');
    fs.writeFileSync(file, png);
    await assert.rejects(segment(file), { name: 'Error', message: /Unsupported or corrupt image data in .*truncated.png/ });
  });

  it('BAD CALL - settings', () => {
    assert.throws(() => concurrency(0), { name: 'RangeError', message: /threads/ });
    assert.throws(() => concurrency(1.5), { name: 'RangeError', message: /threads/ });
    assert.throws(() => simd('yes' as never), { name: 'TypeError', message: /enabled/ });
  });

  describe('native re-checks (called directly, bypassing TypeScript)', () => {
    const params = { kernelSize: 4, maxDist: 200, ratio: 0.2, sigma: 0, convert2lab: true, seed: 42 };
    it('BAD CALL - pixel buffer shorter than width x height x 3', () => {
      assert.throws(() => binding.quickshift(new Uint8Array(10), 4, 4, params, new Int32Array(16)), {
        name: 'RangeError',
        message: /rgb has 10 elements, expected 48/,
      });
    });
    it('BAD CALL - labels buffer of the wrong length or type', () => {
      assert.throws(() => binding.quickshift(new Uint8Array(48), 4, 4, params, new Int32Array(15)), {
        name: 'RangeError',
        message: /labels/,
      });
      assert.throws(() => binding.quickshift(new Uint8Array(48), 4, 4, params, new Float32Array(16) as never), {
        name: 'TypeError',
        message: /labels/,
      });
    });
    it('BAD CALL - bad parameters', () => {
      assert.throws(() => binding.quickshift(new Uint8Array(48), 4, 4, { ...params, kernelSize: 0 }, new Int32Array(16)), {
        name: 'RangeError',
        message: /kernelSize/,
      });
      assert.throws(() => binding.quickshift(new Uint8Array(48), 4, 4, { ...params, seed: 0.5 }, new Int32Array(16)), {
        name: 'TypeError',
        message: /seed/,
      });
      assert.throws(() => binding.quickshift(new Uint8Array(48), 0, 4, params, new Int32Array(0)), {
        name: 'RangeError',
        message: /width/,
      });
      assert.throws(() => binding.quickshift(new Uint8Array(48), 4, 4, null as never, new Int32Array(16)), {
        name: 'TypeError',
        message: /params/,
      });
    });
    it('the process survives all of the above and still segments', async () => {
      const labels = new Int32Array(16);
      const n = await binding.quickshift(new Uint8Array(48).fill(9), 4, 4, params, labels);
      assert.ok(n >= 1);
    });
  });
});
