import { describe, expect, it } from "vitest";
import type { ConsoleQuery } from "../transport/console.ts";
import { apiQuery, hasFilters, looksLikeContainer, pageOf, queryFromSearch, searchFromQuery, searchText, withFilter, withSearch } from "./queueQuery.ts";

describe("queue filters in the URL", () => {
  it("round-trips every filter through the query string", () => {
    const q: ConsoleQuery = {
      unit: "MOBILE-3",
      from: "2026-11-01",
      to: "2026-11-24",
      outcome: "none",
      review: "answered",
      officer: "OF-1742",
      plate: "АА 1234 ВС",
      scans: false,
      alerts: "open",
      offset: 100,
    };
    const s = searchFromQuery(q);
    expect(s.startsWith("?")).toBe(true);
    expect(queryFromSearch(s)).toEqual(q);
    expect(queryFromSearch(new URLSearchParams(s.slice(1)))).toEqual(q);
    const c: ConsoleQuery = { container: "CSQU3054383", scans: true, alerts: "any" };
    expect(queryFromSearch(searchFromQuery(c))).toEqual(c);
  });

  it("is the empty string with no filters, and leaves default paging out", () => {
    expect(searchFromQuery({})).toBe("");
    expect(searchFromQuery({ offset: 0, limit: 50 })).toBe("");
    expect(searchFromQuery({ limit: 100 })).toBe("?limit=100");
  });

  it("drops what is malformed in a hand-edited link", () => {
    expect(
      queryFromSearch("?from=2026-13-01&to=yesterday&outcome=maybe&review=fine&scans=1&alerts=yes&offset=-5&limit=9999&unit=%20&plate=AA1234BC"),
    ).toEqual({ plate: "AA1234BC" });
    expect(queryFromSearch("?outcome=physical_inspection&review=unreviewed")).toEqual({ outcome: "physical_inspection", review: "unreviewed" });
  });

  it("asks the API for a page of 50 from the start by default", () => {
    expect(apiQuery({ unit: "MOBILE-1" })).toEqual({ unit: "MOBILE-1", limit: 50, offset: 0 });
  });

  it("goes back to the first page when a filter changes, and clears a filter set to nothing", () => {
    expect(withFilter({ unit: "MOBILE-1", offset: 150 }, { review: "returned" })).toEqual({ unit: "MOBILE-1", review: "returned" });
    expect(withFilter({ unit: "MOBILE-1", review: "agreed" }, { unit: "", review: undefined })).toEqual({});
    expect(hasFilters({ offset: 50 })).toBe(false);
    expect(hasFilters({ scans: false })).toBe(true);
  });

  it("pages by the page size, never before the first", () => {
    expect(pageOf({ unit: "U" }, 1)).toEqual({ unit: "U", offset: 50 });
    expect(pageOf({ offset: 50 }, -1)).toEqual({});
    expect(pageOf({}, -1)).toEqual({});
    expect(pageOf({ limit: 20, offset: 20 }, 1)).toEqual({ limit: 20, offset: 40 });
  });

  it("sends a container code as a container, anything else as a plate in any spelling", () => {
    expect(looksLikeContainer("csqu 305438 3")).toBe(true);
    expect(looksLikeContainer("MSKU907032")).toBe(true);
    expect(looksLikeContainer("АА 1234 ВС")).toBe(false);
    expect(withSearch({ offset: 50 }, " msku-9070323 ")).toEqual({ container: "msku-9070323" });
    expect(withSearch({ container: "X" }, "аа1234вс")).toEqual({ plate: "аа1234вс" });
    expect(withSearch({ plate: "AA", unit: "U" }, "  ")).toEqual({ unit: "U" });
    expect(searchText({ container: "CSQU3054383" })).toBe("CSQU3054383");
  });
});
