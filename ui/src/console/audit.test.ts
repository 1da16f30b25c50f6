// The audit page's logic: its view in the URL (filters, page, the way back
// to newer pages) read and written back, paging that never repeats or
// skips a page, whole days in the console's time zone as the API's
// milliseconds, and the queries for a page and for the CSV export.

import { describe, expect, it } from "vitest";
import {
  auditSearch,
  auditViewFrom,
  canGoNewer,
  csvQuery,
  dayAfter,
  dayRangeMs,
  dayStartMs,
  DEFAULT_AUDIT_VIEW,
  DEFAULT_PAGE_SIZE,
  hasFilters,
  inspectionOf,
  isDay,
  isKnownOperation,
  isRefused,
  MAX_BACK,
  newerPage,
  newestPage,
  NO_FILTERS,
  olderPage,
  pageNumber,
  pageRange,
  pageSizeChoices,
  trailQuery,
  withFilters,
  zoneOffsetMs,
  type AuditView,
} from "./audit.ts";
import { TRAIL_LIMITS } from "../transport/console.ts";

const HOUR = 3_600_000;

describe("the audit page in the URL", () => {
  it("reads every filter, the page and the way back, and writes them back the same", () => {
    const search =
      "?kind=refusal&from=2026-11-01&to=2026-11-24&unit=MOBILE-3&actor=OF-1742&document=5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0001&refused_only=true&limit=50&after=30.1.7&back=50.2.9&back=40.0.8&skipped=2";
    const v = auditViewFrom(search);
    expect(v).toEqual({
      kind: "refusal",
      from: "2026-11-01",
      to: "2026-11-24",
      unit: "MOBILE-3",
      actor: "OF-1742",
      document: "5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0001",
      refusedOnly: true,
      limit: 50,
      after: "30.1.7",
      back: ["50.2.9", "40.0.8"],
      skipped: 2,
    });
    expect(auditSearch(v)).toBe(search);
    expect(auditViewFrom(auditSearch(v))).toEqual(v);
  });

  it("leaves the defaults out, and takes anything malformed as the default", () => {
    expect(auditSearch(DEFAULT_AUDIT_VIEW)).toBe("");
    expect(auditViewFrom("")).toEqual(DEFAULT_AUDIT_VIEW);
    expect(auditViewFrom("?kind=everything&from=2026-02-30&to=yesterday&limit=0&refused_only=yes&unit=%20%20")).toEqual(DEFAULT_AUDIT_VIEW);
    expect(auditViewFrom(`?limit=${TRAIL_LIMITS.maxPage + 1}`).limit).toBe(DEFAULT_PAGE_SIZE);
    expect(auditViewFrom(`?limit=${TRAIL_LIMITS.maxPage}`).limit).toBe(TRAIL_LIMITS.maxPage);
    // The way back means nothing on the newest page.
    expect(auditViewFrom("?back=1.0.1&skipped=3")).toEqual(DEFAULT_AUDIT_VIEW);
    expect(auditSearch({ ...DEFAULT_AUDIT_VIEW, unit: "  MOBILE-1 " })).toBe("?unit=MOBILE-1");
  });

  it("starts at the newest page again when a filter or the page size changes", () => {
    const deep: AuditView = { ...DEFAULT_AUDIT_VIEW, after: "3.0.3", back: ["5.0.5", "4.0.4"], skipped: 1 };
    expect(withFilters(deep, { kind: "console" })).toEqual({ ...DEFAULT_AUDIT_VIEW, kind: "console" });
    expect(withFilters(deep, { limit: 500 })).toEqual({ ...DEFAULT_AUDIT_VIEW, limit: 500 });
    expect(withFilters({ ...deep, actor: "SUP-07", refusedOnly: true }, NO_FILTERS)).toEqual(DEFAULT_AUDIT_VIEW);
    expect(hasFilters(DEFAULT_AUDIT_VIEW)).toBe(false);
    expect(hasFilters({ ...DEFAULT_AUDIT_VIEW, refusedOnly: true })).toBe(true);
    const paged: AuditView = { ...DEFAULT_AUDIT_VIEW, limit: 50, after: "1.0.1" };
    expect(hasFilters(paged)).toBe(false);
  });

  it("pages older and back newer through the same cursors, numbering the pages", () => {
    const p1 = { ...DEFAULT_AUDIT_VIEW, limit: 20 };
    expect([pageNumber(p1), canGoNewer(p1)]).toEqual([1, false]);
    const p2 = olderPage(p1, "c2");
    const p3 = olderPage(p2, "c3");
    const p4 = olderPage(p3, "c4");
    expect([p2.after, p2.back]).toEqual(["c2", []]);
    expect([p4.after, p4.back]).toEqual(["c4", ["c2", "c3"]]);
    expect([pageNumber(p2), pageNumber(p4)]).toEqual([2, 4]);
    expect(pageRange(p4, 20)).toEqual({ first: 61, last: 80 });
    expect(pageRange(p4, 7)).toEqual({ first: 61, last: 67 });
    expect(pageRange(p4, 0)).toBeNull();
    // Back up the same way, each page as it was.
    expect(newerPage(p4)).toEqual(p3);
    expect(newerPage(newerPage(p4))).toEqual(p2);
    expect(newerPage(p2)).toEqual(p1);
    expect(newerPage(p1)).toEqual(p1);
    expect(newestPage(p4)).toEqual(p1);
    // Through the URL too.
    expect(newerPage(auditViewFrom(auditSearch(p4)))).toEqual(p3);
  });

  it("keeps the way back short on a long walk, and then offers only the newest page from its bottom", () => {
    let v: AuditView = { ...DEFAULT_AUDIT_VIEW };
    for (let i = 2; i <= MAX_BACK + 5; i++) v = olderPage(v, `c${i}`);
    expect(v.back).toHaveLength(MAX_BACK);
    expect(v.skipped).toBe(3);
    expect(pageNumber(v)).toBe(MAX_BACK + 5);
    expect(auditViewFrom(auditSearch(v))).toEqual(v);
    for (let i = 0; i < MAX_BACK; i++) v = newerPage(v);
    expect([v.after, v.back, pageNumber(v), canGoNewer(v)]).toEqual(["c5", [], 5, false]);
    expect(newerPage(v)).toEqual(v);
    expect(newestPage(v).after).toBeNull();
  });

  it("offers the usual page sizes, and the URL's own", () => {
    expect(pageSizeChoices(DEFAULT_PAGE_SIZE)).toEqual([50, 100, 500]);
    expect(pageSizeChoices(5)).toEqual([5, 50, 100, 500]);
  });
});

