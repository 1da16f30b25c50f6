import { describe, expect, it } from "vitest";
import { viewQuery } from "./tileQuery.ts";
import type { ViewParams } from "./types.ts";

const auto: ViewParams = { window: null, invert: false, gamma: 1, colormap: "grey", edge: 0, materials: false };

// The same strings as `EXAMPLES` in crates/kordon-api/src/view.rs.
describe("viewQuery", () => {
  it("leaves defaults out", () => {
    expect(viewQuery(auto)).toBe("");
    expect(viewQuery({ ...auto, colormap: "viridis" })).toBe("cm=viridis");
  });
  it("writes every setting in Rust's order and form", () => {
    expect(
      viewQuery({
        window: { low: 1200, high: 54000 },
        invert: true,
        gamma: 0.8,
        colormap: "hot",
        edge: 1.5,
        materials: true,
      }),
    ).toBe("w=1200,54000&inv=1&g=0.8&cm=hot&e=1.5&mat=1");
  });
});
