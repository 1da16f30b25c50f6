// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState, type ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import styles from "../styles.css?raw";
import { Workstation } from "./Workstation.tsx";

afterEach(cleanup);

function Harness(props: { rail?: ReactNode }): ReactNode {
  const [open, setOpen] = useState(true);
  const [typed, setTyped] = useState("");
  return (
    <Workstation
      label="Inspection AA1234BC"
      header={<h1>Inspection AA1234BC</h1>}
      {...(props.rail === undefined ? {} : { rail: props.rail })}
      main={<div data-testid="image">image</div>}
      strip={<p>strip</p>}
      panel={<input aria-label="Notes" value={typed} onChange={(e) => setTyped(e.target.value)} />}
      panelLabel="Details"
      panelOpen={open}
      onPanelOpenChange={setOpen}
      panelToggle={{ show: "Show the side panel", hide: "Hide the side panel", keys: "]" }}
      toggleKey={{ key: "]", code: "BracketRight" }}
    />
  );
}

/** The declarations of a CSS rule, by its exact selector. */
function rule(selector: string): string {
  const at = styles.indexOf(`\n${selector} {`);
  if (at === -1) throw new Error(`no rule ${selector}`);
  return styles.slice(at, styles.indexOf("}", at));
}

describe("Workstation", () => {
  it("lays out header, main region, strip and side panel, with the rail when given", () => {
    render(<Harness rail={<button type="button">tool</button>} />);
    const root = screen.getByRole("region", { name: "Inspection AA1234BC" });
    expect(root.className).toBe("workstation");
    expect(root.querySelector(".ws-header h1")?.textContent).toBe("Inspection AA1234BC");
    expect(screen.getByTestId("workstation-main").contains(screen.getByTestId("image"))).toBe(true);
    expect(root.querySelector(".ws-rail button")?.textContent).toBe("tool");
    expect(root.querySelector(".ws-strip")?.textContent).toBe("strip");
    expect(screen.getByRole("complementary", { name: "Details" })).toBe(screen.getByTestId("workstation-panel"));
  });

  it("has no region that scrolls the image away: only the side panel scrolls", () => {
    render(<Harness />);
    const main = screen.getByTestId("workstation-main");
    // The main region holds the image only; the panel is beside it, not under it.
    expect(main.className).toBe("ws-main");
    expect(main.closest(".ws-body")?.nextElementSibling).toBe(screen.getByTestId("workstation-panel"));
    expect(rule(".workstation")).toContain("overflow: hidden");
    expect(rule(".ws-body")).toContain("overflow: hidden");
    expect(rule(".ws-main")).toContain("overflow: hidden");
    expect(rule(".ws-panel")).toContain("overflow-y: auto");
    // Nor does the window: the app is exactly the window's height.
    expect(rule(".app")).toContain("height: 100dvh");
    expect(rule(".app")).toContain("overflow: hidden");
    expect(rule(".main.main-workstation")).toContain("overflow: hidden");
  });

  it("collapses and restores the side panel with its button and with ], keeping what was typed", () => {
    render(<Harness />);
    const panel = screen.getByTestId("workstation-panel");
    fireEvent.change(screen.getByLabelText("Notes"), { target: { value: "seal checked" } });
    const toggle = screen.getByRole("button", { name: "Hide the side panel" });
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(toggle.getAttribute("aria-controls")).toBe(panel.id);
    expect(toggle.getAttribute("title")).toBe("Hide the side panel (])");

    fireEvent.click(toggle);
    expect(panel.hidden).toBe(true);
    expect(screen.getByRole("region", { name: "Inspection AA1234BC" }).getAttribute("data-panel")).toBe("closed");
    expect(screen.getByRole("button", { name: "Show the side panel" }).getAttribute("aria-expanded")).toBe("false");

    fireEvent.keyDown(window, { key: "]", code: "BracketRight" });
    expect(panel.hidden).toBe(false);
    // Hidden, not removed: nothing typed in the panel is lost.
    expect(screen.getByLabelText<HTMLInputElement>("Notes").value).toBe("seal checked");
    // The Ukrainian layout types "ї" on that key: the physical key counts.
    fireEvent.keyDown(window, { key: "ї", code: "BracketRight" });
    expect(panel.hidden).toBe(true);
  });

  it("does not take the key while typing in a field", () => {
    render(<Harness />);
    fireEvent.keyDown(screen.getByLabelText("Notes"), { key: "]", code: "BracketRight" });
    expect(screen.getByTestId("workstation-panel").hidden).toBe(false);
  });
});
