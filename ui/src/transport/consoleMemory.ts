// The IN-MEMORY CONSOLE TRANSPORT, for development (`npm run dev`, the
// console at /console) and component tests only. Nothing is stored, signed
// or sent: it imitates kordon-server's /api (users and roles, throttled
// logins, the filtered and counted queue with its hotlist-hit filter, the
// queue version, reviews and marks attributed to the supervisor, delivery
// records, scans still arriving, hotlists and risk profiles checked as the
// server checks them, and the fleet: vehicles with what they last stated,
// enrollment tokens, revocation with a reason, refused attempts; all for
// administrators only), and the audit trail (auditors and administrators):
// the records of its inspections and hotlists, the revoked tablet's
// refused connections, console sign-ins and actions made up from the demo
// data, and then whatever is done through it, filtered and paged by
// cursor as the server does, and the statistics (supervisors and
// auditors) counted from its inspections as the server counts them
// (memoryStats.ts), and trainees' attempts at training exercises
// (trainers, supervisors and auditors) scored as the server scores them
// (memoryTraining.ts). Scans are the same synthetic SVG pictures as the
// crew's in-memory transport (demoTiles.ts); a read's pictures are drawn
// from what the camera read.

import { checkContainerCode } from "../domain/iso6346.ts";
import { normaliseContainerCode } from "../domain/iso6346.ts";
import { currentOutcome, OUTCOMES } from "../domain/outcome.ts";
import { parsePlate, plateKeyOf } from "../domain/plate.ts";
import { isValidReasonCode } from "../domain/reason.ts";
import { reviewStateOf } from "../domain/review.ts";
import { TransportError } from "./errors.ts";
import { FLEET_LIMITS, TRAIL_LIMITS } from "./generated.ts";
import type {
  Alert,
  ConsoleInspection,
  ConsolePage,
  ConsoleQuery,
  ConsoleRow,
  ConsoleTransport,
  ConsoleUser,
  DeliveryRecord,
  DeviceInfo,
  EntryKind,
  FleetView,
  HotlistChange,
  HotlistEntry,
  HotlistEntryInput,
  HotlistView,
  LoginInput,
  NewEnrollment,
  NewEnrollmentInput,
  NewReviewInput,
  PendingEnrollment,
  Priority,
  QueueVersion,
  ReviewCounts,
  Revoked,
  RevokeInput,
  RiskProfile,
  RiskProfileInput,
  ScanState,
  Statistics,
  StatsQuery,
  StatsTable,
  TrailEvent,
  TrailKind,
  TrailPage,
  TrailQuery,
  TraineeProgress,
  TrainingAttempt,
  TrainingQuery,
  Unsubscribe,
  UserRole,
} from "./console.ts";
import { demoHotlists, demoReadImageUrl, demoSeed } from "./demoData.ts";
import { demoThumbnailUrl, demoTileUrl } from "./demoTiles.ts";
import { fakeHash, sameVehicle, scanInfoOf } from "./memoryScans.ts";
import { csvField, statisticsOf, statsCsv } from "./memoryStats.ts";
import { attemptOf, demoTraining, traineesOf, type TrainingSeed } from "./memoryTraining.ts";
import type { AnprRead, Decision, InspectionView, NewAnnotationInput, Outcome, Plate, Review, Scan, ScanInfo, ViewParams } from "./types.ts";
import { randomUuid } from "./uuid.ts";
import { checkNewAnnotation } from "./validate.ts";

export interface ConsoleAccount {
  name: string;
  password: string;
  role: UserRole;
}

/** An inspection the server holds, and when its first record arrived. */
export interface ConsoleSeed {
  view: InspectionView;
  /** Default: a minute after it was created. */
  received_ms?: number;
}

/** A scan whose blobs are still on their way (bytes so far, bytes in all). */
export interface Arrival {
  received: number;
  total: number;
  /** Bytes more at every `scanState` call (development: the bar moves). */
  step: number;
}

export interface ConsoleMemoryOptions {
  now?: () => number;
  accounts?: readonly ConsoleAccount[];
  /** Signed in from the start (tests). */
  signedIn?: string | null;
  seed?: readonly ConsoleSeed[];
  /** Units known besides those of the seed. */
  units?: readonly string[];
  arrivals?: Readonly<Record<string, Arrival>>;
  latencyMs?: number;
  /** Failed logins in a row before a name is throttled (default 5). */
  maxFailures?: number;
  /** The server's hotlists; the demo lists (`demoConsoleHotlists`) when absent, none with []. */
  hotlists?: readonly HotlistView[];
  /**
   * The register's devices; the demo fleet (`demoFleetDevices`) when
   * absent, none with []. `records` counts besides the records of the
   * seed's inspections that the device signed.
   */
  devices?: readonly DeviceInfo[];
  /** Enrollment tokens not yet used; the demo ones (`demoEnrollments`) when absent, none with []. */
  enrollments?: readonly PendingEnrollment[];
  /** Trainees' attempts at training exercises; the demo trainees (`demoTraining`) when absent, none with []. */
  training?: readonly TrainingSeed[];
}

export const DEMO_ACCOUNTS: readonly ConsoleAccount[] = [
  { name: "SUP-07", password: "kordon", role: "supervisor" },
  { name: "AUD-01", password: "kordon", role: "auditor" },
  { name: "ADM-01", password: "kordon", role: "administrator" },
  { name: "TRN-01", password: "kordon", role: "trainer" },
];

const SERVER_KEY = fakeHash("kordon-server");