describe("days in the console's time zone", () => {
  it("checks days and counts on from them", () => {
    expect(isDay("2026-11-24")).toBe(true);
    expect(isDay("2026-02-30")).toBe(false);
    expect(isDay("24.11.2026")).toBe(false);
    expect(dayAfter("2026-11-30")).toBe("2026-12-01");
    expect(dayAfter("2026-12-31")).toBe("2027-01-01");
    expect(dayAfter("2028-02-28")).toBe("2028-02-29");
  });

  it("begins a day at the zone's midnight, in winter and in summer", () => {
    expect(zoneOffsetMs(Date.UTC(2026, 10, 24, 12), "Europe/Kyiv")).toBe(2 * HOUR);
    expect(zoneOffsetMs(Date.UTC(2026, 6, 1, 12), "Europe/Kyiv")).toBe(3 * HOUR);
    expect(dayStartMs("2026-11-24", "Europe/Kyiv")).toBe(Date.UTC(2026, 10, 23, 22));
    expect(dayStartMs("2026-07-01", "Europe/Kyiv")).toBe(Date.UTC(2026, 5, 30, 21));
    expect(dayStartMs("2026-11-24", "UTC")).toBe(Date.UTC(2026, 10, 24));
    expect(dayStartMs("2026-11-24", "America/New_York")).toBe(Date.UTC(2026, 10, 24, 5));
    // The days the clocks change (at 03:00 and 04:00 in Kyiv): midnight is as usual.
    expect(dayStartMs("2026-03-29", "Europe/Kyiv")).toBe(Date.UTC(2026, 2, 28, 22));
    expect(dayStartMs("2026-03-30", "Europe/Kyiv")).toBe(Date.UTC(2026, 2, 29, 21));
    expect(dayStartMs("2026-10-25", "Europe/Kyiv")).toBe(Date.UTC(2026, 9, 24, 21));
    expect(dayStartMs("2026-10-26", "Europe/Kyiv")).toBe(Date.UTC(2026, 9, 25, 22));
  });

  it("starts a day at 01:00 where the clocks skip its midnight", () => {
    // Chile moves to summer time at midnight: 2026-09-06 begins at 01:00 (UTC−3).
    expect(dayStartMs("2026-09-06", "America/Santiago")).toBe(Date.UTC(2026, 8, 6, 4));
    expect(dayStartMs("2026-09-07", "America/Santiago")).toBe(Date.UTC(2026, 8, 7, 3));
  });

  it("takes the 'to' day whole: the range ends where the next day begins", () => {
    expect(dayRangeMs("2026-11-22", "2026-11-23", "Europe/Kyiv")).toEqual({
      from_ms: Date.UTC(2026, 10, 21, 22),
      to_ms: Date.UTC(2026, 10, 23, 22),
    });
    expect(dayRangeMs(null, "2026-11-23", "UTC")).toEqual({ from_ms: null, to_ms: Date.UTC(2026, 10, 24) });
    expect(dayRangeMs(null, null, "UTC")).toEqual({ from_ms: null, to_ms: null });
  });
});

