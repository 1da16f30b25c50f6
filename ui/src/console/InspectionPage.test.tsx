// @vitest-environment jsdom
// One inspection on the console: the verdict form's rules (overrule needs
// the outcome and a comment, return needs a comment), its keys, what an
// auditor sees (no verdict, no mark tools), the hotlist alerts at the top
// of the side panel, the reads' pictures from the server, a scan still
// arriving, and the session running out.

import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { anprRead, decided, plate, testView } from "../domain/testViews.ts";
import { renderConsole } from "../test/renderConsole.tsx";
import { TransportError } from "../transport/errors.ts";
import { createConsoleMemoryTransport, type Arrival } from "../transport/consoleMemory.ts";
import type { Alert } from "../transport/console.ts";
import type { AnprRead, InspectionView, Scan } from "../transport/types.ts";

afterEach(cleanup);

const NOW = Date.UTC(2026, 10, 24, 12);

const scan = (id: string): Scan => ({
  id,
  images: [{ blob: id, size: 24_000_000, width: 6000, height: 2000, bits: 16, channels: 1, format: "tiff", energy: "single" }],
  name: `${id}.tif`,
  scanner: null,
  captured_ms: null,
  pixel_mm: 5,
  added_ms: NOW - 60_000,
  added_by: "OF-1",
});

function setup(opts: { as?: string; scans?: Scan[]; reads?: AnprRead[]; alerts?: Alert[]; arrivals?: Record<string, Arrival>; lang?: "en" | "uk" } = {}) {
  const view: InspectionView = testView({
    tractor: "AA1234BC",
    created_ms: NOW - 3_600_000,
    decisions: [decided("release", NOW - 3_000_000)],
    scans: opts.scans ?? [],
    ...(opts.reads === undefined ? {} : { reads: opts.reads }),
    ...(opts.alerts === undefined ? {} : { alerts: opts.alerts }),
  });
  const transport = createConsoleMemoryTransport({
    now: () => NOW,
    seed: [{ view }],
    signedIn: opts.as ?? "SUP-07",
    ...(opts.arrivals === undefined ? {} : { arrivals: opts.arrivals }),
  });
  const review = vi.spyOn(transport, "review");
  renderConsole({ transport, route: `/inspections/${view.id}`, ...(opts.lang === undefined ? {} : { lang: opts.lang }) });
  return { transport, review, view };
}

const submit = (): void => {
  fireEvent.click(screen.getByTestId("verdict-submit"));
};
const alerts = (): string[] => within(screen.getByTestId("verdict-panel")).queryAllByRole("alert").map((a) => a.textContent ?? "");

