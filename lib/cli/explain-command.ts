// SPDX-License-Identifier: MIT
/**
 * `limeshap explain`: classifies and explains many images with LIME, SHAP or both, and the gradient
 * methods (Integrated Gradients, SmoothGrad, Grad-CAM: explain-gradients.ts) listed in --method. Per image it
 * writes NAME.lime.json and NAME.lime-segments.npy (label map), NAME.lime.png (lime's picture: top
 * positive segments, the rest dimmed), NAME.lime-heatmap.png (every segment's weight, with a colour
 * bar), NAME.shap.json, NAME.shap.npy (values; lib/save.ts) and NAME.shap.png (shap's image_plot),
 * with --evaluate an `evaluation` field in the JSON and NAME.lime-curves.png /
 * NAME.shap-curves.png (deletion/insertion curves), NAME.ig.* and NAME.gradcam.* (.json, .npy, .png); each file atomically (temporary file, then rename), the JSON last, so a JSON
 * that parses and names complete .npy arrays marks a finished image. A failing image is recorded
 * (failures.ts) and the run goes on; Ctrl-C stops after the images in flight; --resume skips finished images made with the same
 * model and settings (fingerprint.ts); --shard i/n takes a deterministic 1/n of the inputs for job
 * arrays; one run at a time writes a folder (or a share of it: lock.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cleanStaleTemporaries, TMP_SUFFIX_MAX, writeAtomic } from '../atomic-write';
import { createExplainer } from '../explainer';
import type { BatchOptions, BatchProgress } from '../batch';
import type { EvaluationResult } from '../metrics/run';
import { renderCurves, renderLime, renderShap } from '../pictures';
import { writeReport } from '../report';
import { LIME_ARRAYS, LONGEST_SAVED_SUFFIX, saveLime, savedArrayFiles, saveShap, SHAP_ARRAYS } from '../save';
import { EXIT } from './exit-codes';
import { EXPLAIN_FLAGS, EXPLAIN_USAGE, limeOptionsOf, readExplainSettings, type GradientMethod } from './explain-flags';
import { explainGradients, GRADIENT_METHOD_ARRAYS, gradientOnlyBatch, gradientOutputs } from './explain-gradients';
import { parseFlags } from './flags';
import { resolveLabels } from './labels-flag';
import { FailureLog } from './failures';
import { explainFingerprints, gradientFingerprints, hashFile, outputState, shapFeatures, type Fingerprint } from './fingerprint';
import { collectInputs, outputNames, shardOf, type InputNotes } from './inputs';
import { acquireLock, LockHeldError, type Lock } from './lock';
import { makeOutFolder } from './out-folder';
import { presetWarning } from './preset-check';
import { SummaryCollector } from './json-summary';
import { ProgressDisplay } from './progress';
import { printable } from './terminal';

export { EXPLAIN_USAGE };

/** The longest suffix an output name gets (NAME.lime-segments.npy), before the temporary suffix. */
const LONGEST_SUFFIX = Math.max('.lime-heatmap.png'.length, LONGEST_SAVED_SUFFIX);
/** How a gradient method's class is introduced on the terminal when no LIME or SHAP ran. */
const GRADIENT_SHORT_NAMES = { integratedGradients: 'IG', smoothGrad: 'SmoothGrad', gradcam: 'Grad-CAM' } as const;
/** Bytes in one file name component on Linux, macOS and Windows filesystems. */
const NAME_MAX = 255;

/** The files an image's run writes, JSON (the completion marker) last. */
function outputsOf(
  out: string,
  name: string,
  method: string,
  curves: boolean,
  gradients: readonly GradientMethod[],
): { json: { file: string; method: 'lime' | 'shap' | GradientMethod }[]; png: string[] } {
  const json: { file: string; method: 'lime' | 'shap' | GradientMethod }[] = [],
    png: string[] = [];
  if (method === 'lime' || method === 'both') {
    json.push({ file: path.join(out, `${name}.lime.json`), method: 'lime' });
    png.push(path.join(out, `${name}.lime.png`), path.join(out, `${name}.lime-heatmap.png`));
    if (curves) png.push(path.join(out, `${name}.lime-curves.png`));
  }
  if (method === 'shap' || method === 'both') {
    json.push({ file: path.join(out, `${name}.shap.json`), method: 'shap' });
    png.push(path.join(out, `${name}.shap.png`));
    if (curves) png.push(path.join(out, `${name}.shap-curves.png`));
  }
  for (const g of gradients) {
    const files = gradientOutputs(out, name, g);
    json.push({ file: files.json, method: g });
    png.push(files.png);
  }
  return { json, png };
}