interface Entry {
  view: InspectionView;
  received_ms: number;
  updated_ms: number;
  records: DeliveryRecord[];
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** An event of the trail as it is kept: its row number within its kind instead of the cursor. */
type Logged = Omit<TrailEvent, "cursor"> & { n: number };

/** Events of one millisecond: records, then refusals, then console actions (the server's order). */
const KIND_RANK: Readonly<Record<TrailKind, number>> = { record: 0, refusal: 1, console: 2 };

const cursorOf = (e: Logged): string => `${e.at_ms}.${KIND_RANK[e.kind]}.${e.n}`;

/** Newest first: time, then kind, then row number, all descending. */
function newerFirst(a: { at_ms: number; rank: number; n: number }, b: { at_ms: number; rank: number; n: number }): number {
  return b.at_ms - a.at_ms || b.rank - a.rank || b.n - a.n;
}

/** A cursor as the server writes it ("at_ms.rank.n"); anything else is refused as the server refuses it. */
function parseCursor(s: string): { at_ms: number; rank: number; n: number } {
  const parts = s.split(".");
  const nums = parts.map((p) => (/^-?\d{1,16}$/.test(p) ? Number(p) : NaN));
  const [at_ms, rank, n] = nums;
  if (parts.length !== 3 || at_ms === undefined || rank === undefined || n === undefined || nums.some((x) => Number.isNaN(x))) {
    throw new TransportError("invalid_input", `${JSON.stringify(s)} is not a position in the audit trail`);
  }
  return { at_ms, rank, n };
}

/** An inspection id as the server's `document` filter reads it (a UUID, with or without hyphens), lower case. */
function documentId(s: string): string {
  const hex = s.trim().toLowerCase().replaceAll("-", "");
  const shaped = /^[0-9a-f]{32}$/.test(hex) && (s.trim().length === 32 || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s.trim()));
  if (!shaped) throw new TransportError("invalid_input", `document ${JSON.stringify(s.trim())}: not an inspection id`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const blankToNull = (s: string | null): string | null => {
  const t = s?.trim() ?? "";
  return t === "" ? null : t;
};

/** The server's CSV columns, in order (kordon-api's audit.rs). */
export const TRAIL_CSV_COLUMNS = ["time_utc", "kind", "actor", "role", "unit", "signer", "document", "operation", "outcome", "detail", "record", "peer"] as const;

/** Events as the server's CSV export writes them: a header line, RFC 4180 quoting, times in UTC. */
export function trailCsv(events: readonly TrailEvent[]): string {
  const lines = [TRAIL_CSV_COLUMNS.join(",")];
  for (const e of events) {
    const time = new Date(e.at_ms).toISOString().replace(".000Z", "Z");
    lines.push([time, e.kind, e.actor, e.role, e.unit, e.signer, e.document, e.operation, e.outcome, e.detail, e.record, e.peer].map(csvField).join(","));
  }
  return `${lines.join("\n")}\n`;
}

const emptyCounts = (): ReviewCounts => ({ unreviewed: 0, agreed: 0, overruled: 0, returned: 0, answered: 0 });

export class ConsoleMemoryTransport implements ConsoleTransport {
  readonly kind = "memory" as const;

  private readonly now: () => number;
  private readonly accounts: readonly ConsoleAccount[];
  private readonly latencyMs: number;
  private readonly maxFailures: number;
  private readonly docs = new Map<string, Entry>();
  private readonly units = new Set<string>();
  private readonly arrivals = new Map<string, Arrival & { building: boolean }>();
  private readonly failures = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private readonly lists: HotlistView[];
  private readonly devices: DeviceInfo[];
  /** Pending enrollments, newest first, with the token each was made as (null: seeded). */
  private readonly pending: { p: PendingEnrollment; token: string | null }[];
  private readonly attempts: TrainingSeed[];
  private user: ConsoleUser | null = null;
  private seq = 0;
  private version = 1;
  /** The audit trail, in the order things happened here (sorted when read). */
  private readonly log: Logged[] = [];
  private refusals = 0;
  private audits = 0;

  constructor(opts: ConsoleMemoryOptions = {}) {
    this.now = opts.now ?? (() => Date.now());
    this.accounts = opts.accounts ?? DEMO_ACCOUNTS;
    this.latencyMs = opts.latencyMs ?? 0;
    this.maxFailures = opts.maxFailures ?? 5;
    for (const u of opts.units ?? []) this.units.add(u);
    const seeds = [...(opts.seed ?? [])].sort(
      (a, b) => (a.received_ms ?? a.view.created_ms + 60_000) - (b.received_ms ?? b.view.created_ms + 60_000),
    );
    for (const s of seeds) this.store(clone(s.view), s.received_ms ?? s.view.created_ms + 60_000);
    for (const [scan, a] of Object.entries(opts.arrivals ?? {})) this.arrivals.set(scan, { ...a, building: false });
    this.lists = clone([...(opts.hotlists ?? demoConsoleHotlists(this.now()))]);
    this.devices = clone([...(opts.devices ?? demoFleetDevices(this.now()))]);
    this.pending = clone([...(opts.enrollments ?? demoEnrollments(this.now()))])
      .sort((a, b) => b.created_ms - a.created_ms)
      .map((p) => ({ p, token: null }));
    this.attempts = clone([...(opts.training ?? demoTraining(this.now()))]);
    this.seedTrail();
    if (opts.signedIn !== undefined && opts.signedIn !== null) this.user = this.userOf(this.account(opts.signedIn));
  }

  // ---- development and test controls (not part of ConsoleTransport) ----

  /** An inspection arrives from a vehicle (the queue's version changes). */
  receive(view: InspectionView, received_ms = this.now()): void {
    this.store(clone(view), received_ms);
    this.version += 1;
  }

  /** A made-up inspection arrives now from one of the units (development). */
  receiveDemo(): InspectionView {
    const now = this.now();
    const units = [...this.units];
    const v = demoInspection(Math.floor(now / 1000), now, units[Math.floor(now / 1000) % units.length] ?? "MOBILE-1");
    this.receive(v, now);
    return v;
  }

  /** The session ends on the server (tests: the next call answers 401). */
  expireSession(): void {
    this.user = null;
  }

  /** The rest of a scan's blobs arrive at once. */
  finishArrival(scan: string): void {
    this.arrivals.delete(scan);
  }

  /**
   * A vehicle connects (development and tests): a revoked one is refused
   * and counted, as the server does; another is seen now and states its
   * version, backlog and clock offset when given.
   */
  vehicleConnects(
    key: string,
    stated: Partial<Pick<DeviceInfo, "app_version" | "backlog_records" | "backlog_scan_bytes" | "clock_offset_ms">> = {},
  ): DeviceInfo {
    const d = this.devices.find((x) => x.key === key.toLowerCase());
    if (d === undefined) throw new Error(`no device ${key}`);
    const now = this.now();
    if (d.revoked_ms !== null) {
      d.refused_count += 1;
      d.last_refused_ms = now;
      d.last_sync = "refused";
      this.logRefusal(now, d.key, d.last_addr, `revoked device: ${d.revoked_reason ?? ""}`);
      return clone(d);
    }
    d.last_seen_ms = now;
    d.last_sync = "complete";
    if (Object.keys(stated).length > 0) {
      Object.assign(d, stated);
      d.stated_ms = now;
    }
    return clone(d);
  }

  /** A trainee's attempt arrives, or more of its answers (development and tests): it replaces the attempt with its id. */
  receiveTraining(seed: TrainingSeed): void {
    const i = this.attempts.findIndex((a) => a.id === seed.id);
    if (i >= 0) this.attempts.splice(i, 1, clone(seed));
    else this.attempts.push(clone(seed));
  }

  /** A vehicle uses a pending token (development): the token is spent and a device enrolled. */
  redeemEnrollment(id: string): DeviceInfo {
    const i = this.pending.findIndex((x) => x.p.id === id && x.p.expires_ms > this.now());
    const found = this.pending[i];
    if (found === undefined) throw new Error(`no pending enrollment ${id}`);
    this.pending.splice(i, 1);
    const now = this.now();
    const d: DeviceInfo = {
      ...newDevice(fakeHash(`enrolled:${id}`), found.p.unit, now),
      last_seen_ms: now,
      last_sync: "complete",
    };
    this.devices.push(d);
    return clone(d);
  }

  // ---- ConsoleTransport ----

  async login(input: LoginInput): Promise<ConsoleUser> {
    await this.delay();
    const name = input.name.trim();
    const failed = this.failures.get(name) ?? 0;
    if (failed >= this.maxFailures) {
      this.logConsole({ actor: name, role: null, action: "login", outcome: "refused", detail: "throttled" });
      throw new TransportError("throttled", `too many failed logins for ${name}; try again in 5 minutes`);
    }
    const acc = this.accounts.find((a) => a.name === name);
    if (acc === undefined || acc.password !== input.password) {
      this.failures.set(name, failed + 1);
      this.logConsole({ actor: name, role: null, action: "login", outcome: "refused", detail: acc === undefined ? "unknown account" : "wrong password" });
      throw new TransportError("wrong_password", "wrong name or password");
    }
    this.failures.delete(name);
    this.user = this.userOf(acc);
    this.logConsole({ actor: acc.name, role: acc.role, action: "login" });
    return clone(this.user);
  }

  async logout(): Promise<void> {
    await this.delay();
    if (this.user !== null) this.logConsole({ actor: this.user.name, role: this.user.role, action: "logout" });
    this.user = null;
  }

  async me(): Promise<ConsoleUser> {
    await this.delay();
    // Any role: administrators are signed in too (they read the hotlists).
    return clone(this.anyRole());
  }

  async queue(q: ConsoleQuery): Promise<ConsolePage> {
    await this.delay();
    this.signedIn();
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new TransportError("invalid_input", "limit: 1 to 200");
    if (!Number.isInteger(offset) || offset < 0) throw new TransportError("invalid_input", "offset: 0 or more");
    const all = [...this.docs.values()].sort(
      (a, b) => b.view.created_ms - a.view.created_ms || a.view.id.localeCompare(b.view.id),
    );
    const plateKey = q.plate === undefined ? null : (plateKeyOf(q.plate) ?? "\u0000");
    const container = q.container === undefined ? null : normaliseContainerCode(q.container);
    const officer = q.officer?.trim().toUpperCase();
    // Every filter but the outcome and the review state; those two are
    // counted under the others.
    const base = all.filter(({ view: v }) => {
      if (q.unit !== undefined && v.unit !== q.unit) return false;
      const day = utcDay(v.created_ms);
      if (q.from !== undefined && day < q.from) return false;
      if (q.to !== undefined && day > q.to) return false;
      if (officer !== undefined && ![v.created_by, ...v.crew, ...v.decisions.map((d) => d.officer)].some((o) => o.toUpperCase() === officer)) {
        return false;
      }
      if (plateKey !== null && !plateKeys(v).some((k) => k.includes(plateKey))) return false;
      if (container !== null && !v.containers.some((c) => c.includes(container))) return false;
      if (q.scans !== undefined && v.scans.length > 0 !== q.scans) return false;
      if (q.alerts === "any" && (v.alerts ?? []).length === 0) return false;
      if (q.alerts === "open" && !hasOpenAlert(v)) return false;
      return true;
    });
    const outcomeOf = (v: InspectionView): string => currentOutcome(v) ?? "none";
    const review = emptyCounts();
    const outcome: Record<string, number> = Object.fromEntries([...OUTCOMES, "none"].map((o) => [o, 0]));
    const rows: Entry[] = [];
    for (const e of base) {
      const o = outcomeOf(e.view);
      const r = reviewStateOf(e.view);
      const outcomeOk = q.outcome === undefined || o === q.outcome;
      const reviewOk = q.review === undefined || r === q.review;
      if (outcomeOk) review[r] += 1;
      if (reviewOk) outcome[o] = (outcome[o] ?? 0) + 1;
      if (outcomeOk && reviewOk) rows.push(e);
    }
    return {
      rows: rows.slice(offset, offset + limit).map((e) => this.row(e)),
      total: rows.length,
      offset,
      limit,
      counts: {
        review,
        outcome,
        open_alerts: [...this.docs.values()].filter((e) => hasOpenAlert(e.view)).length,
      },
      units: [...this.units].sort(),
    };
  }

  async queueVersion(): Promise<QueueVersion> {
    await this.delay();
    this.signedIn();
    return { version: this.version, total: this.docs.size };
  }

  async inspection(id: string): Promise<ConsoleInspection> {
    await this.delay();
    this.signedIn();
    return this.full(this.entry(id));
  }

  async history(id: string): Promise<ConsoleRow[]> {
    await this.delay();
    this.signedIn();
    const me = this.entry(id).view;
    const mine = plateKeys(me);
    return [...this.docs.values()]
      .filter((e) => e.view.id !== id && (sameVehicle(me, e.view) || plateKeys(e.view).some((k) => mine.includes(k))))
      .sort((a, b) => b.view.created_ms - a.view.created_ms)
      .map((e) => this.row(e));
  }

  async review(id: string, input: NewReviewInput): Promise<ConsoleInspection> {
    await this.delay();
    const user = this.mayWrite("review");
    const e = this.entry(id);
    checkReview(input);
    const now = this.now();
    const r: Review = {
      verdict: input.verdict,
      comment: input.comment.trim(),
      supervisor: user.name,
      at_ms: now,
      outcome: input.outcome,
      reasons: [...input.reasons],
      decisions_seen: e.view.decisions.length,
    };
    // Append only: earlier reviews are left exactly as they are.
    e.view.reviews.push(r);
    this.record(e, "review", user.name, now);
    this.logConsole({
      actor: user.name,
      role: user.role,
      action: "review",
      target: id,
      detail: input.outcome === null ? input.verdict : `${input.verdict} ${input.outcome}`,
    });
    return this.full(e);
  }

  async annotate(id: string, input: NewAnnotationInput): Promise<ConsoleInspection> {
    await this.delay();
    const user = this.mayWrite("annotate");
    const e = this.entry(id);
    const a = checkNewAnnotation(input);
    if (!e.view.scans.some((s) => s.id === a.scan)) {
      throw new TransportError("invalid_input", `scan ${a.scan} is not part of inspection ${id}`);
    }
    const now = this.now();
    e.view.annotations.push({ id: randomUuid(), ...a, added_ms: now, added_by: user.name });
    this.record(e, "annotate", user.name, now);
    this.logConsole({ actor: user.name, role: user.role, action: "annotate", target: id, detail: a.kind });
    return this.full(e);
  }

  async scanState(scan: string): Promise<ScanState> {
    await this.delay();
    this.signedIn();
    const s = this.scan(scan);
    const a = this.arrivals.get(scan);
    if (a === undefined) return { state: "ready", info: scanInfoOf(s) };
    if (a.building) {
      this.arrivals.delete(scan);
      return { state: "building" };
    }
    const answer: ScanState = { state: "arriving", bytes_received: a.received, bytes_total: a.total };
    a.received = Math.min(a.total, a.received + a.step);
    if (a.received >= a.total) a.building = true;
    return answer;
  }

  async scanInfo(scan: string): Promise<ScanInfo> {
    const s = await this.scanState(scan);
    if (s.state === "ready") return s.info;
    throw new TransportError("scan_not_ready", `scan ${scan} is ${s.state}`);
  }

  tileUrl(scan: string, level: number, x: number, y: number, view: ViewParams): string {
    return demoTileUrl(scanInfoOf(this.scan(scan)), level, x, y, view);
  }

  thumbnailUrl(scan: string, maxSide: number, view: ViewParams): string {
    return demoThumbnailUrl(scanInfoOf(this.scan(scan)), maxSide, view);
  }

  bundleUrl(id: string): string {
    // No server here to sign an export: the demo says so in the file.
    return `data:text/plain;charset=utf-8,${encodeURIComponent(`Demo data: inspection ${id} has no evidence bundle. kordon-server makes one.`)}`;
  }

  readImageUrl(blob: string): string {
    for (const e of this.docs.values()) {
      for (const r of e.view.reads ?? []) {
        const image = r.images.find((im) => im.blob === blob);
        if (image !== undefined) return demoReadImageUrl(image.kind, r.correction?.text ?? r.text, r.country);
      }
    }
    return demoReadImageUrl("plate", null);
  }

  async hotlists(): Promise<HotlistView[]> {
    await this.delay();
    const user = this.anyRole();
    if (user.role === "trainer") this.forbid(user, "hotlists", "the role trainer may not use hotlists");
    return [...this.lists].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)).map((l) => clone(l));
  }

