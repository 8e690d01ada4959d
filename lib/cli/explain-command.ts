// SPDX-License-Identifier: MIT
/**
 * `limeshap explain`: classifies and explains many images with LIME, SHAP or both. Per image it
 * writes NAME.lime.json, NAME.lime.png (lime's picture: top positive segments, the rest dimmed),
 * NAME.lime-heatmap.png (every segment's weight, with a colour bar), NAME.shap.json and NAME.shap.png
 * (shap's image_plot); each file atomically (temporary file, then rename), the JSON last, so a JSON
 * that parses marks a finished image. A failing image is recorded (failures.ts) and the run goes
 * on; Ctrl-C stops after the images in flight; --resume skips finished images made with the same
 * model and settings (fingerprint.ts); --shard i/n takes a deterministic 1/n of the inputs for job
 * arrays; one run at a time writes a folder (or a share of it: lock.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { cleanStaleTemporaries, TMP_SUFFIX_MAX, writeAtomic } from '../atomic-write';
import { createExplainer } from '../explainer';
import { MAX_INPUT_BYTES } from '../read-file';
import { limeToJson, renderLime, renderShap, shapToJson } from '../pictures';
import { PREPROCESS_PRESETS, type PreprocessPreset } from '../preprocess';
import { writeReport } from '../report';
import { SHAP_ALGORITHMS, type ShapAlgorithm } from '../shap';
import { SHAP_REGISTRY } from '../shap/registry';
import { numberList } from './args';
import { EXIT } from './exit-codes';
import { FailureLog } from './failures';
import { VERSION } from '../version';
import { hashFile, outputState, type Fingerprint } from './fingerprint';
import { collectInputs, outputNames, parseShard, shardOf, type InputNotes } from './inputs';
import { acquireLock, LockHeldError, type Lock } from './lock';
import { ProgressDisplay } from './progress';
import { printable } from './terminal';

export const EXPLAIN_USAGE = `Usage: limeshap explain --model MODEL.onnx [options] <images, directories or globs…>

  --model FILE         the ONNX image classifier (required)
  --manifest FILE      more inputs, one path per line
  --preset NAME        preprocessing: imagenet (default), inception, caffe-bgr
  --class-names FILE   class labels, one per line
  --method M           lime (default), shap or both
  --samples N          LIME samples per image (default 1000)
  --algorithm A        SHAP algorithm: ${SHAP_ALGORITHMS.map((a, i) => (i === 0 ? `${a} (default)` : a)).join(', ')}
  --max-evals N        SHAP evaluation budget (default: ${SHAP_REGISTRY.map((a) => `${a.name} ${a.defaultMaxEvalsText}`).join(', ')})
  --features F         SHAP features: pixels (partition default) or superpixels
  --seed N             seed of sampling and segmentation (default 42)
  --top K              classes printed and explained (default 5)
  --provider LIST      execution providers, e.g. cuda,cpu (default cpu)
  --concurrency N      images in flight (default 2)
  --inference WHERE    run the model on the main thread (default) or in a worker thread
  --shard i/n          take the i-th of n deterministic shares of the inputs (0 <= i < n)
  --resume             skip images whose outputs exist, parse and were made with the same model
                       and settings; outputs made with other ones stop the run (exit 5)
  --force              with --resume: redo images whose outputs were made with other settings
  --max-input-bytes N  largest image file read (default ${MAX_INPUT_BYTES}, 256 MiB); only regular
                       files are read (a FIFO, a device or a folder fails that image)
  --report             write DIR/report.html (self-contained) at the end
  --out DIR            output folder (default ./limeshap-out)
Writes per image DIR/NAME.lime.json, .lime.png, .lime-heatmap.png (LIME) and DIR/NAME.shap.json,
.shap.png (SHAP); DIR/failures.jsonl lists the images failing now (one line each, rewritten by every
run from DIR/failures/). One run writes a folder at a time (DIR/.limeshap.lock; shards of one job
array each lock their own share). Directory inputs are walked recursively, following links (loops
are reported and skipped).
Exit codes: 0 all explained, 1 some failed (see failures.jsonl), 2 bad usage, 3 outputs cannot be
written (disk full or read-only: not even the failure could be recorded), 4 the output folder is in
use by another run, 5 --resume found outputs of other settings (use --force), 130 interrupted.`;

/** The longest suffix an output name gets (NAME.lime-heatmap.png), before the temporary suffix. */
const LONGEST_SUFFIX = '.lime-heatmap.png'.length;
/** Bytes in one file name component on Linux, macOS and Windows filesystems. */
const NAME_MAX = 255;

