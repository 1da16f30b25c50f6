// The console's bare-key shortcuts (j, k, a, o, r, ...): they act only when
// the focus is not in a field or on a control that takes the key itself,
// and match the physical key too, so they work on the Ukrainian layout.

import { useEffect, useEffectEvent } from "react";

/**
 * Whether a key belongs to the element it was pressed in: fields take
 * every key; buttons and links take Enter and Space.
 */
export function ownsKey(target: EventTarget | null, key: string): boolean {
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    if (!["button", "checkbox", "radio", "submit", "reset", "range", "color", "file"].includes(target.type)) return true;
  }
  if (key === "Enter" || key === " ") return target.closest("button, a[href], input, summary, [role='button']") !== null;
  return false;
}

export interface BareKey {
  /** `KeyboardEvent.key` (lower case) ... */
  key: string;
  /** ... or `KeyboardEvent.code`: the physical key ("KeyJ"). */
  code?: string;
}

export function matchesBareKey(e: Pick<KeyboardEvent, "key" | "code" | "ctrlKey" | "metaKey" | "altKey" | "target">, k: BareKey): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  if (e.key.toLowerCase() !== k.key && (k.code === undefined || e.code !== k.code)) return false;
  return !ownsKey(e.target, e.key);
}

/** Calls each handler on its key while enabled. */
export function useBareKeys(bindings: readonly (BareKey & { run: () => void })[], enabled = true): void {
  // The latest bindings, without re-adding the listener on every render.
  const onBareKey = useEffectEvent((e: KeyboardEvent): void => {
    for (const b of bindings) {
      if (matchesBareKey(e, b)) {
        e.preventDefault();
        b.run();
        return;
      }
    }
  });
  useEffect(() => {
    if (!enabled) return undefined;
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.isComposing) return;
      onBareKey(e);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}
