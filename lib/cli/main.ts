#!/usr/bin/env node
// SPDX-License-Identifier: MIT
/** The `limeshap` command. */
import { explainCommand, EXPLAIN_USAGE } from './explain-command';
import { inspectCommand, INSPECT_USAGE } from './inspect-command';
import { segmentCommand, SEGMENT_USAGE } from './segment-command';
import { nearest } from './suggest';
import { printable } from './terminal';
import { VERSION } from '../version';

const COMMANDS = ['explain', 'segment', 'inspect'];

const USAGE = `Usage: limeshap <command> [options]
       limeshap --version

Commands:
  explain    classify images and explain them with LIME and/or SHAP (--method lime, shap or both;
             JSON + pictures per image)
  segment    compare segmentation parameters on images (table, CSV/JSON, overlays, contact sheets);
             with --model M --evaluate …, rank them by the quality of the explanations they give
  inspect    show a model's inputs, outputs and metadata and the preprocessing preset it expects

Run "limeshap <command> --help" for a command's options.

${EXPLAIN_USAGE}

${SEGMENT_USAGE}

${INSPECT_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'explain':
      return explainCommand(rest);
    case 'segment':
      return segmentCommand(rest);
    case 'inspect':
      return inspectCommand(rest);
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    case '-v':
    case '--version':
      console.log(VERSION);
      return 0;
    default: {
      const guess = nearest(command.replace(/^-+/, ''), COMMANDS);
      console.error(`limeshap: unknown command "${printable(command)}"${guess ? `; did you mean ${guess}?` : ''}\n\n${USAGE}`);
      return 2;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    // Messages may quote what was typed (a flag, a glob): made terminal-safe line by line.
    console.error(`limeshap: ${err.message.split('\n').map(printable).join('\n')}`);
    process.exitCode = 2;
  },
);