  async hotlistAdd(input: HotlistEntryInput): Promise<HotlistChange> {
    await this.delay();
    const user = this.mayEditLists("hotlist_add");
    const { kind, canonical } = classifyEntry(input.value);
    const reason = text("reason", input.reason, true);
    validity(input.valid_from_ms, input.valid_until_ms);
    const now = this.now();
    const list = this.listNamed(input.list, input.units, now);
    const entry: HotlistEntry = {
      id: this.newEntryId(),
      value: input.value.trim(),
      kind,
      canonical,
      reason,
      priority: input.priority ?? "medium",
      valid_from_ms: input.valid_from_ms,
      valid_until_ms: input.valid_until_ms,
      added_by: user.name,
      added_ms: now,
      removed: null,
    };
    list.entries.push(entry);
    this.logListRecord(list.id, "hotlist_entry", user.name, now);
    this.logConsole({ actor: user.name, role: user.role, action: "hotlist_add", target: `${list.name}/${entry.id}`, detail: entry.value });
    return { list_id: list.id, list: list.name, id: entry.id };
  }

  async profileAdd(input: RiskProfileInput): Promise<HotlistChange> {
    await this.delay();
    const user = this.mayEditLists("profile_add");
    const p = checkProfile(input);
    const now = this.now();
    const list = this.listNamed(input.list, input.units, now);
    const profile: RiskProfile = { id: this.newEntryId(), ...p, added_by: user.name, added_ms: now, removed: null };
    list.profiles.push(profile);
    this.logListRecord(list.id, "hotlist_profile", user.name, now);
    this.logConsole({ actor: user.name, role: user.role, action: "profile_add", target: `${list.name}/${profile.id}`, detail: profile.name });
    return { list_id: list.id, list: list.name, id: profile.id };
  }

  async hotlistRemove(id: string): Promise<HotlistChange> {
    await this.delay();
    const user = this.mayEditLists("hotlist_remove");
    for (const list of this.lists) {
      const held = [...list.entries, ...list.profiles].find((x) => x.id === id && x.removed === null);
      if (held !== undefined) {
        const now = this.now();
        held.removed = { by: user.name, at_ms: now };
        this.logListRecord(list.id, "hotlist_remove", user.name, now);
        this.logConsole({ actor: user.name, role: user.role, action: "hotlist_remove", target: `${list.name}/${id}` });
        return { list_id: list.id, list: list.name, id };
      }
    }
    throw new TransportError("invalid_input", `no entry or profile ${JSON.stringify(id)} in force on any list`);
  }

