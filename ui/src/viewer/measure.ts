// The ruler: a distance in full-resolution image pixels, shown in
// millimetres or metres when the scanner gave the pixel size, else in pixels.

import type { Point } from "./geometry.ts";

export interface Length {
  value: number;
  unit: "mm" | "m" | "px";
  /** Fraction digits worth showing. */
  digits: number;
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

/** A length in image pixels, in the unit a person reads best. */
export function lengthOf(pixels: number, pixelMm: number | null): Length {
  if (pixelMm === null || !(pixelMm > 0)) return { value: pixels, unit: "px", digits: 0 };
  const mm = pixels * pixelMm;
  if (mm >= 1000) return { value: mm / 1000, unit: "m", digits: 2 };
  return { value: mm, unit: "mm", digits: mm >= 100 ? 0 : 1 };
}

/** The number part, localised (decimal comma in Ukrainian). */
export function formatNumber(value: number, digits: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** Image zoom (screen pixels per image pixel) as a percentage. */
export function zoomPercent(imageZoom: number): number {
  if (!(imageZoom > 0)) return 0;
  return imageZoom >= 0.1 ? Math.round(imageZoom * 100) : Math.round(imageZoom * 1000) / 10;
}
