// The in-memory console transport behaves like the server's /api where the
// screens and their tests rely on it: roles, throttled logins, the queue's
// filters, counts and paging, append-only reviews and marks, scan arrival.

import { describe, expect, it, vi } from "vitest";
import { decided, reviewed, testView } from "../domain/testViews.ts";
import type { TransportError } from "./errors.ts";
import { createConsoleMemoryTransport, demoConsoleSeed } from "./consoleMemory.ts";
import type { Review } from "./types.ts";

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
