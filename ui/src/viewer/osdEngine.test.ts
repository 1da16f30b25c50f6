// @vitest-environment jsdom
// The OpenSeadragon adapter in jsdom, with OpenSeadragon's HTML drawer
// (jsdom has no canvas, and loads no images: no tile is ever drawn here).
// What this checks: the tile source reaches OpenSeadragon with DZI levels
// as given, coordinates convert both ways, zoom works, and a second source
// (new view parameters) keeps the viewport.
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "@testing-library/react";
import type { ViewerEngine } from "./engine.ts";
import { createOsdEngine } from "./osdEngine.ts";

let engine: ViewerEngine | null = null;
afterEach(() => {
  engine?.destroy();
  engine = null;
});

describe("OpenSeadragon adapter", () => {
  it("asks for tiles from the lowest level given, converts coordinates, zooms and keeps the view on a new source", async () => {
    const el = document.createElement("div");
    document.body.appendChild(el);
    const urls: string[] = [];
    let moves = 0;
    const e = createOsdEngine(
      el,
      { viewport: () => (moves += 1), tileLoaded: () => undefined, fullyLoaded: () => undefined, failed: () => undefined },
      "html",
    );
    engine = e;
    const spec = (tag: string) => ({
      width: 6000,
      height: 2000,
      tileSize: 256,
      minLevel: 8,
      maxLevel: 13,
      getTileUrl: (l: number, x: number, y: number) => {
        urls.push(`${tag}${l}/${x}/${y}`);
        return `data:,${tag}`;
      },
    });
    e.show(spec("a"));
    await waitFor(() => expect(urls[0]).toBe("a8/0/0"));
    expect(moves).toBeGreaterThan(0);
    const far = e.imageToElement({ x: 6000, y: 2000 });
    const back = e.elementToImage(far);
    expect(back.x).toBeCloseTo(6000, 6);
    expect(back.y).toBeCloseTo(2000, 6);

    const z = e.imageZoom();
    expect(z).toBeGreaterThan(0);
    e.zoomBy(2);
    await waitFor(() => expect(e.imageZoom()).toBeCloseTo(2 * z, 9));
    const bounds = e.bounds();
    e.show(spec("b"));
    await waitFor(() => expect(urls.some((u) => u.startsWith("b"))).toBe(true));
    expect(e.bounds().w).toBeCloseTo(bounds.w, 9);
    expect(e.bounds().x).toBeCloseTo(bounds.x, 9);
  });
});
