// @vitest-environment jsdom
// The training pages against the in-memory server, seeded with scripted
// trainees whose scores are known (memoryTraining.ts scores them as
// kordon-training does): the trainees' table (the latest finished attempt's
// d′, H, F and mean time, the change of d′ against the attempt before, in
// the page's formats), its filters in the URL (the unit asked of the
// server, part of a name matched here); a trainee's attempts over time (the
// headline figures, the chart's points placed by date, the table newest
// first); an attempt image by image; refusals and a missing attempt in
// words; Ukrainian; and the roles: a trainer sees training and nothing
// else (no queue, hotlists, statistics or audit; every other path leads to
// /training), supervisors and auditors have it beside the rest,
// administrators do not.

import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { currentSearch, renderConsole } from "../test/renderConsole.tsx";
import { createConsoleMemoryTransport } from "../transport/consoleMemory.ts";
import { TransportError } from "../transport/errors.ts";
import { LIVE_TIP_NAME, scripted, trainingId, type TrainingSeed } from "../transport/memoryTraining.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5, 9);

const A1 = trainingId("A1");
const A2 = trainingId("A2");
const A3 = trainingId("A3");
const L1 = trainingId("L1");
const L2 = trainingId("L2");
const L3 = trainingId("L3");

/**
 * OF-1742: H 0.5 F 0.25 (d′ 0.52), then H 0.75 F 0.25 (d′ 1.05), then an
 * attempt under way; OF-2210: one perfect attempt; OF-3051: moved from
 * MOBILE-1 to MOBILE-3, first attempt without a noise image (no d′);
 * OF-0419: one attempt under way. OF-1742 also found one item projected
 * into a real scan at work and missed one; a third is on screen.
 */
const SEEDS: TrainingSeed[] = [
  scripted({
    id: A1,
    unit: "MOBILE-1",
    trainee: "OF-1742",
    name: "TIP A-01",
    created_ms: T0,
    script: ["hit", "miss", "mislocated", "hit", "false_alarm", "correct_rejection", "correct_rejection", "correct_rejection"],
    times: Array<number>(8).fill(10_000),
  }),
  scripted({
    id: A2,
    unit: "MOBILE-1",
    trainee: "OF-1742",
    name: "TIP B-02",
    created_ms: T0 + 7 * DAY,
    script: ["hit", "hit", "hit", "miss", "correct_rejection", "correct_rejection", "correct_rejection", "false_alarm"],
    times: Array<number>(8).fill(8_000),
  }),
  scripted({ id: A3, unit: "MOBILE-1", trainee: "OF-1742", name: "TIP A-03", created_ms: T0 + 14 * DAY, script: ["hit", "hit", "signal", "signal", "correct_rejection", "noise", "noise", "noise"] }),
  scripted({ unit: "MOBILE-2", trainee: "OF-2210", name: "TIP A-01", created_ms: T0 + 3 * DAY, script: ["hit", "hit", "correct_rejection", "correct_rejection"], times: Array<number>(4).fill(15_000) }),
  scripted({ unit: "MOBILE-1", trainee: "OF-3051", name: "TIP C-01", created_ms: T0 + DAY, script: ["hit", "miss"] }),
  scripted({ unit: "MOBILE-3", trainee: "OF-3051", name: "TIP C-02", created_ms: T0 + 10 * DAY, script: ["hit", "correct_rejection"] }),
  scripted({ unit: "MOBILE-4", trainee: "OF-0419", name: "TIP A-01", created_ms: T0 + 15 * DAY, script: ["hit", "signal", "noise", "noise"] }),
  // Items projected into real scans at work: found, missed, one on screen now.
  scripted({ id: L1, unit: "MOBILE-1", trainee: "OF-1742", name: LIVE_TIP_NAME, live: true, created_ms: T0 + 8 * DAY, script: ["hit"], times: [6_000] }),
  scripted({ id: L2, unit: "MOBILE-1", trainee: "OF-1742", name: LIVE_TIP_NAME, live: true, created_ms: T0 + 9 * DAY, script: ["miss"], times: [21_000] }),
  scripted({ id: L3, unit: "MOBILE-1", trainee: "OF-1742", name: LIVE_TIP_NAME, live: true, created_ms: T0 + 16 * DAY, script: ["signal"] }),
];

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function setup(opts: { as?: string; route?: string; lang?: "en" | "uk"; training?: readonly TrainingSeed[] } = {}) {
  const transport = createConsoleMemoryTransport({ seed: [], hotlists: [], devices: [], enrollments: [], training: opts.training ?? SEEDS, signedIn: opts.as ?? "TRN-01" });
  const asked = vi.spyOn(transport, "training");
  const queue = vi.spyOn(transport, "queue");
  const hotlists = vi.spyOn(transport, "hotlists");
  renderConsole({ transport, route: opts.route ?? "/training", ...(opts.lang === undefined ? {} : { lang: opts.lang }) });
  return { transport, asked, queue, hotlists };
}

