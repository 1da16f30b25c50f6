// The stylesheet's promises for touch and small screens, checked on its
// text (jsdom lays nothing out): tool buttons stay tappable, and nothing
// stands between a finger and OpenSeadragon's own pinch and pan.

import { describe, expect, it } from "vitest";
import styles from "./styles.css?raw";

/** Every rule (selector and declarations), media queries flattened. */
function rules(): { selector: string; body: string }[] {
  const out: { selector: string; body: string }[] = [];
  for (const m of styles.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    out.push({ selector: (m[1] ?? "").trim(), body: m[2] ?? "" });
  }
  return out;
}

describe("styles", () => {
  it("keeps the viewer's tool buttons at least 40 px square, on every screen", () => {
    const sizes = rules()
      .filter((r) => r.selector === ".rail-btn")
      .flatMap((r) => [...r.body.matchAll(/(?:^|\s|;)(?:width|height):\s*(\d+)px/g)].map((m) => Number(m[1])));
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    for (const px of sizes) expect(px).toBeGreaterThanOrEqual(40);
  });

  it("lets touches through to the image: the overlay takes no pointer, only the stage sets touch-action", () => {
    const all = rules();
    expect(all.find((r) => r.selector === ".viewer-overlay")?.body).toContain("pointer-events: none");
    const touch = all.filter((r) => /touch-action/.test(r.body));
    // OpenSeadragon does pinch and pan itself: the browser must not take them first.
    expect(touch.map((r) => [r.selector, /touch-action:\s*(\w+)/.exec(r.body)?.[1]])).toEqual([[".viewer-stage-wrap", "none"]]);
  });
});
