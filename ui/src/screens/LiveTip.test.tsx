// @vitest-environment jsdom
// Projection in live work on the inspection screen, over the in-memory
// vehicle: at a rate that chooses the scan, the viewer opens the
// projection's image with nothing saying so; a mark on the item is the hit
// (told at once, nothing recorded on the inspection, the real scan again),
// a mark elsewhere the crew's own (recorded as usual), a decision with the
// item unmarked the miss (told at once, the decision recorded). At rate 0,
// the real scan and nothing else. The viewer's engine is the fake one: 0.1
// screen px per image px, so a drag at (x, y) is at image pixel (10x, 10y).
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testView } from "../domain/testViews.ts";
import { en } from "../i18n/en.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import { liveTipItem } from "../transport/memoryTrainee.ts";
import type { Scan, TrainingItem } from "../transport/types.ts";
import { renderWith } from "../test/renderWith.tsx";
import { InspectionScreen } from "./InspectionScreen.tsx";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const WIDTH = 4800;
const HEIGHT = 1600;

/** A dual-energy scan (the vehicle projects only into those). */
function dualScan(id: string, name: string): Scan {
  const image = (energy: "high" | "low", blob: string) => ({ blob, size: 1, width: WIDTH, height: HEIGHT, bits: 16, channels: 1, format: "tiff", energy });
  return { id, images: [image("high", id), image("low", `${id}-low`)], name, scanner: null, captured_ms: null, pixel_mm: null, added_ms: 0, added_by: "OF-1" };
}

const SCAN = dualScan("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2", "T1_high.tif");
const ITEM: TrainingItem = liveTipItem(SCAN.id, WIDTH, HEIGHT);
const KIND = en[`training.item.${ITEM.kind}` as keyof typeof en];

async function setup(opts: { rate?: number; lang?: "en" | "uk" } = {}) {
  const view = testView({ tractor: "BH9975TO", scans: [SCAN], created_ms: Date.UTC(2026, 10, 5) });
  // An earlier inspection of the same truck, to compare with.
  const earlier = testView({ tractor: "BH9975TO", scans: [dualScan(`${"e".repeat(63)}1`, "E_high.tif")], created_ms: Date.UTC(2026, 10, 3) });
  const transport = createMemoryTransport({
    unit: "MOBILE-1",
    seed: [view, earlier].map((v) => ({ view: v, sync: "acknowledged" as const })),
  });
  transport.actAs("OF-1742");
  if (opts.rate !== undefined) await transport.setLiveTipRate(opts.rate);
  const spies = {
    liveTip: vi.spyOn(transport, "liveTip"),
    liveTipMark: vi.spyOn(transport, "liveTipMark"),
    liveTipMissed: vi.spyOn(transport, "liveTipMissed"),
    annotate: vi.spyOn(transport, "annotate"),
    decide: vi.spyOn(transport, "decide"),
  };
  // The projection's clock, moved by hand.
  let clock = 0;
  const later = (ms: number): void => {
    clock += ms;
  };
  renderWith(<InspectionScreen id={view.id} clock={() => clock} />, { transport, lang: opts.lang ?? "en" });
  return { view, transport, later, ...spies };
}

/** Waits for the viewer to be ready on `scan`; its drawing area. */
async function viewerOn(scan: string): Promise<HTMLElement> {
  await waitFor(() => {
    const v = screen.getByTestId("scan-viewer");
    expect([v.getAttribute("data-scan"), v.getAttribute("data-state")]).toEqual([scan, "ready"]);
  });
  return screen.getByTestId("scan-viewer").querySelector(".viewer-stage-wrap") as HTMLElement;
}

/** The projection's image: the one image of the live attempt made for the scan. */
async function projectionOf(transport: ReturnType<typeof createMemoryTransport>): Promise<{ attempt: string; scan: string }> {
  const [live] = await transport.trainingAttempts();
  expect(live?.live).toBe(true);
  const attempt = await transport.trainingAttempt(live!.id);
  return { attempt: live!.id, scan: attempt.images[0]!.scan };
}

function drag(el: HTMLElement, from: [number, number], to: [number, number]): void {
  fireEvent.pointerDown(el, { clientX: from[0], clientY: from[1], button: 0, pointerId: 1 });
  fireEvent.pointerMove(el, { clientX: to[0], clientY: to[1], button: 0, pointerId: 1 });
  fireEvent.pointerUp(el, { clientX: to[0], clientY: to[1], button: 0, pointerId: 1 });
}

/** A rectangle with the rectangle tool, in screen pixels of the fake engine. */
function mark(stage: HTMLElement, from: [number, number], to: [number, number]): void {
  if (screen.getByTestId("tool-rect").getAttribute("aria-pressed") !== "true") fireEvent.click(screen.getByTestId("tool-rect"));
  drag(stage, from, to);
}