const text = (el: Element | null | undefined): string => el?.textContent ?? "";
const path = (): string => screen.getByTestId("location").getAttribute("data-path") ?? "";
const param = (name: string): string | null => new URLSearchParams(currentSearch()).get(name);

function rows(table: string): string[] {
  return [...screen.getByTestId(table).querySelectorAll("tbody tr[data-key]")].map((r) => r.getAttribute("data-key") ?? "");
}
function cell(table: string, key: string, col: string): string {
  const el = screen.getByTestId(table).querySelector(`tbody tr[data-key="${key}"] td[data-col="${col}"]`);
  if (el === null) throw new Error(`no cell ${table} ${key} ${col}`);
  return text(el);
}
async function shows(testId: string, state: string): Promise<void> {
  await waitFor(() => expect(screen.getByTestId(testId).dataset["state"]).toBe(state));
}

describe("training: the trainees", () => {
  it("lists every trainee with the latest finished attempt's figures and the change of d′", async () => {
    setup();
    await shows("training-page", "ready");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Training");
    const link = within(screen.getByRole("navigation", { name: "Console menu" })).getByTestId("nav-training");
    expect([link.textContent, link.getAttribute("aria-current")]).toEqual(["Training", "page"]);
    expect(rows("training-table")).toEqual(["OF-0419", "OF-1742", "OF-2210", "OF-3051"]);
    expect(text(screen.getByTestId("training-count"))).toBe("4 of 4 trainees");

    // OF-1742: three attempts, one under way; the latest finished is the second: H 75%, F 25%, d′ z(.7) − z(.3).
    expect(cell("training-table", "OF-1742", "units")).toBe("MOBILE-1");
    expect(cell("training-table", "OF-1742", "attempts")).toBe("3 · 1 in progress");
    expect(cell("training-table", "OF-1742", "d_prime")).toBe("1.05");
    expect(cell("training-table", "OF-1742", "d_prime_change")).toBe("+0.52");
    expect(screen.getByTestId("training-table").querySelector('tr[data-key="OF-1742"] td[data-col="d_prime_change"]')?.getAttribute("data-trend")).toBe("up");
    expect(cell("training-table", "OF-1742", "hit_rate")).toBe("75.0%");
    expect(cell("training-table", "OF-1742", "false_alarm_rate")).toBe("25.0%");
    expect(cell("training-table", "OF-1742", "mean_time_ms")).toBe("8.0 secs");
    // The newest exercise's start, in the console's time zone (Kyiv); projections in live work apart.
    expect(cell("training-table", "OF-1742", "last")).toBe("19/01/2026, 11:00");
    expect(cell("training-table", "OF-1742", "live")).toBe("1 of 2 found");
    expect(cell("training-table", "OF-2210", "live")).toBe("—");

    // One finished attempt: no change. A perfect one: d′ z(2.5/3) − z(0.5/3).
    expect([cell("training-table", "OF-2210", "d_prime"), cell("training-table", "OF-2210", "d_prime_change"), cell("training-table", "OF-2210", "hit_rate")]).toEqual(["1.93", "—", "100.0%"]);
    expect(cell("training-table", "OF-2210", "mean_time_ms")).toBe("15.0 secs");
    // Moved units; the attempt before had no image without an item (no d′): no change.
    expect([cell("training-table", "OF-3051", "units"), cell("training-table", "OF-3051", "d_prime"), cell("training-table", "OF-3051", "d_prime_change")]).toEqual([
      "MOBILE-1, MOBILE-3",
      "1.35",
      "—",
    ]);
    // Nothing finished yet: no figures.
    expect(["attempts", "d_prime", "hit_rate", "false_alarm_rate", "mean_time_ms"].map((c) => cell("training-table", "OF-0419", c))).toEqual(["1 · 1 in progress", "—", "—", "—", "—"]);
  });

  it("filters by unit (asked of the server) and by part of a name (matched here), both in the URL", async () => {
    const { asked } = setup();
    await shows("training-page", "ready");
    expect(asked.mock.calls.map((c) => c[0])).toEqual([{}]);
    const unit = screen.getByTestId<HTMLSelectElement>("training-unit");
    expect([...unit.options].map((o) => o.value)).toEqual(["", "MOBILE-1", "MOBILE-2", "MOBILE-3", "MOBILE-4"]);
    fireEvent.change(unit, { target: { value: "MOBILE-1" } });
    await waitFor(() => expect(param("unit")).toBe("MOBILE-1"));
    await waitFor(() => expect(rows("training-table")).toEqual(["OF-1742", "OF-3051"]));
    expect(asked.mock.calls.at(-1)?.[0]).toEqual({ unit: "MOBILE-1" });
    // Only the unit's attempts: OF-3051's latest there is the one without a d′.
    expect([cell("training-table", "OF-3051", "units"), cell("training-table", "OF-3051", "d_prime"), cell("training-table", "OF-3051", "hit_rate")]).toEqual(["MOBILE-1", "—", "50.0%"]);
    // The other units are still offered.
    expect([...screen.getByTestId<HTMLSelectElement>("training-unit").options].map((o) => o.value)).toEqual(["", "MOBILE-1", "MOBILE-2", "MOBILE-3", "MOBILE-4"]);

    fireEvent.change(screen.getByTestId("training-trainee"), { target: { value: "of-17" } });
    await waitFor(() => expect(rows("training-table")).toEqual(["OF-1742"]));
    expect(currentSearch()).toBe("?unit=MOBILE-1&trainee=of-17");
    expect(text(screen.getByTestId("training-count"))).toBe("1 of 2 trainees");
    const calls = asked.mock.calls.length;
    fireEvent.change(screen.getByTestId("training-trainee"), { target: { value: "nobody" } });
    expect((await screen.findByTestId("training-nomatch")).textContent).toBe("No trainee's name holds “nobody”.");
    expect(asked.mock.calls.length).toBe(calls);

    // A copied link shows the same list.
    cleanup();
    setup({ route: "/training?unit=MOBILE-2" });
    await shows("training-page", "ready");
    expect(rows("training-table")).toEqual(["OF-2210"]);
    expect(screen.getByTestId<HTMLSelectElement>("training-unit").value).toBe("MOBILE-2");
  });

  it("says so when no trainee has taken an exercise", async () => {
    setup({ training: [] });
    await shows("training-page", "empty");
    expect(text(screen.getByTestId("training-empty"))).toBe("No trainee has taken an exercise yet: attempts arrive with the vehicles' syncs.");
  });
});

