// @vitest-environment jsdom
// The viewer's React side on a fake engine: OpenSeadragon itself does not
// run in jsdom, so what is checked here is what the viewer asks of the
// engine and what it shows, not OpenSeadragon's drawing.
import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { useState, type ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testView } from "../domain/testViews.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import type { InspectionView, Scan, ViewParams } from "../transport/types.ts";
import { renderWith } from "../test/renderWith.tsx";
import { EngineProvider } from "./EngineContext.tsx";
import { fakeEngineFactory, type FakeEngine } from "./fakeEngine.ts";
import { scanInfoOf } from "../transport/memoryScans.ts";
import type { ScanSource } from "./scanSource.ts";
import { ScanViewer } from "./ScanViewer.tsx";

afterEach(cleanup);

const scan = (id: string, dual: boolean, pixel_mm: number | null): Scan => ({
  id,
  images: [
    { blob: id, size: 1, width: 6000, height: 2000, bits: 16, channels: 1, format: "tiff", energy: dual ? "high" : "single" },
    ...(dual
      ? [{ blob: `${id}l`, size: 1, width: 6000, height: 2000, bits: 16, channels: 1, format: "tiff", energy: "low" as const }]
      : []),
  ],
  name: null,
  scanner: null,
  captured_ms: null,
  pixel_mm,
  added_ms: 0,
  added_by: "OF-1",
});

function Harness(props: { initial: InspectionView; canAnnotate?: boolean }): ReactNode {
  const [view, setView] = useState(props.initial);
  const s = view.scans[0];
  if (s === undefined) return null;
  return (
    <ScanViewer
      inspection={view.id}
      scan={s}
      annotations={view.annotations.filter((a) => a.scan === s.id)}
      canAnnotate={props.canAnnotate ?? true}
      onAnnotated={setView}
    />
  );
}

async function setup(opts: { dual?: boolean; pixel_mm?: number | null; lang?: "en" | "uk" } = {}) {
  const s = scan("scan-1", opts.dual ?? true, opts.pixel_mm === undefined ? 5 : opts.pixel_mm);
  const view = testView({ scans: [s] });
  const transport = createMemoryTransport({ unit: "MOBILE-1", seed: [{ view, sync: "acknowledged" }] });
  transport.actAs("OF-1742");
  const annotate = vi.spyOn(transport, "annotate");
  const tileUrl = vi.spyOn(transport, "tileUrl");
  const { factory, engines } = fakeEngineFactory();
  renderWith(
    <EngineProvider factory={factory}>
      <Harness initial={view} />
    </EngineProvider>,
    { transport, lang: opts.lang ?? "en" },
  );
  await waitFor(() => expect(engines[0]?.sources.length).toBe(1));
  const engine = engines[0] as FakeEngine;
  const root = screen.getByTestId("scan-viewer");
  const stage = root.querySelector(".viewer-stage-wrap") as HTMLElement;
  return { engine, root, stage, annotate, tileUrl, transport, view };
}

const dataView = (root: HTMLElement): ViewParams => JSON.parse(root.getAttribute("data-view") ?? "{}") as ViewParams;

function drag(el: HTMLElement, from: [number, number], to: [number, number], button = 0): void {
  fireEvent.pointerDown(el, { clientX: from[0], clientY: from[1], button, pointerId: 1 });
  fireEvent.pointerMove(el, { clientX: (from[0] + to[0]) / 2, clientY: (from[1] + to[1]) / 2, button, pointerId: 1 });
  fireEvent.pointerMove(el, { clientX: to[0], clientY: to[1], button, pointerId: 1 });
  fireEvent.pointerUp(el, { clientX: to[0], clientY: to[1], button, pointerId: 1 });
}

