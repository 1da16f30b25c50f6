// @vitest-environment jsdom
// The audit page: the trail newest first (records, refusals marked red,
// console actions), filters in the URL that start again at the newest
// page, days in the console's time zone, Older / Newer / Newest and the
// browser's Back paging without repeating or skipping, the CSV link with
// the filters and never the page, the server's refusal in words; auditors
// and administrators only, inspections linked for auditors only.

import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decided, reviewed, testView } from "../domain/testViews.ts";
import { currentSearch, renderConsole } from "../test/renderConsole.tsx";
import { TRAIL_LIMITS, type DeviceInfo, type TrailQuery } from "../transport/console.ts";
import { createConsoleMemoryTransport, newDevice } from "../transport/consoleMemory.ts";

afterEach(cleanup);

const NOW = Date.UTC(2026, 10, 24, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STOLEN = "5e".repeat(32);

const ALL: TrailQuery = { kind: null, from_ms: null, to_ms: null, unit: null, actor: null, document: null, refused_only: false, after: null, limit: TRAIL_LIMITS.maxPage };

function devices(): DeviceInfo[] {
  return [
    {
      ...newDevice(STOLEN, "MOBILE-5", NOW - 30 * DAY),
      last_addr: "10.40.5.30:52990",
      revoked_ms: NOW - 2 * DAY,
      revoked_reason: "Tablet stolen",
      revoked_by: "ADM-01",
      refused_count: 2,
      last_refused_ms: NOW - 3 * HOUR,
      last_sync: "refused",
    },
  ];
}

function setup(opts: { as?: string; route?: string; lang?: "en" | "uk" } = {}) {
  const seed = [
    testView({ tractor: "AA1234BC", unit: "MOBILE-1", created_by: "OF-1742", created_ms: NOW - 5 * HOUR, decisions: [decided("release", NOW - 5 * HOUR + MIN, { officer: "OF-1742" })] }),
    testView({ tractor: "BO1734OA", unit: "MOBILE-2", created_by: "OF-2210", created_ms: NOW - 30 * HOUR, reviews: [reviewed("agree", NOW - 29 * HOUR, { supervisor: "SUP-07" })] }),
  ];
  const transport = createConsoleMemoryTransport({
    now: () => NOW,
    seed: seed.map((view) => ({ view, received_ms: view.created_ms + MIN })),
    devices: devices(),
    enrollments: [{ id: "00ff00ff00ff00ff", unit: "MOBILE-6", created_ms: NOW - 4 * HOUR, expires_ms: NOW + 20 * HOUR, created_by: "ADM-01" }],
    hotlists: [],
    signedIn: opts.as ?? "AUD-01",
  });
  const trail = vi.spyOn(transport, "trail");
  const csv = vi.spyOn(transport, "trailCsvUrl");
  renderConsole({ transport, route: opts.route ?? "/audit", ...(opts.lang === undefined ? {} : { lang: opts.lang }) });
  return { transport, trail, csv, seed };
}

const rows = (): HTMLElement[] => screen.queryAllByTestId("audit-row");
const cursors = (): string[] => rows().map((r) => r.getAttribute("data-cursor") ?? "");
const range = (): string => screen.getByTestId("audit-range").textContent ?? "";
const param = (name: string): string | null => new URLSearchParams(currentSearch()).get(name);

/** Waits for the page that answers the URL (not the one before, dimmed, while it loads). */
async function page(expected: RegExp): Promise<string[]> {
  await waitFor(() => expect(range()).toMatch(expected));
  return cursors();
}

describe("audit page: what it shows", () => {
  it("shows the auditor every event newest first, refusals marked, records linked to their inspection", async () => {
    const { transport, seed } = setup();
    const all = (await transport.trail(ALL)).events;
    expect(all.length).toBeGreaterThan(10);
    const shown = await page(/^Page 1 · events 1–\d+$/);
    expect(shown).toEqual(all.map((e) => e.cursor));
    expect(range()).toBe(`Page 1 · events 1–${all.length}`);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Audit trail");
    expect(screen.getByTestId("audit-page").textContent).toContain("Append-only: nothing here can be changed or deleted.");
    const link = within(screen.getByRole("navigation", { name: "Console menu" })).getByTestId("nav-audit");
    expect([link.textContent, link.getAttribute("aria-current")]).toEqual(["Audit", "page"]);

    // Newest first.
    const times = all.map((e) => e.at_ms);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const table = screen.getByTestId("audit-table");
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual([
      "Time",
      "Kind",
      "Who",
      "Unit",
      "Signing key",
      "Inspection",
      "Operation",
      "Outcome",
      "Detail",
      "Address",
    ]);

    // A refused connection: red-edged row, red badge, the reason, where it came from.
    const refusal = rows().find((r) => r.dataset["kind"] === "refusal");
    if (refusal === undefined) throw new Error("no refusal shown");
    expect(refusal.dataset).toMatchObject({ outcome: "refused", operation: "connection" });
    expect(refusal.className).toContain("is-refused");
    expect(within(refusal).getByText("Refusal").className).toContain("c-au-kind-refusal");
    expect(refusal.textContent).toContain("revoked device: Tablet stolen");
    expect(refusal.textContent).toContain("MOBILE-5");
    expect(within(refusal).getByText("5e5e 5e5e 5e5e 5e5e").className).toContain("code");
    expect(refusal.textContent).toContain("10.40.5.30:52990");
    expect(refusal.textContent).toContain("Connection");
    // The time in the console's zone, with seconds.
    expect(refusal.textContent).toContain("24 Nov 2026, 11:00:00");

    // A console action: who, with the role; its operation in words.
    const revoke = rows().find((r) => r.dataset["operation"] === "revoke");
    expect(revoke?.dataset["kind"]).toBe("console");
    expect(revoke?.className).not.toContain("is-refused");
    expect(revoke?.textContent).toContain("ADM-01Administrator");
    expect(revoke?.textContent).toContain("Revocation");
    expect(revoke?.textContent).toContain("22 Nov 2026, 14:00:00");
    const failed = rows().find((r) => r.dataset["operation"] === "login" && r.dataset["outcome"] === "refused");
    expect(failed?.className).toContain("is-refused");
    expect(failed?.textContent).toContain("Refused");

    // A record: the officer, the unit, its inspection as a link (auditors read inspections).
    const id = seed[0]?.id ?? "";
    const decide = rows().find((r) => r.dataset["operation"] === "decide");
    if (decide === undefined) throw new Error("no decision shown");
    expect(decide.dataset).toMatchObject({ kind: "record", outcome: "accepted" });
    expect(decide.textContent).toContain("OF-1742");
    expect(decide.textContent).toContain("Decision");
    expect(decide.textContent).toContain("Accepted");
    const doc = within(decide).getByRole("link", { name: `Open inspection ${id}` });
    expect(doc.getAttribute("href")).toBe(`/inspections/${id}`);
    expect(doc.getAttribute("title")).toBe(id);
  });

  it("says so when nothing matches, and gives the server's refusal of a bad filter in words", async () => {
    setup({ route: "/audit?actor=NOBODY" });
    await page(/^Page 1$/);
    expect(screen.getByTestId("audit-empty").textContent).toBe("No events match these filters.");
    expect(screen.queryByTestId("audit-table")).toBeNull();
    cleanup();
    setup({ route: "/audit?document=not-an-inspection" });
    const alert = await screen.findByRole("alert");
    expect(alert.getAttribute("data-code")).toBe("invalid_input");
    expect(alert.textContent).toContain("The server did not accept what was entered.");
    expect(rows()).toEqual([]);
  });

  it("reads in Ukrainian", async () => {
    setup({ lang: "uk" });
    await page(/^Сторінка 1 · події 1–\d+$/);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Журнал аудиту");
    expect(screen.getByTestId("audit-page").textContent).toContain("Журнал лише доповнюється: тут нічого не можна змінити чи видалити.");
    expect(rows().find((r) => r.dataset["operation"] === "revoke")?.textContent).toContain("Відкликання");
    expect(screen.getByTestId("audit-csv").textContent).toBe("Завантажити CSV");
  });
});

describe("audit page: filters", () => {
  it("narrows by kind and to refusals, keeps both in the URL, and clears them", async () => {
    const { transport } = setup();
    await page(/^Page 1 · /);
    fireEvent.change(screen.getByTestId("audit-kind"), { target: { value: "console" } });
    await waitFor(() => expect(param("kind")).toBe("console"));
    await page(/^Page 1 · /);
    expect(rows().length).toBeGreaterThan(0);
    expect(rows().every((r) => r.dataset["kind"] === "console")).toBe(true);
    expect(cursors()).toEqual((await transport.trail({ ...ALL, kind: "console" })).events.map((e) => e.cursor));

    fireEvent.click(screen.getByTestId("audit-refused"));
    await waitFor(() => expect(param("refused_only")).toBe("true"));
    await waitFor(() => expect(rows().map((r) => [r.dataset["operation"], r.dataset["outcome"]])).toEqual([["login", "refused"]]));
    expect(param("kind")).toBe("console");

    fireEvent.change(screen.getByTestId("audit-kind"), { target: { value: "" } });
    await waitFor(() => expect(rows().map((r) => r.dataset["kind"]).sort()).toEqual(["console", "refusal", "refusal"]));
    expect(rows().every((r) => r.className.includes("is-refused"))).toBe(true);
    expect(currentSearch()).toBe("?refused_only=true");

    fireEvent.click(screen.getByTestId("audit-clear"));
    await waitFor(() => expect(currentSearch()).toBe(""));
    await waitFor(() => expect(rows().some((r) => r.dataset["kind"] === "record")).toBe(true));
  });

  it("takes whole days in the console's time zone, the 'to' day included", async () => {
    const { trail } = setup();
    await page(/^Page 1 · /);
    fireEvent.change(screen.getByTestId("audit-from"), { target: { value: "2026-11-22" } });
    await waitFor(() => expect(param("from")).toBe("2026-11-22"));
    fireEvent.change(screen.getByTestId("audit-to"), { target: { value: "2026-11-23" } });
    await waitFor(() => expect(param("to")).toBe("2026-11-23"));
    // Kyiv is two hours ahead of UTC in November.
    await waitFor(() => expect(trail).toHaveBeenLastCalledWith(expect.objectContaining({ from_ms: Date.UTC(2026, 10, 21, 22), to_ms: Date.UTC(2026, 10, 23, 22) })));
    await page(/^Page 1/);
    const shown = rows().map((r) => r.querySelector("time")?.getAttribute("datetime") ?? "");
    expect(shown.length).toBeGreaterThan(0);
    for (const t of shown) {
      expect(Date.parse(t)).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 21, 22));
      expect(Date.parse(t)).toBeLessThan(Date.UTC(2026, 10, 23, 22));
    }
    expect(screen.getByTestId<HTMLInputElement>("audit-to").min).toBe("2026-11-22");
  });

  it("applies a unit, an actor or an inspection when the field is left or Enter is pressed", async () => {
    const { seed } = setup();
    await page(/^Page 1 · /);
    const actor = screen.getByTestId("audit-actor");
    fireEvent.change(actor, { target: { value: " OF-2210 " } });
    expect(param("actor")).toBeNull();
    fireEvent.keyDown(actor, { key: "Enter" });
    await waitFor(() => expect(param("actor")).toBe("OF-2210"));
    await waitFor(() => expect(rows().map((r) => r.dataset["operation"])).toEqual(["create"]));

    fireEvent.change(actor, { target: { value: "" } });
    fireEvent.blur(actor);
    await waitFor(() => expect(param("actor")).toBeNull());
    const id = seed[0]?.id ?? "";
    const doc = screen.getByTestId("audit-document");
    fireEvent.change(doc, { target: { value: id } });
    fireEvent.blur(doc);
    await waitFor(() => expect(param("document")).toBe(id));
    await waitFor(() => expect(rows().map((r) => r.dataset["operation"])).toEqual(["decide", "create"]));

    fireEvent.change(doc, { target: { value: "" } });
    fireEvent.keyDown(doc, { key: "Enter" });
    const unit = screen.getByTestId("audit-unit");
    fireEvent.change(unit, { target: { value: "MOBILE-5" } });
    fireEvent.keyDown(unit, { key: "Enter" });
    await waitFor(() => expect(currentSearch()).toBe("?unit=MOBILE-5"));
    await waitFor(() => expect(rows().map((r) => r.dataset["kind"])).toEqual(["refusal", "refusal"]));
  });
});

