// The fleet page's logic, apart from its components: where a vehicle
// stands (active, stale, revoked), the table's filters and sort and their
// place in the URL's query string, the stale thresholds and token
// lifetimes offered, and the clock offset and "how long ago" in parts for
// the page to put into words.

import { FLEET_LIMITS, type FleetDevice, type LastSync } from "../transport/console.ts";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** How often the page reads the fleet again while it is shown. */
export const FLEET_POLL_MS = 10_000;

/** A vehicle's clock further off than this is flagged. */
export const CLOCK_WARN_MS = 5 * MINUTE_MS;

/** Where a vehicle stands: revoked wins; then not heard from for too long; else active. */
export type DeviceState = "active" | "stale" | "revoked";
export const DEVICE_STATES: readonly DeviceState[] = ["active", "stale", "revoked"];

export function deviceState(d: Pick<FleetDevice, "revoked_ms" | "stale">): DeviceState {
  if (d.revoked_ms !== null) return "revoked";
  return d.stale ? "stale" : "active";
}

export const LAST_SYNCS: readonly LastSync[] = ["never", "complete", "interrupted", "refused"];

/** The stale thresholds offered (hours), within the server's limit. */
export const STALE_CHOICES: readonly number[] = [1, 6, 12, 24, 48, 168].filter((h) => h <= FLEET_LIMITS.maxStaleAfterHours);

/** An enrollment token's lifetimes offered (hours), within the server's limit. */
export const TTL_CHOICES: readonly number[] = [1, 24, 72, 168, 720].filter((h) => h <= FLEET_LIMITS.maxEnrollTtlHours);
export const DEFAULT_TTL_HOURS = Math.min(72, FLEET_LIMITS.maxEnrollTtlHours);

/** A number of hours as people say it: whole days from a week up ("7 days", "30 days"), else hours ("72 h"). */
export function durationParts(hours: number): { unit: "day" | "hour"; count: number } {
  return hours >= 168 && hours % 24 === 0 ? { unit: "day", count: hours / 24 } : { unit: "hour", count: hours };
}

// ---- filters and sort, kept in the URL ----

export type StateFilter = "all" | DeviceState;

export type FleetSortKey = "unit" | "key" | "version" | "enrolled" | "seen" | "sync" | "offset" | "backlog" | "records" | "state";
const SORT_KEYS: readonly FleetSortKey[] = ["unit", "key", "version", "enrolled", "seen", "sync", "offset", "backlog", "records", "state"];

export interface FleetSort {
  key: FleetSortKey;
  asc: boolean;
}
export const DEFAULT_FLEET_SORT: FleetSort = { key: "unit", asc: true };

/** What the page shows, as its URL says. */
export interface FleetParams {
  /** Free text: a unit (any part) or a key's first digits (a fingerprint as people read it works too). */
  text: string;
  state: StateFilter;
  /** Hours since last contact after which a vehicle is stale (sent to the server). */
  staleHours: number;
  sort: FleetSort;
}

export const DEFAULT_FLEET_PARAMS: FleetParams = {
  text: "",
  state: "all",
  staleHours: FLEET_LIMITS.staleAfterHours,
  sort: DEFAULT_FLEET_SORT,
};

const isStateFilter = (s: string): s is StateFilter => s === "all" || (DEVICE_STATES as readonly string[]).includes(s);
const isSortKey = (s: string): s is FleetSortKey => (SORT_KEYS as readonly string[]).includes(s);

/**
 * The page's view from its query string: `q` (text), `state`, `stale`
 * (hours, 1 to the server's maximum), `sort` (a column, "-" first for
 * descending). Anything malformed is the default.
 */
export function fleetParamsFrom(search: string | URLSearchParams): FleetParams {
  const p = typeof search === "string" ? new URLSearchParams(search) : search;
  const state = p.get("state") ?? "";
  const staleText = p.get("stale") ?? "";
  const stale = /^\d{1,4}$/.test(staleText) ? Number(staleText) : NaN;
  const sortText = p.get("sort") ?? "";
  const desc = sortText.startsWith("-");
  const sortKey = desc ? sortText.slice(1) : sortText;
  return {
    text: p.get("q") ?? "",
    state: isStateFilter(state) ? state : "all",
    staleHours: Number.isInteger(stale) && stale >= 1 && stale <= FLEET_LIMITS.maxStaleAfterHours ? stale : FLEET_LIMITS.staleAfterHours,
    sort: isSortKey(sortKey) ? { key: sortKey, asc: !desc } : DEFAULT_FLEET_SORT,
  };
}

/** The query string of a view ("" or "?…"); defaults are left out. */
export function fleetSearch(v: FleetParams): string {
  const p = new URLSearchParams();
  if (v.text !== "") p.set("q", v.text);
  if (v.state !== "all") p.set("state", v.state);
  if (v.staleHours !== FLEET_LIMITS.staleAfterHours) p.set("stale", String(v.staleHours));
  if (v.sort.key !== DEFAULT_FLEET_SORT.key || v.sort.asc !== DEFAULT_FLEET_SORT.asc) p.set("sort", `${v.sort.asc ? "" : "-"}${v.sort.key}`);
  const s = p.toString();
  return s === "" ? "" : `?${s}`;
}

/** The thresholds to offer: the usual ones, and the URL's own if it is another. */
export function staleChoices(current: number): number[] {
  return STALE_CHOICES.includes(current) ? [...STALE_CHOICES] : [...STALE_CHOICES, current].sort((a, b) => a - b);
}

/** A header clicked: that column ascending (most recent first for times), or the other way if it already was. */
export function nextFleetSort(s: FleetSort, key: FleetSortKey): FleetSort {
  if (s.key !== key) return { key, asc: !(key === "seen" || key === "enrolled") };
  return { key, asc: !s.asc };
}

