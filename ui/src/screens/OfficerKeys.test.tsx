// @vitest-environment jsdom
// Settings: the officers who can open this vehicle's data. An officer
// without a key is refused at sign-in (`no_key`) until one who holds a key
// adds them here, the new officer typing their PIN twice and the officer
// signed in confirming with their own; a key is removed the same way,
// never the last one.

import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../app/App.tsx";
import { TransportError } from "../transport/errors.ts";
import { createMemoryTransport, type MemoryTransport, type MemoryTransportOptions } from "../transport/memory.ts";
import { renderWith } from "../test/renderWith.tsx";
import { Settings, type SettingsProps } from "./Settings.tsx";

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const ME = "OF-1742";
const MY_PIN = "2468";

const SETTINGS: SettingsProps = {
  officer: ME,
  unitName: "",
  onUnitNameChange: () => undefined,
  lockAfterMinutes: 5,
  onLockAfterChange: () => undefined,
};

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TransportError) return e.code;
    throw e;
  }
  return "resolved";
}

/** A vehicle with `ME` signed in with their PIN (they hold a key), and Settings open. */
async function settings(opts: MemoryTransportOptions = {}, lang: "en" | "uk" = "en"): Promise<{ transport: MemoryTransport; section: HTMLElement }> {
  const transport = createMemoryTransport({ unit: "MOBILE-1", officers: { [ME]: MY_PIN }, ...opts });
  await transport.signIn(ME, MY_PIN);
  renderWith(<Settings {...SETTINGS} />, { transport, lang });
  const section = await screen.findByTestId("officer-keys");
  await waitFor(() => expect(within(section).getAllByTestId("key-holder").length).toBeGreaterThan(0));
  return { transport, section };
}

/** The officers listed, as the screen says them. */
function listed(section: HTMLElement): string[] {
  return within(section)
    .getAllByTestId("key-holder")
    .map((li) => li.textContent?.replace(/Remove key$/, "").trim() ?? "");
}

function fillAdd(fields: { id?: string; pin?: string; again?: string; byPin?: string }): void {
  if (fields.id !== undefined) fireEvent.change(screen.getByLabelText("New officer's ID"), { target: { value: fields.id } });
  if (fields.pin !== undefined) fireEvent.change(screen.getByLabelText("Their PIN"), { target: { value: fields.pin } });
  if (fields.again !== undefined) fireEvent.change(screen.getByLabelText("Their PIN again"), { target: { value: fields.again } });
  if (fields.byPin !== undefined) {
    const form = screen.getByRole("form", { name: "Add an officer" });
    fireEvent.change(within(form).getByLabelText(`Your PIN, to confirm (${ME})`), { target: { value: fields.byPin } });
  }
}

function submitAdd(): void {
  fireEvent.click(screen.getByRole("button", { name: "Add officer" }));
}

