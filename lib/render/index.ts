// SPDX-License-Identifier: MIT
/**
 * The renderers the rest of the library draws with: LIME's picture, heat maps, shap's `image_plot`,
 * segment boundaries and contact sheets, all on the library's one image type ({@link RgbImage}),
 * and PNG encoding. Pixels are drawn in TypeScript (the 5×7 bitmap font, shap's colour map, skimage's
 * boundary rules, resampling that sharp does not reproduce: see each module); sharp encodes.
 */
export type { RgbImage } from '../image';
export { type BoundaryMode, type MarkBoundariesOptions, markBoundaries } from './boundaries';
export { type HeatmapOptions, type ShapPanel, type ShapPlotOptions, heatmap, shapPlot } from './heatmap';
export { type LimeImageOptions, type LimeRenderOptions, limeImage } from './lime';
export { encodePng } from './png';
export { type ContactSheetOptions, type SheetTile, contactSheet } from './sheet';
export { type CurvesOptions, type PlotArea, DELETION_COLOR, INSERTION_COLOR, curvesImage } from './curves';
