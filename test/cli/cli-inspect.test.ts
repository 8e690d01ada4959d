// SPDX-License-Identifier: MIT
// `limeshap inspect`, run as a user runs it, on tiny models built here (each with one piece of
// evidence whose right answer is known by construction) and on the shared ImageNet models (whose
// preprocessing shared/models/README.md documents and reproduces bit-exactly).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createExplainer } from '../../lib/explainer';
import type { ModelInspection } from '../../lib/inspect';
import { decodeModel, encodeModel, type ModelProto } from '../../lib/onnx';
import type { PreprocessSpec } from '../../lib/preprocess';
import { CLI } from '../helpers/cli-fixture';
import { buildModel, type Initializer, type NodeSpec, type ValueInfo } from '../helpers/onnx-builder';
import { requireShared, shared } from '../helpers/shared';

/** ImageNet's per-channel mean and std (RGB), as torchvision normalises. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

interface TinySpec {
  /** Ops applied to the input before the body, with the initializers they use. */
  pre?: { nodes: NodeSpec[]; initializers: Initializer[] };
  inputShape?: (number | string)[];
  inputs?: ValueInfo[];
  outputShape?: (number | string)[];
  /** End with a Softmax. */
  softmax?: boolean;
  /** Rewrite the decoded model (metadata, producer) before it is written. */
  edit?: (m: ModelProto) => void;
}

/**
 * A classifier whose scores are 10 × the mean of each channel of what reaches the body (3
 * classes), after the `pre` ops; NCHW unless the shape says otherwise.
 */
function tinyModel(file: string, s: TinySpec = {}): string {
  const shape = s.inputShape ?? ['batch', 3, 'height', 'width'];
  const nhwc = shape[3] === 3 && shape[1] !== 3;
  const pre = s.pre ?? { nodes: [], initializers: [] };
  const bodyIn = pre.nodes.length ? 'normalised' : 'input';
  const nodes: NodeSpec[] = [
    ...pre.nodes,
    { op: 'ReduceMean', inputs: [bodyIn, 'axes'], outputs: ['m'], attributes: { keepdims: { int: 0 } } },
    { op: 'Mul', inputs: ['m', 'ten'], outputs: [s.softmax ? 'logits' : 'scores'] },
    ...(s.softmax ? [{ op: 'Softmax', inputs: ['logits'], outputs: ['scores'], attributes: { axis: { int: 1 } } }] : []),
  ];
  let bytes = buildModel({
    inputs: s.inputs ?? [{ name: 'input', type: 'float32', shape }],
    outputs: [{ name: 'scores', type: 'float32', shape: s.outputShape ?? ['batch', 3] }],
    initializers: [
      { name: 'axes', type: 'int64', dims: [2], data: nhwc ? [1, 2] : [2, 3] },
      { name: 'ten', type: 'float32', dims: [1], data: Float32Array.of(10) },
      ...pre.initializers,
    ],
    nodes,
  });
  if (s.edit) {
    const m = decodeModel(bytes);
    s.edit(m);
    bytes = encodeModel(m);
  }
  fs.writeFileSync(file, bytes);
  return file;
}

/** torchvision's normalisation inside the graph: x/255, minus the mean, over the std (NCHW). */
const IN_GRAPH_IMAGENET = {
  nodes: [
    { op: 'Div', inputs: ['input', 'k255'], outputs: ['unit'] },
    { op: 'Sub', inputs: ['unit', 'mean'], outputs: ['centred'] },
    { op: 'Div', inputs: ['centred', 'std'], outputs: ['normalised'] },
  ],
  initializers: [
    { name: 'k255', type: 'float32', dims: [1], data: Float32Array.of(255) },
    { name: 'mean', type: 'float32', dims: [1, 3, 1, 1], data: Float32Array.from(MEAN) },
    { name: 'std', type: 'float32', dims: [1, 3, 1, 1], data: Float32Array.from(STD) },
  ],
} satisfies TinySpec['pre'];

