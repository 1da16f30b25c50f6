// The in-memory console transport behaves like the server's /api where the
// screens and their tests rely on it: roles, throttled logins, the queue's
// filters (hotlist hits too), counts and paging, append-only reviews and
// marks, scan arrival, hotlists checked as the server checks them, the
// fleet (administrators only): stale vehicles, tokens, revocation, and the
// audit trail (auditors and administrators): its filters, newest-first
// order and cursor paging, what is done through it, its CSV; the
// statistics (supervisors and auditors), counted as the server counts them;
// and trainees' exercises (trainers, supervisors and auditors; a trainer
// reads nothing else).

import { describe, expect, it, vi } from "vitest";
import { anprRead, decided, plate, reviewed, testView } from "../domain/testViews.ts";
import type { TransportError } from "./errors.ts";
import { createConsoleMemoryTransport, demoConsoleSeed, newDevice, TRAIL_CSV_COLUMNS } from "./consoleMemory.ts";
import { FLEET_LIMITS, TRAIL_LIMITS, type Alert, type DeviceInfo, type PendingEnrollment, type TrailEvent, type TrailQuery } from "./console.ts";
import { STATS_CSV_COUNT_COLUMNS } from "./generated.ts";
import { factsOf } from "./memoryStats.ts";
import type { Review, Scan } from "./types.ts";

const NOW = Date.UTC(2026, 10, 24, 12);
const HOUR = 3_600_000;

function fleet() {
  const returned: Review = { ...reviewed("return", NOW - 2 * HOUR), comment: "again", outcome: null, reasons: [], decisions_seen: 1 };
  const seed = [
    testView({ tractor: "AA1234BC", unit: "MOBILE-1", created_ms: NOW - HOUR, decisions: [decided("release", NOW - HOUR)] }),
    testView({ tractor: "BO1734OA", unit: "MOBILE-2", created_ms: NOW - 3 * HOUR, decisions: [decided("detain", NOW - 3 * HOUR)], reviews: [returned] }),
    testView({ tractor: "АА 1234 ВС", unit: "MOBILE-3", created_ms: NOW - 30 * HOUR, containers: ["CSQU3054383"] }),
    testView({ tractor: "KA0021XP", unit: "MOBILE-2", created_ms: NOW - 50 * HOUR, containers: ["CSQU3054383"], decisions: [decided("release", NOW - 50 * HOUR)], reviews: [reviewed("agree", NOW - 49 * HOUR)] }),
  ].map((view) => ({ view }));
  return createConsoleMemoryTransport({ now: () => NOW, seed, signedIn: "SUP-07" });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as TransportError).code;
  }
  return "resolved";
}

describe("console memory transport", () => {
  it("filters the queue and counts each facet under the other filters", async () => {
    const t = fleet();
    const all = await t.queue({});
    expect(all.total).toBe(4);
    expect(all.rows.map((r) => r.tractor_plate?.canonical)).toEqual(["AA1234BC", "BO1734OA", "AA1234BC", "KA0021XP"]);
    expect(all.units).toEqual(["MOBILE-1", "MOBILE-2", "MOBILE-3"]);
    const m2 = await t.queue({ unit: "MOBILE-2", review: "returned" });
    expect(m2.rows.map((r) => r.review_state)).toEqual(["returned"]);
    // Review counts ignore the review filter; outcome counts honour it.
    expect(m2.counts.review).toEqual({ unreviewed: 0, agreed: 1, overruled: 0, returned: 1, answered: 0 });
    expect(m2.counts.outcome).toEqual({ release: 0, physical_inspection: 0, detain: 1, refer: 0, none: 0 });
    expect((await t.queue({ plate: "aa 1234 bc" })).total).toBe(2);
    expect((await t.queue({ container: "csqu 305438 3" })).total).toBe(2);
    expect((await t.queue({ outcome: "none" })).total).toBe(1);
    expect((await t.queue({ from: "2026-11-23", to: "2026-11-23" })).total).toBe(1);
    expect((await t.queue({ scans: true })).total).toBe(0);
    const paged = await t.queue({ limit: 3, offset: 3 });
    expect([paged.rows.length, paged.total, paged.offset]).toEqual([1, 4, 3]);
  });

  it("appends a supervisor's review, signed by the server, and moves the version", async () => {
    const t = fleet();
    const id = (await t.queue({ plate: "BO1734OA" })).rows[0]?.id ?? "";
    const v0 = (await t.queueVersion()).version;
    expect(await code(t.review(id, { verdict: "overrule", outcome: null, reasons: [], comment: "x" }))).toBe("invalid_input");
    expect(await code(t.review(id, { verdict: "return", outcome: null, reasons: [], comment: " " }))).toBe("invalid_input");
    const c = await t.review(id, { verdict: "overrule", outcome: "physical_inspection", reasons: ["DENSITY_ANOMALY"], comment: "Open it" });
    expect(c.review_state).toBe("overruled");
    expect(c.view.reviews).toHaveLength(2);
    expect(c.view.reviews.at(-1)).toMatchObject({ verdict: "overrule", supervisor: "SUP-07", outcome: "physical_inspection", decisions_seen: 1 });
    expect(c.records.at(-1)).toMatchObject({ op: "review", signer_unit: null, officer: "SUP-07" });
    expect((await t.queueVersion()).version).toBe(v0 + 1);
    expect((await t.queue({ outcome: "physical_inspection" })).total).toBe(1);
  });

  it("gives fleet-wide history by plate key or container, newest first", async () => {
    const t = fleet();
    const id = (await t.queue({ unit: "MOBILE-1" })).rows[0]?.id ?? "";
    const h = await t.history(id);
    expect(h.map((r) => r.unit)).toEqual(["MOBILE-3"]);
    const other = (await t.queue({ unit: "MOBILE-3" })).rows[0]?.id ?? "";
    expect((await t.history(other)).map((r) => r.unit)).toEqual(["MOBILE-1", "MOBILE-2"]);
  });

  it("lets an auditor read but not write, and throttles repeated wrong passwords", async () => {
    const t = createConsoleMemoryTransport({ now: () => NOW, seed: [{ view: testView({}) }], maxFailures: 2 });
    const gone = vi.fn();
    t.onUnauthenticated(gone);
    expect(await code(t.queue({}))).toBe("unauthenticated");
    expect(gone).toHaveBeenCalledOnce();
    expect(await code(t.login({ name: "AUD-01", password: "x" }))).toBe("wrong_password");
    expect(await code(t.login({ name: "AUD-01", password: "y" }))).toBe("wrong_password");
    expect(await code(t.login({ name: "AUD-01", password: "kordon" }))).toBe("throttled");
    expect((await t.login({ name: "SUP-07", password: "kordon" })).role).toBe("supervisor");
    await t.logout();
    const t2 = createConsoleMemoryTransport({ now: () => NOW, seed: [{ view: testView({}) }], signedIn: "AUD-01" });
    const id = (await t2.queue({})).rows[0]?.id ?? "";
    expect(await code(t2.review(id, { verdict: "agree", outcome: null, reasons: [], comment: "" }))).toBe("forbidden");
  });

  it("reports a scan as arriving, then building, then ready", async () => {
    const { seed, arrivals } = demoConsoleSeed(NOW);
    const t = createConsoleMemoryTransport({ now: () => NOW, seed, arrivals, signedIn: "SUP-07" });
    const scan = Object.keys(arrivals)[0] ?? "";
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      const s = await t.scanState(scan);
      seen.push(s.state);
      if (s.state === "ready") break;
    }
    expect(seen[0]).toBe("arriving");
    expect(seen.at(-2)).toBe("building");
    expect(seen.at(-1)).toBe("ready");
    expect((await t.queue({})).total).toBeGreaterThan(100);
  });
});