describe("Settings: officers who can open this vehicle's data", () => {
  it("lists the key holders, the officer signed in marked, and counts keys made elsewhere", async () => {
    const { section } = await settings({ officers: { [ME]: MY_PIN, "OF-2001": "1357" }, keysElsewhere: 2 });
    expect(within(section).getByRole("heading", { name: "Officers who can open this vehicle's data" })).toBeTruthy();
    expect(listed(section)).toEqual([`${ME}(you)`, "OF-2001"]);
    expect(within(section).getByTestId("keys-elsewhere").textContent).toBe(
      "Other keys, made on another copy of the data (names not known here): 2",
    );
    // A key of another officer can be removed; one's own is not offered.
    expect(within(section).getByRole("button", { name: "Remove OF-2001's key" })).toBeTruthy();
    expect(within(section).queryByRole("button", { name: `Remove ${ME}'s key` })).toBeNull();
  });

  it("says nothing of other keys when every key is named, and speaks Ukrainian", async () => {
    const { section } = await settings({ officers: { [ME]: MY_PIN, "OF-2001": "1357" } }, "uk");
    expect(within(section).getByRole("heading", { name: "Інспектори, які можуть відкрити дані комплексу" })).toBeTruthy();
    expect(within(section).queryByTestId("keys-elsewhere")).toBeNull();
    expect(within(section).getByRole("button", { name: "Вилучити ключ інспектора OF-2001" })).toBeTruthy();
    expect(screen.getByRole("form", { name: "Додати інспектора" })).toBeTruthy();
    expect(screen.getByLabelText(`Ваш PIN-код для підтвердження (${ME})`, { selector: "#officer-add-by-pin" })).toBeTruthy();
  });

  it("adds an officer, who can then sign in with the PIN they typed; before, no_key", async () => {
    const { transport, section } = await settings();
    expect(await codeOf(transport.signIn("OF-2", "7531"))).toBe("no_key");
    const add = vi.spyOn(transport, "addOfficer");

    fillAdd({ id: " OF-2 ", pin: "7531", again: "7531", byPin: MY_PIN });
    submitAdd();
    expect(await screen.findByText("OF-2 holds a key now and can sign in here with their PIN.")).toBeTruthy();
    expect(add).toHaveBeenCalledExactlyOnceWith(MY_PIN, "OF-2", "7531");
    expect(listed(section)).toEqual([`${ME}(you)`, "OF-2"]);
    // The form is empty again: no PIN stays on the screen.
    for (const label of ["New officer's ID", "Their PIN", "Their PIN again"]) {
      expect(screen.getByLabelText<HTMLInputElement>(label).value).toBe("");
    }
    expect(screen.getByLabelText<HTMLInputElement>(`Your PIN, to confirm (${ME})`, { selector: "#officer-add-by-pin" }).value).toBe("");

    expect(await transport.signIn("OF-2", "7531")).toEqual({ officer: "OF-2", pin_set: false, locked: false });
  });

  it("refuses to set the PIN of an officer who holds a key already", async () => {
    const { transport } = await settings({ officers: { [ME]: MY_PIN, "OF-2": "1357" } });
    fillAdd({ id: "OF-2", pin: "8642", again: "8642", byPin: MY_PIN });
    submitAdd();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("holds a key already");
    expect(await codeOf(transport.signIn("OF-2", "8642"))).toBe("wrong_pin");
    expect((await transport.signIn("OF-2", "1357")).officer).toBe("OF-2");
  });

  it("a wrong confirming PIN is refused in words, the focus back on it; nothing is added", async () => {
    const { transport, section } = await settings();
    fillAdd({ id: "OF-2", pin: "7531", again: "7531", byPin: "1111" });
    submitAdd();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(`That is not ${ME}'s PIN: confirm with your own PIN.`);
    const byPin = screen.getByLabelText<HTMLInputElement>(`Your PIN, to confirm (${ME})`, { selector: "#officer-add-by-pin" });
    expect(byPin.value).toBe("");
    expect(byPin.getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(byPin));
    // What the new officer typed stays, for the next try.
    expect(screen.getByLabelText<HTMLInputElement>("New officer's ID").value).toBe("OF-2");
    expect(screen.getByTestId("officer-added").textContent).toBe("");
    expect(listed(section)).toEqual([`${ME}(you)`]);
    expect(await transport.keyHolders()).toEqual({ officers: [ME], keys: 1 });
    expect(await codeOf(transport.signIn("OF-2", "7531"))).toBe("no_key");
  });

  it("shows each refusal of the vehicle in plain words", async () => {
    const { transport } = await settings();
    const add = vi.spyOn(transport, "addOfficer");
    const byPin = `#officer-add-by-pin`;
    const cases: [TransportError, string, string][] = [
      [new TransportError("pin_locked", "wait 30 s"), "Too many wrong PINs. Wait half a minute, then try again.", byPin],
      [new TransportError("locked", "the app is locked"), "This vehicle's data is locked. Sign in with your officer ID and PIN.", byPin],
      // An id the vehicle refused: the focus goes to the id.
      [new TransportError("invalid_input", "officer id must be 1 to 64 printable characters"), "Some of what was entered cannot be accepted.", "#officer-add-id"],
    ];
    for (const [error, words, focus] of cases) {
      add.mockRejectedValueOnce(error);
      fillAdd({ id: "OF-2", pin: "7531", again: "7531", byPin: MY_PIN });
      submitAdd();
      await waitFor(() => expect(screen.getByRole("alert").textContent).toContain(words));
      expect(screen.getByRole("alert").textContent).toContain(`Details: ${error.message}`);
      expect(document.activeElement).toBe(document.querySelector(focus));
    }
    expect(add).toHaveBeenCalledTimes(3);
  });

  it("catches two different PINs, a short PIN, no id and no confirming PIN before asking the vehicle", async () => {
    const { transport } = await settings();
    const add = vi.spyOn(transport, "addOfficer");

    fillAdd({ id: "OF-2", pin: "7531", again: "7532", byPin: MY_PIN });
    submitAdd();
    expect(screen.getByText("The two PINs differ: the new officer types their PIN again in both fields.")).toBeTruthy();
    const again = screen.getByLabelText<HTMLInputElement>("Their PIN again");
    expect(again.getAttribute("aria-invalid")).toBe("true");
    expect(again.value).toBe("");
    expect(document.activeElement).toBe(again);

    fillAdd({ pin: "753", again: "753" });
    submitAdd();
    expect(screen.getByText("A PIN is 4 to 64 characters.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Their PIN"));

    fillAdd({ id: "  ", pin: "7531", again: "7531", byPin: "" });
    submitAdd();
    expect(screen.getByText("Enter the new officer's ID.")).toBeTruthy();
    expect(screen.getByText("Enter your own PIN to confirm.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("New officer's ID"));

    expect(add).not.toHaveBeenCalled();
    expect(await transport.keyHolders()).toEqual({ officers: [ME], keys: 1 });
  });

  it("removes another officer's key with the confirming PIN; a wrong one removes nothing", async () => {
    const { transport, section } = await settings({ officers: { [ME]: MY_PIN, "OF-2": "7531" } });
    fireEvent.click(within(section).getByRole("button", { name: "Remove OF-2's key" }));
    const form = screen.getByRole("form", { name: "Remove OF-2's key?" });
    const pin = within(form).getByLabelText<HTMLInputElement>(`Your PIN, to confirm (${ME})`);
    expect(document.activeElement).toBe(pin);

    fireEvent.change(pin, { target: { value: "1111" } });
    fireEvent.click(within(form).getByRole("button", { name: "Remove the key" }));
    expect((await within(form).findByRole("alert")).textContent).toContain(`That is not ${ME}'s PIN: confirm with your own PIN.`);
    expect(pin.value).toBe("");
    expect(await transport.keyHolders()).toEqual({ officers: [ME, "OF-2"], keys: 2 });

    fireEvent.change(pin, { target: { value: MY_PIN } });
    fireEvent.click(within(form).getByRole("button", { name: "Remove the key" }));
    expect(await screen.findByText("OF-2's key is removed: their PIN opens nothing here any more.")).toBeTruthy();
    expect(screen.queryByRole("form", { name: "Remove OF-2's key?" })).toBeNull();
    expect(listed(section)).toEqual([`${ME}(you)`]);
    expect(await codeOf(transport.signIn("OF-2", "7531"))).toBe("no_key");
  });

  it("offers no removal of the last key, and says why", async () => {
    const { section } = await settings();
    expect(within(section).queryByRole("button", { name: /^Remove .*'s key$/ })).toBeNull();
    expect(within(section).getByText("This is the only key: it cannot be removed. Add another officer first.")).toBeTruthy();
    cleanup();

    // Nor another officer's, when theirs is the last (the officer signed in
    // lost theirs meanwhile, by the CLI beside the app).
    const transport = createMemoryTransport({ unit: "MOBILE-1", officers: { "OF-2": "7531" } });
    transport.actAs(ME);
    renderWith(<Settings {...SETTINGS} />, { transport });
    const only = await screen.findByTestId("key-holder");
    expect(only.getAttribute("data-officer")).toBe("OF-2");
    expect(screen.queryByRole("button", { name: "Remove OF-2's key" })).toBeNull();
    expect(screen.getByText("This is the only key: it cannot be removed. Add another officer first.")).toBeTruthy();
  });

  it("a removal the vehicle refuses as the last key is said in words, and the list read again", async () => {
    const { transport, section } = await settings({ officers: { [ME]: MY_PIN, "OF-2": "7531" } });
    const read = vi.spyOn(transport, "keyHolders");
    vi.spyOn(transport, "removeOfficer").mockRejectedValueOnce(
      new TransportError("last_key", "the last officer's key cannot be removed: add another officer first"),
    );
    fireEvent.click(within(section).getByRole("button", { name: "Remove OF-2's key" }));
    const form = screen.getByRole("form", { name: "Remove OF-2's key?" });
    fireEvent.change(within(form).getByLabelText(`Your PIN, to confirm (${ME})`), { target: { value: MY_PIN } });
    fireEvent.click(within(form).getByRole("button", { name: "Remove the key" }));
    await waitFor(() =>
      expect(within(section).getByRole("alert").textContent).toContain("The last officer's key cannot be removed. Add another officer first."),
    );
    await waitFor(() => expect(read).toHaveBeenCalled());
    expect(document.activeElement).toBe(within(section).getByRole("heading", { name: "Officers who can open this vehicle's data" }));
  });

  it("a key removed elsewhere meanwhile: said, and the list read again without it", async () => {
    const { transport, section } = await settings({ officers: { [ME]: MY_PIN, "OF-2": "7531", "OF-3": "8642" } });
    fireEvent.click(within(section).getByRole("button", { name: "Remove OF-2's key" }));
    // The CLI beside the app removes it first.
    await transport.removeOfficer(MY_PIN, "OF-2");
    const form = screen.getByRole("form", { name: "Remove OF-2's key?" });
    fireEvent.change(within(form).getByLabelText(`Your PIN, to confirm (${ME})`), { target: { value: MY_PIN } });
    fireEvent.click(within(form).getByRole("button", { name: "Remove the key" }));
    expect(await within(section).findByText("OF-2 holds no key here (any more): there is nothing to remove.")).toBeTruthy();
    await waitFor(() => expect(listed(section)).toEqual([`${ME}(you)`, "OF-3"]));
  });
});

describe("in the app: an officer without a key, then added", () => {
  it("is refused at sign-in with what to do, is added in Settings, then signs in", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1", officers: { [ME]: MY_PIN }, cold: true });
    render(<App transport={transport} preferences={{ language: "en" }} timeZone="Europe/Kyiv" initialUrl="/" />);
    const signIn = async (officer: string, pin: string): Promise<void> => {
      fireEvent.change(await screen.findByLabelText("Officer ID"), { target: { value: officer } });
      fireEvent.change(screen.getByLabelText("PIN"), { target: { value: pin } });
      fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    };

    await signIn(ME, MY_PIN);
    await screen.findByRole("heading", { name: "Inspections" });
    fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await signIn("OF-2", "7531");
    const refused = await screen.findByRole("alert");
    expect(refused.textContent).toContain("This officer ID holds no key to this vehicle's data. An officer who holds one must add you");
    expect(refused.textContent).toContain("Officers who can open this vehicle's data");
    expect(refused.textContent).not.toMatch(/first sign-in/);

    await signIn(ME, MY_PIN);
    fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    await screen.findByTestId("key-holder");
    fillAdd({ id: "OF-2", pin: "7531", again: "7531", byPin: MY_PIN });
    submitAdd();
    await screen.findByText("OF-2 holds a key now and can sign in here with their PIN.");
    fireEvent.click(screen.getByRole("button", { name: "Sign out" }));

    await signIn("OF-2", "7531");
    expect(await screen.findByText("Officer OF-2")).toBeTruthy();
  });
});
