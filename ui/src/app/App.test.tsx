// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testAlert, testView } from "../domain/testViews.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import { App } from "./App.tsx";

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const today = testView({ created_ms: Date.now(), tractor: "АА 1234 ВС" });

/** Presses `key` on the window until `shown` finds what it should bring (deadline: the test library's). */
async function pressUntil(key: string, shown: () => HTMLElement): Promise<void> {
  await waitFor(() => {
    fireEvent.keyDown(window, { key });
    expect(shown()).toBeTruthy();
  });
}

function signedInApp(initialUrl = "/") {
  const transport = createMemoryTransport({ unit: "MOBILE-1", seed: [{ view: today, sync: "pending" }] });
  transport.actAs("OF-1742");
  render(
    <App transport={transport} preferences={{ language: "uk", unitName: "" }} timeZone="Europe/Kyiv" initialUrl={initialUrl} />,
  );
  return transport;
}

describe("language switch", () => {
  it("changes the rendered text at once, everywhere, and is remembered", async () => {
    signedInApp();
    const nav = await screen.findByRole("navigation", { name: "Головне меню" });
    expect(within(nav).getByRole("button", { name: "Огляди" })).toBeTruthy();
    expect(await screen.findByText("Записів до надсилання: 1")).toBeTruthy();
    expect(document.documentElement.lang).toBe("uk");

    fireEvent.click(within(nav).getByRole("button", { name: "Налаштування" }));
    fireEvent.click(screen.getByRole("radio", { name: "English" }));

    const navEn = await screen.findByRole("navigation", { name: "Main menu" });
    expect(within(navEn).getByRole("button", { name: "Inspections" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Settings" })).toBeTruthy();
    expect(screen.getByText("Records to send: 1")).toBeTruthy();
    expect(screen.queryByText("Записів до надсилання: 1")).toBeNull();
    expect(document.documentElement.lang).toBe("en");
    expect(JSON.parse(localStorage.getItem("kordon.preferences") ?? "{}")).toMatchObject({ language: "en" });

    fireEvent.click(screen.getByRole("radio", { name: "Українська" }));
    expect(await screen.findByRole("heading", { name: "Налаштування" })).toBeTruthy();
  });
});

describe("sign-in", () => {
  it("refuses a wrong PIN in plain words, then lets the officer in", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1", officers: { "OF-1742": "2468" } });
    render(<App transport={transport} preferences={{ language: "uk", unitName: "" }} initialUrl="/" />);
    fireEvent.change(await screen.findByLabelText("Службовий номер"), { target: { value: "OF-1742" } });
    fireEvent.change(screen.getByLabelText("PIN-код"), { target: { value: "1111" } });
    fireEvent.click(screen.getByRole("button", { name: "Увійти" }));
    // A new officer is added by one who holds a key: choosing a PIN here gives no key.
    expect(screen.getByText(/Інспектор, який уже може тут входити, додасть вас у налаштуваннях/)).toBeTruthy();
    expect(
      await screen.findByText("Неправильний PIN-код для цього службового номера. Спробуйте ще раз."),
    ).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>("PIN-код").value).toBe("");

    fireEvent.change(screen.getByLabelText("PIN-код"), { target: { value: "2468" } });
    fireEvent.click(screen.getByRole("button", { name: "Увійти" }));
    expect(await screen.findByRole("heading", { name: "Огляди" })).toBeTruthy();
    expect(screen.getByText("Інспектор OF-1742")).toBeTruthy();
  });
});

describe("sign-in: the officer id", () => {
  it("is sent trimmed (the vehicle's key slots take it as sent)", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1", officers: { "OF-1742": "2468" } });
    const signIn = vi.spyOn(transport, "signIn");
    render(<App transport={transport} preferences={{ language: "en", unitName: "" }} initialUrl="/" />);
    fireEvent.change(await screen.findByLabelText("Officer ID"), { target: { value: "  OF-1742 " } });
    fireEvent.change(screen.getByLabelText("PIN"), { target: { value: "2468" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Inspections" })).toBeTruthy();
    expect(signIn).toHaveBeenCalledWith("OF-1742", "2468");
  });
});

describe("navigation shortcuts", () => {
  it("N opens the new-inspection form and Esc goes back to the queue", async () => {
    signedInApp();
    await screen.findByRole("heading", { name: "Огляди" });
    // The shortcut is live once the screen's effects ran, which on a busy
    // machine can be after its heading is drawn: press until it acts.
    await pressUntil("n", () => screen.getByRole("heading", { name: "Новий огляд" }));
    // Typing "n" in a field types, it does not navigate.
    const plate = screen.getByLabelText("Номерний знак тягача");
    fireEvent.keyDown(plate, { key: "n" });
    expect(screen.getByRole("heading", { name: "Новий огляд" })).toBeTruthy();
    await pressUntil("Escape", () => screen.getByRole("heading", { name: "Огляди" }));
  });
});

describe("URLs", () => {
  it("opens an inspection from its URL on the workstation, and Esc goes back to the queue", async () => {
    signedInApp(`/inspections/${today.id}`);
    const inspection = await screen.findByTestId("inspection");
    expect(inspection.getAttribute("data-inspection")).toBe(today.id);
    // The workstation's main region does not scroll: the whole window is the screen.
    expect(inspection.closest("main")?.className).toBe("main main-workstation");
    await pressUntil("Escape", () => screen.getByRole("heading", { name: "Огляди" }));
    expect(document.querySelector("main")?.className).toBe("main");
  });

  it("opens a queue row at its URL, and sends an unknown URL to the queue", async () => {
    signedInApp("/nowhere");
    await screen.findByRole("heading", { name: "Огляди" });
    fireEvent.click(await screen.findByTestId("queue-row"));
    expect((await screen.findByTestId("inspection")).getAttribute("data-inspection")).toBe(today.id);
  });

  it("goes to settings and the form from the menu", async () => {
    signedInApp("/settings");
    expect(await screen.findByRole("heading", { name: "Налаштування" })).toBeTruthy();
    const nav = screen.getByRole("navigation", { name: "Головне меню" });
    fireEvent.click(within(nav).getByRole("button", { name: /Новий огляд/ }));
    expect(await screen.findByRole("heading", { name: "Новий огляд" })).toBeTruthy();
  });

  it("keeps training apart: last in the menu but lock and sign-out, with no key, and says it is training", async () => {
    signedInApp();
    const nav = await screen.findByRole("navigation", { name: "Головне меню" });
    const buttons = within(nav).getAllByRole("button");
    expect(buttons.map((b) => b.textContent)).toEqual(["Огляди", "Новий огляд N", "Налаштування", "Навчання", "Заблокувати", "Вийти"]);
    const training = buttons[3]!;
    expect(training.getAttribute("title")).toBeNull();
    fireEvent.click(training);
    expect(await screen.findByRole("heading", { name: "Навчання" })).toBeTruthy();
    expect(training.getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("training-banner").textContent).toContain("не справжній огляд");
    expect(await screen.findByText("На цьому транспортному засобі ще не виконували жодної вправи.")).toBeTruthy();
  });

  it("says so when a training attempt is not on this vehicle", async () => {
    signedInApp("/training/0e5b7c1a-1111-6111-8111-111111111111");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Вправу неможливо показати.");
    expect(screen.getByTestId("training-banner")).toBeTruthy();
  });
});

describe("hotlist alerts", () => {
  const wanted = testView({ created_ms: Date.now() - 60_000, tractor: "ВО7781ЕМ", alerts: [testAlert({ read_id: null, source: "typed" })] });

  function appWithAlert(signedIn: boolean) {
    const transport = createMemoryTransport({ unit: "MOBILE-1", seed: [{ view: wanted, sync: "pending" }, { view: today, sync: "pending" }] });
    if (signedIn) transport.actAs("OF-1742");
    render(<App transport={transport} preferences={{ language: "uk", unitName: "" }} timeZone="Europe/Kyiv" initialUrl="/" />);
    return transport;
  }

  it("shows an open alert above everything, opens its inspection, and a response takes it off everywhere", async () => {
    appWithAlert(true);
    const banner = await screen.findByTestId("alert-banner");
    // Above the top bar: the first thing in the app.
    expect(document.querySelector(".app")?.firstElementChild?.contains(banner)).toBe(true);
    expect(within(banner).getByRole("heading", { name: "ЗБІГ ЗІ СПИСКОМ СПОСТЕРЕЖЕННЯ" })).toBeTruthy();
    await screen.findByRole("heading", { name: "Огляди" });

    fireEvent.click(within(banner).getByRole("button", { name: "Відкрити огляд" }));
    expect((await screen.findByTestId("inspection")).getAttribute("data-inspection")).toBe(wanted.id);
    // On its own inspection the banner needs no link to it; the side panel has the alert too.
    expect(within(screen.getByTestId("alert-banner")).queryByRole("button", { name: "Відкрити огляд" })).toBeNull();
    const card = screen.getByRole("region", { name: "Збіги зі списками спостереження" });
    expect(within(card).getAllByRole("button", { name: "Підтверджено" })).toHaveLength(1);

    fireEvent.click(within(screen.getByTestId("alert-banner")).getByRole("button", { name: "Підтверджено" }));
    await waitFor(() => expect(screen.queryByTestId("alert-banner")).toBeNull());
    // The inspection's card shows the answer without a reload.
    expect(await within(card).findByText(/^Підтверджено: OF-1742, /)).toBeTruthy();
  });

  it("signed out, still shows the alert, and asks to sign in to respond", async () => {
    appWithAlert(false);
    const banner = await screen.findByTestId("alert-banner");
    expect(within(banner).getByText("Увійдіть, щоб відповісти на збіг.")).toBeTruthy();
    expect(within(banner).queryByRole("button", { name: "Підтверджено" })).toBeNull();
    expect(await screen.findByRole("heading", { name: "Вхід" })).toBeTruthy();
  });
});
