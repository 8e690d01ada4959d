// SPDX-License-Identifier: MIT
/**
 * {@link inspectModel}: what an ONNX classifier is (inputs, outputs, metadata), whether limeshap can
 * run it, and which preprocessing it most likely expects, read from the file without running it.
 * A model run with the wrong preset fails silently (a cat becomes a "mosquito net"), so this is
 * the first thing to look at for a new model (`limeshap inspect model.onnx`).
 */
import { decodeModel, type ModelProto } from '../onnx';
import { channelLayout } from '../model/channel-layout';
import { readRegularFile } from '../read-file';
import { typeError } from '../validate';
import { describeModel, type ModelDescription } from './describe';
import { inputOps, outputKind, type InputOps, type OutputKind } from './graph';
import { suggestPreprocess, type PreprocessSuggestion } from './suggest';

export type { ModelDescription, TensorDescription } from './describe';
export type { InputOps, InputAffine, OutputKind } from './graph';
export type { Confidence, PreprocessSuggestion } from './suggest';

/** The largest model file read: 2 GiB, protobuf's own limit (bigger models keep their weights in external files). */
const MAX_MODEL_BYTES = 2 * 1024 * 1024 * 1024;

/** What {@link inspectModel} finds. */
export interface ModelInspection extends ModelDescription {
  /** The path read, when a path was given. */
  file: string | undefined;
  /** Size of the model in bytes. */
  bytes: number;
  /**
   * The image input as limeshap reads it, when the first input is a 4-D tensor with a fixed channel
   * dim (model/channel-layout.ts).
   */
  image:
    | {
        name: string;
        layout: 'nchw' | 'nhwc';
        /** Channels: 3 for RGB, else 1 (grayscale) up to 1024 (explained through a custom preprocessing). */
        channels: number;
        /** Fixed height and width, or undefined when dynamic. */
        height: number | undefined;
        width: number | undefined;
        /** The batch dim: fixed size, or its symbolic name (`null` when unnamed). */
        batch: number | string | null;
        /** What the graph does to the input first (normalisation, quantization). */
        ops: InputOps;
      }
    | undefined;
  /** The first output (the one limeshap reads): class count when fixed, and what it holds. */
  output: { name: string; classes: number | undefined; kind: OutputKind } | undefined;
  /** Why limeshap cannot run the model (empty when it can). */
  problems: string[];
  /** Things to know that are not about preprocessing (class count conventions, softmax). */
  notes: string[];
  /** The suggested preprocessing, when the model has an image input. */
  suggestion: PreprocessSuggestion | undefined;
}

/**
 * Reads an ONNX model and describes it: producer, IR and opset versions, doc string, metadata, the
 * inputs and outputs (element types and shapes, symbolic dims by name), what the graph does to its
 * input first and what its output holds, whether limeshap can run it, and a suggested
 * preprocessing with its reasons ({@link PreprocessSuggestion}). No session is opened, so this is
 * quick and needs no execution provider.
 *
 * @param model - path of a `.onnx` file (a regular file of at most 2 GiB), or its bytes.
 * @returns the description.
 * @throws TypeError when `model` is neither a string nor a Uint8Array; Error naming the path for
 *   a missing or unreadable file (or one that is not a regular file), or bytes that are not an
 *   ONNX model; RangeError for a file over 2 GiB.
 * @example
 * const info = await inspectModel('squeezenet1.1.onnx');
 * info.suggestion?.preset; // 'caffe-bgr'
 */
