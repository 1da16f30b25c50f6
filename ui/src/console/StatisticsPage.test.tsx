// @vitest-environment jsdom
// The statistics page against a fake server (the memory transport's
// `statistics` answered from the facts below): the headline
// figures and every table's cells in the page's formats, rows keyed by day,
// unit, day and unit, officer; totals under days and units; the CSV links
// with the period; the period and unit in the URL (dates, presets, the
// unit select, the browser's Back); a reversed or too long period not
// asked for; empty and failed answers; the session running out;
// Ukrainian; supervisors and auditors only. jsdom has no canvas: the charts are their labelled boxes.

import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { currentSearch, renderConsole } from "../test/renderConsole.tsx";
import { createConsoleMemoryTransport } from "../transport/consoleMemory.ts";
import { TransportError } from "../transport/errors.ts";
import type { DayStats, DayUnitStats, OfficerStats, Statistics, StatsCounts, StatsQuery, StatsTable, UnitStats } from "../transport/generated.ts";
import { daysOf, defaultPeriod, formatCell, presetPeriod, SHOWN_COUNT_COLUMNS, SHOWN_OFFICER_COLUMNS, statsFormat } from "./statistics.ts";

// ---- a fake server ----

type Raw = Omit<StatsCounts, "scans_per_inspection" | "agreement_rate" | "mean_answer_ms" | "mean_scan_to_decision_ms">;

const ZERO: Raw = {
  inspections: 0,
  release: 0,
  physical_inspection: 0,
  detain: 0,
  refer: 0,
  undecided: 0,
  scans: 0,
  reviewed: 0,
  agreed: 0,
  overruled: 0,
  returned: 0,
  returns: 0,
  returns_answered: 0,
  answer_ms_total: 0,
  timed_decisions: 0,
  scan_to_decision_ms_total: 0,
  hotlist_hits: 0,
  inspections_with_hits: 0,
};

/** The rates and means from the counts, as the server derives them. */
function derive(c: Raw): StatsCounts {
  const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
  const mean = (t: number, n: number): number | null => (n > 0 ? Math.floor(t / n) : null);
  return {
    ...c,
    scans_per_inspection: ratio(c.scans, c.inspections),
    agreement_rate: ratio(c.agreed, c.reviewed),
    mean_answer_ms: mean(c.answer_ms_total, c.returns_answered),
    mean_scan_to_decision_ms: mean(c.scan_to_decision_ms_total, c.timed_decisions),
  };
}

function sum(rows: readonly Raw[]): Raw {
  const out: Raw = { ...ZERO };
  for (const r of rows) for (const k of Object.keys(ZERO) as (keyof Raw)[]) out[k] += r[k];
  return out;
}

const rawOf = (c: StatsCounts): Raw => {
  const raw: Raw = { ...ZERO };
  for (const k of Object.keys(ZERO) as (keyof Raw)[]) raw[k] = c[k];
  return raw;
};

/** What the fleet did: a unit's days with inspections. */
const FACTS: { day: string; unit: string; c: Raw }[] = [
  {
    day: "2026-01-05",
    unit: "MOBILE-1",
    c: {
      ...ZERO,
      inspections: 3,
      release: 2,
      detain: 1,
      scans: 4,
      reviewed: 3,
      agreed: 2,
      overruled: 1,
      returns: 1,
      returns_answered: 1,
      answer_ms_total: 750_000,
      timed_decisions: 3,
      scan_to_decision_ms_total: 600_000,
      hotlist_hits: 2,
      inspections_with_hits: 1,
    },
  },
  { day: "2026-01-05", unit: "MOBILE-2", c: { ...ZERO, inspections: 1, undecided: 1 } },
  {
    day: "2026-01-07",
    unit: "MOBILE-2",
    c: {
      ...ZERO,
      inspections: 1234,
      release: 1200,
      physical_inspection: 20,
      refer: 14,
      scans: 2468,
      reviewed: 10,
      agreed: 10,
      returns: 2,
      timed_decisions: 1234,
      scan_to_decision_ms_total: 1234 * 61_000,
    },
  },
];