describe('limeshap inspect (command line)', function () {
  this.timeout(120_000);
  let dir: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'inspect', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  /** Runs `inspect --json` on a model and parses what it printed. */
  const inspect = (file: string): ModelInspection => {
    const r = run(file, '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as ModelInspection;
  };
  let n = 0;
  const file = () => path.join(dir, `m${n++}.onnx`);

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-inspect-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints inputs, outputs (symbolic dims by name), producer and opsets; --json holds the same', () => {
    const m = tinyModel(file(), {
      edit: (p) => {
        p.producer_name = 'pytorch';
        p.producer_version = '2.1.0';
        p.doc_string = 'a tiny test classifier';
        p.metadata_props = [{ key: 'author', value: 'limeshap tests' }];
      },
    });
    const text = run(m);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /producer {2}pytorch 2\.1\.0, IR 8/);
    assert.match(text.stdout, /opsets {4}ai\.onnx 18/);
    assert.match(text.stdout, /doc {7}a tiny test classifier/);
    assert.match(text.stdout, /author = limeshap tests/);
    assert.match(text.stdout, /input {2}float32 {2}\[batch, 3, height, width\] {2}NCHW image, any size \(dynamic\), batch batch/);
    assert.match(text.stdout, /scores {2}float32 {2}\[batch, 3\] {2}3 classes, scores/);
    const j = inspect(m);
    assert.deepEqual(j.inputs, [{ name: 'input', type: 'float32', shape: ['batch', 3, 'height', 'width'] }]);
    assert.deepEqual(j.outputs, [{ name: 'scores', type: 'float32', shape: ['batch', 3] }]);
    assert.equal(j.producer, 'pytorch');
    assert.equal(j.producerVersion, '2.1.0');
    assert.deepEqual(j.opsets, [{ domain: 'ai.onnx', version: 18 }]);
    assert.deepEqual(j.metadata, { author: 'limeshap tests' });
    assert.deepEqual(j.problems, []);
    // PyTorch exports are torchvision-normalised unless the graph says otherwise.
    assert.equal(j.suggestion?.preset, 'imagenet');
    assert.equal(j.suggestion?.confidence, 'medium');
    assert.equal(j.output?.kind, 'scores');
  });

  it('finds normalisation done in the graph and suggests unnormalised 0..255 pixels; the suggestion gives the same scores as the imagenet preset on the bare model', async () => {
    const normalising = tinyModel(file(), { pre: IN_GRAPH_IMAGENET });
    const bare = tinyModel(file());
    const j = inspect(normalising);
    assert.deepEqual(j.image?.ops.ops, ['Div', 'Sub', 'Div']);
    const a = j.image?.ops.affine;
    assert.ok(a);
    // y = (x/255 − mean)/std, per channel: scale 1/(255·std), offset −mean/std.
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(a.scale[c] - 1 / (255 * STD[c])) < 1e-6, `scale[${c}]`);
      assert.ok(Math.abs(a.offset[c] + MEAN[c] / STD[c]) < 1e-6, `offset[${c}]`);
    }
    assert.equal(j.suggestion?.preset, null);
    assert.equal(j.suggestion?.confidence, 'high');
    assert.deepEqual(j.suggestion?.preprocess, { channels: 'rgb', scale: 1, mean: 0, std: 1, size: 224 });
    const text = run(normalising).stdout;
    assert.match(
      text,
      /suggested preprocessing: \{ channels: 'rgb', scale: 1, mean: 0, std: 1, size: 224 \} \(high confidence; no preset fits/,
    );
    assert.match(text, /a preset that normalises again would feed it wrong values/);

    // The truth: the normalising model fed as suggested sees exactly what the bare model sees with
    // the imagenet preset, so both score alike; the imagenet preset on the normalising model does not.
    const image = {
      data: Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 53 + (i >> 7)) % 256),
      width: 224,
      height: 224,
      channels: 3 as const,
    };
    const scores = async (model: string, preprocess: PreprocessSpec) => {
      const e = await createExplainer(model, { preprocess });
      try {
        return (await e.classify(image, { topK: 3 })).sort((x, y) => x.index - y.index).map((c) => c.probability);
      } finally {
        await e.dispose();
      }
    };
    const truth = await scores(bare, 'imagenet');
    const suggested = await scores(normalising, j.suggestion?.preprocess as PreprocessSpec);
    const wrong = await scores(normalising, 'imagenet');
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(suggested[k] - truth[k]) < 1e-4, `class ${k}: ${suggested[k]} vs ${truth[k]}`);
    assert.ok(Math.max(...wrong.map((w, k) => Math.abs(w - truth[k]))) > 0.01, 'normalising twice changes the scores');
  });

  it('Caffe means subtracted in the graph, blue first: the caffe-bgr preset', () => {
    const m = tinyModel(file(), {
      pre: {
        nodes: [{ op: 'Sub', inputs: ['input', 'bgrMean'], outputs: ['normalised'] }],
        initializers: [{ name: 'bgrMean', type: 'float32', dims: [1, 3, 1, 1], data: Float32Array.of(103.94, 116.78, 123.68) }],
      },
    });
    const j = inspect(m);
    assert.equal(j.suggestion?.preset, 'caffe-bgr');
    assert.equal(j.suggestion?.confidence, 'high');
    assert.match(j.suggestion?.reasons.join('\n') ?? '', /channel order BGR/);
  });

  it('the same means red first (RGB) in 0..255: a custom form with rgb channels', () => {
    const m = tinyModel(file(), {
      pre: {
        nodes: [{ op: 'Sub', inputs: ['input', 'rgbMean'], outputs: ['normalised'] }],
        initializers: [{ name: 'rgbMean', type: 'float32', dims: [1, 3, 1, 1], data: Float32Array.of(123.68, 116.78, 103.94) }],
      },
    });
    assert.deepEqual(inspect(m).suggestion?.preprocess, { channels: 'rgb', scale: 1, mean: 0, std: 1, size: 224 });
  });

  it('a quantized input over [−1, 1] at 299×299: the inception preset, from the quantization range', () => {
    // uint8 quantization with scale 2/255 and zero point 128 holds [−128·s, 127·s] = [−1.004, 0.996],
    // within a per cent of the inception preset's [−1, 1] and far from the others'.
    const m = tinyModel(file(), {
      inputShape: ['batch', 3, 299, 299],
      pre: {
        nodes: [
          { op: 'QuantizeLinear', inputs: ['input', 'qs', 'qz'], outputs: ['q'] },
          { op: 'DequantizeLinear', inputs: ['q', 'qs', 'qz'], outputs: ['normalised'] },
        ],
        initializers: [
          { name: 'qs', type: 'float32', dims: [], data: Float32Array.of(2 / 255) },
          { name: 'qz', type: 'int64', dims: [], data: [128] }, // made uint8 below (the builder has no uint8)
        ],
      },
      edit: (p) => {
        // The zero point of QuantizeLinear is uint8: rewrite the int64 initializer as one.
        const z = p.graph?.initializer?.find((t) => t.name === 'qz');
        if (z) Object.assign(z, { data_type: 2, raw_data: Uint8Array.of(128) });
      },
    });
    const j = inspect(m);
    const [lo, hi] = j.image?.ops.quantizedRange ?? [NaN, NaN];
    assert.ok(Math.abs(lo + (128 * 2) / 255) < 1e-6 && Math.abs(hi - (127 * 2) / 255) < 1e-6, `${lo}, ${hi}`);
    assert.equal(j.suggestion?.preset, 'inception');
    assert.equal(j.suggestion?.confidence, 'high');
    assert.match(
      j.suggestion?.reasons[0] ?? '',
      /quantized .* over \[-1, 0\.996\]: the range of the 'inception' preset's values, \[-1, 1\]/,
    );
  });

  it('ONNX image metadata decides first: Bgr8 + NominalRange_0_255 is caffe-bgr, Rgb8 + Normalized_0_1 a custom 0..1 form', () => {
    const withMeta = (format: string, range: string) =>
      tinyModel(file(), {
        inputShape: ['batch', 3, 224, 224],
        edit: (p) => {
          p.metadata_props = [
            { key: 'Image.BitmapPixelFormat', value: format },
            { key: 'image.nominalpixelrange', value: range }, // keys and values are case-insensitive
          ];
        },
      });
    const bgr = inspect(withMeta('Bgr8', 'NominalRange_0_255'));
    assert.equal(bgr.suggestion?.preset, 'caffe-bgr');
    assert.equal(bgr.suggestion?.confidence, 'high');
    const unit = inspect(withMeta('Rgb8', 'Normalized_0_1'));
    assert.deepEqual(unit.suggestion?.preprocess, { channels: 'rgb', scale: 1 / 255, mean: 0, std: 1 });
  });

  it('a 299×299 input without other evidence: inception (medium); an NHWC softmax model: layout and probabilities', () => {
    const big = inspect(tinyModel(file(), { inputShape: [1, 3, 299, 299] }));
    assert.equal(big.suggestion?.preset, 'inception');
    assert.equal(big.suggestion?.confidence, 'medium');
    assert.equal(big.image?.batch, 1);
    const nhwc = inspect(tinyModel(file(), { inputShape: ['n', 224, 224, 3], softmax: true }));
    assert.equal(nhwc.image?.layout, 'nhwc');
    assert.equal(nhwc.output?.kind, 'probabilities');
    assert.equal(nhwc.suggestion?.preset, 'imagenet');
    assert.equal(nhwc.suggestion?.confidence, 'low');
    assert.match(nhwc.suggestion?.reasons.join('\n') ?? '', /TensorFlow\/Keras models differ/);
    assert.match(nhwc.notes.join('\n'), /already a softmax/);
  });

  it('a model limeshap cannot run says why, and a 1001-class output gets the background-class note', () => {
    const anyChannels = inspect(tinyModel(file(), { inputShape: ['batch', 'c', 32, 32] }));
    assert.match(
      anyChannels.problems.join('\n'),
      /input "input" has shape \[batch, c, 32, 32\]: limeshap needs \[N, C, H, W\] or \[N, H, W, C\] with a fixed C \(3 for RGB\)/,
    );
    assert.equal(anyChannels.suggestion, null, 'no suggestion without an image input');
    const text = run(path.join(dir, `m${n - 1}.onnx`)).stdout;
    assert.match(text, /limeshap cannot run this model:/);
    const tf = inspect(tinyModel(file(), { outputShape: ['batch', 1001] }));
    assert.match(tf.notes.join('\n'), /1001 classes: ImageNet with a "background" class at index 0/);
  });

  it('a grayscale or multispectral model: read with its channel count, no preset suggested, a note on the custom preprocess', () => {
    for (const [shape, layout, C] of [
      [['batch', 1, 32, 32], 'nchw', 1],
      [['batch', 32, 32, 13], 'nhwc', 13],
    ] as const) {
      const j = inspect(tinyModel(file(), { inputShape: [...shape] }));
      assert.deepEqual(j.problems, []);
      assert.deepEqual([j.image?.layout, j.image?.channels], [layout, C]);
      assert.equal(j.suggestion, null);
      assert.match(j.notes.join('\n'), new RegExp(`${C} input channel\\(s\\), not RGB: no preset fits; .*custom preprocess`));
      assert.match(run(path.join(dir, `m${n - 1}.onnx`)).stdout, new RegExp(`${layout.toUpperCase()} ${C}-channel image, 32×32`));
    }
  });

  it('text from the file is made terminal-safe', () => {
    const m = tinyModel(file(), {
      edit: (p) => {
        p.producer_name = 'evil\x1b]0;pwned\x07';
      },
    });
    const r = run(m);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /evil\\x1b\]0;pwned\\x07/);
    assert.ok(!r.stdout.includes(String.fromCharCode(0x1b)), 'no raw escape character');
  });

  it('metadata keys named like Object.prototype members (constructor, toString, __proto__) are kept, in text and --json', () => {
    const m = tinyModel(file(), {
      edit: (p) => {
        p.metadata_props = [
          { key: 'constructor', value: 'c' },
          { key: 'toString', value: 't' },
          { key: '__proto__', value: 'p' },
        ];
      },
    });
    const j = inspect(m);
    assert.deepEqual(Object.entries(j.metadata), [
      ['constructor', 'c'],
      ['toString', 't'],
      ['__proto__', 'p'],
    ]);
    const text = run(m).stdout;
    for (const line of ['constructor = c', 'toString = t', '__proto__ = p']) assert.ok(text.includes(line), line);
  });

  it('resource bombs: a value feeding 80 000 nodes is read in linear time; a 32 MiB weight is not turned into JS numbers (64 MiB heap)', () => {
    // The old walk copied each value's user list per user (quadratic: 80 000 users took over a minute).
    const fan = file();
    const nodes: NodeSpec[] = Array.from({ length: 80_000 }, (_, i) => ({ op: 'Relu', inputs: ['input'], outputs: [`r${i}`] }));
    fs.writeFileSync(
      fan,
      buildModel({
        inputs: [{ name: 'input', type: 'float32', shape: [1, 3, 8, 8] }],
        outputs: [{ name: 'r0', type: 'float32', shape: [1, 3, 8, 8] }],
        nodes,
      }),
    );
    const started = Date.now();
    const r = spawnSync(process.execPath, [CLI, 'inspect', fan, '--json'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `${r.signal ?? ''} ${r.stderr}`);
    assert.ok(Date.now() - started < 20_000);
    // Every initializer used to be read as float64 numbers (8 bytes each): 8 Mi floats took 64 MiB of heap and aborted.
    const big = file();
    const n = 8 * 1024 * 1024;
    fs.writeFileSync(
      big,
      buildModel({
        inputs: [{ name: 'input', type: 'float32', shape: [1, 3, 8, 8] }],
        outputs: [{ name: 'y', type: 'float32', shape: [1, 3, 8, 8] }],
        nodes: [{ op: 'Relu', inputs: ['input'], outputs: ['y'] }],
        initializers: [{ name: 'w', type: 'float32', dims: [n], data: new Float32Array(n) }],
      }),
    );
    const b = spawnSync(process.execPath, ['--max-old-space-size=64', CLI, 'inspect', big, '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(b.status, 0, `${b.signal ?? ''} ${b.stderr.slice(-500)}`);
    assert.equal((JSON.parse(b.stdout) as ModelInspection).bytes, fs.statSync(big).size);
  });

  it('usage: no model, two models, a missing file, a file that is not ONNX (exit 2, naming it)', () => {
    const none = run();
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^limeshap inspect: no model/);
    const two = run('a.onnx', 'b.onnx');
    assert.equal(two.status, 2);
    assert.match(two.stderr, /one model at a time, got 2/);
    const missing = run(path.join(dir, 'absent.onnx'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /absent\.onnx/);
    const text = path.join(dir, 'notes.onnx');
    fs.writeFileSync(text, 'this is not a model, just some text\n');
    const bad = run(text);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /notes\.onnx: .*not an ONNX model/);
    const help = run('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: limeshap inspect MODEL\.onnx/);
  });

  describe('on the shared ImageNet models', () => {
    requireShared(this);
    // shared/models/README.md: MobileNetV2 takes ImageNet-normalised RGB (imagenet); SqueezeNet
    // (Windows ML, from Caffe2) takes raw BGR 0..255, reproduced bit-exactly there (caffe-bgr).
    const cases = [
      { model: 'mobilenetv2-12-int8.onnx', preset: 'imagenet', confidence: 'high', kind: 'scores', why: /quantized/ },
      { model: 'squeezenet1.1-fp32.onnx', preset: 'caffe-bgr', confidence: 'medium', kind: 'probabilities', why: /onnx-caffe2/ },
      { model: 'squeezenet1.1-fp16.onnx', preset: 'caffe-bgr', confidence: 'medium', kind: 'probabilities', why: /onnx-caffe2/ },
    ];
    for (const c of cases)
      it(`${c.model}: ${c.preset}, output ${c.kind}`, () => {
        const j = inspect(shared('models', c.model));
        assert.equal(j.suggestion?.preset, c.preset);
        assert.equal(j.suggestion?.confidence, c.confidence);
        assert.match(j.suggestion?.reasons[0] ?? '', c.why);
        assert.equal(j.output?.kind, c.kind);
        assert.equal(j.output?.classes, 1000);
        assert.deepEqual(j.problems, []);
      });

    it('the suggested presets classify the kitten as the README observed (tabby); the ImageNet preset on SqueezeNet does not', async () => {
      const top1 = async (model: string, preprocess: PreprocessSpec) => {
        const e = await createExplainer(shared('models', model), { preprocess });
        try {
          return (await e.classify(shared('models', 'images', 'kitten_224.png'), { topK: 1 }))[0];
        } finally {
          await e.dispose();
        }
      };
      for (const model of ['mobilenetv2-12-int8.onnx', 'squeezenet1.1-fp32.onnx']) {
        const preset = inspect(shared('models', model)).suggestion?.preset as PreprocessSpec;
        const best = await top1(model, preset);
        assert.equal(best.index, 281, `${model} with ${String(preset)}: ${best.index}`); // 281 tabby
      }
      assert.notEqual((await top1('squeezenet1.1-fp32.onnx', 'imagenet')).index, 281);
    });
  });
});

describe('limeshap explain: the preset check', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'limeshap-preset-check-'));
    await sharp(Buffer.alloc(32 * 32 * 3, 90), { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toFile(path.join(dir, 'img.png'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const explain = (model: string, ...flags: string[]) =>
    spawnSync(process.execPath, [CLI, 'explain', '--model', model, '--samples', '30', '--top', '1', ...flags, path.join(dir, 'img.png')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('warns, naming the suggested preset and its reason, when --preset (or its default) disagrees with inspect; silent when they agree or the suggestion is only a default', () => {
    // ONNX image metadata says BGR 0..255: caffe-bgr with high confidence.
    const bgr = tinyModel(path.join(dir, 'bgr.onnx'), {
      inputShape: ['batch', 3, 224, 224],
      edit: (p) => {
        p.metadata_props = [
          { key: 'Image.BitmapPixelFormat', value: 'Bgr8' },
          { key: 'Image.NominalPixelRange', value: 'NominalRange_0_255' },
        ];
      },
    });
    const byDefault = explain(bgr, '--out', path.join(dir, 'o1'));
    assert.equal(byDefault.status, 0, byDefault.stderr);
    assert.match(
      byDefault.stdout + byDefault.stderr,
      /warning: --preset imagenet \(the default\), but this model looks like it wants --preset caffe-bgr \(high confidence: [^)]*bgr8/i,
    );
    const named = explain(bgr, '--preset', 'inception', '--out', path.join(dir, 'o2'));
    assert.match(named.stdout + named.stderr, /warning: --preset inception, but .* --preset caffe-bgr/);
    const agreeing = explain(bgr, '--preset', 'caffe-bgr', '--out', path.join(dir, 'o3'));
    assert.equal(agreeing.status, 0, agreeing.stderr);
    assert.doesNotMatch(agreeing.stdout + agreeing.stderr, /warning: --preset/);
    // No evidence at all: the suggestion is imagenet with low confidence, nothing to say.
    const plain = explain(tinyModel(path.join(dir, 'plain.onnx'), { inputShape: ['batch', 3, 224, 224] }), '--out', path.join(dir, 'o4'));
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout + plain.stderr, /warning: --preset/);
  });
  it('--preset takes the custom form as JSON: the same explanation as the preset it spells out, no warning; a bad form or bad JSON is a usage error naming --preset', () => {
    const bgr = tinyModel(path.join(dir, 'bgr2.onnx'), { inputShape: ['batch', 3, 224, 224] });
    const named = explain(bgr, '--preset', 'caffe-bgr', '--seed', '3', '--out', path.join(dir, 'n'));
    const custom = explain(bgr, '--preset', '{"channels":"bgr","scale":1,"mean":0,"std":1}', '--seed', '3', '--out', path.join(dir, 'c'));
    assert.equal(named.status, 0, named.stderr);
    assert.equal(custom.status, 0, custom.stderr);
    assert.doesNotMatch(custom.stdout + custom.stderr, /warning: --preset/);
    const weights = (d: string) =>
      (
        JSON.parse(fs.readFileSync(path.join(dir, d, 'img.lime.json'), 'utf8')) as {
          explanations: { weights: number[]; probability: number }[];
        }
      ).explanations;
    assert.deepEqual(weights('c'), weights('n'));
    const badField = explain(bgr, '--preset', '{"mean":[1,2]}', '--out', path.join(dir, 'b1'));
    assert.equal(badField.status, 2);
    assert.match(badField.stderr, /--preset \{"mean":\[1,2\]\}: .*preprocess\.mean/);
    const badJson = explain(bgr, '--preset', '{mean:1}', '--out', path.join(dir, 'b2'));
    assert.equal(badJson.status, 2);
    assert.match(badJson.stderr, /--preset must be one of imagenet, inception, caffe-bgr or a JSON object, got \{mean:1\}/);
    assert.equal(fs.existsSync(path.join(dir, 'b1')), false);
    // Where no preset fits, inspect's "try:" line is a command that runs.
    const unit = tinyModel(path.join(dir, 'unit.onnx'), {
      inputShape: ['batch', 3, 224, 224],
      edit: (p) => {
        p.metadata_props = [
          { key: 'Image.BitmapPixelFormat', value: 'Rgb8' },
          { key: 'Image.NominalPixelRange', value: 'Normalized_0_1' },
        ];
      },
    });
    const shown = spawnSync(process.execPath, [CLI, 'inspect', unit], { encoding: 'utf8', timeout: 60_000 });
    const json = /try: limeshap explain --model \S+ --preset '([^']+)'/.exec(shown.stdout)?.[1];
    assert.ok(json, shown.stdout);
    const tried = explain(unit, '--preset', json, '--out', path.join(dir, 'u'));
    assert.equal(tried.status, 0, tried.stderr);
    assert.doesNotMatch(tried.stdout + tried.stderr, /warning: --preset/);
  });
});
