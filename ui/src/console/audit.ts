// The audit page's logic, apart from its components: its filters, its page
// and the way back to newer pages in the URL's query string; whole days in
// the console's time zone as the API's milliseconds (the "to" day included);
// the query for a page and the one for the CSV export (the filters alone);
// and which operations and outcomes the page has words for.

import { createContext } from "react";
import { TRAIL_LIMITS, type TrailEvent, type TrailKind, type TrailQuery } from "../transport/console.ts";

export const TRAIL_KINDS: readonly TrailKind[] = ["record", "refusal", "console"];

export function isTrailKind(s: string): s is TrailKind {
  return (TRAIL_KINDS as readonly string[]).includes(s);
}

/** The page sizes offered, within the server's limit. */
export const PAGE_SIZES: readonly number[] = [50, 100, 500].filter((n) => n <= TRAIL_LIMITS.maxPage);

/** The server's own page size. */
export const DEFAULT_PAGE_SIZE: number = TRAIL_LIMITS.page;

/** The page sizes to offer: the usual ones, the default, and the URL's own if it is another. */
export function pageSizeChoices(current: number): number[] {
  return [...new Set([...PAGE_SIZES, DEFAULT_PAGE_SIZE, current])].sort((a, b) => a - b);
}

/** Newer pages remembered in the URL; from further down, only "Newest" leads back up. */
export const MAX_BACK = 50;

/**
 * The console's time zone (the one its I18nProvider formats dates in),
 * for turning the date pickers' days into instants; the browser's when
 * undefined. ConsoleProviders gives it.
 */
export const ConsoleTimeZone = createContext<string | undefined>(undefined);

/** The browser's own time zone. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

// ---- the page in the URL ----

/** What the trail is filtered by. Days are "YYYY-MM-DD" in the console's time zone, both included. */
export interface AuditFilters {
  kind: TrailKind | null;
  from: string | null;
  to: string | null;
  unit: string;
  /** An officer (records) or a console account. */
  actor: string;
  /** An inspection's id. */
  document: string;
  refusedOnly: boolean;
}

export interface AuditView extends AuditFilters {
  limit: number;
  /** Where this page starts (the `next` of the page before it); null: the newest page. */
  after: string | null;
  /** The `after` of each page between the newest (which has none) and this one, nearest last. */
  back: string[];
  /** Pages between the newest and the first of `back` that were not kept (a long walk down). */
  skipped: number;
}

export const NO_FILTERS: AuditFilters = {
  kind: null,
  from: null,
  to: null,
  unit: "",
  actor: "",
  document: "",
  refusedOnly: false,
};

