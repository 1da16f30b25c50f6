// What the viewer needs from a deep-zoom engine. The real one is
// OpenSeadragon (osdEngine.ts); components are tested with a fake
// (fakeEngine.ts), since OpenSeadragon does not run without a real browser.

import type { Point } from "./geometry.ts";

/** A tile pyramid as OpenSeadragon takes it: DZI levels, no overlap. */
export interface TileSourceSpec {
  width: number;
  height: number;
  tileSize: number;
  /** Lowest level drawn (the level whose image fits in about one tile). */
  minLevel: number;
  /** Full size. */
  maxLevel: number;
  getTileUrl(level: number, x: number, y: number): string;
}

/** The visible part of the image in viewport units (image width = 1). */
export interface Bounds {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface EngineHandlers {
  /** The view moved (pan, zoom, animation frame, resize). */
  viewport(): void;
  /** One tile was loaded and drawn. */
  tileLoaded(): void;
  /** Every tile the current view needs is drawn (OpenSeadragon's fully-loaded). */
  fullyLoaded(): void;
  /** The tile source could not be opened. */
  failed(message: string): void;
}

export interface ViewerEngine {
  /**
   * Shows a tile source. The first call opens it at the home view; later
   * calls (new view parameters, so new tile URLs) keep the viewport and
   * swap the tiles in when they are loaded.
   */
  show(source: TileSourceSpec): void;
  imageToElement(p: Point): Point;
  elementToImage(p: Point): Point;
  /** Screen pixels per full-resolution image pixel. */
  imageZoom(): number;
  zoomBy(factor: number): void;
  home(): void;
  bounds(): Bounds;
  fitBounds(b: Bounds): void;
  /** Off while a drawing or measuring tool has the pointer. */
  setMouseNav(enabled: boolean): void;
  destroy(): void;
}

export type EngineFactory = (element: HTMLElement, handlers: EngineHandlers) => Promise<ViewerEngine>;

/** The lowest level worth drawing: the one where the longer side fits one tile. */
export function minLevelFor(maxLevel: number, tileSize: number): number {
  return Math.max(0, Math.min(maxLevel, Math.floor(Math.log2(Math.max(1, tileSize)))));
}
