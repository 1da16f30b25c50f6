// The STATISTICS of the in-memory console transport, counted as
// kordon-server counts them: each inspection's facts
// (crates/kordon-model/src/facts.rs), summed by UTC day of creation and
// unit (crates/kordon-store/src/stats.rs), and each table as the server's
// CSV export writes it (crates/kordon-api/src/statistics.rs).

import { currentDecision, currentOutcome } from "../domain/outcome.ts";
import { decisionsSeen, latestReview } from "../domain/review.ts";
import { TransportError } from "./errors.ts";
import { STATS_CSV_COUNT_COLUMNS, STATS_CSV_OFFICER_COLUMNS, STATS_MAX_DAYS, type OfficerStats, type Statistics, type StatsCounts, type StatsQuery, type StatsTable } from "./generated.ts";
import type { InspectionView, Outcome, Verdict } from "./types.ts";

/** What the statistics count of one inspection (Rust's `InspectionFacts`). */
export interface InspectionFacts {
  outcome: Outcome | null;
  scans: number;
  scan_to_decision_ms: number | null;
  review: Verdict | null;
  reviewed_officer: string | null;
  returns: number;
  returns_answered: number;
  answer_ms: number;
  hotlist_hits: number;
}

export function factsOf(v: InspectionView): InspectionFacts {
  const latest = latestReview(v.reviews);
  // The decision the latest review judged: the latest of those it saw (all of them when it did not record how many).
  const seen = latest === null ? 0 : Math.min(latest.decisions_seen ?? v.decisions.length, v.decisions.length);
  const judged = latest === null ? null : currentDecision(v.decisions.slice(0, seen));
  const firstScan = v.scans.length === 0 ? null : Math.min(...v.scans.map((s) => s.added_ms));
  const after = firstScan === null ? [] : v.decisions.map((d) => d.at_ms).filter((at) => at >= firstScan);
  let returns = 0;
  let returns_answered = 0;
  let answer_ms = 0;
  for (const r of v.reviews.filter((r) => r.verdict === "return")) {
    returns += 1;
    // The answer: the first decision beyond those the supervisor saw.
    const answer = v.decisions[decisionsSeen(r)];
    if (answer !== undefined) {
      returns_answered += 1;
      answer_ms += Math.max(answer.at_ms - r.at_ms, 0);
    }
  }
  return {
    outcome: currentOutcome(v),
    scans: v.scans.length,
    scan_to_decision_ms: firstScan === null || after.length === 0 ? null : Math.min(...after) - firstScan,
    review: latest?.verdict ?? null,
    reviewed_officer: judged?.officer ?? null,
    returns,
    returns_answered,
    answer_ms,
    hotlist_hits: (v.alerts ?? []).filter((a) => a.tier !== "profile").length,
  };
}

type Derived = "scans_per_inspection" | "agreement_rate" | "mean_answer_ms" | "mean_scan_to_decision_ms";
type Raw = Omit<StatsCounts, Derived>;

const zero = (): Raw => ({
  inspections: 0,
  release: 0,
  physical_inspection: 0,
  detain: 0,
  refer: 0,
  undecided: 0,
  scans: 0,
  reviewed: 0,
  agreed: 0,
  overruled: 0,
  returned: 0,
  returns: 0,
  returns_answered: 0,
  answer_ms_total: 0,
  timed_decisions: 0,
  scan_to_decision_ms_total: 0,
  hotlist_hits: 0,
  inspections_with_hits: 0,
});

function add(into: Raw, c: Raw): Raw {
  for (const k of Object.keys(c) as (keyof Raw)[]) into[k] += c[k];
  return into;
}

const VERDICT_COUNT = { agree: "agreed", overrule: "overruled", return: "returned" } as const satisfies Record<Verdict, keyof Raw>;

function countsOf(f: InspectionFacts): Raw {
  const c = zero();
  c.inspections = 1;
  c[f.outcome ?? "undecided"] = 1;
  c.scans = f.scans;
  if (f.review !== null) {
    c.reviewed = 1;
    c[VERDICT_COUNT[f.review]] = 1;
  }
  c.returns = f.returns;
  c.returns_answered = f.returns_answered;
  c.answer_ms_total = f.answer_ms;
  if (f.scan_to_decision_ms !== null) {
    c.timed_decisions = 1;
    c.scan_to_decision_ms_total = f.scan_to_decision_ms;
  }
  c.hotlist_hits = f.hotlist_hits;
  c.inspections_with_hits = f.hotlist_hits > 0 ? 1 : 0;
  return c;
}

/** The rates and means from the counts; means in whole milliseconds, rounded down. */
function derive(c: Raw): StatsCounts {
  const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
  const mean = (total: number, n: number): number | null => (n > 0 ? Math.floor(total / n) : null);
  return {
    ...c,
    scans_per_inspection: ratio(c.scans, c.inspections),
    agreement_rate: ratio(c.agreed, c.reviewed),
    mean_answer_ms: mean(c.answer_ms_total, c.returns_answered),
    mean_scan_to_decision_ms: mean(c.scan_to_decision_ms_total, c.timed_decisions),
  };
}

