// @vitest-environment jsdom
// The app locked: after the idle time chosen in Settings, after a suspend,
// by the Lock button or Ctrl+L. The window then holds the lock screen
// alone, with nothing of the data in the DOM (no plate of what was on
// screen, no alert's plate, not even of an alert raised while locked); a
// wrong PIN leaves it locked, the right one brings back the screen that
// was open. Before the first sign-in the data is not open at all.

import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testAlert, testView } from "../domain/testViews.ts";
import { createMemoryTransport, type MemoryTransport } from "../transport/memory.ts";
import type { InspectionView } from "../transport/types.ts";
import { App } from "./App.tsx";
import { IDLE_TICK_MS, SUSPEND_GAP_MS } from "./idleLock.ts";
import { TEST_LOCK_AFTER_SECONDS_KEY, type LockAfterMinutes } from "./preferences.ts";

const MINUTE = 60_000;
const OFFICER = "OF-1742";
const PIN = "2468";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});
beforeEach(() => localStorage.clear());

const cab = testView({ created_ms: Date.now() - 120_000, tractor: "АА 1234 ВС" });
const wanted = testView({
  created_ms: Date.now() - 60_000,
  tractor: "ВО 7781 ЕМ",
  alerts: [testAlert({ read_id: null, source: "typed", seen: "ВО7781ЕМ" })],
});

/** Every way a view's plates can be written: as typed, canonical, and the match key. */
function platesOf(...views: InspectionView[]): string[] {
  return views.flatMap((v) => [v.tractor_plate, v.trailer_plate].flatMap((p) => (p === null ? [] : [p.raw, p.canonical, p.key])));
}

/** The plates found in the page's DOM (text and attributes, spaces ignored). */
function platesOnPage(plates: string[]): string[] {
  const html = document.body.innerHTML;
  const squeezed = html.replace(/\s+/g, "");
  return plates.filter((p) => html.includes(p) || squeezed.includes(p.replace(/\s+/g, "")));
}

function app(opts: { url?: string; views?: InspectionView[]; lockAfterMinutes?: LockAfterMinutes; transport?: MemoryTransport } = {}) {
  const transport =
    opts.transport ??
    createMemoryTransport({
      unit: "MOBILE-1",
      officers: { [OFFICER]: PIN, "OF-2001": "1357" },
      seed: (opts.views ?? [cab]).map((view) => ({ view, sync: "pending" as const })),
    });
  if (opts.transport === undefined) transport.actAs(OFFICER);
  render(
    <App
      transport={transport}
      preferences={{ language: "en", lockAfterMinutes: opts.lockAfterMinutes ?? 1 }}
      timeZone="Europe/Kyiv"
      initialUrl={opts.url ?? "/"}
    />,
  );
  return transport;
}

/** Time passes on the timers and on the wall clock alike. */
function pass(ms: number): void {
  act(() => {
    vi.advanceTimersByTime(ms);
  });
}

/** Lets every answer under way arrive (a real macrotask: the fake timers fake only the interval and the clock). */
async function settled(): Promise<void> {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

function lockScreen(): HTMLElement | null {
  return screen.queryByRole("heading", { name: "Locked" });
}

async function unlockWith(officer: string | null, pin: string): Promise<void> {
  if (officer !== null) fireEvent.change(screen.getByLabelText("Officer ID"), { target: { value: officer } });
  fireEvent.change(screen.getByLabelText("PIN"), { target: { value: pin } });
  const button = screen.getByRole("button", { name: "Unlock" });
  // As a real click: the focus moves to the button.
  button.focus();
  fireEvent.click(button);
  // Answered: unlocked (the lock screen gone), or refused (the button back).
  await waitFor(() => expect(screen.queryByRole("button", { name: "Unlocking…" })).toBeNull());
}

describe("lock after idle time", () => {
  it("locks after the chosen minutes without input, not before; input starts the count again", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const transport = app({ url: `/inspections/${cab.id}`, lockAfterMinutes: 2 });
    expect((await screen.findByTestId("inspection")).getAttribute("data-inspection")).toBe(cab.id);

    pass(2 * MINUTE - 5 * IDLE_TICK_MS);
    fireEvent.keyDown(window, { key: "Shift" });
    pass(2 * MINUTE - IDLE_TICK_MS);
    expect(lockScreen()).toBeNull();
    expect(transport.isLocked()).toBe(false);

    pass(IDLE_TICK_MS);
    expect(lockScreen()).not.toBeNull();
    await settled();
    expect(transport.isLocked()).toBe(true);
  });

  it("follows the time chosen in Settings, remembered for this device", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    app({ url: "/settings", lockAfterMinutes: 15 });
    const setting = await screen.findByRole("group", { name: "Lock after no use" });
    expect(within(setting).getAllByRole("radio").map((r) => r.closest("label")?.textContent)).toEqual([
      "1 minute",
      "2 minutes",
      "5 minutes",
      "10 minutes",
      "15 minutes",
    ]);
    expect(within(setting).getByRole<HTMLInputElement>("radio", { name: "15 minutes" }).checked).toBe(true);
    fireEvent.click(within(setting).getByRole("radio", { name: "1 minute" }));
    expect(JSON.parse(localStorage.getItem("kordon.preferences") ?? "{}")).toMatchObject({ lockAfterMinutes: 1 });

    pass(MINUTE - IDLE_TICK_MS);
    expect(lockScreen()).toBeNull();
    pass(IDLE_TICK_MS);
    expect(lockScreen()).not.toBeNull();
  });

  it("takes a shorter time from the end-to-end test's key, never a longer one", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    localStorage.setItem(TEST_LOCK_AFTER_SECONDS_KEY, "3");
    app({ lockAfterMinutes: 15 });
    await screen.findByRole("heading", { name: "Inspections" });
    pass(3 * IDLE_TICK_MS);
    expect(lockScreen()).not.toBeNull();
  });
});

