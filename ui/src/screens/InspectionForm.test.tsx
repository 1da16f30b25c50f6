// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryTransport } from "../transport/memory.ts";
import type { InspectionView } from "../transport/types.ts";
import { renderWith } from "../test/renderWith.tsx";
import { InspectionForm } from "./InspectionForm.tsx";

afterEach(cleanup);

function setup(lang: "en" | "uk" = "en") {
  const transport = createMemoryTransport({ unit: "MOBILE-1" });
  transport.actAs("OF-1742");
  const onCreated = vi.fn<(v: InspectionView) => void>();
  const create = vi.spyOn(transport, "createInspection");
  renderWith(<InspectionForm onCreated={onCreated} onCancel={() => undefined} />, { transport, lang });
  return { onCreated, create };
}

const type = (label: string | RegExp, value: string): void => {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
};

describe("InspectionForm", () => {
  it("validates a container code live while it is typed", () => {
    setup();
    const input = screen.getByLabelText("Container 1");
    const msg = screen.getByTestId("container-1-msg");

    type("Container 1", "CSQU30");
    expect(msg.textContent).toBe("Keep typing: 6 of 11 characters.");
    expect(input.getAttribute("aria-invalid")).toBe("false");

    type("Container 1", "CSQU3054384");
    expect(msg.textContent).toBe("Check digit is 4, it should be 3. Read the code on the container again.");
    expect(input.getAttribute("aria-invalid")).toBe("true");

    type("Container 1", "CSQX");
    expect(msg.textContent).toBe("The 4th letter (category) must be U, J or Z, not X.");

    type("Container 1", "csqu 305438-3");
    expect(msg.textContent).toBe("Valid: CSQU3054383");
    expect(input.getAttribute("aria-invalid")).toBe("false");
  });

  it("shows the check-digit message in Ukrainian too", () => {
    setup("uk");
    type("Контейнер 1", "CSQU3054384");
    expect(screen.getByTestId("container-1-msg").textContent).toBe(
      "Контрольна цифра 4, а має бути 3. Перечитайте номер на контейнері.",
    );
  });

  it("shows how a plate will be stored", () => {
    setup();
    type("Tractor plate", "АА 1234 ВС");
    expect(screen.getByText("Stored as AA1234BC")).toBeTruthy();
    type("Tractor plate", "AA 12;34");
    expect(screen.getByText("“;” is not a letter or a digit.")).toBeTruthy();
  });

  it("does not send an incomplete form and says what to fix", () => {
    const { create } = setup();
    type("Container 1", "CSQU305");
    fireEvent.click(screen.getByRole("button", { name: /Open inspection/ }));
    expect(screen.getByText("Correct the marked fields first.")).toBeTruthy();
    expect(screen.getByText("Enter the plate.")).toBeTruthy();
    expect(screen.getByLabelText("Container 1").getAttribute("aria-invalid")).toBe("true");
    expect(create).not.toHaveBeenCalled();
  });

  it("sends a valid form with canonical container codes", async () => {
    const { onCreated, create } = setup();
    type("Tractor plate", "АА 1234 ВС");
    type("Trailer plate (optional)", "AI 5678 XT");
    type("Container 1", "csqu 305438 3");
    fireEvent.click(screen.getByRole("button", { name: "Add container" }));
    type("Container 2", "MSKU9070323");
    type("Customs declaration number (optional)", "UA209160/2026/004211");
    fireEvent.click(screen.getByRole("button", { name: /Open inspection/ }));
    await waitFor(() => expect(onCreated).toHaveBeenCalledTimes(1));
    expect(create.mock.calls[0]?.[0]).toMatchObject({
      tractor_plate: "АА 1234 ВС",
      trailer_plate: "AI 5678 XT",
      containers: ["CSQU3054383", "MSKU9070323"],
      declaration: "UA209160/2026/004211",
    });
    expect(onCreated.mock.calls[0]?.[0].tractor_plate?.canonical).toBe("AA1234BC");
  });

  it("flags the same container entered twice", () => {
    setup();
    type("Container 1", "CSQU3054383");
    fireEvent.click(screen.getByRole("button", { name: "Add container" }));
    type("Container 2", "CSQU 305438 3");
    expect(screen.getByTestId("container-2-msg").textContent).toBe("This code is already entered above.");
  });
});
