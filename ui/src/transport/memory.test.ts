import { describe, expect, it } from "vitest";
import { decided, reviewed, testView } from "../domain/testViews.ts";
import { TransportError } from "./errors.ts";
import { createMemoryTransport, makeDevToken, type MemoryTransportOptions } from "./memory.ts";
import type { SyncEvent } from "./transport.ts";
import type { NewInspectionInput } from "./types.ts";
import { DEFAULT_VIEW } from "../viewer/viewParams.ts";

let clock = 1_000;
const opts = (over: MemoryTransportOptions = {}): MemoryTransportOptions => ({
  now: () => (clock += 1000),
  unit: "MOBILE-1",
  ...over,
});

const input = (over: Partial<NewInspectionInput> = {}): NewInspectionInput => ({
  tractor_plate: "АА 1234 ВС",
  trailer_plate: null,
  containers: [],
  declaration: null,
  location: { place: null, lat: null, lon: null },
  notes: "",
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

describe("in-memory transport: errors use VehicleError codes", () => {
  it("refuses changes when no officer is signed in", async () => {
    const t = createMemoryTransport(opts());
    expect(await codeOf(t.createInspection(input()))).toBe("not_signed_in");
  });

  it("checks the officer's PIN, and its format", async () => {
    const t = createMemoryTransport(opts({ officers: { "OF-1742": "2468" } }));
    expect(await codeOf(t.signIn("OF-1742", "1111"))).toBe("wrong_pin");
    expect(await codeOf(t.signIn("OF-1742", "12"))).toBe("invalid_input");
    expect(await codeOf(t.signIn("   ", "2468"))).toBe("invalid_input");
    expect(await t.signIn(" OF-1742 ", "2468")).toEqual({ officer: "OF-1742", pin_set: false, locked: false });
    expect(await t.session()).toEqual({ officer: "OF-1742", pin_set: false, locked: false });
  });

  it("the first sign-in of an officer on the device sets their PIN", async () => {
    const t = createMemoryTransport(opts());
    expect(await t.signIn("OF-9", "97531")).toEqual({ officer: "OF-9", pin_set: true, locked: false });
    expect(await codeOf(t.signIn("OF-9", "13579"))).toBe("wrong_pin");
    expect(await t.signIn("OF-9", "97531")).toEqual({ officer: "OF-9", pin_set: false, locked: false });
  });

  it("refuses a wrong check digit the way Rust does", async () => {
    const t = createMemoryTransport(opts());
    t.actAs("OF-1");
    const err = await t.createInspection(input({ containers: ["CSQU3054384"] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: "invalid_input", message: "check digit is 4, expected 3 for CSQU3054384" });
  });

  it("refuses to open an inspection before the vehicle has a unit", async () => {
    const t = createMemoryTransport(opts({ unit: null }));
    t.actAs("OF-1");
    expect(await codeOf(t.createInspection(input()))).toBe("invalid_input");
  });

  it("says not_found for an unknown inspection and bad_token for a bad token", async () => {
    const t = createMemoryTransport(opts());
    expect(await codeOf(t.getInspection("nope"))).toBe("not_found");
    expect(await codeOf(t.enroll("hello"))).toBe("bad_token");
    expect(await codeOf(t.enroll("KORDON1-!!!"))).toBe("bad_token");
  });
});

describe("in-memory transport: inspections", () => {
  it("stores plates in three forms and codes canonically, attributed to the officer", async () => {
    const t = createMemoryTransport(opts());
    t.actAs("OF-1742");
    const v = await t.createInspection(input({ containers: ["csqu 305438-3"], declaration: "  UA1/2026/7 " }));
    expect(v.tractor_plate).toEqual({ raw: "АА 1234 ВС", canonical: "AA1234BC", key: "AA12348C" });
    expect(v.containers).toEqual(["CSQU3054383"]);
    expect(v.declaration).toBe("UA1/2026/7");
    expect([v.created_by, v.crew, v.unit]).toEqual(["OF-1742", ["OF-1742"], "MOBILE-1"]);
    expect(await t.getInspection(v.id)).toEqual(v);
  });

  it("decide appends and leaves earlier decisions and reviews exactly as they were", async () => {
    const first = decided("physical_inspection", 10, { reasons: ["DENSITY_ANOMALY"], note: "dense" });
    const review = reviewed("return", 20);
    const seed = testView({ decisions: [first], reviews: [review] });
    const t = createMemoryTransport(opts({ seed: [{ view: seed, sync: "acknowledged" }] }));
    t.actAs("OF-2");
    const v = await t.decide(seed.id, { outcome: "detain", reasons: ["HOTLIST"], note: "" });
    expect(v.decisions).toHaveLength(2);
    expect(v.decisions[0]).toEqual(first);
    expect(v.decisions[1]).toMatchObject({ outcome: "detain", officer: "OF-2", reasons: ["HOTLIST"] });
    expect(v.reviews).toEqual([review]);
    expect(await codeOf(t.decide(seed.id, { outcome: "release", reasons: ["bad code"], note: "" }))).toBe(
      "invalid_input",
    );
    expect((await t.getInspection(seed.id)).decisions).toHaveLength(2);
  });

  it("imitates a review arriving: appended after the decisions seen, counted as received", async () => {
    const seed = testView({ decisions: [decided("release", 10)] });
    const t = createMemoryTransport(opts({ seed: [{ view: seed, sync: "acknowledged" }] }));
    const events: number[] = [];
    t.subscribeSync((e) => events.push(e.status.received));
    t.receiveReview(seed.id, { verdict: "return", comment: "Look again" });
    const v = await t.getInspection(seed.id);
    expect(v.reviews).toEqual([
      { verdict: "return", comment: "Look again", supervisor: "SUP-07", outcome: null, reasons: [], at_ms: expect.any(Number) as number, decisions_seen: 1 },
    ]);
    expect(events.at(-1)).toBe(1);
    // The crew's next decision answers it; the list of reviews is untouched.
    t.actAs("OF-2");
    const answered = await t.decide(seed.id, { outcome: "detain", reasons: [], note: "checked" });
    expect(answered.reviews).toEqual(v.reviews);
  });

  it("hands out copies: changing a returned view changes nothing stored", async () => {
    const seed = testView({ decisions: [decided("release", 10)] });
    const t = createMemoryTransport(opts({ seed: [{ view: seed, sync: "acknowledged" }] }));
    const v = await t.getInspection(seed.id);
    v.decisions.pop();
    expect((await t.getInspection(seed.id)).decisions).toHaveLength(1);
  });

  it("lists as `kordon inspection list` does: newest first, plate by key, container exact, undecided", async () => {
    const a = testView({ created_ms: 1, tractor: "ВО 1734 ОА", containers: ["MSKU9070323"] });
    const b = testView({ created_ms: 2, tractor: "AA1234BC", decisions: [decided("release", 3)] });
    const c = testView({ created_ms: 3, tractor: "KA0021XP" });
    const t = createMemoryTransport(opts({ seed: [a, b, c].map((view) => ({ view, sync: "acknowledged" as const })) }));
    const ids = async (q: Parameters<typeof t.listInspections>[0]): Promise<string[]> =>
      (await t.listInspections(q)).map((r) => r.id);
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ plate: "B01734OA" })).toEqual([a.id]);
    expect(await ids({ container: "msku 907032-3" })).toEqual([a.id]);
    expect(await ids({ container: "MSKU" })).toEqual([]);
    expect(await ids({ outcome: "none" })).toEqual([c.id, a.id]);
    expect(await ids({ outcome: "release" })).toEqual([b.id]);
    expect(await ids({ limit: 1 })).toEqual([c.id]);
  });
});

