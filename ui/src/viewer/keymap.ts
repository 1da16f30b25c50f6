// The viewer's keyboard map. Letters match by physical key (KeyboardEvent.code)
// as well as by character, so they work on the Ukrainian layout too (the
// key labelled I types "ш" there). Bare keys only: nothing happens with
// Ctrl, Alt or ⌘ held, or (but for Esc) while typing in a field.

import { isTextField } from "../app/shortcuts.ts";
import type { PlainMessageKey as MessageKey } from "../i18n/messages.ts";
import type { Tool } from "./viewerState.ts";

export type ViewerCommand =
  | { type: "tool"; tool: Exclude<Tool, "pan"> }
  | { type: "invert" }
  | { type: "colormap" }
  | { type: "materials" }
  | { type: "edge" }
  | { type: "layer" }
  | { type: "zoomIn" }
  | { type: "zoomOut" }
  | { type: "home" }
  | { type: "cancel" };

/** Letter keys: the physical key code and the command. */
const LETTERS: readonly [string, ViewerCommand][] = [
  ["KeyW", { type: "tool", tool: "window" }],
  ["KeyR", { type: "tool", tool: "ruler" }],
  ["KeyA", { type: "tool", tool: "rect" }],
  ["KeyF", { type: "tool", tool: "free" }],
  ["KeyI", { type: "invert" }],
  ["KeyC", { type: "colormap" }],
  ["KeyM", { type: "materials" }],
  ["KeyE", { type: "edge" }],
  ["KeyL", { type: "layer" }],
];

const SYMBOLS: Readonly<Record<string, ViewerCommand>> = {
  "+": { type: "zoomIn" },
  "=": { type: "zoomIn" },
  "-": { type: "zoomOut" },
  "_": { type: "zoomOut" },
  "0": { type: "home" },
  Escape: { type: "cancel" },
};

const NUMPAD: Readonly<Record<string, ViewerCommand>> = {
  NumpadAdd: { type: "zoomIn" },
  NumpadSubtract: { type: "zoomOut" },
  Numpad0: { type: "home" },
};

export function viewerCommand(
  e: Pick<KeyboardEvent, "key" | "code" | "ctrlKey" | "metaKey" | "altKey" | "target">,
): ViewerCommand | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  // Esc also from a field (the mark's note): it cancels the mark being made.
  if (e.key === "Escape") return { type: "cancel" };
  if (isTextField(e.target)) return null;
  for (const [code, cmd] of LETTERS) {
    if (e.code === code || e.key.toLowerCase() === code.slice(3).toLowerCase()) return cmd;
  }
  return NUMPAD[e.code] ?? SYMBOLS[e.key] ?? null;
}

/** The shortcuts as the help and the buttons show them: key label and description. */
export const VIEWER_SHORTCUTS: readonly { keys: MessageKey; what: MessageKey }[] = [
  { keys: "kbd.viewer.window", what: "viewer.tool.window" },
  { keys: "kbd.viewer.invert", what: "viewer.tool.invert" },
  { keys: "kbd.viewer.colormap", what: "viewer.shortcut.colormap" },
  { keys: "kbd.viewer.materials", what: "viewer.tool.materials" },
  { keys: "kbd.viewer.edge", what: "viewer.tool.edge" },
  { keys: "kbd.viewer.ruler", what: "viewer.tool.ruler" },
  { keys: "kbd.viewer.rect", what: "viewer.tool.rect" },
  { keys: "kbd.viewer.free", what: "viewer.tool.free" },
  { keys: "kbd.viewer.layer", what: "viewer.shortcut.layer" },
  { keys: "kbd.viewer.zoom", what: "viewer.shortcut.zoom" },
  { keys: "kbd.viewer.home", what: "viewer.shortcut.home" },
  { keys: "kbd.viewer.cancel", what: "viewer.shortcut.cancel" },
];
