// @vitest-environment jsdom
// When the app locks itself, on fake time: after the idle time without
// input (not a second before, and input starts the count again), after a
// suspend (the wall clock jumped while the timers stood still), not for a
// late tick of a hidden page, and never while disabled.

import { act, cleanup, fireEvent, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IDLE_TICK_MS, SUSPEND_GAP_MS, useIdleLock } from "./idleLock.ts";

const MINUTE = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  setVisibility("visible");
});

function setVisibility(state: DocumentVisibilityState): void {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}

/** Time passes on the timers and on the wall clock alike. */
function pass(ms: number): void {
  act(() => {
    vi.advanceTimersByTime(ms);
  });
}

/** The machine sleeps `ms`: the wall clock moves on, no timer fires meanwhile. */
function sleep(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

function idleLock(opts: { idleMs: number; enabled?: boolean }) {
  const onLock = vi.fn<() => void>();
  const hook = renderHook((p: { enabled: boolean; idleMs: number }) => useIdleLock({ ...p, onLock }), {
    initialProps: { enabled: opts.enabled ?? true, idleMs: opts.idleMs },
  });
  return { onLock, hook };
}

describe("idle lock", () => {
  it("locks once the idle time has passed without input, not before", () => {
    const { onLock } = idleLock({ idleMs: 5 * MINUTE });
    pass(5 * MINUTE - IDLE_TICK_MS);
    expect(onLock).not.toHaveBeenCalled();
    pass(IDLE_TICK_MS);
    expect(onLock).toHaveBeenCalled();
  });

  it.each([
    ["a key", () => fireEvent.keyDown(window, { key: "Shift" })],
    ["the pointer moving", () => fireEvent.pointerMove(document.body)],
    ["a click", () => fireEvent.pointerDown(document.body)],
    ["a touch", () => fireEvent.touchStart(document.body)],
    ["the wheel", () => fireEvent.wheel(document.body)],
  ])("starts the count again on %s", (_what, input) => {
    const { onLock } = idleLock({ idleMs: MINUTE });
    pass(MINUTE - 2 * IDLE_TICK_MS);
    input();
    pass(MINUTE - 2 * IDLE_TICK_MS);
    expect(onLock).not.toHaveBeenCalled();
    pass(2 * IDLE_TICK_MS);
    expect(onLock).toHaveBeenCalled();
  });

  it("starts the count again when the idle time changes, and follows the new one", () => {
    const { onLock, hook } = idleLock({ idleMs: 15 * MINUTE });
    pass(2 * MINUTE);
    hook.rerender({ enabled: true, idleMs: MINUTE });
    pass(MINUTE - IDLE_TICK_MS);
    expect(onLock).not.toHaveBeenCalled();
    pass(IDLE_TICK_MS);
    expect(onLock).toHaveBeenCalled();
  });

  it("never locks while disabled, and counts from when it is enabled", () => {
    const { onLock, hook } = idleLock({ idleMs: MINUTE, enabled: false });
    pass(10 * MINUTE);
    sleep(10 * MINUTE);
    pass(IDLE_TICK_MS);
    expect(onLock).not.toHaveBeenCalled();
    hook.rerender({ enabled: true, idleMs: MINUTE });
    pass(MINUTE - IDLE_TICK_MS);
    expect(onLock).not.toHaveBeenCalled();
    pass(IDLE_TICK_MS);
    expect(onLock).toHaveBeenCalled();
  });
});

describe("lock on suspend", () => {
  it("locks at the first tick after the wall clock jumped, long before the idle time", () => {
    const { onLock } = idleLock({ idleMs: 15 * MINUTE });
    pass(10 * IDLE_TICK_MS);
    sleep(SUSPEND_GAP_MS + 5_000);
    expect(onLock).not.toHaveBeenCalled();
    pass(IDLE_TICK_MS);
    expect(onLock).toHaveBeenCalledTimes(1);
  });

  it("takes a short stall of the timers (under the gap) for no suspend", () => {
    const { onLock } = idleLock({ idleMs: 15 * MINUTE });
    sleep(SUSPEND_GAP_MS - 5_000);
    pass(IDLE_TICK_MS);
    pass(10 * IDLE_TICK_MS);
    expect(onLock).not.toHaveBeenCalled();
  });

  it("does not take a hidden page's slowed timers for a suspend, but locks a page hidden longer than the idle time", () => {
    const { onLock } = idleLock({ idleMs: 5 * MINUTE });
    setVisibility("hidden");
    // The browser lets a hidden page's timer fire once a minute or so.
    sleep(2 * MINUTE);
    pass(IDLE_TICK_MS);
    setVisibility("visible");
    pass(IDLE_TICK_MS);
    expect(onLock).not.toHaveBeenCalled();

    setVisibility("hidden");
    sleep(6 * MINUTE);
    expect(onLock).not.toHaveBeenCalled();
    // Shown again: no input could reach it for longer than the idle time.
    setVisibility("visible");
    expect(onLock).toHaveBeenCalled();
  });
});