describe("training: a trainee over time", () => {
  it("opens from the list: headline figures, d′ and the rates charted by date, every attempt newest first", async () => {
    setup({ route: "/training?unit=MOBILE-1" });
    await shows("training-page", "ready");
    fireEvent.click(within(screen.getByTestId("training-table")).getByText("OF-1742"));
    await shows("trainee-page", "ready");
    expect(path()).toBe("/training/trainee/OF-1742");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("OF-1742");
    expect(text(screen.getByTestId("trainee-units"))).toBe("Units: MOBILE-1");

    const figure = (f: string): string => text(screen.getByTestId(`trainee-total-${f}`));
    expect(figure("attempts")).toBe("3");
    expect(figure("d_prime")).toBe("1.05");
    expect(figure("d_prime_change")).toBe("+0.52");
    expect(figure("hit_rate")).toBe("75.0%");
    expect(figure("false_alarm_rate")).toBe("25.0%");
    expect(figure("mean_time_ms")).toBe("8.0 secs");
    expect(text(screen.getByTestId("trainee-total-hit_rate").parentElement?.querySelector(".c-st-total-sub"))).toBe("3 of 4 images with an item found");
    expect(figure("live")).toBe("1 of 2 found");

    // The chart: the two finished attempts (not the one under way), oldest first, left to right.
    const points = (series: string) =>
      [...screen.getAllByTestId("chart-point")]
        .filter((p) => p.getAttribute("data-series") === series)
        .map((p) => ({ attempt: p.getAttribute("data-attempt"), ms: Number(p.getAttribute("data-ms")), value: Number(p.getAttribute("data-value")), cx: Number(p.getAttribute("cx")) }));
    const d = points("d_prime");
    expect(d.map((p) => [p.attempt, p.ms])).toEqual([
      [A1, T0],
      [A2, T0 + 7 * DAY],
    ]);
    expect(d[0]?.value).toBeCloseTo(0.5244005, 6);
    expect(d[1]?.value).toBeCloseTo(1.048801, 5);
    expect((d[1]?.cx ?? 0) > (d[0]?.cx ?? 0)).toBe(true);
    expect(points("hit_rate").map((p) => p.value)).toEqual([0.5, 0.75]);
    expect(points("false_alarm_rate").map((p) => p.value)).toEqual([0.25, 0.25]);
    // Higher d′ is higher on the chart.
    const cy = (series: string) => [...screen.getAllByTestId("chart-point")].filter((p) => p.getAttribute("data-series") === series).map((p) => Number(p.getAttribute("cy")));
    expect((cy("d_prime")[1] ?? 0) < (cy("d_prime")[0] ?? 0)).toBe(true);
    expect(screen.getByTestId("trainee-chart-d_prime").querySelector("circle title")?.textContent).toBe("TIP A-01, 05/01/2026, 11:00: d′ 0.52");
    for (const c of ["trainee-chart-d_prime", "trainee-chart-rates"]) expect(within(screen.getByTestId(c)).getByRole("img").getAttribute("aria-label")).not.toBe("");
    // Each attempt under the day it was started.
    expect([...screen.getByTestId("trainee-chart-d_prime").querySelectorAll("text")].map((t) => t.textContent).slice(-2)).toEqual(["5 Jan", "12 Jan"]);
    expect(within(screen.getByTestId("trainee-chart-rates")).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["Hit rate (H)", "False-alarm rate (F)"]);

    // Every attempt, newest first.
    expect(rows("trainee-table")).toEqual([A3, A2, A1]);
    expect(["name", "answered", "state", "hits", "misses", "false_alarms", "correct_rejections", "hit_rate", "false_alarm_rate", "d_prime", "mean_time_ms"].map((c) => cell("trainee-table", A1, c))).toEqual([
      "TIP A-01",
      "8 of 8",
      "Finished",
      "2",
      "2 (1 mislocated)",
      "1",
      "3",
      "50.0%",
      "25.0%",
      "0.52",
      "10.0 secs",
    ]);
    // Projections in live work in a table of their own, newest first.
    expect(rows("trainee-live-table")).toEqual([L3, L2, L1]);
    expect(["unit", "outcome", "time_ms"].map((c) => cell("trainee-live-table", L1, c))).toEqual(["MOBILE-1", "Hit", "6.0 secs"]);
    expect(["outcome", "time_ms"].map((c) => cell("trainee-live-table", L2, c))).toEqual(["Miss", "21.0 secs"]);
    expect(["outcome", "time_ms"].map((c) => cell("trainee-live-table", L3, c))).toEqual(["In progress", "—"]);
    // Under way: scored over the images answered so far.
    expect(["answered", "state", "hits", "hit_rate", "false_alarm_rate", "d_prime"].map((c) => cell("trainee-table", A3, c))).toEqual(["3 of 8", "In progress", "2", "100.0%", "0.0%", "1.64"]);

    // Back to the list as it was left.
    fireEvent.click(screen.getByTestId("training-back"));
    await shows("training-page", "ready");
    expect([path(), currentSearch()]).toEqual(["/training", "?unit=MOBILE-1"]);
  });

  it("has no chart before an attempt is finished, and says when a trainee has no attempt", async () => {
    setup({ route: "/training/trainee/OF-0419" });
    await shows("trainee-page", "ready");
    expect(text(screen.getByTestId("trainee-chart-none"))).toBe("No attempt finished yet: nothing to chart.");
    expect(screen.queryAllByTestId("chart-point")).toEqual([]);
    expect(text(screen.getByTestId("trainee-total-d_prime"))).toBe("—");
    cleanup();
    setup({ route: "/training/trainee/OF-9999" });
    await shows("trainee-page", "none");
    expect(text(screen.getByTestId("trainee-none"))).toBe("OF-9999 has taken no exercise that reached the centre.");
  });
});