describe("ScanViewer: tiles", () => {
  it("opens a DZI tile source from ScanInfo whose URLs carry the view", async () => {
    const { engine, root, tileUrl } = await setup();
    const src = engine.sources[0]!;
    expect([src.width, src.height, src.tileSize, src.maxLevel, src.minLevel]).toEqual([6000, 2000, 256, 13, 8]);
    src.getTileUrl(13, 2, 1);
    expect(tileUrl).toHaveBeenLastCalledWith("scan-1", 13, 2, 1, dataView(root));
    expect(dataView(root)).toEqual({ window: null, invert: false, gamma: 1, colormap: "grey", edge: 0, materials: false });
  });

  it("re-renders with new URLs when the view changes (I inverts)", async () => {
    const { engine, root } = await setup();
    const before = engine.sources[0]!.getTileUrl(13, 0, 0);
    fireEvent.keyDown(window, { key: "i", code: "KeyI" });
    expect(dataView(root).invert).toBe(true);
    expect(screen.getByTestId("tool-invert").getAttribute("aria-pressed")).toBe("true");
    await waitFor(() => expect(engine.sources).toHaveLength(2));
    expect(engine.sources[1]!.getTileUrl(13, 0, 0)).not.toBe(before);
  });

  it("counts loaded tiles and times the first full view once", async () => {
    const { engine, root } = await setup();
    expect(root.getAttribute("data-tiles-loaded")).toBe("0");
    expect(root.hasAttribute("data-first-view-ms")).toBe(false);
    act(() => {
      engine.handlers.tileLoaded();
      engine.handlers.tileLoaded();
      engine.handlers.tileLoaded();
      engine.handlers.fullyLoaded();
    });
    expect(root.getAttribute("data-tiles-loaded")).toBe("3");
    const first = root.getAttribute("data-first-view-ms");
    expect(Number(first)).toBeGreaterThanOrEqual(0);
    act(() => engine.handlers.fullyLoaded());
    expect(root.getAttribute("data-first-view-ms")).toBe(first);
  });
});

describe("ScanViewer: tools", () => {
  it("cycles colour maps with C, toggles edges with E, zooms with + - 0", async () => {
    const { engine, root } = await setup();
    fireEvent.keyDown(window, { key: "c", code: "KeyC" });
    fireEvent.keyDown(window, { key: "c", code: "KeyC" });
    expect(dataView(root).colormap).toBe("jet");
    expect(screen.getByTestId<HTMLSelectElement>("colormap").value).toBe("jet");
    fireEvent.keyDown(window, { key: "e", code: "KeyE" });
    expect(dataView(root).edge).toBe(1.5);
    fireEvent.keyDown(window, { key: "+", code: "Equal" });
    fireEvent.keyDown(window, { key: "0", code: "Digit0" });
    expect(engine.calls).toEqual(["zoomBy 1.5", "home"]);
    expect(root.getAttribute("data-zoom")).toBe("0.15000");
    expect(screen.getByTestId("status-zoom").textContent).toBe("Zoom: 15 %");
  });

  it("explains why materials are off for a single-energy scan and ignores M", async () => {
    const { root } = await setup({ dual: false });
    const button = screen.getByTestId<HTMLButtonElement>("tool-materials");
    expect(button.disabled).toBe(true);
    const why = document.getElementById(button.getAttribute("aria-describedby") ?? "");
    expect(why?.textContent).toBe("Materials need a dual-energy scan; this scan has a single energy.");
    fireEvent.keyDown(window, { key: "m", code: "KeyM" });
    expect(dataView(root).materials).toBe(false);
  });

  it("sets the window with the sliders in raw values and returns to automatic", async () => {
    const { root } = await setup();
    const low = screen.getByTestId<HTMLInputElement>("window-low");
    expect([low.min, low.max, low.value]).toEqual(["8000", "62000", "11000"]);
    fireEvent.change(low, { target: { value: "20000" } });
    expect(dataView(root).window).toEqual({ low: 20_000, high: 60_000 });
    fireEvent.change(screen.getByTestId("window-high"), { target: { value: "15000" } });
    expect(dataView(root).window).toEqual({ low: 14_999, high: 15_000 });
    expect(screen.getByTestId("status-window").textContent).toBe("Window: 14,999–15,000");
    fireEvent.click(screen.getByTestId("window-auto"));
    expect(dataView(root).window).toBeNull();
    expect(screen.getByTestId("status-window").textContent).toBe("Window: automatic, 11,000–60,000");
  });

  it("right-drag changes the window without choosing a tool", async () => {
    const { root, stage } = await setup();
    drag(stage, [100, 100], [100, 200], 2);
    const w = dataView(root).window;
    expect(w).not.toBeNull();
    // Down raises the level: both ends move up by the same amount.
    expect(w!.low).toBeGreaterThan(11_000);
    expect(w!.high - w!.low).toBe(49_000);
  });

  it("measures in image pixels and shows metres when the pixel size is known", async () => {
    const { engine, stage } = await setup({ pixel_mm: 5 });
    fireEvent.click(screen.getByTestId("tool-ruler"));
    expect(engine.mouseNav).toBe(false);
    // Fake view: 0.1 screen px per image px, so (10,10)→(40,50) is 300×400 image px.
    drag(stage, [10, 10], [40, 50]);
    expect(screen.getByTestId("ruler-length").textContent).toBe("Length: 2.50 m");
    expect(screen.getByTestId("status-pixel").textContent).toBe("Pixel: 400, 500");
  });

  it("measures in pixels, with a note, when the scanner gave no pixel size (Ukrainian)", async () => {
    const { stage } = await setup({ pixel_mm: null, lang: "uk" });
    fireEvent.keyDown(window, { key: "к", code: "KeyR" });
    drag(stage, [0, 0], [30, 40]);
    expect(screen.getByTestId("ruler-length").textContent).toBe("Довжина: 500 пікс.");
    expect(screen.getByText("Сканер не вказав розмір пікселя: довжину подано в пікселях зображення.")).toBeTruthy();
  });
});

