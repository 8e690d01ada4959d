// SPDX-License-Identifier: MIT
/**
 * `limeshap inspect MODEL.onnx`: the model's inputs, outputs and metadata, whether limeshap can run
 * it, and the preprocessing it most likely expects with the reasons (lib/inspect). Text for people,
 * `--json` for scripts. Everything read from the file is made terminal-safe before it is printed.
 */
import * as path from 'node:path';
import { inspectModel, type ModelInspection, type TensorDescription } from '../inspect';
import type { PreprocessSpec } from '../preprocess';
import { EXIT } from './exit-codes';
import { flagUsage, parseFlags, type Flag } from './flags';
import { printable } from './terminal';

const INSPECT_FLAGS: readonly Flag[] = [
  { name: 'json', type: 'boolean', help: 'print the description as one JSON object (for scripts; unknown fields are null)' },
  { name: 'help', type: 'boolean', short: 'h', help: 'this text' },
];

export const INSPECT_USAGE = `Usage: limeshap inspect MODEL.onnx [--json]

Prints the model's inputs (name, element type, shape with symbolic dims), outputs, metadata
(producer, IR and opset versions, doc string, metadata_props), whether limeshap can run it, and
the preprocessing preset it most likely expects, with the reasons. The file is read, not run.

${flagUsage(INSPECT_FLAGS)}`;

/** `[N, 3, 224, 224]` with unknown dims as `?`. */
function shapeText(shape: TensorDescription['shape']): string {
  return shape === null ? '(shape unknown)' : `[${shape.map((d) => (d === null ? '?' : printable(String(d)))).join(', ')}]`;
}

/** A preprocess spec as the JavaScript a user would write (`{ channels: 'bgr', scale: 1 }`). */
function specText(spec: PreprocessSpec): string {
  if (typeof spec === 'string') return `'${spec}'`;
  // The scales presets use, written as the fractions they are rather than as 0.00392156862745098.
  const value = (v: unknown): string =>
    typeof v === 'string'
      ? `'${v}'`
      : Array.isArray(v)
        ? `[${v.map(value).join(', ')}]`
        : v === 1 / 255
          ? '1 / 255'
          : v === 1 / 127.5
            ? '1 / 127.5'
            : String(v);
  return `{ ${Object.entries(spec)
    .map(([k, v]) => `${k}: ${value(v)}`)
    .join(', ')} }`;
}

function bytesText(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

/** The text form of an inspection. */
export function inspectionText(r: ModelInspection): string {
  const p = (s: string | undefined) => printable(s ?? '');
  const lines: string[] = [];
  lines.push(`${p(r.file ?? 'model')} (${bytesText(r.bytes)})`);
  const producer = [r.producer ? `${p(r.producer)}${r.producerVersion ? ` ${p(r.producerVersion)}` : ''}` : '(no producer)'];
  if (r.irVersion !== undefined) producer.push(`IR ${r.irVersion}`);
  const opsets = r.opsets.map((o) => `${p(o.domain)} ${o.version}`);
  lines.push(`  producer  ${producer.join(', ')}`);
  lines.push(`  opsets    ${opsets.length ? opsets.join(', ') : '(none)'}`);
  if (r.graphName) lines.push(`  graph     ${p(r.graphName)}`);
  if (r.docString) lines.push(`  doc       ${p(r.docString.length > 300 ? `${r.docString.slice(0, 297)}...` : r.docString)}`);
  const meta = Object.entries(r.metadata);
  lines.push(`  metadata  ${meta.length ? '' : '(none)'}`.trimEnd());
  for (const [k, v] of meta) lines.push(`    ${p(k)} = ${p(v)}`);
  lines.push('inputs');
  for (const [i, t] of r.inputs.entries()) {
    let what = '';
    if (i === 0 && r.image) {
      const size =
        r.image.height !== undefined && r.image.width !== undefined ? `${r.image.height}×${r.image.width}` : 'any size (dynamic)';
      const ops = r.image.ops.ops.length ? `; first ops: ${r.image.ops.ops.join(' → ')}` : '';
      what = `  ${r.image.layout.toUpperCase()} ${r.image.channels === 3 ? '' : `${r.image.channels}-channel `}image, ${size}, batch ${r.image.batch === null ? '?' : p(String(r.image.batch))}${ops}`;
    }
    lines.push(`  ${p(t.name)}  ${p(t.type)}  ${shapeText(t.shape)}${what}`);
  }
  lines.push('outputs');
  for (const [i, t] of r.outputs.entries()) {
    const what =
      i === 0 && r.output
        ? `  ${r.output.classes === undefined ? 'classes: dynamic' : `${r.output.classes} classes`}, ${r.output.kind}`
        : '';
    lines.push(`  ${p(t.name)}  ${p(t.type)}  ${shapeText(t.shape)}${what}`);
  }
  if (r.problems.length) {
    lines.push('limeshap cannot run this model:');
    for (const x of r.problems) lines.push(`  - ${p(x)}`);
  }
  const s = r.suggestion;
  if (s) {
    lines.push('');
    if (s.preset) lines.push(`suggested preset: ${s.preset} (${s.confidence} confidence)`);
    else lines.push(`suggested preprocessing: ${specText(s.preprocess)} (${s.confidence} confidence; no preset fits as it is)`);
    for (const reason of s.reasons) lines.push(`  because ${p(reason)}`);
    const model = r.file === undefined ? 'MODEL.onnx' : p(path.basename(r.file));
    if (s.preset) lines.push(`  try: limeshap explain --model ${model} --preset ${s.preset} IMAGES…`);
    else {
      lines.push(`  try: limeshap explain --model ${model} --preset '${JSON.stringify(s.preprocess)}' IMAGES…`);
      lines.push(`  library: createExplainer('${model}', { preprocess: ${specText(s.preprocess)} })`);
    }
  }
  if (r.notes.length) {
    lines.push('notes');
    for (const x of r.notes) lines.push(`  - ${p(x)}`);
  }
  return lines.join('\n');
}

/** Runs `limeshap inspect`; returns the exit code (0, or 2 for bad usage). */
export async function inspectCommand(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags(INSPECT_FLAGS, argv, 'inspect');
  if (values.help) {
    log(INSPECT_USAGE);
    return EXIT.OK;
  }
  if (positionals.length !== 1) {
    console.error(
      `limeshap inspect: ${positionals.length === 0 ? 'no model: give the ONNX file to inspect' : `one model at a time, got ${positionals.length}`}\n  e.g. limeshap inspect classifier.onnx ("limeshap inspect --help" lists the flags)`,
    );
    return EXIT.USAGE;
  }
  const result = await inspectModel(positionals[0]);
  // In JSON every field is there, unknown ones as null, so scripts need not test for absent keys.
  log(values.json ? JSON.stringify(result, (_k, v: unknown) => (v === undefined ? null : v), 2) : inspectionText(result));
  return EXIT.OK;
}