describe("training: an attempt", () => {
  it("shows every image: the answer, how it scored, the time, the item it held", async () => {
    setup({ route: "/training/trainee/OF-1742" });
    await shows("trainee-page", "ready");
    fireEvent.click(within(screen.getByTestId("trainee-table")).getByText("TIP A-01"));
    await shows("attempt-page", "ready");
    expect(path()).toBe(`/training/attempt/${A1}`);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("TIP A-01");
    expect(text(screen.getByTestId("attempt-facts"))).toBe("Taken by OF-1742 on MOBILE-1, started 5 Jan 2026, 11:00:00");
    const figure = (f: string): string => text(screen.getByTestId(`attempt-total-${f}`));
    expect([figure("answered"), figure("d_prime"), figure("hit_rate"), figure("false_alarm_rate"), figure("mean_time_ms")]).toEqual(["8 of 8", "0.52", "50.0%", "25.0%", "10.0 secs"]);

    expect(rows("attempt-table")).toEqual(["TIP_0001", "TIP_0002", "TIP_0003", "TIP_0004", "TIP_0005", "TIP_0006", "TIP_0007", "TIP_0008"]);
    const line = (image: string): string[] => ["answer", "marks", "outcome", "mislocated", "time_ms", "item"].map((c) => cell("attempt-table", image, c));
    expect(line("TIP_0001")).toEqual(["Suspect", "1", "Hit", "", "10.0 secs", "Pistol at 100, 60, 90 × 70 px"]);
    expect(line("TIP_0002")).toEqual(["Clear", "0", "Miss", "", "10.0 secs", "Drug bricks at 237, 113, 90 × 70 px"]);
    expect(line("TIP_0003")).toEqual(["Suspect", "1", "Miss", "Marked off the item", "10.0 secs", "Lead-shielded container at 374, 166, 90 × 70 px"]);
    expect(line("TIP_0005")).toEqual(["Suspect", "1", "False alarm", "", "10.0 secs", "None"]);
    expect(line("TIP_0006")).toEqual(["Clear", "0", "Correct rejection", "", "10.0 secs", "None"]);
    expect(screen.getByTestId("attempt-table").querySelector('tr[data-key="TIP_0005"]')?.getAttribute("data-outcome")).toBe("false_alarm");

    // Back to the trainee.
    fireEvent.click(screen.getByTestId("training-back"));
    await shows("trainee-page", "ready");
    expect(path()).toBe("/training/trainee/OF-1742");
  });

  it("shows an attempt under way with its unanswered images and their items hidden", async () => {
    setup({ route: `/training/attempt/${A3}` });
    await shows("attempt-page", "ready");
    expect(text(screen.getByTestId("attempt-total-answered"))).toBe("3 of 8");
    expect(screen.getByTestId("attempt-page").querySelector(".c-tr-state")?.getAttribute("data-state")).toBe("open");
    expect(["answer", "marks", "outcome", "time_ms", "item"].map((c) => cell("attempt-table", "TIP_0003", c))).toEqual(["Not answered yet", "", "", "", "Shown once answered"]);
  });

  it("says so when the attempt does not exist", async () => {
    setup({ route: `/training/attempt/${trainingId("nobody's")}` });
    await shows("attempt-page", "error");
    const alert = screen.getByRole("alert");
    expect([alert.getAttribute("data-code"), alert.textContent?.includes("There is no such training attempt at the centre.")]).toEqual(["not_found", true]);
  });
});

