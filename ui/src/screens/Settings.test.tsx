// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testView } from "../domain/testViews.ts";
import { createMemoryTransport, makeDevToken } from "../transport/memory.ts";
import { renderWith } from "../test/renderWith.tsx";
import { Settings, type SettingsProps } from "./Settings.tsx";

afterEach(cleanup);

/** The settings kept by the app (preferences): none changes here unless a test says so. */
const SETTINGS: SettingsProps = {
  officer: "OF-1",
  unitName: "",
  onUnitNameChange: () => undefined,
  lockAfterMinutes: 5,
  onLockAfterChange: () => undefined,
};

describe("Settings", () => {
  it("stores an enrollment token, refusing a damaged one in plain words", async () => {
    const transport = createMemoryTransport({ unit: null });
    renderWith(<Settings {...SETTINGS} />, { transport });
    expect(await screen.findByText("Not enrolled.")).toBeTruthy();
    const token = screen.getByLabelText("Enrollment token");
    const enroll = screen.getByRole("button", { name: "Enroll this vehicle" });

    fireEvent.change(token, { target: { value: "KORDON1-garbage" } });
    fireEvent.click(enroll);
    expect(await screen.findByText("The enrollment token is damaged or incomplete. Copy it again, whole.")).toBeTruthy();

    fireEvent.change(token, { target: { value: makeDevToken("MOBILE-3") } });
    fireEvent.click(enroll);
    expect(
      await screen.findByText("Token stored for unit MOBILE-3: enrollment completes at the next sync."),
    ).toBeTruthy();
    expect(screen.getByText("Server: 127.0.0.1:4433")).toBeTruthy();
  });

  it("saves the unit name for this device's screens", () => {
    const onUnitNameChange = vi.fn<(n: string) => void>();
    renderWith(<Settings {...SETTINGS} onUnitNameChange={onUnitNameChange} />, {
      transport: createMemoryTransport({ unit: "MOBILE-1" }),
      lang: "uk",
    });
    fireEvent.change(screen.getByLabelText("Назва підрозділу"), { target: { value: "  Мобільна група 3 " } });
    fireEvent.click(screen.getByRole("button", { name: "Зберегти" }));
    expect(onUnitNameChange).toHaveBeenCalledWith("Мобільна група 3");
    expect(screen.getByText("Збережено.")).toBeTruthy();
  });
});

describe("Settings: watch folder", () => {
  it("starts watching into the newest undecided inspection, lists imports, stops", async () => {
    const open = testView({ created_ms: 5, tractor: "AA1234BC" });
    const transport = createMemoryTransport({ unit: "MOBILE-1", seed: [{ view: open, sync: "acknowledged" }] });
    transport.actAs("OF-1");
    renderWith(<Settings {...SETTINGS} />, { transport });
    expect(await screen.findByText("Not watching.")).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>("watch-stop").disabled).toBe(true);
    expect(screen.getByText("Nothing imported since the app started.")).toBeTruthy();
    await waitFor(() => expect(screen.getByRole("option", { name: /^Inspection AA1234BC/ })).toBeTruthy());

    fireEvent.change(screen.getByTestId("watch-folder"), { target: { value: "/scanner/out" } });
    fireEvent.click(screen.getByTestId("watch-start"));
    expect(await screen.findByText("Watching /scanner/out.")).toBeTruthy();
    expect(await transport.watchState()).toEqual({ folder: "/scanner/out", inspection: null });

    await transport.scannerDrops("TRK_7_high.tif", "TRK_7_low.tif");
    await transport.scannerDrops("broken_damaged.tif");
    expect(await screen.findByText("TRK_7_high.tif: imported.")).toBeTruthy();
    expect(screen.getByText(/^broken_damaged\.tif: not imported\./)).toBeTruthy();
    expect((await transport.getInspection(open.id)).scans).toHaveLength(1);

    fireEvent.click(screen.getByTestId("watch-stop"));
    expect(await screen.findByText("Not watching.")).toBeTruthy();
  });

  it("sends new scans to the inspection chosen", async () => {
    const a = testView({ created_ms: 5, tractor: "AA1234BC" });
    const b = testView({ created_ms: 9, tractor: "KA0021XP" });
    const transport = createMemoryTransport({ unit: "MOBILE-1", seed: [a, b].map((view) => ({ view, sync: "acknowledged" as const })) });
    renderWith(<Settings {...SETTINGS} />, { transport });
    await screen.findByRole("option", { name: /^Inspection AA1234BC/ });
    fireEvent.change(screen.getByTestId("watch-folder"), { target: { value: "D:\\scans" } });
    fireEvent.change(screen.getByTestId("watch-target"), { target: { value: a.id } });
    fireEvent.click(screen.getByTestId("watch-start"));
    await screen.findByText("Watching D:\\scans.");
    expect(await transport.watchState()).toEqual({ folder: "D:\\scans", inspection: a.id });
  });
});

describe("Settings: training items in live scans (TIP)", () => {
  it("is off by default; choosing a rate saves it through the vehicle", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1" });
    const set = vi.spyOn(transport, "setLiveTipRate");
    renderWith(<Settings {...SETTINGS} />, { transport });
    const group = await screen.findByRole("group", { name: "Training items in live scans (TIP)" });
    await waitFor(() => expect(screen.getByRole<HTMLInputElement>("radio", { name: "Off" }).checked).toBe(true));
    expect(within(group).getAllByRole("radio").map((r) => r.closest("label")?.textContent)).toEqual(["Off", "1 in 50", "1 in 20", "1 in 10"]);
    expect(screen.getByText(/^Such items are exercises only: each is told at once/)).toBeTruthy();

    fireEvent.click(screen.getByRole("radio", { name: "1 in 20" }));
    await waitFor(() => expect(screen.getByRole<HTMLInputElement>("radio", { name: "1 in 20" }).checked).toBe(true));
    expect(set).toHaveBeenCalledWith(0.05);
    expect(await transport.liveTipRate()).toBe(0.05);
    fireEvent.click(screen.getByRole("radio", { name: "Off" }));
    await waitFor(() => expect(set).toHaveBeenLastCalledWith(0));
    expect(await transport.liveTipRate()).toBe(0);
  });

  it("shows a rate set elsewhere as it is, in Ukrainian too", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1" });
    await transport.setLiveTipRate(1);
    renderWith(<Settings {...SETTINGS} />, { transport, lang: "uk" });
    const group = await screen.findByRole("group", { name: "Навчальні предмети в робочих знімках (TIP)" });
    await waitFor(() => expect(within(group).getAllByRole("radio")).toHaveLength(5));
    const checked = within(group).getAllByRole<HTMLInputElement>("radio").find((r) => r.checked);
    expect(checked?.closest("label")?.textContent).toMatch(/^100\s?% знімків$/u);
    fireEvent.click(within(group).getByRole("radio", { name: "1 з 10" }));
    await waitFor(async () => expect(await transport.liveTipRate()).toBe(0.1));
  });
});
