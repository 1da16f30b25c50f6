// The deep-zoom engine: OpenSeadragon behind the small ViewerEngine
// interface. The only module that imports OpenSeadragon (loaded on demand,
// so it stays out of the first bundle and out of jsdom tests).
//
// New view parameters mean new tile URLs (and so new cache keys): the new
// tiled image is added on top with the viewport unchanged, and the old one
// is removed once the new one has every tile of the current view, so the
// picture never goes blank while a window or colour map changes.

import OpenSeadragon from "openseadragon";
import type { Bounds, EngineHandlers, TileSourceSpec, ViewerEngine } from "./engine.ts";
import type { Point } from "./geometry.ts";

type TiledImage = OpenSeadragon.TiledImage;

function tileSource(spec: TileSourceSpec): OpenSeadragon.TileSource {
  const source = new OpenSeadragon.TileSource({
    width: spec.width,
    height: spec.height,
    tileSize: spec.tileSize,
    tileOverlap: 0,
    minLevel: spec.minLevel,
    maxLevel: spec.maxLevel,
  });
  source.getTileUrl = (level: number, x: number, y: number): string => spec.getTileUrl(level, x, y);
  return source;
}

class OsdEngine implements ViewerEngine {
  private readonly viewer: OpenSeadragon.Viewer;
  private opened = false;
  /** The generation of the newest `show`; older swaps are dropped. */
  private generation = 0;
  private pending: TiledImage | null = null;
  /**
   * The whole image is in view as opened (or after "whole image"), not
   * zoomed or moved by hand: a resize (the side panel hidden, the window
   * made larger) fits it to the new size. Otherwise the image keeps its
   * size on screen, so a detail being looked at stays where it is.
   */
  private fitted = true;

  constructor(element: HTMLElement, handlers: EngineHandlers, drawer: OpenSeadragon.DrawerType) {
    this.viewer = OpenSeadragon({
      element,
      drawer,
      crossOriginPolicy: false,
      showNavigationControl: false,
      // Our own keys (W is a tool here, not "pan up").
      keyboardNavEnabled: false,
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true, flickEnabled: false },
      animationTime: 0.4,
      maxZoomPixelRatio: 8,
      visibilityRatio: 0.5,
      preserveImageSizeOnResize: true,
      silenceMultiImageWarnings: true,
    });
    const v = this.viewer;
    const moved = (): void => handlers.viewport();
    v.addHandler("open", moved);
    v.addHandler("animation", moved);
    v.addHandler("update-viewport", moved);
    v.addHandler("resize", moved);
    const byHand = (): void => {
      this.fitted = false;
    };
    v.addHandler("canvas-drag", byHand);
    v.addHandler("canvas-scroll", byHand);
    v.addHandler("canvas-pinch", byHand);
    v.addHandler("canvas-double-click", byHand);
    // OpenSeadragon adjusts the zoom once more after this event: fit on the next frame.
    v.addHandler("after-resize", () => {
      if (this.fitted) requestAnimationFrame(() => this.fitted && v.viewport.goHome(true));
    });
    v.addHandler("tile-loaded", () => handlers.tileLoaded());
    v.addHandler("fully-loaded-change", (e) => {
      if (e.fullyLoaded) handlers.fullyLoaded();
    });
    v.addHandler("open-failed", (e) => handlers.failed(e.message));
    v.addHandler("add-item-failed", (e) => handlers.failed(e.message));
  }

  show(spec: TileSourceSpec): void {
    const source = tileSource(spec);
    this.generation += 1;
    if (!this.opened) {
      this.opened = true;
      this.viewer.open({ tileSource: source });
      return;
    }
    const generation = this.generation;
    const world = this.viewer.world;
    this.viewer.addTiledImage({
      tileSource: source,
      index: world.getItemCount(),
      success: (event: unknown) => {
        const item = (event as { item: TiledImage }).item;
        if (generation !== this.generation) {
          world.removeItem(item);
          return;
        }
        if (this.pending !== null) world.removeItem(this.pending);
        this.pending = item;
        const swap = (): void => {
          if (this.pending !== item) return;
          this.pending = null;
          for (let i = world.getItemCount() - 1; i >= 0; i--) {
            const other = world.getItemAt(i);
            if (other !== item) world.removeItem(other);
          }
        };
        if (item.getFullyLoaded()) swap();
        else {
          const onLoaded = (e: { fullyLoaded: boolean }): void => {
            if (!e.fullyLoaded) return;
            item.removeHandler("fully-loaded-change", onLoaded);
            swap();
          };
          item.addHandler("fully-loaded-change", onLoaded);
        }
      },
    });
  }

  /** The image on top: all items share the same geometry. */
  private item(): TiledImage | null {
    const n = this.viewer.world.getItemCount();
    return n === 0 ? null : this.viewer.world.getItemAt(n - 1);
  }

  imageToElement(p: Point): Point {
    const item = this.item();
    if (item === null) return p;
    const q = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(p.x, p.y));
    return { x: q.x, y: q.y };
  }

  elementToImage(p: Point): Point {
    const item = this.item();
    if (item === null) return p;
    const q = item.viewerElementToImageCoordinates(new OpenSeadragon.Point(p.x, p.y));
    return { x: q.x, y: q.y };
  }

  imageZoom(): number {
    const item = this.item();
    return item === null ? 0 : item.viewportToImageZoom(this.viewer.viewport.getZoom(true));
  }

  zoomBy(factor: number): void {
    this.fitted = false;
    this.viewer.viewport.zoomBy(factor);
    this.viewer.viewport.applyConstraints();
  }

  home(): void {
    this.fitted = true;
    this.viewer.viewport.goHome();
  }

  bounds(): Bounds {
    const b = this.viewer.viewport.getBounds(true);
    return { x: b.x, y: b.y, w: b.width, h: b.height };
  }

  fitBounds(b: Bounds): void {
    this.fitted = false;
    this.viewer.viewport.fitBounds(new OpenSeadragon.Rect(b.x, b.y, b.w, b.h), true);
  }

  setMouseNav(enabled: boolean): void {
    this.viewer.setMouseNavEnabled(enabled);
  }

  destroy(): void {
    this.viewer.destroy();
  }
}

/**
 * `drawer`: the canvas drawer by default, which also draws tiles served
 * without CORS headers (a custom protocol), where WebGL would refuse them;
 * "html" for tests in jsdom, which has no canvas.
 */
export function createOsdEngine(
  element: HTMLElement,
  handlers: EngineHandlers,
  drawer: OpenSeadragon.DrawerType = "canvas",
): ViewerEngine {
  return new OsdEngine(element, handlers, drawer);
}
