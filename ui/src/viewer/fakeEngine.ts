// A stand-in for OpenSeadragon in component tests: a plain scale-and-offset
// view, with every call recorded and the engine's events raised by hand.

import type { Bounds, EngineFactory, EngineHandlers, TileSourceSpec, ViewerEngine } from "./engine.ts";
import type { Point } from "./geometry.ts";

export class FakeEngine implements ViewerEngine {
  readonly sources: TileSourceSpec[] = [];
  readonly calls: string[] = [];
  mouseNav = true;
  /** Screen px per image px, and the element position of image (0, 0). */
  scale = 0.1;
  offset: Point = { x: 0, y: 0 };
  private viewBounds: Bounds = { x: 0, y: 0, w: 1, h: 1 };

  constructor(readonly handlers: EngineHandlers) {}

  show(source: TileSourceSpec): void {
    this.sources.push(source);
  }
  imageToElement(p: Point): Point {
    return { x: p.x * this.scale + this.offset.x, y: p.y * this.scale + this.offset.y };
  }
  elementToImage(p: Point): Point {
    return { x: (p.x - this.offset.x) / this.scale, y: (p.y - this.offset.y) / this.scale };
  }
  imageZoom(): number {
    return this.scale;
  }
  zoomBy(factor: number): void {
    this.calls.push(`zoomBy ${factor}`);
    this.scale *= factor;
    this.handlers.viewport();
  }
  home(): void {
    this.calls.push("home");
  }
  bounds(): Bounds {
    return this.viewBounds;
  }
  fitBounds(b: Bounds): void {
    this.calls.push(`fitBounds ${b.x} ${b.y} ${b.w} ${b.h}`);
    this.viewBounds = b;
  }
  setMouseNav(enabled: boolean): void {
    this.mouseNav = enabled;
  }
  destroy(): void {
    this.calls.push("destroy");
  }
}

/** A factory that hands out fake engines and remembers them. */
export function fakeEngineFactory(): { factory: EngineFactory; engines: FakeEngine[] } {
  const engines: FakeEngine[] = [];
  const factory: EngineFactory = (_el, handlers) => {
    const e = new FakeEngine(handlers);
    engines.push(e);
    return Promise.resolve(e);
  };
  return { factory, engines };
}
