/**
 * Raster drawing and PNG renderers for segmentations and LIME/SHAP
 * explanations. Pure TypeScript; sharp is used only to encode/decode files.
 * Text uses a built-in 5×7 bitmap font, so no system fonts are needed.
 *
 * @packageDocumentation
 */

export {
  type RgbImage,
  type Rgb,
  type PixelValues,
  type Interpolation,
  type BlitOptions,
  type TextOptions,
  type TextSize,
  WHITE,
  BLACK,
  TEXT_DARK,
  assertRgbImage,
  createImage,
  cloneImage,
  fromRaw,
  setPixel,
  blendColor,
  blendPixel,
  fillRect,
  strokeRect,
  resizeImage,
  blit,
  toGrayscale,
  measureText,
  drawText,
  wrapText,
} from './raster';
export { GLYPH_WIDTH, GLYPH_HEIGHT, GLYPH_ADVANCE, LINE_ADVANCE } from './font';
export {
  type BoundaryMode,
  type FindBoundariesOptions,
  type MarkBoundariesOptions,
  findBoundaries,
  markBoundaries,
  segmentMeans,
} from './boundaries';
export { type SheetTile, type ContactSheetOptions, contactSheet } from './sheet';
export {
  type ColorBarOptions,
  SHAP_RED,
  SHAP_BLUE,
  redTransparentBlue,
  absPercentile,
  formatTick,
  colorBar,
} from './colormap';
export { type HeatmapOptions, type ShapPanel, type ShapPlotOptions, heatmap, shapPlot } from './heatmap';
export {
  type LimeImageOptions,
  type LimeRenderOptions,
  type ImageAndMask,
  getImageAndMask,
  limeImage,
} from './lime';
export { encodePng, decodeImage } from './png';