describe("ScanViewer: marks", () => {
  it("draws a rectangle backwards, asks for its kind, saves it in image pixels", async () => {
    const { annotate, stage, view, engine } = await setup();
    fireEvent.keyDown(window, { key: "a", code: "KeyA" });
    expect(screen.getByTestId("tool-rect").getAttribute("aria-pressed")).toBe("true");
    drag(stage, [50, 40], [20, 10]);
    const save = screen.getByTestId<HTMLButtonElement>("annotation-save");
    expect(save.disabled).toBe(true);
    fireEvent.change(screen.getByTestId("annotation-kind"), { target: { value: "double_wall" } });
    fireEvent.change(screen.getByLabelText("Note (optional)"), { target: { value: "behind the cab" } });
    fireEvent.click(save);
    await waitFor(() => expect(screen.getAllByTestId("annotation-item")).toHaveLength(1), { timeout: 3000 });
    expect(annotate).toHaveBeenCalledWith(view.id, {
      scan: "scan-1",
      kind: "double_wall",
      shape: { type: "rect", x: 200, y: 100, w: 300, h: 300 },
      label: "behind the cab",
    });
    expect(screen.getByTestId("annotation-item").textContent).toContain("Double wall");
    expect(screen.queryByTestId("annotation-kind")).toBeNull();
    await waitFor(() => expect(engine.mouseNav).toBe(true));
  });

  it("simplifies a free-hand path before it is saved", async () => {
    const { annotate, stage } = await setup();
    fireEvent.click(screen.getByTestId("tool-free"));
    fireEvent.pointerDown(stage, { clientX: 0, clientY: 0, button: 0, pointerId: 1 });
    for (let i = 1; i <= 100; i++) fireEvent.pointerMove(stage, { clientX: i, clientY: 0, pointerId: 1 });
    for (let i = 1; i <= 100; i++) fireEvent.pointerMove(stage, { clientX: 100, clientY: i, pointerId: 1 });
    fireEvent.pointerUp(stage, { clientX: 100, clientY: 100, pointerId: 1 });
    fireEvent.change(screen.getByTestId("annotation-kind"), { target: { value: "void" } });
    fireEvent.click(screen.getByTestId("annotation-save"));
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1), { timeout: 3000 });
    expect(annotate.mock.calls[0]![1].shape).toEqual({
      type: "free",
      points: [
        [0, 0],
        [1000, 0],
        [1000, 1000],
      ],
    });
  });

  it("Esc cancels the drawing before the screen sees the key", async () => {
    const { stage, annotate } = await setup();
    const screenEsc = vi.fn();
    window.addEventListener("keydown", screenEsc);
    try {
      fireEvent.click(screen.getByTestId("tool-rect"));
      drag(stage, [10, 10], [30, 30]);
      // Esc from the form's own field discards the mark.
      fireEvent.keyDown(screen.getByTestId("annotation-kind"), { key: "Escape", code: "Escape" });
      expect(screen.queryByTestId("annotation-kind")).toBeNull();
      expect(screenEsc.mock.calls[0]?.[0]).toMatchObject({ defaultPrevented: true });
      // Nothing left to cancel: Esc goes to the screen.
      fireEvent.keyDown(window, { key: "Escape", code: "Escape" });
      expect(screenEsc.mock.calls[1]?.[0]).toMatchObject({ defaultPrevented: false });
      expect(annotate).not.toHaveBeenCalled();
    } finally {
      window.removeEventListener("keydown", screenEsc);
    }
  });

  it("hides and shows the mark layer with L", async () => {
    const { root } = await setup();
    const layer = screen.getByTestId("tool-layer");
    expect(layer.getAttribute("aria-pressed")).toBe("true");
    fireEvent.keyDown(window, { key: "l", code: "KeyL" });
    expect(layer.getAttribute("aria-pressed")).toBe("false");
    expect(root.querySelectorAll(".mark")).toHaveLength(0);
  });
});

