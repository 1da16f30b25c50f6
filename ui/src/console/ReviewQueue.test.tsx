// @vitest-environment jsdom
// The review queue: filters live in the URL (a link reproduces the view),
// j/k/Enter drive it, and it fetches the page again when the server's
// queue version changes (polled every 5 s), keeping the highlighted row.
// Hotlist hits: a filter (any, unanswered), a marker on the row, and the
// top bar's count of unanswered hits leading to them.

import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decided, testView } from "../domain/testViews.ts";
import { currentSearch, renderConsole } from "../test/renderConsole.tsx";
import { createConsoleMemoryTransport } from "../transport/consoleMemory.ts";
import type { Alert } from "../transport/console.ts";
import type { InspectionView } from "../transport/types.ts";
import { POLL_MS } from "./useServerVersion.ts";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const NOW = Date.UTC(2026, 10, 24, 12);
const MIN = 60_000;

function views(): InspectionView[] {
  return [
    testView({ tractor: "AA1111AA", unit: "MOBILE-1", created_ms: NOW - 1 * MIN }),
    testView({ tractor: "BB2222BB", unit: "MOBILE-2", created_ms: NOW - 2 * MIN, decisions: [decided("detain", NOW - 2 * MIN)] }),
    testView({ tractor: "CC3333CC", unit: "MOBILE-2", created_ms: NOW - 3 * MIN, decisions: [decided("release", NOW - 3 * MIN)] }),
    testView({ tractor: "EE4444EE", unit: "MOBILE-3", created_ms: NOW - 4 * MIN }),
  ];
}

const alert = (over: Partial<Alert> = {}): Alert => ({
  id: "a1",
  at_ms: NOW - MIN,
  raised_by: "OF-1",
  response: null,
  source: "read",
  read_id: "p1#0",
  role: "tractor",
  seen: "AA1111AA",
  list_id: "l1",
  list: "Wanted",
  entry_id: "e1",
  entry_value: "AA1111AA",
  reason: "Stolen",
  priority: "high",
  tier: "exact",
  ...over,
});

function setup(route = "/", seed: InspectionView[] = views()) {
  const transport = createConsoleMemoryTransport({ now: () => NOW, seed: seed.map((view) => ({ view })), signedIn: "SUP-07", hotlists: [] });
  const queue = vi.spyOn(transport, "queue");
  const r = renderConsole({ transport, route });
  return { transport, queue, ...r };
}

const rows = (): HTMLElement[] => screen.queryAllByTestId("console-row");
const plates = (): string[] => rows().map((r) => within(r).getAllByRole("link")[0]?.textContent ?? "");
const highlighted = (): string | null => rows().find((r) => r.getAttribute("aria-selected") === "true")?.querySelector("a")?.textContent ?? null;
const key = (k: string, code?: string): void => {
  fireEvent.keyDown(document.body, { key: k, ...(code === undefined ? {} : { code }) });
};

describe("review queue: filters in the URL", () => {
  it("opens with the filters of a copied link, and asks the server for exactly those", async () => {
    const { queue } = setup("/?unit=MOBILE-2&outcome=detain");
    await waitFor(() => expect(plates()).toEqual(["BB2222BB"]));
    expect(queue).toHaveBeenLastCalledWith({ unit: "MOBILE-2", outcome: "detain", limit: 50, offset: 0 });
    expect(screen.getByLabelText<HTMLSelectElement>("Unit").value).toBe("MOBILE-2");
    const detain = within(screen.getByTestId("facet-outcome")).getByRole("button", { name: /Detain/ });
    expect(detain.getAttribute("aria-pressed")).toBe("true");
  });

  it("writes each filter into the URL, with the counts beside the options", async () => {
    setup("/");
    await waitFor(() => expect(rows()).toHaveLength(4));
    const review = screen.getByTestId("facet-review");
    // Every inspection is unreviewed: the count is beside the option.
    expect(within(review).getByRole("button", { name: /Not reviewed/ }).textContent).toContain("4");
    fireEvent.click(within(screen.getByTestId("facet-outcome")).getByRole("button", { name: /Undecided/ }));
    await waitFor(() => expect(currentSearch()).toBe("?outcome=none"));
    await waitFor(() => expect(plates()).toEqual(["AA1111AA", "EE4444EE"]));
    fireEvent.change(screen.getByLabelText("Unit"), { target: { value: "MOBILE-3" } });
    await waitFor(() => expect(currentSearch()).toBe("?unit=MOBILE-3&outcome=none"));
    const search = screen.getByRole("searchbox");
    fireEvent.change(search, { target: { value: "ее 4444 ее" } });
    fireEvent.keyDown(search, { key: "Enter" });
    await waitFor(() => expect(new URLSearchParams(currentSearch()).get("plate")).toBe("ее 4444 ее"));
    await waitFor(() => expect(plates()).toEqual(["EE4444EE"]));
    fireEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(currentSearch()).toBe(""));
    await waitFor(() => expect(rows()).toHaveLength(4));
  });
});

