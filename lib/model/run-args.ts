// SPDX-License-Identifier: MIT
/** The argument checks of {@link Model.run}, shared by the main-thread model and the worker proxy. */
import { checkNumber, rangeError, typeError } from '../validate';
import type { Model } from './types';

/**
 * Checks the arguments of {@link Model.run} against the model's input; returns `[height, width]`.
 * Shared by both threads, so a worker model throws the same errors before posting anything.
 */
export function checkRunArgs(
  m: Pick<Model, 'inputType' | 'height' | 'width' | 'channels'>,
  what: string,
  data: unknown,
  count: unknown,
  size: unknown,
): { height: number; width: number; count: number } {
  const expectedType = m.inputType === 'float16' ? Uint16Array : Float32Array;
  if (!(data instanceof expectedType)) throw typeError('data', `a ${expectedType.name} (the model input is ${m.inputType})`, data);
  const n = checkNumber('count', count, { integer: true, min: 0 });
  let height = m.height;
  let width = m.width;
  if (size !== undefined) {
    if (!Array.isArray(size) || size.length !== 2) throw typeError('size', '[height, width]', size);
    const h = checkNumber('size[0]', size[0], { integer: true, min: 1 });
    const w = checkNumber('size[1]', size[1], { integer: true, min: 1 });
    if ((height !== undefined && h !== height) || (width !== undefined && w !== width))
      throw rangeError('size', `[${height ?? h}, ${width ?? w}] (the model's input size)`, `[${h}, ${w}]`);
    [height, width] = [h, w];
  }
  if (height === undefined || width === undefined)
    throw rangeError('size', `[height, width]: model ${what} has dynamic input height/width`, size);
  const C = m.channels ?? 3;
  const perImage = C * height * width;
  if ((data as Float32Array | Uint16Array).length !== n * perImage)
    throw rangeError(
      'data',
      `length ${n * perImage} (${n} images of ${C} x ${height} x ${width})`,
      `length ${(data as Float32Array).length}`,
    );
  return { height, width, count: n };
}