  async fleet(staleAfterHours?: number): Promise<FleetView> {
    await this.delay();
    this.administrator("fleet");
    const hours = staleAfterHours ?? FLEET_LIMITS.staleAfterHours;
    if (!Number.isInteger(hours) || hours < 1 || hours > FLEET_LIMITS.maxStaleAfterHours) {
      throw new TransportError("invalid_input", `stale_after_hours must be between 1 and ${FLEET_LIMITS.maxStaleAfterHours}`);
    }
    const now = this.now();
    const stale_after_ms = hours * HOUR;
    // As the register lists them: by unit, then by enrollment.
    const devices = [...this.devices]
      .sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.enrolled_ms - b.enrolled_ms))
      .map((d) => ({
        ...clone(d),
        records: d.records + this.signedBy(d.key),
        stale: d.revoked_ms === null && now - (d.last_seen_ms ?? d.enrolled_ms) > stale_after_ms,
      }));
    return { now_ms: now, stale_after_ms, devices };
  }

  async enrollments(): Promise<PendingEnrollment[]> {
    await this.delay();
    this.administrator("enrollments");
    const now = this.now();
    return this.pending.filter((x) => x.p.expires_ms > now).map((x) => clone(x.p));
  }

  async createEnrollment(input: NewEnrollmentInput): Promise<NewEnrollment> {
    await this.delay();
    const user = this.administrator("enrollment_create");
    const unit = input.unit.trim();
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (unit === "" || Array.from(unit).length > 64 || /[\u0000-\u001f\u007f-\u009f]/u.test(unit)) {
      throw new TransportError("invalid_input", `unit name ${JSON.stringify(unit)} must be 1 to 64 printable characters`);
    }
    const ttl = input.ttl_hours;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > FLEET_LIMITS.maxEnrollTtlHours) {
      throw new TransportError("invalid_input", `an enrollment token is valid between 1 and ${FLEET_LIMITS.maxEnrollTtlHours} hours, not ${ttl}`);
    }
    const now = this.now();
    this.seq += 1;
    const secret = fakeHash(`enrollment-secret:${unit}:${now}:${this.seq}`);
    const token = `KORDON1-${base64Url(JSON.stringify({ addr: "kordon.example:7443", fp: SERVER_KEY.slice(0, 16), key: SERVER_KEY, unit, secret }))}`;
    const p: PendingEnrollment = {
      id: fakeHash(`enrollment:${secret}`).slice(0, 16),
      unit,
      created_ms: now,
      expires_ms: now + ttl * HOUR,
      created_by: user.name,
    };
    this.pending.unshift({ p, token });
    this.logConsole({ actor: user.name, role: user.role, action: "enrollment_create", target: unit, detail: `token ${p.id}, valid ${ttl} h` });
    return { token, qr_svg: placeholderQrSvg(token), pending: clone(p) };
  }

  async cancelEnrollment(id: string): Promise<PendingEnrollment> {
    await this.delay();
    const user = this.administrator("enrollment_cancel");
    const now = this.now();
    const i = this.pending.findIndex((x) => x.p.id.toLowerCase() === id.trim().toLowerCase() && x.p.expires_ms > now);
    const found = this.pending[i];
    if (found === undefined) {
      throw new TransportError("not_found", `no pending enrollment ${JSON.stringify(id)} (used, expired or cancelled already?)`);
    }
    this.pending.splice(i, 1);
    this.logConsole({ actor: user.name, role: user.role, action: "enrollment_cancel", target: found.p.unit, detail: `token ${found.p.id}` });
    return clone(found.p);
  }

  async revoke(input: RevokeInput): Promise<Revoked> {
    await this.delay();
    const user = this.administrator("revoke");
    const unit = input.unit ?? null;
    const device = input.device ?? null;
    if ((unit === null) === (device === null)) throw new TransportError("invalid_input", "name either a unit or a device to revoke");
    const reason = input.reason.trim();
    if (reason === "") throw new TransportError("invalid_input", "say why: the vehicle's crew is told the reason");
    // eslint-disable-next-line no-control-regex -- control characters (but a new line) are what is refused
    if (Array.from(reason).length > FLEET_LIMITS.maxRevokeReason || /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u.test(reason)) {
      throw new TransportError("invalid_input", `a revocation reason is at most ${FLEET_LIMITS.maxRevokeReason} printable characters`);
    }
    const now = this.now();
    let targets: DeviceInfo[];
    if (unit !== null) {
      const u = unit.trim();
      targets = this.devices.filter((d) => d.unit === u);
      if (targets.length === 0) throw new TransportError("not_found", `unit ${JSON.stringify(u)} has no enrolled device`);
      // Unused tokens for the unit die with it.
      for (let i = this.pending.length - 1; i >= 0; i--) {
        if (this.pending[i]?.p.unit === u) this.pending.splice(i, 1);
      }
    } else {
      const key = (device ?? "").trim().toLowerCase();
      if (key.length < 8 || key.length > 64 || !/^[0-9a-f]+$/.test(key)) {
        throw new TransportError("invalid_input", `a device is named by its key: 8 to 64 hex digits, not ${JSON.stringify(key)}`);
      }
      targets = this.devices.filter((d) => d.key.startsWith(key));
      if (targets.length === 0) throw new TransportError("not_found", `no enrolled device with key ${key}`);
      if (targets.length > 1) throw new TransportError("invalid_input", `${targets.length} devices have keys starting ${key}: give more digits`);
    }
    let revoked = 0;
    for (const d of targets) {
      if (d.revoked_ms !== null) continue;
      d.revoked_ms = now;
      d.revoked_reason = reason;
      d.revoked_by = user.name;
      revoked += 1;
    }
    const first = targets[0];
    const target = unit !== null ? `unit ${unit.trim()}` : `device ${first === undefined ? "" : fingerprintOf(first.key)}`;
    this.logConsole({ actor: user.name, role: user.role, action: "revoke", target, detail: reason });
    return { revoked };
  }

  async trail(query: TrailQuery): Promise<TrailPage> {
    await this.delay();
    this.auditor("trail");
    const limit = query.limit ?? TRAIL_LIMITS.page;
    if (!Number.isInteger(limit)) throw new TransportError("invalid_input", "limit: a whole number");
    const size = Math.min(Math.max(limit, 1), TRAIL_LIMITS.maxPage);
    const after = query.after === null ? null : parseCursor(query.after);
    // Strictly older than the cursor, as the server pages.
    const all = this.trailEvents(query).filter((e) => after === null || newerFirst(after, { ...e, rank: KIND_RANK[e.kind] }) < 0);
    const page = all.slice(0, size);
    const last = page.at(-1);
    return { events: page.map((e) => this.event(e)), next: all.length > size && last !== undefined ? cursorOf(last) : null };
  }

  /**
   * The whole filtered trail as a `data:` URL of the server's CSV (the
   * export is not recorded here: the page asks for the URL at every
   * render). Without the role, the server's refusal as its body.
   */
  trailCsvUrl(query: TrailQuery): string {
    const role = this.user?.role;
    if (role !== "auditor" && role !== "administrator") {
      const body = role === undefined ? { code: "unauthenticated", message: "not signed in" } : { code: "forbidden", message: `a ${role} may not read the audit trail` };
      return `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(body))}`;
    }
    let events: TrailEvent[];
    try {
      events = this.trailEvents({ ...query, after: null, limit: null }).map((e) => this.event(e));
    } catch (e) {
      return `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify({ code: "invalid_input", message: e instanceof Error ? e.message : String(e) }))}`;
    }
    return `data:text/csv;charset=utf-8,${encodeURIComponent(trailCsv(events))}`;
  }

  /** The figures of the inspections held, counted as the server counts them (memoryStats.ts). */
  async statistics(query: StatsQuery): Promise<Statistics> {
    await this.delay();
    this.statsReader("statistics");
    return statisticsOf([...this.docs.values()].map((e) => e.view), query);
  }

  /** One table as a `data:` URL of the server's CSV; without the role or for a bad period, the server's refusal as its body. */
  statisticsCsvUrl(query: StatsQuery, table: StatsTable): string {
    const role = this.user?.role;
    const refusal = (code: string, message: string): string => `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify({ code, message }))}`;
    if (role === undefined) return refusal("unauthenticated", "not signed in");
    if (role !== "supervisor" && role !== "auditor") return refusal("forbidden", `a ${role} may not read the statistics`);
    try {
      return `data:text/csv;charset=utf-8,${encodeURIComponent(statsCsv(statisticsOf([...this.docs.values()].map((e) => e.view), query), table))}`;
    } catch (e) {
      return refusal("invalid_input", e instanceof Error ? e.message : String(e));
    }
  }

  /** Every trainee's attempts, scored as the server scores them (memoryTraining.ts). */
  async training(query: TrainingQuery): Promise<TraineeProgress[]> {
    await this.delay();
    this.trainingReader("training");
    return traineesOf(this.attempts, query);
  }

  async trainingAttempt(id: string): Promise<TrainingAttempt> {
    await this.delay();
    this.trainingReader("training_attempt");
    const wanted = id.trim().toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(wanted)) {
      throw new TransportError("invalid_input", `${JSON.stringify(id)} is not a training attempt's id`);
    }
    const found = this.attempts.find((a) => a.id === wanted);
    if (found === undefined) throw new TransportError("not_found", `training attempt ${wanted} does not exist`);
    return attemptOf(found);
  }

  onUnauthenticated(cb: () => void): Unsubscribe {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  // ---- inside ----

  private account(name: string): ConsoleAccount {
    const acc = this.accounts.find((a) => a.name === name);
    if (acc === undefined) throw new Error(`no account ${name}`);
    return acc;
  }

  private userOf(acc: ConsoleAccount): ConsoleUser {
    return { name: acc.name, role: acc.role, csrf: fakeHash(`csrf:${acc.name}:${this.now()}`).slice(0, 32) };
  }

  private signedIn(): ConsoleUser {
    if (this.user === null) {
      for (const cb of [...this.listeners]) cb();
      throw new TransportError("unauthenticated", "not signed in or the session expired");
    }
    if (this.user.role === "administrator") throw new TransportError("forbidden", "administrators manage accounts only");
    if (this.user.role === "trainer") throw new TransportError("forbidden", "trainers follow training only");
    return this.user;
  }

  /** Signed in, whatever the role. */
  private anyRole(): ConsoleUser {
    if (this.user === null) {
      for (const cb of [...this.listeners]) cb();
      throw new TransportError("unauthenticated", "not signed in or the session expired");
    }
    return this.user;
  }

  /** The fleet's operations: administrators only. */
  private administrator(route: string): ConsoleUser {
    const user = this.anyRole();
    if (user.role !== "administrator") this.forbid(user, route, `a ${user.role} may not run the fleet`);
    return user;
  }

  /** The audit trail: auditors and administrators. */
  private auditor(route: string): ConsoleUser {
    const user = this.anyRole();
    if (user.role !== "auditor" && user.role !== "administrator") this.forbid(user, route, `a ${user.role} may not read the audit trail`);
    return user;
  }

  /** The statistics: supervisors and auditors. */
  private statsReader(route: string): ConsoleUser {
    const user = this.anyRole();
    if (user.role !== "supervisor" && user.role !== "auditor") this.forbid(user, route, `a ${user.role} may not read the statistics`);
    return user;
  }

  /** Trainees' exercises: trainers, supervisors and auditors. */
  private trainingReader(route: string): ConsoleUser {
    const user = this.anyRole();
    if (user.role !== "trainer" && user.role !== "supervisor" && user.role !== "auditor") this.forbid(user, route, `the role ${user.role} may not use training`);
    return user;
  }

  /** Refuses a request the role may not make, and writes the refusal to the trail (as the server does). */
  private forbid(user: ConsoleUser, route: string, message: string): never {
    this.logConsole({ actor: user.name, role: user.role, action: "refused", target: route, detail: message, outcome: "refused" });
    throw new TransportError("forbidden", message);
  }

  /** Records of the stored inspections that the device signed. */
  private signedBy(key: string): number {
    let n = 0;
    for (const e of this.docs.values()) n += e.records.filter((r) => r.signer === key).length;
    return n;
  }

  private mayEditLists(route: string): ConsoleUser {
    const user = this.anyRole();
    if (user.role !== "supervisor") this.forbid(user, route, `a ${user.role} may not change hotlists`);
    return user;
  }

  /** The list named `name` (trimmed), made going to `units` if there is none; an existing list keeps its units. */
  private listNamed(name: string, units: readonly string[], now: number): HotlistView {
    const n = text("name", name, true);
    const found = this.lists.find((l) => l.name === n);
    if (found !== undefined) return found;
    const list: HotlistView = {
      id: randomUuid(),
      name: n,
      units: units.map((u) => text("units", u, true)),
      created_ms: now,
      entries: [],
      profiles: [],
    };
    this.lists.push(list);
    this.logListRecord(list.id, "hotlist_create", this.user?.name ?? "", now);
    return list;
  }

  private newEntryId(): string {
    return randomUuid().replaceAll("-", "").slice(0, 12);
  }

  private mayWrite(route: string): ConsoleUser {
    const user = this.signedIn();
    if (user.role !== "supervisor") this.forbid(user, route, `a ${user.role} may not change inspections`);
    return user;
  }

  private entry(id: string): Entry {
    const e = this.docs.get(id);
    if (e === undefined) throw new TransportError("not_found", `no inspection ${id}`);
    return e;
  }

  private scan(id: string): Scan {
    for (const e of this.docs.values()) {
      const s = e.view.scans.find((x) => x.id === id);
      if (s !== undefined) return s;
    }
    throw new TransportError("not_found", `no scan ${id}`);
  }

  private row(e: Entry): ConsoleRow {
    return {
      ...clone(e.view),
      heads: [e.records.at(-1)?.id ?? ""],
      updated_ms: e.updated_ms,
      review_state: reviewStateOf(e.view),
      received_ms: e.received_ms,
    };
  }

  private full(e: Entry): ConsoleInspection {
    return { view: clone(e.view), review_state: reviewStateOf(e.view), records: clone(e.records) };
  }

  /** Stores an inspection with the records a vehicle would have sent for it. */
  private store(view: InspectionView, received_ms: number): void {
    this.units.add(view.unit);
    const e: Entry = { view, received_ms, updated_ms: received_ms, records: [] };
    this.docs.set(view.id, e);
    const device = fakeHash(`device:${view.unit}`);
    const made: Omit<DeliveryRecord, "id" | "server_seq">[] = [];
    const add = (op: string, officer: string, at: number, signer = device, unit: string | null = view.unit): void => {
      made.push({ op, signer, signer_unit: unit, officer, created_ms: at, received_ms: Math.max(at, received_ms) });
    };
    add("create", view.created_by, view.created_ms);
    if (view.notes !== "") add("notes", view.created_by, view.created_ms + 30_000);
    for (const s of view.scans) add("scan", s.added_by, s.added_ms);
    for (const d of view.decisions) add("decide", d.officer, d.at_ms);
    for (const a of view.annotations) add("annotate", a.added_by, a.added_ms);
    for (const r of view.reviews) add("review", r.supervisor, r.at_ms, SERVER_KEY, null);
    // The server's log in the order the records arrived.
    made.sort((a, b) => a.received_ms - b.received_ms || a.created_ms - b.created_ms);
    for (const m of made) {
      this.seq += 1;
      const r: DeliveryRecord = { ...m, id: fakeHash(`${view.id}:${m.op}:${this.seq}`), server_seq: this.seq };
      e.records.push(r);
      this.logRecord(view.id, r);
    }
    e.updated_ms = Math.max(received_ms, ...e.records.map((r) => r.received_ms));
  }

  private record(e: Entry, op: string, officer: string, now: number): void {
    this.seq += 1;
    const r: DeliveryRecord = {
      id: fakeHash(`${e.view.id}:${op}:${this.seq}`),
      op,
      signer: SERVER_KEY,
      signer_unit: null,
      officer,
      created_ms: now,
      received_ms: now,
      server_seq: this.seq,
    };
    e.records.push(r);
    this.logRecord(e.view.id, r);
    e.updated_ms = now;
    this.version += 1;
  }

  // ---- the audit trail ----

  /** Every event that matches the filters (not the paging), newest first. */
  private trailEvents(q: TrailQuery): Logged[] {
    const unit = blankToNull(q.unit);
    const actor = blankToNull(q.actor);
    const doc = blankToNull(q.document);
    const document = doc === null ? null : documentId(doc);
    const matches = (e: Logged): boolean => {
      if (q.kind !== null && e.kind !== q.kind) return false;
      if (q.from_ms !== null && e.at_ms < q.from_ms) return false;
      if (q.to_ms !== null && e.at_ms >= q.to_ms) return false;
      switch (e.kind) {
        case "record":
          return !q.refused_only && (unit === null || e.unit === unit) && (actor === null || e.actor === actor) && (document === null || e.document === document);
        case "refusal":
          return actor === null && document === null && (unit === null || e.unit === unit);
        case "console":
          return unit === null && document === null && (actor === null || e.actor === actor) && (!q.refused_only || e.outcome === "refused");
      }
    };
    return this.log
      .filter(matches)
      .map((e) => ({ e, rank: KIND_RANK[e.kind] }))
      .sort((a, b) => newerFirst({ ...a.e, rank: a.rank }, { ...b.e, rank: b.rank }))
      .map((x) => x.e);
  }

  private event(e: Logged): TrailEvent {
    return {
      kind: e.kind,
      cursor: cursorOf(e),
      at_ms: e.at_ms,
      actor: e.actor,
      role: e.role,
      unit: e.unit,
      signer: e.signer,
      document: e.document,
      operation: e.operation,
      outcome: e.outcome,
      detail: e.detail,
      record: e.record,
      peer: e.peer,
    };
  }

  /** A record the server accepted (or signed itself, with no unit). */
  private logRecord(document: string, r: DeliveryRecord): void {
    this.log.push({
      kind: "record",
      n: r.server_seq,
      at_ms: r.received_ms,
      actor: r.officer,
      role: null,
      unit: r.signer_unit,
      signer: fingerprintOf(r.signer),
      document,
      operation: r.op,
      outcome: "accepted",
      detail: "",
      record: r.id,
      peer: null,
    });
  }

  /** A change to a hotlist: a record signed by the server, attributed to the supervisor. */
  private logListRecord(list: string, op: string, officer: string, at: number): void {
    this.seq += 1;
    this.log.push({
      kind: "record",
      n: this.seq,
      at_ms: at,
      actor: officer,
      role: null,
      unit: null,
      signer: fingerprintOf(SERVER_KEY),
      document: list,
      operation: op,
      outcome: "accepted",
      detail: "",
      record: fakeHash(`${list}:${op}:${this.seq}`),
      peer: null,
    });
  }

  /** A refused connection (or record) of a device, with the unit the register gives its key. */
  private logRefusal(at: number, key: string | null, peer: string | null, reason: string, record: string | null = null): void {
    this.refusals += 1;
    this.log.push({
      kind: "refusal",
      n: this.refusals,
      at_ms: at,
      actor: null,
      role: null,
      unit: key === null ? null : (this.devices.find((d) => d.key === key)?.unit ?? null),
      signer: key === null ? null : fingerprintOf(key),
      document: null,
      operation: record === null ? "connection" : "record",
      outcome: "refused",
      detail: reason,
      record,
      peer,
    });
  }

  /** A sign-in, sign-out or console action; `target: detail` as the server joins them. */
  private logConsole(a: { actor: string; role: string | null; action: string; target?: string; detail?: string; outcome?: "ok" | "refused"; at?: number; peer?: string }): void {
    this.audits += 1;
    const target = a.target ?? "";
    const detail = a.detail ?? "";
    this.log.push({
      kind: "console",
      n: this.audits,
      at_ms: a.at ?? this.now(),
      actor: a.actor,
      role: a.role,
      unit: null,
      signer: null,
      document: null,
      operation: a.action,
      outcome: a.outcome ?? "ok",
      detail: target === "" ? detail : detail === "" ? target : `${target}: ${detail}`,
      record: null,
      peer: a.peer ?? this.peerOf(a.actor),
    });
  }

  /** Where an account signs in from (made up, one address each). */
  private peerOf(name: string): string {
    const i = this.accounts.findIndex((a) => a.name === name);
    return `10.40.0.${i < 0 ? 99 : 21 + i}`;
  }

  /**
   * The trail behind the starting data: the hotlists' records, a revoked
   * device's refused attempts, and the console actions that made the
   * reviews, the hotlists' entries, the revocations and the tokens, each
   * account signed in before its first action of a day (the first of all
   * after a mistyped password) and signed out after its last.
   */
  private seedTrail(): void {
    const roleOf = (name: string, guess: UserRole): UserRole => this.accounts.find((a) => a.name === name)?.role ?? guess;
    type Act = { at: number; actor: string; role: UserRole; action: string; target: string; detail: string };
    const acts: Act[] = [];
    for (const e of this.docs.values()) {
      for (const r of e.view.reviews) {
        acts.push({ at: r.at_ms, actor: r.supervisor, role: roleOf(r.supervisor, "supervisor"), action: "review", target: e.view.id, detail: r.outcome === null ? r.verdict : `${r.verdict} ${r.outcome}` });
      }
    }
    for (const l of this.lists) {
      const maker = l.entries[0]?.added_by ?? l.profiles[0]?.added_by ?? "SUP-07";
      this.logListRecord(l.id, "hotlist_create", maker, l.created_ms);
      for (const x of l.entries) {
        this.logListRecord(l.id, "hotlist_entry", x.added_by, x.added_ms);
        acts.push({ at: x.added_ms, actor: x.added_by, role: roleOf(x.added_by, "supervisor"), action: "hotlist_add", target: `${l.name}/${x.id}`, detail: x.value });
      }
      for (const p of l.profiles) {
        this.logListRecord(l.id, "hotlist_profile", p.added_by, p.added_ms);
        acts.push({ at: p.added_ms, actor: p.added_by, role: roleOf(p.added_by, "supervisor"), action: "profile_add", target: `${l.name}/${p.id}`, detail: p.name });
      }
      for (const x of [...l.entries, ...l.profiles]) {
        if (x.removed === null) continue;
        this.logListRecord(l.id, "hotlist_remove", x.removed.by, x.removed.at_ms);
        acts.push({ at: x.removed.at_ms, actor: x.removed.by, role: roleOf(x.removed.by, "supervisor"), action: "hotlist_remove", target: `${l.name}/${x.id}`, detail: "" });
      }
    }
    for (const d of this.devices) {
      if (d.revoked_ms !== null && d.revoked_by !== null) {
        acts.push({ at: d.revoked_ms, actor: d.revoked_by, role: roleOf(d.revoked_by, "administrator"), action: "revoke", target: `device ${d.fingerprint}`, detail: d.revoked_reason ?? "" });
      }
      // Its refused attempts, the last at the time the register gives, the others spread back to the revocation.
      if (d.refused_count > 0 && d.last_refused_ms !== null) {
        const since = d.revoked_ms ?? d.enrolled_ms;
        const step = Math.max(1, Math.floor((d.last_refused_ms - since) / (d.refused_count + 1)));
        for (let i = d.refused_count - 1; i >= 0; i--) {
          this.logRefusal(d.last_refused_ms - i * step, d.key, d.last_addr, d.revoked_ms === null ? "refused" : `revoked device: ${d.revoked_reason ?? ""}`);
        }
      }
    }
    for (const { p } of this.pending) {
      if (p.created_by === null) continue;
      const hours = Math.round((p.expires_ms - p.created_ms) / HOUR);
      acts.push({ at: p.created_ms, actor: p.created_by, role: roleOf(p.created_by, "administrator"), action: "enrollment_create", target: p.unit, detail: `token ${p.id}, valid ${hours} h` });
    }
    acts.sort((a, b) => a.at - b.at);
    // One session per account and day: signed in before its first action, out after its last.
    const sessions = new Map<string, { actor: string; role: UserRole; first: number; last: number }>();
    for (const a of acts) {
      const key = `${a.actor}|${utcDay(a.at)}`;
      const s = sessions.get(key);
      if (s === undefined) sessions.set(key, { actor: a.actor, role: a.role, first: a.at, last: a.at });
      else s.last = a.at;
    }
    const now = this.now();
    let firstLogin = true;
    for (const s of [...sessions.values()].sort((a, b) => a.first - b.first)) {
      if (firstLogin) {
        this.logConsole({ at: s.first - 4 * MIN, actor: s.actor, role: null, action: "login", outcome: "refused", detail: "wrong password" });
        firstLogin = false;
      }
      this.logConsole({ at: s.first - 3 * MIN, actor: s.actor, role: s.role, action: "login" });
      for (const a of acts) {
        if (a.actor === s.actor && utcDay(a.at) === utcDay(s.first)) {
          this.logConsole({ at: a.at, actor: a.actor, role: a.role, action: a.action, target: a.target, detail: a.detail });
        }
      }
      if (s.last + 20 * MIN < now) this.logConsole({ at: s.last + 20 * MIN, actor: s.actor, role: s.role, action: "logout" });
    }
  }

  private delay(): Promise<void> {
    if (this.latencyMs <= 0) return Promise.resolve();
    return new Promise((r) => setTimeout(r, this.latencyMs));
  }
}

