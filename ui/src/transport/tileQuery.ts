// The view settings in a tile URL's query: the same short form as Rust's
// `ViewParams::to_query` (crates/kordon-api/src/view.rs), defaults left
// out. Both sides are tested on the same example strings.

import type { ViewParams } from "./types.ts";

export function viewQuery(v: ViewParams): string {
  const parts: string[] = [];
  if (v.window !== null) parts.push(`w=${v.window.low},${v.window.high}`);
  if (v.invert) parts.push("inv=1");
  if (v.gamma !== 1) parts.push(`g=${v.gamma}`);
  if (v.colormap !== "grey") parts.push(`cm=${v.colormap}`);
  if (v.edge !== 0) parts.push(`e=${v.edge}`);
  if (v.materials) parts.push("mat=1");
  return parts.join("&");
}
