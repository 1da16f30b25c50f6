// Keyboard shortcuts. Bare keys (N, /) act only when the focus is not in a
// text field; keys with Ctrl or Alt act everywhere. Ctrl also means ⌘ on a Mac.

import { useEffect, useEffectEvent } from "react";

export interface Shortcut {
  /** `KeyboardEvent.key`, compared case-insensitively ("n", "/", "Enter", "Escape", "1"). */
  key: string;
  /** The physical key too (`KeyboardEvent.code`), for keys other layouts move ("BracketRight"). */
  code?: string;
  ctrl?: boolean;
  alt?: boolean;
}

export function isTextField(target: EventTarget | null): boolean {
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["button", "checkbox", "radio", "submit", "reset"].includes(target.type);
  }
  return false;
}

export function matchesShortcut(e: Pick<KeyboardEvent, "key" | "code" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey" | "target">, s: Shortcut): boolean {
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl !== (s.ctrl ?? false) || e.altKey !== (s.alt ?? false)) return false;
  // Alt+digit gives other characters on some layouts: compare the physical key too.
  const keyMatches =
    e.key.toLowerCase() === s.key.toLowerCase() ||
    (s.code !== undefined && e.code === s.code) ||
    (s.alt === true && e.code === `Digit${s.key}`);
  if (!keyMatches) return false;
  const bare = s.ctrl !== true && s.alt !== true;
  return !(bare && isTextField(e.target));
}

/** Calls `handler` on the shortcut while `enabled`. */
export function useShortcut(s: Shortcut, handler: () => void, enabled = true): void {
  // The latest handler, without re-adding the listener on every render.
  const run = useEffectEvent(handler);
  const { key, code, ctrl, alt } = s;
  useEffect(() => {
    if (!enabled) return undefined;
    const spec: Shortcut = {
      key,
      ...(code === undefined ? {} : { code }),
      ...(ctrl === undefined ? {} : { ctrl }),
      ...(alt === undefined ? {} : { alt }),
    };
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.isComposing) return;
      if (matchesShortcut(e, spec)) {
        e.preventDefault();
        run();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [key, code, ctrl, alt, enabled]);
}