const OFFICERS: OfficerStats[] = [
  { officer: "OF-1742", reviewed: 9, agreed: 8, overruled: 1, returned: 0, agreement_rate: 8 / 9 },
  { officer: "OF-2210", reviewed: 4, agreed: 4, overruled: 0, returned: 0, agreement_rate: 1 },
];

/** The server's answer for a period and unit, from FACTS. */
function statistics(from: string, to: string, unit: string | null): Statistics {
  const facts = FACTS.filter((f) => f.day >= from && f.day <= to && (unit === null || f.unit === unit));
  const by_day: DayStats[] = daysOf(from, to).map((day) => ({ day, ...derive(sum(facts.filter((f) => f.day === day).map((f) => f.c))) }));
  const units = [...new Set(facts.map((f) => f.unit))].sort();
  const by_unit: UnitStats[] = units.map((u) => ({ unit: u, ...derive(sum(facts.filter((f) => f.unit === u).map((f) => f.c))) }));
  const by_day_unit: DayUnitStats[] = facts.map((f) => ({ day: f.day, unit: f.unit, ...derive(f.c) }));
  const total = derive(sum(by_day.map(rawOf)));
  return { from, to, unit, by_day, by_unit, by_day_unit, officers: total.reviewed > 0 ? OFFICERS : [], total };
}

let asked: StatsQuery[] = [];
let answer: (q: StatsQuery) => Promise<Statistics> = (q) => Promise.resolve(statistics(q.from, q.to, q.unit ?? null));

