import { describe, expect, it } from "vitest";
import type { PlaneRange } from "../transport/types.ts";
import {
  autoWindow,
  clampGamma,
  clampWindow,
  DEFAULT_VIEW,
  dragWindow,
  effectiveWindow,
  nextColormap,
  rawRange,
  toggledEdge,
  viewJson,
  withHigh,
  withLow,
} from "./viewParams.ts";
import { initialViewerState, viewerReducer } from "./viewerState.ts";

const stats: PlaneRange = { min: 8_000, max: 62_000, p_low: 11_000, p_high: 60_000 };
const range = rawRange(stats);

describe("window and level", () => {
  it("is automatic (p_low..p_high) until set, within the plane's min..max", () => {
    expect(autoWindow(stats)).toEqual({ low: 11_000, high: 60_000 });
    expect(effectiveWindow(DEFAULT_VIEW, stats)).toEqual({ low: 11_000, high: 60_000 });
    expect(effectiveWindow({ ...DEFAULT_VIEW, window: { low: 1, high: 2 } }, stats)).toEqual({ low: 1, high: 2 });
    expect(range).toEqual({ low: 8_000, high: 62_000 });
    // Without statistics: the bit depth's range.
    expect(autoWindow(undefined, 8)).toEqual({ low: 0, high: 255 });
  });

  it("keeps low below high and both inside the range", () => {
    expect(clampWindow({ low: 0, high: 99_999 }, range)).toEqual({ low: 8_000, high: 62_000 });
    expect(clampWindow({ low: 30_000.4, high: 30_000.2 }, range)).toEqual({ low: 29_999, high: 30_000 });
    expect(withLow({ low: 20_000, high: 30_000 }, 35_000, range)).toEqual({ low: 35_000, high: 35_001 });
    expect(withHigh({ low: 20_000, high: 30_000 }, 15_000, range)).toEqual({ low: 14_999, high: 15_000 });
    expect(withLow({ low: 20_000, high: 30_000 }, 62_000, range)).toEqual({ low: 61_999, high: 62_000 });
  });

  it("drag: right widens, left narrows, down raises the level, up lowers it", () => {
    const start = { low: 30_000, high: 40_000 };
    const size = { width: 540, height: 540 };
    // 54,000 raw units over 540 px: 100 per pixel.
    expect(dragWindow(start, { dx: 50, dy: 0 }, size, range)).toEqual({ low: 27_500, high: 42_500 });
    expect(dragWindow(start, { dx: -50, dy: 0 }, size, range)).toEqual({ low: 32_500, high: 37_500 });
    expect(dragWindow(start, { dx: 0, dy: 30 }, size, range)).toEqual({ low: 33_000, high: 43_000 });
    expect(dragWindow(start, { dx: 0, dy: -30 }, size, range)).toEqual({ low: 27_000, high: 37_000 });
    // The width never drops below one raw unit, and the window stays in range.
    const narrow = dragWindow(start, { dx: -10_000, dy: 0 }, size, range);
    expect(narrow.high - narrow.low).toBe(1);
    expect(dragWindow(start, { dx: 0, dy: 10_000 }, size, range)).toEqual({ low: 52_000, high: 62_000 });
  });
});

describe("view parameters", () => {
  it("cycles colour maps, toggles edges to 1.5 and back, clamps gamma", () => {
    expect(["grey", "hot", "jet", "bone", "viridis"].map((c) => nextColormap(c as never))).toEqual([
      "hot",
      "jet",
      "bone",
      "viridis",
      "grey",
    ]);
    expect(toggledEdge(0)).toBe(1.5);
    expect(toggledEdge(4)).toBe(0);
    expect([clampGamma(0), clampGamma(50), clampGamma(0.734), clampGamma(Number.NaN)]).toEqual([0.1, 10, 0.73, 1]);
  });

  it("serialises in a fixed field order", () => {
    const scrambled = { materials: true, edge: 0, colormap: "hot", gamma: 1, invert: false, window: null } as const;
    expect(viewJson(scrambled)).toBe(
      '{"window":null,"invert":false,"gamma":1,"colormap":"hot","edge":0,"materials":true}',
    );
  });

  it("the reducer refuses materials on a single-energy scan, allows them on a dual one", () => {
    const single = viewerReducer(1);
    const dual = viewerReducer(2);
    const s0 = initialViewerState();
    expect(single(s0, { type: "materials" }).view.materials).toBe(false);
    expect(dual(s0, { type: "materials" }).view.materials).toBe(true);
    expect(dual(dual(s0, { type: "materials" }), { type: "materials" }).view.materials).toBe(false);
  });

  it("the reducer toggles tools back to pan and resets the window to automatic", () => {
    const r = viewerReducer(2);
    const ruler = r(initialViewerState(), { type: "tool", tool: "ruler" });
    expect(ruler.tool).toBe("ruler");
    expect(r(ruler, { type: "tool", tool: "rect" }).tool).toBe("rect");
    expect(r(ruler, { type: "tool", tool: "ruler" }).tool).toBe("pan");
    const set = r(ruler, { type: "window", window: { low: 1, high: 9 } });
    expect(set.view.window).toEqual({ low: 1, high: 9 });
    expect(r(set, { type: "window", window: null }).view.window).toBeNull();
    expect(r(set, { type: "edge" }).view.edge).toBe(1.5);
    expect(r(set, { type: "edge", strength: 42 }).view.edge).toBe(10);
    expect(r(set, { type: "layer" }).layer).toBe(false);
  });
});
