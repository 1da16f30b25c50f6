// How tiles are rendered (ViewParams) and the window/level maths on raw
// values. The window is in the scan's raw units (0..65535 for 16-bit data):
// `low` is shown black, `high` white; null means Rust's automatic window
// (the 0.5th to 99.5th percentile, `p_low`..`p_high`).

import type { Colormap, PlaneRange, ViewParams } from "../transport/types.ts";

export interface Window {
  low: number;
  high: number;
}

export const DEFAULT_VIEW: ViewParams = {
  window: null,
  invert: false,
  gamma: 1,
  colormap: "grey",
  edge: 0,
  materials: false,
};

export const COLORMAPS: readonly Colormap[] = ["grey", "hot", "jet", "bone", "viridis"];
/** Edge strength the E key switches on. */
export const EDGE_ON = 1.5;
export const EDGE_MAX = 10;
export const GAMMA_MIN = 0.1;
export const GAMMA_MAX = 10;

/** The raw range a window may take: the plane's min..max, or the bit depth's. */
export function rawRange(stats: PlaneRange | undefined, bits = 16): Window {
  if (stats !== undefined && stats.max > stats.min) return { low: stats.min, high: stats.max };
  return { low: 0, high: 2 ** Math.min(16, Math.max(1, bits)) - 1 };
}

export function autoWindow(stats: PlaneRange | undefined, bits = 16): Window {
  if (stats !== undefined && stats.p_high > stats.p_low) return { low: stats.p_low, high: stats.p_high };
  return rawRange(stats, bits);
}

/** The window tiles are drawn with. */
export function effectiveWindow(view: ViewParams, stats: PlaneRange | undefined, bits = 16): Window {
  return view.window ?? autoWindow(stats, bits);
}

/** Whole numbers inside `range`, with `low` at least 1 below `high`. */
export function clampWindow(w: Window, range: Window): Window {
  const span = range.high - range.low;
  if (span < 1) return { low: range.low, high: range.low + 1 };
  let low = Math.round(Math.min(Math.max(w.low, range.low), range.high - 1));
  let high = Math.round(Math.min(Math.max(w.high, range.low + 1), range.high));
  if (high <= low) {
    // Keep the side that moved last in place by pushing the other.
    if (high === range.low + 1) low = range.low;
    else low = high - 1;
  }
  if (high <= low) high = low + 1;
  return { low, high };
}

/** The low slider moved: the high end follows if it was passed. */
export function withLow(current: Window, low: number, range: Window): Window {
  const l = Math.round(Math.min(Math.max(low, range.low), range.high - 1));
  return clampWindow({ low: l, high: Math.max(current.high, l + 1) }, range);
}

/** The high slider moved: the low end follows if it was passed. */
export function withHigh(current: Window, high: number, range: Window): Window {
  const h = Math.round(Math.min(Math.max(high, range.low + 1), range.high));
  return clampWindow({ low: Math.min(current.low, h - 1), high: h }, range);
}

/**
 * Drag to window: moving right widens the window (less contrast), left
 * narrows it; moving down raises the level (darker), up lowers it. A drag
 * across the whole element changes width or level by the whole raw range.
 */
export function dragWindow(
  start: Window,
  delta: { dx: number; dy: number },
  size: { width: number; height: number },
  range: Window,
): Window {
  const span = range.high - range.low;
  const width = Math.max(1, start.high - start.low + (delta.dx / Math.max(1, size.width)) * span);
  const level = (start.low + start.high) / 2 + (delta.dy / Math.max(1, size.height)) * span;
  const half = Math.min(width, span) / 2;
  // Keep the width when the level runs into an end of the range.
  const centre = Math.min(Math.max(level, range.low + half), range.high - half);
  return clampWindow({ low: centre - half, high: centre + half }, range);
}

export function nextColormap(c: Colormap): Colormap {
  const i = COLORMAPS.indexOf(c);
  return COLORMAPS[(i + 1) % COLORMAPS.length] ?? "grey";
}

export function toggledEdge(edge: number): number {
  return edge > 0 ? 0 : EDGE_ON;
}

export function clampGamma(g: number): number {
  if (!Number.isFinite(g)) return 1;
  return Math.round(Math.min(GAMMA_MAX, Math.max(GAMMA_MIN, g)) * 100) / 100;
}

export function clampEdge(e: number): number {
  if (!Number.isFinite(e)) return 0;
  return Math.round(Math.min(EDGE_MAX, Math.max(0, e)) * 10) / 10;
}

/** Materials colouring needs both planes of a dual-energy scan. */
export function materialsAvailable(planes: number): boolean {
  return planes >= 2;
}

/** The view with only the fields Rust takes, in a fixed order (for data-view and cache keys). */
export function viewJson(v: ViewParams): string {
  const view: ViewParams = {
    window: v.window === null ? null : { low: v.window.low, high: v.window.high },
    invert: v.invert,
    gamma: v.gamma,
    colormap: v.colormap,
    edge: v.edge,
    materials: v.materials,
  };
  return JSON.stringify(view);
}