const hit = (over: Partial<Alert> = {}): Alert => ({
  id: "a1",
  at_ms: NOW,
  raised_by: "OF-1",
  response: null,
  source: "typed",
  read_id: null,
  role: "tractor",
  seen: "AA1234BC",
  list_id: "l1",
  list: "Wanted",
  entry_id: "e1",
  entry_value: "AA1234BC",
  reason: "Stolen",
  priority: "high",
  tier: "exact",
  ...over,
});

describe("console memory transport: hotlist hits", () => {
  it("filters the queue to inspections with a hit, or an unanswered one, and counts the open ones fleet-wide", async () => {
    const answered = { response: "false_match" as const, note: "", officer: "OF-1", at_ms: NOW };
    const seed = [
      testView({ tractor: "AA1234BC", unit: "MOBILE-1", created_ms: NOW - HOUR, alerts: [hit()] }),
      testView({ tractor: "BO1734OA", unit: "MOBILE-2", created_ms: NOW - 2 * HOUR, alerts: [hit({ response: answered })] }),
      testView({ tractor: "KA0021XP", unit: "MOBILE-2", created_ms: NOW - 3 * HOUR }),
    ].map((view) => ({ view }));
    const t = createConsoleMemoryTransport({ now: () => NOW, seed, signedIn: "AUD-01", hotlists: [] });
    const plates = async (q: Parameters<typeof t.queue>[0]) => (await t.queue(q)).rows.map((r) => r.tractor_plate?.canonical);
    expect(await plates({ alerts: "any" })).toEqual(["AA1234BC", "BO1734OA"]);
    expect(await plates({ alerts: "open" })).toEqual(["AA1234BC"]);
    expect(await plates({ alerts: "open", unit: "MOBILE-2" })).toEqual([]);
    // Whatever the filters.
    expect((await t.queue({ unit: "MOBILE-2" })).counts.open_alerts).toBe(1);
  });

  it("finds a plate, and earlier inspections, by what cameras read too", async () => {
    const seed = [
      testView({ tractor: "AA1111AA", created_ms: NOW - HOUR, reads: [anprRead({ text: "BO1734OA", plate: plate("BO1734OA") })] }),
      testView({ tractor: "BO1734OA", unit: "MOBILE-2", created_ms: NOW - 5 * HOUR }),
    ].map((view) => ({ view }));
    const t = createConsoleMemoryTransport({ now: () => NOW, seed, signedIn: "SUP-07", hotlists: [] });
    expect((await t.queue({ plate: "во 1734 оа" })).total).toBe(2);
    const first = (await t.queue({ unit: "MOBILE-1" })).rows[0]?.id ?? "";
    expect((await t.history(first)).map((r) => r.unit)).toEqual(["MOBILE-2"]);
  });
});

