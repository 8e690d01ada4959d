// SPDX-License-Identifier: MIT
// Colour conversions with scikit-image's float64 semantics (skimage.color.rgb2lab, D65, 2°).
#pragma once

namespace limeshap {

/// sRGB gamma expansion of a value in [0, 1]: x > 0.04045 ? ((x + 0.055) / 1.055)^2.4 : x / 12.92.
double SrgbToLinear(double x);

/// Gamma-expanded RGB -> CIE Lab: XYZ = M·rgb summed left to right, / D65 white, CbrtNearest above
/// 0.008856 (else 7.787 t + 16/116), L = 116 fy - 16, a = 500 (fx - fy), b = 200 (fy - fz).
void LinearRgbToLab(const double linear[3], double lab[3]);

/// sRGB in [0, 1] -> CIE Lab, operation for operation as skimage.color.rgb2lab in float64.
void RgbToLab(const double rgb[3], double lab[3]);

/// RgbToLab of an 8-bit pixel taken as u8 * (1/255) (skimage's img_as_float): the same numbers, with the
/// gamma step read from a 256-entry table (computed by the same expression, so identical).
void RgbU8ToLab(const unsigned char rgb[3], double lab[3]);

/// Cube root rounded to the nearest double. numpy's cbrt (what skimage calls) is vectorised and,
/// unlike glibc's cbrt (off by one ulp in about half of all inputs), almost always correctly rounded;
/// with glibc's cbrt 7 pixels of the horses_299 reference land in another segment, with this none.
double CbrtNearest(double x);

}  // namespace limeshap