describe("training: refusals and languages", () => {
  it("gives the server's refusal in words", async () => {
    const transport = createConsoleMemoryTransport({ seed: [], hotlists: [], devices: [], enrollments: [], training: SEEDS, signedIn: "TRN-01" });
    vi.spyOn(transport, "training").mockRejectedValue(new TransportError("forbidden", "the role administrator may not use training"));
    renderConsole({ transport, route: "/training" });
    await shows("training-page", "error");
    const alert = screen.getByRole("alert");
    expect(alert.getAttribute("data-code")).toBe("forbidden");
    expect(alert.textContent).toContain("Your role may not do this.");
    expect(alert.textContent).toContain("the role administrator may not use training");
    expect(screen.queryByTestId("training-table")).toBeNull();
  });

  it("reads in Ukrainian, figures the Ukrainian way", async () => {
    setup({ lang: "uk", route: "/training/trainee/OF-1742" });
    await shows("trainee-page", "ready");
    const nb = (s: string): string => s.replace(/[\u00a0\u202f]/g, " ");
    expect(text(screen.getByTestId("nav-training"))).toBe("Навчання");
    expect(text(screen.getByTestId("trainee-total-d_prime"))).toBe("1,05");
    expect(nb(text(screen.getByTestId("trainee-total-hit_rate")))).toBe("75,0%");
    expect(cell("trainee-table", A1, "state")).toBe("Завершено");
    expect(cell("trainee-table", A3, "state")).toBe("Триває");
    expect(text(screen.getByTestId("training-back"))).toBe("← Усі слухачі");
  });
});