/** The files an image's run writes, JSON (the completion marker) last. */
function outputsOf(out: string, name: string, method: string): { json: { file: string; method: 'lime' | 'shap' }[]; png: string[] } {
  const json: { file: string; method: 'lime' | 'shap' }[] = [], png: string[] = [];
  if (method !== 'shap') {
    json.push({ file: path.join(out, `${name}.lime.json`), method: 'lime' });
    png.push(path.join(out, `${name}.lime.png`), path.join(out, `${name}.lime-heatmap.png`));
  }
  if (method !== 'lime') {
    json.push({ file: path.join(out, `${name}.shap.json`), method: 'shap' });
    png.push(path.join(out, `${name}.shap.png`));
  }
  return { json, png };
}

/** True when a file starts with the PNG signature. */
function isPng(file: string): boolean {
  try {
    const head = Buffer.alloc(8);
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      if (!fs.fstatSync(fd).isFile()) return false;
      fs.readSync(fd, head, 0, 8, 0);
    } finally {
      fs.closeSync(fd);
    }
    return head.toString('latin1', 1, 4) === 'PNG';
  } catch {
    return false;
  }
}

/**
 * Where an image stands in the output folder: 'done' (every JSON parses with this run's
 * fingerprint, every picture is a PNG), 'todo', or the settings that differ.
 */
async function imageState(files: ReturnType<typeof outputsOf>, fingerprints: Record<'lime' | 'shap', Fingerprint>): Promise<'done' | 'todo' | string[]> {
  for (const { file, method } of files.json) {
    const state = await outputState(file, fingerprints[method]);
    if (state === 'missing') return 'todo';
    if (state !== 'done') return state;
  }
  return files.png.every(isPng) ? 'done' : 'todo';
}

