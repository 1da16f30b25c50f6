// The IN-MEMORY CONSOLE TRANSPORT, for development (`npm run dev`, the
// console at /console) and component tests only. Nothing is stored, signed
// or sent: it imitates kordon-server's /api (users and roles, throttled
// logins, the filtered and counted queue, the queue version, reviews and
// marks attributed to the supervisor, delivery records, scans still
// arriving). Scans are the same synthetic SVG pictures as the crew's
// in-memory transport (demoTiles.ts).

import { checkContainerCode } from "../domain/iso6346.ts";
import { normaliseContainerCode } from "../domain/iso6346.ts";
import { currentOutcome, OUTCOMES } from "../domain/outcome.ts";
import { parsePlate, plateKeyOf } from "../domain/plate.ts";
import { isValidReasonCode } from "../domain/reason.ts";
import { reviewStateOf } from "../domain/review.ts";
import { TransportError } from "./errors.ts";
import type {
  ConsoleInspection,
  ConsolePage,
  ConsoleQuery,
  ConsoleRow,
  ConsoleTransport,
  ConsoleUser,
  DeliveryRecord,
  LoginInput,
  NewReviewInput,
  QueueVersion,
  ReviewCounts,
  ScanState,
  Unsubscribe,
  UserRole,
} from "./console.ts";
import { demoSeed } from "./demoData.ts";
import { demoThumbnailUrl, demoTileUrl } from "./demoTiles.ts";
import { fakeHash, sameVehicle, scanInfoOf } from "./memoryScans.ts";
import type { Decision, InspectionView, NewAnnotationInput, Outcome, Plate, Review, Scan, ScanInfo, ViewParams } from "./types.ts";
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
}

export const DEMO_ACCOUNTS: readonly ConsoleAccount[] = [
  { name: "SUP-07", password: "kordon", role: "supervisor" },
  { name: "AUD-01", password: "kordon", role: "auditor" },
  { name: "ADM-01", password: "kordon", role: "administrator" },
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
  private user: ConsoleUser | null = null;
  private seq = 0;
  private version = 1;

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

  // ---- ConsoleTransport ----

  async login(input: LoginInput): Promise<ConsoleUser> {
    await this.delay();
    const name = input.name.trim();
    const failed = this.failures.get(name) ?? 0;
    if (failed >= this.maxFailures) {
      throw new TransportError("throttled", `too many failed logins for ${name}; try again in 5 minutes`);
    }
    const acc = this.accounts.find((a) => a.name === name);
    if (acc === undefined || acc.password !== input.password) {
      this.failures.set(name, failed + 1);
      throw new TransportError("wrong_password", "wrong name or password");
    }
    this.failures.delete(name);
    this.user = this.userOf(acc);
    return clone(this.user);
  }

  async logout(): Promise<void> {
    await this.delay();
    this.user = null;
  }

  async me(): Promise<ConsoleUser> {
    await this.delay();
    return clone(this.signedIn());
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
      if (plateKey !== null && ![v.tractor_plate, v.trailer_plate].some((p) => p !== null && p.key.includes(plateKey))) {
        return false;
      }
      if (container !== null && !v.containers.some((c) => c.includes(container))) return false;
      if (q.scans !== undefined && v.scans.length > 0 !== q.scans) return false;
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
        open_alerts: [...this.docs.values()].filter((e) =>
          (e.view.alerts ?? []).some((a) => a.response === null),
        ).length,
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
    return [...this.docs.values()]
      .filter((e) => e.view.id !== id && sameVehicle(me, e.view))
      .sort((a, b) => b.view.created_ms - a.view.created_ms)
      .map((e) => this.row(e));
  }

  async review(id: string, input: NewReviewInput): Promise<ConsoleInspection> {
    await this.delay();
    const user = this.mayWrite();
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
    return this.full(e);
  }

  async annotate(id: string, input: NewAnnotationInput): Promise<ConsoleInspection> {
    await this.delay();
    const user = this.mayWrite();
    const e = this.entry(id);
    const a = checkNewAnnotation(input);
    if (!e.view.scans.some((s) => s.id === a.scan)) {
      throw new TransportError("invalid_input", `scan ${a.scan} is not part of inspection ${id}`);
    }
    const now = this.now();
    e.view.annotations.push({ id: randomUuid(), ...a, added_ms: now, added_by: user.name });
    this.record(e, "annotate", user.name, now);
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
    return this.user;
  }

  private mayWrite(): ConsoleUser {
    const user = this.signedIn();
    if (user.role !== "supervisor") throw new TransportError("forbidden", `a ${user.role} may not change inspections`);
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
      e.records.push({ ...m, id: fakeHash(`${view.id}:${m.op}:${this.seq}`), server_seq: this.seq });
    }
    e.updated_ms = Math.max(received_ms, ...e.records.map((r) => r.received_ms));
  }

  private record(e: Entry, op: string, officer: string, now: number): void {
    this.seq += 1;
    e.records.push({
      id: fakeHash(`${e.view.id}:${op}:${this.seq}`),
      op,
      signer: SERVER_KEY,
      signer_unit: null,
      officer,
      created_ms: now,
      received_ms: now,
      server_seq: this.seq,
    });
    e.updated_ms = now;
    this.version += 1;
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
  seed.push({
    view: {
      ...demoInspection(9_001, now - 6 * 24 * HOUR, "MOBILE-3"),
      tractor_plate: plateOf("АА 1234 ВС"),
      containers: ["CSQU3054383"],
      scans: [demoScan(fakeHash("demo-scan:history"), now - 6 * 24 * HOUR + 4 * MIN, "OF-3051", true)],
    },
  });
  for (let n = 1; n <= 150; n++) {
    const ago = Math.floor(n * 1.6 * HOUR + rng(n)() * HOUR);
    seed.push({ view: demoInspection(n, now - ago) });
  }
  return { seed, arrivals: { [arriving]: { received: 9_400_000, total: 24_000_390, step: 2_100_000 } } };
}