export async function inspectModel(model: string | Uint8Array): Promise<ModelInspection> {
  let bytes: Uint8Array;
  let file: string | undefined;
  if (typeof model === 'string') {
    file = model;
    // Its errors name the path: missing, a directory, a FIFO, over the cap.
    bytes = await readRegularFile(model, { maxBytes: MAX_MODEL_BYTES, capName: 'the model size limit (2 GiB)', what: 'model' });
  } else if (model instanceof Uint8Array) {
    bytes = model;
  } else {
    throw typeError('model', 'a file path or the bytes of an ONNX model (Uint8Array)', model);
  }
  let proto: ModelProto;
  try {
    proto = decodeModel(bytes);
  } catch (err) {
    throw new Error(`${file ?? 'model'}: ${(err as Error).message}`, { cause: err });
  }
  if (proto.graph === undefined) throw new Error(`${file ?? 'model'} is not an ONNX model: it has no graph`);
  const d = describeModel(proto);
  const problems: string[] = [];
  const notes: string[] = [];

  const input = d.inputs[0];
  if (d.inputs.length !== 1)
    problems.push(`limeshap needs a single image input; this model has ${d.inputs.length} (${d.inputs.map((i) => i.name).join(', ')})`);
  let image: ModelInspection['image'];
  if (input !== undefined) {
    const s = input.shape;
    const layout = s?.length !== 4 ? undefined : channelLayout(s);
    if (layout === undefined)
      problems.push(
        `input "${input.name}" has shape ${shapeText(s)}: limeshap needs [N, C, H, W] or [N, H, W, C] with a fixed C (3 for RGB)`,
      );
    if (input.type !== 'float32' && input.type !== 'float16')
      problems.push(`input "${input.name}" is ${input.type}: limeshap needs float32 or float16`);
    if (layout !== undefined && s !== null) {
      const [h, w] = layout === 'nchw' ? [s[2], s[3]] : [s[1], s[2]];
      const channels = (layout === 'nchw' ? s[1] : s[3]) as number;
      if (channels !== 3)
        notes.push(
          `${channels} input channel(s), not RGB: no preset fits; give a custom preprocessing { size, scale, mean, std }` +
            (channels === 1
              ? ' (limeshap explain: --preset as JSON, with one mean and one std)'
              : ` and raw pixels of ${channels} channels, from the library`) +
            '; README: Models of other channel counts',
        );
      image = {
        name: input.name,
        layout,
        channels,
        height: typeof h === 'number' ? h : undefined,
        width: typeof w === 'number' ? w : undefined,
        batch: s[0],
        ops: inputOps(proto.graph, input.name),
      };
      if (typeof s[0] === 'number' && s[0] !== 1) notes.push(`the batch is fixed at ${s[0]}: every run is padded to ${s[0]} images`);
    }
  }

  let output: ModelInspection['output'];
  const out = d.outputs[0];
  if (out === undefined) problems.push('the model has no output');
  else {
    const s = out.shape;
    const accepted =
      s === null ||
      s.length === 2 ||
      (s.length === 4 && s[2] !== 0 && s[3] !== 0 && [s[2], s[3]].every((x) => x === 1 || typeof x !== 'number'));
    if (!accepted) problems.push(`output "${out.name}" has shape ${shapeText(s)}: limeshap needs [N, classes] or [N, classes, 1, 1]`);
    if (out.type !== 'float32' && out.type !== 'float16')
      problems.push(`output "${out.name}" is ${out.type}: limeshap needs float32 or float16 scores`);
    const classes = typeof s?.[1] === 'number' ? s[1] : undefined;
    output = { name: out.name, classes, kind: outputKind(proto.graph, out.name) };
    if (d.outputs.length > 1) notes.push(`${d.outputs.length} outputs: limeshap reads the first, "${out.name}"`);
    notes.push(
      output.kind === 'probabilities'
        ? 'the output is already a softmax (probabilities): limeshap uses it as it is'
        : output.kind === 'log-probabilities'
          ? "the output is a LogSoftmax: limeshap's softmax turns it back into the probabilities"
          : output.kind === 'sigmoid'
            ? 'the output is a Sigmoid (independent scores): limeshap applies a softmax over them unless they already sum to 1'
            : 'the output holds scores (logits): limeshap applies a softmax',
    );
    if (classes === 1000) notes.push('1000 classes: ImageNet-1k sized; give --class-names with the 1000 ImageNet labels to see names');
    if (classes === 1001)
      notes.push(
        '1001 classes: ImageNet with a "background" class at index 0 (TensorFlow-slim); a 1000-line label file is off by one: add a first line',
      );
  }
  const suggestion =
    image === undefined || image.channels !== 3
      ? undefined
      : suggestPreprocess({
          producer: d.producer,
          graphName: d.graphName,
          metadata: d.metadata,
          layout: image.layout,
          height: image.height,
          width: image.width,
          ops: image.ops,
        });
  return { file, bytes: bytes.length, ...d, image, output, problems, notes, suggestion };
}

function shapeText(s: readonly (number | string | null)[] | null): string {
  return s === null ? '(unknown)' : `[${s.map((d) => d ?? '?').join(', ')}]`;
}
