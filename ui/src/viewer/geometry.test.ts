import { describe, expect, it } from "vitest";
import {
  affineOf,
  applyAffine,
  clampToImage,
  cornerAwayFrom,
  invertAffine,
  normalizeRect,
  rdp,
  shapeCenter,
  simplifyPath,
  type Point,
} from "./geometry.ts";
import { distance, formatNumber, lengthOf, zoomPercent } from "./measure.ts";

describe("shapes", () => {
  it("finds a shape's middle and the element's corner away from it", () => {
    expect(shapeCenter({ type: "rect", x: 10, y: 20, w: 30, h: 40 })).toEqual({ x: 25, y: 40 });
    expect(shapeCenter({ type: "free", points: [[0, 0], [100, 10], [40, 50]] })).toEqual({ x: 50, y: 25 });
    const size = { width: 1000, height: 600 };
    expect(cornerAwayFrom({ x: 100, y: 100 }, size)).toBe("bottom-right");
    expect(cornerAwayFrom({ x: 900, y: 100 }, size)).toBe("bottom-left");
    expect(cornerAwayFrom({ x: 900, y: 500 }, size)).toBe("top-left");
    expect(cornerAwayFrom({ x: 100, y: 500 }, size)).toBe("top-right");
  });

  it("normalises a rectangle dragged in any direction", () => {
    const r = { x: 10, y: 20, w: 30, h: 40 };
    expect(normalizeRect({ x: 10, y: 20 }, { x: 40, y: 60 })).toEqual(r);
    expect(normalizeRect({ x: 40, y: 60 }, { x: 10, y: 20 })).toEqual(r);
    expect(normalizeRect({ x: 40, y: 20 }, { x: 10, y: 60 })).toEqual(r);
    expect(clampToImage({ x: -5, y: 7000 }, { width: 100, height: 50 })).toEqual({ x: 0, y: 50 });
  });

  it("RDP keeps the corners of a noisy square and drops points on straight runs", () => {
    const pts: Point[] = [];
    for (let i = 0; i <= 100; i++) pts.push({ x: i, y: i % 2 === 0 ? 0 : 0.3 });
    for (let i = 0; i <= 100; i++) pts.push({ x: 100, y: i });
    const out = rdp(pts, 1);
    expect(out).toEqual([
      { x: 0, y: 0 },
      { x: 100, y: 0 },
      { x: 100, y: 100 },
    ]);
    // A tolerance below the noise keeps it.
    expect(rdp(pts, 0.1).length).toBeGreaterThan(100);
  });

  it("simplifies a long free-hand path to at most the limit, ends kept", () => {
    const circle: Point[] = [];
    for (let i = 0; i < 20_000; i++) {
      const a = (i / 20_000) * 2 * Math.PI;
      circle.push({ x: 1000 + 900 * Math.cos(a), y: 1000 + 900 * Math.sin(a) });
    }
    const out = simplifyPath(circle, 0.01, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out.length).toBeGreaterThan(20);
    expect(out[0]).toEqual({ x: 1900, y: 1000 });
    expect(simplifyPath([{ x: 1, y: 1 }, { x: 1, y: 1 }, { x: 2.04, y: 3 }], 0.5)).toEqual([
      { x: 1, y: 1 },
      { x: 2, y: 3 },
    ]);
  });

  it("recovers the image → element mapping from a projection and inverts it", () => {
    const project = (p: Point): Point => ({ x: p.x * 0.25 + 12, y: p.y * 0.25 - 40 });
    const m = affineOf(project, { width: 6000, height: 2000 });
    expect(m).toEqual({ sx: 0.25, sy: 0.25, tx: 12, ty: -40 });
    expect(applyAffine(m, { x: 400, y: 800 })).toEqual(project({ x: 400, y: 800 }));
    expect(invertAffine(m, { x: 112, y: 160 })).toEqual({ x: 400, y: 800 });
  });
});

describe("ruler", () => {
  it("measures in image pixels and shows mm or m when the pixel size is known", () => {
    expect(distance({ x: 0, y: 0 }, { x: 300, y: 400 })).toBe(500);
    expect(lengthOf(500, null)).toEqual({ value: 500, unit: "px", digits: 0 });
    expect(lengthOf(500, 5)).toEqual({ value: 2.5, unit: "m", digits: 2 });
    expect(lengthOf(150, 5)).toEqual({ value: 750, unit: "mm", digits: 0 });
    expect(lengthOf(12, 5)).toEqual({ value: 60, unit: "mm", digits: 1 });
    expect(lengthOf(12, 0)).toEqual({ value: 12, unit: "px", digits: 0 });
  });

  it("formats numbers the language's way", () => {
    expect(formatNumber(2.5, 2, "en-GB")).toBe("2.50");
    expect(formatNumber(2.5, 2, "uk-UA")).toBe("2,50");
    expect(formatNumber(12_345, 0, "en-GB")).toBe("12,345");
  });

  it("shows zoom as a percentage, finer below 10 %", () => {
    expect(zoomPercent(1)).toBe(100);
    expect(zoomPercent(0.254)).toBe(25);
    expect(zoomPercent(0.0437)).toBe(4.4);
    expect(zoomPercent(0)).toBe(0);
  });
});
