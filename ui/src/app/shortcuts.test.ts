// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { isTextField, matchesShortcut } from "./shortcuts.ts";

const ev = (over: Partial<KeyboardEventInit> & { target?: EventTarget | null } = {}) => ({
  key: "n",
  code: "KeyN",
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  target: document.body as EventTarget | null,
  ...over,
});

describe("shortcuts", () => {
  const input = document.createElement("input");
  const checkbox = Object.assign(document.createElement("input"), { type: "checkbox" });
  const textarea = document.createElement("textarea");

  it("knows text fields from other controls", () => {
    expect(isTextField(input)).toBe(true);
    expect(isTextField(textarea)).toBe(true);
    expect(isTextField(checkbox)).toBe(false);
    expect(isTextField(document.body)).toBe(false);
  });

  it("bare keys act outside text fields only, in either case", () => {
    expect(matchesShortcut(ev(), { key: "n" })).toBe(true);
    expect(matchesShortcut(ev({ key: "N" }), { key: "n" })).toBe(true);
    expect(matchesShortcut(ev({ target: input }), { key: "n" })).toBe(false);
    expect(matchesShortcut(ev({ target: checkbox }), { key: "n" })).toBe(true);
    expect(matchesShortcut(ev({ ctrlKey: true }), { key: "n" })).toBe(false);
  });

  it("matches by physical key when asked, for keys other layouts move", () => {
    const panel = { key: "]", code: "BracketRight" };
    expect(matchesShortcut(ev({ key: "]", code: "BracketRight" }), panel)).toBe(true);
    // Ukrainian layout: the same key types "ї".
    expect(matchesShortcut(ev({ key: "ї", code: "BracketRight" }), panel)).toBe(true);
    expect(matchesShortcut(ev({ key: "ї", code: "BracketRight" }), { key: "]" })).toBe(false);
    expect(matchesShortcut(ev({ key: "ї", code: "BracketRight", target: input }), panel)).toBe(false);
  });

  it("Ctrl (or ⌘) shortcuts act everywhere, also in text fields", () => {
    const s = { key: "Enter", ctrl: true };
    expect(matchesShortcut(ev({ key: "Enter", ctrlKey: true, target: textarea }), s)).toBe(true);
    expect(matchesShortcut(ev({ key: "Enter", metaKey: true, target: textarea }), s)).toBe(true);
    expect(matchesShortcut(ev({ key: "Enter", target: textarea }), s)).toBe(false);
  });

  it("Alt+digit matches by physical key on layouts that type another character", () => {
    const s = { key: "2", alt: true };
    expect(matchesShortcut(ev({ key: "2", code: "Digit2", altKey: true }), s)).toBe(true);
    expect(matchesShortcut(ev({ key: "™", code: "Digit2", altKey: true }), s)).toBe(true);
    expect(matchesShortcut(ev({ key: "2", code: "Digit2" }), s)).toBe(false);
  });
});