describe("in-memory transport: sync", () => {
  it("keeps records pending while offline and acknowledges them when the link returns", async () => {
    const t = createMemoryTransport(opts({ link: "offline" }));
    const events: SyncEvent[] = [];
    const stop = t.subscribeSync((e) => events.push(e));
    t.actAs("OF-1");
    const v = await t.createInspection(input());
    await t.decide(v.id, { outcome: "release", reasons: [], note: "" });
    expect((await t.status()).pending).toBe(2);
    expect((await t.listInspections({}))[0]?.sync).toBe("pending");

    await t.syncNow();
    expect(events.at(-1)?.error?.code).toBe("unreachable");
    expect(events.at(-1)?.link).toBe("offline");
    expect((await t.status()).pending).toBe(2);
    expect((await t.status()).last_sync_ms).toBeNull();

    t.setLink("online");
    await t.syncNow();
    const s = await t.status();
    expect([s.pending, s.acknowledged, s.enrolled]).toEqual([0, 2, true]);
    expect(s.last_sync_ms).not.toBeNull();
    expect(events.at(-1)?.error).toBeNull();
    expect((await t.listInspections({}))[0]?.sync).toBe("acknowledged");
    stop();
    const n = events.length;
    t.setLink("offline");
    expect(events).toHaveLength(n);
  });

  it("stores an enrollment token; enrollment completes at the next sync", async () => {
    const t = createMemoryTransport(opts({ unit: null }));
    const s = await t.enroll(makeDevToken("MOBILE-3"));
    expect([s.unit, s.enrolled, s.server]).toEqual(["MOBILE-3", false, "127.0.0.1:4433"]);
    await t.syncNow();
    expect((await t.status()).enrolled).toBe(true);
  });
});