/** Whether the metrics asked for draw curves (deletion, insertion): then NAME.*-curves.png is written. */
function drawsCurves(metrics: readonly string[] | undefined): boolean {
  return metrics !== undefined && (metrics.includes('deletion') || metrics.includes('insertion'));
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
async function imageState(
  files: ReturnType<typeof outputsOf>,
  fingerprints: Record<'lime' | 'shap' | GradientMethod, Fingerprint>,
): Promise<'done' | 'todo' | string[]> {
  const arrays = { lime: LIME_ARRAYS, shap: SHAP_ARRAYS, ...GRADIENT_METHOD_ARRAYS };
  for (const { file, method } of files.json) {
    const state = await outputState(file, fingerprints[method], arrays[method]);
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
  const { values, positionals } = parseFlags(EXPLAIN_FLAGS, argv, 'explain');
  if (values.help) {
    log(EXPLAIN_USAGE);
    return EXIT.OK;
  }
  // --json: stdout holds the summary document alone; every human line goes to stderr.
  if (values.json === true) log = (line) => console.error(line);
  if (argv.length === 0) {
    log(EXPLAIN_USAGE);
    return EXIT.USAGE;
  }
  // Say what is missing, in two lines, rather than the whole usage.
  const missing = !values.model
    ? '--model is required: the ONNX image classifier to explain'
    : positionals.length === 0 && !values.manifest
      ? 'no inputs: give images, directories or globs (or --manifest FILE)'
      : undefined;
  if (missing !== undefined) {
    console.error(
      `limeshap explain: ${missing}\n  e.g. limeshap explain --model classifier.onnx photos/ ("limeshap explain --help" lists the flags)`,
    );
    return EXIT.USAGE;
  }
  const s = readExplainSettings(values);
  // Names to indices now: an unknown class is a usage error before any folder is made or work done.
  if (s.labels !== undefined) s.labels = await resolveLabels(s.labels, s.classNames, s.model);
  const { method, out, shard } = s;
  // Inputs: expanded, sorted and named before sharding, so every shard agrees on names and shares;
  // before the output folder is made, so a glob that matches nothing (exit 2) leaves no folder behind.
  const notes: InputNotes = { loops: [], duplicates: [] };
  const all = collectInputs(positionals, s.manifest, notes);

  let lock: Lock;
  try {
    makeOutFolder(out);
    lock = acquireLock(out, shard);
  } catch (err) {
    if (err instanceof RangeError) {
      console.error(`limeshap: ${err.message}`); // a file where the folder should be: another --out is needed
      return EXIT.USAGE;
    }
    if (err instanceof LockHeldError) {
      console.error(`limeshap: ${printable(err.message)}`);
      return EXIT.LOCKED;
    }
    // A read-only or full disk: not a usage error (a file in the folder's way was one, above).
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
    for (const loop of notes.loops) log(`skipped ${printable(loop)}: a link back into a folder already being walked (loop)`);
    for (const [dropped, kept] of notes.duplicates) log(`${printable(dropped)}: the same file as ${printable(kept)}, explained once`);
    const started = performance.now();
    const names = outputNames(all);
    const curves = drawsCurves(s.evaluate);
    const mine = shardOf(all, shard);
    const summary = new SummaryCollector(mine);
    // For --json: the pictures, the arrays each JSON names (those written: the SHAP label map only
    // over superpixels) and the JSON files.
    const outputFiles = (name: string) => {
      const o = outputsOf(out, name, method, curves, s.gradients);
      const arrays = o.json.flatMap((j) => savedArrayFiles(out, name, j.method).filter((f) => fs.existsSync(f)));
      return [...o.png, ...arrays, ...o.json.map((j) => j.file)];
    };
    // Lines printed while the progress bar shows go above it (see ProgressDisplay.print).
    let say = log;
    if (shard) log(`shard ${shard.index}/${shard.count}: ${mine.length} of ${all.length} inputs`);

    const hashOf = async (flag: string, file: string | undefined) => {
      if (file === undefined) return null;
      try {
        return await hashFile(file);
      } catch (err) {
        throw new Error(`cannot read --${flag} ${file}: ${message(err)}`, { cause: err });
      }
    };
    const modelHash = await hashOf('model', s.model);
    const classHash = await hashOf('class-names', s.classNames);
    // Every option that changes a method's numbers, labels or outputs; see fingerprint.ts.
    const fingerprints = {
      ...explainFingerprints(s, modelHash as string, classHash),
      ...gradientFingerprints(s, modelHash as string, classHash),
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
      if (!s.resume) {
        todo.push(file);
        continue;
      }
      const state = await imageState(outputsOf(out, name, method, curves, s.gradients), fingerprints);
      if (state === 'done') {
        skipped++;
        summary.set({ image: file, name, status: 'skipped', outputs: outputFiles(name) });
        failures.clear(name); // finished by an earlier run that stopped before clearing its record
      } else if (state === 'todo') {
        todo.push(file);
      } else if (s.force) {
        todo.push(file);
        differing.push({ file, diff: state });
      } else {
        differing.push({ file, diff: state });
      }
    }
    if (differing.length && !s.force) {
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

    let done = 0,
      failed = 0;
    let fatal: string | undefined;
    /** Records a failure; false when even that fails (the run must stop). */
    const recordFailure = (file: string, err: unknown, ms?: number): boolean => {
      failed++;
      const text = message(err);
      summary.set({ image: file, name: names.get(file) as string, status: 'failed', error: text, outputs: [], ms });
      say(`${printable(path.basename(file))}: FAILED: ${printable(text)}`);
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
      const err = new RangeError(
        `output name "${name.slice(0, 40)}…" is ${Buffer.byteLength(name)} bytes: with its suffixes it exceeds the ${NAME_MAX}-byte file name limit; rename the input`,
      );
      if (!recordFailure(file, err)) break;
    }

    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) {
        lock.release(); // exit handlers do not run the finally below
        process.exit(EXIT.INTERRUPTED); // a second Ctrl-C: stop now
      }
      stop.abort();
      say('\ninterrupted: finishing the images in flight (Ctrl-C again to quit now); run again with --resume to finish the job');
    };
    let interrupted = false;
    if (fatal === undefined && todo.length) {
      const warning = await presetWarning(s.model, s.preset);
      if (warning) log(warning);
      const explainer = await createExplainer(s.model, {
        preprocess: s.preset,
        classNames: s.classNames,
        executionProviders: s.providers,
        inference: s.inference,
        compositing: s.compositing,
      });
      // --top is both what is printed and what is explained; a model with fewer classes explains them all.
      const topLabels = s.top === undefined ? undefined : Math.min(s.top, explainer.model.classes ?? s.top);
      process.on('SIGINT', onSigint);
      const progress = new ProgressDisplay();
      progress.start(todo.length, skipped);
      say = (line) => progress.print(() => log(line));
      try {
        const batchOptions: Omit<BatchOptions, 'method'> = {
          lime: { ...limeOptionsOf(s), topLabels, labels: s.labels as number[] | undefined },
          shap: {
            algorithm: s.algorithm,
            maxEvals: s.maxEvals,
            errorTarget: s.errorTarget,
            maxEvalsLimit: s.maxEvalsLimit,
            features: s.features,
            seed: s.seed,
            topLabels,
            labels: s.labels as number[] | undefined,
            // Pixel features have no segmentation (readExplainSettings refuses --segmentation with SHAP alone then).
            segmentation: shapFeatures(s) === 'superpixels' ? s.segmentation : undefined,
            // Expected gradients (--algorithm gradient) take --masker as their background and --eg-samples.
            ...(s.algorithm === 'gradient' ? { background: s.masker, nSamples: s.egSamples } : { masker: s.masker }),
          },
          evaluate: s.evaluate === undefined ? undefined : { metrics: s.evaluate, seed: s.seed },
          concurrency: s.concurrency,
          maxInputBytes: s.maxInputBytes,
          signal: stop.signal,
          onProgress: (p) => progress.update({ ...p, total: todo.length }),
        };
        // Gradient methods alone: each image goes straight to them (explain-gradients.ts), no LIME or SHAP batch.
        const batch =
          method === 'none'
            ? gradientOnlyBatch(todo, stop.signal, batchOptions.onProgress as (p: BatchProgress) => void)
            : explainer.explainBatch(todo, { ...batchOptions, method });
        for await (const item of batch) {
          const file = item.input as string;
          const name = names.get(file) as string;
          try {
            if (!item.ok) throw item.error;
            const meta = { image: file, model: s.model };
            // Pictures first, JSON last: a JSON that parses, with its arrays, means the image is complete (--resume).
            if (item.lime) {
              // Every explained class, each panel titled with its class.
              writeAtomic(path.join(out, `${name}.lime.png`), await renderLime(item.lime, { classIndex: 'all' }));
              writeAtomic(path.join(out, `${name}.lime-heatmap.png`), await renderLime(item.lime, { kind: 'heatmap', classIndex: 'all' }));
            }
            if (item.shap) writeAtomic(path.join(out, `${name}.shap.png`), await renderShap(item.shap));
            if (curves && item.limeEvaluation)
              writeAtomic(path.join(out, `${name}.lime-curves.png`), await renderCurves(item.limeEvaluation));
            if (curves && item.shapEvaluation)
              writeAtomic(path.join(out, `${name}.shap-curves.png`), await renderCurves(item.shapEvaluation));
            const evaluation = (e: EvaluationResult | undefined) => (e === undefined ? {} : { evaluation: e });
            // saveLime/saveShap write the .npy arrays, then the JSON that names them.
            if (item.lime) saveLime(item.lime, out, name, { ...meta, ...evaluation(item.limeEvaluation), fingerprint: fingerprints.lime });
            if (item.shap) saveShap(item.shap, out, name, { ...meta, ...evaluation(item.shapEvaluation), fingerprint: fingerprints.shap });
            const t0 = performance.now();
            const gradients = await explainGradients(explainer, file, name, out, s, fingerprints);
            const ms = item.ms + performance.now() - t0;
            failures.clear(name);
            const first = item.lime ?? item.shap;
            const classes = first
              ? first.explanations.map((e) => `${e.label} ${(e.probability * 100).toFixed(1)}%`).join(', ')
              : gradients.map((g) => `${GRADIENT_SHORT_NAMES[g.method]}: ${g.label}`).join(', ');
            if (!process.stderr.isTTY || todo.length <= 20) say(`${printable(path.basename(file))}: ${printable(classes)}`);
            summary.set(SummaryCollector.explained(file, name, outputFiles(name), item.lime, item.shap, ms));
            done++;
          } catch (err) {
            if (!recordFailure(file, err, item.ms)) {
              stop.abort(); // nothing more can be written: start no new image
              break;
            }
          }
        }
      } finally {
        progress.finish();
        say = log;
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
    /** With --json, the summary on stdout; returns `code`. */
    const finish = (code: number, extra: { report?: string; error?: string } = {}): number => {
      if (s.json) {
        const seconds = (performance.now() - started) / 1000;
        const head = {
          command: 'explain' as const,
          model: s.model,
          method,
          ...(s.gradients.length ? { gradients: s.gradients } : {}),
          out,
          exitCode: code,
          ...extra,
        };
        process.stdout.write(JSON.stringify(summary.build(head, names, failing, seconds), null, 1) + '\n');
      }
      return code;
    };
    if (fatal !== undefined) {
      console.error(`limeshap: stopped: ${fatal}. Free space (or fix the folder) and run again with --resume.`);
      return finish(EXIT.CANNOT_WRITE, { error: fatal });
    }
    const left = todo.length - done - (failed - tooLong.length);
    log(
      `${done} explained, ${failed} failed${skipped ? `, ${skipped} skipped (already done)` : ''}${interrupted ? `, ${left} not started (interrupted)` : ''}` +
        `${failing !== failed ? `; ${failing} failing in the folder (failures.jsonl)` : ''}; outputs in ${printable(out)}`,
    );
    const report = s.report ? await writeReport(out) : undefined;
    if (report !== undefined) log(`report: ${printable(report)}`);
    return finish(interrupted ? EXIT.INTERRUPTED : failed ? EXIT.SOME_FAILED : EXIT.OK, report === undefined ? {} : { report });
  }
}