describe("console memory transport: hotlists", () => {
  const fresh = (as = "SUP-07") => createConsoleMemoryTransport({ now: () => NOW, seed: [], signedIn: as, hotlists: [] });
  const entryInput = { list: "Wanted", units: ["MOBILE-1"], value: "аа 1234 вс", reason: " Stolen ", priority: null, valid_from_ms: null, valid_until_ms: null };

  it("adds entries as the server does: a list made with its units, plates canonical, containers recognised", async () => {
    const t = fresh();
    const a = await t.hotlistAdd(entryInput);
    const b = await t.hotlistAdd({ ...entryInput, units: ["MOBILE-9"], value: "csqu 305438 3", priority: "high", valid_until_ms: NOW + HOUR });
    expect(b.list_id).toBe(a.list_id);
    const [list] = await t.hotlists();
    // An existing list keeps its units.
    expect(list?.units).toEqual(["MOBILE-1"]);
    expect(list?.entries.map((e) => [e.value, e.kind, e.canonical, e.reason, e.priority, e.added_by])).toEqual([
      ["аа 1234 вс", "plate", "AA1234BC", "Stolen", "medium", "SUP-07"],
      ["csqu 305438 3", "container", "CSQU3054383", "Stolen", "high", "SUP-07"],
    ]);
    // A wrong check digit is not a container: it is taken as a plate.
    await t.hotlistAdd({ ...entryInput, value: "CSQU3054384" });
    expect((await t.hotlists())[0]?.entries.at(-1)?.kind).toBe("plate");
  });

  it("refuses what the server refuses, with its field in the message", async () => {
    const t = fresh();
    const refusal = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (e) {
        const err = e as TransportError;
        return `${err.code} ${err.message}`;
      }
      return "resolved";
    };
    expect(await refusal(t.hotlistAdd({ ...entryInput, value: "AA!1" }))).toBe('invalid_input value: plate "AA!1" contains "!", which is not a letter or digit');
    expect(await refusal(t.hotlistAdd({ ...entryInput, reason: " " }))).toBe("invalid_input reason: is required");
    expect(await refusal(t.hotlistAdd({ ...entryInput, list: "" }))).toBe("invalid_input name: is required");
    expect(await refusal(t.hotlistAdd({ ...entryInput, valid_from_ms: NOW, valid_until_ms: NOW }))).toBe("invalid_input valid_until: must be after valid_from");
    const profile = { list: "Wanted", units: [], name: "Night", country: null, hour_from: null, hour_to: null, keyword: " ", direction: null, reason: "risk", priority: null, valid_from_ms: null, valid_until_ms: null };
    expect(await refusal(t.profileAdd(profile))).toMatch(/^invalid_input profile: needs at least one condition/);
    expect(await refusal(t.profileAdd({ ...profile, hour_from: 22 }))).toBe("invalid_input hour: give both hour_from and hour_to, or neither");
    expect(await refusal(t.profileAdd({ ...profile, hour_from: 22, hour_to: 24 }))).toBe("invalid_input hour: must be 0 to 23");
    // Nothing was made by the refusals.
    expect(await t.hotlists()).toEqual([]);
    const p = await t.profileAdd({ ...profile, country: "pl", direction: "Approach", hour_from: 22, hour_to: 5 });
    expect((await t.hotlists())[0]?.profiles).toMatchObject([{ id: p.id, country: "PL", direction: "approach", keyword: null, priority: "medium" }]);
  });

  it("removes an entry or profile once, keeping it marked in the list's history", async () => {
    const t = fresh();
    const e = await t.hotlistAdd(entryInput);
    const removed = await t.hotlistRemove(e.id);
    expect(removed).toEqual(e);
    expect((await t.hotlists())[0]?.entries[0]?.removed).toEqual({ by: "SUP-07", at_ms: NOW });
    expect(await code(t.hotlistRemove(e.id))).toBe("invalid_input");
    expect(await code(t.hotlistRemove("nope"))).toBe("invalid_input");
  });

  it("lets every role read the lists, and only supervisors change them", async () => {
    for (const as of ["AUD-01", "ADM-01"]) {
      const t = createConsoleMemoryTransport({ now: () => NOW, seed: [], signedIn: as });
      expect((await t.hotlists()).length).toBeGreaterThan(0);
      expect((await t.me()).name).toBe(as);
      expect(await code(t.hotlistAdd(entryInput))).toBe("forbidden");
      expect(await code(t.hotlistRemove("x"))).toBe("forbidden");
    }
    const nobody = createConsoleMemoryTransport({ now: () => NOW, seed: [] });
    expect(await code(nobody.hotlists())).toBe("unauthenticated");
  });

  it("has demo lists with plates, a container and a profile, and demo inspections with an answered and an open hit", async () => {
    const { seed, arrivals } = demoConsoleSeed(NOW);
    const t = createConsoleMemoryTransport({ now: () => NOW, seed, arrivals, signedIn: "SUP-07" });
    const lists = await t.hotlists();
    const entries = lists.flatMap((l) => l.entries);
    expect(entries.map((e) => e.canonical)).toContain("AA1234BC");
    expect(entries.some((e) => e.kind === "container")).toBe(true);
    expect(lists.flatMap((l) => l.profiles).length).toBeGreaterThan(0);
    const hits = await t.queue({ alerts: "any", limit: 200 });
    const alerts = hits.rows.flatMap((r) => r.alerts ?? []);
    expect(alerts.some((a) => a.response?.response === "confirmed")).toBe(true);
    expect(alerts.some((a) => a.response === null)).toBe(true);
    expect(hits.counts.open_alerts).toBeGreaterThan(0);
    // Every demo alert names an entry or profile of the demo lists.
    const ids = new Set([...entries.map((e) => e.id), ...lists.flatMap((l) => l.profiles.map((p) => p.id))]);
    expect(alerts.filter((a) => !ids.has(a.entry_id))).toEqual([]);
    // The demo reads have pictures.
    const blob = hits.rows.flatMap((r) => r.reads ?? []).flatMap((r) => r.images)[0]?.blob ?? "";
    expect(t.readImageUrl(blob)).toMatch(/^data:image\/svg\+xml/);
  });
});