describe("ScanViewer: the ScanSource seam", () => {
  /** A source that is not a crew Transport: what the supervisor console gives. */
  function plainSource(s: Scan) {
    const calls: string[] = [];
    const source: ScanSource = {
      scanInfo: (id) => {
        calls.push(`scanInfo ${id}`);
        return Promise.resolve(scanInfoOf(s));
      },
      tileUrl: (id, level, x, y) => `https://console.example/api/scans/${id}/tiles/${level}/${x}/${y}`,
      thumbnailUrl: (id, side) => `https://console.example/api/scans/${id}/thumbnail?size=${side}`,
      annotate: () => Promise.reject(new Error("not used")),
    };
    return { source, calls };
  }

  it("takes scans and tiles from the ScanSource in context, and shows no mark tools when marks may not be added", async () => {
    const s = scan("scan-9", true, 5);
    const view = testView({ scans: [s] });
    const { source, calls } = plainSource(s);
    const { factory, engines } = fakeEngineFactory();
    // The transport has no such scan: everything must come from the source.
    renderWith(
      <ScanViewer inspection={view.id} scan={s} annotations={[]} />,
      { transport: createMemoryTransport(), source, engines: factory },
    );
    await waitFor(() => expect(engines[0]?.sources.length).toBe(1));
    expect(calls).toEqual(["scanInfo scan-9"]);
    expect(engines[0]!.sources[0]!.getTileUrl(13, 1, 2)).toBe("https://console.example/api/scans/scan-9/tiles/13/1/2");
    expect(screen.queryByTestId("tool-rect")).toBeNull();
    expect(screen.queryByTestId("tool-free")).toBeNull();
    fireEvent.keyDown(window, { key: "a", code: "KeyA" });
    expect(screen.queryByTestId("annotation-kind")).toBeNull();
    // Reading tools stay.
    expect(screen.getByTestId("tool-ruler")).toBeTruthy();
  });

  it("draws its tools as a rail of icon buttons that name themselves and their key", async () => {
    await setup();
    const rail = screen.getByRole("toolbar", { name: "Image tools" });
    const invert = within(rail).getByRole("button", { name: "Invert" });
    expect(invert.getAttribute("title")).toBe("Invert (I)");
    expect(invert.querySelector("svg")).not.toBeNull();
    expect(within(rail).getByRole("button", { name: "Zoom in" }).getAttribute("title")).toBe("Zoom in (+)");
    expect(within(rail).getByRole("button", { name: "Rectangle mark" }).getAttribute("aria-pressed")).toBe("false");
  });

  it("puts its settings and the list of marks where the page says (a side panel)", async () => {
    const s = scan("scan-2", false, null);
    const view = testView({ scans: [s] });
    const transport = createMemoryTransport({ unit: "MOBILE-1", seed: [{ view, sync: "acknowledged" }] });
    const panel = document.createElement("aside");
    document.body.append(panel);
    try {
      renderWith(<ScanViewer inspection={view.id} scan={s} annotations={[]} settingsTarget={panel} />, { transport });
      await waitFor(() => expect(panel.querySelector('[data-testid="window-low"]')).not.toBeNull());
      expect(panel.querySelector("h2")?.textContent).toBe("Image settings");
      expect(panel.textContent).toContain("Marks on this scan");
      expect(screen.getByTestId("scan-viewer").querySelector('[data-testid="window-low"]')).toBeNull();
    } finally {
      cleanup();
      panel.remove();
    }
  });
});
