// The inspection queue: which rows the crew sees, for a filter and a search.
// Pure, so it is tested without a DOM and reused by the console.

import type { InspectionView, Outcome } from "../transport/types.ts";
import { normaliseContainerCode } from "./iso6346.ts";
import { currentOutcome, isOpen } from "./outcome.ts";
import { plateKeyOf } from "./plate.ts";
import { reviewStateOf, type ReviewState } from "./review.ts";

/** "today_open": created today (local time) or still open; "all": everything. */
export type QueueScope = "today_open" | "all";
export type OutcomeFilter = "any" | "undecided" | Outcome;
export type ReviewFilter = "any" | ReviewState;

export interface QueueFilter {
  scope: QueueScope;
  outcome: OutcomeFilter;
  review: ReviewFilter;
  /** A plate in any spelling, or a container code, whole or in part. */
  search: string;
}

export const DEFAULT_QUEUE_FILTER: QueueFilter = { scope: "today_open", outcome: "any", review: "any", search: "" };

type QueueView = Pick<
  InspectionView,
  "created_ms" | "tractor_plate" | "trailer_plate" | "containers" | "decisions" | "reviews"
>;

/** Day formatters by time zone: one each, since the queue asks for every row. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of a time, YYYY-MM-DD, in a time zone (the device's by default). */
export function localDay(ms: number, timeZone?: string): string {
  const key = timeZone ?? "";
  let fmt = dayFormats.get(key);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat("en-CA", {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      ...(timeZone === undefined ? {} : { timeZone }),
    });
    dayFormats.set(key, fmt);
  }
  return fmt.format(new Date(ms));
}

/**
 * Plates match by OCR-folded key, so "АА 1234 ВС", "aa1234bc" and
 * "AA12348C" find the same vehicle; part of a plate is enough. Container
 * codes match by their normalised text, in part too.
 */
export function matchesSearch(v: QueueView, search: string): boolean {
  const q = search.trim();
  if (q === "") return true;
  const key = plateKeyOf(q);
  if (key !== null) {
    for (const p of [v.tractor_plate, v.trailer_plate]) {
      if (p !== null && p.key.includes(key)) return true;
    }
  }
  const code = normaliseContainerCode(q);
  return code !== "" && v.containers.some((c) => c.includes(code));
}

export function matchesOutcome(v: QueueView, f: OutcomeFilter): boolean {
  if (f === "any") return true;
  const o = currentOutcome(v);
  return f === "undecided" ? o === null : o === f;
}

export function matchesReview(v: QueueView, f: ReviewFilter): boolean {
  return f === "any" || reviewStateOf(v) === f;
}

export function inScope(v: QueueView, scope: QueueScope, now: number, timeZone?: string): boolean {
  if (scope === "all") return true;
  return isOpen(v) || localDay(v.created_ms, timeZone) === localDay(now, timeZone);
}

/**
 * How many of the newest inspections the queue loads. With every open one
 * besides, that covers "today's and open" on the busiest shift, and keeps
 * the screen light on a vehicle that holds years of inspections; older
 * ones are found by searching a whole plate or container code.
 */
export const QUEUE_RECENT = 500;

/** Rows drawn at first, and added by each "show more". */
export const QUEUE_PAGE = 100;

/** Merges row lists by id, first occurrence wins. */
export function mergeRows<T extends { id: string }>(...lists: readonly (readonly T[])[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const list of lists) {
    for (const r of list) {
      if (!seen.has(r.id)) {
        seen.add(r.id);
        out.push(r);
      }
    }
  }
  return out;
}

/**
 * The rows to show: those a supervisor returned and the crew has not
 * answered first (they wait for the crew), then newest first.
 */
export function filterQueue<T extends QueueView>(
  rows: readonly T[],
  f: QueueFilter,
  now: number,
  timeZone?: string,
): T[] {
  const returned = (v: QueueView): number => (reviewStateOf(v) === "returned" ? 0 : 1);
  return rows
    .filter(
      (v) =>
        inScope(v, f.scope, now, timeZone) &&
        matchesOutcome(v, f.outcome) &&
        matchesReview(v, f.review) &&
        matchesSearch(v, f.search),
    )
    .sort((a, b) => returned(a) - returned(b) || b.created_ms - a.created_ms);
}