describe("in-memory transport: the data closed, opened and locked as on the vehicle", () => {
  it("starts cold: no data, no session, no sync event until the first sign-in opens it", async () => {
    const t = createMemoryTransport(opts({ cold: true, officers: { "OF-1742": "2468" }, seed: [{ view: testView(), sync: "pending" }] }));
    const events: SyncEvent[] = [];
    t.subscribeSync((e) => events.push(e));
    expect(await t.session()).toBeNull();
    expect(await codeOf(t.listInspections({}))).toBe("locked");
    expect(await codeOf(t.status())).toBe("locked");
    expect(await codeOf(t.signOut())).toBe("locked");
    await t.syncNow();
    expect(events).toEqual([]);

    // Only an officer who holds a key opens it.
    expect(await codeOf(t.signIn("OF-9", "97531"))).toBe("no_key");
    expect(await codeOf(t.signIn("OF-1742", "1111"))).toBe("wrong_pin");
    expect(await codeOf(t.listInspections({}))).toBe("locked");
    expect(await t.signIn("OF-1742", "2468")).toEqual({ officer: "OF-1742", pin_set: false, locked: false });
    expect(await t.listInspections({})).toHaveLength(1);
    expect(events).toHaveLength(1);
    // Open, an officer without a key is still refused: one who holds a key adds them.
    expect(await codeOf(t.signIn("OF-9", "97531"))).toBe("no_key");
    expect(await t.session()).toEqual({ officer: "OF-1742", pin_set: false, locked: false });
  });

  it("a cold vehicle with no officer yet is opened (encrypted) with the first one's PIN", async () => {
    const t = createMemoryTransport(opts({ cold: true }));
    expect(await t.signIn("OF-1", "24680")).toEqual({ officer: "OF-1", pin_set: true, locked: false });
    expect(await t.listInspections({})).toEqual([]);
    expect(await t.keyHolders()).toEqual({ officers: ["OF-1"], keys: 1 });
    // The first officer's key made, the next officer is refused until added.
    expect(await codeOf(t.signIn("OF-2", "13579"))).toBe("no_key");
  });

  it("a cold vehicle whose keys were all made elsewhere gives nobody a key by signing in", async () => {
    const t = createMemoryTransport(opts({ cold: true, keysElsewhere: 1 }));
    expect(await codeOf(t.signIn("OF-1", "24680"))).toBe("no_key");
    expect(await codeOf(t.listInspections({}))).toBe("locked");
  });

  it("locked: every data method refused, the session says so; a wrong PIN keeps it locked, the right one unlocks", async () => {
    const view = testView();
    const t = createMemoryTransport(opts({ officers: { "OF-1742": "2468", "OF-2001": "1357" }, seed: [{ view, sync: "pending" }] }));
    await t.signIn("OF-1742", "2468");
    await t.lock();
    expect(await t.session()).toEqual({ officer: "OF-1742", pin_set: false, locked: true });
    for (const call of [
      t.listInspections({}),
      t.getInspection(view.id),
      t.createInspection(input()),
      t.setNotes(view.id, "x"),
      t.hotlists(),
      t.status(),
      t.importScan(view.id, { path: "/scans/T_high.tif", low: null, pixel_mm: null, scanner: null }),
      t.trainingAttempts(),
    ]) {
      expect(await codeOf(call)).toBe("locked");
    }
    // The kordon: scheme gives nothing either.
    expect(t.tileUrl("any-scan", 0, 0, 0, DEFAULT_VIEW)).toBe("data:,");

    expect(await codeOf(t.signIn("OF-1742", "1111"))).toBe("wrong_pin");
    // An officer without a key cannot unlock by choosing a PIN.
    expect(await codeOf(t.signIn("OF-9", "97531"))).toBe("no_key");
    expect((await t.session())?.locked).toBe(true);
    // Another officer who holds a key can: the session is theirs.
    expect(await t.signIn("OF-2001", "1357")).toEqual({ officer: "OF-2001", pin_set: false, locked: false });
    expect(await t.listInspections({})).toHaveLength(1);
  });

  it("keeps the background work going while locked: sync, the watch folder", async () => {
    const view = testView();
    const t = createMemoryTransport(opts({ officers: { "OF-1": "2468" }, seed: [{ view, sync: "pending" }] }));
    await t.signIn("OF-1", "2468");
    await t.setWatch({ folder: "/scanner/out", inspection: view.id });
    const events: SyncEvent[] = [];
    t.subscribeSync((e) => events.push(e));
    await t.lock();
    await t.syncNow();
    expect(events.at(-1)?.status.pending).toBe(0);
    expect(await t.scannerDrops("TRK_1_high.tif", "TRK_1_low.tif")).not.toBeNull();
    await t.signOut();
    expect(await t.session()).toBeNull();
    expect((await t.getInspection(view.id)).scans).toHaveLength(1);
  });
});

