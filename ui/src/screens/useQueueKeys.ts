// The queue's keyboard: J and K move the highlighted row (by physical key
// too, so they work on the Ukrainian layout), Enter opens it. Bare keys
// only, and never while typing in a field; Enter only when the focus is
// on the page or in the table, so it never takes over another button.

import { useEffect, useEffectEvent, type RefObject } from "react";
import { useShortcut } from "../app/shortcuts.ts";

export interface Highlight {
  id: string | null;
  /** Moved by the keyboard: the row takes the focus (else it is only scrolled into view). */
  focus: boolean;
}

/** The row `delta` rows away from `id` (the first row when none is highlighted). */
export function moveHighlight(ids: readonly string[], id: string | null, delta: number): string | null {
  if (ids.length === 0) return null;
  const at = id === null ? -1 : ids.indexOf(id);
  if (at === -1) return ids[0] ?? null;
  return ids[Math.min(ids.length - 1, Math.max(0, at + delta))] ?? null;
}

export function useQueueKeys(opts: {
  ids: readonly string[];
  highlight: string | null;
  setHighlight: (h: Highlight) => void;
  onOpen: (id: string) => void;
  table: RefObject<HTMLElement | null>;
}): void {
  const { ids, highlight, setHighlight, onOpen, table } = opts;
  const move = (delta: number): void => {
    setHighlight({ id: moveHighlight(ids, highlight, delta), focus: true });
  };
  useShortcut({ key: "j", code: "KeyJ" }, () => move(1));
  useShortcut({ key: "k", code: "KeyK" }, () => move(-1));

  // With the latest options, without re-adding the listener on every render.
  const onEnter = useEffectEvent((e: KeyboardEvent): void => {
    const target = e.target;
    const onPage =
      !(target instanceof Element) || target === document.body || (table.current?.contains(target) ?? false);
    if (!onPage || highlight === null || !ids.includes(highlight)) return;
    e.preventDefault();
    onOpen(highlight);
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== "Enter" || e.defaultPrevented || e.isComposing) return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
      onEnter(e);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