beforeEach(() => {
  asked = [];
  answer = (q) => Promise.resolve(statistics(q.from, q.to, q.unit ?? null));
  // jsdom has no canvas (and says so on the console): no context, as there.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function setup(opts: { as?: string; route?: string; lang?: "en" | "uk" } = {}) {
  const transport = createConsoleMemoryTransport({ seed: [], hotlists: [], devices: [], enrollments: [], signedIn: opts.as ?? "SUP-07" });
  // The memory transport's own figures, for a test that wants them rather than the fake server's.
  const memory = transport.statistics.bind(transport);
  vi.spyOn(transport, "statistics").mockImplementation((q) => {
    asked.push(q);
    return answer(q);
  });
  const csv = vi.spyOn(transport, "statisticsCsvUrl");
  renderConsole({ transport, route: opts.route ?? "/statistics?from=2026-01-05&to=2026-01-07", ...(opts.lang === undefined ? {} : { lang: opts.lang }) });
  return { transport, memory, csv };
}

const PERIOD = "/statistics?from=2026-01-05&to=2026-01-07";
const root = (): HTMLElement => screen.getByTestId("stats-page");

/** Waits for the page to show the answer for a period (not the one before, dimmed); any answer with "answered". */
async function shows(state: string, from?: string, to?: string): Promise<void> {
  await waitFor(() => {
    const r = root();
    if (state === "answered") expect(["ready", "empty"]).toContain(r.dataset["state"]);
    else expect(r.dataset["state"]).toBe(state);
    if (from !== undefined) expect([r.dataset["from"], r.dataset["to"]]).toEqual([from, to]);
  });
}

const table = (name: string): HTMLElement => screen.getByTestId(`stats-table-${name}`);
const keys = (name: string): string[] => [...table(name).querySelectorAll("tr[data-key]")].map((r) => r.getAttribute("data-key") ?? "");
function cell(name: string, key: string, col: string): HTMLElement {
  const el = table(name).querySelector<HTMLElement>(`tr[data-key="${key}"] td[data-col="${col}"]`);
  if (el === null) throw new Error(`no cell ${name} ${key} ${col}`);
  return el;
}
const text = (el: HTMLElement): string => el.textContent ?? "";
const figure = (field: string): string => text(screen.getByTestId(`stats-total-${field}`));
const param = (name: string): string | null => new URLSearchParams(currentSearch()).get(name);

describe("statistics page: what it shows", () => {
  it("shows the headline figures and every table in the page's formats, rows keyed, totals under days and units", async () => {
    setup();
    await shows("ready", "2026-01-05", "2026-01-07");
    expect(asked).toEqual([{ from: "2026-01-05", to: "2026-01-07" }]);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Statistics");
    const link = within(screen.getByRole("navigation", { name: "Console menu" })).getByTestId("nav-statistics");
    expect([link.textContent, link.getAttribute("aria-current")]).toEqual(["Statistics", "page"]);
    expect(screen.getByTestId("stats-utc-note").textContent).toBe("Days are UTC days on which inspections were created.");
    expect(screen.getByTestId<HTMLInputElement>("stats-from").value).toBe("2026-01-05");
    expect(screen.getByTestId<HTMLInputElement>("stats-to").value).toBe("2026-01-07");

    // Headline: 1,238 inspections; 12 of 13 reviewed agreed; means in minutes.
    expect(figure("inspections")).toBe("1,238");
    expect(figure("agreement_rate")).toBe("92.3%");
    expect(figure("mean_scan_to_decision_ms")).toBe("1.0 mins");
    expect(figure("mean_answer_ms")).toBe("12.5 mins");
    expect(figure("hotlist_hits")).toBe("2");
    expect(figure("returns")).toBe("1 of 3");

    // By day: every day of the period (the empty one too), then the total.
    expect(keys("days")).toEqual(["2026-01-05", "2026-01-06", "2026-01-07", "total"]);
    const day = cell("days", "2026-01-05", "day");
    expect([day.dataset["day"], text(day)]).toEqual(["2026-01-05", "5 Jan 2026"]);
    expect(text(cell("days", "2026-01-05", "inspections"))).toBe("4");
    expect(text(cell("days", "2026-01-05", "agreement_rate"))).toBe("66.7%");
    expect(text(cell("days", "2026-01-05", "scans_per_inspection"))).toBe("1.00");
    expect(text(cell("days", "2026-01-05", "mean_answer_ms"))).toBe("12.5 mins");
    expect(text(cell("days", "2026-01-05", "mean_scan_to_decision_ms"))).toBe("3.3 mins");
    expect(text(cell("days", "2026-01-06", "inspections"))).toBe("0");
    expect(text(cell("days", "2026-01-06", "agreement_rate"))).toBe("—");
    expect(text(cell("days", "2026-01-06", "scans_per_inspection"))).toBe("—");
    expect(text(cell("days", "2026-01-07", "inspections"))).toBe("1,234");
    expect(text(cell("days", "2026-01-07", "release"))).toBe("1,200");
    expect(text(cell("days", "2026-01-07", "agreement_rate"))).toBe("100.0%");
    expect(text(cell("days", "total", "inspections"))).toBe("1,238");
    expect(text(cell("days", "total", "scans_per_inspection"))).toBe("2.00");
    expect(text(cell("days", "total", "day"))).toBe("Total");

    // The columns, named as the Rust fields, in order.
    const heads = [...table("days").querySelectorAll("thead th")].map((h) => h.getAttribute("data-col"));
    expect(heads).toEqual(["day", ...SHOWN_COUNT_COLUMNS]);
    expect(within(table("days")).getAllByRole("columnheader").map((h) => h.textContent).slice(0, 4)).toEqual(["Day", "Inspections", "Release", "Physical inspection"]);

    // By unit, by unit and day, by officer.
    expect(keys("units")).toEqual(["MOBILE-1", "MOBILE-2", "total"]);
    expect(text(cell("units", "MOBILE-2", "unit"))).toBe("MOBILE-2");
    expect(text(cell("units", "MOBILE-2", "inspections"))).toBe("1,235");
    expect(text(cell("units", "MOBILE-2", "undecided"))).toBe("1");
    expect(keys("day_units")).toEqual(["2026-01-05|MOBILE-1", "2026-01-05|MOBILE-2", "2026-01-07|MOBILE-2"]);
    expect(cell("day_units", "2026-01-07|MOBILE-2", "day").dataset["day"]).toBe("2026-01-07");
    expect(text(cell("day_units", "2026-01-07|MOBILE-2", "unit"))).toBe("MOBILE-2");
    expect(text(cell("day_units", "2026-01-05|MOBILE-1", "hotlist_hits"))).toBe("2");
    expect(keys("officers")).toEqual(["OF-1742", "OF-2210"]);
    expect(text(cell("officers", "OF-1742", "officer"))).toBe("OF-1742");
    expect(text(cell("officers", "OF-1742", "agreement_rate"))).toBe("88.9%");
    expect(text(cell("officers", "OF-2210", "agreement_rate"))).toBe("100.0%");

    // Every cell is the answer in the page's format.
    const s = statistics("2026-01-05", "2026-01-07", null);
    const f = statsFormat("en-GB");
    for (const d of s.by_day) for (const c of SHOWN_COUNT_COLUMNS) expect(text(cell("days", d.day, c)), `${d.day} ${c}`).toBe(formatCell(f, c, d[c]));
    for (const u of s.by_unit) for (const c of SHOWN_COUNT_COLUMNS) expect(text(cell("units", u.unit, c)), `${u.unit} ${c}`).toBe(formatCell(f, c, u[c]));
    for (const c of SHOWN_COUNT_COLUMNS) expect(text(cell("units", "total", c)), `total ${c}`).toBe(formatCell(f, c, s.total[c]));
    for (const d of s.by_day_unit) for (const c of SHOWN_COUNT_COLUMNS) expect(text(cell("day_units", `${d.day}|${d.unit}`, c))).toBe(formatCell(f, c, d[c]));
    for (const o of s.officers) for (const c of SHOWN_OFFICER_COLUMNS) expect(text(cell("officers", o.officer, c))).toBe(formatCell(f, c, o[c]));

    // The charts: labelled boxes (nothing drawn without a canvas).
    for (const c of ["daily", "outcomes", "officers"]) {
      const box = screen.getByTestId(`stats-chart-${c}`);
      expect(within(box).getByRole("img").getAttribute("aria-label")).not.toBe("");
    }
  });

  it("links each table's CSV with the period and the unit", async () => {
    const { transport, csv } = setup({ route: `${PERIOD}&unit=MOBILE-2` });
    await shows("ready", "2026-01-05", "2026-01-07");
    const q = { from: "2026-01-05", to: "2026-01-07", unit: "MOBILE-2" };
    for (const t of ["days", "units", "day_units", "officers"] as const satisfies readonly StatsTable[]) {
      const a = screen.getByTestId<HTMLAnchorElement>(`stats-csv-${t}`);
      expect(csv).toHaveBeenCalledWith(q, t);
      expect(a.getAttribute("href")).toBe(transport.statisticsCsvUrl(q, t));
      expect(a.getAttribute("href")).toMatch(/^data:text\/csv;/);
      expect(a.hasAttribute("download")).toBe(true);
      expect(a.textContent).toBe("Download CSV");
    }
    expect(keys("units")).toEqual(["MOBILE-2", "total"]);
  });

  it("says so when nothing was created in the period, and gives the server's refusal in words", async () => {
    setup({ route: "/statistics?from=2026-02-01&to=2026-02-03" });
    await shows("empty", "2026-02-01", "2026-02-03");
    expect(screen.getByTestId("stats-empty").textContent).toBe("No inspections were created in this period.");
    expect(screen.queryByTestId("stats-table-days")).toBeNull();
    cleanup();
    answer = () => Promise.reject(new TransportError("forbidden", "statistics: supervisors and auditors only"));
    setup();
    const alert = await screen.findByRole("alert");
    expect(alert.getAttribute("data-code")).toBe("forbidden");
    expect(alert.textContent).toContain("Your role may not do this.");
    expect(alert.textContent).toContain("statistics: supervisors and auditors only");
    expect(root().dataset["state"]).toBe("error");
    expect(screen.queryByTestId("stats-table-days")).toBeNull();
  });

  it("goes back to the sign-in when the session is gone", async () => {
    const { transport, memory } = setup();
    await shows("ready", "2026-01-05", "2026-01-07");
    // The transport itself tells the console, as it does for every call.
    answer = memory;
    transport.expireSession();
    fireEvent.change(screen.getByTestId("stats-to"), { target: { value: "2026-01-06" } });
    await screen.findByTestId("login");
    expect(screen.getByText("Your session has ended. Sign in again to go on where you were.")).toBeTruthy();
  });

  it("reads in Ukrainian, figures the Ukrainian way", async () => {
    setup({ lang: "uk" });
    await shows("ready", "2026-01-05", "2026-01-07");
    const nb = (s: string): string => s.replace(/[\u00a0\u202f]/g, " ");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Статистика");
    expect(nb(figure("inspections"))).toBe("1 238");
    expect(nb(figure("agreement_rate"))).toBe("92,3%");
    expect(nb(figure("mean_answer_ms"))).toBe("12,5 хв");
    expect(nb(text(cell("days", "2026-01-05", "day")))).toBe("5 січ. 2026 р.");
    expect(text(cell("days", "total", "day"))).toBe("Разом");
    expect(screen.getByTestId("stats-csv-days").textContent).toBe("Завантажити CSV");
    expect(screen.getByTestId<HTMLSelectElement>("stats-unit").options[0]?.textContent).toBe("Усі підрозділи");
  });
});

describe("statistics page: the period", () => {
  it("takes the last 30 UTC days when the URL names none", async () => {
    setup({ route: "/statistics" });
    const { from, to } = defaultPeriod(Date.now());
    await shows("answered", from, to);
    expect(asked).toEqual([{ from, to }]);
    expect(screen.getByTestId<HTMLInputElement>("stats-from").value).toBe(from);
    expect(screen.getByTestId("stats-preset-30").getAttribute("aria-pressed")).toBe("true");
  });

  it("puts the dates, the presets and the unit in the URL; Back goes back", async () => {
    setup();
    await shows("ready", "2026-01-05", "2026-01-07");
    fireEvent.change(screen.getByTestId("stats-to"), { target: { value: "2026-01-05" } });
    await waitFor(() => expect(param("to")).toBe("2026-01-05"));
    await shows("ready", "2026-01-05", "2026-01-05");
    expect(keys("days")).toEqual(["2026-01-05", "total"]);

    // The unit select: every unit of the last answer; a unit's own answer keeps them offered.
    const unit = screen.getByTestId<HTMLSelectElement>("stats-unit");
    expect([...unit.options].map((o) => o.value)).toEqual(["", "MOBILE-1", "MOBILE-2"]);
    fireEvent.change(unit, { target: { value: "MOBILE-1" } });
    await waitFor(() => expect(param("unit")).toBe("MOBILE-1"));
    await waitFor(() => expect(keys("units")).toEqual(["MOBILE-1", "total"]));
    expect(asked.at(-1)).toEqual({ from: "2026-01-05", to: "2026-01-05", unit: "MOBILE-1" });
    expect([...screen.getByTestId<HTMLSelectElement>("stats-unit").options].map((o) => o.value)).toEqual(["", "MOBILE-1", "MOBILE-2"]);

    // A preset: its period as of today, the unit kept.
    fireEvent.click(screen.getByTestId("stats-preset-7"));
    const week = presetPeriod("7", Date.now());
    await waitFor(() => expect(currentSearch()).toBe(`?from=${week.from}&to=${week.to}&unit=MOBILE-1`));
    await waitFor(() => expect(screen.getByTestId("stats-preset-7").getAttribute("aria-pressed")).toBe("true"));
    for (const p of ["month", "prev-month"] as const) {
      fireEvent.click(screen.getByTestId(`stats-preset-${p}`));
      const q = presetPeriod(p, Date.now());
      await waitFor(() => expect([param("from"), param("to")]).toEqual([q.from, q.to]));
    }

    // The browser's Back: the period before.
    fireEvent.click(screen.getByTestId("router-back"));
    await waitFor(() => expect([param("from"), param("to")]).toEqual([presetPeriod("month", Date.now()).from, presetPeriod("month", Date.now()).to]));
    fireEvent.click(screen.getByTestId("router-back"));
    await waitFor(() => expect(param("from")).toBe(week.from));
    fireEvent.click(screen.getByTestId("router-back"));
    await waitFor(() => expect(currentSearch()).toBe("?from=2026-01-05&to=2026-01-05&unit=MOBILE-1"));
    fireEvent.click(screen.getByTestId("router-back"));
    await waitFor(() => expect(currentSearch()).toBe("?from=2026-01-05&to=2026-01-05"));
    await shows("ready", "2026-01-05", "2026-01-05");
    expect(screen.getByTestId<HTMLSelectElement>("stats-unit").value).toBe("");
  });

  it("does not ask for a period that ends before it begins, or one too long, and says why", async () => {
    setup();
    await shows("ready", "2026-01-05", "2026-01-07");
    const before = asked.length;
    fireEvent.change(screen.getByTestId("stats-from"), { target: { value: "2026-01-09" } });
    await waitFor(() => expect(param("from")).toBe("2026-01-09"));
    const alert = await screen.findByTestId("stats-invalid");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toContain("The period ends before it begins");
    expect(alert.textContent).toContain("Nothing was asked of the server.");
    expect(root().dataset["state"]).toBe("invalid");
    // The figures of the period before are not left as if they were this one's.
    expect(screen.queryByTestId("stats-table-days")).toBeNull();
    expect(screen.queryByTestId("stats-csv-days")).toBeNull();

    fireEvent.change(screen.getByTestId("stats-from"), { target: { value: "2024-01-01" } });
    await waitFor(() => expect(screen.getByTestId("stats-invalid").dataset["problem"]).toBe("too_long"));
    expect(screen.getByTestId("stats-invalid").textContent).toContain("The period is 738 days long; at most 366 days are counted at once.");
    expect(asked.length).toBe(before);

    // Put right: asked again.
    fireEvent.change(screen.getByTestId("stats-from"), { target: { value: "2026-01-06" } });
    await shows("ready", "2026-01-06", "2026-01-07");
    expect(asked.at(-1)).toEqual({ from: "2026-01-06", to: "2026-01-07" });
    expect(screen.queryByTestId("stats-invalid")).toBeNull();
  });
});

describe("statistics page: roles", () => {
  it("is the auditor's too, from the top bar, with the memory transport's own figures", async () => {
    const { memory } = setup({ as: "AUD-01", route: "/" });
    answer = memory;
    await screen.findByTestId("review-queue");
    fireEvent.click(screen.getByTestId("nav-statistics"));
    await screen.findByTestId("stats-page");
    expect(screen.getByTestId("location").getAttribute("data-path")).toBe("/statistics");
    await shows("answered");
  });

  it("is not the administrator's: no link, and /statistics leads to the fleet", async () => {
    setup({ as: "ADM-01", route: "/statistics" });
    await screen.findByTestId("fleet-page");
    expect(screen.queryByTestId("nav-statistics")).toBeNull();
    expect(screen.queryByTestId("stats-page")).toBeNull();
    expect(asked).toEqual([]);
  });
});
