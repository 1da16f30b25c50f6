import { describe, expect, it } from "vitest";
import { testView, plate } from "../domain/testViews.ts";
import { TransportError } from "./errors.ts";
import { createMemoryTransport } from "./memory.ts";
import type { ImportEvent, Scan, ViewParams } from "./types.ts";

const VIEW: ViewParams = { window: null, invert: false, gamma: 1, colormap: "grey", edge: 0, materials: false };

const scan = (id: string, over: Partial<Scan> = {}): Scan => ({
  id,
  images: [
    { blob: id, size: 10, width: 6000, height: 2000, bits: 16, channels: 1, format: "tiff", energy: "high" },
    { blob: `${id}-low`, size: 10, width: 6000, height: 2000, bits: 16, channels: 1, format: "tiff", energy: "low" },
  ],
  name: "a_high.tif",
  scanner: null,
  captured_ms: null,
  pixel_mm: 5,
  added_ms: 0,
  added_by: "OF-1",
  ...over,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TransportError) return e.code;
    throw e;
  }
  throw new Error("expected a TransportError");
}

let clock = 10_000;
const now = (): number => (clock += 1000);

describe("in-memory transport: scans", () => {
  const v = testView({ scans: [scan("s1")] });
  const t = createMemoryTransport({ now, unit: "MOBILE-1", seed: [{ view: v, sync: "acknowledged" }] });

  it("describes the pyramid with DZI numbering", async () => {
    const info = await t.scanInfo("s1");
    // 2^13 = 8192 ≥ 6000 > 4096: level 13 is full size.
    expect(info).toMatchObject({ width: 6000, height: 2000, tile_size: 256, max_level: 13, planes: 2, pixel_mm: 5 });
    expect(info.stats).toHaveLength(2);
    expect(info.stats[0]!.p_low).toBeLessThan(info.stats[0]!.p_high);
    expect(await codeOf(t.scanInfo("nope"))).toBe("not_found");
  });

  it("gives tile URLs that change with the view, sized to the tile", () => {
    const a = t.tileUrl("s1", 13, 0, 0, VIEW);
    expect(a.startsWith("data:image/svg+xml")).toBe(true);
    expect(t.tileUrl("s1", 13, 0, 0, { ...VIEW, invert: true })).not.toBe(a);
    expect(t.tileUrl("s1", 13, 0, 0, { ...VIEW, window: { low: 20_000, high: 30_000 } })).not.toBe(a);
    expect(t.tileUrl("s1", 13, 1, 0, VIEW)).not.toBe(a);
    // The last column at full size is 6000 - 23 * 256 = 112 pixels wide.
    expect(decodeURIComponent(t.tileUrl("s1", 13, 23, 0, VIEW))).toContain('width="112" height="256"');
    expect(decodeURIComponent(t.thumbnailUrl("s1", 300, VIEW))).toContain('width="300" height="100"');
  });
});

describe("in-memory transport: annotations", () => {
  it("appends marks attributed to the officer and refuses bad ones", async () => {
    const v = testView({ scans: [scan("s2")] });
    const t = createMemoryTransport({ now, unit: "MOBILE-1", seed: [{ view: v, sync: "acknowledged" }] });
    const input = { scan: "s2", kind: "void" as const, shape: { type: "rect" as const, x: 1, y: 2, w: 30, h: 40 }, label: " x " };
    expect(await codeOf(t.annotate(v.id, input))).toBe("not_signed_in");
    t.actAs("OF-7");
    const after = await t.annotate(v.id, input);
    expect(after.annotations).toHaveLength(1);
    expect(after.annotations[0]).toMatchObject({ scan: "s2", kind: "void", label: "x", added_by: "OF-7" });
    expect((await t.status()).pending).toBe(1);
    expect(await codeOf(t.annotate(v.id, { ...input, scan: "other" }))).toBe("invalid_input");
    expect(await codeOf(t.annotate(v.id, { ...input, shape: { type: "rect", x: 0, y: 0, w: 0, h: 5 } }))).toBe("invalid_input");
    expect(await codeOf(t.annotate(v.id, { ...input, shape: { type: "free", points: [[1, 1]] } }))).toBe("invalid_input");
    const free = await t.annotate(v.id, { ...input, kind: "other", shape: { type: "free", points: [[1, 1], [5, 9]] } });
    expect(free.annotations.map((a) => a.kind)).toEqual(["void", "other"]);
  });
});