export const DEFAULT_AUDIT_VIEW: AuditView = { ...NO_FILTERS, limit: DEFAULT_PAGE_SIZE, after: null, back: [], skipped: 0 };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written "YYYY-MM-DD". */
export function isDay(s: string): boolean {
  if (!DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * The page from its query string: `kind`, `from` and `to` (days),
 * `unit`, `actor`, `document`, `refused_only=true`, `limit`, `after` (the
 * page's cursor), `back` (repeated: the cursors of the newer pages) and
 * `skipped`. Anything malformed is the default.
 */
export function auditViewFrom(search: string | URLSearchParams): AuditView {
  const p = typeof search === "string" ? new URLSearchParams(search) : search;
  const text = (k: string): string => p.get(k)?.trim() ?? "";
  const kind = text("kind");
  const from = text("from");
  const to = text("to");
  const limitText = text("limit");
  const limit = /^\d{1,5}$/.test(limitText) ? Number(limitText) : NaN;
  const after = text("after");
  const skippedText = text("skipped");
  const back = p
    .getAll("back")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const hasAfter = after !== "";
  const kept = back.slice(-MAX_BACK);
  const skipped = (/^\d{1,6}$/.test(skippedText) ? Number(skippedText) : 0) + back.length - kept.length;
  return {
    kind: isTrailKind(kind) ? kind : null,
    from: isDay(from) ? from : null,
    to: isDay(to) ? to : null,
    unit: text("unit"),
    actor: text("actor"),
    document: text("document"),
    refusedOnly: text("refused_only") === "true",
    limit: Number.isInteger(limit) && limit >= 1 && limit <= TRAIL_LIMITS.maxPage ? limit : DEFAULT_PAGE_SIZE,
    after: hasAfter ? after : null,
    back: hasAfter ? kept : [],
    skipped: hasAfter ? skipped : 0,
  };
}

/** The query string of a page ("" or "?…"); defaults are left out. */
export function auditSearch(v: AuditView): string {
  const p = new URLSearchParams();
  if (v.kind !== null) p.set("kind", v.kind);
  if (v.from !== null) p.set("from", v.from);
  if (v.to !== null) p.set("to", v.to);
  if (v.unit.trim() !== "") p.set("unit", v.unit.trim());
  if (v.actor.trim() !== "") p.set("actor", v.actor.trim());
  if (v.document.trim() !== "") p.set("document", v.document.trim());
  if (v.refusedOnly) p.set("refused_only", "true");
  if (v.limit !== DEFAULT_PAGE_SIZE) p.set("limit", String(v.limit));
  if (v.after !== null) {
    p.set("after", v.after);
    for (const c of v.back) p.append("back", c);
    if (v.skipped > 0) p.set("skipped", String(v.skipped));
  }
  const s = p.toString();
  return s === "" ? "" : `?${s}`;
}

/** Filters or the page size changed: back to the newest page. */
export function withFilters(v: AuditView, patch: Partial<AuditFilters> & { limit?: number }): AuditView {
  return { ...v, ...patch, after: null, back: [], skipped: 0 };
}

/** Whether any filter is set (paging and page size aside). */
export function hasFilters(v: AuditFilters): boolean {
  return (
    v.kind !== null ||
    v.from !== null ||
    v.to !== null ||
    v.unit.trim() !== "" ||
    v.actor.trim() !== "" ||
    v.document.trim() !== "" ||
    v.refusedOnly
  );
}

/** The page of older events, from the `next` of this one; this page goes on the way back. */
export function olderPage(v: AuditView, next: string): AuditView {
  if (v.after === null) return { ...v, after: next, back: [], skipped: 0 };
  const back = [...v.back, v.after];
  const drop = Math.max(0, back.length - MAX_BACK);
  return { ...v, after: next, back: back.slice(drop), skipped: v.skipped + drop };
}

/** Whether the page before this one is known (always, but past the pages not kept). */
export function canGoNewer(v: AuditView): boolean {
  return v.after !== null && (v.back.length > 0 || v.skipped === 0);
}

/** The page of newer events, one step back up; unchanged where that page is not known. */
export function newerPage(v: AuditView): AuditView {
  if (!canGoNewer(v)) return v;
  const prev = v.back.at(-1);
  if (prev === undefined) return { ...v, after: null, back: [], skipped: 0 };
  return { ...v, after: prev, back: v.back.slice(0, -1) };
}

/** The newest page, filters kept. */
export function newestPage(v: AuditView): AuditView {
  return { ...v, after: null, back: [], skipped: 0 };
}

/** This page's number, the newest being 1. */
export function pageNumber(v: AuditView): number {
  return v.after === null ? 1 : v.skipped + v.back.length + 2;
}

/**
 * Where the page's events stand from the newest (1-based, both included),
 * every page before it being full; null when it has none.
 */
export function pageRange(v: AuditView, count: number): { first: number; last: number } | null {
  if (count <= 0) return null;
  const first = (pageNumber(v) - 1) * v.limit + 1;
  return { first, last: first + count - 1 };
}

// ---- days in a time zone ----

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormats.set(timeZone, f);
  }
  return f;
}

/** How far the zone's clocks are ahead of UTC at an instant (ms; negative west of Greenwich). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts = partsFormat(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The day after a day ("YYYY-MM-DD"). */
export function dayAfter(day: string): string {
  const [y = 0, m = 1, d = 1] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/**
 * When a day begins in a time zone (Unix ms): its midnight, or the first
 * instant of the day where a clock change skips midnight.
 */
export function dayStartMs(day: string, timeZone: string): number {
  const [y = 0, m = 1, d = 1] = day.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d);
  const guess = wall - zoneOffsetMs(wall, timeZone);
  // The offset at the guess may differ (a clock change that night): once more with it.
  const offset = zoneOffsetMs(guess, timeZone);
  const start = wall - offset;
  // Midnight skipped (clocks went forward at 00:00): the day starts at the change.
  return zoneOffsetMs(start, timeZone) === offset ? start : guess;
}

/** The days picked as the API's range: from the "from" day's start to the start of the day after "to". */
export function dayRangeMs(from: string | null, to: string | null, timeZone: string): { from_ms: number | null; to_ms: number | null } {
  return {
    from_ms: from === null ? null : dayStartMs(from, timeZone),
    to_ms: to === null ? null : dayStartMs(dayAfter(to), timeZone),
  };
}

// ---- what the API is asked ----

const blankToNull = (s: string): string | null => (s.trim() === "" ? null : s.trim());

/** The query for the page the view shows. */
export function trailQuery(v: AuditView, timeZone: string): TrailQuery {
  return {
    kind: v.kind,
    ...dayRangeMs(v.from, v.to, timeZone),
    unit: blankToNull(v.unit),
    actor: blankToNull(v.actor),
    document: blankToNull(v.document),
    refused_only: v.refusedOnly,
    after: v.after,
    limit: v.limit,
  };
}

/** The query for the CSV export: the whole filtered trail, not the page (no `after`, no `limit`). */
export function csvQuery(v: AuditView, timeZone: string): TrailQuery {
  return { ...trailQuery(v, timeZone), after: null, limit: null };
}

// ---- words ----

/** Operations the page has words for; any other is shown as the server wrote it. */
export const KNOWN_OPERATIONS = [
  // records
  "create",
  "decide",
  "review",
  "annotate",
  "notes",
  "scan",
  "anpr_read",
  "read_correct",
  "read_detach",
  "alert",
  "alert_response",
  "hotlist_create",
  "hotlist_entry",
  "hotlist_profile",
  "hotlist_remove",
  // refusals (and a record whose operation could not be read)
  "record",
  "connection",
  // console
  "login",
  "logout",
  "refused",
  "user_add",
  "user_disable",
  "user_passwd",
  "hotlist_add",
  "profile_add",
  "enrollment_create",
  "enrollment_cancel",
  "revoke",
  "trail_export",
  "bundle_download",
] as const;
export type KnownOperation = (typeof KNOWN_OPERATIONS)[number];

export function isKnownOperation(s: string): s is KnownOperation {
  return (KNOWN_OPERATIONS as readonly string[]).includes(s);
}

export const KNOWN_OUTCOMES = ["accepted", "refused", "ok"] as const;
export type KnownOutcome = (typeof KNOWN_OUTCOMES)[number];

export function isKnownOutcome(s: string): s is KnownOutcome {
  return (KNOWN_OUTCOMES as readonly string[]).includes(s);
}

/** Whether an event is a refusal of any kind: a record or connection refused, a console request refused. */
export function isRefused(e: Pick<TrailEvent, "kind" | "outcome">): boolean {
  return e.kind === "refusal" || e.outcome === "refused";
}

/** The inspection an event is about, when it has one: a record's document (a hotlist's records name the list instead). */
export function inspectionOf(e: Pick<TrailEvent, "kind" | "document" | "operation">): string | null {
  if (e.kind !== "record" || e.document === null || e.document === "") return null;
  return e.operation.startsWith("hotlist_") ? null : e.document;
}
