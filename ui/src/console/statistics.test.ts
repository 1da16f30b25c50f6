// The statistics page's logic: the default period and the presets in UTC
// days, the period and unit in the URL read and written back, the periods
// that are not asked for, the query the transport is asked, and the
// formats of every figure in both languages.

import { describe, expect, it } from "vitest";
import { createTranslator } from "../i18n/translate.ts";
import type { Statistics } from "../transport/generated.ts";
import {
  addDays,
  daysOf,
  defaultPeriod,
  formatCell,
  mayReadStatistics,
  NONE,
  periodDays,
  periodProblem,
  presetOf,
  presetPeriod,
  STATS_MAX_DAYS,
  statsFormat,
  statsQuery,
  statsSearch,
  statsViewFrom,
  unitChoices,
  utcDay,
} from "./statistics.ts";

// 1 March 2028, 23:30 UTC (already the 2nd in Kyiv): a leap year, and late in the UTC day.
const NOW = Date.UTC(2028, 2, 1, 23, 30);
const EN = createTranslator("en").locale;
const UK = createTranslator("uk").locale;
// Ukrainian groups digits and sets units apart with no-break spaces (plain or narrow).
const nb = (s: string): string => s.replace(/[\u00a0\u202f]/g, " ");

describe("the period", () => {
  it("counts UTC days: the default is the last 30, today included", () => {
    expect(utcDay(NOW)).toBe("2028-03-01");
    expect(defaultPeriod(NOW)).toEqual({ from: "2028-02-01", to: "2028-03-01" });
    expect(periodDays("2028-02-01", "2028-03-01")).toBe(30);
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2028-01-01", -1)).toBe("2027-12-31");
    expect(daysOf("2028-02-27", "2028-03-02")).toEqual(["2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01", "2028-03-02"]);
  });

  it("offers 7 days, 30 days, this month so far and the whole previous month", () => {
    expect(presetPeriod("7", NOW)).toEqual({ from: "2028-02-24", to: "2028-03-01" });
    expect(presetPeriod("30", NOW)).toEqual(defaultPeriod(NOW));
    expect(presetPeriod("month", NOW)).toEqual({ from: "2028-03-01", to: "2028-03-01" });
    expect(presetPeriod("prev-month", NOW)).toEqual({ from: "2028-02-01", to: "2028-02-29" });
    // January's previous month is last year's December.
    const jan = Date.UTC(2027, 0, 15, 8);
    expect(presetPeriod("prev-month", jan)).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    expect(presetPeriod("month", jan)).toEqual({ from: "2027-01-01", to: "2027-01-15" });
    expect(presetOf({ from: "2028-02-24", to: "2028-03-01", unit: null }, NOW)).toBe("7");
    expect(presetOf({ from: "2028-02-24", to: "2028-02-29", unit: "MOBILE-1" }, NOW)).toBeNull();
  });

  it("refuses a period that ends before it begins or is longer than the server counts", () => {
    expect(periodProblem({ from: "2028-03-01", to: "2028-03-01" })).toBeNull();
    expect(periodProblem({ from: "2028-03-02", to: "2028-03-01" })).toEqual({ kind: "reversed" });
    // 366 days is the most: a leap year whole.
    expect(STATS_MAX_DAYS).toBe(366);
    expect(periodProblem({ from: "2028-01-01", to: "2028-12-31" })).toBeNull();
    expect(periodProblem({ from: "2027-12-31", to: "2028-12-31" })).toEqual({ kind: "too_long", days: 367 });
  });

  it("is the statistics of supervisors and auditors only", () => {
    expect(mayReadStatistics("supervisor")).toBe(true);
    expect(mayReadStatistics("auditor")).toBe(true);
    expect(mayReadStatistics("administrator")).toBe(false);
  });
});