/** Rust's `NewReview::check`, with its error code. */
export function checkReview(r: NewReviewInput): void {
  const commented = r.comment.trim() !== "";
  if (r.verdict === "overrule" && r.outcome === null) {
    throw new TransportError("invalid_input", "an overrule needs the outcome that replaces the crew's");
  }
  if ((r.verdict === "overrule" || r.verdict === "return") && !commented) {
    throw new TransportError("invalid_input", `a verdict of ${r.verdict} needs a comment for the crew`);
  }
  if (r.verdict !== "overrule" && (r.outcome !== null || r.reasons.length > 0)) {
    throw new TransportError("invalid_input", `only an overrule carries an outcome or reasons, not ${r.verdict}`);
  }
  for (const code of r.reasons) {
    if (!isValidReasonCode(code)) throw new TransportError("invalid_input", `reason code ${JSON.stringify(code)} is not valid`);
  }
  if (Array.from(r.comment).length > 4_000) throw new TransportError("invalid_input", "comment: longer than 4000 characters");
}

/** Every plate key of an inspection: its tractor and trailer, and what cameras read (as the server indexes them). */
function plateKeys(v: InspectionView): string[] {
  const plates = [v.tractor_plate, v.trailer_plate, ...(v.reads ?? []).filter((r) => r.detached === undefined).map((r) => r.correction?.plate ?? r.plate)];
  return plates.flatMap((p) => (p === null || p === undefined || p.key === "" ? [] : [p.key]));
}

