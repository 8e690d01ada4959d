// SPDX-License-Identifier: MIT
/** The exit codes of `limeshap explain` (and `segment`, which uses 0, 1 and 2), in one place. */
export const EXIT = {
  /** Every image explained. */
  OK: 0,
  /** Some images failed; each is in failures.jsonl. */
  SOME_FAILED: 1,
  /** Bad usage: an unknown flag or a bad value, a missing model, a glob or folder without images, --out naming a file. */
  USAGE: 2,
  /** Outputs cannot be written, not even a failure record (a full disk, a read-only folder): the run stopped. */
  CANNOT_WRITE: 3,
  /** Another live run holds the output folder (or an overlapping shard of it). */
  LOCKED: 4,
  /** --resume found outputs made with another model or other settings; --force redoes them. */
  SETTINGS_DIFFER: 5,
  /** Interrupted by Ctrl-C (SIGINT). */
  INTERRUPTED: 130,
} as const;
