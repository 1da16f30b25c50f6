// The review queue's filters live in the URL's query string, in the same
// form as the API's query (GET /api/inspections?…), so a copied link
// reproduces the view and the page's query is the server's query.

import { OUTCOMES } from "../domain/outcome.ts";
import { normaliseContainerCode } from "../domain/iso6346.ts";
import { isAlertFilter, isReviewState, type ConsoleQuery } from "../transport/console.ts";
import { consoleQueryString } from "../transport/http.ts";

/** Rows per page (the server's default). */
export const QUEUE_LIMIT = 50;
export const QUEUE_LIMIT_MAX = 200;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isOutcomeFilter(s: string): boolean {
  return s === "none" || (OUTCOMES as readonly string[]).includes(s);
}

function validDay(s: string): boolean {
  if (!DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function nonNegativeInt(s: string): number | null {
  if (!/^\d{1,9}$/.test(s)) return null;
  return Number(s);
}

/** The queue query in a URL's query string; anything malformed is left out. */
export function queryFromSearch(search: string | URLSearchParams): ConsoleQuery {
  const p = typeof search === "string" ? new URLSearchParams(search) : search;
  const q: ConsoleQuery = {};
  const text = (k: string): string | null => {
    const v = p.get(k)?.trim() ?? "";
    return v === "" ? null : v;
  };
  const unit = text("unit");
  if (unit !== null) q.unit = unit;
  const from = text("from");
  if (from !== null && validDay(from)) q.from = from;
  const to = text("to");
  if (to !== null && validDay(to)) q.to = to;
  const outcome = text("outcome");
  if (outcome !== null && isOutcomeFilter(outcome)) q.outcome = outcome;
  const review = text("review");
  if (review !== null && isReviewState(review)) q.review = review;
  const officer = text("officer");
  if (officer !== null) q.officer = officer;
  const plate = text("plate");
  if (plate !== null) q.plate = plate;
  const container = text("container");
  if (container !== null) q.container = container;
  const scans = text("scans");
  if (scans === "true" || scans === "false") q.scans = scans === "true";
  const alerts = text("alerts");
  if (alerts !== null && isAlertFilter(alerts)) q.alerts = alerts;
  const offset = nonNegativeInt(text("offset") ?? "");
  if (offset !== null && offset > 0) q.offset = offset;
  const limit = nonNegativeInt(text("limit") ?? "");
  if (limit !== null && limit >= 1 && limit <= QUEUE_LIMIT_MAX && limit !== QUEUE_LIMIT) q.limit = limit;
  return q;
}

/** The URL query string of a queue query: "" or "?…". Default paging is left out. */
export function searchFromQuery(q: ConsoleQuery): string {
  const { offset, limit, ...rest } = q;
  const s = consoleQueryString({
    ...rest,
    ...(offset === undefined || offset <= 0 ? {} : { offset }),
    ...(limit === undefined || limit === QUEUE_LIMIT ? {} : { limit }),
  });
  return s === "" ? "" : `?${s}`;
}

/** The query the API is asked, with the page size always given. */
export function apiQuery(q: ConsoleQuery): ConsoleQuery {
  return { ...q, limit: q.limit ?? QUEUE_LIMIT, offset: q.offset ?? 0 };
}

/** Fields to set; undefined or "" clears one. */
export type QueryPatch = { [K in keyof ConsoleQuery]?: ConsoleQuery[K] | undefined };

/** A filter changed: back to the first page. */
export function withFilter(q: ConsoleQuery, patch: QueryPatch): ConsoleQuery {
  const next: ConsoleQuery = { ...q };
  for (const [k, v] of Object.entries(patch) as [keyof ConsoleQuery, ConsoleQuery[keyof ConsoleQuery]][]) {
    if (v === undefined || v === "") delete next[k];
    else Object.assign(next, { [k]: v });
  }
  delete next.offset;
  return next;
}

/** An ISO 6346 code, complete or nearly (the check digit may be missing). */
export function looksLikeContainer(text: string): boolean {
  return /^[A-Z]{3}[UJZ]\d{6,7}$/.test(normaliseContainerCode(text));
}

/** The search box's text: the plate or container filter. */
export function searchText(q: ConsoleQuery): string {
  return q.plate ?? q.container ?? "";
}

/** What was typed in the search box: a container code, or else a plate in any spelling. */
export function withSearch(q: ConsoleQuery, text: string): ConsoleQuery {
  const t = text.trim();
  if (t === "") return withFilter(q, { plate: undefined, container: undefined });
  return looksLikeContainer(t)
    ? withFilter(q, { plate: undefined, container: t })
    : withFilter(q, { plate: t, container: undefined });
}

/** Whether any filter is set (paging aside). */
export function hasFilters(q: ConsoleQuery): boolean {
  return Object.keys(q).some((k) => k !== "offset" && k !== "limit");
}

/** The page `delta` pages away (clamped at the first). */
export function pageOf(q: ConsoleQuery, delta: number): ConsoleQuery {
  const limit = q.limit ?? QUEUE_LIMIT;
  const offset = Math.max(0, (q.offset ?? 0) + delta * limit);
  const next: ConsoleQuery = { ...q };
  if (offset === 0) delete next.offset;
  else next.offset = offset;
  return next;
}