function hasOpenAlert(v: InspectionView): boolean {
  return (v.alerts ?? []).some((a) => a.response === null);
}

// ---- hotlists, checked as kordon-model's hotlist.rs checks them ----

/** Longest list name, reason, keyword. */
const MAX_TEXT = 200;

function text(field: string, s: string, required: boolean): string {
  const t = s.trim();
  if (required && t === "") throw new TransportError("invalid_input", `${field}: is required`);
  if (Array.from(t).length > MAX_TEXT) throw new TransportError("invalid_input", `${field}: longer than ${MAX_TEXT} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/u.test(t)) throw new TransportError("invalid_input", `${field}: contains control characters`);
  return t;
}

function optional(field: string, s: string | null): string | null {
  const t = s?.trim() ?? "";
  return t === "" ? null : text(field, t, true);
}

function validity(from: number | null, until: number | null): void {
  if (from !== null && until !== null && until <= from) throw new TransportError("invalid_input", "valid_until: must be after valid_from");
}

/** A container code when it checks as one (ISO 6346), else a plate (Rust's `classify`). */
export function classifyEntry(value: string): { kind: EntryKind; canonical: string } {
  const c = checkContainerCode(value);
  if (c.kind === "valid") return { kind: "container", canonical: c.code };
  const p = parsePlate(value);
  if (p.ok) return { kind: "plate", canonical: p.plate.canonical };
  const e = p.error;
  const why =
    e.kind === "empty"
      ? "plate is empty"
      : e.kind === "too_long"
        ? `plate ${JSON.stringify(value.trim())} is too long (at most 16 letters and digits)`
        : `plate ${JSON.stringify(value.trim())} contains ${JSON.stringify(e.ch)}, which is not a letter or digit`;
  throw new TransportError("invalid_input", `value: ${why}`);
}

type CheckedProfile = Omit<RiskProfile, "id" | "added_by" | "added_ms" | "removed">;

/** Rust's `HotlistDoc::add_profile` checks. */
function checkProfile(p: RiskProfileInput): CheckedProfile {
  const name = text("name", p.name, true);
  const reason = text("reason", p.reason, true);
  const country = optional("country", p.country)?.toUpperCase() ?? null;
  const keyword = optional("keyword", p.keyword);
  const direction = optional("direction", p.direction)?.toLowerCase() ?? null;
  for (const h of [p.hour_from, p.hour_to]) {
    if (h !== null && (!Number.isInteger(h) || h < 0 || h > 23)) throw new TransportError("invalid_input", "hour: must be 0 to 23");
  }
  if ((p.hour_from === null) !== (p.hour_to === null)) {
    throw new TransportError("invalid_input", "hour: give both hour_from and hour_to, or neither");
  }
  if (country === null && keyword === null && direction === null && p.hour_from === null) {
    throw new TransportError("invalid_input", "profile: needs at least one condition (country, hours, keyword, direction)");
  }
  validity(p.valid_from_ms, p.valid_until_ms);
  return {
    name,
    country,
    hour_from: p.hour_from,
    hour_to: p.hour_to,
    keyword,
    direction,
    reason,
    priority: p.priority ?? "medium",
    valid_from_ms: p.valid_from_ms,
    valid_until_ms: p.valid_until_ms,
  };
}

export function createConsoleMemoryTransport(opts: ConsoleMemoryOptions = {}): ConsoleMemoryTransport {
  return new ConsoleMemoryTransport(opts);
}

// ---- made-up fleet data for `npm run dev` ----

const MIN = 60_000;
const HOUR = 60 * MIN;

const PLATES = [
  "AA1234BC", "BO1734OA", "ВН 9975 ТО", "AH2654OH", "КА 0021 ХР", "BC0567TP", "АІ 5678 ХТ", "ВС 4410 КЕ",
  "AT7311AM", "CE0982HH", "ВІ 2217 АР", "AX6400KK", "BM3021IO", "КВ 1188 ВН", "AE5555TT", "BT9090CC",
];
const OWNERS = ["CSQU", "MSKU", "TGHU", "BICU", "MSCU", "CAIU", "TCLU", "HLXU"];
const PLACES = ["Rava-Ruska", "Shehyni", "Yahodyn", "Krakovets", "Porubne", "Dyakove"];
const OFFICERS = ["OF-1742", "OF-2210", "OF-3051", "OF-0419", "OF-5530"];
const UNITS = ["MOBILE-1", "MOBILE-2", "MOBILE-3", "MOBILE-4", "MOBILE-5"];

/** A small deterministic generator, so the demo fleet is the same on every reload. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function plateOf(raw: string): Plate {
  const r = parsePlate(raw);
  if (!r.ok) throw new Error(`demo plate ${raw}`);
  return { ...r.plate };
}

function containerOf(owner: string, serial: number): string {
  const base = `${owner}${String(serial).padStart(6, "0")}`;
  const c = checkContainerCode(`${base}0`);
  return c.kind === "wrong_check_digit" ? `${base}${c.expected}` : `${base}0`;
}

function demoScan(id: string, at: number, officer: string, dual: boolean): Scan {
  const image = (energy: "single" | "high" | "low", blob: string) => ({
    blob,
    size: dual ? 24_000_390 : 12_000_390,
    width: dual ? 6000 : 4800,
    height: dual ? 2000 : 1600,
    bits: 16,
    channels: 1,
    format: "tiff",
    energy,
  });
  return {
    id,
    images: dual ? [image("high", id), image("low", fakeHash(`${id}:low`))] : [image("single", id)],
    name: `TRK_${id.slice(0, 4).toUpperCase()}${dual ? "_high" : ""}.tif`,
    scanner: dual ? "GANTRY-2" : "GANTRY-1",
    captured_ms: at - 2 * MIN,
    pixel_mm: dual ? 5 : 6.25,
    added_ms: at,
    added_by: officer,
  };
}

/** One made-up inspection (n picks its plates, unit, outcome and review). */
export function demoInspection(n: number, created_ms: number, unit?: string): InspectionView {
  const r = rng(n * 7919 + 17);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const officer = pick(OFFICERS);
  const id = `${fakeHash(`demo-inspection:${n}`).slice(0, 8)}-0000-4000-8000-${String(n).padStart(12, "0")}`;
  const decisions: Decision[] = [];
  const reviews: Review[] = [];
  const roll = r();
  if (roll > 0.12) {
    const outcome: Outcome = r() < 0.6 ? "release" : pick(OUTCOMES);
    decisions.push({
      outcome,
      reasons: outcome === "release" ? [] : [pick(["DENSITY_ANOMALY", "ORGANIC_MASS", "DOUBLE_WALL", "HOTLIST"])],
      note: "",
      officer,
      at_ms: created_ms + 8 * MIN,
    });
    const rv = r();
    const review = (verdict: Review["verdict"], extra: Partial<Review> = {}): Review => ({
      verdict,
      comment: "",
      supervisor: "SUP-07",
      at_ms: created_ms + 40 * MIN,
      outcome: null,
      reasons: [],
      decisions_seen: 1,
      ...extra,
    });
    if (rv > 0.55 && rv <= 0.75) reviews.push(review("agree"));
    else if (rv > 0.75 && rv <= 0.82) {
      reviews.push(review("overrule", { outcome: "physical_inspection", reasons: ["DENSITY_ANOMALY"], comment: "Щільна тінь над віссю: відкрити." }));
    } else if (rv > 0.82 && rv <= 0.9) {
      reviews.push(review("return", { comment: "Зробіть ще один знімок причепа." }));
      if (r() < 0.5) decisions.push({ outcome: "release", reasons: [], note: "Повторний знімок чистий", officer, at_ms: created_ms + 70 * MIN });
    }
  }
  const scans = r() < 0.55 ? [demoScan(fakeHash(`demo-scan:${n}`), created_ms + 4 * MIN, officer, r() < 0.6)] : [];
  const trailer = r() < 0.5 ? plateOf(pick(PLATES)) : null;
  return {
    id,
    created_ms,
    created_by: officer,
    unit: unit ?? pick(UNITS),
    crew: [officer],
    location: { place: pick(PLACES), lat: null, lon: null },
    tractor_plate: plateOf(pick(PLATES)),
    trailer_plate: trailer,
    containers: r() < 0.7 ? [containerOf(pick(OWNERS), Math.floor(r() * 999_999))] : [],
    declaration: r() < 0.8 ? `UA2091${String(Math.floor(r() * 100)).padStart(2, "0")}/2026/${String(Math.floor(r() * 999_999)).padStart(6, "0")}` : null,
    notes: "",
    decisions,
    reviews,
    scans,
    annotations: [],
  };
}

// ---- made-up hotlists for `npm run dev` ----

const DAY = 24 * HOUR;

interface DemoList {
  id: string;
  name: string;
  units: string[];
  entries: { value: string; reason: string; priority: Priority; from?: number; until?: number; ago: number; by: string; removed?: { ago: number; by: string } }[];
  profiles: (Omit<CheckedProfile, "priority" | "valid_from_ms" | "valid_until_ms"> & { priority: Priority; ago: number; by: string })[];
}

/** Ids that do not change between reloads. */
const demoId = (what: string): string => fakeHash(`demo-hotlist:${what}`).slice(0, 12);
const demoListId = (what: string): string => {
  const h = fakeHash(`demo-list:${what}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const DEMO_LIST_DATA: readonly DemoList[] = [
  {
    id: demoListId("wanted"),
    name: "Попередження митниць",
    units: [],
    entries: [
      { value: "АА 1234 ВС", reason: "Орієнтування: можливий подвійний паливний бак", priority: "high", ago: 9 * DAY, by: "SUP-07" },
      { value: "CSQU 305438 3", reason: "Попередження митниці Польщі: можливе подвійне дно", priority: "high", ago: 8 * DAY, by: "SUP-07" },
      { value: "ВН 9975 ТО", reason: "Підозра на контрабанду сигарет", priority: "medium", ago: 3 * DAY, by: "SUP-03", until: 20 * DAY },
      { value: "BT-9090-CC", reason: "Перевірити документи на вантаж", priority: "low", ago: 2 * DAY, by: "SUP-07", from: 2 * DAY },
      { value: "AE5555TT", reason: "Перевірка до кінця минулого тижня", priority: "medium", ago: 20 * DAY, by: "SUP-03", until: -DAY },
      { value: "KA 0021 XP", reason: "Помилково внесений номер", priority: "high", ago: 6 * DAY, by: "SUP-03", removed: { ago: 5 * DAY, by: "SUP-07" } },
    ],
    profiles: [
      { name: "Нічний вʼїзд з Польщі", country: "PL", hour_from: 22, hour_to: 5, keyword: null, direction: "approach", reason: "Нічні рейси з PL: ризик контрабанди тютюну", priority: "high", ago: 7 * DAY, by: "SUP-07" },
    ],
  },
  {
    id: demoListId("west"),
    name: "Західний сектор",
    units: ["MOBILE-1", "MOBILE-2"],
    entries: [
      { value: "BO1734OA", reason: "Повторне перевищення ваги", priority: "medium", ago: 4 * DAY, by: "SUP-07" },
      { value: "MSKU 907032 3", reason: "Невідповідність пломби в минулому рейсі", priority: "low", ago: 1 * DAY, by: "SUP-03" },
    ],
    profiles: [
      { name: "Тютюн у декларації", country: null, hour_from: null, hour_to: null, keyword: "тютюн", direction: null, reason: "Декларація згадує тютюн: огляд обовʼязковий", priority: "medium", ago: 2 * DAY, by: "SUP-03" },
    ],
  },
];

/**
 * The server's demo lists at `now`: the crew's demo lists (demoData.ts,
 * which its demo inspections' alerts name), then the console's own: one
 * for every unit with a container and entries not yet in force, expired
 * and removed, and one for two units only.
 */
export function demoConsoleHotlists(now: number): HotlistView[] {
  return [...demoHotlists(now), ...consoleLists(now)];
}

function consoleLists(now: number): HotlistView[] {
  return DEMO_LIST_DATA.map((l, li) => ({
    id: l.id,
    name: l.name,
    units: [...l.units],
    created_ms: now - 10 * DAY - li * HOUR,
    entries: l.entries.map((e, i) => ({
      id: demoId(`${l.id}:entry:${i}`),
      value: e.value,
      ...classifyEntry(e.value),
      reason: e.reason,
      priority: e.priority,
      valid_from_ms: e.from === undefined ? null : utcMidnight(now + e.from),
      valid_until_ms: e.until === undefined ? null : utcMidnight(now + e.until),
      added_by: e.by,
      added_ms: now - e.ago,
      removed: e.removed === undefined ? null : { by: e.removed.by, at_ms: now - e.removed.ago },
    })),
    profiles: l.profiles.map(({ ago, by, ...p }, i) => ({
      id: demoId(`${l.id}:profile:${i}`),
      ...p,
      valid_from_ms: null,
      valid_until_ms: null,
      added_by: by,
      added_ms: now - ago,
      removed: null,
    })),
  }));
}

function utcMidnight(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** What an alert names of a demo list's entry or profile. */
function listRefs(li: number) {
  const l = DEMO_LIST_DATA[li];
  if (l === undefined) throw new Error(`demo list ${li}`);
  return {
    ref: (i: number) => {
      const e = l.entries[i];
      if (e === undefined) throw new Error(`demo entry ${i}`);
      return { list_id: l.id, list: l.name, entry_id: demoId(`${l.id}:entry:${i}`), entry_value: classifyEntry(e.value).canonical, reason: e.reason, priority: e.priority };
    },
    profileRef: (i: number) => {
      const p = l.profiles[i];
      if (p === undefined) throw new Error(`demo profile ${i}`);
      return { list_id: l.id, list: l.name, entry_id: demoId(`${l.id}:profile:${i}`), entry_value: p.name, reason: p.reason, priority: p.priority };
    },
  };
}

const DEMO_LISTS = { wanted: listRefs(0), west: listRefs(1) };

function demoAlert(key: string, at_ms: number, raised_by: string, a: Omit<Alert, "id" | "at_ms" | "raised_by" | "response" | "read_id"> & Partial<Pick<Alert, "response" | "read_id">>): Alert {
  return { id: fakeHash(`demo-alert:${key}`).slice(0, 16), at_ms, raised_by, response: null, read_id: null, ...a };
}

function demoRead(key: string, at: number, text: string, over: Partial<AnprRead> = {}): AnprRead {
  return {
    id: `${at}-4182-${key.padStart(8, "0")}#0`,
    received_ms: at + 2_000,
    captured_ms: at,
    vendor: "hikvision",
    camera: "gate-1",
    lane: "1",
    role: null,
    text,
    plate: plateOf(text),
    confidence: null,
    char_confidence: [],
    country: "UA",
    direction: "approach",
    images: [
      { kind: "plate", blob: fakeHash(`demo-read:${key}:plate`), size: 6_210, content_type: "image/jpeg" },
      { kind: "scene", blob: fakeHash(`demo-read:${key}:scene`), size: 148_400, content_type: "image/jpeg" },
    ],
    added_by: "OF-1742",
    ...over,
  };
}

/**
 * The demo fleet: the crew app's demo inspections (unit MOBILE-1), one of
 * the same tractor and container from another unit (fleet-wide history),
 * and about a hundred and fifty made-up ones over the last ten days.
 */
export function demoConsoleSeed(now: number): { seed: ConsoleSeed[]; arrivals: Record<string, Arrival> } {
  const seed: ConsoleSeed[] = demoSeed(now).map((s) => ({ view: s.view }));
  const arriving = fakeHash("demo-scan:arriving");
  const first = seed[0]?.view;
  if (first !== undefined) first.scans.push({ ...demoScan(arriving, now - 3 * MIN, first.created_by, true), name: "TRK_0002_high.tif" });
  const wanted = DEMO_LISTS.wanted;
  const west = DEMO_LISTS.west;
  const sixDays = now - 6 * 24 * HOUR;
  seed.push({
    view: {
      ...demoInspection(9_001, sixDays, "MOBILE-3"),
      tractor_plate: plateOf("АА 1234 ВС"),
      containers: ["CSQU3054383"],
      scans: [demoScan(fakeHash("demo-scan:history"), sixDays + 4 * MIN, "OF-3051", true)],
      // The typed plate was on the wanted list; the crew confirmed it.
      alerts: [
        demoAlert("typed-1", sixDays + MIN, "OF-3051", {
          source: "typed",
          role: "tractor",
          seen: "АА 1234 ВС",
          ...wanted.ref(0),
          tier: "exact",
          response: { response: "confirmed", note: "Тягач затримано, викликано поліцію.", officer: "OF-3051", at_ms: sixDays + 6 * MIN },
        }),
      ],
    },
  });
  // A camera read one letter off a listed plate (Q for O): nobody has answered yet.
  const gateRead = demoRead("9002", now - 26 * MIN, "BO1734QA", { role: "tractor", confidence: 0.71, char_confidence: [97, 95, 99, 98, 96, 99, 41, 93] });
  seed.push({
    view: {
      ...demoInspection(9_002, now - 25 * MIN, "MOBILE-2"),
      tractor_plate: plateOf("BO1734OA"),
      reads: [gateRead],
      alerts: [
        demoAlert("read-9002", now - 26 * MIN, "OF-2210", { source: "read", read_id: gateRead.id, role: "tractor", seen: "BO1734QA", ...west.ref(0), tier: "ocr_equivalent" }),
      ],
    },
  });
  // A night arrival from Poland met the risk profile.
  const night = Math.floor((now - 3 * HOUR) / (24 * HOUR)) * 24 * HOUR - 35 * MIN;
  const nightRead = demoRead("9003", night, "WGM 4821K", { role: "tractor", confidence: 0.93, country: "PL", char_confidence: [] });
  seed.push({
    view: {
      ...demoInspection(9_003, night + MIN, "MOBILE-4"),
      tractor_plate: plateOf("WGM 4821K"),
      reads: [nightRead],
      alerts: [
        demoAlert("profile-9003", night, "OF-0419", { source: "read", read_id: nightRead.id, role: "tractor", seen: "WGM4821K", ...wanted.profileRef(0), tier: "profile" }),
      ],
    },
  });
  for (let n = 1; n <= 150; n++) {
    const ago = Math.floor(n * 1.6 * HOUR + rng(n)() * HOUR);
    seed.push({ view: demoInspection(n, now - ago) });
  }
  return { seed, arrivals: { [arriving]: { received: 9_400_000, total: 24_000_390, step: 2_100_000 } } };
}

// ---- the made-up fleet register for `npm run dev` ----

/** A device just enrolled: nothing stated, never synced. */
export function newDevice(key: string, unit: string, enrolled_ms: number): DeviceInfo {
  return {
    key,
    fingerprint: fingerprintOf(key),
    unit,
    enrolled_ms,
    revoked_ms: null,
    revoked_reason: null,
    revoked_by: null,
    last_seen_ms: null,
    last_addr: null,
    records: 0,
    app_version: null,
    backlog_records: null,
    backlog_scan_bytes: null,
    clock_offset_ms: null,
    stated_ms: null,
    last_sync: "never",
    refused_count: 0,
    last_refused_ms: null,
    wipe: null,
  };
}

/** As the server writes a key's fingerprint: its first 16 hex digits in groups of four. */
export function fingerprintOf(key: string): string {
  return (key.slice(0, 16).match(/.{1,4}/g) ?? []).join(" ");
}

/**
 * The demo register at `now`: the five units of the demo inspections (each
 * device's key signs that unit's records), one of them not heard from for
 * days, one too old to state its version, backlog or clock, one whose
 * clock is minutes off, and a revoked tablet of MOBILE-5 that has tried to
 * connect since.
 */
export function demoFleetDevices(now: number): DeviceInfo[] {
  const device = (unit: string, over: Partial<DeviceInfo> & { key?: string }): DeviceInfo => {
    const key = over.key ?? fakeHash(`device:${unit}`);
    return { ...newDevice(key, unit, now - 40 * DAY), last_sync: "complete", ...over, key, fingerprint: fingerprintOf(key) };
  };
  const stated = (seen: number, app: string, records: number, bytes: number, offset: number): Partial<DeviceInfo> => ({
    last_seen_ms: seen,
    stated_ms: seen,
    app_version: app,
    backlog_records: records,
    backlog_scan_bytes: bytes,
    clock_offset_ms: offset,
  });
  return [
    device("MOBILE-1", { enrolled_ms: now - 41 * DAY, last_addr: "10.40.1.11:50412", ...stated(now - 2 * MIN, "0.9.3", 0, 0, 1_200) }),
    device("MOBILE-2", {
      enrolled_ms: now - 38 * DAY,
      last_addr: "10.40.2.17:41877",
      ...stated(now - 14 * MIN, "0.9.3", 4, 96_400_000, 7 * MIN + 31_000),
      last_sync: "interrupted",
    }),
    device("MOBILE-3", {
      enrolled_ms: now - 35 * DAY,
      last_addr: "10.40.3.9:39002",
      ...stated(now - 3 * DAY - 5 * HOUR, "0.9.1", 17, 412_000_000, -40_000),
      last_sync: "interrupted",
    }),
    // Too old to say its version, backlog or clock.
    device("MOBILE-4", { enrolled_ms: now - 90 * DAY, last_addr: "10.40.4.21:60311", last_seen_ms: now - 50 * MIN }),
    device("MOBILE-5", {
      key: fakeHash("device:MOBILE-5:stolen-tablet"),
      enrolled_ms: now - 60 * DAY,
      last_addr: "10.40.5.30:52990",
      records: 38,
      ...stated(now - 2 * DAY - 5 * HOUR, "0.9.1", 2, 24_000_780, 3_000),
      revoked_ms: now - 2 * DAY - 3 * HOUR,
      revoked_reason: "Планшет викрадено з автомобіля; екіпажу видано новий.",
      revoked_by: "ADM-01",
      last_sync: "refused",
      refused_count: 2,
      last_refused_ms: now - 3 * HOUR - 17 * MIN,
      // Revoked with --wipe; told at its next connection, with what it held unsent.
      wipe: { ordered_ms: now - 2 * DAY - 3 * HOUR, told_ms: now - 3 * HOUR - 17 * MIN, backlog_records: 2, backlog_scan_bytes: 24_000_780 },
    }),
    device("MOBILE-5", { enrolled_ms: now - 2 * DAY, last_addr: "10.40.5.31:47120", ...stated(now - 6 * MIN, "0.9.3", 1, 12_000_390, 2 * MIN + 5_000) }),
  ];
}

/** The demo's pending tokens: one made in the console, one from the command line. */
export function demoEnrollments(now: number): PendingEnrollment[] {
  return [
    { id: fakeHash("demo-enrollment:MOBILE-6").slice(0, 16), unit: "MOBILE-6", created_ms: now - 5 * HOUR, expires_ms: now + 67 * HOUR, created_by: "ADM-01" },
    { id: fakeHash("demo-enrollment:MOBILE-3").slice(0, 16), unit: "MOBILE-3", created_ms: now - 20 * HOUR, expires_ms: now + 4 * HOUR, created_by: null },
  ];
}

function base64Url(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * A stand-in for the server's QR code (the memory transport only): an SVG
 * document laid out like one (finder squares, a quiet zone, black on
 * white) from the token's hash. It does not decode: the server draws real
 * ones.
 */
export function placeholderQrSvg(token: string): string {
  const n = 25;
  const quiet = 4;
  const bits = [0, 1, 2, 3].map((i) => fakeHash(`qr:${i}:${token}`)).join("");
  const finder = (x: number, y: number): boolean | null => {
    for (const [fx, fy] of [
      [0, 0],
      [n - 7, 0],
      [0, n - 7],
    ] as const) {
      const dx = x - fx;
      const dy = y - fy;
      if (dx >= -1 && dx <= 7 && dy >= -1 && dy <= 7) {
        if (dx < 0 || dy < 0 || dx > 6 || dy > 6) return false;
        const ring = Math.min(dx, dy, 6 - dx, 6 - dy);
        return ring !== 1;
      }
    }
    return null;
  };
  let d = "";
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const f = finder(x, y);
      const i = y * n + x;
      const dark = f ?? (parseInt(bits[Math.floor(i / 4) % bits.length] ?? "0", 16) & (1 << (i % 4))) !== 0;
      if (dark) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    }
  }
  const size = n + 2 * quiet;
  return `<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="264" height="264" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#ffffff"/><path fill="#000000" d="${d}"/></svg>`;
}
