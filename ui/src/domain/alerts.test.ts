// Hotlist alerts: the helpers the screens use, and the in-memory
// transport's imitation of the vehicle's alert model (crates/kordon-model
// alert.rs and anpr.rs; crates/kordon-plates matching.rs): tiers, alerts
// raised once, the latest response, corrections and detachment beside the
// read, the plate of the read's role following.

import { describe, expect, it, vi } from "vitest";
import { TransportError } from "../transport/errors.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import type { AlertEvent, InspectionView, SyncEvent } from "../transport/types.ts";
import { isOpen, openAlerts, plateImageOf, readOf, sameHit } from "./alerts.ts";
import { anprRead, plate, testAlert, testHotlist, testView } from "./testViews.ts";

const lists = [
  testHotlist("hl-ua", "Wanted (UA)", [
    { id: "e-1", value: "ВО 7781 ЕМ", reason: "Stolen tractor" },
    { id: "e-2", value: "КА 3390 ІН", reason: "Tobacco smuggling", priority: "medium" },
  ]),
  testHotlist("hl-eu", "SIS II", [{ id: "e-3", value: "WGM 4K21", reason: "Stolen trailer (PL)", priority: "low" }]),
];

let clock = 1_000_000;
function setup(view: InspectionView) {
  const t = createMemoryTransport({
    now: () => (clock += 1000),
    unit: "MOBILE-1",
    seed: [{ view, sync: "acknowledged" }],
    hotlists: lists,
  });
  t.actAs("OF-1742");
  const events: AlertEvent[] = [];
  t.subscribeAlerts((e) => events.push(e));
  return { t, events };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TransportError) return e.code;
    throw e;
  }
  throw new Error("expected a TransportError");
}

describe("alert helpers", () => {
  it("tells open alerts, the read that raised one and its picture", () => {
    const read = anprRead({
      id: "r#0",
      images: [
        { kind: "scene", blob: "s".repeat(64), size: 1, content_type: "image/jpeg" },
        { kind: "plate", blob: "p".repeat(64), size: 1, content_type: "image/jpeg" },
      ],
    });
    const open = testAlert({ read_id: "r#0" });
    const done = testAlert({ id: "x", response: { response: "confirmed", note: "", officer: "OF-1", at_ms: 1 } });
    const view = testView({ reads: [read], alerts: [open, done] });
    expect(openAlerts(view)).toEqual([open]);
    expect([isOpen(open), isOpen(done)]).toEqual([true, false]);
    expect(readOf(view, open)).toBe(read);
    expect(readOf(view, { read_id: null })).toBeNull();
    expect(plateImageOf(read)?.kind).toBe("plate");
    expect(plateImageOf(anprRead({ images: [] }))).toBeNull();
  });

  it("knows an announced alert once stored: same entry, same read, or same typed text for the same plate", () => {
    const a = testAlert();
    expect(sameHit(a, { ...a, seen: "other" })).toBe(true);
    expect(sameHit(a, { ...a, read_id: "other#0" })).toBe(false);
    const typed = testAlert({ read_id: null, source: "typed" });
    expect(sameHit(typed, { ...typed })).toBe(true);
    expect(sameHit(typed, { ...typed, role: "trailer" })).toBe(false);
    expect(sameHit(typed, { ...typed, seen: "BO7781EN" })).toBe(false);
  });
});

