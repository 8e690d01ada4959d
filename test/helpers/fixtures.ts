// SPDX-License-Identifier: MIT
/** Small shared fixtures of the tests. */

/**
 * Preprocessing that keeps pixel values as x = pixel / 255, NCHW, RGB, no resizing of an image of
 * the model's size: what the glass-box models' closed forms assume.
 */
export function identityPreprocess(height: number, width: number) {
  return {
    size: [height, width] as [number, number],
    resize: 'stretch' as const,
    layout: 'nchw' as const,
    channels: 'rgb' as const,
    scale: 1 / 255,
    mean: 0,
    std: 1,
  };
}