describe("verdict panel", () => {
  it("needs a verdict, then for an overrule the outcome and a comment", async () => {
    const { review } = setup();
    await screen.findByTestId("verdict-panel");
    expect(screen.getByTestId("review-state").getAttribute("data-state")).toBe("unreviewed");
    submit();
    expect(alerts()).toEqual(["Choose agree, overrule or return first."]);
    fireEvent.click(screen.getByTestId("verdict-overrule"));
    submit();
    expect(alerts()).toEqual(["Choose the outcome that replaces the crew's.", "An overrule needs a comment: say why the outcome changes."]);
    fireEvent.click(screen.getByRole("radio", { name: /Detain/ }));
    submit();
    expect(alerts()).toEqual(["An overrule needs a comment: say why the outcome changes."]);
    expect(review).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("checkbox", { name: /Double wall/ }));
    fireEvent.change(screen.getByLabelText("Comment for the crew (required)"), { target: { value: "False floor behind the cab" } });
    submit();
    await waitFor(() => expect(screen.getByTestId("review-state").getAttribute("data-state")).toBe("overruled"));
    expect(review).toHaveBeenCalledWith(expect.any(String), {
      verdict: "overrule",
      outcome: "detain",
      reasons: ["DOUBLE_WALL"],
      comment: "False floor behind the cab",
    });
    expect(screen.getByTestId("current-outcome").textContent).toBe("Detain");
    expect(within(screen.getByTestId("timeline")).getByText("SUP-07: Supervisor overruled")).toBeTruthy();
    // The form is empty again, and the signed record is listed.
    expect(screen.getByTestId<HTMLInputElement>("verdict-overrule").checked).toBe(false);
    expect(within(screen.getByTestId("delivery")).getAllByText("Review")).toHaveLength(1);
  });

  it("a return needs a comment; keys choose the verdict and Ctrl+Enter sends", async () => {
    const { review } = setup();
    await screen.findByTestId("verdict-panel");
    fireEvent.keyDown(document.body, { key: "r", code: "KeyR", altKey: true });
    expect(screen.getByTestId<HTMLInputElement>("verdict-return").checked).toBe(true);
    fireEvent.keyDown(document.body, { key: "Enter", ctrlKey: true });
    expect(alerts()).toEqual(["A return needs a comment: say what the crew should check."]);
    expect(review).not.toHaveBeenCalled();
    const comment = screen.getByLabelText("Comment for the crew (required)");
    fireEvent.change(comment, { target: { value: "Scan the trailer again" } });
    fireEvent.keyDown(comment, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId("review-state").getAttribute("data-state")).toBe("returned"));
    expect(review).toHaveBeenCalledWith(expect.any(String), { verdict: "return", outcome: null, reasons: [], comment: "Scan the trailer again" });
  });

  it("agrees without a comment (Alt+A), and shows the server's refusal in the UI language", async () => {
    const { transport } = setup({ lang: "uk" });
    await screen.findByTestId("verdict-panel");
    fireEvent.keyDown(document.body, { key: "ф", code: "KeyA", altKey: true });
    expect(screen.getByTestId<HTMLInputElement>("verdict-agree").checked).toBe(true);
    vi.spyOn(transport, "review").mockRejectedValueOnce(new TransportError("forbidden", "auditors may not review"));
    submit();
    await waitFor(() => expect(alerts()).toContain("Ваша роль не дозволяє цієї дії.Подробиці: auditors may not review"));
    submit();
    await waitFor(() => expect(screen.getByTestId("review-state").getAttribute("data-state")).toBe("agreed"));
  });
});

describe("roles", () => {
  it("an auditor sees the inspection but no verdict and no mark tools", async () => {
    setup({ as: "AUD-01", scans: [scan("s1")] });
    await screen.findByTestId("inspection");
    await screen.findByTestId("tool-ruler");
    expect(screen.queryByTestId("verdict-panel")).toBeNull();
    expect(screen.getByTestId("read-only")).toBeTruthy();
    expect(screen.queryByTestId("tool-rect")).toBeNull();
    expect(screen.queryByTestId("tool-free")).toBeNull();
    expect(screen.getByTestId("user").textContent).toContain("Auditor");
  });

  it("a supervisor gets the mark tools", async () => {
    setup({ scans: [scan("s1")] });
    await screen.findByTestId("tool-rect");
    expect(screen.getByTestId("tool-free")).toBeTruthy();
  });
});

describe("camera reads", () => {
  it("are in the side panel beside the vehicle, and absent when there are none", async () => {
    setup({ reads: [anprRead({ text: "АА 1234 ВС", plate: plate("АА 1234 ВС"), role: "tractor" }), anprRead({ id: "p2#0" })] });
    const panel = await screen.findByTestId("workstation-panel");
    const reads = within(panel).getByRole("region", { name: "Camera reads (ANPR)" });
    expect(within(reads).getAllByRole("listitem")).toHaveLength(2);
    expect(within(reads).getByText("АА 1234 ВС")).toBeTruthy();
    expect(within(reads).getByText("no plate read")).toBeTruthy();
    cleanup();
    setup();
    await screen.findByTestId("workstation-panel");
    expect(screen.queryByTestId("anpr-reads")).toBeNull();
  });
});

