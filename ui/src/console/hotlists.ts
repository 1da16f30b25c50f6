// The hotlists page's logic, apart from its components: where an entry or
// profile stands (in force, not yet, expired, removed), how the table is
// sorted and filtered, and the two forms' drafts turned into the API's
// inputs (dates are UTC days, the last one included, as in the queue's
// filters).

import { checkContainerCode, normaliseContainerCode } from "../domain/iso6346.ts";
import { parsePlate } from "../domain/plate.ts";
import type { HotlistEntry, HotlistEntryInput, HotlistView, Priority, RiskProfile, RiskProfileInput } from "../transport/console.ts";

export const DAY_MS = 86_400_000;

/** Where an entry or profile stands at a moment. */
export type EntryState = "in_force" | "pending" | "expired" | "removed";

export const ENTRY_STATES: readonly EntryState[] = ["in_force", "pending", "expired", "removed"];

type Timed = Pick<HotlistEntry, "valid_from_ms" | "valid_until_ms" | "removed">;

/** As Rust's `in_force`: from inclusive, until exclusive; removed wins. */
export function entryState(e: Timed, now: number): EntryState {
  if (e.removed !== null) return "removed";
  if (e.valid_from_ms !== null && now < e.valid_from_ms) return "pending";
  if (e.valid_until_ms !== null && now >= e.valid_until_ms) return "expired";
  return "in_force";
}

/** In force or still to come: what the crews match against now or soon. */
export const isCurrent = (s: EntryState): boolean => s === "in_force" || s === "pending";

const PRIORITY_RANK: Readonly<Record<Priority, number>> = { high: 0, medium: 1, low: 2 };
const STATE_RANK: Readonly<Record<EntryState, number>> = { in_force: 0, pending: 1, expired: 2, removed: 3 };

export type SortKey = "priority" | "value" | "valid" | "added" | "state";
export interface Sort {
  key: SortKey;
  /** Ascending: high priority first, A to Z, soonest end first, oldest first, in force first. */
  asc: boolean;
}
export const DEFAULT_SORT: Sort = { key: "priority", asc: true };

/** A header clicked: that column ascending, or the other way if it already was. */
export function nextSort(s: Sort, key: SortKey): Sort {
  if (s.key !== key) return { key, asc: key !== "added" };
  return { key, asc: !s.asc };
}

/** The entries in the table's order; ties go by priority, then state, then newest first. */
export function sortEntries(entries: readonly HotlistEntry[], sort: Sort, now: number): HotlistEntry[] {
  const primary = (a: HotlistEntry, b: HotlistEntry): number => {
    switch (sort.key) {
      case "priority":
        return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority];
      case "value":
        return a.canonical.localeCompare(b.canonical);
      case "valid":
        // No end comes last.
        return (a.valid_until_ms ?? Infinity) - (b.valid_until_ms ?? Infinity);
      case "added":
        return a.added_ms - b.added_ms;
      case "state":
        return STATE_RANK[entryState(a, now)] - STATE_RANK[entryState(b, now)];
    }
  };
  const dir = sort.asc ? 1 : -1;
  return [...entries].sort(
    (a, b) =>
      dir * primary(a, b) ||
      PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
      STATE_RANK[entryState(a, now)] - STATE_RANK[entryState(b, now)] ||
      b.added_ms - a.added_ms ||
      a.id.localeCompare(b.id),
  );
}

/** Profiles: priority, then state, then newest first. */
export function sortProfiles(profiles: readonly RiskProfile[], now: number): RiskProfile[] {
  return [...profiles].sort(
    (a, b) =>
      PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
      STATE_RANK[entryState(a, now)] - STATE_RANK[entryState(b, now)] ||
      b.added_ms - a.added_ms,
  );
}

/** The filter box's text, ready to compare: lower case, and as a plate or container when it is one. */
export interface Filter {
  text: string;
  plate: string | null;
  container: string;
}

export function parseFilter(raw: string): Filter | null {
  const text = raw.trim().toLowerCase();
  if (text === "") return null;
  const p = parsePlate(raw);
  return { text, plate: p.ok ? p.plate.canonical : null, container: normaliseContainerCode(raw) };
}

/** An entry matches on its plate or container (any spelling), or its reason, or who added it. */
export function entryMatches(e: HotlistEntry, f: Filter | null): boolean {
  if (f === null) return true;
  if ([e.value, e.reason, e.added_by].some((s) => s.toLowerCase().includes(f.text))) return true;
  if (f.plate !== null && e.canonical.includes(f.plate)) return true;
  return f.container !== "" && e.canonical.includes(f.container);
}

export function profileMatches(p: RiskProfile, f: Filter | null): boolean {
  if (f === null) return true;
  return [p.name, p.reason, p.keyword ?? "", p.country ?? "", p.direction ?? "", p.added_by].some((s) => s.toLowerCase().includes(f.text));
}

/** Entries and profiles in force now, over all lists. */
export function inForce(lists: readonly HotlistView[], now: number): { entries: number; profiles: number } {
  let entries = 0;
  let profiles = 0;
  for (const l of lists) {
    entries += l.entries.filter((e) => entryState(e, now) === "in_force").length;
    profiles += l.profiles.filter((p) => entryState(p, now) === "in_force").length;
  }
  return { entries, profiles };
}

