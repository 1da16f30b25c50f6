// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryTransport, makeDevToken } from "../transport/memory.ts";
import { renderWith } from "../test/renderWith.tsx";
import { Settings } from "./Settings.tsx";

afterEach(cleanup);

describe("Settings", () => {
  it("stores an enrollment token, refusing a damaged one in plain words", async () => {
    const transport = createMemoryTransport({ unit: null });
    renderWith(<Settings unitName="" onUnitNameChange={() => undefined} />, { transport });
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
    renderWith(<Settings unitName="" onUnitNameChange={onUnitNameChange} />, {
      transport: createMemoryTransport({ unit: "MOBILE-1" }),
      lang: "uk",
    });
    fireEvent.change(screen.getByLabelText("Назва підрозділу"), { target: { value: "  Мобільна група 3 " } });
    fireEvent.click(screen.getByRole("button", { name: "Зберегти" }));
    expect(onUnitNameChange).toHaveBeenCalledWith("Мобільна група 3");
    expect(screen.getByText("Збережено.")).toBeTruthy();
  });
});