describe("what the API is asked", () => {
  const v: AuditView = {
    ...DEFAULT_AUDIT_VIEW,
    kind: "console",
    from: "2026-11-24",
    to: "2026-11-24",
    unit: " ",
    actor: " ADM-01 ",
    refusedOnly: true,
    limit: 50,
    after: "1795521422000.2.17",
    back: ["1795521999000.2.30"],
  };

  it("asks for the page: its filters, its cursor and its size; blank text is no filter", () => {
    expect(trailQuery(v, "Europe/Kyiv")).toEqual({
      kind: "console",
      from_ms: Date.UTC(2026, 10, 23, 22),
      to_ms: Date.UTC(2026, 10, 24, 22),
      unit: null,
      actor: "ADM-01",
      document: null,
      refused_only: true,
      after: "1795521422000.2.17",
      limit: 50,
    });
  });

  it("exports the filters, not the page: no cursor, no size", () => {
    expect(csvQuery(v, "Europe/Kyiv")).toEqual({ ...trailQuery(v, "Europe/Kyiv"), after: null, limit: null });
    expect(csvQuery(newestPage(v), "Europe/Kyiv")).toEqual(csvQuery(v, "Europe/Kyiv"));
  });
});

describe("events in words", () => {
  it("links a record to its inspection, but not a hotlist's record, a refusal or a console action", () => {
    const doc = "5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0001";
    expect(inspectionOf({ kind: "record", document: doc, operation: "decide" })).toBe(doc);
    expect(inspectionOf({ kind: "record", document: doc, operation: "hotlist_entry" })).toBeNull();
    expect(inspectionOf({ kind: "record", document: null, operation: "create" })).toBeNull();
    expect(inspectionOf({ kind: "refusal", document: doc, operation: "record" })).toBeNull();
    expect(inspectionOf({ kind: "console", document: doc, operation: "review" })).toBeNull();
  });

  it("marks every kind of refusal", () => {
    expect(isRefused({ kind: "refusal", outcome: "refused" })).toBe(true);
    expect(isRefused({ kind: "console", outcome: "refused" })).toBe(true);
    expect(isRefused({ kind: "console", outcome: "ok" })).toBe(false);
    expect(isRefused({ kind: "record", outcome: "accepted" })).toBe(false);
  });

  it("knows the server's operations, and not others", () => {
    for (const op of ["create", "decide", "review", "annotate", "connection", "login", "revoke", "enrollment_create", "trail_export", "refused"]) {
      expect(isKnownOperation(op), op).toBe(true);
    }
    expect(isKnownOperation("teleport")).toBe(false);
  });
});
