// @vitest-environment jsdom
// The fleet page: every vehicle with its state (active, stale, revoked with
// its reason and refused attempts), what it stated (version, clock, what it
// has not delivered; "unknown" for a vehicle too old to say), filtered,
// searched and sorted in the URL, the stale threshold sent to the server,
// read again every 10 s; enrollment tokens made (text and QR code, shown
// once), listed and cancelled after a confirmation; revocation of a device
// or a whole unit with a required reason. Administrators only.

import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { currentSearch, renderConsole } from "../test/renderConsole.tsx";
import { FLEET_LIMITS, type DeviceInfo, type PendingEnrollment } from "../transport/console.ts";
import { createConsoleMemoryTransport, newDevice } from "../transport/consoleMemory.ts";
import { TransportError } from "../transport/errors.ts";
import { FLEET_POLL_MS } from "./fleet.ts";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const NOW = Date.UTC(2026, 10, 24, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const KEY_03 = "a1b2".repeat(16);
const KEY_11 = "c3d4".repeat(16);
const KEY_11B = "e5f6".repeat(16);
const KEY_07 = "0789".repeat(16);

function devices(): DeviceInfo[] {
  return [
    {
      ...newDevice(KEY_03, "MOBILE-03", NOW - 20 * DAY),
      last_seen_ms: NOW - 2 * MIN,
      last_addr: "10.0.0.3:50000",
      app_version: "0.9.3",
      backlog_records: 3,
      backlog_scan_bytes: 48_000_000,
      clock_offset_ms: 125_000,
      stated_ms: NOW - 2 * MIN,
      last_sync: "complete",
      records: 12,
    },
    {
      ...newDevice(KEY_11, "MOBILE-11", NOW - 15 * DAY),
      last_seen_ms: NOW - 30 * HOUR,
      app_version: "0.9.1",
      backlog_records: 17,
      backlog_scan_bytes: 412_000_000,
      clock_offset_ms: -40_000,
      stated_ms: NOW - 30 * HOUR,
      last_sync: "interrupted",
      records: 4,
    },
    // Too old to state its version, backlog or clock.
    { ...newDevice(KEY_11B, "MOBILE-11", NOW - 40 * DAY), last_seen_ms: NOW - 90 * MIN, last_sync: "complete", records: 40 },
    {
      ...newDevice(KEY_07, "MOBILE-07", NOW - 60 * DAY),
      last_seen_ms: NOW - 3 * DAY,
      app_version: "0.9.1",
      backlog_records: 0,
      backlog_scan_bytes: 0,
      clock_offset_ms: 9 * MIN,
      stated_ms: NOW - 3 * DAY,
      revoked_ms: NOW - 2 * DAY,
      revoked_reason: "Tablet stolen from the vehicle",
      revoked_by: "ADM-01",
      last_sync: "refused",
      refused_count: 2,
      last_refused_ms: NOW - 3 * HOUR,
      wipe: { ordered_ms: NOW - 2 * DAY, told_ms: NOW - 3 * HOUR, backlog_records: 12, backlog_scan_bytes: 48_000_000 },
    },
  ];
}

const PENDING: PendingEnrollment = { id: "00ff00ff00ff00ff", unit: "MOBILE-11", created_ms: NOW - HOUR, expires_ms: NOW + 23 * HOUR, created_by: null };

function setup(opts: { as?: string; route?: string; lang?: "en" | "uk" } = {}) {
  const transport = createConsoleMemoryTransport({ now: () => NOW, seed: [], devices: devices(), enrollments: [PENDING], signedIn: opts.as ?? "ADM-01" });
  const fleet = vi.spyOn(transport, "fleet");
  const create = vi.spyOn(transport, "createEnrollment");
  const cancel = vi.spyOn(transport, "cancelEnrollment");
  const revoke = vi.spyOn(transport, "revoke");
  renderConsole({ transport, route: opts.route ?? "/fleet", ...(opts.lang === undefined ? {} : { lang: opts.lang }) });
  return { transport, fleet, create, cancel, revoke };
}

const rows = (): HTMLElement[] => screen.queryAllByTestId("fleet-row");
const units = (): (string | null)[] => rows().map((r) => r.getAttribute("data-unit"));
const row = (key: string): HTMLElement => {
  const r = rows().find((el) => el.getAttribute("data-key") === key);
  if (r === undefined) throw new Error(`no row ${key}`);
  return r;
};
const loaded = async (): Promise<void> => {
  await waitFor(() => expect(rows().length).toBeGreaterThan(0));
};

describe("fleet page: what it shows", () => {
  it("lists every vehicle with its state, what it stated, and a revoked one's reason and refused attempts", async () => {
    setup();
    await loaded();
    expect(screen.getByTestId("fleet-page")).toBeTruthy();
    expect(units()).toEqual(["MOBILE-03", "MOBILE-07", "MOBILE-11", "MOBILE-11"]);
    expect(screen.getByText("Vehicles: 4 · active: 2 · stale: 1 · revoked: 1")).toBeTruthy();

    const active = row(KEY_03);
    expect(active.dataset).toMatchObject({ state: "active", unit: "MOBILE-03", backlogRecords: "3", backlogBytes: "48000000", refused: "0", lastSync: "complete" });
    const fp = within(active).getByText("a1b2 a1b2 a1b2 a1b2");
    expect(fp.className).toContain("code");
    expect(fp.getAttribute("title")).toBe(KEY_03);
    expect(active.textContent).toContain("0.9.3");
    expect(active.textContent).toContain("2 min ago");
    expect(active.textContent).toContain("Complete");
    expect(within(active).getByTestId("fleet-offset").textContent).toBe("+2 min 5 s");
    expect(within(active).getByTestId("fleet-offset").className).not.toContain("c-fl-skew");
    expect(within(active).getByTestId("fleet-backlog").textContent).toBe("3 records48 MB");
    expect(within(active).getByTestId("fleet-badge").textContent).toBe("Active");
    expect(within(active).getByTestId("fleet-revoke")).toBeTruthy();

    // Stale: flagged on the row and with a badge.
    const stale = row(KEY_11);
    expect(stale.dataset).toMatchObject({ state: "stale", lastSync: "interrupted" });
    expect(stale.className).toContain("is-stale");
    const badge = within(stale).getByText("Stale");
    expect(badge.getAttribute("title")).toBe("No contact for longer than 24 h");
    expect(stale.textContent).toContain("30 hr ago");
    expect(stale.textContent).toContain("Interrupted");
    expect(within(stale).getByTestId("fleet-offset").textContent).toBe("−40 s");
    expect(within(stale).getByTestId("fleet-backlog").textContent).toBe("17 records412 MB");

    // Too old to say: unknown, not zero.
    const old = row(KEY_11B);
    expect(old.dataset).toMatchObject({ state: "active", backlogRecords: "unknown", backlogBytes: "unknown" });
    expect(within(old).getAllByText("unknown")).toHaveLength(3);
    expect(within(old).queryByTestId("fleet-offset")).toBeNull();

    // Revoked: the reason, who and when, the attempts since; no revoke button.
    const revoked = row(KEY_07);
    expect(revoked.dataset).toMatchObject({ state: "revoked", refused: "2", lastSync: "refused", backlogRecords: "0" });
    expect(within(revoked).getByTestId("fleet-reason").textContent).toBe("Tablet stolen from the vehicle");
    expect(within(revoked).getByTestId("fleet-badge").textContent).toBe("Revoked");
    expect(within(revoked).getByTestId("fleet-state").textContent).toMatch(/^Revoked.* by ADM-01/);
    expect(within(revoked).getByTestId("fleet-refused").textContent).toMatch(/^Refused 2 times since, last /);
    // Its remote wipe: when it was told, and what it held unsent then.
    expect(within(revoked).getByTestId("fleet-wipe").textContent).toMatch(/^Wipe told .*; unsent then: 12 records, 48 MB of scans$/);
    expect(within(active).queryByTestId("fleet-wipe")).toBeNull();
    expect(revoked.textContent).toContain("Refused");
    expect(revoked.textContent).toContain("nothing");
    // Its clock was more than five minutes off: highlighted.
    expect(within(revoked).getByTestId("fleet-offset").className).toContain("c-fl-skew");
    expect(within(revoked).getByTestId("fleet-offset").textContent).toBe("+9 min");
    expect(within(revoked).queryByTestId("fleet-revoke")).toBeNull();
  });

  it("says it all in Ukrainian too", async () => {
    setup({ lang: "uk" });
    await loaded();
    expect(screen.getByText("Комплексів: 4 · активних: 2 · без звʼязку: 1 · відкликаних: 1")).toBeTruthy();
    expect(within(row(KEY_03)).getByTestId("fleet-backlog").textContent).toMatch(/^3 записи48\sМБ$/u);
    expect(within(row(KEY_11)).getByTestId("fleet-backlog").textContent).toMatch(/^17 записів412\sМБ$/u);
    expect(within(row(KEY_03)).getByTestId("fleet-offset").textContent).toBe("+2 хв 5 с");
    expect(within(row(KEY_07)).getByTestId("fleet-refused").textContent).toMatch(/^Відтоді відхилено 2 спроби, остання /);
    expect(within(row(KEY_11B)).getAllByText("невідомо")).toHaveLength(3);
    expect(within(row(KEY_11)).getByText("Без звʼязку")).toBeTruthy();
  });
});

describe("fleet page: filters and sort, in the URL", () => {
  it("narrows by state and by unit or key, and keeps both in the query string", async () => {
    setup();
    await loaded();
    fireEvent.change(screen.getByTestId("fleet-state-filter"), { target: { value: "stale" } });
    expect(rows().map((r) => r.getAttribute("data-key"))).toEqual([KEY_11]);
    expect(currentSearch()).toBe("?state=stale");
    fireEvent.change(screen.getByTestId("fleet-state-filter"), { target: { value: "active" } });
    expect(rows().map((r) => r.getAttribute("data-key"))).toEqual([KEY_03, KEY_11B]);

    fireEvent.change(screen.getByTestId("fleet-search"), { target: { value: "mobile-1" } });
    expect(rows().map((r) => r.getAttribute("data-key"))).toEqual([KEY_11B]);
    expect(new URLSearchParams(currentSearch()).get("q")).toBe("mobile-1");
    fireEvent.change(screen.getByTestId("fleet-state-filter"), { target: { value: "all" } });
    expect(units()).toEqual(["MOBILE-11", "MOBILE-11"]);
    // The key's first digits, as the fingerprint shows them.
    fireEvent.change(screen.getByTestId("fleet-search"), { target: { value: "0789 07" } });
    expect(rows().map((r) => r.getAttribute("data-key"))).toEqual([KEY_07]);
    fireEvent.change(screen.getByTestId("fleet-search"), { target: { value: "nothing-like-it" } });
    expect(rows()).toEqual([]);
    expect(screen.getByText("No vehicle matches these filters.")).toBeTruthy();
  });

  it("starts from the URL's view, and asks the server with the stale threshold picked", async () => {
    const { fleet } = setup({ route: "/fleet?state=stale&stale=48" });
    await waitFor(() => expect(fleet).toHaveBeenCalledWith(48));
    expect(screen.getByTestId<HTMLSelectElement>("fleet-stale").value).toBe("48");
    // Not stale after 48 hours: none left under the filter.
    await screen.findByText("No vehicle matches these filters.");
    fireEvent.change(screen.getByTestId("fleet-stale"), { target: { value: "1" } });
    await waitFor(() => expect(fleet).toHaveBeenLastCalledWith(1));
    // Same unit: the one enrolled first goes first.
    await waitFor(() => expect(rows().map((r) => r.getAttribute("data-key"))).toEqual([KEY_11B, KEY_11]));
    expect(currentSearch()).toBe("?state=stale&stale=1");
    const options = Array.from(screen.getByTestId<HTMLSelectElement>("fleet-stale").options).map((o) => [o.value, o.textContent]);
    expect(options).toEqual([
      ["1", "1 h"],
      ["6", "6 h"],
      ["12", "12 h"],
      ["24", "24 h"],
      ["48", "48 h"],
      ["168", "7 days"],
    ]);
  });

  it("sorts by a column header, the other way on a second click, with aria-sort", async () => {
    setup();
    await loaded();
    const seen = screen.getByTestId("fleet-sort-seen");
    fireEvent.click(seen);
    expect(rows().map((r) => r.getAttribute("data-key"))).toEqual([KEY_03, KEY_11B, KEY_11, KEY_07]);
    expect(seen.closest("th")?.getAttribute("aria-sort")).toBe("descending");
    expect(currentSearch()).toBe("?sort=-seen");
    fireEvent.click(screen.getByTestId("fleet-sort-seen"));
    expect(rows().map((r) => r.getAttribute("data-key"))).toEqual([KEY_07, KEY_11, KEY_11B, KEY_03]);
    expect(screen.getByTestId("fleet-sort-seen").closest("th")?.getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(screen.getByTestId("fleet-sort-backlog"));
    // Unknown last.
    expect(rows().map((r) => r.getAttribute("data-key"))).toEqual([KEY_07, KEY_03, KEY_11, KEY_11B]);
    expect(screen.getByTestId("fleet-sort-unit").closest("th")?.getAttribute("aria-sort")).toBe("none");
  });

  it("reads the fleet again every 10 s, so a revoked vehicle's attempt shows by itself", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const { transport, fleet } = setup();
    await loaded();
    const calls = fleet.mock.calls.length;
    transport.vehicleConnects(KEY_07);
    expect(row(KEY_07).getAttribute("data-refused")).toBe("2");
    act(() => {
      vi.advanceTimersByTime(FLEET_POLL_MS);
    });
    await waitFor(() => expect(row(KEY_07).getAttribute("data-refused")).toBe("3"));
    expect(fleet.mock.calls.length).toBe(calls + 1);
    expect(within(row(KEY_07)).getByTestId("fleet-refused").textContent).toMatch(/^Refused 3 times since/);
  });
});

describe("fleet page: enrollment tokens", () => {
  it("makes a token for a unit and shows it once, as text and as the server's QR code; it is listed pending", async () => {
    const { create } = setup();
    await loaded();
    const form = screen.getByTestId("enroll-form");
    const ttl = within(form).getByTestId<HTMLSelectElement>("enroll-ttl");
    expect(ttl.value).toBe("72");
    expect(Array.from(ttl.options).map((o) => o.textContent)).toEqual(["1 h", "24 h", "72 h", "7 days", "30 days"]);
    expect(Math.max(...Array.from(ttl.options).map((o) => Number(o.value)))).toBeLessThanOrEqual(FLEET_LIMITS.maxEnrollTtlHours);

    fireEvent.click(within(form).getByTestId("enroll-create"));
    expect(within(form).getByRole("alert").textContent).toBe("Name the unit the vehicle will belong to.");
    expect(create).not.toHaveBeenCalled();

    fireEvent.change(within(form).getByTestId("enroll-unit"), { target: { value: " MOBILE-12 " } });
    fireEvent.change(ttl, { target: { value: "168" } });
    fireEvent.click(within(form).getByTestId("enroll-create"));
    const token = await screen.findByTestId<HTMLTextAreaElement>("enroll-token");
    expect(create).toHaveBeenCalledExactlyOnceWith({ unit: "MOBILE-12", ttl_hours: 168 });
    expect(token.value).toMatch(/^KORDON1-/);
    expect(token.readOnly).toBe(true);
    // The token takes the focus in an effect after it is shown.
    await waitFor(() => expect(document.activeElement).toBe(token));
    const qr = screen.getByTestId<HTMLImageElement>("enroll-qr");
    expect(qr.tagName).toBe("IMG");
    expect(qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3C/);
    expect(decodeURIComponent(qr.getAttribute("src") ?? "")).toContain("<svg");
    expect(Number(qr.getAttribute("width"))).toBeGreaterThanOrEqual(240);
    expect(qr.getAttribute("alt")).toBe("QR code of the enrollment token for MOBILE-12");
    expect(screen.getByTestId("enroll-created").textContent).toContain("Shown only now: the server keeps no copy of it. Valid until ");
    // The form is ready for the next one.
    expect(within(form).getByTestId<HTMLInputElement>("enroll-unit").value).toBe("");

    const list = await screen.findByTestId("enroll-pending");
    await waitFor(() => expect(within(list).getAllByTestId("enroll-pending-row").map((r) => r.getAttribute("data-unit"))).toEqual(["MOBILE-12", "MOBILE-11"]));
    const mine = within(list).getAllByTestId("enroll-pending-row")[0];
    expect(mine?.textContent).toContain("by ADM-01");
    expect(within(list).getAllByTestId("enroll-pending-row")[1]?.textContent).toContain("by the command line");

    fireEvent.click(screen.getByTestId("enroll-hide"));
    expect(screen.queryByTestId("enroll-token")).toBeNull();
  });

  it("copies the token", async () => {
    setup();
    await loaded();
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    fireEvent.change(screen.getByTestId("enroll-unit"), { target: { value: "MOBILE-12" } });
    fireEvent.click(screen.getByTestId("enroll-create"));
    const token = await screen.findByTestId<HTMLTextAreaElement>("enroll-token");
    fireEvent.click(screen.getByTestId("enroll-copy"));
    await screen.findByText("Copied.");
    expect(writeText).toHaveBeenCalledExactlyOnceWith(token.value);
  });

  it("cancels a pending token after a confirmation", async () => {
    const { cancel } = setup();
    const list = await screen.findByTestId("enroll-pending");
    const pending = within(list).getByTestId("enroll-pending-row");
    expect(pending.dataset).toMatchObject({ id: PENDING.id, unit: "MOBILE-11" });

    fireEvent.click(within(pending).getByTestId("enroll-cancel"));
    expect(within(pending).getByTestId("enroll-cancel-ask").textContent).toContain("Cancel the token for MOBILE-11? A vehicle that tries it will be refused.");
    expect(document.activeElement).toBe(within(pending).getByTestId("enroll-cancel-confirm"));
    fireEvent.click(within(pending).getByRole("button", { name: "Keep it" }));
    expect(cancel).not.toHaveBeenCalled();

    fireEvent.click(within(pending).getByTestId("enroll-cancel"));
    fireEvent.click(within(pending).getByTestId("enroll-cancel-confirm"));
    await screen.findByTestId("enroll-pending-none");
    expect(cancel).toHaveBeenCalledExactlyOnceWith(PENDING.id);
    expect(screen.queryAllByTestId("enroll-pending-row")).toEqual([]);
    expect(screen.getByTestId("fleet-notice").textContent).toBe("The token for MOBILE-11 is cancelled.");
  });
});

describe("fleet page: revoking", () => {
  it("asks for a reason before revoking one device, then shows it revoked with the reason", async () => {
    const { revoke } = setup();
    await loaded();
    const opener = within(row(KEY_03)).getByTestId("fleet-revoke");
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByTestId("revoke-dialog");
    expect(dialog.tagName).toBe("DIALOG");
    expect(dialog.hasAttribute("open")).toBe(true);
    expect(within(dialog).getByRole("heading").textContent).toBe("Revoke: MOBILE-03");
    expect(dialog.textContent).toContain("The crew is told this reason at the vehicle's next connection");
    const reason = within(dialog).getByTestId<HTMLTextAreaElement>("revoke-reason");
    expect(document.activeElement).toBe(reason);
    expect(reason.maxLength).toBe(FLEET_LIMITS.maxRevokeReason);
    expect(within(dialog).getByTestId<HTMLInputElement>("revoke-scope-device").checked).toBe(true);
    const confirm = within(dialog).getByTestId<HTMLButtonElement>("revoke-confirm");
    expect(confirm.disabled).toBe(true);
    fireEvent.change(reason, { target: { value: "   " } });
    expect(confirm.disabled).toBe(true);
    fireEvent.submit(confirm.closest("form") as HTMLFormElement);
    expect(revoke).not.toHaveBeenCalled();

    // Cancelled: nothing sent, the focus back on the button.
    fireEvent.click(within(dialog).getByTestId("revoke-cancel"));
    expect(screen.queryByTestId("revoke-dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);

    fireEvent.click(within(row(KEY_03)).getByTestId("fleet-revoke"));
    const again = screen.getByTestId("revoke-dialog");
    fireEvent.change(within(again).getByTestId("revoke-reason"), { target: { value: " Tablet lost at the post " } });
    expect(within(again).getByTestId("revoke-confirm").textContent).toBe("Revoke the device");
    fireEvent.click(within(again).getByTestId("revoke-confirm"));
    await waitFor(() => expect(row(KEY_03).getAttribute("data-state")).toBe("revoked"));
    expect(revoke).toHaveBeenCalledExactlyOnceWith({ unit: null, device: KEY_03, reason: "Tablet lost at the post" });
    expect(screen.queryByTestId("revoke-dialog")).toBeNull();
    expect(within(row(KEY_03)).getByTestId("fleet-reason").textContent).toBe("Tablet lost at the post");
    expect(within(row(KEY_03)).getByTestId("fleet-state").textContent).toContain("by ADM-01");
    expect(within(row(KEY_03)).queryByTestId("fleet-revoke")).toBeNull();
    expect(screen.getByTestId("fleet-notice").textContent).toBe("MOBILE-03: 1 device revoked.");
    // The unit's other vehicles are untouched.
    expect(row(KEY_11).getAttribute("data-state")).toBe("stale");
  });

  it("revokes a whole unit, its unused token with it, and closes on Escape without sending", async () => {
    const { revoke } = setup();
    await loaded();
    fireEvent.click(within(row(KEY_11)).getByTestId("fleet-revoke"));
    fireEvent.keyDown(screen.getByTestId("revoke-dialog"), { key: "Escape" });
    expect(screen.queryByTestId("revoke-dialog")).toBeNull();
    expect(revoke).not.toHaveBeenCalled();

    fireEvent.click(within(row(KEY_11)).getByTestId("fleet-revoke"));
    const dialog = screen.getByTestId("revoke-dialog");
    fireEvent.click(within(dialog).getByTestId("revoke-scope-unit"));
    expect(dialog.textContent).toContain("Every device enrolled in MOBILE-11 (now: 2), and the unit's unused enrollment tokens.");
    fireEvent.change(within(dialog).getByTestId("revoke-reason"), { target: { value: "Unit disbanded" } });
    expect(within(dialog).getByTestId("revoke-confirm").textContent).toBe("Revoke unit MOBILE-11");
    fireEvent.click(within(dialog).getByTestId("revoke-confirm"));
    await waitFor(() => expect(row(KEY_11B).getAttribute("data-state")).toBe("revoked"));
    expect(revoke).toHaveBeenCalledExactlyOnceWith({ unit: "MOBILE-11", device: null, reason: "Unit disbanded" });
    expect(row(KEY_11).getAttribute("data-state")).toBe("revoked");
    expect(row(KEY_03).getAttribute("data-state")).toBe("active");
    expect(screen.getByTestId("fleet-notice").textContent).toBe("MOBILE-11: 2 devices revoked.");
    await screen.findByTestId("enroll-pending-none");
  });

  it("shows the server's refusal inside the dialog and keeps what was typed", async () => {
    const { transport } = setup();
    await loaded();
    vi.spyOn(transport, "revoke").mockRejectedValueOnce(new TransportError("not_found", "no enrolled device with key a1b2a1b2"));
    fireEvent.click(within(row(KEY_03)).getByTestId("fleet-revoke"));
    const dialog = screen.getByTestId("revoke-dialog");
    fireEvent.change(within(dialog).getByTestId("revoke-reason"), { target: { value: "Lost" } });
    fireEvent.click(within(dialog).getByTestId("revoke-confirm"));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.getAttribute("data-code")).toBe("not_found");
    expect(alert.textContent).toContain("The server has no such vehicle, unit or token");
    expect(within(dialog).getByTestId<HTMLTextAreaElement>("revoke-reason").value).toBe("Lost");
    expect(row(KEY_03).getAttribute("data-state")).toBe("active");
  });
});

describe("fleet page: roles", () => {
  it("is the administrator's landing page, with a Fleet link in the top bar", async () => {
    setup({ route: "/" });
    await screen.findByTestId("fleet-page");
    expect(screen.getByTestId("location").getAttribute("data-path")).toBe("/fleet");
    const nav = screen.getByRole("navigation", { name: "Console menu" });
    const link = within(nav).getByTestId("nav-fleet");
    expect(link.textContent).toBe("Fleet");
    expect(link.getAttribute("aria-current")).toBe("page");
    expect(within(nav).queryByText("Review queue")).toBeNull();
    // Elsewhere leads here too.
    cleanup();
    setup({ route: "/inspections/x" });
    await screen.findByTestId("fleet-page");
  });

  it("a supervisor or an auditor has no Fleet link, and /fleet is not theirs", async () => {
    for (const as of ["SUP-07", "AUD-01"]) {
      const { fleet } = setup({ as, route: "/fleet" });
      await screen.findByTestId("review-queue");
      expect(screen.getByTestId("location").getAttribute("data-path")).toBe("/");
      expect(screen.queryByTestId("nav-fleet")).toBeNull();
      expect(screen.queryByTestId("fleet-page")).toBeNull();
      expect(fleet).not.toHaveBeenCalled();
      cleanup();
    }
  });
});
