// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { plate, testView } from "../domain/testViews.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import { renderWith } from "../test/renderWith.tsx";
import { InspectionScreen } from "./InspectionScreen.tsx";

afterEach(cleanup);

function setup(lang: "en" | "uk") {
  const view = testView({
    tractor: "ВН 9975 ТО",
    trailer_plate: plate("AI5678XT"),
    containers: ["TGHU7599834"],
    declaration: "UA209508/2026/647941",
    notes: "Пломба на місці",
  });
  const transport = createMemoryTransport({ unit: "MOBILE-1", seed: [{ view, sync: "acknowledged" }] });
  transport.actAs("OF-1742");
  const setNotes = vi.spyOn(transport, "setNotes");
  renderWith(<InspectionScreen id={view.id} />, { transport, lang });
  return { view, transport, setNotes };
}

describe("InspectionScreen", () => {
  it("shows the vehicle, the raw plate read and the translated scan viewer placeholder", async () => {
    setup("uk");
    expect(await screen.findByRole("heading", { name: "Огляд BH9975TO" })).toBeTruthy();
    expect(screen.getByText("прочитано як «ВН 9975 ТО»")).toBeTruthy();
    expect(screen.getByText("TGHU7599834")).toBeTruthy();
    expect(
      screen.getByText("Переглядач знімків зʼявиться після підключення рушія фрагментів зображення."),
    ).toBeTruthy();
    expect(screen.getByText("Рішення ще немає.")).toBeTruthy();
  });

  it("saves notes with Ctrl+S and says so", async () => {
    const { view, transport, setNotes } = setup("en");
    const notes = (await screen.findByRole("textbox", { name: "Notes" })) as HTMLTextAreaElement;
    expect(notes.value).toBe("Пломба на місці");
    expect((screen.getByRole("button", { name: /Save notes/ }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(notes, { target: { value: "Пломба на місці; номер збігається" } });
    expect(screen.getByText("Unsaved changes.")).toBeTruthy();
    fireEvent.keyDown(notes, { key: "s", ctrlKey: true });
    expect(await screen.findByText("Notes saved.")).toBeTruthy();
    expect(setNotes).toHaveBeenCalledWith(view.id, "Пломба на місці; номер збігається");
    await waitFor(async () => expect((await transport.getInspection(view.id)).notes).toBe("Пломба на місці; номер збігається"));
  });

  it("explains an unknown inspection in plain words", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1" });
    renderWith(<InspectionScreen id="missing" />, { transport, lang: "en" });
    expect(await screen.findByText("This inspection is not on this device.")).toBeTruthy();
  });
});
