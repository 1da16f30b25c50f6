// The statistics page's logic, apart from its components: the period (UTC
// days of creation, both included) and the unit in the URL's query string,
// the default period and the presets, why a period cannot be asked for,
// the query the console transport is asked (`statistics`,
// `statisticsCsvUrl`), and the formats every figure is shown in.

import {
  STATS_MAX_DAYS,
  type OfficerStats,
  type Statistics,
  type StatsCounts,
  type StatsQuery,
  type StatsTable,
  type UserRole,
} from "../transport/generated.ts";
import { dayAfter, isDay } from "./audit.ts";

export { STATS_MAX_DAYS };

/** Supervisors and auditors (the server checks it again). */
export function mayReadStatistics(role: UserRole): boolean {
  return role === "supervisor" || role === "auditor";
}

// ---- days ----

const DAY_MS = 86_400_000;

/** The UTC day of an instant, "YYYY-MM-DD". */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A day `n` days after (or before, when negative) another. */
export function addDays(day: string, n: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
}

/** How many days a period holds, both ends included (0 or less when reversed). */
export function periodDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** Every day of a period, first to last. */
export function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to && days.length <= STATS_MAX_DAYS; d = dayAfter(d)) days.push(d);
  return days;
}

// ---- the page in the URL ----

/** What the page shows: a period of UTC days (both included), all units or one. */
export interface StatsView {
  from: string;
  to: string;
  unit: string | null;
}

/** Days counted by default and by the "30 days" preset. */
export const DEFAULT_DAYS = 30;

/** The last 30 UTC days, today included. */
export function defaultPeriod(now: number): { from: string; to: string } {
  const to = utcDay(now);
  return { from: addDays(to, 1 - DEFAULT_DAYS), to };
}

export const STATS_PRESETS = ["7", "30", "month", "prev-month"] as const;
export type StatsPreset = (typeof STATS_PRESETS)[number];

/** A preset's period as of `now`: the last 7 or 30 days, this month so far, or the whole previous month. */
export function presetPeriod(preset: StatsPreset, now: number): { from: string; to: string } {
  const today = utcDay(now);
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (preset) {
    case "7":
      return { from: addDays(today, -6), to: today };
    case "30":
      return { from: addDays(today, 1 - DEFAULT_DAYS), to: today };
    case "month":
      return { from: utcDay(Date.UTC(y, m, 1)), to: today };
    case "prev-month":
      return { from: utcDay(Date.UTC(y, m - 1, 1)), to: utcDay(Date.UTC(y, m, 0)) };
  }
}

/** The preset the view's period is, as of `now`; null when none. */
export function presetOf(v: StatsView, now: number): StatsPreset | null {
  return STATS_PRESETS.find((p) => {
    const q = presetPeriod(p, now);
    return q.from === v.from && q.to === v.to;
  }) ?? null;
}

/**
 * The page from its query string: `from` and `to` (days), `unit`. A day
 * missing or malformed is the default's: "to" today, "from" 30 days
 * before "to".
 */
export function statsViewFrom(search: string | URLSearchParams, now: number): StatsView {
  const p = typeof search === "string" ? new URLSearchParams(search) : search;
  const text = (k: string): string => p.get(k)?.trim() ?? "";
  const toText = text("to");
  const fromText = text("from");
  const to = isDay(toText) ? toText : utcDay(now);
  const from = isDay(fromText) ? fromText : addDays(to, 1 - DEFAULT_DAYS);
  const unit = text("unit");
  return { from, to, unit: unit === "" ? null : unit };
}

/** The query string of a view ("?from=…&to=…[&unit=…]"): always the period, so a copied link shows the same days. */
export function statsSearch(v: StatsView): string {
  const p = new URLSearchParams({ from: v.from, to: v.to });
  if (v.unit !== null && v.unit.trim() !== "") p.set("unit", v.unit.trim());
  return `?${p.toString()}`;
}

/** Why a period cannot be asked for; null when it can. */
export type PeriodProblem = { kind: "reversed" } | { kind: "too_long"; days: number };

export function periodProblem(v: Pick<StatsView, "from" | "to">): PeriodProblem | null {
  const days = periodDays(v.from, v.to);
  if (days < 1) return { kind: "reversed" };
  if (days > STATS_MAX_DAYS) return { kind: "too_long", days };
  return null;
}

