// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from "@testing-library/react";
import { useState, type ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_QUEUE_FILTER, type QueueFilter } from "../domain/queue.ts";
import { decided, plate, reviewed, testView } from "../domain/testViews.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import { renderWith, TEST_ZONE } from "../test/renderWith.tsx";
import { Queue } from "./Queue.tsx";

afterEach(cleanup);

const NOW = Date.UTC(2026, 10, 24, 8, 0);
const HOUR = 3_600_000;

function Harness(props: { onOpen: (id: string) => void; initialHighlight?: string }): ReactNode {
  const [filter, setFilter] = useState<QueueFilter>(DEFAULT_QUEUE_FILTER);
  return (
    <Queue
      filter={filter}
      onFilterChange={setFilter}
      onOpen={props.onOpen}
      onNew={() => undefined}
      now={() => NOW}
      timeZone={TEST_ZONE}
      {...(props.initialHighlight === undefined ? {} : { initialHighlight: props.initialHighlight })}
    />
  );
}

function setup() {
  const a = testView({ created_ms: NOW - HOUR, tractor: "АА 1234 ВС", trailer_plate: plate("AI5678XT"), containers: ["CSQU3054383"] });
  const b = testView({ created_ms: NOW - 2 * HOUR, tractor: "BO1734OA", decisions: [decided("detain", NOW - 2 * HOUR)] });
  const old = testView({ created_ms: NOW - 48 * HOUR, tractor: "KA0021XP", decisions: [decided("release", NOW - 48 * HOUR)] });
  const transport = createMemoryTransport({
    unit: "MOBILE-1",
    seed: [
      { view: a, sync: "pending" },
      { view: b, sync: "acknowledged" },
      { view: old, sync: "rejected" },
    ],
  });
  const onOpen = vi.fn<(id: string) => void>();
  renderWith(<Harness onOpen={onOpen} />, { transport });
  return { a, b, old, onOpen };
}

const plates = (): string[] =>
  screen.queryAllByTestId("queue-row").map((r) => r.querySelector(".plate")?.textContent ?? "");

