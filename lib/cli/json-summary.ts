// SPDX-License-Identifier: MIT
/**
 * `limeshap explain --json`: one JSON document on stdout at the end of a run, for scripts. Human
 * output (per-image lines, progress, the closing line) goes to stderr then, so stdout parses as is.
 */
import type { LimeResult } from '../lime';
import type { ShapResult } from '../shap';

/** What became of one input. */
export type ImageStatus = 'explained' | 'failed' | 'skipped' | 'not-started';

/** One input's entry in the summary. */
export interface ImageSummary {
  /** The input as given (a path). */
  image: string;
  /** Its output name in the folder (NAME of NAME.lime.json…). */
  name: string;
  /** explained; failed (see `error`); skipped (done by an earlier run, --resume); not-started (interrupted). */
  status: ImageStatus;
  error?: string;
  /** The files written for it (explained) or found done (skipped), absolute paths. */
  outputs: string[];
  /** Explained: the explained classes of its first method (LIME, else SHAP), highest first. */
  classes?: { index: number; label: string; probability: number }[];
  /** Explained: each method's timings (ms per stage, own time, `wait` apart). */
  timings?: { lime?: LimeResult['timings']; shap?: ShapResult['timings'] };
  /** Milliseconds from the image's start to its results (explained or failed in the batch). */
  ms?: number;
}

/** The whole document. */
export interface RunSummary {
  command: 'explain';
  model: string;
  /** LIME and SHAP's part of --method ('none' when only gradient methods run). */
  method: 'lime' | 'shap' | 'both' | 'none';
  /** The gradient methods of --method, when any. */
  gradients?: string[];
  out: string;
  /** The exit code the run ends with. */
  exitCode: number;
  totals: {
    inputs: number;
    explained: number;
    failed: number;
    skipped: number;
    notStarted: number;
    /** Failures recorded in the folder (failures.jsonl), also of earlier runs. */
    failingInFolder: number;
    /** Wall time of the run, seconds. */
    seconds: number;
  };
  /** report.html, when --report wrote one. */
  report?: string;
  /** Why the run stopped early (outputs could not be written), when it did. */
  error?: string;
  images: ImageSummary[];
}

/** Collects images' entries in input order as a run goes, then builds the {@link RunSummary}. */
export class SummaryCollector {
  private readonly entries = new Map<string, ImageSummary>();

  /** @param order - every input of this run (its shard), in the order they are listed. */
  constructor(private readonly order: readonly string[]) {}

  /** Sets the entry of `entry.image` (a later call replaces an earlier one). */
  set(entry: ImageSummary): void {
    this.entries.set(entry.image, entry);
  }

  /** An image's explained entry from its results. */
  static explained(
    image: string,
    name: string,
    outputs: string[],
    lime: LimeResult | undefined,
    shap: ShapResult | undefined,
    ms: number,
  ): ImageSummary {
    const first = lime ?? shap;
    return {
      image,
      name,
      status: 'explained',
      outputs,
      classes: first?.explanations.map((e) => ({ index: e.index, label: e.label, probability: e.probability })),
      timings: { ...(lime ? { lime: lime.timings } : {}), ...(shap ? { shap: shap.timings } : {}) },
      ms,
    };
  }

  /** The document: inputs without an entry are `not-started`. */
  build(
    head: Omit<RunSummary, 'images' | 'totals'>,
    names: ReadonlyMap<string, string>,
    failingInFolder: number,
    seconds: number,
  ): RunSummary {
    const images = this.order.map(
      (image) => this.entries.get(image) ?? { image, name: names.get(image) ?? '', status: 'not-started' as const, outputs: [] },
    );
    const count = (status: ImageStatus) => images.filter((i) => i.status === status).length;
    return {
      ...head,
      totals: {
        inputs: images.length,
        explained: count('explained'),
        failed: count('failed'),
        skipped: count('skipped'),
        notStarted: count('not-started'),
        failingInFolder,
        seconds,
      },
      images,
    };
  }
}