/** The units to offer: those of the last answer for all units (a unit's own answer names only it), and the one chosen. */
export function unitChoices(seen: readonly string[], answer: Pick<Statistics, "unit" | "by_unit"> | null, chosen: string | null): string[] {
  const answered = answer?.by_unit.map((u) => u.unit) ?? [];
  const base = answer !== null && answer.unit === null ? answered : [...seen, ...answered];
  return [...new Set(chosen === null ? base : [...base, chosen])].sort((a, b) => a.localeCompare(b));
}

// ---- the query ----

/** What the transport is asked for a view. */
export function statsQuery(v: StatsView): StatsQuery {
  return v.unit === null ? { from: v.from, to: v.to } : { from: v.from, to: v.to, unit: v.unit };
}

// ---- tables ----

export const STATS_TABLES: readonly StatsTable[] = ["days", "units", "day_units", "officers"];

/** The figures the days, units and day-units tables show, after their key columns (named as the Rust fields). */
export const SHOWN_COUNT_COLUMNS = [
  "inspections",
  "release",
  "physical_inspection",
  "detain",
  "refer",
  "undecided",
  "scans_per_inspection",
  "reviewed",
  "agreed",
  "agreement_rate",
  "returns",
  "returns_answered",
  "mean_answer_ms",
  "mean_scan_to_decision_ms",
  "hotlist_hits",
] as const satisfies readonly (keyof StatsCounts)[];
export type ShownCountColumn = (typeof SHOWN_COUNT_COLUMNS)[number];

/** The officers' table's figures, after the officer. */
export const SHOWN_OFFICER_COLUMNS = ["reviewed", "agreed", "overruled", "returned", "agreement_rate"] as const satisfies readonly (keyof OfficerStats)[];
export type ShownOfficerColumn = (typeof SHOWN_OFFICER_COLUMNS)[number];

/** The outcome mix, in the order the charts stack it. */
export const OUTCOME_COLUMNS = ["release", "physical_inspection", "detain", "refer", "undecided"] as const satisfies readonly ShownCountColumn[];
export type OutcomeColumn = (typeof OUTCOME_COLUMNS)[number];

/** styles.css's outcome colours (--release, --physical, --detain, --refer; undecided muted): a canvas cannot read CSS variables. */
export const OUTCOME_COLOURS: Readonly<Record<OutcomeColumn, string>> = {
  release: "#5fd38d",
  physical_inspection: "#ffb547",
  detain: "#ff6b6b",
  refer: "#b69cff",
  undecided: "#6b7480",
};

// ---- formats ----

/** What stands for a rate or a mean with nothing counted. */
export const NONE = "—";

/** The figures in one locale's way (the UI language's: i18n's `locale`). */
export interface StatsFormat {
  readonly locale: string;
  /** A count: 1,234. */
  count(n: number): string;
  /** A fraction as a percentage with one decimal: 87.5%. */
  rate(r: number | null): string;
  /** Scans per inspection, two decimals. */
  ratio(x: number | null): string;
  /** Milliseconds as minutes with one decimal: 12.5 min. */
  duration(ms: number | null): string;
  /** A day ("YYYY-MM-DD") in full: 5 Jan 2026. */
  day(day: string): string;
  /** A day in short, for a chart's axis: 5 Jan. */
  dayShort(day: string): string;
  /** A whole percentage, for a chart's axis: 80%. */
  percentTick(r: number): string;
}

const formats = new Map<string, StatsFormat>();

export function statsFormat(locale: string): StatsFormat {
  const known = formats.get(locale);
  if (known !== undefined) return known;
  const counts = new Intl.NumberFormat(locale);
  const rates = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const ratios = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const minutes = new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "short", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const days = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  const shortDays = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" });
  const ticks = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
  const date = (day: string): Date => new Date(`${day}T00:00:00Z`);
  const f: StatsFormat = {
    locale,
    count: (n) => counts.format(n),
    rate: (r) => (r === null ? NONE : rates.format(r)),
    ratio: (x) => (x === null ? NONE : ratios.format(x)),
    duration: (ms) => (ms === null ? NONE : minutes.format(ms / 60_000)),
    day: (day) => days.format(date(day)),
    dayShort: (day) => shortDays.format(date(day)),
    percentTick: (r) => ticks.format(r),
  };
  formats.set(locale, f);
  return f;
}

type Cell = ShownCountColumn | ShownOfficerColumn;

/** One table cell as shown: each column in its own format. */
export function formatCell(f: StatsFormat, column: Cell, value: number | null): string {
  switch (column) {
    case "agreement_rate":
      return f.rate(value);
    case "scans_per_inspection":
      return f.ratio(value);
    case "mean_answer_ms":
    case "mean_scan_to_decision_ms":
      return f.duration(value);
    default:
      return value === null ? NONE : f.count(value);
  }
}