describe("lock on suspend", () => {
  it("locks when the wall clock jumped ahead of the timer, long before the idle time", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const transport = app({ lockAfterMinutes: 15 });
    await screen.findByRole("heading", { name: "Inspections" });
    pass(5 * IDLE_TICK_MS);
    // The computer sleeps for a minute: no timer fires meanwhile.
    vi.setSystemTime(Date.now() + SUSPEND_GAP_MS + 30_000);
    expect(lockScreen()).toBeNull();
    pass(IDLE_TICK_MS);
    expect(lockScreen()).not.toBeNull();
    await settled();
    expect(transport.isLocked()).toBe(true);
  });
});

describe("the lock screen", () => {
  it("shows nothing of the data that was on screen, nor of alerts raised while locked", async () => {
    const transport = app({ views: [cab, wanted] });
    const plates = platesOf(cab, wanted);
    await screen.findAllByTestId("queue-row");
    expect(await screen.findByTestId("alert-banner")).toBeTruthy();
    // On screen before: the queue's plates and the alert's.
    expect(platesOnPage(plates)).not.toEqual([]);

    fireEvent.click(screen.getByRole("button", { name: "Lock" }));
    expect(screen.getByRole("heading", { name: "Locked" })).toBeTruthy();
    expect(platesOnPage(plates)).toEqual([]);
    expect(screen.queryByTestId("queue-row")).toBeNull();
    expect(screen.queryByTestId("alert-slot")).toBeNull();
    expect(screen.queryByRole("region", { name: "Synchronisation" })).toBeNull();
    expect(screen.queryByRole("navigation")).toBeNull();
    // Officer filled in, PIN to type: the focus is there.
    expect(screen.getByLabelText<HTMLInputElement>("Officer ID").value).toBe(OFFICER);
    expect(document.activeElement).toBe(screen.getByLabelText("PIN"));
    await settled();
    expect(transport.isLocked()).toBe(true);

    // A camera reads a wanted plate meanwhile: counted, never shown.
    act(() => {
      transport.raiseAlerts(cab.id, [testAlert({ id: "new", seen: "КА 0001 ХХ", read_id: null, source: "typed" })]);
    });
    const waiting = await screen.findByTestId("lock-alerts");
    expect(waiting.getAttribute("data-count")).toBe("1");
    expect(waiting.textContent).toContain("New hotlist alerts: 1. Unlock to see them and respond.");
    expect(platesOnPage([...plates, "КА 0001 ХХ", "КА0001ХХ"])).toEqual([]);

    await unlockWith(null, PIN);
    const banner = await screen.findByTestId("alert-banner");
    expect(within(banner).getByText("КА 0001 ХХ")).toBeTruthy();
  });

  it("locks at once with Ctrl+L", async () => {
    const transport = app();
    await screen.findByRole("heading", { name: "Inspections" });
    await waitFor(() => {
      fireEvent.keyDown(window, { key: "l", code: "KeyL", ctrlKey: true });
      expect(lockScreen()).not.toBeNull();
    });
    await settled();
    expect(transport.isLocked()).toBe(true);
  });

  it("stays locked after a wrong PIN, and the right one brings back the screen that was open", async () => {
    const transport = app({ url: `/inspections/${cab.id}` });
    await screen.findByTestId("inspection");
    expect(platesOnPage(platesOf(cab))).not.toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Lock" }));

    await unlockWith(null, "1111");
    expect(screen.getByRole("alert").textContent).toContain("Wrong PIN for this officer ID. Try again.");
    expect(lockScreen()).not.toBeNull();
    expect(screen.getByLabelText<HTMLInputElement>("PIN").value).toBe("");
    // Ready for the next try.
    expect(document.activeElement).toBe(screen.getByLabelText("PIN"));
    expect(transport.isLocked()).toBe(true);
    expect(platesOnPage(platesOf(cab))).toEqual([]);

    await unlockWith(null, PIN);
    await waitFor(() => expect(platesOnPage(platesOf(cab))).not.toEqual([]));
    await settled();
    expect(screen.getByTestId("inspection").getAttribute("data-inspection")).toBe(cab.id);
    expect(lockScreen()).toBeNull();
    expect(transport.isLocked()).toBe(false);
  });

  it("lets another officer of the crew unlock, as themselves; an officer without a key cannot", async () => {
    const transport = app();
    await screen.findByRole("heading", { name: "Inspections" });
    fireEvent.click(screen.getByRole("button", { name: "Lock" }));

    await unlockWith("OF-9999", "4321");
    expect(screen.getByRole("alert").textContent).toContain("This officer ID holds no key to this vehicle's data.");
    expect(transport.isLocked()).toBe(true);

    await unlockWith("OF-2001", "1357");
    expect(await screen.findByText("Officer OF-2001")).toBeTruthy();
    expect(await transport.session()).toEqual({ officer: "OF-2001", pin_set: false, locked: false });
  });

  it("is what a reload shows while the app is locked", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1", officers: { [OFFICER]: PIN }, seed: [{ view: cab, sync: "pending" }] });
    transport.actAs(OFFICER);
    await transport.lock();
    const list = vi.spyOn(transport, "listInspections");
    app({ transport, url: `/inspections/${cab.id}` });
    expect(await screen.findByRole("heading", { name: "Locked" })).toBeTruthy();
    expect(list).not.toHaveBeenCalled();
    expect(platesOnPage(platesOf(cab))).toEqual([]);

    await unlockWith(null, PIN);
    await waitFor(() => expect(platesOnPage(platesOf(cab))).not.toEqual([]));
    await settled();
    expect(screen.getByTestId("inspection").getAttribute("data-inspection")).toBe(cab.id);
  });
});