describe("the period in the URL", () => {
  it("reads the period and the unit, and writes them back the same", () => {
    const v = statsViewFrom("?from=2028-01-05&to=2028-02-03&unit=MOBILE-3", NOW);
    expect(v).toEqual({ from: "2028-01-05", to: "2028-02-03", unit: "MOBILE-3" });
    expect(statsSearch(v)).toBe("?from=2028-01-05&to=2028-02-03&unit=MOBILE-3");
    expect(statsViewFrom(statsSearch(v), NOW)).toEqual(v);
    // A unit's name as it is, spaces and Cyrillic too.
    const odd = { from: "2028-01-05", to: "2028-01-05", unit: "МОБ 1&2" };
    expect(statsViewFrom(statsSearch(odd), NOW)).toEqual(odd);
  });

  it("takes the default for a day missing or malformed, and keeps a reversed period to say what is wrong", () => {
    expect(statsViewFrom("", NOW)).toEqual({ ...defaultPeriod(NOW), unit: null });
    expect(statsViewFrom("?from=2028-02-30&to=yesterday&unit=", NOW)).toEqual({ ...defaultPeriod(NOW), unit: null });
    // Only "to": the 30 days ending there.
    expect(statsViewFrom("?to=2028-01-30", NOW)).toEqual({ from: "2028-01-01", to: "2028-01-30", unit: null });
    expect(statsViewFrom("?from=2028-03-05&to=2028-03-01", NOW)).toEqual({ from: "2028-03-05", to: "2028-03-01", unit: null });
    // The period is always written: a copied link means the same days tomorrow.
    expect(statsSearch({ ...defaultPeriod(NOW), unit: null })).toBe("?from=2028-02-01&to=2028-03-01");
  });

  it("offers the units of the last answer for all units, keeps them while one is shown, and the one chosen", () => {
    const all = { unit: null, by_unit: [{ unit: "MOBILE-2" }, { unit: "MOBILE-1" }] } as Pick<Statistics, "unit" | "by_unit">;
    const one = { unit: "MOBILE-1", by_unit: [{ unit: "MOBILE-1" }] } as Pick<Statistics, "unit" | "by_unit">;
    const seen = unitChoices([], all, null);
    expect(seen).toEqual(["MOBILE-1", "MOBILE-2"]);
    expect(unitChoices(seen, one, null)).toEqual(["MOBILE-1", "MOBILE-2"]);
    expect(unitChoices(seen, null, "MOBILE-9")).toEqual(["MOBILE-1", "MOBILE-2", "MOBILE-9"]);
    // A new answer for all units replaces the list.
    expect(unitChoices(["MOBILE-7"], all, null)).toEqual(["MOBILE-1", "MOBILE-2"]);
  });
});

describe("the query", () => {
  it("asks the transport for the period, and the unit when one is chosen", () => {
    expect(statsQuery({ from: "2028-01-05", to: "2028-02-03", unit: null })).toEqual({ from: "2028-01-05", to: "2028-02-03" });
    expect(statsQuery({ from: "2028-01-05", to: "2028-01-05", unit: "МОБ 1" })).toEqual({ from: "2028-01-05", to: "2028-01-05", unit: "МОБ 1" });
  });
});

describe("the formats", () => {
  it("uses the UI language's locale", () => {
    expect([EN, UK]).toEqual(["en-GB", "uk-UA"]);
    expect(statsFormat(EN)).toBe(statsFormat(EN));
  });

  it("writes counts, rates, scans per inspection, minutes and days in English", () => {
    const f = statsFormat(EN);
    expect(f.count(12345)).toBe("12,345");
    expect(f.count(0)).toBe("0");
    expect(f.rate(0.875)).toBe("87.5%");
    expect(f.rate(2 / 3)).toBe("66.7%");
    expect(f.rate(1)).toBe("100.0%");
    expect(f.rate(null)).toBe(NONE);
    expect(NONE).toBe("—");
    expect(f.ratio(1.5)).toBe("1.50");
    expect(f.ratio(null)).toBe("—");
    expect(f.duration(90_000)).toBe("1.5 mins");
    expect(f.duration(754_321)).toBe("12.6 mins");
    expect(f.duration(null)).toBe("—");
    expect(f.day("2026-01-05")).toBe("5 Jan 2026");
    expect(f.dayShort("2026-01-05")).toBe("5 Jan");
    expect(f.percentTick(0.8)).toBe("80%");
  });

  it("writes them the Ukrainian way", () => {
    const f = statsFormat(UK);
    expect(nb(f.count(12345))).toBe("12 345");
    expect(nb(f.rate(0.875))).toBe("87,5%");
    expect(f.rate(null)).toBe("—");
    expect(f.ratio(1.5)).toBe("1,50");
    expect(nb(f.duration(90_000))).toBe("1,5 хв");
    expect(nb(f.day("2026-01-05"))).toBe("5 січ. 2026 р.");
  });

  it("is exactly Intl's, as the end-to-end test formats the expected figures", () => {
    for (const locale of [EN, UK]) {
      const f = statsFormat(locale);
      expect(f.count(1234567)).toBe(new Intl.NumberFormat(locale).format(1234567));
      expect(f.rate(0.12345)).toBe(new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(0.12345));
      expect(f.ratio(2.345)).toBe(new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(2.345));
      expect(f.duration(123_456)).toBe(
        new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "short", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(123_456 / 60_000),
      );
      expect(f.day("2028-02-29")).toBe(new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date("2028-02-29T00:00:00Z")));
    }
  });

  it("formats each column its way", () => {
    const f = statsFormat(EN);
    expect(formatCell(f, "inspections", 1200)).toBe("1,200");
    expect(formatCell(f, "agreement_rate", 0.5)).toBe("50.0%");
    expect(formatCell(f, "agreement_rate", null)).toBe("—");
    expect(formatCell(f, "scans_per_inspection", 2)).toBe("2.00");
    expect(formatCell(f, "mean_answer_ms", 3_600_000)).toBe("60.0 mins");
    expect(formatCell(f, "mean_scan_to_decision_ms", null)).toBe("—");
    expect(formatCell(f, "overruled", 3)).toBe("3");
  });
});