describe("audit page: paging", () => {
  it("pages older and newer by cursor without repeating or skipping, the page in the URL; Back and Newest work too", async () => {
    const { transport } = setup({ route: "/audit?limit=4" });
    const all = (await transport.trail(ALL)).events.map((e) => e.cursor);
    expect(all.length).toBeGreaterThan(12);
    const pages: string[][] = [await page(/^Page 1 · events 1–4$/)];
    expect(screen.getByTestId<HTMLSelectElement>("audit-limit").value).toBe("4");
    expect(screen.getByTestId<HTMLButtonElement>("audit-newer").disabled).toBe(true);
    for (let n = 2; ; n++) {
      const older = screen.getByTestId<HTMLButtonElement>("audit-older");
      if (older.disabled) break;
      fireEvent.click(older);
      const first = (n - 1) * 4 + 1;
      pages.push(await page(new RegExp(`^Page ${n} · events ${first}–`)));
      expect(param("after")).toBe(pages[n - 2]?.at(-1));
      // The way back: where each newer page (but the newest) starts.
      expect(new URLSearchParams(currentSearch()).getAll("back")).toEqual(pages.slice(0, n - 2).map((p) => p.at(-1)));
    }
    expect(pages.flat()).toEqual(all);
    expect(pages.every((p, i) => p.length === 4 || i === pages.length - 1)).toBe(true);
    const last = pages.length;

    // Back up with Newer: each page as it was.
    fireEvent.click(screen.getByTestId("audit-newer"));
    expect(await page(new RegExp(`^Page ${last - 1} · `))).toEqual(pages[last - 2]);
    fireEvent.click(screen.getByTestId("audit-newer"));
    expect(await page(new RegExp(`^Page ${last - 2} · `))).toEqual(pages[last - 3]);
    // The browser's Back: the page before this one in the history.
    fireEvent.click(screen.getByTestId("router-back"));
    expect(await page(new RegExp(`^Page ${last - 1} · `))).toEqual(pages[last - 2]);
    // A link to the page shows it again, and Newer from it too.
    const link = currentSearch();
    cleanup();
    setup({ route: `/audit${link}` });
    expect(await page(new RegExp(`^Page ${last - 1} · `))).toEqual(pages[last - 2]);
    fireEvent.click(screen.getByTestId("audit-newer"));
    expect(await page(new RegExp(`^Page ${last - 2} · `))).toEqual(pages[last - 3]);
    // Newest: the first page, filters kept.
    fireEvent.click(screen.getByTestId("audit-newest"));
    expect(await page(/^Page 1 · events 1–4$/)).toEqual(pages[0]);
    expect(currentSearch()).toBe("?limit=4");
  });

  it("starts again at the newest page when a filter or the page size changes", async () => {
    setup({ route: "/audit?limit=4" });
    await page(/^Page 1 · /);
    fireEvent.click(screen.getByTestId("audit-older"));
    await page(/^Page 2 · /);
    fireEvent.click(screen.getByTestId("audit-older"));
    await page(/^Page 3 · /);
    fireEvent.change(screen.getByTestId("audit-kind"), { target: { value: "console" } });
    await page(/^Page 1 · events 1–4$/);
    expect(currentSearch()).toBe("?kind=console&limit=4");
    fireEvent.click(screen.getByTestId("audit-older"));
    await page(/^Page 2 · /);
    fireEvent.change(screen.getByTestId("audit-limit"), { target: { value: "50" } });
    await page(/^Page 1 · events 1–\d+$/);
    expect(currentSearch()).toBe("?kind=console&limit=50");
    expect([...screen.getByTestId<HTMLSelectElement>("audit-limit").options].map((o) => o.value)).toEqual(["50", "100", "500"]);
  });
});

