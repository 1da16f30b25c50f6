// @vitest-environment jsdom
// An inspection's hotlist alerts in a side panel: open ones first, each in
// words (priority, tier, list, entry, reason, when, under whom); answered
// ones with who answered, when and the note. Read only without
// `onRespond` (the console); with it, an open alert has the buttons.

import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testAlert, testView } from "../domain/testViews.ts";
import { I18nProvider } from "../i18n/I18nProvider.tsx";
import type { Language } from "../i18n/messages.ts";
import type { AlertResponseKind, InspectionView } from "../transport/types.ts";
import { AlertsList } from "./AlertsList.tsx";

afterEach(cleanup);

const RAISED = Date.UTC(2026, 10, 24, 2, 51, 7);

const answered = testAlert({
  id: "0000000000a1",
  at_ms: RAISED - 60_000,
  seen: "WGM4K27",
  role: "trailer",
  list: "SIS II",
  entry_value: "WGM4K21",
  reason: "Stolen trailer (PL)",
  priority: "medium",
  tier: "one_edit",
  response: { response: "false_match", note: "Different trailer: checked the VIN", officer: "OF-2210", at_ms: RAISED + 120_000 },
});
const open = testAlert({ id: "0000000000b2", at_ms: RAISED, raised_by: "OF-1742" });
const view = testView({ alerts: [answered, open] });

function show(v: InspectionView, opts: { lang?: Language; onRespond?: (id: string, r: AlertResponseKind, note: string) => Promise<void> } = {}): HTMLElement {
  return render(
    <I18nProvider lang={opts.lang ?? "en"} onLanguageChange={() => undefined} options={{ timeZone: "Europe/Kyiv" }}>
      <AlertsList view={v} className="card" {...(opts.onRespond === undefined ? {} : { onRespond: opts.onRespond })} />
    </I18nProvider>,
  ).container;
}

describe("AlertsList", () => {
  it("read only: every alert in words, the open one first, the answered one with who, when and the note; no buttons", () => {
    show(view);
    const section = screen.getByRole("region", { name: "Hotlist alerts" });
    const items = within(section).getAllByTestId("alert-item");
    expect(items.map((i) => i.getAttribute("data-alert"))).toEqual(["0000000000b2", "0000000000a1"]);

    const first = within(items[0]!);
    expect(first.getByText("High priority")).toBeTruthy();
    expect(first.getByText("Exact match")).toBeTruthy();
    expect(first.getByText("ВО7781ЕМ")).toBeTruthy();
    expect(first.getByText("List: Wanted vehicles")).toBeTruthy();
    expect(first.getByText("Entry: BO7781EM")).toBeTruthy();
    expect(first.getByText("Reason: Stolen tractor")).toBeTruthy();
    expect(first.getByText("24 Nov 2026, 04:51:07, officer on duty OF-1742")).toBeTruthy();
    expect(first.getByText("Not answered yet")).toBeTruthy();

    const second = within(items[1]!);
    expect(second.getByText("Medium priority")).toBeTruthy();
    expect(second.getByText("One character differs")).toBeTruthy();
    expect(second.getByText("Camera read · Trailer")).toBeTruthy();
    expect(second.getByText("False match: OF-2210, 24 Nov 2026, 04:53:07")).toBeTruthy();
    expect(second.getByText("“Different trailer: checked the VIN”")).toBeTruthy();

    expect(within(section).queryAllByRole("button")).toHaveLength(0);
    expect(within(section).queryByRole("textbox")).toBeNull();
  });

  it("speaks Ukrainian", () => {
    show(view, { lang: "uk" });
    expect(screen.getByRole("heading", { name: "Збіги зі списками спостереження" })).toBeTruthy();
    expect(screen.getByText("Хибний збіг: OF-2210, 24 лист. 2026 р., 04:53:07")).toBeTruthy();
    expect(screen.getByText("Відповіді ще немає")).toBeTruthy();
    expect(screen.getByText("Точний збіг")).toBeTruthy();
  });

  it("with onRespond, an open alert takes a response with its note", async () => {
    const onRespond = vi.fn(() => Promise.resolve());
    show(view, { onRespond });
    const openItem = screen.getAllByTestId("alert-item")[0]!;
    fireEvent.change(within(openItem).getByLabelText("Note (optional)"), { target: { value: "Checked the papers" } });
    fireEvent.click(within(openItem).getByRole("button", { name: "Confirmed" }));
    await waitFor(() => expect(onRespond).toHaveBeenCalledWith("0000000000b2", "confirmed", "Checked the papers"));
    // The answered alert has no buttons.
    expect(within(screen.getAllByTestId("alert-item")[1]!).queryAllByRole("button")).toHaveLength(0);
  });

  it("renders nothing for an inspection without alerts", () => {
    expect(show(testView({})).innerHTML).toBe("");
    cleanup();
    expect(show(testView({ alerts: [] })).innerHTML).toBe("");
  });
});
