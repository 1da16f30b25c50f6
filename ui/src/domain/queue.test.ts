import { describe, expect, it } from "vitest";
import { currentOutcome, isOpen } from "./outcome.ts";
import { DEFAULT_QUEUE_FILTER, filterQueue, localDay, matchesSearch, mergeRows, type QueueFilter } from "./queue.ts";
import { decided, plate, reviewed, testView } from "./testViews.ts";

const KYIV = "Europe/Kyiv";
// 24 Nov 2026, 10:00 in Kyiv (08:00 UTC).
const NOW = Date.UTC(2026, 10, 24, 8, 0);
const HOUR = 3_600_000;

const f = (over: Partial<QueueFilter>): QueueFilter => ({ ...DEFAULT_QUEUE_FILTER, ...over });

describe("derived state", () => {
  it("the current outcome is the latest decision by time, ties to the later entry", () => {
    expect(currentOutcome({ decisions: [], reviews: [] })).toBeNull();
    const v = { decisions: [decided("detain", 5), decided("release", 3)], reviews: [] };
    expect(currentOutcome(v)).toBe("detain");
    expect(currentOutcome({ decisions: [decided("detain", 5), decided("refer", 5)], reviews: [] })).toBe("refer");
  });

  it("open means undecided, or returned by a supervisor and not answered by a new decision", () => {
    const returned = reviewed("return", 20, { decisions_seen: 1 });
    expect(isOpen({ decisions: [], reviews: [] })).toBe(true);
    expect(isOpen({ decisions: [decided("release", 10)], reviews: [] })).toBe(false);
    expect(isOpen({ decisions: [decided("release", 10)], reviews: [returned] })).toBe(true);
    // Counted, not timed: a decision stamped before the review still answers it.
    expect(isOpen({ decisions: [decided("release", 10), decided("detain", 5)], reviews: [returned] })).toBe(false);
    expect(isOpen({ decisions: [decided("release", 10)], reviews: [reviewed("agree", 20, { decisions_seen: 1 })] })).toBe(false);
  });
});

describe("local day", () => {
  it("uses the time zone given, not UTC", () => {
    // 23:30 UTC on the 23rd is already the 24th in Kyiv.
    expect(localDay(Date.UTC(2026, 10, 23, 23, 30), KYIV)).toBe("2026-11-24");
    expect(localDay(Date.UTC(2026, 10, 23, 23, 30), "UTC")).toBe("2026-11-23");
  });
});

describe("filterQueue", () => {
  const todayDecided = testView({ created_ms: NOW - HOUR, decisions: [decided("release", NOW - HOUR)] });
  const yesterdayOpen = testView({ created_ms: NOW - 24 * HOUR });
  const yesterdayDone = testView({
    created_ms: NOW - 25 * HOUR,
    decisions: [decided("detain", NOW - 25 * HOUR)],
  });
  const yesterdayReturned = testView({
    created_ms: NOW - 26 * HOUR,
    decisions: [decided("physical_inspection", NOW - 26 * HOUR)],
    reviews: [reviewed("return", NOW - 2 * HOUR, { decisions_seen: 1 })],
  });
  const all = [yesterdayDone, todayDecided, yesterdayReturned, yesterdayOpen];

  it("shows today's and open inspections by default: returned ones first, then newest first", () => {
    expect(filterQueue(all, DEFAULT_QUEUE_FILTER, NOW, KYIV)).toEqual([yesterdayReturned, todayDecided, yesterdayOpen]);
  });

  it("filters by review state", () => {
    expect(filterQueue(all, f({ scope: "all", review: "returned" }), NOW, KYIV)).toEqual([yesterdayReturned]);
    expect(filterQueue(all, f({ scope: "all", review: "unreviewed" }), NOW, KYIV)).toEqual([todayDecided, yesterdayOpen, yesterdayDone]);
    expect(filterQueue(all, f({ scope: "all", review: "overruled" }), NOW, KYIV)).toEqual([]);
  });

  it("shows everything in the 'all' scope", () => {
    expect(filterQueue(all, f({ scope: "all" }), NOW, KYIV)).toHaveLength(4);
  });

  it("filters by current outcome, or undecided", () => {
    expect(filterQueue(all, f({ scope: "all", outcome: "detain" }), NOW, KYIV)).toEqual([yesterdayDone]);
    expect(filterQueue(all, f({ scope: "all", outcome: "undecided" }), NOW, KYIV)).toEqual([yesterdayOpen]);
    expect(filterQueue(all, f({ scope: "all", outcome: "refer" }), NOW, KYIV)).toEqual([]);
  });

  it("does not mutate the rows it is given", () => {
    const copy = [...all];
    filterQueue(all, f({ scope: "all" }), NOW, KYIV);
    expect(all).toEqual(copy);
  });
});

describe("search", () => {
  const cyr = testView({ tractor: "АА 1234 ВС", trailer_plate: plate("AI 5678 XT"), containers: ["CSQU3054383"] });
  const other = testView({ tractor: "BO1734OA", containers: ["MSKU9070323"] });

  it("finds a plate in any spelling: Cyrillic, Latin, lower case, with separators", () => {
    for (const q of ["AA1234BC", "аа 1234 вс", "aa-1234-bc", "АА1234ВС"]) {
      expect(matchesSearch(cyr, q), q).toBe(true);
      expect(matchesSearch(other, q), q).toBe(false);
    }
  });

  it("finds a plate despite OCR confusions (O/0, B/8, I/1)", () => {
    expect(matchesSearch(other, "B01734OA")).toBe(true);
    expect(matchesSearch(other, "801734 0A")).toBe(true);
    expect(matchesSearch(cyr, "A15678XT")).toBe(true); // the trailer
  });

  it("finds part of a plate", () => {
    expect(matchesSearch(cyr, "1234")).toBe(true);
    expect(matchesSearch(other, "1234")).toBe(false);
  });

  it("finds a container code, whole or in part, in any case", () => {
    expect(matchesSearch(cyr, "csqu 305438-3")).toBe(true);
    expect(matchesSearch(cyr, "CSQU")).toBe(true);
    expect(matchesSearch(other, "CSQU")).toBe(false);
    expect(matchesSearch(other, "907032")).toBe(true);
  });

  it("an empty search matches everything; nonsense matches nothing", () => {
    expect(matchesSearch(cyr, "  ")).toBe(true);
    expect(matchesSearch(cyr, "ZZZ999")).toBe(false);
    expect(matchesSearch(cyr, ";;")).toBe(false);
  });

  it("combines with the scope and outcome filters", () => {
    const rows = [cyr, other];
    expect(filterQueue(rows, f({ scope: "all", search: "msku" }), NOW, KYIV)).toEqual([other]);
    expect(filterQueue(rows, f({ scope: "all", search: "msku", outcome: "release" }), NOW, KYIV)).toEqual([]);
  });
});

describe("mergeRows", () => {
  it("keeps the first of each id, in order", () => {
    const a = [{ id: "1", n: 1 }, { id: "2", n: 2 }];
    const b = [{ id: "2", n: 20 }, { id: "3", n: 3 }];
    expect(mergeRows(a, b)).toEqual([{ id: "1", n: 1 }, { id: "2", n: 2 }, { id: "3", n: 3 }]);
    expect(mergeRows<{ id: string }>()).toEqual([]);
  });
});
