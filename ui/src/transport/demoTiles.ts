// Made-up X-ray pictures for the IN-MEMORY TRANSPORT only (development and
// tests). The real tiles are rendered by Rust from the scan's 16-bit data;
// here each tile is a small SVG (a data: URL) of a synthetic truck, drawn
// in full-resolution image coordinates and cut to the tile's bounds, so
// tiles join without seams. The view parameters change the colours (window,
// invert, gamma, colour map, materials, edges), so the URL changes with
// them, as the real tile URLs do. A training image's item (an exercise's,
// or one projected into a live scan) is drawn in it as a dense block.

import type { Colormap, PlaneRange, ScanInfo, ViewParams } from "./types.ts";

/** A part of the synthetic picture: raw attenuation value and material. */
interface Part {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Raw value (16-bit scale: low is dense, high is air). */
  raw: number;
  material: "organic" | "mixed" | "metal";
}

/** Relative layout (0..1) of a tractor and a container trailer. */
const LAYOUT: readonly Part[] = [
  { x: 0.02, y: 0.35, w: 0.16, h: 0.5, raw: 21_000, material: "metal" }, // cab
  { x: 0.03, y: 0.42, w: 0.06, h: 0.18, raw: 42_000, material: "mixed" }, // windscreen
  { x: 0.2, y: 0.12, w: 0.76, h: 0.72, raw: 38_000, material: "mixed" }, // container
  { x: 0.24, y: 0.2, w: 0.3, h: 0.55, raw: 30_000, material: "organic" }, // cargo
  { x: 0.6, y: 0.3, w: 0.08, h: 0.3, raw: 15_000, material: "metal" }, // dense block
  { x: 0.7, y: 0.2, w: 0.22, h: 0.55, raw: 33_000, material: "organic" }, // cargo
  { x: 0.02, y: 0.86, w: 0.95, h: 0.04, raw: 12_000, material: "metal" }, // chassis
];

const AIR = 60_000;

/** A threat item drawn into the picture: its box `[x, y, w, h]` in image pixels. */
export interface DemoItem {
  bbox: readonly [number, number, number, number];
}

/** How dense an item is drawn: denser than anything of the load, so it shows. */
const ITEM_RAW = 9_000;

/** The raw-value statistics the in-memory transport reports. */
export function demoStats(planes: number, bits: number): PlaneRange[] {
  const scale = bits <= 8 ? 255 / 65_535 : 1;
  const plane = (shift: number): PlaneRange => ({
    min: Math.round(8_000 * scale),
    max: Math.round((62_000 - shift) * scale),
    p_low: Math.round((11_000 + shift) * scale),
    p_high: Math.round((AIR - shift) * scale),
  });
  return planes > 1 ? [plane(0), plane(4_000)] : [plane(0)];
}

// A few stops per colour map; linear interpolation in between.
const STOPS: Readonly<Record<Colormap, readonly [number, number, number][]>> = {
  grey: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  hot: [
    [0, 0, 0],
    [230, 0, 0],
    [255, 210, 0],
    [255, 255, 255],
  ],
  jet: [
    [0, 0, 140],
    [0, 120, 255],
    [0, 255, 160],
    [255, 230, 0],
    [220, 0, 0],
  ],
  bone: [
    [0, 0, 0],
    [80, 80, 110],
    [165, 195, 195],
    [255, 255, 255],
  ],
  viridis: [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ],
};

function sample(map: Colormap, v: number): [number, number, number] {
  const stops = STOPS[map];
  const pos = Math.min(1, Math.max(0, v)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const a = stops[i] ?? [0, 0, 0];
  const b = stops[i + 1] ?? a;
  const f = pos - i;
  return [0, 1, 2].map((k) => Math.round((a[k] ?? 0) + ((b[k] ?? 0) - (a[k] ?? 0)) * f)) as [number, number, number];
}

const MATERIAL_RGB: Readonly<Record<Part["material"], [number, number, number]>> = {
  organic: [255, 150, 40],
  mixed: [60, 200, 80],
  metal: [60, 110, 255],
};

/** The colour of a raw value under the view, as Rust's renderer would pick it. */
export function demoColour(raw: number, material: Part["material"], info: ScanInfo, view: ViewParams): string {
  const stats = info.stats[0];
  const low = view.window?.low ?? stats?.p_low ?? 0;
  const high = view.window?.high ?? stats?.p_high ?? 65_535;
  const scaled = info.bits <= 8 ? (raw * 255) / 65_535 : raw;
  let v = high > low ? (scaled - low) / (high - low) : 0;
  v = Math.min(1, Math.max(0, v)) ** (1 / view.gamma);
  if (view.invert) v = 1 - v;
  let rgb = sample(view.colormap, v);
  if (view.materials && info.planes > 1) {
    const m = MATERIAL_RGB[material];
    rgb = [0, 1, 2].map((k) => Math.round(((m[k] ?? 0) * (1 - v) + 255 * v) * 0.9)) as [number, number, number];
  }
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

function svg(
  info: ScanInfo,
  view: ViewParams,
  box: { x: number; y: number; w: number; h: number },
  px: { w: number; h: number },
  items: readonly DemoItem[],
): string {
  const W = info.width;
  const H = info.height;
  const edge = view.edge > 0 ? ` stroke="${view.invert ? "#000" : "#fff"}" stroke-width="${(view.edge * W) / 1500}"` : "";
  const parts = LAYOUT.map(
    (p) =>
      `<rect x="${p.x * W}" y="${p.y * H}" width="${p.w * W}" height="${p.h * H}" fill="${demoColour(p.raw, p.material, info, view)}"${edge}/>`,
  ).join("");
  const drawn = items
    .map(({ bbox: [x, y, w, h] }) => {
      const r = Math.min(w, h) / 6;
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${r}" fill="${demoColour(ITEM_RAW, "metal", info, view)}"${edge}/>`;
    })
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px.w}" height="${px.h}" ` +
    `viewBox="${box.x} ${box.y} ${box.w} ${box.h}" preserveAspectRatio="none">` +
    `<rect x="0" y="0" width="${W}" height="${H}" fill="${demoColour(AIR, "organic", info, view)}"/>${parts}${drawn}</svg>`
  );
}

const dataUrl = (s: string): string => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(s)}`;

/** One tile (DZI numbering: `max_level` is full size). */
export function demoTileUrl(info: ScanInfo, level: number, x: number, y: number, view: ViewParams, items: readonly DemoItem[] = []): string {
  const scale = 2 ** (info.max_level - level);
  const levelW = Math.ceil(info.width / scale);
  const levelH = Math.ceil(info.height / scale);
  const ts = info.tile_size;
  const w = Math.max(0, Math.min(ts, levelW - x * ts));
  const h = Math.max(0, Math.min(ts, levelH - y * ts));
  const box = { x: x * ts * scale, y: y * ts * scale, w: w * scale, h: h * scale };
  return dataUrl(svg(info, view, box, { w, h }, items));
}

/** The whole picture, longer side `maxSide`. */
export function demoThumbnailUrl(info: ScanInfo, maxSide: number, view: ViewParams, items: readonly DemoItem[] = []): string {
  const k = maxSide / Math.max(info.width, info.height);
  const px = { w: Math.max(1, Math.round(info.width * k)), h: Math.max(1, Math.round(info.height * k)) };
  return dataUrl(svg(info, view, { x: 0, y: 0, w: info.width, h: info.height }, px, items));
}

/** DZI's top level: the smallest L with 2^L ≥ the longer side. */
export function dziMaxLevel(width: number, height: number): number {
  return Math.ceil(Math.log2(Math.max(1, width, height)));
}