describe("in-memory transport: hotlist alerts", () => {
  it("matches a camera's read in tiers, stores its alerts once and announces them", async () => {
    const view = testView({ tractor: "AA0000AA" });
    const { t, events } = setup(view);
    // Exact in another spelling (Cyrillic, spaces).
    const exact = t.cameraRead(view.id, anprRead({ id: "p1#0", text: "ВО 7781 ЕМ", plate: plate("ВО 7781 ЕМ"), role: "tractor" }));
    expect(exact.map((a) => [a.entry_id, a.tier, a.source, a.read_id, a.seen, a.priority])).toEqual([
      ["e-1", "exact", "read", "p1#0", "ВО 7781 ЕМ", "high"],
    ]);
    expect(exact[0]!.id).toMatch(/^[0-9a-f]{12}$/);
    expect(events).toEqual([{ inspection: view.id, alerts: [expect.objectContaining({ entry_id: "e-1", tier: "exact" })] }]);
    // Only what OCR confuses (0 for O): the OCR tier; one character off: one edit.
    expect(t.cameraRead(view.id, anprRead({ id: "p2#0", text: "B07781EM", plate: plate("B07781EM") }))[0]?.tier).toBe("ocr_equivalent");
    expect(t.cameraRead(view.id, anprRead({ id: "p3#0", text: "WGM4K27", plate: plate("WGM4K27") }))[0]?.tier).toBe("one_edit");
    // Nothing on the lists: no alert, no event.
    expect(t.cameraRead(view.id, anprRead({ id: "p4#0", text: "AA1234BC", plate: plate("AA1234BC") }))).toEqual([]);
    expect(events).toHaveLength(3);
    // Raised once: the same read's hit again is not a new alert.
    expect(t.raiseAlerts(view.id, [exact[0]!])).toEqual([]);
    const v = await t.getInspection(view.id);
    expect(v.alerts).toHaveLength(3);
    expect(v.reads).toHaveLength(4);
  });

  it("records responses; the latest is the alert's; a note too long or an unknown alert is refused", async () => {
    const view = testView({ alerts: [testAlert()] });
    const { t } = setup(view);
    await t.respondToAlert(view.id, { alert: "a1b2c3d4e5f6", response: "confirmed", note: " first " });
    const v = await t.respondToAlert(view.id, { alert: "a1b2c3d4e5f6", response: "action_taken", note: "Driver detained" });
    expect(v.alerts?.[0]?.response).toMatchObject({ response: "action_taken", note: "Driver detained", officer: "OF-1742" });
    expect(await codeOf(t.respondToAlert(view.id, { alert: "nope", response: "confirmed", note: "" }))).toBe("invalid_input");
    expect(await codeOf(t.respondToAlert(view.id, { alert: "a1b2c3d4e5f6", response: "confirmed", note: "x".repeat(2001) }))).toBe("invalid_input");
    t.actAs(null);
    expect(await codeOf(t.respondToAlert(view.id, { alert: "a1b2c3d4e5f6", response: "confirmed", note: "" }))).toBe("not_signed_in");
  });

  it("keeps a correction beside the read; the plate the read filled follows and is matched like a typed one", async () => {
    const read = anprRead({ id: "p#0", text: "WGM4K27", plate: plate("WGM4K27"), role: "trailer" });
    const other = anprRead({ id: "q#0", text: "AA1234BC", plate: plate("AA1234BC"), role: "tractor" });
    const view = testView({ tractor: "AA 5555 AA", trailer_plate: plate("WGM4K27"), reads: [read, other] });
    const { t, events } = setup(view);
    const v = await t.correctRead(view.id, { read: "p#0", text: " WGM 4K21 " });
    const r = v.reads?.[0];
    expect(r?.text).toBe("WGM4K27");
    expect(r?.correction).toMatchObject({ text: "WGM 4K21", by: "OF-1742", plate: { canonical: "WGM4K21" } });
    expect(v.trailer_plate?.canonical).toBe("WGM4K21");
    expect(v.alerts?.map((a) => [a.entry_id, a.source, a.role, a.tier, a.seen])).toEqual([["e-3", "typed", "trailer", "exact", "WGM 4K21"]]);
    // Typed alerts are not announced (the crew typed them).
    expect(events).toEqual([]);
    // A plate the read did not fill stays.
    const w = await t.correctRead(view.id, { read: "q#0", text: "AA1234BE" });
    expect(w.tractor_plate?.canonical).toBe("AA5555AA");
    expect(await codeOf(t.correctRead(view.id, { read: "p#0", text: "W?" }))).toBe("invalid_input");
    expect(await codeOf(t.correctRead(view.id, { read: "nope", text: "AA1234BC" }))).toBe("invalid_input");
  });

  it("marks a detached read with who took it off, clears the plate it filled, and refuses to detach it twice", async () => {
    const read = anprRead({ id: "p#0", text: "WGM4K27", plate: plate("WGM4K27"), role: "trailer" });
    const view = testView({ trailer_plate: plate("WGM4K27"), reads: [read] });
    const { t } = setup(view);
    const onSync = vi.fn<(e: SyncEvent) => void>();
    t.subscribeSync(onSync);
    const v = await t.detachRead(view.id, "p#0");
    expect(v.reads?.[0]?.detached).toMatchObject({ by: "OF-1742" });
    expect(v.trailer_plate).toBeNull();
    expect(onSync.mock.calls.at(-1)?.[0].status.pending).toBe(1);
    expect(await codeOf(t.detachRead(view.id, "p#0"))).toBe("invalid_input");
  });

  it("gives the hotlists it holds, and pictures of a read's images", async () => {
    const read = anprRead({ id: "p#0", text: "ВО7781ЕМ", images: [{ kind: "plate", blob: "ab".repeat(32), size: 1, content_type: "image/jpeg" }] });
    const { t } = setup(testView({ reads: [read] }));
    expect((await t.hotlists()).map((l) => l.name)).toEqual(["Wanted (UA)", "SIS II"]);
    const url = t.readImageUrl("ab".repeat(32));
    expect(url).toMatch(/^data:image\/svg\+xml/);
    expect(decodeURIComponent(url)).toContain("ВО7781ЕМ");
  });

  it("raises typed alerts when an inspection is created with a listed plate", async () => {
    const { t } = setup(testView({}));
    const v = await t.createInspection({
      tractor_plate: "KA3390IH",
      trailer_plate: null,
      containers: [],
      declaration: null,
      location: { place: null, lat: null, lon: null },
      notes: "",
    });
    expect(v.alerts?.map((a) => [a.entry_id, a.source, a.role, a.priority])).toEqual([["e-2", "typed", "tractor", "medium"]]);
  });
});