// ---- dates: UTC days, both ends included ----

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Midnight UTC at the start of a `YYYY-MM-DD` day, or null. */
export function dayStart(day: string): number | null {
  if (!DAY.test(day)) return null;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? null : ms;
}

/** Midnight UTC after the day: the day itself is included. */
export function dayEnd(day: string): number | null {
  const s = dayStart(day);
  return s === null ? null : s + DAY_MS;
}

export const isMidnightUtc = (ms: number): boolean => ms % DAY_MS === 0;

// ---- the value typed: how the server will take it ----

export type ValueReading =
  | { kind: "plate"; canonical: string }
  | { kind: "container"; canonical: string }
  /** Looks like a container code, but its check digit is wrong: the server would take it as a plate. */
  | { kind: "check_digit"; expected: number }
  | { kind: "invalid" };

/** As the server's `classify`: a container code when it checks as one, else a plate. */
export function readValue(value: string): ValueReading | null {
  if (value.trim() === "") return null;
  const c = checkContainerCode(value);
  if (c.kind === "valid") return { kind: "container", canonical: c.code };
  if (c.kind === "wrong_check_digit") return { kind: "check_digit", expected: c.expected };
  const p = parsePlate(value);
  return p.ok ? { kind: "plate", canonical: p.plate.canonical } : { kind: "invalid" };
}

// ---- the forms ----

/** Units typed for a new list: separated by commas, semicolons or spaces. */
export function parseUnits(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/u).filter((u) => u !== ""))];
}

export type FormProblem = "list" | "value" | "reason" | "name" | "condition" | "hours" | "dates";

interface Common {
  list: string;
  units: string;
  reason: string;
  priority: Priority;
  /** `YYYY-MM-DD` or "". */
  from: string;
  until: string;
}

export interface EntryDraft extends Common {
  value: string;
}

export interface ProfileDraft extends Common {
  name: string;
  country: string;
  /** "0"–"23" or "" for none. */
  hourFrom: string;
  hourTo: string;
  keyword: string;
  direction: string;
}

export const emptyEntryDraft = (list = ""): EntryDraft => ({ list, units: "", value: "", reason: "", priority: "medium", from: "", until: "" });

export const emptyProfileDraft = (list = ""): ProfileDraft => ({
  list,
  units: "",
  name: "",
  country: "",
  hourFrom: "",
  hourTo: "",
  keyword: "",
  direction: "",
  reason: "",
  priority: "medium",
  from: "",
  until: "",
});

function commonProblems(d: Common): FormProblem[] {
  const out: FormProblem[] = [];
  if (d.list.trim() === "") out.push("list");
  if (d.reason.trim() === "") out.push("reason");
  const from = dayStart(d.from);
  const until = dayEnd(d.until);
  if (from !== null && until !== null && until <= from) out.push("dates");
  return out;
}

/** What keeps the entry from being sent (the server checks the rest, and says so). */
export function entryProblems(d: EntryDraft): FormProblem[] {
  const out = commonProblems(d);
  if (d.value.trim() === "") out.unshift("value");
  return out;
}

export function profileProblems(d: ProfileDraft): FormProblem[] {
  const out = commonProblems(d);
  if (d.name.trim() === "") out.push("name");
  const hours = [d.hourFrom, d.hourTo].filter((h) => h !== "").length;
  if (hours === 1) out.push("hours");
  if (hours === 0 && [d.country, d.keyword, d.direction].every((s) => s.trim() === "")) out.push("condition");
  return out;
}

/** The units only go with a list the server does not have yet. */
function unitsFor(d: Common, lists: readonly HotlistView[]): string[] {
  return isNewList(d.list, lists) ? parseUnits(d.units) : [];
}

export function isNewList(name: string, lists: readonly HotlistView[]): boolean {
  const n = name.trim();
  return n !== "" && !lists.some((l) => l.name === n);
}

const orNull = (s: string): string | null => (s.trim() === "" ? null : s.trim());
const hour = (s: string): number | null => (s === "" ? null : Number(s));

export function entryInput(d: EntryDraft, lists: readonly HotlistView[]): HotlistEntryInput | null {
  if (entryProblems(d).length > 0) return null;
  return {
    list: d.list.trim(),
    units: unitsFor(d, lists),
    value: d.value.trim(),
    reason: d.reason.trim(),
    priority: d.priority,
    valid_from_ms: dayStart(d.from),
    valid_until_ms: dayEnd(d.until),
  };
}

export function profileInput(d: ProfileDraft, lists: readonly HotlistView[]): RiskProfileInput | null {
  if (profileProblems(d).length > 0) return null;
  return {
    list: d.list.trim(),
    units: unitsFor(d, lists),
    name: d.name.trim(),
    country: orNull(d.country)?.toUpperCase() ?? null,
    hour_from: hour(d.hourFrom),
    hour_to: hour(d.hourTo),
    keyword: orNull(d.keyword),
    direction: orNull(d.direction)?.toLowerCase() ?? null,
    reason: d.reason.trim(),
    priority: d.priority,
    valid_from_ms: dayStart(d.from),
    valid_until_ms: dayEnd(d.until),
  };
}