describe("review queue: keyboard", () => {
  it("j and k move the highlighted row, Enter opens it, / goes to the search", async () => {
    setup("/");
    await waitFor(() => expect(highlighted()).toBe("AA1111AA"));
    key("j");
    key("j");
    expect(highlighted()).toBe("CC3333CC");
    key("k");
    expect(highlighted()).toBe("BB2222BB");
    // The physical keys too (Ukrainian layout: J types "о").
    key("о", "KeyJ");
    expect(highlighted()).toBe("CC3333CC");
    key("j");
    key("j");
    expect(highlighted()).toBe("EE4444EE");
    key("/");
    expect(document.activeElement).toBe(screen.getByRole("searchbox"));
    // Letters typed in the search are not moves.
    fireEvent.keyDown(screen.getByRole("searchbox"), { key: "k" });
    expect(highlighted()).toBe("EE4444EE");
    (document.activeElement as HTMLElement).blur();
    key("Enter");
    await waitFor(() => expect(screen.getByTestId("location").getAttribute("data-path")).toMatch(/^\/inspections\//));
    await screen.findByTestId("inspection");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("EE4444EE");
  });
});

describe("review queue: back from an inspection", () => {
  it("Esc goes back to the queue with its filters and the row that was opened", async () => {
    setup("/?unit=MOBILE-2");
    await waitFor(() => expect(highlighted()).toBe("BB2222BB"));
    key("j");
    key("Enter");
    await screen.findByTestId("inspection");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("CC3333CC");
    key("Escape");
    await screen.findByTestId("review-queue");
    expect(currentSearch()).toBe("?unit=MOBILE-2");
    await waitFor(() => expect(plates()).toEqual(["BB2222BB", "CC3333CC"]));
    expect(highlighted()).toBe("CC3333CC");
  });
});

describe("review queue: new inspections without a reload", () => {
  it("fetches the page again when the version changes, keeping the highlighted row", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: false });
    const { transport, queue } = setup("/");
    await vi.waitFor(() => expect(highlighted()).toBe("AA1111AA"));
    key("j");
    expect(highlighted()).toBe("BB2222BB");
    const calls = queue.mock.calls.length;

    // Nothing changed: polling does not fetch the page.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    expect(queue.mock.calls.length).toBe(calls);

    transport.receive(testView({ tractor: "NN9999NN", created_ms: NOW }));
    expect(plates()).not.toContain("NN9999NN");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    await vi.waitFor(() => expect(plates()[0]).toBe("NN9999NN"));
    expect(queue.mock.calls.length).toBe(calls + 1);
    expect(highlighted()).toBe("BB2222BB");
  });
});

describe("review queue: hotlist hits", () => {
  function withHits(): InspectionView[] {
    const [a, b, c, d] = views();
    if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error("four views");
    const answered = { response: "confirmed" as const, note: "", officer: "OF-1", at_ms: NOW };
    return [
      { ...a, alerts: [alert()] },
      { ...b, alerts: [alert({ id: "a2", entry_value: "BB2222BB", response: answered }), alert({ id: "a3", entry_value: "Night", tier: "profile", response: answered })] },
      c,
      d,
    ];
  }
  const marker = (plate: string): HTMLElement | null => {
    const r = rows().find((el) => within(el).getAllByRole("link")[0]?.textContent === plate);
    return r === undefined ? null : within(r).queryByTestId("hit-marker");
  };

  it("marks rows with hits, red while unanswered, and filters to them through the URL", async () => {
    const { queue } = setup("/", withHits());
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(marker("AA1111AA")?.getAttribute("data-open")).toBe("true");
    expect(marker("AA1111AA")?.getAttribute("aria-label")).toBe("Hotlist hit the crew has not answered: AA1111AA (Wanted)");
    expect(marker("BB2222BB")?.getAttribute("data-open")).toBe("false");
    expect(marker("BB2222BB")?.textContent).toBe("Hit×2");
    expect(marker("CC3333CC")).toBeNull();

    const facet = screen.getByTestId("facet-alerts");
    fireEvent.click(within(facet).getByRole("button", { name: "Hit not answered" }));
    await waitFor(() => expect(currentSearch()).toBe("?alerts=open"));
    await waitFor(() => expect(plates()).toEqual(["AA1111AA"]));
    expect(queue).toHaveBeenLastCalledWith({ alerts: "open", limit: 50, offset: 0 });
    fireEvent.click(within(facet).getByRole("button", { name: "With a hit" }));
    await waitFor(() => expect(currentSearch()).toBe("?alerts=any"));
    await waitFor(() => expect(plates()).toEqual(["AA1111AA", "BB2222BB"]));
    fireEvent.click(within(facet).getByRole("button", { name: "All" }));
    await waitFor(() => expect(currentSearch()).toBe(""));
    await waitFor(() => expect(rows()).toHaveLength(4));
  });

  it("opens a copied link filtered to hits, and the top bar's count leads to the unanswered ones", async () => {
    setup("/?alerts=any&unit=MOBILE-2", withHits());
    await waitFor(() => expect(plates()).toEqual(["BB2222BB"]));
    const anyHit = within(screen.getByTestId("facet-alerts")).getByRole("button", { name: "With a hit" });
    expect(anyHit.getAttribute("aria-pressed")).toBe("true");
    // The top bar learns the count from its own request: wait for it.
    await waitFor(() => expect(screen.getByTestId("open-hits").textContent).toBe("Open hits: 1"));
    const badge = screen.getByTestId("open-hits");
    expect(badge.className).toContain("c-hits-open");
    fireEvent.click(badge);
    await waitFor(() => expect(currentSearch()).toBe("?alerts=open"));
    await waitFor(() => expect(plates()).toEqual(["AA1111AA"]));

    // Elsewhere in the console the count stays in the top bar.
    fireEvent.click(screen.getByTestId("nav-hotlists"));
    await screen.findByTestId("hotlists");
    await waitFor(() => expect(screen.getByTestId("open-hits").textContent).toBe("Open hits: 1"));
  });

  it("shows no red badge when every hit is answered", async () => {
    const seed = withHits().map((v) => ({ ...v, alerts: (v.alerts ?? []).filter((a) => a.response !== null) }));
    setup("/", seed);
    await waitFor(() => expect(screen.getByTestId("open-hits").textContent).toBe("Open hits: 0"));
    expect(screen.getByTestId("open-hits").className).not.toContain("c-hits-open");
  });
});
