import { describe, expect, it } from "vitest";
import type { HotlistEntry, HotlistView } from "../transport/console.ts";
import {
  dayEnd,
  dayStart,
  DEFAULT_SORT,
  emptyEntryDraft,
  emptyProfileDraft,
  entryInput,
  entryMatches,
  entryProblems,
  entryState,
  inForce,
  nextSort,
  parseFilter,
  parseUnits,
  profileInput,
  profileProblems,
  readValue,
  sortEntries,
} from "./hotlists.ts";

const NOW = Date.UTC(2026, 11, 3, 12);
const DAY = 86_400_000;

const entry = (over: Partial<HotlistEntry>): HotlistEntry => ({
  id: over.id ?? "e",
  value: "AA1234BC",
  kind: "plate",
  canonical: "AA1234BC",
  reason: "stolen",
  priority: "medium",
  valid_from_ms: null,
  valid_until_ms: null,
  added_by: "SUP-07",
  added_ms: NOW - DAY,
  removed: null,
  ...over,
});

const list = (name: string, entries: HotlistEntry[] = []): HotlistView => ({ id: name, name, units: [], created_ms: 0, entries, profiles: [] });

describe("where an entry stands", () => {
  it("is in force from its first moment until (not at) its end, unless removed", () => {
    expect(entryState(entry({}), NOW)).toBe("in_force");
    expect(entryState(entry({ valid_from_ms: NOW }), NOW)).toBe("in_force");
    expect(entryState(entry({ valid_from_ms: NOW + 1 }), NOW)).toBe("pending");
    expect(entryState(entry({ valid_until_ms: NOW }), NOW)).toBe("expired");
    expect(entryState(entry({ valid_until_ms: NOW + 1, removed: { by: "SUP-1", at_ms: NOW - 5 } }), NOW)).toBe("removed");
    expect(inForce([list("a", [entry({}), entry({ valid_until_ms: 0 })])], NOW)).toEqual({ entries: 1, profiles: 0 });
  });
});

describe("the entries table", () => {
  const entries = [
    entry({ id: "low", canonical: "CC0000CC", priority: "low", added_ms: NOW - 3 * DAY }),
    entry({ id: "high-old", canonical: "BB0000BB", priority: "high", added_ms: NOW - 5 * DAY }),
    entry({ id: "high-removed", canonical: "AA0000AA", priority: "high", removed: { by: "x", at_ms: NOW }, added_ms: NOW }),
    entry({ id: "high-new", canonical: "DD0000DD", priority: "high", added_ms: NOW - DAY, valid_until_ms: NOW + DAY }),
  ];
  const ids = (xs: HotlistEntry[]): string[] => xs.map((e) => e.id);

  it("puts high priority first, in force before removed, newest first", () => {
    expect(ids(sortEntries(entries, DEFAULT_SORT, NOW))).toEqual(["high-new", "high-old", "high-removed", "low"]);
  });

  it("sorts by a column, and the other way when it is clicked again", () => {
    const byValue = nextSort(DEFAULT_SORT, "value");
    expect(ids(sortEntries(entries, byValue, NOW))).toEqual(["high-removed", "high-old", "low", "high-new"]);
    expect(ids(sortEntries(entries, nextSort(byValue, "value"), NOW))).toEqual(["high-new", "low", "high-old", "high-removed"]);
    // Newest first on the first click of "added"; no end date last under "valid".
    expect(ids(sortEntries(entries, nextSort(DEFAULT_SORT, "added"), NOW))[0]).toBe("high-removed");
    expect(ids(sortEntries(entries, nextSort(DEFAULT_SORT, "valid"), NOW))[0]).toBe("high-new");
  });

  it("filters on the plate in any spelling, the container, the reason", () => {
    const f = (s: string) => parseFilter(s);
    expect(entryMatches(entry({}), f("аа 1234"))).toBe(true);
    expect(entryMatches(entry({}), f("STOL"))).toBe(true);
    expect(entryMatches(entry({}), f("bb"))).toBe(false);
    expect(entryMatches(entry({ kind: "container", value: "csqu 305438 3", canonical: "CSQU3054383" }), f("CSQU-3054"))).toBe(true);
    expect(entryMatches(entry({}), f("  "))).toBe(true);
  });
});

describe("the forms", () => {
  it("reads the value as the server will: a container when its check digit is right, else a plate", () => {
    expect(readValue("csqu 305438 3")).toEqual({ kind: "container", canonical: "CSQU3054383" });
    expect(readValue("CSQU3054384")).toEqual({ kind: "check_digit", expected: 3 });
    expect(readValue("аа 1234 вс")).toEqual({ kind: "plate", canonical: "AA1234BC" });
    expect(readValue("AA!1")).toEqual({ kind: "invalid" });
    expect(readValue(" ")).toBeNull();
  });

  it("takes UTC days, the last one included", () => {
    expect(dayStart("2026-12-01")).toBe(Date.UTC(2026, 11, 1));
    expect(dayEnd("2026-12-31")).toBe(Date.UTC(2027, 0, 1));
    expect(dayStart("2026-02-30")).toBeNull();
    expect(dayEnd("")).toBeNull();
  });

  it("needs a list, a value and a reason; units only go with a new list", () => {
    expect(entryProblems(emptyEntryDraft())).toEqual(["value", "list", "reason"]);
    const draft = { ...emptyEntryDraft(" Wanted "), value: " aa1234bc ", reason: " stolen ", units: "MOBILE-1, MOBILE-2 MOBILE-1", priority: "high" as const };
    expect(entryInput(draft, [list("Wanted")])).toEqual({
      list: "Wanted",
      units: [],
      value: "aa1234bc",
      reason: "stolen",
      priority: "high",
      valid_from_ms: null,
      valid_until_ms: null,
    });
    expect(entryInput({ ...draft, from: "2026-12-01", until: "2026-12-31" }, [])).toMatchObject({
      units: ["MOBILE-1", "MOBILE-2"],
      valid_from_ms: Date.UTC(2026, 11, 1),
      valid_until_ms: Date.UTC(2027, 0, 1),
    });
    expect(entryProblems({ ...draft, from: "2026-12-02", until: "2026-12-01" })).toEqual(["dates"]);
    // The same day twice is one day.
    expect(entryProblems({ ...draft, from: "2026-12-01", until: "2026-12-01" })).toEqual([]);
    expect(parseUnits(" a;b ,, c ")).toEqual(["a", "b", "c"]);
  });

  it("needs a profile's name, reason and a condition, and both hours or neither", () => {
    const base = { ...emptyProfileDraft("Wanted"), name: "Night", reason: "risk" };
    expect(profileProblems(base)).toEqual(["condition"]);
    expect(profileProblems({ ...base, hourFrom: "22" })).toEqual(["hours"]);
    expect(profileInput({ ...base, hourFrom: "22", hourTo: "5", country: " pl ", direction: "Approach" }, [list("Wanted")])).toEqual({
      list: "Wanted",
      units: [],
      name: "Night",
      country: "PL",
      hour_from: 22,
      hour_to: 5,
      keyword: null,
      direction: "approach",
      reason: "risk",
      priority: "medium",
      valid_from_ms: null,
      valid_until_ms: null,
    });
    expect(profileProblems({ ...emptyProfileDraft(), keyword: "tobacco" })).toEqual(["list", "reason", "name"]);
  });
});
