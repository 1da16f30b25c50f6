// The training pages' logic, apart from their components: exercises told
// from projections in live work, the paths of a trainee and of an attempt,
// the list's filters in the URL (the unit, sent to the server; a part of a
// trainee's name, matched here), each trainee's row (exercises, the latest
// finished one's figures and the change of d′ against the finished one
// before it, live projections found), the chart's points and axes, and the
// formats every figure is shown in.

import type { TraineeProgress, TrainingOutcome, TrainingQuery, TrainingSummary } from "../transport/console.ts";
import { NONE } from "./statistics.ts";

export { NONE };

/** How an answered image scored, in the order the pages list them. */
export const TRAINING_OUTCOMES: readonly TrainingOutcome[] = ["hit", "miss", "false_alarm", "correct_rejection"];

/** The items an exercise can hide (kordon-training's ThreatKind). */
export const ITEM_KINDS = ["pistol", "drug_bricks", "lead_shield", "ammunition"] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];
export const isItemKind = (s: string): s is ItemKind => (ITEM_KINDS as readonly string[]).includes(s);

// ---- exercises and projections in live work ----

/**
 * Whether an attempt is a projection in live work (the vehicle says so:
 * `summary.live`): one image of a real scan with an item projected into
 * it, found or missed by the crew at work. Counted apart from exercises:
 * it has no image without an item (no F, no d′).
 */
export function isLiveAttempt(a: Pick<TrainingSummary, "live">): boolean {
  return a.live;
}

// ---- paths ----

export const TRAINING_PATH = "/training";

/** A trainee's attempts over time. */
export function traineePath(trainee: string): string {
  return `${TRAINING_PATH}/trainee/${encodeURIComponent(trainee)}`;
}

/** One attempt, image by image. */
export function attemptPath(id: string): string {
  return `${TRAINING_PATH}/attempt/${encodeURIComponent(id)}`;
}

// ---- the list in the URL ----

/** What the list shows: one unit's attempts or all, trainees whose name holds some text. */
export interface TraineesView {
  unit: string | null;
  /** Part of a trainee's name, any case; "" for every trainee. */
  trainee: string;
}

export function traineesViewFrom(search: string | URLSearchParams): TraineesView {
  const p = typeof search === "string" ? new URLSearchParams(search) : search;
  const unit = p.get("unit")?.trim() ?? "";
  return { unit: unit === "" ? null : unit, trainee: p.get("trainee") ?? "" };
}

/** The query string of a view ("?unit=…&trainee=…", "" for everything). */
export function traineesSearch(v: TraineesView): string {
  const p = new URLSearchParams();
  if (v.unit !== null && v.unit.trim() !== "") p.set("unit", v.unit.trim());
  if (v.trainee.trim() !== "") p.set("trainee", v.trainee);
  const s = p.toString();
  return s === "" ? "" : `?${s}`;
}

/** What the server is asked for a view: the unit (the name is matched here, in part). */
export function traineesQuery(v: TraineesView): TrainingQuery {
  return v.unit === null ? {} : { unit: v.unit };
}

/** Whether a trainee's name holds the text (any case, spaces around it ignored). */
export function traineeMatches(trainee: string, text: string): boolean {
  const t = text.trim().toLocaleLowerCase();
  return t === "" || trainee.toLocaleLowerCase().includes(t);
}

/** The units to offer: those of the last answer for every unit (one unit's answer names only it), and the one chosen. */
export function trainingUnits(seen: readonly string[], answer: { all: boolean; trainees: readonly TraineeProgress[] } | null, chosen: string | null): string[] {
  const answered = answer?.trainees.flatMap((p) => p.units) ?? [];
  const base = answer !== null && answer.all ? answered : [...seen, ...answered];
  return [...new Set(chosen === null ? base : [...base, chosen])].sort((a, b) => a.localeCompare(b));
}

// ---- a trainee's row ----

/** A trainee as the list shows them. */
export interface TraineeRow {
  trainee: string;
  units: readonly string[];
  /** Exercises taken (finished or not). */
  attempts: number;
  inProgress: number;
  /** When the newest exercise was started. */
  lastMs: number | null;
  /** Projections in live work answered, and the items found. */
  live: { shown: number; found: number };
  /** The latest finished attempt; null before the first is finished. */
  latest: TrainingSummary | null;
  /** The finished attempt before it. */
  previous: TrainingSummary | null;
  /** d′ of the latest finished attempt less that of the one before; null without both. */
  change: number | null;
}

export function traineeRow(p: TraineeProgress): TraineeRow {
  const exercises = p.attempts.filter((a) => !isLiveAttempt(a));
  const live = p.attempts.filter((a) => isLiveAttempt(a) && a.finished);
  const finished = exercises.filter((a) => a.finished);
  const latest = finished.at(-1) ?? null;
  const previous = finished.at(-2) ?? null;
  const now = latest?.score?.d_prime ?? null;
  const before = previous?.score?.d_prime ?? null;
  return {
    trainee: p.trainee,
    units: p.units,
    attempts: exercises.length,
    inProgress: exercises.length - finished.length,
    lastMs: exercises.at(-1)?.created_ms ?? null,
    live: { shown: live.length, found: live.filter((a) => (a.score?.hits ?? 0) > 0).length },
    latest,
    previous,
    change: now === null || before === null ? null : now - before,
  };
}