describe("console memory transport: the fleet", () => {
  const DAY = 24 * HOUR;
  const KEY_A = "a1".repeat(32);
  const KEY_B = "b2".repeat(32);
  const KEY_C = `${"b2".repeat(4)}${"c3".repeat(28)}`;
  const devices = (): DeviceInfo[] => [
    { ...newDevice(KEY_A, "MOBILE-03", NOW - 9 * DAY), last_seen_ms: NOW - 2 * HOUR, last_sync: "complete", records: 5 },
    { ...newDevice(KEY_B, "MOBILE-11", NOW - 8 * DAY), last_seen_ms: NOW - 30 * HOUR, last_sync: "interrupted" },
    { ...newDevice(KEY_C, "MOBILE-11", NOW - DAY) },
  ];
  const token: PendingEnrollment = { id: "00ff00ff00ff00ff", unit: "MOBILE-11", created_ms: NOW - HOUR, expires_ms: NOW + HOUR, created_by: null };
  const admin = () => createConsoleMemoryTransport({ now: () => NOW, seed: [], devices: devices(), enrollments: [token], signedIn: "ADM-01" });

  it("is for administrators only", async () => {
    for (const as of ["SUP-07", "AUD-01"]) {
      const t = createConsoleMemoryTransport({ now: () => NOW, seed: [], devices: devices(), signedIn: as });
      expect(await code(t.fleet())).toBe("forbidden");
      expect(await code(t.enrollments())).toBe("forbidden");
      expect(await code(t.createEnrollment({ unit: "MOBILE-1", ttl_hours: 1 }))).toBe("forbidden");
      expect(await code(t.cancelEnrollment("x"))).toBe("forbidden");
      expect(await code(t.revoke({ unit: "MOBILE-03", device: null, reason: "r" }))).toBe("forbidden");
    }
    const nobody = createConsoleMemoryTransport({ now: () => NOW, seed: [], devices: devices() });
    expect(await code(nobody.fleet())).toBe("unauthenticated");
    // And the queue is not theirs.
    expect(await code(admin().queue({}))).toBe("forbidden");
  });

  it("lists every device by unit, flags those not heard from for longer than the threshold, and counts their records", async () => {
    const t = createConsoleMemoryTransport({ now: () => NOW, seed: [], devices: devices(), signedIn: "ADM-01" });
    const f = await t.fleet();
    expect(f.now_ms).toBe(NOW);
    expect(f.stale_after_ms).toBe(FLEET_LIMITS.staleAfterHours * HOUR);
    expect(f.devices.map((d) => [d.unit, d.key.slice(0, 10), d.stale])).toEqual([
      ["MOBILE-03", "a1a1a1a1a1", false],
      ["MOBILE-11", "b2b2b2b2b2", true],
      // Never seen: counted from its first contact.
      ["MOBILE-11", "b2b2b2b2c3", false],
    ]);
    expect(f.devices[0]?.records).toBe(5);
    expect(f.devices[0]?.fingerprint).toBe("a1a1 a1a1 a1a1 a1a1");
    expect((await t.fleet(1)).devices.map((d) => d.stale)).toEqual([true, true, true]);
    expect((await t.fleet(48)).devices.map((d) => d.stale)).toEqual([false, false, false]);
    expect(await code(t.fleet(0))).toBe("invalid_input");
    expect(await code(t.fleet(FLEET_LIMITS.maxStaleAfterHours + 1))).toBe("invalid_input");
    expect(await code(t.fleet(1.5))).toBe("invalid_input");
  });

  it("makes a token shown once with its QR code, lists it pending, and cancels it once", async () => {
    const t = admin();
    expect(await code(t.createEnrollment({ unit: "  ", ttl_hours: 24 }))).toBe("invalid_input");
    expect(await code(t.createEnrollment({ unit: "MOBILE-1", ttl_hours: 0 }))).toBe("invalid_input");
    expect(await code(t.createEnrollment({ unit: "MOBILE-1", ttl_hours: FLEET_LIMITS.maxEnrollTtlHours + 1 }))).toBe("invalid_input");
    const made = await t.createEnrollment({ unit: " MOBILE-07 ", ttl_hours: 72 });
    expect(made.token).toMatch(/^KORDON1-[A-Za-z0-9_-]+$/);
    expect(made.qr_svg).toMatch(/^<\?xml[^>]*>\s*<svg /);
    expect(made.pending).toEqual({ id: made.pending.id, unit: "MOBILE-07", created_ms: NOW, expires_ms: NOW + 72 * HOUR, created_by: "ADM-01" });
    expect(made.pending.id).toMatch(/^[0-9a-f]{16}$/);
    // Newest first; the token's text is never listed.
    const listed = await t.enrollments();
    expect(listed.map((p) => p.unit)).toEqual(["MOBILE-07", "MOBILE-11"]);
    expect(JSON.stringify(listed)).not.toContain(made.token);
    expect(await t.cancelEnrollment(made.pending.id.toUpperCase())).toEqual(made.pending);
    expect((await t.enrollments()).map((p) => p.unit)).toEqual(["MOBILE-11"]);
    expect(await code(t.cancelEnrollment(made.pending.id))).toBe("not_found");
  });

  it("revokes one device by its key or a prefix, with the reason, and counts its refused attempts", async () => {
    const t = admin();
    expect(await code(t.revoke({ unit: null, device: null, reason: "lost" }))).toBe("invalid_input");
    expect(await code(t.revoke({ unit: "MOBILE-11", device: KEY_B, reason: "lost" }))).toBe("invalid_input");
    expect(await code(t.revoke({ unit: null, device: KEY_B, reason: "  " }))).toBe("invalid_input");
    expect(await code(t.revoke({ unit: null, device: KEY_B, reason: "x".repeat(FLEET_LIMITS.maxRevokeReason + 1) }))).toBe("invalid_input");
    expect(await code(t.revoke({ unit: null, device: "b2b2", reason: "lost" }))).toBe("invalid_input");
    expect(await code(t.revoke({ unit: null, device: "ffffffff", reason: "lost" }))).toBe("not_found");
    // Both MOBILE-11 keys start b2b2b2b2: give more digits.
    const refused = await t.revoke({ unit: null, device: "b2b2b2b2", reason: "lost" }).then(
      () => null,
      (e: unknown) => e as TransportError,
    );
    expect([refused?.code, refused?.message]).toEqual(["invalid_input", "2 devices have keys starting b2b2b2b2: give more digits"]);
    expect(await t.revoke({ unit: null, device: KEY_B.slice(0, 12).toUpperCase(), reason: " Tablet stolen \n at the post " })).toEqual({ revoked: 1 });
    const f = await t.fleet();
    const b = f.devices.find((d) => d.key === KEY_B);
    expect(b).toMatchObject({ revoked_ms: NOW, revoked_reason: "Tablet stolen \n at the post", revoked_by: "ADM-01", stale: false });
    expect(f.devices.find((d) => d.key === KEY_C)?.revoked_ms).toBeNull();
    // The unit's token is untouched by a device's revocation.
    expect(await t.enrollments()).toHaveLength(1);

    t.vehicleConnects(KEY_B);
    t.vehicleConnects(KEY_B);
    const after = (await t.fleet()).devices.find((d) => d.key === KEY_B);
    expect(after).toMatchObject({ refused_count: 2, last_refused_ms: NOW, last_sync: "refused" });
    // Revoked again: nothing more.
    expect(await t.revoke({ unit: null, device: KEY_B, reason: "again" })).toEqual({ revoked: 0 });
  });

  it("revokes a whole unit, its unused tokens with it", async () => {
    const t = admin();
    expect(await code(t.revoke({ unit: "MOBILE-99", device: null, reason: "gone" }))).toBe("not_found");
    expect(await t.revoke({ unit: "MOBILE-11", device: null, reason: "Unit disbanded" })).toEqual({ revoked: 2 });
    const f = await t.fleet();
    expect(f.devices.map((d) => d.revoked_reason)).toEqual([null, "Unit disbanded", "Unit disbanded"]);
    expect(await t.enrollments()).toEqual([]);
  });

  it("has a demo fleet with a stale vehicle, a revoked one with its reason and refused attempts, and one whose backlog is unknown", async () => {
    const { seed } = demoConsoleSeed(NOW);
    const t = createConsoleMemoryTransport({ now: () => NOW, seed, signedIn: "ADM-01" });
    const f = await t.fleet();
    expect(f.devices.some((d) => d.stale)).toBe(true);
    const revoked = f.devices.find((d) => d.revoked_ms !== null);
    expect(revoked?.revoked_reason).toBeTruthy();
    expect(revoked?.refused_count).toBeGreaterThan(0);
    expect(f.devices.some((d) => d.backlog_records === null && d.app_version === null)).toBe(true);
    expect(f.devices.some((d) => d.clock_offset_ms !== null && Math.abs(d.clock_offset_ms) > 5 * 60_000)).toBe(true);
    // The vehicles' keys sign the demo inspections' records.
    expect(f.devices.find((d) => d.unit === "MOBILE-1")?.records).toBeGreaterThan(0);
    expect((await t.enrollments()).length).toBeGreaterThan(0);
  });
});