describe("training: roles", () => {
  it("is all a trainer sees: no inspection pages in the menu, and every other path leads to /training", async () => {
    const { queue, hotlists } = setup({ route: "/" });
    await shows("training-page", "ready");
    expect(path()).toBe("/training");
    const nav = screen.getByRole("navigation", { name: "Console menu" });
    expect(within(nav).getAllByRole("link").map((a) => a.getAttribute("data-testid"))).toEqual(["nav-training"]);
    for (const id of ["nav-hotlists", "nav-statistics", "nav-audit", "nav-fleet", "open-hits"]) expect(screen.queryByTestId(id)).toBeNull();
    expect(text(screen.getByTestId("user"))).toBe("TRN-01 Trainer");
    for (const route of ["/inspections/0f1e", "/hotlists", "/statistics", "/audit", "/fleet", "/training/nowhere"]) {
      cleanup();
      setup({ route });
      await shows("training-page", "ready");
      expect(path(), route).toBe("/training");
      expect(screen.queryByTestId("review-queue")).toBeNull();
    }
    expect(queue).not.toHaveBeenCalled();
    expect(hotlists).not.toHaveBeenCalled();
  });

  it("is the supervisor's and the auditor's too, from the top bar, beside the queue", async () => {
    for (const as of ["SUP-07", "AUD-01"]) {
      setup({ as, route: "/" });
      await screen.findByTestId("review-queue");
      expect(screen.getByTestId("nav-hotlists")).toBeTruthy();
      fireEvent.click(screen.getByTestId("nav-training"));
      await shows("training-page", "ready");
      expect(path()).toBe("/training");
      expect(rows("training-table")).toContain("OF-1742");
      cleanup();
    }
  });

  it("is not the administrator's: no link, and /training leads to the fleet; the server refuses too", async () => {
    const { transport, asked } = setup({ as: "ADM-01", route: "/training" });
    await screen.findByTestId("fleet-page");
    expect(screen.queryByTestId("nav-training")).toBeNull();
    expect(asked).not.toHaveBeenCalled();
    await expect(transport.training({})).rejects.toMatchObject({ code: "forbidden" });
  });
});