const DAY_MS = 86_400_000;

/** A day as the server reads one ("YYYY-MM-DD", a real date), as UTC midnight; null when it is not. */
function dayMs(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const ms = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== s ? null : ms;
}

/** The period's days, first to last; rejects with invalid_input as the server does. */
export function periodOf(q: StatsQuery): string[] {
  const from = dayMs(q.from);
  const to = dayMs(q.to);
  const bad = (message: string): TransportError => new TransportError("invalid_input", message);
  if (from === null) throw bad(`from: ${JSON.stringify(q.from)} is not a day (YYYY-MM-DD)`);
  if (to === null) throw bad(`to: ${JSON.stringify(q.to)} is not a day (YYYY-MM-DD)`);
  if (to < from) throw bad(`to: ${q.to} is before from: ${q.from}`);
  const span = Math.round((to - from) / DAY_MS) + 1;
  if (span > STATS_MAX_DAYS) throw bad(`the period is ${span} days long; at most ${STATS_MAX_DAYS} are counted at once`);
  return Array.from({ length: span }, (_, i) => new Date(from + i * DAY_MS).toISOString().slice(0, 10));
}

const byKey = <T>(m: Map<string, T>): [string, T][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** A period's figures over the inspections (any unit; the query's unit chooses). */
export function statisticsOf(views: readonly InspectionView[], q: StatsQuery): Statistics {
  const days = periodOf(q);
  const unit = q.unit === undefined || q.unit.trim() === "" ? null : q.unit.trim();
  const groups = new Map<string, { day: string; unit: string; c: Raw }>();
  const officers = new Map<string, Omit<OfficerStats, "agreement_rate">>();
  for (const v of views) {
    const day = new Date(v.created_ms).toISOString().slice(0, 10);
    if (day < q.from || day > q.to || (unit !== null && v.unit !== unit)) continue;
    const f = factsOf(v);
    const key = `${day}\u0000${v.unit}`;
    const g = groups.get(key) ?? { day, unit: v.unit, c: zero() };
    groups.set(key, g);
    add(g.c, countsOf(f));
    if (f.review !== null && f.reviewed_officer !== null) {
      const o = officers.get(f.reviewed_officer) ?? { officer: f.reviewed_officer, reviewed: 0, agreed: 0, overruled: 0, returned: 0 };
      officers.set(f.reviewed_officer, o);
      o.reviewed += 1;
      o[VERDICT_COUNT[f.review]] += 1;
    }
  }
  const byDay = new Map(days.map((d) => [d, zero()]));
  const byUnit = new Map<string, Raw>();
  const total = zero();
  for (const g of groups.values()) {
    add(byDay.get(g.day) ?? zero(), g.c);
    byUnit.set(g.unit, add(byUnit.get(g.unit) ?? zero(), g.c));
    add(total, g.c);
  }
  return {
    from: q.from,
    to: q.to,
    unit,
    by_day: days.map((day) => ({ day, ...derive(byDay.get(day) ?? zero()) })),
    by_unit: byKey(byUnit).map(([u, c]) => ({ unit: u, ...derive(c) })),
    by_day_unit: byKey(groups).map(([, g]) => ({ day: g.day, unit: g.unit, ...derive(g.c) })),
    officers: byKey(officers).map(([, o]) => ({ ...o, agreement_rate: o.agreed / Math.max(o.reviewed, 1) })),
    total: derive(total),
  };
}

// The CSV's columns are the server's (generated from its definition); each
// names a field of the figures, which indexing them checks.

/** One CSV field, quoted when RFC 4180 needs it. */
export function csvField(v: string | null): string {
  const t = v ?? "";
  return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
}

/** One table as the server's CSV: a header line; rates as fractions with four decimals, times in milliseconds, blank where none. */
export function statsCsv(s: Statistics, table: StatsTable): string {
  const rate = (r: number | null): string => (r === null ? "" : r.toFixed(4));
  const counts = (c: StatsCounts): string[] =>
    STATS_CSV_COUNT_COLUMNS.map((k) => (k === "scans_per_inspection" || k === "agreement_rate" ? rate(c[k]) : String(c[k] ?? "")));
  let rows: string[][];
  switch (table) {
    case "days":
      rows = [["day", ...STATS_CSV_COUNT_COLUMNS], ...s.by_day.map((d) => [d.day, ...counts(d)])];
      break;
    case "units":
      rows = [["unit", ...STATS_CSV_COUNT_COLUMNS], ...s.by_unit.map((u) => [u.unit, ...counts(u)])];
      break;
    case "day_units":
      rows = [["day", "unit", ...STATS_CSV_COUNT_COLUMNS], ...s.by_day_unit.map((d) => [d.day, d.unit, ...counts(d)])];
      break;
    case "officers":
      rows = [[...STATS_CSV_OFFICER_COLUMNS], ...s.officers.map((o) => [o.officer, String(o.reviewed), String(o.agreed), String(o.overruled), String(o.returned), rate(o.agreement_rate)])];
      break;
  }
  return rows.map((r) => `${r.map(csvField).join(",")}\n`).join("");
}