/** Whether a device matches the free text: part of its unit, or the start of its key. */
export function matchesText(d: Pick<FleetDevice, "unit" | "key">, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === "") return true;
  if (d.unit.toLowerCase().includes(t)) return true;
  const hex = t.replace(/\s+/g, "");
  return /^[0-9a-f]+$/.test(hex) && d.key.toLowerCase().startsWith(hex);
}

export function filterDevices<D extends FleetDevice>(devices: readonly D[], v: Pick<FleetParams, "text" | "state">): D[] {
  return devices.filter((d) => (v.state === "all" || deviceState(d) === v.state) && matchesText(d, v.text));
}

export function stateCounts(devices: readonly FleetDevice[]): Record<DeviceState, number> {
  const c: Record<DeviceState, number> = { active: 0, stale: 0, revoked: 0 };
  for (const d of devices) c[deviceState(d)] += 1;
  return c;
}

const STATE_RANK: Readonly<Record<DeviceState, number>> = { active: 0, stale: 1, revoked: 2 };
const SYNC_RANK: Readonly<Record<LastSync, number>> = { complete: 0, interrupted: 1, refused: 2, never: 3 };

/** "0.10.2" after "0.9.3": numeric parts compared as numbers. */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/**
 * The table's order. Unknown values (a vehicle too old to say, never seen)
 * go last whichever way; the clock sorts by how far off it is; ties go by
 * unit, then first contact.
 */
export function sortDevices<D extends FleetDevice>(devices: readonly D[], sort: FleetSort): D[] {
  type Value = number | string | null;
  const value = (d: FleetDevice): Value => {
    switch (sort.key) {
      case "unit":
        return d.unit;
      case "key":
        return d.key;
      case "version":
        return d.app_version;
      case "enrolled":
        return d.enrolled_ms;
      case "seen":
        return d.last_seen_ms;
      case "sync":
        return SYNC_RANK[d.last_sync];
      case "offset":
        return d.clock_offset_ms === null ? null : Math.abs(d.clock_offset_ms);
      case "backlog":
        return d.backlog_records === null ? null : d.backlog_records;
      case "records":
        return d.records;
      case "state":
        return STATE_RANK[deviceState(d)];
    }
  };
  const compare = (a: Exclude<Value, null>, b: Exclude<Value, null>): number => {
    if (typeof a === "number" && typeof b === "number") return a - b;
    if (sort.key === "version") return compareVersions(String(a), String(b));
    return String(a).localeCompare(String(b), "en", { numeric: true });
  };
  const secondary = (a: FleetDevice, b: FleetDevice): number =>
    sort.key === "backlog" ? (a.backlog_scan_bytes ?? 0) - (b.backlog_scan_bytes ?? 0) : 0;
  const dir = sort.asc ? 1 : -1;
  return [...devices].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else {
      const c = compare(va, vb) || secondary(a, b);
      if (c !== 0) return dir * c;
    }
    return a.unit.localeCompare(b.unit, "en", { numeric: true }) || a.enrolled_ms - b.enrolled_ms || a.key.localeCompare(b.key);
  });
}

// ---- times and the clock, in parts ----

/** A clock offset in parts: its sign ("" for none) and whole hours, minutes and seconds (rounded). */
export function offsetParts(ms: number): { sign: "+" | "−" | ""; h: number; m: number; s: number } {
  const total = Math.round(Math.abs(ms) / 1000);
  const sign = total === 0 ? "" : ms > 0 ? "+" : "−";
  return { sign, h: Math.floor(total / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 };
}

/**
 * A clock offset as people say it: "+2 min 5 s", "−40 s", "+1 h 3 min";
 * seconds are left out from an hour up, and zero parts in between. The
 * units' words are the caller's (the language's).
 */
export function formatOffset(ms: number, words: { h: (n: number) => string; m: (n: number) => string; s: (n: number) => string }): string {
  const { sign, h, m, s } = offsetParts(ms);
  const parts: string[] = [];
  if (h > 0) parts.push(words.h(h));
  if (m > 0) parts.push(words.m(m));
  if (h === 0 && (s > 0 || m === 0)) parts.push(words.s(s));
  return `${sign}${parts.join(" ")}`;
}

/** Whether a vehicle's clock is far enough off to flag. */
export function clockSkewed(ms: number | null): boolean {
  return ms !== null && Math.abs(ms) > CLOCK_WARN_MS;
}

/**
 * How long ago (negative) or ahead, for Intl.RelativeTimeFormat: in whole
 * seconds, minutes, hours (up to two days: "30 h ago" says more than "1
 * day ago" beside a 24-hour threshold) or days.
 */
export function relativeParts(ms: number, now: number): { value: number; unit: "second" | "minute" | "hour" | "day" } {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const round = (unit: number): number => (diff < 0 ? -1 : 1) * Math.floor(abs / unit);
  if (abs < MINUTE_MS) return { value: round(1000), unit: "second" };
  if (abs < HOUR_MS) return { value: round(MINUTE_MS), unit: "minute" };
  if (abs < 2 * DAY_MS) return { value: round(HOUR_MS), unit: "hour" };
  return { value: round(DAY_MS), unit: "day" };
}

/** Whether the vehicle's backlog is known (a vehicle too old to say it states neither number). */
export function backlogKnown(d: Pick<FleetDevice, "backlog_records" | "backlog_scan_bytes">): d is { backlog_records: number; backlog_scan_bytes: number } {
  return d.backlog_records !== null && d.backlog_scan_bytes !== null;
}

/** The server's QR code (an SVG document) as an image URL: shown as a picture, never put into the page as markup. */
export function qrDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
