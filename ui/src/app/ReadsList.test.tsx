// @vitest-environment jsdom
// The camera reads as an officer or supervisor sees them in the side
// panel: the text exactly as read, its canonical plate, the wording for a
// passage without a plate; and no section at all without reads.

import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { anprRead, plate, testView } from "../domain/testViews.ts";
import { I18nProvider } from "../i18n/I18nProvider.tsx";
import type { Language } from "../i18n/messages.ts";
import type { AnprRead, InspectionView } from "../transport/types.ts";
import { ReadsList } from "./ReadsList.tsx";

afterEach(cleanup);

const CAPTURED = Date.UTC(2026, 10, 24, 12, 5, 9);

const read = (over: Partial<AnprRead>): AnprRead => anprRead({ received_ms: CAPTURED + 700, captured_ms: CAPTURED, ...over });

const tractor = read({
  text: "АА 1234 ВС",
  plate: plate("АА 1234 ВС"),
  role: "tractor",
  confidence: 0.93,
  char_confidence: [99, 98, 97, 99, 99, 97, 95, 99],
});
const unread = read({
  id: "1795521969000-4182-00000018#0",
  vendor: "generic",
  camera: null,
  lane: null,
  captured_ms: null,
  received_ms: Date.UTC(2026, 10, 24, 12, 6, 9),
});

function show(view: InspectionView, lang: Language = "en"): HTMLElement {
  return render(
    <I18nProvider lang={lang} onLanguageChange={() => undefined} options={{ timeZone: "Europe/Kyiv" }}>
      <ReadsList view={view} className="card" />
    </I18nProvider>,
  ).container;
}

describe("ReadsList", () => {
  it("lists the reads in order: text as read, canonical plate, role, confidence, camera, lane, time, vendor", () => {
    show(testView({ reads: [tractor, unread] }));
    const section = screen.getByRole("region", { name: "Camera reads (ANPR)" });
    const items = within(section).getAllByRole("listitem");
    expect(items).toHaveLength(2);

    const first = within(items[0]!);
    // Exactly as the camera read it: Cyrillic letters and spaces kept.
    expect(first.getByText("АА 1234 ВС").className).toContain("plate");
    expect(first.getByText("canonical form")).toBeTruthy();
    expect(first.getByText("AA1234BC")).toBeTruthy();
    expect(first.getByText("Tractor")).toBeTruthy();
    expect(first.getByText("confidence 93 %")).toBeTruthy();
    expect(first.getByText("per character")).toBeTruthy();
    expect(first.getByText("99 98 97 99 99 97 95 99")).toBeTruthy();
    expect(first.getByText("camera gate-2")).toBeTruthy();
    expect(first.getByText("lane 1")).toBeTruthy();
    expect(first.getByText("24 Nov 2026, 14:05:09").getAttribute("datetime")).toBe("2026-11-24T12:05:09.000Z");
    expect(first.getByText("Hikvision")).toBeTruthy();

    const second = items[1]!;
    expect(within(second).getByText("no plate read")).toBeTruthy();
    expect(within(second).getByText("received 24 Nov 2026, 14:06:09")).toBeTruthy();
    expect(within(second).getByText("generic format")).toBeTruthy();
    // Nothing the camera did not give: no canonical form, role, confidence or camera.
    expect(second.textContent).not.toMatch(/canonical|Tractor|Trailer|%|per character|camera|lane/);
  });

  it("leaves the canonical plate out when the text is already canonical", () => {
    show(testView({ reads: [read({ text: "AI5678XT", plate: plate("AI5678XT"), role: "trailer" })] }));
    expect(screen.getByText("AI5678XT")).toBeTruthy();
    expect(screen.queryByText("canonical form")).toBeNull();
    expect(screen.getByText("Trailer")).toBeTruthy();
  });

  it("speaks Ukrainian", () => {
    show(testView({ reads: [tractor, unread] }), "uk");
    expect(screen.getByRole("heading", { name: "Зчитування камерами (ANPR)" })).toBeTruthy();
    expect(screen.getByText("АА 1234 ВС")).toBeTruthy();
    expect(screen.getByText("канонічна форма")).toBeTruthy();
    expect(screen.getByText("Тягач")).toBeTruthy();
    expect(screen.getByText("достовірність 93 %")).toBeTruthy();
    expect(screen.getByText("номер не зчитано")).toBeTruthy();
    expect(screen.getByText("загальний формат")).toBeTruthy();
  });

  it("renders nothing for an inspection without reads", () => {
    expect(show(testView({})).innerHTML).toBe("");
    cleanup();
    expect(show(testView({ reads: [] })).innerHTML).toBe("");
  });
});