describe("console memory transport: the audit trail", () => {
  const DAY = 24 * HOUR;
  const ALL: TrailQuery = { kind: null, from_ms: null, to_ms: null, unit: null, actor: null, document: null, refused_only: false, after: null, limit: null };
  const STOLEN = "5e".repeat(32);
  const devices = (): DeviceInfo[] => [
    { ...newDevice(STOLEN, "MOBILE-5", NOW - 30 * DAY), last_addr: "10.40.5.30:52990", revoked_ms: NOW - 2 * DAY, revoked_reason: "Tablet stolen", revoked_by: "ADM-01", refused_count: 2, last_refused_ms: NOW - 3 * HOUR, last_sync: "refused" },
  ];
  function trail(opts: { as?: string; clock?: { now: number } } = {}) {
    const clock = opts.clock ?? { now: NOW };
    const seed = [
      testView({ tractor: "AA1234BC", unit: "MOBILE-1", created_by: "OF-1742", created_ms: NOW - 5 * HOUR, decisions: [decided("release", NOW - 5 * HOUR + 60_000, { officer: "OF-1742" })] }),
      testView({ tractor: "BO1734OA", unit: "MOBILE-2", created_by: "OF-2210", created_ms: NOW - 30 * HOUR, reviews: [reviewed("agree", NOW - 29 * HOUR, { supervisor: "SUP-07" })] }),
    ].map((view) => ({ view, received_ms: view.created_ms + 60_000 }));
    const t = createConsoleMemoryTransport({
      now: () => clock.now,
      seed,
      devices: devices(),
      enrollments: [{ id: "00ff00ff00ff00ff", unit: "MOBILE-6", created_ms: NOW - 4 * HOUR, expires_ms: NOW + 20 * HOUR, created_by: "ADM-01" }],
      hotlists: [],
      signedIn: opts.as ?? "AUD-01",
    });
    return { t, seed: seed.map((s) => s.view), clock };
  }
  const key = (e: TrailEvent): string => `${e.kind}:${e.operation}:${e.outcome}`;
  async function everything(t: ReturnType<typeof trail>["t"], q: TrailQuery = ALL): Promise<TrailEvent[]> {
    return (await t.trail({ ...q, limit: TRAIL_LIMITS.maxPage })).events;
  }

  it("is for auditors and administrators; a supervisor's attempt is itself in the trail", async () => {
    expect((await trail({ as: "ADM-01" }).t.trail(ALL)).events.length).toBeGreaterThan(0);
    const { t } = trail({ as: "SUP-07" });
    expect(await code(t.trail(ALL))).toBe("forbidden");
    expect(decodeURIComponent(t.trailCsvUrl(ALL))).toContain('"code":"forbidden"');
    await t.logout();
    expect(await code(t.trail(ALL))).toBe("unauthenticated");
    await t.login({ name: "AUD-01", password: "kordon" });
    const refused = (await everything(t, { ...ALL, refused_only: true })).find((e) => e.operation === "refused");
    expect(refused).toMatchObject({ kind: "console", actor: "SUP-07", role: "supervisor", outcome: "refused" });
    expect(refused?.detail).toMatch(/^trail: /);
  });

  it("lists records, refusals and console actions newest first, each with its cursor", async () => {
    const { t, seed } = trail();
    const events = await everything(t);
    const times = events.map((e) => e.at_ms);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(events.map((e) => e.cursor)).size).toBe(events.length);
    const create = events.find((e) => e.kind === "record" && e.operation === "create" && e.document === seed[0]?.id);
    expect(create).toMatchObject({ actor: "OF-1742", role: null, unit: "MOBILE-1", outcome: "accepted", detail: "", peer: null, at_ms: NOW - 5 * HOUR + 60_000 });
    expect(create?.signer).toMatch(/^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$/);
    expect(create?.record).toMatch(/^[0-9a-f]{64}$/);
    // The stolen tablet's two refused attempts, the last when the register says.
    const refusals = events.filter((e) => e.kind === "refusal");
    expect(refusals.map((e) => [e.unit, e.signer, e.operation, e.outcome, e.detail])).toEqual([
      ["MOBILE-5", "5e5e 5e5e 5e5e 5e5e", "connection", "refused", "revoked device: Tablet stolen"],
      ["MOBILE-5", "5e5e 5e5e 5e5e 5e5e", "connection", "refused", "revoked device: Tablet stolen"],
    ]);
    expect(refusals[0]?.at_ms).toBe(NOW - 3 * HOUR);
    // The console actions behind the data: the review, the revocation, the token, each after a sign-in.
    const console = events.filter((e) => e.kind === "console");
    expect(console.map(key)).toEqual(expect.arrayContaining(["console:review:ok", "console:revoke:ok", "console:enrollment_create:ok", "console:login:ok", "console:login:refused"]));
    expect(console.find((e) => e.operation === "revoke")).toMatchObject({ actor: "ADM-01", role: "administrator", detail: "device 5e5e 5e5e 5e5e 5e5e: Tablet stolen", at_ms: NOW - 2 * DAY });
    expect(console.find((e) => e.operation === "review")?.detail).toBe(`${seed[1]?.id ?? ""}: agree`);
  });

  it("filters as the server does", async () => {
    const { t, seed } = trail();
    const all = await everything(t);
    const only = async (q: Partial<TrailQuery>): Promise<TrailEvent[]> => everything(t, { ...ALL, ...q });
    for (const kind of ["record", "refusal", "console"] as const) {
      const events = await only({ kind });
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.kind === kind)).toBe(true);
    }
    // Refusals only: refused connections and refused console requests, never a record.
    expect((await only({ refused_only: true })).map(key).sort()).toEqual(["console:login:refused", "refusal:connection:refused", "refusal:connection:refused"]);
    expect(await only({ kind: "record", refused_only: true })).toEqual([]);
    // A unit: its devices' records and refusals; console actions have none.
    expect(new Set((await only({ unit: "MOBILE-5" })).map(key))).toEqual(new Set(["refusal:connection:refused"]));
    expect((await only({ unit: " MOBILE-1 " })).every((e) => e.kind === "record" && e.unit === "MOBILE-1")).toBe(true);
    // An actor: records signed for the officer, or the account's console actions; refusals have none.
    expect((await only({ actor: "OF-2210" })).map(key)).toEqual(["record:create:accepted"]);
    expect(new Set((await only({ actor: "ADM-01" })).map((e) => e.kind))).toEqual(new Set(["console"]));
    // An inspection: its records only, in any spelling of its id.
    const id = seed[0]?.id ?? "";
    const records = await only({ document: id.toUpperCase().replaceAll("-", "") });
    expect(records.map(key)).toEqual(["record:decide:accepted", "record:create:accepted"]);
    expect(await code(t.trail({ ...ALL, document: "not-an-id" }))).toBe("invalid_input");
    // Time: from inclusive, to exclusive.
    const at = all[3]?.at_ms ?? 0;
    expect((await only({ from_ms: at })).every((e) => e.at_ms >= at)).toBe(true);
    expect((await only({ to_ms: at })).every((e) => e.at_ms < at)).toBe(true);
    expect((await only({ from_ms: at })).length + (await only({ to_ms: at })).length).toBe(all.length);
  });

  it("pages by cursor without repeating or skipping, and refuses a cursor it did not give", async () => {
    const { t } = trail();
    const all = await everything(t);
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 100; i++) {
      const page = await t.trail({ ...ALL, limit: 3, after });
      expect(page.events.length).toBeLessThanOrEqual(3);
      seen.push(...page.events.map((e) => e.cursor));
      if (page.next === null) break;
      expect(page.next).toBe(page.events.at(-1)?.cursor);
      after = page.next;
    }
    expect(seen).toEqual(all.map((e) => e.cursor));
    // New events arrive at the top; a page already given stays the same.
    const second = await t.trail({ ...ALL, limit: 3, after: all[2]?.cursor ?? null });
    await t.logout();
    await t.login({ name: "AUD-01", password: "kordon" });
    expect(await t.trail({ ...ALL, limit: 3, after: all[2]?.cursor ?? null })).toEqual(second);
    expect((await t.trail({ ...ALL })).events).toHaveLength(Math.min(TRAIL_LIMITS.page, all.length + 2));
    expect(await code(t.trail({ ...ALL, after: "yesterday" }))).toBe("invalid_input");
    expect(await code(t.trail({ ...ALL, after: "1.2" }))).toBe("invalid_input");
  });

  it("records what is done through it: sign-ins (and failed ones), reviews, revocations, refused connections", async () => {
    const clock = { now: NOW };
    const { t, seed } = trail({ as: "SUP-07", clock });
    clock.now = NOW + 1_000;
    const id = seed[0]?.id ?? "";
    await t.review(id, { verdict: "return", outcome: null, reasons: [], comment: "Rescan the trailer" });
    await t.logout();
    clock.now = NOW + 2_000;
    expect(await code(t.login({ name: "ADM-01", password: "nope" }))).toBe("wrong_password");
    await t.login({ name: "ADM-01", password: "kordon" });
    clock.now = NOW + 3_000;
    await t.revoke({ unit: "MOBILE-5", device: null, reason: "Unit disbanded" });
    t.vehicleConnects(STOLEN);
    const top = (await t.trail({ ...ALL, limit: 7 })).events;
    // Within one millisecond: console actions, then refusals, then records (the server's order).
    expect(top.map((e) => [e.at_ms - NOW, key(e), e.actor, e.detail])).toEqual([
      [3_000, "console:revoke:ok", "ADM-01", "unit MOBILE-5: Unit disbanded"],
      [3_000, "refusal:connection:refused", null, "revoked device: Tablet stolen"],
      [2_000, "console:login:ok", "ADM-01", ""],
      [2_000, "console:login:refused", "ADM-01", "wrong password"],
      [1_000, "console:logout:ok", "SUP-07", ""],
      [1_000, "console:review:ok", "SUP-07", `${id}: return`],
      [1_000, "record:review:accepted", "SUP-07", ""],
    ]);
    // The server signs the review: no unit.
    expect(top[6]).toMatchObject({ document: id, unit: null });
  });

  it("gives the whole filtered trail as the server's CSV, whatever the page", async () => {
    const { t } = trail();
    const url = t.trailCsvUrl({ ...ALL, kind: "refusal", after: "1.0.1", limit: 1 });
    expect(url.startsWith("data:text/csv;charset=utf-8,")).toBe(true);
    const lines = decodeURIComponent(url.slice(url.indexOf(",") + 1)).trimEnd().split("\n");
    expect(lines[0]).toBe(TRAIL_CSV_COLUMNS.join(","));
    expect(lines.slice(1)).toEqual([
      `${new Date(NOW - 3 * HOUR).toISOString().replace(".000Z", "Z")},refusal,,,MOBILE-5,5e5e 5e5e 5e5e 5e5e,,connection,refused,revoked device: Tablet stolen,,10.40.5.30:52990`,
      expect.stringMatching(/^[^,]+,refusal,,,MOBILE-5,/),
    ]);
    const all = decodeURIComponent(t.trailCsvUrl(ALL)).trimEnd().split("\n");
    expect(all.length - 1).toBe((await everything(t)).length);
    // Quoted where RFC 4180 wants it (a comma in the detail).
    expect(all.find((l) => l.includes(",enrollment_create,"))).toMatch(/,enrollment_create,ok,"MOBILE-6: token 00ff00ff00ff00ff, valid 24 h",,10\.40\.0\.23$/);
  });
});