/** A one-line message of an error, file names in it made terminal-safe by the caller. */
function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `limeshap explain`; returns the exit code (see EXIT and the usage text). */
export async function explainCommand(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      manifest: { type: 'string' },
      preset: { type: 'string' },
      'class-names': { type: 'string' },
      method: { type: 'string' },
      samples: { type: 'string' },
      algorithm: { type: 'string' },
      'max-evals': { type: 'string' },
      features: { type: 'string' },
      seed: { type: 'string' },
      top: { type: 'string' },
      provider: { type: 'string' },
      concurrency: { type: 'string' },
      inference: { type: 'string' },
      shard: { type: 'string' },
      resume: { type: 'boolean' },
      force: { type: 'boolean' },
      'max-input-bytes': { type: 'string' },
      report: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(EXPLAIN_USAGE);
    return EXIT.OK;
  }
  if (!values.model || (positionals.length === 0 && !values.manifest)) {
    log(EXPLAIN_USAGE);
    return EXIT.USAGE;
  }
  const preset = (values.preset ?? 'imagenet') as PreprocessPreset;
  if (!PREPROCESS_PRESETS.includes(preset)) throw new RangeError(`--preset must be one of ${PREPROCESS_PRESETS.join(', ')}, got "${values.preset}"`);
  const method = values.method ?? 'lime';
  if (!['lime', 'shap', 'both'].includes(method)) throw new RangeError(`--method must be lime, shap or both, got "${method}"`);
  const algorithm = (values.algorithm ?? SHAP_ALGORITHMS[0]) as ShapAlgorithm;
  if (!SHAP_ALGORITHMS.includes(algorithm)) throw new RangeError(`--algorithm must be one of ${SHAP_ALGORITHMS.join(', ')}, got "${values.algorithm}"`);
  const maxEvals = values['max-evals'] === undefined ? undefined : numberList('max-evals', values['max-evals'], [])[0];
  const features = values.features as 'pixels' | 'superpixels' | undefined;
  if (features !== undefined && features !== 'pixels' && features !== 'superpixels') throw new RangeError(`--features must be pixels or superpixels, got "${features}"`);
  const numSamples = numberList('samples', values.samples, [1000])[0];
  const seed = numberList('seed', values.seed, [42])[0];
  const top = numberList('top', values.top, [5])[0];
  const concurrency = numberList('concurrency', values.concurrency, [2])[0];
  const maxInputBytes = numberList('max-input-bytes', values['max-input-bytes'], [MAX_INPUT_BYTES])[0];
  if (!Number.isInteger(maxInputBytes) || maxInputBytes < 1) throw new RangeError(`--max-input-bytes must be a positive integer, got "${values['max-input-bytes']}"`);
  const shard = parseShard(values.shard);
  const inference = values.inference ?? 'main';
  if (inference !== 'main' && inference !== 'worker') throw new RangeError(`--inference must be main or worker, got "${inference}"`);
  if (values.force && !values.resume) throw new RangeError('--force only makes sense with --resume (without --resume every image is redone anyway)');
  const providers = (values.provider ?? 'cpu').split(',') as ('cpu' | 'cuda')[];
  const out = path.resolve(values.out ?? 'limeshap-out');

  let lock: Lock;
  try {
    fs.mkdirSync(out, { recursive: true });
    lock = acquireLock(out, shard);
  } catch (err) {
    if (err instanceof LockHeldError) {
      console.error(`limeshap: ${printable(err.message)}`);
      return EXIT.LOCKED;
    }
    // A read-only or full disk, a file where the folder should be: not a usage error.
    console.error(`limeshap: cannot write the output folder ${printable(out)}: ${printable(message(err))}`);
    return EXIT.CANNOT_WRITE;
  }
  try {
    if (lock.tookOver) log(`took over the stale lock of pid ${lock.tookOver.pid} on ${printable(lock.tookOver.host)} (no longer running)`);
    const cleaned = cleanStaleTemporaries(out);
    if (cleaned.length) log(`removed ${cleaned.length} temporary file(s) left by a stopped run`);
    return await run();
  } finally {
    lock.release();
  }

  async function run(): Promise<number> {
    // Inputs: expanded, sorted and named before sharding, so every shard agrees on names and shares.
    const notes: InputNotes = { loops: [], duplicates: [] };
    const all = collectInputs(positionals, values.manifest, notes);
    for (const loop of notes.loops) log(`skipped ${printable(loop)}: a link back into a folder already being walked (loop)`);
    for (const [dropped, kept] of notes.duplicates) log(`${printable(dropped)}: the same file as ${printable(kept)}, explained once`);
    const names = outputNames(all);
    const mine = shardOf(all, shard);
    if (shard) log(`shard ${shard.index}/${shard.count}: ${mine.length} of ${all.length} inputs`);

    const hashOf = async (flag: string, file: string | undefined) => {
      if (file === undefined) return null;
      try {
        return await hashFile(file);
      } catch (err) {
        throw new Error(`cannot read --${flag} ${file}: ${message(err)}`);
      }
    };
    const modelHash = await hashOf('model', values.model);
    const classHash = await hashOf('class-names', values['class-names']);
    // Every option that changes a method's numbers or labels; see fingerprint.ts. The version
    // stands for the defaults (e.g. SHAP Partition's batch size), which a release may change.
    const common = { limeshap: VERSION, model: modelHash, preset, classNames: classHash, seed, top };
    const fingerprints: Record<'lime' | 'shap', Fingerprint> = {
      lime: { method: 'lime', ...common, samples: numSamples },
      shap: { method: 'shap', ...common, algorithm, maxEvals: maxEvals ?? null, features: features ?? null },
    };

    const failures = new FailureLog(out);
    const tooLong: string[] = [];
    const todo: string[] = [];
    const differing: { file: string; diff: string[] }[] = [];
    let skipped = 0;
    for (const file of mine) {
      const name = names.get(file) as string;
      // Checked before any work: a name the filesystem refuses would fail only after the explanation.
      if (Buffer.byteLength(name) + LONGEST_SUFFIX + TMP_SUFFIX_MAX > NAME_MAX) {
        tooLong.push(file);
        continue;
      }
      if (!values.resume) {
        todo.push(file);
        continue;
      }
      const state = await imageState(outputsOf(out, name, method), fingerprints);
      if (state === 'done') {
        skipped++;
        failures.clear(name); // finished by an earlier run that stopped before clearing its record
      } else if (state === 'todo') {
        todo.push(file);
      } else if (values.force) {
        todo.push(file);
        differing.push({ file, diff: state });
      } else {
        differing.push({ file, diff: state });
      }
    }
    if (differing.length && !values.force) {
      const shown = differing.slice(0, 5).map((d) => `  ${printable(path.basename(d.file))}: ${printable(d.diff.join(', '))}`);
      console.error(
        `limeshap: --resume: ${differing.length} image(s) in ${printable(out)} were explained with another model or other settings:\n` +
          shown.join('\n') +
          (differing.length > 5 ? `\n  … and ${differing.length - 5} more` : '') +
          '\nRerun with the same settings, use another --out, or add --force to redo these images with the new settings.',
      );
      return EXIT.SETTINGS_DIFFER;
    }
    if (differing.length) log(`resume --force: redoing ${differing.length} image(s) explained with other settings`);
    if (skipped) log(`resume: ${skipped} images already explained, ${todo.length} to go`);

    let done = 0, failed = 0;
    let fatal: string | undefined;
    /** Records a failure; false when even that fails (the run must stop). */
    const recordFailure = (file: string, err: unknown): boolean => {
      failed++;
      const text = message(err);
      log(`${printable(path.basename(file))}: FAILED: ${printable(text)}`);
      try {
        failures.record(file, names.get(file) as string, text);
        return true;
      } catch (e) {
        fatal = `cannot record the failure of ${printable(file)} in ${printable(failures.dir)}: ${printable(message(e))}`;
        return false;
      }
    };
    for (const file of tooLong) {
      const name = names.get(file) as string;
      const err = new RangeError(`output name "${name.slice(0, 40)}…" is ${Buffer.byteLength(name)} bytes: with its suffixes it exceeds the ${NAME_MAX}-byte file name limit; rename the input`);
      if (!recordFailure(file, err)) break;
    }

    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) {
        lock.release(); // exit handlers do not run the finally below
        process.exit(EXIT.INTERRUPTED); // a second Ctrl-C: stop now
      }
      stop.abort();
      log('\ninterrupted: finishing the images in flight (Ctrl-C again to quit now); run again with --resume to finish the job');
    };
    let interrupted = false;
    if (fatal === undefined && todo.length) {
      const explainer = await createExplainer(values.model as string, { preprocess: preset, classNames: values['class-names'], executionProviders: providers, inference: inference as 'main' | 'worker' });
      const topLabels = Math.min(top, explainer.model.classes ?? top);
      process.on('SIGINT', onSigint);
      const progress = new ProgressDisplay();
      try {
        const batch = explainer.explainBatch(todo, {
          method: method as 'lime' | 'shap' | 'both',
          lime: { numSamples, seed, topLabels },
          shap: { algorithm, maxEvals, features, seed, topLabels },
          concurrency,
          maxInputBytes,
          signal: stop.signal,
          onProgress: (p) => progress.update({ ...p, total: todo.length }, skipped),
        });
        for await (const item of batch) {
          const file = item.input as string;
          const name = names.get(file) as string;
          try {
            if (!item.ok) throw item.error;
            const meta = { image: file, model: values.model };
            // Pictures first, JSON last: a JSON that parses means the image is complete (--resume).
            if (item.lime) {
              writeAtomic(path.join(out, `${name}.lime.png`), await renderLime(item.lime));
              writeAtomic(path.join(out, `${name}.lime-heatmap.png`), await renderLime(item.lime, { kind: 'heatmap' }));
            }
            if (item.shap) writeAtomic(path.join(out, `${name}.shap.png`), await renderShap(item.shap));
            if (item.lime) writeAtomic(path.join(out, `${name}.lime.json`), JSON.stringify({ ...meta, ...limeToJson(item.lime), fingerprint: fingerprints.lime }, null, 1) + '\n');
            if (item.shap) writeAtomic(path.join(out, `${name}.shap.json`), JSON.stringify({ ...meta, ...shapToJson(item.shap), fingerprint: fingerprints.shap }, null, 1) + '\n');
            failures.clear(name);
            const first = item.lime ?? item.shap;
            const classes = first ? first.explanations.map((e) => `${e.label} ${(e.probability * 100).toFixed(1)}%`).join(', ') : '';
            if (!process.stderr.isTTY || todo.length <= 20) log(`${printable(path.basename(file))}: ${printable(classes)}`);
            done++;
          } catch (err) {
            if (!recordFailure(file, err)) {
              stop.abort(); // nothing more can be written: start no new image
              break;
            }
          }
        }
      } finally {
        progress.finish();
        process.off('SIGINT', onSigint);
        await explainer.dispose();
      }
      interrupted = stop.signal.aborted && fatal === undefined;
    }

    let failing = 0;
    if (fatal === undefined) {
      try {
        failing = failures.rebuild();
      } catch (err) {
        fatal = `cannot write ${printable(failures.summary)}: ${printable(message(err))}`;
      }
    }
    if (fatal !== undefined) {
      console.error(`limeshap: stopped: ${fatal}. Free space (or fix the folder) and run again with --resume.`);
      return EXIT.CANNOT_WRITE;
    }
    const left = todo.length - done - (failed - tooLong.length);
    log(
      `${done} explained, ${failed} failed${skipped ? `, ${skipped} skipped (already done)` : ''}${interrupted ? `, ${left} not started (interrupted)` : ''}` +
        `${failing !== failed ? `; ${failing} failing in the folder (failures.jsonl)` : ''}; outputs in ${printable(out)}`,
    );
    if (values.report) log(`report: ${printable(await writeReport(out))}`);
    if (interrupted) return EXIT.INTERRUPTED;
    return failed ? EXIT.SOME_FAILED : EXIT.OK;
  }
}
