// When the app locks itself: after a time without input (a key, the
// pointer, a touch, the wheel), and after the computer slept. One timer
// ticks every second; a tick that comes far later than a second after the
// one before means the machine was suspended (timers stop while it sleeps,
// the wall clock does not). Idle time is measured on the wall clock too, so
// a page hidden longer than the idle time (no input can reach it) locks
// the moment it ticks again.

import { useEffectEvent, useLayoutEffect } from "react";

/** How often the idle and sleep checks run. */
export const IDLE_TICK_MS = 1_000;
/** A tick this much later than expected means the machine was suspended. */
export const SUSPEND_GAP_MS = 30_000;

/** What counts as someone using the app. */
const INPUT_EVENTS = ["keydown", "pointerdown", "pointermove", "touchstart", "wheel"] as const;

function pageHidden(): boolean {
  return typeof document !== "undefined" && document.visibilityState === "hidden";
}

/**
 * Calls `onLock` once `idleMs` pass without input, or when a suspend is
 * seen, while `enabled`. The count starts again whenever it is enabled
 * (after an unlock) or `idleMs` changes.
 */
export function useIdleLock(opts: { enabled: boolean; idleMs: number; onLock: () => void }): void {
  const { enabled, idleMs } = opts;
  const lock = useEffectEvent(opts.onLock);
  // Armed in the commit that shows the screens (a layout effect), not in a
  // passive effect that runs some time after: no moment where data is on
  // screen and the lock is not yet counting.
  useLayoutEffect(() => {
    if (!enabled) return undefined;
    let lastInput = Date.now();
    let lastTick = lastInput;
    // Timers of a hidden page are slowed down by the browser: a late tick
    // then says nothing of a suspend (the idle time still counts).
    let hiddenSinceLastTick = pageHidden();
    const onInput = (): void => {
      lastInput = Date.now();
    };
    const tick = (): void => {
      const now = Date.now();
      const slept = !hiddenSinceLastTick && now - lastTick > IDLE_TICK_MS + SUSPEND_GAP_MS;
      lastTick = now;
      hiddenSinceLastTick = pageHidden();
      if (slept || now - lastInput >= idleMs) lock();
    };
    const onVisibility = (): void => {
      if (pageHidden()) hiddenSinceLastTick = true;
      else tick();
    };
    const timer = setInterval(tick, IDLE_TICK_MS);
    for (const type of INPUT_EVENTS) window.addEventListener(type, onInput, { capture: true, passive: true });
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      clearInterval(timer);
      for (const type of INPUT_EVENTS) window.removeEventListener(type, onInput, { capture: true });
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [enabled, idleMs]);
}
