import { describe, expect, it } from "vitest";
import { FLEET_LIMITS, type FleetDevice } from "../transport/console.ts";
import { newDevice } from "../transport/consoleMemory.ts";
import {
  clockSkewed,
  compareVersions,
  DEFAULT_FLEET_PARAMS,
  DEFAULT_TTL_HOURS,
  deviceState,
  durationParts,
  filterDevices,
  fleetParamsFrom,
  fleetSearch,
  formatOffset,
  matchesText,
  nextFleetSort,
  offsetParts,
  qrDataUrl,
  relativeParts,
  sortDevices,
  STALE_CHOICES,
  staleChoices,
  stateCounts,
  TTL_CHOICES,
} from "./fleet.ts";

const NOW = Date.UTC(2026, 10, 24, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;

const dev = (unit: string, hex: string, over: Partial<FleetDevice> = {}): FleetDevice => ({
  ...newDevice(hex.repeat(64 / hex.length), unit, NOW - 10 * 24 * HOUR),
  stale: false,
  ...over,
});

const words = { h: (n: number) => `${n} h`, m: (n: number) => `${n} min`, s: (n: number) => `${n} s` };

describe("fleet: where a vehicle stands", () => {
  it("revoked wins over stale; otherwise stale or active as the server flagged it", () => {
    expect(deviceState({ revoked_ms: null, stale: false })).toBe("active");
    expect(deviceState({ revoked_ms: null, stale: true })).toBe("stale");
    expect(deviceState({ revoked_ms: NOW, stale: true })).toBe("revoked");
    const all = [dev("A", "a"), dev("B", "b", { stale: true }), dev("C", "c", { revoked_ms: NOW }), dev("D", "d")];
    expect(stateCounts(all)).toEqual({ active: 2, stale: 1, revoked: 1 });
  });
});

describe("fleet: the clock offset in words", () => {
  it("splits an offset into sign, hours, minutes and seconds, rounded to the second", () => {
    expect(offsetParts(125_000)).toEqual({ sign: "+", h: 0, m: 2, s: 5 });
    expect(offsetParts(-40_400)).toEqual({ sign: "−", h: 0, m: 0, s: 40 });
    expect(offsetParts(3_780_000)).toEqual({ sign: "+", h: 1, m: 3, s: 0 });
    expect(offsetParts(300)).toEqual({ sign: "", h: 0, m: 0, s: 0 });
  });

  it("says it as people do: no zero parts, no seconds from an hour up", () => {
    expect(formatOffset(125_000, words)).toBe("+2 min 5 s");
    expect(formatOffset(-40_000, words)).toBe("−40 s");
    expect(formatOffset(120_000, words)).toBe("+2 min");
    expect(formatOffset(-3_785_000, words)).toBe("−1 h 3 min");
    expect(formatOffset(2 * HOUR + 4_000, words)).toBe("+2 h");
    expect(formatOffset(0, words)).toBe("0 s");
    expect(formatOffset(-499, words)).toBe("0 s");
  });

  it("flags a clock more than five minutes off either way; unknown is not flagged", () => {
    expect(clockSkewed(5 * MIN)).toBe(false);
    expect(clockSkewed(5 * MIN + 1)).toBe(true);
    expect(clockSkewed(-6 * MIN)).toBe(true);
    expect(clockSkewed(null)).toBe(false);
  });
});

describe("fleet: times ago and durations", () => {
  it("picks the largest whole unit, hours up to two days", () => {
    expect(relativeParts(NOW - 20_000, NOW)).toEqual({ value: -20, unit: "second" });
    expect(relativeParts(NOW - 14 * MIN - 59_000, NOW)).toEqual({ value: -14, unit: "minute" });
    expect(relativeParts(NOW - 5 * HOUR, NOW)).toEqual({ value: -5, unit: "hour" });
    expect(relativeParts(NOW - 47 * HOUR - 59 * MIN, NOW)).toEqual({ value: -47, unit: "hour" });
    expect(relativeParts(NOW - 48 * HOUR, NOW)).toEqual({ value: -2, unit: "day" });
    expect(relativeParts(NOW - 3 * 24 * HOUR - 5 * HOUR, NOW)).toEqual({ value: -3, unit: "day" });
    expect(relativeParts(NOW + 2 * MIN, NOW)).toEqual({ value: 2, unit: "minute" });
  });

  it("says a week or more in days, less in hours", () => {
    expect(durationParts(1)).toEqual({ unit: "hour", count: 1 });
    expect(durationParts(72)).toEqual({ unit: "hour", count: 72 });
    expect(durationParts(168)).toEqual({ unit: "day", count: 7 });
    expect(durationParts(720)).toEqual({ unit: "day", count: 30 });
    expect(durationParts(170)).toEqual({ unit: "hour", count: 170 });
  });

  it("offers token lifetimes and stale thresholds within the server's limits", () => {
    expect(TTL_CHOICES).toEqual([1, 24, 72, 168, 720]);
    expect(TTL_CHOICES.every((h) => h <= FLEET_LIMITS.maxEnrollTtlHours)).toBe(true);
    expect(DEFAULT_TTL_HOURS).toBe(72);
    expect(STALE_CHOICES).toContain(FLEET_LIMITS.staleAfterHours);
    expect(STALE_CHOICES.every((h) => h <= FLEET_LIMITS.maxStaleAfterHours)).toBe(true);
    // A threshold from a copied link that is not among them is offered too, in order.
    expect(staleChoices(36)).toEqual([1, 6, 12, 24, 36, 48, 168]);
    expect(staleChoices(24)).toEqual([...STALE_CHOICES]);
  });
});

describe("fleet: filters", () => {
  const a = dev("MOBILE-3", "ab12", { stale: true });
  const b = dev("MOBILE-11", "cd34");
  const c = dev("MOBILE-1", "ef56", { revoked_ms: NOW });

  it("matches part of the unit, or the start of the key (a fingerprint with its spaces too)", () => {
    expect(matchesText(a, "")).toBe(true);
    expect(matchesText(a, "mobile-3")).toBe(true);
    expect(matchesText(a, " ab12 ab ")).toBe(true);
    expect(matchesText(a, "AB12 AB12")).toBe(true);
    expect(matchesText(a, "b12")).toBe(false);
    expect(matchesText(b, "11")).toBe(true);
    expect(matchesText(b, "mobile-3")).toBe(false);
  });

  it("narrows by state and text together", () => {
    expect(filterDevices([a, b, c], { text: "", state: "all" })).toEqual([a, b, c]);
    expect(filterDevices([a, b, c], { text: "", state: "stale" })).toEqual([a]);
    expect(filterDevices([a, b, c], { text: "", state: "revoked" })).toEqual([c]);
    expect(filterDevices([a, b, c], { text: "mobile-1", state: "all" })).toEqual([b, c]);
    expect(filterDevices([a, b, c], { text: "mobile-1", state: "active" })).toEqual([b]);
  });
});

describe("fleet: sort", () => {
  const m3 = dev("MOBILE-3", "3", { last_seen_ms: NOW - 3 * HOUR, app_version: "0.9.3", clock_offset_ms: -40_000, backlog_records: 4, backlog_scan_bytes: 10, records: 7, last_sync: "complete" });
  const m11 = dev("MOBILE-11", "b", { last_seen_ms: NOW - MIN, app_version: "0.10.0", clock_offset_ms: 8 * MIN, backlog_records: 4, backlog_scan_bytes: 99, records: 2, last_sync: "complete" });
  const m1 = dev("MOBILE-1", "1", { app_version: null, clock_offset_ms: null, revoked_ms: NOW, last_sync: "refused", records: 40 });
  const m2 = dev("MOBILE-2", "2", { last_seen_ms: NOW - 10 * MIN, app_version: "0.9.1", clock_offset_ms: 1_000, backlog_records: 0, backlog_scan_bytes: 0, stale: true, last_sync: "interrupted" });
  const all = [m3, m11, m1, m2];
  const units = (ds: FleetDevice[]): string[] => ds.map((d) => d.unit);

  it("sorts units as people count (MOBILE-2 before MOBILE-11), either way", () => {
    expect(units(sortDevices(all, { key: "unit", asc: true }))).toEqual(["MOBILE-1", "MOBILE-2", "MOBILE-3", "MOBILE-11"]);
    expect(units(sortDevices(all, { key: "unit", asc: false }))).toEqual(["MOBILE-11", "MOBILE-3", "MOBILE-2", "MOBILE-1"]);
  });

  it("puts unknown values last whichever way", () => {
    expect(units(sortDevices(all, { key: "seen", asc: false }))).toEqual(["MOBILE-11", "MOBILE-2", "MOBILE-3", "MOBILE-1"]);
    expect(units(sortDevices(all, { key: "seen", asc: true }))).toEqual(["MOBILE-3", "MOBILE-2", "MOBILE-11", "MOBILE-1"]);
    expect(units(sortDevices(all, { key: "version", asc: true }))).toEqual(["MOBILE-2", "MOBILE-3", "MOBILE-11", "MOBILE-1"]);
    expect(units(sortDevices(all, { key: "version", asc: false }))).toEqual(["MOBILE-11", "MOBILE-3", "MOBILE-2", "MOBILE-1"]);
  });

  it("sorts the clock by how far off it is, the backlog by records then bytes, and state and sync by severity", () => {
    expect(units(sortDevices(all, { key: "offset", asc: false }))).toEqual(["MOBILE-11", "MOBILE-3", "MOBILE-2", "MOBILE-1"]);
    expect(units(sortDevices(all, { key: "backlog", asc: false }))).toEqual(["MOBILE-11", "MOBILE-3", "MOBILE-2", "MOBILE-1"]);
    expect(units(sortDevices(all, { key: "records", asc: false }))).toEqual(["MOBILE-1", "MOBILE-3", "MOBILE-11", "MOBILE-2"]);
    expect(units(sortDevices(all, { key: "state", asc: true }))).toEqual(["MOBILE-3", "MOBILE-11", "MOBILE-2", "MOBILE-1"]);
    expect(units(sortDevices(all, { key: "sync", asc: true }))).toEqual(["MOBILE-3", "MOBILE-11", "MOBILE-2", "MOBILE-1"]);
  });

  it("compares versions by their numbers", () => {
    expect(compareVersions("0.10.0", "0.9.3")).toBeGreaterThan(0);
    expect(compareVersions("1.2.0", "1.2.0")).toBe(0);
  });

  it("a header clicked sorts by it (most recent first for times), a second click turns it round", () => {
    expect(nextFleetSort({ key: "unit", asc: true }, "records")).toEqual({ key: "records", asc: true });
    expect(nextFleetSort({ key: "unit", asc: true }, "seen")).toEqual({ key: "seen", asc: false });
    expect(nextFleetSort({ key: "seen", asc: false }, "seen")).toEqual({ key: "seen", asc: true });
    expect(nextFleetSort({ key: "unit", asc: true }, "unit")).toEqual({ key: "unit", asc: false });
  });
});

describe("fleet: the view in the URL", () => {
  it("reads the query string, and anything malformed is the default", () => {
    expect(fleetParamsFrom("")).toEqual(DEFAULT_FLEET_PARAMS);
    expect(fleetParamsFrom("?q=mob&state=stale&stale=48&sort=-seen")).toEqual({
      text: "mob",
      state: "stale",
      staleHours: 48,
      sort: { key: "seen", asc: false },
    });
    expect(fleetParamsFrom("?state=gone&stale=0&sort=colour")).toEqual(DEFAULT_FLEET_PARAMS);
    expect(fleetParamsFrom(`?stale=${FLEET_LIMITS.maxStaleAfterHours + 1}`).staleHours).toBe(FLEET_LIMITS.staleAfterHours);
    expect(fleetParamsFrom("?stale=1.5").staleHours).toBe(FLEET_LIMITS.staleAfterHours);
  });

  it("writes it back leaving the defaults out, and reads the same view again", () => {
    expect(fleetSearch(DEFAULT_FLEET_PARAMS)).toBe("");
    const v = { text: "ab12 cd", state: "revoked" as const, staleHours: 6, sort: { key: "offset" as const, asc: true } };
    const s = fleetSearch(v);
    expect(s).toBe("?q=ab12+cd&state=revoked&stale=6&sort=offset");
    expect(fleetParamsFrom(s)).toEqual(v);
    expect(fleetSearch({ ...DEFAULT_FLEET_PARAMS, sort: { key: "unit", asc: false } })).toBe("?sort=-unit");
  });
});

describe("fleet: the QR code", () => {
  it("becomes an image URL, escaped: never markup in the page", () => {
    const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0h1"/></svg>';
    const url = qrDataUrl(svg);
    expect(url.startsWith("data:image/svg+xml;charset=utf-8,")).toBe(true);
    expect(url).not.toContain("<");
    expect(decodeURIComponent(url.slice("data:image/svg+xml;charset=utf-8,".length))).toBe(svg);
  });
});
