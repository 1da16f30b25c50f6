// The viewer's state: the active tool, the view parameters, and whether
// the annotation layer is shown. A reducer, so every tool and shortcut
// goes through one tested place.

import type { Colormap, ViewParams } from "../transport/types.ts";
import {
  clampEdge,
  clampGamma,
  DEFAULT_VIEW,
  materialsAvailable,
  nextColormap,
  toggledEdge,
  type Window,
} from "./viewParams.ts";

/** pan: OpenSeadragon's own drag and wheel; the others draw or measure. */
export type Tool = "pan" | "window" | "ruler" | "rect" | "free";

export interface ViewerState {
  tool: Tool;
  view: ViewParams;
  /** The annotation layer is visible. */
  layer: boolean;
}

export type ViewerAction =
  | { type: "tool"; tool: Tool }
  | { type: "invert" }
  | { type: "colormap"; colormap?: Colormap }
  | { type: "materials" }
  | { type: "edge"; strength?: number }
  | { type: "gamma"; gamma: number }
  | { type: "window"; window: Window | null }
  | { type: "layer" };

export const initialViewerState = (view: ViewParams = DEFAULT_VIEW): ViewerState => ({
  tool: "pan",
  view,
  layer: true,
});

/** `planes` is the scan's: materials cannot be switched on for a single-energy scan. */
export function viewerReducer(planes: number) {
  return (s: ViewerState, a: ViewerAction): ViewerState => {
    const view = (patch: Partial<ViewParams>): ViewerState => ({ ...s, view: { ...s.view, ...patch } });
    switch (a.type) {
      case "tool":
        // Choosing the active tool again goes back to panning.
        return { ...s, tool: s.tool === a.tool ? "pan" : a.tool };
      case "invert":
        return view({ invert: !s.view.invert });
      case "colormap":
        return view({ colormap: a.colormap ?? nextColormap(s.view.colormap) });
      case "materials":
        if (!materialsAvailable(planes)) return s.view.materials ? view({ materials: false }) : s;
        return view({ materials: !s.view.materials });
      case "edge":
        return view({ edge: a.strength === undefined ? toggledEdge(s.view.edge) : clampEdge(a.strength) });
      case "gamma":
        return view({ gamma: clampGamma(a.gamma) });
      case "window":
        return view({ window: a.window === null ? null : { low: a.window.low, high: a.window.high } });
      case "layer":
        return { ...s, layer: !s.layer };
    }
  };
}