describe("console memory transport: the statistics", () => {
  const MIN = 60_000;
  const scan = (added_ms: number): Scan => ({ id: `s${added_ms}`, images: [], name: null, scanner: null, captured_ms: null, pixel_mm: null, added_ms, added_by: "OF-1" });

  it("takes each inspection's facts as the server does (facts.rs)", () => {
    // Returned twice (the crew's clock behind on the first answer: counted as at once), then agreed.
    const v = testView({
      decisions: [decided("release", 5_000, { officer: "OF-1" }), decided("release", 8_500, { officer: "OF-2" }), decided("detain", 14_000, { officer: "OF-3" })],
      reviews: [reviewed("return", 9_000, { decisions_seen: 1 }), reviewed("return", 10_000, { decisions_seen: 2 }), reviewed("agree", 20_000, { decisions_seen: 3 })],
      scans: [scan(3_000), scan(2_000)],
      alerts: [hit(), hit({ id: "a2", tier: "profile" }), hit({ id: "a3", tier: "one_edit" })],
    });
    expect(factsOf(v)).toEqual({
      outcome: "detain",
      scans: 2,
      scan_to_decision_ms: 3_000,
      review: "agree",
      reviewed_officer: "OF-3",
      returns: 2,
      returns_answered: 2,
      answer_ms: 4_000,
      hotlist_hits: 2,
    });
    // A decision after the review does not change whose decision it judged; one not yet seen answers nothing.
    const later = testView({ decisions: [decided("release", 5_000, { officer: "OF-1" })], reviews: [reviewed("return", 9_000, { decisions_seen: 1 })] });
    expect(factsOf(later)).toMatchObject({ reviewed_officer: "OF-1", returns: 1, returns_answered: 0, scan_to_decision_ms: null });
    later.decisions.push(decided("release", 12_000, { officer: "OF-2" }));
    expect(factsOf(later)).toMatchObject({ reviewed_officer: "OF-1", returns_answered: 1, answer_ms: 3_000 });
  });

  it("counts a period by UTC day of creation and unit, every day shown, for supervisors and auditors only", async () => {
    const T = NOW - HOUR; // 2026-11-24
    const seed = [
      testView({
        unit: "MOBILE-1",
        created_ms: T,
        scans: [scan(T)],
        decisions: [decided("release", T + 3 * MIN, { officer: "OF-1" }), decided("detain", T + 20 * MIN, { officer: "OF-2" })],
        reviews: [reviewed("return", T + 10 * MIN, { decisions_seen: 1 }), reviewed("agree", T + 30 * MIN, { decisions_seen: 2 })],
        alerts: [hit(), hit({ id: "a2", tier: "profile" })],
      }),
      testView({ unit: "MOBILE-2", created_ms: T + MIN }),
      testView({
        unit: "MOBILE-2",
        created_ms: NOW - 50 * HOUR, // 2026-11-22
        decisions: [decided("release", NOW - 50 * HOUR, { officer: "OF-1" })],
        reviews: [reviewed("overrule", NOW - 49 * HOUR, { decisions_seen: 1, outcome: "refer" })],
      }),
      testView({ unit: "MOBILE-1", created_ms: Date.UTC(2026, 10, 1) }),
    ].map((view) => ({ view }));
    const t = createConsoleMemoryTransport({ now: () => NOW, seed, signedIn: "AUD-01", hotlists: [] });
    const q = { from: "2026-11-22", to: "2026-11-24" };
    const s = await t.statistics(q);
    expect([s.from, s.to, s.unit]).toEqual(["2026-11-22", "2026-11-24", null]);
    expect(s.by_day.map((d) => [d.day, d.inspections])).toEqual([
      ["2026-11-22", 1],
      ["2026-11-23", 0],
      ["2026-11-24", 2],
    ]);
    expect(s.by_day[1]?.agreement_rate).toBeNull();
    expect(s.by_unit.map((u) => [u.unit, u.inspections])).toEqual([
      ["MOBILE-1", 1],
      ["MOBILE-2", 2],
    ]);
    expect(s.by_day_unit.map((d) => `${d.day} ${d.unit}`)).toEqual(["2026-11-22 MOBILE-2", "2026-11-24 MOBILE-1", "2026-11-24 MOBILE-2"]);
    expect(s.total).toEqual({
      inspections: 3,
      release: 0,
      physical_inspection: 0,
      detain: 1,
      refer: 1,
      undecided: 1,
      scans: 1,
      reviewed: 2,
      agreed: 1,
      overruled: 1,
      returned: 0,
      returns: 1,
      returns_answered: 1,
      answer_ms_total: 10 * MIN,
      timed_decisions: 1,
      scan_to_decision_ms_total: 3 * MIN,
      hotlist_hits: 1,
      inspections_with_hits: 1,
      scans_per_inspection: 1 / 3,
      agreement_rate: 0.5,
      mean_answer_ms: 10 * MIN,
      mean_scan_to_decision_ms: 3 * MIN,
    });
    expect(s.officers).toEqual([
      { officer: "OF-1", reviewed: 1, agreed: 0, overruled: 1, returned: 0, agreement_rate: 0 },
      { officer: "OF-2", reviewed: 1, agreed: 1, overruled: 0, returned: 0, agreement_rate: 1 },
    ]);
    const one = await t.statistics({ ...q, unit: "MOBILE-2" });
    expect([one.unit, one.total.inspections, one.by_unit.map((u) => u.unit)]).toEqual(["MOBILE-2", 2, ["MOBILE-2"]]);

    // Each table as the server's CSV.
    const csv = (table: Parameters<typeof t.statisticsCsvUrl>[1]): string[] =>
      decodeURIComponent(t.statisticsCsvUrl(q, table).replace(/^data:text\/csv;charset=utf-8,/, "")).trimEnd().split("\n");
    const days = csv("days");
    expect(days[0]).toBe(["day", ...STATS_CSV_COUNT_COLUMNS].join(","));
    expect(days.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(["2026-11-22,1", "2026-11-23,0", "2026-11-24,2"]);
    expect(days[2]?.split(",")[8]).toBe(""); // no scans_per_inspection without inspections
    expect(csv("officers")).toEqual(["officer,reviewed,agreed,overruled,returned,agreement_rate", "OF-1,1,0,1,0,0.0000", "OF-2,1,1,0,0,1.0000"]);

    // A period that is not one; a role that may not.
    expect(await code(t.statistics({ from: "2026-11-25", to: "2026-11-24" }))).toBe("invalid_input");
    expect(await code(t.statistics({ from: "2025-11-22", to: "2026-11-24" }))).toBe("invalid_input");
    expect(await code(t.statistics({ from: "2026-02-30", to: "2026-03-01" }))).toBe("invalid_input");
    expect(decodeURIComponent(t.statisticsCsvUrl({ from: "2026-11-25", to: "2026-11-24" }, "days"))).toContain('"code":"invalid_input"');
    const sup = createConsoleMemoryTransport({ now: () => NOW, seed, signedIn: "SUP-07", hotlists: [] });
    expect((await sup.statistics(q)).total.inspections).toBe(3);
    const adm = createConsoleMemoryTransport({ now: () => NOW, seed, signedIn: "ADM-01", hotlists: [] });
    expect(await code(adm.statistics(q))).toBe("forbidden");
    expect(decodeURIComponent(adm.statisticsCsvUrl(q, "days"))).toContain('"code":"forbidden"');
  });
});

describe("console memory transport: training", () => {
  it("is for trainers, supervisors and auditors; a trainer reads no inspection and no hotlist", async () => {
    for (const name of ["TRN-01", "SUP-07", "AUD-01"]) {
      const t = createConsoleMemoryTransport({ now: () => NOW, signedIn: name });
      expect((await t.training({})).length, name).toBeGreaterThan(3);
    }
    const adm = createConsoleMemoryTransport({ now: () => NOW, signedIn: "ADM-01" });
    expect(await code(adm.training({}))).toBe("forbidden");
    expect(await code(adm.trainingAttempt("x"))).toBe("forbidden");
    const trainer = createConsoleMemoryTransport({ now: () => NOW, signedIn: "TRN-01" });
    expect(await code(trainer.queue({}))).toBe("forbidden");
    expect(await code(trainer.hotlists())).toBe("forbidden");
    expect(await code(trainer.statistics({ from: "2026-11-01", to: "2026-11-24" }))).toBe("forbidden");
    expect(await code(trainer.trail({ kind: null, from_ms: null, to_ms: null, unit: null, actor: null, document: null, refused_only: false, after: null, limit: null }))).toBe("forbidden");
    expect((await trainer.me()).role).toBe("trainer");
  });

  it("has demo trainees with attempts over several weeks, each scored, one under way; and gives one attempt or not_found", async () => {
    const t = createConsoleMemoryTransport({ now: () => NOW, signedIn: "TRN-01" });
    const all = await t.training({});
    const attempts = all.flatMap((p) => p.attempts);
    const span = Math.max(...attempts.map((a) => a.created_ms)) - Math.min(...attempts.map((a) => a.created_ms));
    expect(span).toBeGreaterThan(28 * 24 * HOUR);
    expect(attempts.every((a) => a.created_ms <= NOW && a.score !== null)).toBe(true);
    expect(attempts.some((a) => !a.finished)).toBe(true);
    for (const p of all) expect(p.attempts.map((a) => a.created_ms)).toEqual([...p.attempts.map((a) => a.created_ms)].sort((a, b) => a - b));
    const first = attempts[0];
    if (first === undefined) throw new Error("no attempt");
    const one = await t.trainingAttempt(first.id);
    expect(one.summary).toEqual(first);
    expect(one.images.length).toBe(first.total);
    expect(await code(t.trainingAttempt("00000000-0000-7000-8000-000000000000"))).toBe("not_found");
    expect(await code(t.trainingAttempt("not an id"))).toBe("invalid_input");
    expect((await t.training({ unit: "MOBILE-2" })).every((p) => p.units.join() === "MOBILE-2")).toBe(true);
  });
});