describe("in-memory transport: vehicle history", () => {
  it("finds other inspections by plate key (either field) or container, newest first", async () => {
    const me = testView({ created_ms: 50, tractor: "АА 1234 ВС", containers: ["CSQU3054383"] });
    const byPlate = testView({ created_ms: 40, tractor: "AA1234BC" });
    const byTrailer = testView({ created_ms: 30, tractor: "KA0021XP", trailer_plate: plate("АА 1234 ВС") });
    const byContainer = testView({ created_ms: 45, tractor: "BO1734OA", containers: ["CSQU3054383"] });
    const other = testView({ created_ms: 20, tractor: "BO1734OA" });
    const t = createMemoryTransport({
      seed: [me, byPlate, byTrailer, byContainer, other].map((view) => ({ view, sync: "acknowledged" as const })),
    });
    expect((await t.vehicleHistory(me.id)).map((r) => r.id)).toEqual([byContainer.id, byPlate.id, byTrailer.id]);
    expect(await codeOf(t.vehicleHistory("nope"))).toBe("not_found");
  });
});

describe("in-memory transport: imports and the watch folder", () => {
  it("imports a dual-energy pair as one scan, reporting started and done", async () => {
    const v = testView();
    const t = createMemoryTransport({ now, unit: "MOBILE-1", seed: [{ view: v, sync: "acknowledged" }] });
    t.actAs("OF-1");
    const events: ImportEvent[] = [];
    t.subscribeImports((e) => events.push(e));
    const r = await t.importScan(v.id, { path: "/d/T_high.tif", low: "/d/T_low.tif", pixel_mm: 4, scanner: null });
    expect(r.scan.images.map((i) => i.energy)).toEqual(["high", "low"]);
    expect(r.scan.pixel_mm).toBe(4);
    expect((await t.getInspection(v.id)).scans.map((s) => s.id)).toEqual([r.scan.id]);
    expect(events.map((e) => [e.file, e.stage])).toEqual([
      ["T_high.tif", "started"],
      ["T_high.tif", "done"],
    ]);
    expect(events[1]?.scan).toBe(r.scan.id);
  });

  it("refuses a file that is not an image, says why in a failed event, stores nothing", async () => {
    const v = testView();
    const t = createMemoryTransport({ now, unit: "MOBILE-1", seed: [{ view: v, sync: "acknowledged" }] });
    t.actAs("OF-1");
    const events: ImportEvent[] = [];
    t.subscribeImports((e) => events.push(e));
    expect(await codeOf(t.importScan(v.id, { path: "C:\\scans\\notes.txt", low: null, pixel_mm: null, scanner: null }))).toBe(
      "invalid_input",
    );
    expect(events.at(-1)).toMatchObject({ file: "notes.txt", stage: "failed", error: { code: "invalid_input" } });
    expect((await t.getInspection(v.id)).scans).toEqual([]);
  });

  it("imports what the scanner drops into the newest undecided inspection, or the one chosen", async () => {
    const older = testView({ created_ms: 1 });
    const newer = testView({ created_ms: 2 });
    const t = createMemoryTransport({
      now,
      unit: "MOBILE-1",
      seed: [older, newer].map((view) => ({ view, sync: "acknowledged" as const })),
    });
    t.actAs("OF-1");
    expect(await t.scannerDrops("a.tif")).toBeNull();
    expect(await t.setWatch({ folder: " /scanner/out/ ", inspection: null })).toEqual({ folder: "/scanner/out/", inspection: null });
    expect((await t.scannerDrops("a.tif"))?.inspection).toBe(newer.id);
    await t.setWatch({ folder: "/scanner/out", inspection: older.id });
    expect((await t.scannerDrops("b.tif"))?.inspection).toBe(older.id);
    expect(await t.watchState()).toEqual({ folder: "/scanner/out", inspection: older.id });
    expect(await codeOf(t.setWatch({ folder: "/x", inspection: "missing" }))).toBe("not_found");
    expect(await t.setWatch({ folder: null, inspection: null })).toEqual({ folder: null, inspection: null });
  });

  it("passes dropped files and the dialog's choice through", async () => {
    const t = createMemoryTransport({ pickFiles: ["/a.tif"] });
    expect(await t.pickScanFiles()).toEqual(["/a.tif"]);
    expect(await createMemoryTransport().pickScanFiles()).toBeNull();
    const got: string[][] = [];
    const stop = t.subscribeFileDrops((p) => got.push(p));
    t.dropFiles(["/x_high.tif", "/x_low.tif"]);
    stop();
    t.dropFiles(["/y.tif"]);
    expect(got).toEqual([["/x_high.tif", "/x_low.tif"]]);
  });
});