describe("in-memory transport: officers' keys, as the vehicle's add_officer and remove_officer", () => {
  const keyed = (over: MemoryTransportOptions = {}) =>
    createMemoryTransport(opts({ officers: { "OF-1742": "2468" }, ...over }));

  it("lists the key holders by name, and counts keys made elsewhere", async () => {
    const t = keyed({ officers: { "OF-2001": "1357", "OF-1742": "2468" }, keysElsewhere: 2 });
    expect(await t.keyHolders()).toEqual({ officers: ["OF-1742", "OF-2001"], keys: 4 });
  });

  it("an officer added by a key holder can sign in with the PIN they chose; before, no_key", async () => {
    const t = keyed();
    await t.signIn("OF-1742", "2468");
    expect(await codeOf(t.signIn("OF-2", "7531"))).toBe("no_key");
    await t.signIn("OF-1742", "2468");
    expect(await t.addOfficer("2468", " OF-2 ", "7531")).toEqual({ officers: ["OF-1742", "OF-2"], keys: 2 });
    expect(await codeOf(t.signIn("OF-2", "1111"))).toBe("wrong_pin");
    expect(await t.signIn("OF-2", "7531")).toEqual({ officer: "OF-2", pin_set: false, locked: false });
    // A password works as well as digits, as on the vehicle.
    expect(await t.addOfficer("7531", "OF-3", "correct horse")).toEqual({ officers: ["OF-1742", "OF-2", "OF-3"], keys: 3 });
    expect((await t.signIn("OF-3", "correct horse")).officer).toBe("OF-3");
  });

  it("adding an officer who holds a key is refused: nobody sets another's PIN", async () => {
    const t = keyed({ officers: { "OF-1742": "2468", "OF-2": "1357" } });
    await t.signIn("OF-1742", "2468");
    expect(await codeOf(t.addOfficer("2468", "OF-2", "8642"))).toBe("invalid_input");
    expect(await codeOf(t.signIn("OF-2", "8642"))).toBe("wrong_pin");
    expect((await t.signIn("OF-2", "1357")).officer).toBe("OF-2");
  });

  it("refuses a wrong confirming PIN, a bad id or PIN, nobody signed in, and a locked app, adding nothing", async () => {
    const t = keyed();
    expect(await codeOf(t.addOfficer("2468", "OF-2", "7531"))).toBe("not_signed_in");
    await t.signIn("OF-1742", "2468");
    expect(await codeOf(t.addOfficer("1111", "OF-2", "7531"))).toBe("wrong_pin");
    expect(await codeOf(t.addOfficer("2468", "OF-2", "753"))).toBe("invalid_input");
    expect(await codeOf(t.addOfficer("2468", "OF-2", "75\n31"))).toBe("invalid_input");
    expect(await codeOf(t.addOfficer("2468", "OF-2", "7".repeat(65)))).toBe("invalid_input");
    expect(await codeOf(t.addOfficer("2468", "   ", "7531"))).toBe("invalid_input");
    await t.lock();
    expect(await codeOf(t.addOfficer("2468", "OF-2", "7531"))).toBe("locked");
    expect(await codeOf(t.keyHolders())).toBe("locked");
    await t.signIn("OF-1742", "2468");
    expect(await t.keyHolders()).toEqual({ officers: ["OF-1742"], keys: 1 });
    expect(await codeOf(t.signIn("OF-2", "7531"))).toBe("no_key");
  });

  it("removes a key: that officer's PIN opens nothing any more; never the last key", async () => {
    const t = keyed({ officers: { "OF-1742": "2468", "OF-2": "7531" } });
    await t.signIn("OF-1742", "2468");
    expect(await codeOf(t.removeOfficer("1111", "OF-2"))).toBe("wrong_pin");
    expect(await codeOf(t.removeOfficer("2468", "OF-9"))).toBe("no_key");
    expect(await t.removeOfficer("2468", "OF-2")).toEqual({ officers: ["OF-1742"], keys: 1 });
    expect(await codeOf(t.signIn("OF-2", "7531"))).toBe("no_key");
    expect(await codeOf(t.removeOfficer("2468", "OF-1742"))).toBe("last_key");
    expect(await t.keyHolders()).toEqual({ officers: ["OF-1742"], keys: 1 });
  });

  it("a key made elsewhere counts: the one named key is then not the last", async () => {
    const t = keyed({ officers: { "OF-1742": "2468", "OF-2": "7531" }, keysElsewhere: 1 });
    await t.signIn("OF-2", "7531");
    expect(await t.removeOfficer("7531", "OF-1742")).toEqual({ officers: ["OF-2"], keys: 2 });
  });

  it("an officer who removes their own key is signed out, as on the vehicle", async () => {
    const t = keyed({ officers: { "OF-1742": "2468", "OF-2": "7531" } });
    await t.signIn("OF-2", "7531");
    expect(await t.removeOfficer("7531", "OF-2")).toEqual({ officers: ["OF-1742"], keys: 1 });
    expect(await t.session()).toBeNull();
  });
});