describe("hotlist alerts", () => {
  const hit = (over: Partial<Alert>): Alert => ({
    id: "a1",
    at_ms: NOW - 3_500_000,
    raised_by: "OF-1",
    response: null,
    source: "read",
    read_id: "p9#0",
    role: "tractor",
    seen: "BO1734QA",
    list_id: "l1",
    list: "West",
    entry_id: "e1",
    entry_value: "BO1734OA",
    reason: "Overweight again",
    priority: "high",
    tier: "ocr_equivalent",
    ...over,
  });

  it("come first in the side panel, read only, and the reads' pictures come from the server", async () => {
    const blob = "b".repeat(64);
    const read = anprRead({ id: "p9#0", text: "BO1734QA", plate: plate("BO1734QA"), role: "tractor", images: [{ kind: "plate", blob, size: 10, content_type: "image/jpeg" }] });
    const confirmed = hit({ id: "a2", source: "typed", read_id: null, seen: "AA1234BC", entry_value: "AA1234BC", list: "Wanted", response: { response: "confirmed", note: "Held", officer: "OF-1", at_ms: NOW - 3_000_000 } });
    const { transport } = setup({ reads: [read], alerts: [confirmed, hit({})] });
    const panel = await screen.findByTestId("workstation-panel");
    const card = within(panel).getByTestId("alerts-list");
    expect(panel.querySelector(".c-panel")?.firstElementChild).toBe(card);
    // The unanswered one first; the console only reads them.
    expect(within(card).getAllByTestId("alert-item").map((a) => a.getAttribute("data-open"))).toEqual(["true", "false"]);
    expect(within(card).getByTestId("alert-unanswered")).toBeTruthy();
    expect(within(card).queryByRole("button")).toBeNull();
    const img = within(panel).getByTestId("read-thumb").querySelector("img");
    expect(img?.getAttribute("src")).toBe(transport.readImageUrl(blob));
    expect(img?.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
  });

  it("are absent when the inspection has none", async () => {
    setup();
    await screen.findByTestId("workstation-panel");
    expect(screen.queryByTestId("alerts-list")).toBeNull();
  });
});

describe("scans", () => {
  it("says a scan is still arriving, with the bytes received, and opens it once it has arrived", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      setup({ scans: [scan("s1")], arrivals: { s1: { received: 6_000_000, total: 24_000_000, step: 12_000_000 } } });
      const waiting = await screen.findByTestId("scan-waiting");
      await waitFor(() => expect(waiting.getAttribute("data-state")).toBe("arriving"));
      expect(waiting.textContent).toContain("Received 6 MB of 24 MB (25 %)");
      expect(screen.queryByRole("img")).toBeNull();
      await vi.advanceTimersByTimeAsync(3_000);
      await waitFor(() => expect(screen.getByTestId("scan-waiting").textContent).toContain("(75 %)"));
      await vi.advanceTimersByTimeAsync(6_000);
      await waitFor(() => expect(screen.getByTestId("scan-viewer").getAttribute("data-state")).toBe("ready"));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("session", () => {
  it("goes back to the sign-in when the session expires, and returns to the same inspection", async () => {
    const { transport, view } = setup();
    await screen.findByTestId("verdict-panel");
    transport.expireSession();
    fireEvent.click(screen.getByTestId("verdict-agree"));
    submit();
    await screen.findByTestId("login");
    expect(screen.getByText("Your session has ended. Sign in again to go on where you were.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "SUP-07" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "kordon" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByTestId("inspection");
    expect(screen.getByTestId("inspection").getAttribute("data-inspection")).toBe(view.id);
  });

  it("says a wrong password and a throttled name in the UI language", async () => {
    const transport = createConsoleMemoryTransport({ now: () => NOW, seed: [], maxFailures: 1 });
    renderConsole({ transport, lang: "uk" });
    await screen.findByTestId("login");
    const signIn = (): void => {
      fireEvent.change(screen.getByLabelText("Імʼя"), { target: { value: "SUP-07" } });
      fireEvent.change(screen.getByLabelText("Пароль"), { target: { value: "nope" } });
      fireEvent.click(screen.getByRole("button", { name: "Увійти" }));
    };
    signIn();
    expect((await screen.findByRole("alert")).textContent).toContain("Імʼя або пароль не розпізнано.");
    signIn();
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Забагато невдалих спроб входу з цим іменем."));
    expect(screen.getByRole("alert").textContent).toContain("try again in 5 minutes");
  });
});