const [IX, IY, IW, IH] = ITEM.bbox;
/** Screen points over the item's middle, and well left of the load (the item is always inside it). */
const ON_ITEM: [[number, number], [number, number]] = [
  [(IX + IW / 4) / 10, (IY + IH / 4) / 10],
  [(IX + (3 * IW) / 4) / 10, (IY + (3 * IH) / 4) / 10],
];
const OFF_ITEM: [[number, number], [number, number]] = [
  [20, 40],
  [60, 90],
];

function decide(outcome: RegExp): void {
  fireEvent.click(screen.getByRole("radio", { name: outcome }));
  fireEvent.click(screen.getByRole("button", { name: /Record decision/ }));
}

describe("projection in live work, on the inspection screen", () => {
  it("shows the projection in place of the scan, with nothing saying so", async () => {
    const { view, transport, liveTip } = await setup({ rate: 1 });
    await waitFor(() => expect(liveTip).toHaveBeenCalledWith(view.id, SCAN.id));
    const projection = await projectionOf(transport);
    expect(projection.scan).not.toBe(SCAN.id);
    await viewerOn(projection.scan);
    // The same screen as for any scan: no notice, no word of training.
    expect(screen.queryByTestId("live-tip-notice")).toBeNull();
    expect(screen.queryByTestId("training-banner")).toBeNull();
    expect(document.body.textContent).not.toMatch(/TIP|[Tt]raining/);
    expect(screen.getByRole("button", { name: "Open scan T1_high.tif" }).getAttribute("aria-pressed")).toBe("true");
  });

  it("keeps the projection in place when the scan is compared with an earlier inspection's", async () => {
    const { transport } = await setup({ rate: 1 });
    await waitFor(async () => expect((await transport.trainingAttempts()).length).toBe(1));
    const projection = await projectionOf(transport);
    await viewerOn(projection.scan);
    fireEvent.click(await screen.findByTestId("history-compare"));
    const compare = await screen.findByTestId("scan-comparison");
    await waitFor(() => {
      const [current] = within(compare).getAllByTestId("scan-viewer");
      expect(current!.getAttribute("data-scan")).toBe(projection.scan);
    });
  });

  it("takes a mark on the item as the hit: told at once, nothing recorded on the inspection, the real scan again", async () => {
    const { view, transport, later, liveTipMark, annotate } = await setup({ rate: 1 });
    await waitFor(async () => expect((await transport.trainingAttempts()).length).toBe(1));
    const projection = await projectionOf(transport);
    const stage = await viewerOn(projection.scan);
    later(7_000);
    mark(stage, ...ON_ITEM);

    const notice = await screen.findByTestId("live-tip-notice");
    expect(notice.getAttribute("role")).toBe("alert");
    expect(notice.getAttribute("data-outcome")).toBe("hit");
    expect(notice.textContent).toContain(`Training item (TIP): ${KIND}, found. This was an exercise; nothing was recorded on the inspection.`);
    expect(liveTipMark).toHaveBeenCalledWith(projection.attempt, { mark: [IX + IW / 4, IY + IH / 4, IW / 2, IH / 2], time_ms: 7_000 });
    // No kind asked, nothing recorded on the inspection.
    expect(screen.queryByTestId("annotation-kind")).toBeNull();
    expect(annotate).not.toHaveBeenCalled();
    expect((await transport.getInspection(view.id)).annotations).toEqual([]);
    // The real scan again, the item's place framed on it while the notice stands.
    await viewerOn(SCAN.id);
    const box = screen.getByTestId("scan-viewer").querySelector("rect.training-item");
    expect([box?.getAttribute("x"), box?.getAttribute("y"), box?.getAttribute("width"), box?.getAttribute("height")]).toEqual(ITEM.bbox.map(String));
    // Recorded on the attempt: a hit, in 7 s.
    const attempt = await transport.trainingAttempt(projection.attempt);
    expect(attempt.images[0]).toMatchObject({ outcome: "hit", item: { kind: ITEM.kind }, answer: { decision: "suspect", time_ms: 7_000 } });

    fireEvent.click(screen.getByTestId("live-tip-dismiss"));
    expect(screen.queryByTestId("live-tip-notice")).toBeNull();
    expect(screen.getByTestId("scan-viewer").querySelector("rect.training-item")).toBeNull();
  });

  it("records a mark elsewhere on the inspection as usual, and the projection stays", async () => {
    const { view, transport, liveTipMark, annotate } = await setup({ rate: 1 });
    await waitFor(async () => expect((await transport.trainingAttempts()).length).toBe(1));
    const projection = await projectionOf(transport);
    const stage = await viewerOn(projection.scan);
    mark(stage, ...OFF_ITEM);
    await waitFor(() => expect(liveTipMark).toHaveBeenCalledTimes(1));
    fireEvent.change(await screen.findByTestId("annotation-kind"), { target: { value: "void" } });
    fireEvent.click(screen.getByTestId("annotation-save"));
    await waitFor(() => expect(screen.getAllByTestId("annotation-item")).toHaveLength(1));
    // On the real scan's record, as drawn.
    expect(annotate).toHaveBeenCalledWith(view.id, { scan: SCAN.id, kind: "void", shape: { type: "rect", x: 200, y: 400, w: 400, h: 500 }, label: "" });
    expect((await transport.getInspection(view.id)).annotations).toHaveLength(1);
    expect(screen.queryByTestId("live-tip-notice")).toBeNull();
    expect(screen.getByTestId("scan-viewer").getAttribute("data-scan")).toBe(projection.scan);
    expect((await transport.trainingAttempt(projection.attempt)).images[0]!.answer).toBeNull();
  });

  it("takes a decision with the item unmarked as the miss: told at once, the decision recorded as made", async () => {
    const { view, transport, later, liveTipMissed, decide: decideSpy } = await setup({ rate: 1 });
    await waitFor(async () => expect((await transport.trainingAttempts()).length).toBe(1));
    const projection = await projectionOf(transport);
    await viewerOn(projection.scan);
    later(12_000);
    decide(/^Release/);

    const notice = await screen.findByTestId("live-tip-notice");
    expect(notice.getAttribute("data-outcome")).toBe("miss");
    expect(notice.textContent).toContain(`A training item (TIP) was in scan T1_high.tif: ${KIND}, not marked. This was an exercise; your decision is recorded as made.`);
    expect(decideSpy).toHaveBeenCalledWith(view.id, { outcome: "release", reasons: [], note: "" });
    expect(liveTipMissed).toHaveBeenCalledWith(projection.attempt, 12_000);
    const stored = await transport.getInspection(view.id);
    expect(stored.decisions.map((d) => d.outcome)).toEqual(["release"]);
    expect(screen.getByTestId("current-outcome").textContent).toBe("Current outcome: Release");
    await viewerOn(SCAN.id);
    expect((await transport.trainingAttempt(projection.attempt)).images[0]).toMatchObject({ outcome: "miss", answer: { decision: "clear", marks: [], time_ms: 12_000 } });
  });

  it("tells the miss in Ukrainian", async () => {
    const { transport } = await setup({ rate: 1, lang: "uk" });
    await waitFor(async () => expect((await transport.trainingAttempts()).length).toBe(1));
    await viewerOn((await projectionOf(transport)).scan);
    fireEvent.click(screen.getByRole("radio", { name: /^Випуск/ }));
    fireEvent.click(screen.getByRole("button", { name: /Зафіксувати рішення/ }));
    const notice = await screen.findByTestId("live-tip-notice");
    expect(notice.textContent).toMatch(/^!У знімку T1_high\.tif був навчальний предмет \(TIP\): .+ — не позначено\. Це була вправа; ваше рішення записано як ухвалене\./);
  });

  it("shows the real scan once the projection is answered, when the inspection is opened again", async () => {
    const { view, transport } = await setup({ rate: 1 });
    await waitFor(async () => expect((await transport.trainingAttempts()).length).toBe(1));
    const projection = await projectionOf(transport);
    await transport.liveTipMissed(projection.attempt, 1_000);
    cleanup();
    renderWith(<InspectionScreen id={view.id} />, { transport });
    await viewerOn(SCAN.id);
    expect(screen.queryByTestId("live-tip-notice")).toBeNull();
    expect(await transport.trainingAttempts()).toHaveLength(1);
  });

  it("at rate 0 (the default) shows the real scan, and marks and decisions are as they always were", async () => {
    const { view, transport, liveTip, liveTipMark, liveTipMissed } = await setup();
    const stage = await viewerOn(SCAN.id);
    expect(liveTip).toHaveBeenCalledWith(view.id, SCAN.id);
    mark(stage, ...ON_ITEM);
    fireEvent.change(await screen.findByTestId("annotation-kind"), { target: { value: "density_anomaly" } });
    fireEvent.click(screen.getByTestId("annotation-save"));
    await waitFor(() => expect(screen.getAllByTestId("annotation-item")).toHaveLength(1));
    decide(/^Detain/);
    await waitFor(() => expect(screen.getByTestId("current-outcome").textContent).toBe("Current outcome: Detain"));
    expect(screen.queryByTestId("live-tip-notice")).toBeNull();
    expect(screen.getByTestId("scan-viewer").getAttribute("data-scan")).toBe(SCAN.id);
    expect(liveTipMark).not.toHaveBeenCalled();
    expect(liveTipMissed).not.toHaveBeenCalled();
    expect(await transport.trainingAttempts()).toEqual([]);
    const stored = await transport.getInspection(view.id);
    expect([stored.annotations.length, stored.decisions.length]).toEqual([1, 1]);
  });

  it("shows the real scan when asking fails", async () => {
    const view = testView({ scans: [SCAN] });
    const transport = createMemoryTransport({ unit: "MOBILE-1", seed: [{ view, sync: "acknowledged" }] });
    transport.actAs("OF-1742");
    await transport.setLiveTipRate(1);
    vi.spyOn(transport, "liveTip").mockRejectedValue(new Error("the scan's image is not available here"));
    renderWith(<InspectionScreen id={view.id} />, { transport });
    await viewerOn(SCAN.id);
    expect(await transport.trainingAttempts()).toEqual([]);
  });
});
