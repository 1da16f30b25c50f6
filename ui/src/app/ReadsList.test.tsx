// @vitest-environment jsdom
// The camera reads as an officer or supervisor sees them in the side
// panel: the text exactly as read, its canonical plate, the wording for a
// passage without a plate; and no section at all without reads. With an
// image URL, the plate crop and scene open larger; the crew corrects a
// read's text or detaches a read (after confirming); a correction is
// shown beside the text as read, a detached read greyed with who did it.

import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { anprRead, plate, testView } from "../domain/testViews.ts";
import { I18nProvider } from "../i18n/I18nProvider.tsx";
import type { Language } from "../i18n/messages.ts";
import { TransportError } from "../transport/errors.ts";
import type { AnprRead, InspectionView } from "../transport/types.ts";
import { ReadsList, type ReadsListProps } from "./ReadsList.tsx";

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

function show(view: InspectionView, lang: Language = "en", more: Omit<ReadsListProps, "view" | "className"> = {}): HTMLElement {
  return render(
    <I18nProvider lang={lang} onLanguageChange={() => undefined} options={{ timeZone: "Europe/Kyiv" }}>
      <ReadsList view={view} className="card" {...more} />
    </I18nProvider>,
  ).container;
}

const PLATE_BLOB = "ab".repeat(32);
const SCENE_BLOB = "cd".repeat(32);
const pictured = read({
  text: "WGM4K27",
  plate: plate("WGM4K27"),
  role: "trailer",
  images: [
    { kind: "plate", blob: PLATE_BLOB, size: 1, content_type: "image/jpeg" },
    { kind: "scene", blob: SCENE_BLOB, size: 1, content_type: "image/jpeg" },
  ],
});
const imageUrl = (blob: string): string => `kordon://localhost/read/${blob}`;

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

  it("shows no images, and no correct or detach buttons, unless given the means", () => {
    show(testView({ reads: [pictured] }));
    expect(screen.queryByRole("img")).toBeNull();
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });

  it("shows the plate crop and the scene; one opens larger and closes with Esc without leaving the screen", () => {
    const escapes = vi.fn();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === "Escape" && !e.defaultPrevented) escapes();
    };
    window.addEventListener("keydown", onKey);
    onTestFinished(() => window.removeEventListener("keydown", onKey));
    show(testView({ reads: [pictured] }), "en", { imageUrl });
    const thumbs = screen.getAllByTestId("read-thumb");
    expect(thumbs.map((b) => b.querySelector("img")?.getAttribute("src"))).toEqual([imageUrl(PLATE_BLOB), imageUrl(SCENE_BLOB)]);
    expect(thumbs[0]!.getAttribute("aria-label")).toBe("Enlarge: Plate crop: WGM4K27");

    fireEvent.click(screen.getByRole("button", { name: "Enlarge: Scene: WGM4K27" }));
    const dialog = screen.getByRole("dialog", { name: "Scene: WGM4K27" });
    expect(within(dialog).getByRole("img", { name: "Scene: WGM4K27" }).getAttribute("src")).toBe(imageUrl(SCENE_BLOB));
    fireEvent.keyDown(within(dialog).getByRole("button", { name: "Close" }), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    // The app's own Esc (back to the queue) did not act.
    expect(escapes).not.toHaveBeenCalled();

    fireEvent.click(thumbs[0]!);
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("shows a correction beside the text as read, and a detached read greyed with who took it off", () => {
    const corrected = read({
      ...pictured,
      correction: { text: "WGM 4K21", plate: plate("WGM 4K21")!, by: "OF-1742", at_ms: CAPTURED + 60_000 },
    });
    const detached = read({ id: "1795521969000-4182-00000019#0", text: "KA0021XP", plate: plate("KA0021XP"), detached: { by: "OF-2210", at_ms: CAPTURED + 120_000 } });
    show(testView({ reads: [corrected, detached] }), "en", { onCorrect: vi.fn(), onDetach: vi.fn() });
    const [first, second] = screen.getAllByTestId("anpr-read");
    // The camera's text is kept as read.
    expect(within(first!).getByText("WGM4K27")).toBeTruthy();
    expect(within(first!).getByTestId("anpr-correction").textContent).toBe(
      "Read as “WGM4K27”, corrected to WGM 4K21 by OF-1742, 24 Nov 2026, 14:06:09",
    );
    expect(second!.className).toContain("is-detached");
    expect(within(second!).getByText("Detached")).toBeTruthy();
    expect(within(second!).getByTestId("anpr-detached").textContent).toBe("Detached from this inspection by OF-2210, 24 Nov 2026, 14:07:09");
    // A detached read is not corrected or detached again.
    expect(within(second!).queryAllByRole("button")).toHaveLength(0);
  });

  it("corrects a read: the plate as it really is, checked before it is sent", async () => {
    const onCorrect = vi.fn<(read: string, text: string) => Promise<void>>(() => Promise.resolve());
    show(testView({ reads: [pictured] }), "en", { onCorrect });
    fireEvent.click(screen.getByRole("button", { name: "Correct" }));
    const form = screen.getByRole("form", { name: "Correct the plate read by the camera" });
    const input = within(form).getByLabelText("Plate as it really is");
    expect((input as HTMLInputElement).value).toBe("WGM4K27");
    fireEvent.change(input, { target: { value: "WGM 4K2?" } });
    expect(within(form).getByText("“?” is not a letter or a digit.")).toBeTruthy();
    fireEvent.click(within(form).getByRole("button", { name: "Save correction" }));
    expect(onCorrect).not.toHaveBeenCalled();

    fireEvent.change(input, { target: { value: " WGM 4K21 " } });
    fireEvent.click(within(form).getByRole("button", { name: "Save correction" }));
    await waitFor(() => expect(screen.queryByRole("form")).toBeNull());
    expect(onCorrect).toHaveBeenCalledWith(pictured.id, "WGM 4K21");
  });

  it("detaches a read only after the crew confirms", async () => {
    const onDetach = vi.fn<(read: string) => Promise<void>>(() => Promise.resolve());
    show(testView({ reads: [pictured] }), "uk", { onDetach });
    fireEvent.click(screen.getByRole("button", { name: "Відʼєднати" }));
    expect(onDetach).not.toHaveBeenCalled();
    expect(screen.getByText(/^Відʼєднати це зчитування від огляду\?/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Скасувати" }));
    expect(screen.queryByTestId("read-detach-confirm")).toBeNull();
    expect(onDetach).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole("button", { name: "Відʼєднати" }));
    fireEvent.click(screen.getByRole("button", { name: "Так, відʼєднати" }));
    await waitFor(() => expect(onDetach).toHaveBeenCalledWith(pictured.id));
    await waitFor(() => expect(screen.queryByTestId("read-detach-confirm")).toBeNull());
  });

  it("says why a correction was refused, and keeps the form", async () => {
    const onCorrect = vi.fn(() => Promise.reject(new TransportError("not_signed_in", "no officer is signed in")));
    show(testView({ reads: [pictured] }), "en", { onCorrect });
    fireEvent.click(screen.getByRole("button", { name: "Correct" }));
    fireEvent.click(screen.getByRole("button", { name: "Save correction" }));
    expect(await screen.findByText("No officer is signed in. Sign in with your officer ID.")).toBeTruthy();
    expect(screen.getByRole("form")).toBeTruthy();
  });
});
