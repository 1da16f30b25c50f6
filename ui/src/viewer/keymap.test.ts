// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { en } from "../i18n/en.ts";
import { VIEWER_SHORTCUTS, viewerCommand } from "./keymap.ts";

const ev = (key: string, code = "", over: Partial<KeyboardEventInit> & { target?: EventTarget | null } = {}) => ({
  key,
  code,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target: document.body as EventTarget | null,
  ...over,
});

describe("viewer keys", () => {
  it("maps letters to tools and toggles, by character or by physical key", () => {
    expect(viewerCommand(ev("r", "KeyR"))).toEqual({ type: "tool", tool: "ruler" });
    expect(viewerCommand(ev("A", "KeyA"))).toEqual({ type: "tool", tool: "rect" });
    // Ukrainian layout: the I key types "ш", the C key "с".
    expect(viewerCommand(ev("ш", "KeyI"))).toEqual({ type: "invert" });
    expect(viewerCommand(ev("с", "KeyC"))).toEqual({ type: "colormap" });
    expect(viewerCommand(ev("m"))).toEqual({ type: "materials" });
  });

  it("zooms with + - and the keypad, 0 for the whole image, Esc cancels", () => {
    expect(viewerCommand(ev("+", "Equal"))).toEqual({ type: "zoomIn" });
    expect(viewerCommand(ev("=", "Equal"))).toEqual({ type: "zoomIn" });
    expect(viewerCommand(ev("-", "Minus"))).toEqual({ type: "zoomOut" });
    expect(viewerCommand(ev("+", "NumpadAdd"))).toEqual({ type: "zoomIn" });
    expect(viewerCommand(ev("0", "Digit0"))).toEqual({ type: "home" });
    expect(viewerCommand(ev("Escape", "Escape"))).toEqual({ type: "cancel" });
  });

  it("does nothing with modifiers, in text fields, or for other keys", () => {
    expect(viewerCommand(ev("i", "KeyI", { ctrlKey: true }))).toBeNull();
    expect(viewerCommand(ev("0", "Digit0", { altKey: true }))).toBeNull();
    expect(viewerCommand(ev("i", "KeyI", { target: document.createElement("input") }))).toBeNull();
    expect(viewerCommand(ev("x", "KeyX"))).toBeNull();
    // Esc still cancels from a field (the mark's note).
    expect(viewerCommand(ev("Escape", "Escape", { target: document.createElement("input") }))).toEqual({ type: "cancel" });
  });

  it("lists every shortcut with a key label and a description", () => {
    expect(VIEWER_SHORTCUTS).toHaveLength(12);
    for (const s of VIEWER_SHORTCUTS) {
      expect(en[s.keys]).not.toBe("");
      expect(en[s.what]).not.toBe("");
    }
  });
});
