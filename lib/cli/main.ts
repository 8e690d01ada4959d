#!/usr/bin/env node
// SPDX-License-Identifier: MIT
/** The `limeshap` command. */
import { explainCommand, EXPLAIN_USAGE } from './explain-command';
import { segmentCommand, SEGMENT_USAGE } from './segment-command';

const USAGE = `Usage: limeshap <command> [options]

Commands:
  explain    classify images and explain them with LIME (JSON + pictures per image)
  segment    compare segmentation parameters on images (table, CSV/JSON, overlays, contact sheets);
             with --model M --evaluate …, rank them by the quality of the explanations they give

Run "limeshap <command> --help" for a command's options.

${EXPLAIN_USAGE}

${SEGMENT_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'explain':
      return explainCommand(rest);
    case 'segment':
      return segmentCommand(rest);
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`limeshap: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    console.error(`limeshap: ${err.message}`);
    process.exitCode = 2;
  },
);
