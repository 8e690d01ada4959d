// SPDX-License-Identifier: MIT
/**
 * What a backward rule sees of its node, and the attribute readers the rules share.
 *
 * @packageDocumentation
 */
import type { NodeProto } from '../onnx/types';
import type { Emitter } from './emitter';

/** One forward node, seen by its backward rule. */
export interface RuleContext {
  readonly node: NodeProto;
  readonly e: Emitter;
  /** Name of input `i` (`''` when an optional input is absent). */
  input(i: number): string;
  /** Name of output `k`. */
  output(k: number): string;
  /** Whether input `i` depends on the image (only those get a gradient). */
  needs(i: number): boolean;
  /** The gradient of output `k` (default 0); undefined when that output does not reach the model output. */
  dy(k?: number): string | undefined;
  /** The value's shape from the shape probe (batch dimension 1). */
  shape(name: string): number[];
  /** The integer values of an initializer (e.g. a Reduce's `axes` input), or undefined when `name` is not one. */
  constantInts(name: string): number[] | undefined;
  /** An Error naming the node and its operator, for what the rule cannot differentiate. */
  fail(reason: string): Error;
}

/** A backward rule: the gradient of each input (undefined where none is needed). */
export type Rule = (c: RuleContext) => (string | undefined)[];

/** The node's INT attribute `name`, or `fallback`. */
export function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.i === undefined ? fallback : Number(a.i);
}

/** The node's INTS attribute `name`, or undefined. */
export function intsAttr(node: NodeProto, name: string): number[] | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.ints === undefined ? (a === undefined ? undefined : []) : a.ints.map(Number);
}

/** The node's FLOAT attribute `name`, or `fallback`. */
export function floatAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.f === undefined ? fallback : a.f;
}

/** The node's STRING attribute `name`, or `fallback`. */
export function stringAttr(node: NodeProto, name: string, fallback: string): string {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.s === undefined ? fallback : new TextDecoder().decode(a.s);
}

/** A possibly negative axis made non-negative for a tensor of `rank`. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