describe("audit page: the CSV export", () => {
  it("links the whole trail under the current filters, never the page", async () => {
    const { transport, csv } = setup({ route: "/audit?kind=refusal&unit=MOBILE-5&limit=1" });
    await page(/^Page 1 · events 1–1$/);
    fireEvent.click(screen.getByTestId("audit-older"));
    await page(/^Page 2 · events 2–2$/);
    expect(param("after")).not.toBeNull();
    const link = screen.getByTestId<HTMLAnchorElement>("audit-csv");
    expect(link.textContent).toBe("Download CSV");
    expect(link.hasAttribute("download")).toBe(true);
    const asked = csv.mock.lastCall?.[0];
    expect(asked).toEqual({ ...ALL, kind: "refusal", unit: "MOBILE-5", limit: null });
    expect(link.getAttribute("href")).toBe(transport.trailCsvUrl(asked ?? ALL));
    // The memory transport's link holds the CSV itself: both refusals, not the page's one.
    const text = decodeURIComponent((link.getAttribute("href") ?? "").replace(/^data:text\/csv;charset=utf-8,/, ""));
    expect(text.trimEnd().split("\n").slice(1).map((l) => l.split(",")[1])).toEqual(["refusal", "refusal"]);
    const note = document.getElementById(link.getAttribute("aria-describedby") ?? "");
    expect(note?.textContent).toBe("The whole trail under these filters, not just this page. The export is itself recorded in the trail.");
  });
});