describe("Queue", () => {
  it("lists today's and open inspections with their delivery state", async () => {
    setup();
    expect(await screen.findByText("Shown: 2 of 3")).toBeTruthy();
    expect(plates()).toEqual(["AA1234BC", "BO1734OA"]);
    const [first, second] = screen.getAllByTestId("queue-row");
    expect(within(first as HTMLElement).getByText("Waiting to send")).toBeTruthy();
    expect(within(first as HTMLElement).getByText("Open")).toBeTruthy();
    expect(within(second as HTMLElement).getByText("Delivered")).toBeTruthy();
    expect(within(second as HTMLElement).getByText("Detain")).toBeTruthy();
    // Each delivery state has an icon and words.
    expect(screen.getAllByTestId("queue-sync").map((b) => [b.getAttribute("data-sync"), b.textContent])).toEqual([
      ["pending", "↑ Waiting to send"],
      ["acknowledged", "✓ Delivered"],
    ]);
  });

  it("shows older ones in the 'All' scope, and filters by outcome", async () => {
    setup();
    await screen.findByText("Shown: 2 of 3");
    fireEvent.click(screen.getByRole("button", { name: "All" }));
    expect(plates()).toEqual(["AA1234BC", "BO1734OA", "KA0021XP"]);
    expect(screen.getByText("Refused by server")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Outcome"), { target: { value: "release" } });
    expect(plates()).toEqual(["KA0021XP"]);
    fireEvent.change(screen.getByLabelText("Outcome"), { target: { value: "undecided" } });
    expect(plates()).toEqual(["AA1234BC"]);
  });

  it("searches by plate in Cyrillic or Latin, and by container code", async () => {
    setup();
    await screen.findByText("Shown: 2 of 3");
    const search = screen.getByLabelText(/Search by plate or container code/);
    fireEvent.change(search, { target: { value: "аа 1234" } });
    expect(plates()).toEqual(["AA1234BC"]);
    fireEvent.change(search, { target: { value: "b0 17" } });
    expect(plates()).toEqual(["BO1734OA"]);
    fireEvent.change(search, { target: { value: "csqu3054" } });
    expect(plates()).toEqual(["AA1234BC"]);
    fireEvent.change(search, { target: { value: "ZZ99" } });
    expect(plates()).toEqual([]);
    expect(screen.getByText("No inspections match.")).toBeTruthy();
    fireEvent.keyDown(search, { key: "Escape" });
    expect(plates()).toHaveLength(2);
  });

  it("opens an inspection, and focuses the search with /", async () => {
    const { b, onOpen } = setup();
    await screen.findByText("Shown: 2 of 3");
    fireEvent.click(screen.getAllByTestId("queue-row")[1] as HTMLElement);
    expect(onOpen).toHaveBeenCalledWith(b.id);
    fireEvent.keyDown(window, { key: "/" });
    expect(document.activeElement).toBe(screen.getByLabelText(/Search by plate or container code/));
  });
});

describe("Queue: reviews and keyboard", () => {
  function setupReviewed(highlightOf?: (views: { answered: { id: string } }) => string) {
    const fresh = testView({ created_ms: NOW - HOUR, tractor: "AA1111AA", decisions: [decided("release", NOW - HOUR)] });
    const overruled = testView({
      created_ms: NOW - 2 * HOUR,
      tractor: "BB2222BB",
      decisions: [decided("release", NOW - 2 * HOUR)],
      reviews: [reviewed("overrule", NOW - HOUR, { decisions_seen: 1, outcome: "detain" })],
    });
    const returned = testView({
      created_ms: NOW - 3 * HOUR,
      tractor: "CC3333CC",
      decisions: [decided("release", NOW - 3 * HOUR)],
      reviews: [reviewed("return", NOW - HOUR, { decisions_seen: 1, comment: "Look again" })],
    });
    const answered = testView({
      created_ms: NOW - 4 * HOUR,
      tractor: "DD4444DD",
      decisions: [decided("release", NOW - 4 * HOUR), decided("detain", NOW - 30 * 60_000)],
      reviews: [reviewed("return", NOW - HOUR, { decisions_seen: 1 })],
    });
    const transport = createMemoryTransport({
      unit: "MOBILE-1",
      seed: [fresh, overruled, returned, answered].map((view) => ({ view, sync: "acknowledged" as const })),
    });
    const onOpen = vi.fn<(id: string) => void>();
    const initialHighlight = highlightOf?.({ answered });
    renderWith(<Harness onOpen={onOpen} {...(initialHighlight === undefined ? {} : { initialHighlight })} />, { transport });
    return { fresh, overruled, returned, answered, onOpen };
  }

  const highlighted = (): string[] =>
    screen.queryAllByTestId("queue-row").filter((r) => r.getAttribute("aria-current") === "true").map((r) => r.querySelector(".plate")?.textContent ?? "");

  it("marks returned and overruled inspections, and puts returned ones first as open work", async () => {
    setupReviewed();
    await screen.findByText("Shown: 4 of 4");
    fireEvent.click(screen.getByRole("button", { name: "All" }));
    expect(plates()).toEqual(["CC3333CC", "AA1111AA", "BB2222BB", "DD4444DD"]);
    const [returned, , overruled, answered] = screen.getAllByTestId("queue-row");
    expect(within(returned!).getByTestId("queue-review").textContent).toBe("↩ Returned");
    expect(within(returned!).getByText("Open")).toBeTruthy();
    expect(within(overruled!).getByTestId("queue-review").textContent).toBe("⚠ Overruled");
    // The overrule's outcome is the current one.
    expect(within(overruled!).getByText("Detain")).toBeTruthy();
    expect(within(answered!).getByTestId("queue-review").textContent).toBe("↪ Answered");
    expect(within(answered!).queryByText("Open")).toBeNull();
    expect(screen.getAllByTestId("queue-row").map((r) => r.getAttribute("data-review"))).toEqual([
      "returned",
      "unreviewed",
      "overruled",
      "answered",
    ]);
  });

  it("filters by review state", async () => {
    setupReviewed();
    await screen.findByText("Shown: 4 of 4");
    fireEvent.change(screen.getByLabelText("Review"), { target: { value: "overruled" } });
    expect(plates()).toEqual(["BB2222BB"]);
    fireEvent.change(screen.getByLabelText("Review"), { target: { value: "returned" } });
    expect(plates()).toEqual(["CC3333CC"]);
  });

  it("moves a highlighted row with J and K and opens it with Enter", async () => {
    const { fresh, overruled, onOpen } = setupReviewed();
    await screen.findByText("Shown: 4 of 4");
    expect(highlighted()).toEqual([]);
    fireEvent.keyDown(document.body, { key: "j", code: "KeyJ" });
    expect(highlighted()).toEqual(["CC3333CC"]);
    fireEvent.keyDown(document.body, { key: "j", code: "KeyJ" });
    fireEvent.keyDown(document.body, { key: "j", code: "KeyJ" });
    expect(highlighted()).toEqual(["BB2222BB"]);
    // The highlighted row has the focus (and so is scrolled into view).
    expect(document.activeElement?.closest("tr")?.getAttribute("aria-current")).toBe("true");
    fireEvent.keyDown(document.activeElement ?? document.body, { key: "k", code: "KeyK" });
    expect(highlighted()).toEqual(["AA1111AA"]);
    fireEvent.keyDown(document.activeElement ?? document.body, { key: "Enter" });
    expect(onOpen).toHaveBeenCalledTimes(1);
    expect(onOpen).toHaveBeenCalledWith(fresh.id);
    // By physical key on the Ukrainian layout (J types "о"), and not past the ends.
    for (let i = 0; i < 5; i++) fireEvent.keyDown(document.body, { key: "о", code: "KeyJ" });
    expect(highlighted()).toEqual(["DD4444DD"]);
    fireEvent.keyDown(document.body, { key: "k", code: "KeyK" });
    fireEvent.keyDown(document.body, { key: "Enter" });
    expect(onOpen).toHaveBeenLastCalledWith(overruled.id);
  });

  it("leaves J, K and Enter to the search field and to other buttons", async () => {
    const { onOpen } = setupReviewed();
    await screen.findByText("Shown: 4 of 4");
    const search = screen.getByLabelText(/Search by plate or container code/);
    fireEvent.keyDown(search, { key: "j", code: "KeyJ" });
    expect(highlighted()).toEqual([]);
    fireEvent.keyDown(document.body, { key: "j", code: "KeyJ" });
    const all = screen.getByRole("button", { name: "All" });
    fireEvent.keyDown(all, { key: "Enter" });
    expect(onOpen).not.toHaveBeenCalled();
  });

  it("highlights the inspection just left, on the way back", async () => {
    setupReviewed((v) => v.answered.id);
    await screen.findByText("Shown: 4 of 4");
    expect(highlighted()).toEqual(["DD4444DD"]);
  });

  it("draws rows as a dense table with the columns the crew reads", async () => {
    setupReviewed();
    await screen.findByText("Shown: 4 of 4");
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent)).toEqual([
      "Opened",
      "Tractor / trailer",
      "Containers",
      "Outcome",
      "Review",
      "Scans",
      "Delivery",
    ]);
  });
});

describe("Queue paging", () => {
  it("draws a long list a page at a time, and more on request", async () => {
    const seed = Array.from({ length: 130 }, (_, i) => ({
      view: testView({ created_ms: NOW - i * 60_000, tractor: `AA${String(1000 + i)}BC` }),
      sync: "acknowledged" as const,
    }));
    const transport = createMemoryTransport({ unit: "MOBILE-1", seed });
    renderWith(<Harness onOpen={() => undefined} />, { transport });
    await screen.findAllByTestId("queue-row");
    expect(screen.getAllByTestId("queue-row")).toHaveLength(100);
    fireEvent.click(screen.getByRole("button", { name: "Show 30 more" }));
    expect(screen.getAllByTestId("queue-row")).toHaveLength(130);
    expect(screen.queryByRole("button", { name: "Show 30 more" })).toBeNull();
  });
});
