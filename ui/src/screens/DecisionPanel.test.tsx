// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { useState, type ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decided, reviewed, testView } from "../domain/testViews.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import type { InspectionView } from "../transport/types.ts";
import { renderWith } from "../test/renderWith.tsx";
import { DecisionPanel } from "./DecisionPanel.tsx";

afterEach(cleanup);

const T0 = Date.UTC(2026, 10, 24, 8, 0);

function Harness(props: { initial: InspectionView }): ReactNode {
  const [view, setView] = useState(props.initial);
  return <DecisionPanel view={view} onChange={setView} />;
}

function setup() {
  const first = decided("physical_inspection", T0, { officer: "OF-1742", reasons: ["DENSITY_ANOMALY"], note: "Dense mass" });
  const view = testView({ decisions: [first], reviews: [reviewed("agree", T0 + 60_000)] });
  let clock = T0 + 120_000;
  const transport = createMemoryTransport({ now: () => (clock += 1000), unit: "MOBILE-1", seed: [{ view, sync: "acknowledged" }] });
  transport.actAs("OF-9");
  const decide = vi.spyOn(transport, "decide");
  const setNotes = vi.spyOn(transport, "setNotes");
  renderWith(<Harness initial={view} />, { transport });
  return { view, first, transport, decide, setNotes };
}

const historyItems = (): HTMLElement[] => within(screen.getByTestId("history")).getAllByRole("listitem");

/** An entry's recorded content, without the derived "Current" marker. */
function entryText(li: HTMLElement): string | null {
  const copy = li.cloneNode(true) as HTMLElement;
  copy.querySelectorAll(".badge").forEach((b) => b.remove());
  return copy.textContent;
}

describe("DecisionPanel", () => {
  it("shows the history with the current outcome marked", () => {
    setup();
    expect(screen.getByTestId("current-outcome").textContent).toBe("Current outcome: Physical inspection");
    const items = historyItems();
    expect(items).toHaveLength(2);
    expect(items[0]?.textContent).toContain("OF-1742: Physical inspection");
    expect(items[0]?.textContent).toContain("Reasons: DENSITY_ANOMALY");
    expect(items[1]?.textContent).toContain("SUP-1: Supervisor agreed");
  });

  it("offers no way to change or remove a history entry", () => {
    setup();
    const history = screen.getByTestId("history");
    expect(within(history).queryAllByRole("button")).toEqual([]);
    expect(within(history).queryAllByRole("textbox")).toEqual([]);
    expect(history.querySelectorAll("input, textarea, select, [contenteditable]")).toHaveLength(0);
  });

  it("appends a new decision after the old ones, which stay exactly as they were", async () => {
    const { view, first, transport, decide, setNotes } = setup();
    const before = historyItems().map(entryText);

    fireEvent.click(screen.getByRole("radio", { name: /^Detain/ }));
    fireEvent.click(screen.getByLabelText(/Hotlist match/));
    fireEvent.change(screen.getByLabelText("Other reason code"), { target: { value: "seal 7" } });
    fireEvent.click(screen.getByRole("button", { name: "Add code" }));
    fireEvent.change(screen.getByLabelText("Note"), { target: { value: "Seal number differs" } });
    fireEvent.click(screen.getByRole("button", { name: /Record decision/ }));

    await waitFor(() => expect(historyItems()).toHaveLength(3));
    expect(decide).toHaveBeenCalledTimes(1);
    expect(decide).toHaveBeenCalledWith(view.id, {
      outcome: "detain",
      reasons: ["HOTLIST", "SEAL_7"],
      note: "Seal number differs",
    });
    expect(setNotes).not.toHaveBeenCalled();
    // The earlier entries read the same, in the same order; the new one is last.
    expect(historyItems().slice(0, 2).map(entryText)).toEqual(before);
    expect(before[0]).toContain("Dense mass");
    expect(historyItems()[2]?.textContent).toContain("OF-9: Detain");
    expect(screen.getByTestId("current-outcome").textContent).toBe("Current outcome: Detain");
    // And the stored list kept the first decision untouched.
    const stored = await transport.getInspection(view.id);
    expect(stored.decisions[0]).toEqual(first);
    expect(stored.decisions).toHaveLength(2);
  });

  it("asks for an outcome instead of sending a decision without one", async () => {
    const { decide } = setup();
    fireEvent.click(screen.getByRole("button", { name: /Record decision/ }));
    expect(await screen.findByText("Choose an outcome first.")).toBeTruthy();
    expect(decide).not.toHaveBeenCalled();
    expect(historyItems()).toHaveLength(2);
  });

  it("picks an outcome with Alt+number and records it with Ctrl+Enter", async () => {
    const { decide } = setup();
    fireEvent.keyDown(window, { key: "2", code: "Digit2", altKey: true });
    expect(screen.getByRole<HTMLInputElement>("radio", { name: /^Physical inspection/ }).checked).toBe(true);
    fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
    expect(decide.mock.calls[0]?.[1]).toMatchObject({ outcome: "physical_inspection" });
  });

  it("shows a refusal in plain words and keeps the history as it was", async () => {
    const { transport } = setup();
    transport.actAs(null);
    fireEvent.click(screen.getByRole("radio", { name: /^Release/ }));
    fireEvent.click(screen.getByRole("button", { name: /Record decision/ }));
    expect(await screen.findByText("No officer is signed in. Sign in with your officer ID.")).toBeTruthy();
    expect(historyItems()).toHaveLength(2);
  });
});
