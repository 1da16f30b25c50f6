import { describe, expect, it } from "vitest";
import type { Bounds } from "./engine.ts";
import { boundsClose, ViewSync } from "./viewSync.ts";

describe("moving viewers together", () => {
  it("passes one viewer's bounds to the others only while enabled", () => {
    const sync = new ViewSync();
    const got: [string, Bounds][] = [];
    const a = sync.join((b) => got.push(["a", b]));
    const b = sync.join((x) => got.push(["b", x]));
    const bounds = { x: 0.1, y: 0.2, w: 0.3, h: 0.1 };
    a.publish(bounds);
    expect(got).toEqual([]);
    sync.enabled = true;
    a.publish(bounds);
    expect(got).toEqual([["b", bounds]]);
    b.leave();
    a.publish(bounds);
    expect(got).toHaveLength(1);
  });

  it("treats bounds within a tiny fraction of the view as the same", () => {
    const b = { x: 0.1, y: 0.2, w: 0.3, h: 0.1 };
    expect(boundsClose(b, { ...b, x: 0.100001 })).toBe(true);
    expect(boundsClose(b, { ...b, x: 0.11 })).toBe(false);
    expect(boundsClose(b, { ...b, w: 0.31 })).toBe(false);
  });
});