describe("audit page: roles", () => {
  it("is not the supervisor's: no link, and /audit leads to the queue", async () => {
    const { trail } = setup({ as: "SUP-07", route: "/audit" });
    await screen.findByTestId("review-queue");
    expect(screen.getByTestId("location").getAttribute("data-path")).toBe("/");
    expect(screen.queryByTestId("nav-audit")).toBeNull();
    expect(screen.queryByTestId("audit-page")).toBeNull();
    expect(trail).not.toHaveBeenCalled();
  });

  it("is the administrator's too, with inspections as plain text (they cannot open them)", async () => {
    const { seed } = setup({ as: "ADM-01", route: "/audit" });
    await page(/^Page 1 · /);
    expect(screen.getByTestId("location").getAttribute("data-path")).toBe("/audit");
    const nav = screen.getByRole("navigation", { name: "Console menu" });
    expect(within(nav).getByTestId("nav-audit").getAttribute("aria-current")).toBe("page");
    expect(within(nav).getByTestId("nav-fleet")).toBeTruthy();
    expect(within(screen.getByTestId("audit-table")).queryAllByRole("link")).toEqual([]);
    const id = seed[0]?.id ?? "";
    const decide = rows().find((r) => r.dataset["operation"] === "decide");
    expect(decide && within(decide).getByTitle(id).textContent).toBe(`${id.slice(0, 8)}…${id.slice(-4)}`);
    // Anywhere else still leads to the fleet.
    cleanup();
    setup({ as: "ADM-01", route: "/nowhere" });
    await screen.findByTestId("fleet-page");
  });

  it("gives the auditor a link in the top bar", async () => {
    setup({ route: "/" });
    await screen.findByTestId("review-queue");
    fireEvent.click(screen.getByTestId("nav-audit"));
    await screen.findByTestId("audit-page");
    expect(screen.getByTestId("location").getAttribute("data-path")).toBe("/audit");
  });
});