describe("before the first sign-in", () => {
  it("shows no error for the data not open yet, says the PIN opens it, and opens it at the sign-in", async () => {
    const transport = createMemoryTransport({
      unit: "MOBILE-1",
      officers: { [OFFICER]: PIN },
      seed: [{ view: wanted, sync: "pending" }],
      cold: true,
      latencyMs: 5,
    });
    const list = vi.spyOn(transport, "listInspections");
    app({ transport });
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByText(/Your PIN also opens this vehicle's data, which is kept encrypted/)).toBeTruthy();
    // The banner asked and was told "locked": nothing to show, and no error.
    await waitFor(() => expect(list).toHaveBeenCalled());
    await expect(list.mock.results[0]?.value).rejects.toMatchObject({ code: "locked" });
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByRole("region", { name: "Synchronisation" })).toBeNull();
    expect(platesOnPage(platesOf(wanted))).toEqual([]);

    fireEvent.change(screen.getByLabelText("Officer ID"), { target: { value: OFFICER } });
    fireEvent.change(screen.getByLabelText("PIN"), { target: { value: PIN } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    // The wait says what is happening: the first sign-in opens (maybe encrypts) the data.
    expect(screen.getByRole("button", { name: "Signing in…" })).toBeTruthy();
    expect(screen.getByTestId("signin-busy").textContent).toContain("Opening this vehicle's encrypted data…");

    expect(await screen.findByRole("heading", { name: "Inspections" })).toBeTruthy();
    expect(await screen.findByTestId("alert-banner")).toBeTruthy();
    expect(await screen.findByRole("region", { name: "Synchronisation" })).toBeTruthy();
  });
});