/** Whether a change of d′ is better, worse or about the same (within a hundredth, as shown). */
export function changeTrend(change: number | null): "up" | "down" | "same" | null {
  if (change === null) return null;
  if (Math.abs(change) < 0.005) return "same";
  return change > 0 ? "up" : "down";
}

// ---- the chart ----

export const PROGRESS_SERIES = ["d_prime", "hit_rate", "false_alarm_rate"] as const;
export type ProgressSeries = (typeof PROGRESS_SERIES)[number];

/** styles.css's colours for the three lines (a chart's SVG is given them as values). */
export const SERIES_COLOURS: Readonly<Record<ProgressSeries, string>> = {
  d_prime: "#7cc4ff",
  hit_rate: "#5fd38d",
  false_alarm_rate: "#ff6b6b",
};

export interface ChartPoint {
  /** The attempt. */
  id: string;
  /** When it was started. */
  ms: number;
  /** Its place on the x axis: the finished attempts in the order they were started, from 0. */
  index: number;
  value: number;
}

/** The chart's attempts: every finished one with a score, oldest first, each at its place on the x axis. */
export interface ProgressChart {
  slots: { id: string; ms: number }[];
  lines: Record<ProgressSeries, ChartPoint[]>;
}

/**
 * Each finished exercise's figures, one place on the x axis per attempt,
 * oldest first (attempts taken the same day stay apart); a figure an
 * attempt lacks (no image of a kind) is left out of its line. Projections
 * in live work are not charted.
 */
export function progressChart(attempts: readonly TrainingSummary[]): ProgressChart {
  const lines: Record<ProgressSeries, ChartPoint[]> = { d_prime: [], hit_rate: [], false_alarm_rate: [] };
  const done = attempts.filter((a) => a.finished && a.score !== null && !isLiveAttempt(a)).sort((a, b) => a.created_ms - b.created_ms);
  done.forEach((a, index) => {
    for (const s of PROGRESS_SERIES) {
      const value = a.score?.[s] ?? null;
      if (value !== null && Number.isFinite(value)) lines[s].push({ id: a.id, ms: a.created_ms, index, value });
    }
  });
  return { slots: done.map((a) => ({ id: a.id, ms: a.created_ms })), lines };
}

/** The places on the x axis that get their date: every one up to `max`, else evenly spread, the first and the last always. */
export function slotTicks(count: number, max = 8): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  const step = Math.ceil((count - 1) / (max - 1));
  const ticks: number[] = [];
  for (let i = 0; i < count - 1; i += step) ticks.push(i);
  // The last attempt is always labelled; a label too close before it gives way.
  if (count - 1 - (ticks.at(-1) ?? 0) < step / 2) ticks.pop();
  ticks.push(count - 1);
  return ticks;
}

/** The d′ axis: whole numbers from below 0 (or the lowest value) to 3 (or the highest), ticks one apart. */
export function dPrimeAxis(values: readonly number[]): { min: number; max: number; ticks: number[] } {
  const min = Math.min(0, Math.floor(Math.min(...values, 0)));
  const max = Math.max(3, Math.ceil(Math.max(...values, 0)));
  const ticks: number[] = [];
  for (let v = min; v <= max; v += 1) ticks.push(v);
  return { min, max, ticks };
}

export const RATE_TICKS: readonly number[] = [0, 0.25, 0.5, 0.75, 1];

// ---- formats ----

/** The training pages' figures in one locale's way (the UI language's). */
export interface TrainingFormat {
  count(n: number): string;
  /** A fraction as a percentage with one decimal: 87.5%. */
  rate(r: number | null): string;
  /** d′ with two decimals. */
  dPrime(d: number | null): string;
  /** A change of d′ with its sign: +0.45, −0.12. */
  change(d: number | null): string;
  /** Milliseconds as seconds with one decimal: 14.2 sec. */
  seconds(ms: number | null): string;
  /** A UTC day in short, for the chart's axis: 5 Jan. */
  dayShort(ms: number): string;
  /** A whole percentage, for the chart's axis: 75%. */
  percentTick(r: number): string;
  /** A whole number, for the chart's d′ axis. */
  tick(n: number): string;
}

const formats = new Map<string, TrainingFormat>();

export function trainingFormat(locale: string): TrainingFormat {
  const known = formats.get(locale);
  if (known !== undefined) return known;
  const counts = new Intl.NumberFormat(locale);
  const rates = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const twoDecimals = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const signed = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "exceptZero" });
  const seconds = new Intl.NumberFormat(locale, { style: "unit", unit: "second", unitDisplay: "short", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const shortDays = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" });
  const ticks = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
  // Rounded first, so that a change shown as 0.00 has no sign.
  const hundredths = (d: number): number => Math.round(d * 100) / 100 || 0;
  const f: TrainingFormat = {
    count: (n) => counts.format(n),
    rate: (r) => (r === null ? NONE : rates.format(r)),
    dPrime: (d) => (d === null ? NONE : twoDecimals.format(hundredths(d))),
    change: (d) => (d === null ? NONE : signed.format(hundredths(d))),
    seconds: (ms) => (ms === null ? NONE : seconds.format(ms / 1000)),
    dayShort: (ms) => shortDays.format(new Date(ms)),
    percentTick: (r) => ticks.format(r),
    tick: (n) => counts.format(n),
  };
  formats.set(locale, f);
  return f;
}
