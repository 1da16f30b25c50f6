// The IN-MEMORY TRANSPORT, for development (`npm run dev`) and tests only.
// Nothing is stored, signed or sent anywhere: it keeps inspections in a Map
// and imitates the vehicle's behaviour (Rust's validation and error codes,
// append-only decisions and annotations, records pending until a "sync"
// acknowledges them). Scan files are never read: an "import" adds a
// made-up scan entry, and tiles are synthetic SVG pictures (demoTiles.ts).
// Hotlists are given (`hotlists`), plates are matched against them in the
// three tiers the vehicle uses (risk profiles are not evaluated here), and
// a camera's read with its alerts can be imitated (`cameraRead`); a read's
// images are drawn as SVG pictures of its plate. Training attempts take a
// built-in exercise and are scored as on the vehicle (memoryTrainee.ts),
// and so are projections in live work (an item projected into a scan the
// crew opens, at the rate set: off by default). The data folder is kept
// as the vehicle's app keeps it: closed until an officer's first sign-in
// when the transport starts `cold` (as the app always does), and refused
// while the app is locked (`lock`) until a PIN unlocks it; background work
// (sync, the watch folder, the cameras) goes on while locked. Officers are
// those who hold a key (`officers`): an officer without one is refused
// (`no_key`) until one who holds a key adds them (`addOfficer`); only the
// first officer of a new vehicle (no key yet) gets one by signing in.

import { sameHit } from "../domain/alerts.ts";
import { currentOutcome } from "../domain/outcome.ts";
import { parsePlate, plateKeyOf } from "../domain/plate.ts";
import type { ReviewEntry } from "../domain/review.ts";
import { TransportError } from "./errors.ts";
import type {
  InspectionRow,
  RecordSync,
  Session,
  SyncEvent,
  Transport,
  Unsubscribe,
  Link,
} from "./transport.ts";
import { demoReadImageUrl } from "./demoData.ts";
import { demoThumbnailUrl, demoTileUrl } from "./demoTiles.ts";
import { checkImportPath, fileName, importedScan, sameVehicle, scanInfoOf } from "./memoryScans.ts";
import { MemoryTrainee } from "./memoryTrainee.ts";
import type { TrainingSeedImage } from "./memoryTraining.ts";
import type {
  Alert,
  AlertEvent,
  DiskSpace,
  AnprRead,
  HotlistView,
  ImportEvent,
  ImportScanInput,
  InspectionQuery,
  InspectionView,
  KeyHolders,
  LiveTipMarkInput,
  MatchTier,
  NewAlert,
  NewAlertResponse,
  NewAnnotationInput,
  NewDecisionInput,
  NewInspectionInput,
  Plate,
  PlateRole,
  ReadCorrectionInput,
  Scan,
  ScanImported,
  ScanInfo,
  StartTrainingInput,
  Status,
  TrainingAnswerInput,
  TrainingAttempt,
  TrainingSummary,
  ViewParams,
  WatchState,
} from "./types.ts";
import { checkNewAnnotation, checkNewDecision, checkNewInspection, checkPin, officerId, plate as checkPlate } from "./validate.ts";
import { randomUuid } from "./uuid.ts";

/** An inspection to start with, and how far its records got. */
export interface SeedInspection {
  view: InspectionView;
  sync: RecordSync;
}

export interface MemoryTransportOptions {
  /** Clock, Unix ms (tests pass a fixed one). */
  now?: () => number;
  /**
   * Officer id → PIN of the officers who hold a key to this vehicle's
   * data. An officer not in it is refused (`no_key`) until one who holds
   * a key adds them (`addOfficer`); when there are none (and no
   * `keysElsewhere`), a new vehicle, the first officer to sign in gets the
   * first key with their PIN (4 to 64 printable characters, as on the
   * vehicle).
   */
  officers?: Readonly<Record<string, string>>;
  /**
   * Keys of officers not known here by name (made on another copy of the
   * data): counted by `keyHolders`, never able to sign in here. None by
   * default.
   */
  keysElsewhere?: number;
  /** Enrolled unit, or none (then creating an inspection is refused, as in Rust). */
  unit?: string | null;
  seed?: readonly SeedInspection[];
  link?: "online" | "offline";
  /** Delay of every answer, to see loading states in development. */
  latencyMs?: number;
  /** What the imitation file dialog returns; null (the default): no dialog. */
  pickFiles?: string[] | null;
  /** The hotlists the vehicle holds (as the server sent them); none by default. */
  hotlists?: readonly HotlistView[];
  /** The exercise every training start takes, whatever the folder (the built-in demo one by default). */
  exercise?: readonly TrainingSeedImage[];
  /**
   * Starts with the data closed, as the vehicle's app does: every data
   * method rejects with `locked` until the first sign-in opens it (by an
   * officer of `officers`, or by anyone when there are none: a vehicle
   * whose data is not encrypted yet). Otherwise (the default, what most
   * tests want) the data is open from the start.
   */
  cold?: boolean;
}

interface Entry {
  view: InspectionView;
  /** Records of this inspection without a receipt. */
  pending: number;
  rejected: boolean;
  updated_ms: number;
}

/** What the vehicle's `kordon:` scheme gives while the data is closed or locked: nothing. */
const REFUSED_URL = "data:,";
/** Longest note of an alert response (Rust: 2000 characters). */
const ALERT_NOTE_MAX = 2_000;
const TOKEN_PREFIX = "KORDON1-";
const DEVICE = "00".repeat(32);

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Whether two match keys are exactly one edit apart (one character changed, dropped or added). */
function oneEditApart(a: string, b: string): boolean {
  const x = Array.from(a);
  const y = Array.from(b);
  if (Math.abs(x.length - y.length) > 1) return false;
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  if (x.length === y.length) {
    return i < x.length && x.slice(i + 1).join("") === y.slice(i + 1).join("");
  }
  const [long, short] = x.length > y.length ? [x, y] : [y, x];
  return long.slice(i + 1).join("") === short.slice(i).join("");
}

/** How `seen` matches an entry's canonical text, as the vehicle's matcher tiers it; null: no match. */
function matchTier(seen: Plate, entryCanonical: string, oneEdit: boolean): MatchTier | null {
  const entry = parsePlate(entryCanonical);
  if (!entry.ok) return null;
  if (seen.canonical === entry.plate.canonical) return "exact";
  if (seen.key === entry.plate.key) return "ocr_equivalent";
  if (oneEdit && oneEditApart(seen.key, entry.plate.key)) return "one_edit";
  return null;
}

const TIER_ORDER: readonly MatchTier[] = ["exact", "ocr_equivalent", "one_edit", "profile"];

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function decodeTokenUnit(token: string): { unit: string; addr: string } {
  const t = token.trim();
  if (!t.startsWith(TOKEN_PREFIX)) {
    throw new TransportError("bad_token", `not an enrollment token (it must start with ${TOKEN_PREFIX})`);
  }
  try {
    const b64 = t.slice(TOKEN_PREFIX.length).replace(/-/g, "+").replace(/_/g, "/");
    const json: unknown = JSON.parse(atob(b64));
    if (typeof json === "object" && json !== null && "unit" in json && "addr" in json) {
      const { unit, addr } = json;
      if (typeof unit === "string" && typeof addr === "string") return { unit, addr };
    }
    throw new Error("missing unit or addr");
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new TransportError("bad_token", `enrollment token is damaged (check it was copied whole): ${why}`);
  }
}

/** Makes a token the in-memory transport accepts (development and tests). */
export function makeDevToken(unit: string, addr = "127.0.0.1:4433"): string {
  const b64 = btoa(JSON.stringify({ addr, unit, fingerprint: "0".repeat(64) }));
  return TOKEN_PREFIX + b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class MemoryTransport implements Transport {
  readonly kind = "memory" as const;

  private readonly now: () => number;
  /** Officer id → PIN: those who hold a key. */
  private readonly officers: Map<string, string>;
  private keysElsewhere: number;
  private readonly latencyMs: number;
  private readonly docs = new Map<string, Entry>();
  private readonly listeners = new Set<(e: SyncEvent) => void>();
  private officer: string | null = null;
  /** Whether an officer's PIN has opened the data (always, unless started `cold`). */
  private dataOpen: boolean;
  /** Locked: the data stays open for background work, the screens get none of it. */
  private locked = false;
  private unit: string | null;
  private server: string | null = null;
  private enrolled: boolean;
  private link: Link;
  private acknowledged = 0;
  private received = 0;
  private rejected = 0;
  private blobBytesPending = 0;
  private blobBytesDone = 0;
  private blobsDelivered = 0;
  private lastSync: number | null = null;
  private lastAttempt: number | null = null;
  private lastError: { code: string; message: string } | null = null;
  private disk: DiskSpace | null = { free_bytes: 180e9, total_bytes: 250e9, low: false };
  private readonly dropListeners = new Set<(paths: string[]) => void>();
  private readonly importListeners = new Set<(e: ImportEvent) => void>();
  private watch: WatchState = { folder: null, inspection: null };
  private readonly pickFiles: string[] | null;
  private readonly alertListeners = new Set<(e: AlertEvent) => void>();
  private lists: HotlistView[];
  private readonly training: MemoryTrainee;

  constructor(opts: MemoryTransportOptions = {}) {
    this.now = opts.now ?? (() => Date.now());
    this.officers = new Map(Object.entries(opts.officers ?? {}));
    this.keysElsewhere = opts.keysElsewhere ?? 0;
    this.pickFiles = opts.pickFiles ?? null;
    this.latencyMs = opts.latencyMs ?? 0;
    this.unit = opts.unit ?? null;
    this.enrolled = this.unit !== null;
    this.link = opts.link ?? "online";
    this.lists = clone([...(opts.hotlists ?? [])]);
    this.training = new MemoryTrainee(opts.exercise);
    this.dataOpen = opts.cold !== true;
    for (const s of opts.seed ?? []) {
      const pending = s.sync === "pending" ? 1 + s.view.decisions.length : 0;
      this.docs.set(s.view.id, {
        view: clone(s.view),
        pending,
        rejected: s.sync === "rejected",
        updated_ms: s.view.created_ms,
      });
      if (s.sync === "acknowledged") this.acknowledged += 1 + s.view.decisions.length;
      if (s.sync === "rejected") this.rejected += 1;
      for (const scan of s.view.scans) {
        for (const image of scan.images) {
          if (s.sync === "pending") this.blobBytesPending += image.size;
          else {
            this.blobBytesDone += image.size;
            this.blobsDelivered += 1;
          }
        }
      }
    }
  }

  // ---- development and test controls (not part of `Transport`) ----

  /** Cuts or restores the imaginary link. */
  setLink(link: "online" | "offline"): void {
    this.link = link;
    this.emit();
  }

  /** Sets what the imaginary disk has free (below 1 GB counts as low). */
  setDiskFree(freeBytes: number): void {
    this.disk = { free_bytes: freeBytes, total_bytes: 250e9, low: freeBytes < 1e9 };
    this.emit();
  }

  /**
   * Imitates a supervisor's review arriving from the server: appended
   * after the decisions the crew has recorded so far, as the server does.
   */
  receiveReview(id: string, review: Pick<ReviewEntry, "verdict" | "comment"> & Partial<Pick<ReviewEntry, "supervisor" | "outcome" | "reasons">>): void {
    const e = this.entry(id);
    const entry: ReviewEntry = {
      supervisor: "SUP-07",
      outcome: null,
      reasons: [],
      ...review,
      at_ms: this.now(),
      decisions_seen: e.view.decisions.length,
    };
    e.view.reviews.push(entry);
    this.received += 1;
    this.emit();
  }

  /** Sets the officer without a PIN (tests); opens the data if it was closed. */
  actAs(officer: string | null): void {
    this.officer = officer;
    this.dataOpen = true;
  }

  /** Whether the app is locked (tests). */
  isLocked(): boolean {
    return this.locked;
  }

  /** Imitates files dropped on the window. */
  dropFiles(paths: string[]): void {
    for (const l of this.dropListeners) l([...paths]);
  }

  /**
   * Imitates a scanner dropping a file in the watched folder: it is
   * imported into the watch's inspection, or else the newest undecided one.
   * Resolves to null when nothing is watched or no inspection is open.
   */
  async scannerDrops(name: string, low: string | null = null): Promise<ScanImported | null> {
    const folder = this.watch.folder;
    // The watch folder runs while the app is locked, not before the data is open.
    if (folder === null || !this.dataOpen) return null;
    await this.delay();
    const target = this.watch.inspection ?? this.rows({ outcome: "none", limit: 1 })[0]?.id;
    if (target === undefined) return null;
    const path = (n: string): string => `${folder.replace(/[\\/]+$/, "")}/${n}`;
    return this.importFile(target, {
      path: path(name),
      low: low === null ? null : path(low),
      pixel_mm: null,
      scanner: null,
    }).catch(() => null);
  }

  /** Replaces the hotlists (as a sync bringing new lists from the server would). */
  setHotlists(lists: readonly HotlistView[]): void {
    this.lists = clone([...lists]);
  }

  /**
   * Imitates a camera's read arriving at the app's ANPR ingest: attached
   * to the inspection (filling its plate for the read's role if none is
   * set yet), matched against the hotlists, its alerts stored with the
   * read and announced at once as an alert event. Returns the new alerts.
   */
  cameraRead(id: string, read: AnprRead): Alert[] {
    const e = this.entry(id);
    const r = clone(read);
    (e.view.reads ??= []).push(r);
    if (r.role !== null && r.plate !== null) {
      const field = r.role === "tractor" ? "tractor_plate" : "trailer_plate";
      if (e.view[field] === null) e.view[field] = { ...r.plate };
    }
    const now = this.now();
    const hits =
      r.plate === null || r.text === null
        ? []
        : this.plateHits(r.plate, { source: "read", read_id: r.id, role: r.role, seen: r.text }, true, now);
    const stored = this.putAlerts(e, hits, r.added_by, now);
    this.changed(e, now);
    this.announce(id, stored);
    return clone(stored);
  }

  /**
   * Stores alerts on an inspection as if its read or typed plate had
   * matched (tests), and announces them as an alert event unless told not
   * to. Alerts already there (the same hit) are not raised again.
   */
  raiseAlerts(id: string, alerts: readonly NewAlert[], announce = true): Alert[] {
    const e = this.entry(id);
    const now = this.now();
    const stored = this.putAlerts(e, alerts, this.officer ?? e.view.created_by, now);
    if (stored.length > 0) this.changed(e, now);
    if (announce) this.announce(id, stored);
    return clone(stored);
  }

  // ---- Transport ----

  async signIn(officer: string, pin: string): Promise<Session> {
    await this.delay();
    const id = officerId(officer);
    checkPin(pin);
    const known = this.officers.get(id);
    // Signing in takes a key: an officer who holds one (has a PIN here).
    // Only a new vehicle, where nobody holds one yet, gives the first
    // officer theirs (the vehicle encrypts its data with it); every other
    // officer is added by one who holds a key (`addOfficer`).
    if (known === undefined && this.keyCount() > 0) {
      throw new TransportError("no_key", `officer ${id} holds no key to this vehicle's data`);
    }
    if (known === undefined) this.officers.set(id, pin);
    else if (known !== pin) throw new TransportError("wrong_pin", "wrong PIN for this officer");
    this.officer = id;
    this.dataOpen = true;
    this.locked = false;
    this.emit();
    return { officer: id, pin_set: known === undefined, locked: false };
  }

  async signOut(): Promise<void> {
    await this.delay();
    if (!this.dataOpen) throw new TransportError("locked", "the vehicle's data is not open");
    this.officer = null;
    this.locked = false;
    this.emit();
  }

  async lock(): Promise<void> {
    await this.delay();
    if (this.dataOpen) this.locked = true;
  }

  async session(): Promise<Session | null> {
    await this.delay();
    if (!this.dataOpen || this.officer === null) return null;
    return { officer: this.officer, pin_set: false, locked: this.locked };
  }

  async keyHolders(): Promise<KeyHolders> {
    await this.delay();
    this.requireOpen();
    return this.holders();
  }

  async addOfficer(byPin: string, officer: string, pin: string): Promise<KeyHolders> {
    await this.delay();
    this.requireOpen();
    this.confirmedBy(byPin);
    const id = officerId(officer);
    checkPin(pin);
    // As on the vehicle: nobody sets the PIN of one who holds a key.
    if (this.officers.has(id)) {
      throw new TransportError("invalid_input", `officer ${id} holds a key already; only they can change their PIN`);
    }
    this.officers.set(id, pin);
    return this.holders();
  }

  async removeOfficer(byPin: string, officer: string): Promise<KeyHolders> {
    await this.delay();
    this.requireOpen();
    this.confirmedBy(byPin);
    const id = officerId(officer);
    if (!this.officers.has(id)) throw new TransportError("no_key", `officer ${id} holds no key to this vehicle's data`);
    if (this.keyCount() === 1) {
      throw new TransportError("last_key", "the last officer's key cannot be removed: add another officer first");
    }
    this.officers.delete(id);
    // As on the vehicle: an officer who removes their own key is signed out.
    if (this.officer === id) this.officer = null;
    return this.holders();
  }

  async listInspections(q: InspectionQuery): Promise<InspectionRow[]> {
    await this.delay();
    this.requireOpen();
    return this.rows(q);
  }

  /** The inspections a query selects, newest first (what `listInspections` answers). */
  private rows(q: InspectionQuery): InspectionRow[] {
    const plateKey = q.plate === undefined ? null : (plateKeyOf(q.plate) ?? "");
    const container =
      q.container === undefined ? null : q.container.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
    const rows = [...this.docs.values()]
      .filter(({ view: v }) => {
        if (plateKey !== null && v.tractor_plate?.key !== plateKey && v.trailer_plate?.key !== plateKey) {
          return false;
        }
        if (container !== null && !v.containers.includes(container)) return false;
        if (q.day !== undefined && utcDay(v.created_ms) !== q.day) return false;
        if (q.outcome !== undefined) {
          const o = currentOutcome(v);
          if (q.outcome === "none" ? o !== null : o !== q.outcome) return false;
        }
        return true;
      })
      .sort((a, b) => b.view.created_ms - a.view.created_ms || a.view.id.localeCompare(b.view.id))
      .slice(0, q.limit ?? Number.POSITIVE_INFINITY);
    return rows.map((e) => ({
      ...clone(e.view),
      heads: [],
      updated_ms: e.updated_ms,
      sync: e.rejected ? "rejected" : e.pending > 0 ? "pending" : "acknowledged",
      pending: e.pending,
    }));
  }

  async getInspection(id: string): Promise<InspectionView> {
    await this.delay();
    this.requireOpen();
    return clone(this.entry(id).view);
  }

  async createInspection(input: NewInspectionInput): Promise<InspectionView> {
    await this.delay();
    this.requireOpen();
    const officer = this.actingOfficer();
    if (this.unit === null) {
      throw new TransportError("invalid_input", "no unit: enroll this vehicle or pass --unit");
    }
    const ok = checkNewInspection(input);
    const now = this.now();
    const view: InspectionView = {
      id: randomUuid(),
      created_ms: now,
      created_by: officer,
      unit: this.unit,
      crew: [officer],
      location: { ...input.location },
      tractor_plate: ok.tractor,
      trailer_plate: ok.trailer,
      containers: ok.containers,
      declaration: ok.declaration,
      notes: ok.notes,
      decisions: [],
      reviews: [],
      scans: [],
      annotations: [],
    };
    const e: Entry = { view, pending: 1, rejected: false, updated_ms: now };
    this.docs.set(view.id, e);
    if (this.putAlerts(e, this.typedHits(view, now), officer, now).length > 0) e.pending += 1;
    this.emit();
    return clone(view);
  }

  async decide(id: string, decision: NewDecisionInput): Promise<InspectionView> {
    await this.delay();
    this.requireOpen();
    const officer = this.actingOfficer();
    const e = this.entry(id);
    const d = checkNewDecision(decision);
    const now = this.now();
    // Append only: the earlier entries are left exactly as they are.
    e.view.decisions.push({ ...d, officer, at_ms: now });
    this.changed(e, now);
    return clone(e.view);
  }

  async setNotes(id: string, text: string): Promise<InspectionView> {
    await this.delay();
    this.requireOpen();
    this.actingOfficer();
    const e = this.entry(id);
    if (Array.from(text).length > 20_000) {
      throw new TransportError("invalid_input", "notes: longer than 20000 characters");
    }
    e.view.notes = text;
    this.changed(e, this.now());
    return clone(e.view);
  }

  async vehicleHistory(id: string): Promise<InspectionRow[]> {
    await this.delay();
    this.requireOpen();
    const me = this.entry(id).view;
    return this.rows({}).filter((r) => r.id !== id && sameVehicle(me, r));
  }

  async annotate(id: string, input: NewAnnotationInput): Promise<InspectionView> {
    await this.delay();
    this.requireOpen();
    const officer = this.actingOfficer();
    const e = this.entry(id);
    const a = checkNewAnnotation(input);
    if (!e.view.scans.some((s) => s.id === a.scan)) {
      throw new TransportError("invalid_input", `scan ${a.scan} is not part of inspection ${id}`);
    }
    const now = this.now();
    e.view.annotations.push({ id: randomUuid(), ...a, added_ms: now, added_by: officer });
    this.changed(e, now);
    return clone(e.view);
  }

  async respondToAlert(id: string, r: NewAlertResponse): Promise<InspectionView> {
    await this.delay();
    this.requireOpen();
    const officer = this.actingOfficer();
    const e = this.entry(id);
    if (Array.from(r.note).length > ALERT_NOTE_MAX) {
      throw new TransportError("invalid_input", `note: longer than ${ALERT_NOTE_MAX} characters`);
    }
    const alert = e.view.alerts?.find((a) => a.id === r.alert);
    if (alert === undefined) {
      throw new TransportError("invalid_input", `alert: no alert ${JSON.stringify(r.alert)} on this inspection`);
    }
    const now = this.now();
    // Appended; the latest by time is the alert's response.
    if (alert.response === null || alert.response.at_ms <= now) {
      alert.response = { response: r.response, note: r.note.trim(), officer, at_ms: now };
    }
    this.changed(e, now);
    return clone(e.view);
  }

  async correctRead(id: string, input: ReadCorrectionInput): Promise<InspectionView> {
    await this.delay();
    this.requireOpen();
    const officer = this.actingOfficer();
    const e = this.entry(id);
    const read = this.read(e, input.read);
    const corrected = checkPlate("text", input.text);
    const now = this.now();
    if (read.role !== null) {
      // The vehicle's plate follows when this read filled it.
      const field = read.role === "tractor" ? "tractor_plate" : "trailer_plate";
      const current = e.view[field];
      const was = read.correction?.plate ?? read.plate;
      if (current === null || current.canonical === was?.canonical) e.view[field] = { ...corrected };
    }
    read.correction = { text: corrected.raw, plate: corrected, by: officer, at_ms: now };
    this.changed(e, now);
    // The corrected plate is matched like a typed one.
    if (this.putAlerts(e, this.typedHits(e.view, now), officer, now).length > 0) this.changed(e, now);
    return clone(e.view);
  }

  async detachRead(id: string, readId: string): Promise<InspectionView> {
    await this.delay();
    this.requireOpen();
    const officer = this.actingOfficer();
    const e = this.entry(id);
    const read = this.read(e, readId);
    if (read.detached !== undefined) {
      throw new TransportError("invalid_input", `read: ${readId} is detached already`);
    }
    const now = this.now();
    const was = read.correction?.plate ?? read.plate;
    if (read.role !== null && was !== null) {
      const field = read.role === "tractor" ? "tractor_plate" : "trailer_plate";
      if (e.view[field]?.canonical === was.canonical) e.view[field] = null;
    }
    read.detached = { by: officer, at_ms: now };
    this.changed(e, now);
    return clone(e.view);
  }

  async hotlists(): Promise<HotlistView[]> {
    await this.delay();
    this.requireOpen();
    return clone(this.lists);
  }

  readImageUrl(blob: string): string {
    if (!this.isOpen()) return REFUSED_URL;
    for (const { view } of this.docs.values()) {
      for (const r of view.reads ?? []) {
        const image = r.images.find((i) => i.blob === blob);
        if (image !== undefined) return demoReadImageUrl(image.kind, r.text, r.country);
      }
    }
    return demoReadImageUrl("plate", null);
  }

  subscribeAlerts(cb: (event: AlertEvent) => void): Unsubscribe {
    this.alertListeners.add(cb);
    return () => {
      this.alertListeners.delete(cb);
    };
  }

  async scanInfo(scan: string): Promise<ScanInfo> {
    await this.delay();
    this.requireOpen();
    return scanInfoOf(this.scan(scan));
  }

  tileUrl(scan: string, level: number, x: number, y: number, view: ViewParams): string {
    if (!this.isOpen()) return REFUSED_URL;
    return demoTileUrl(scanInfoOf(this.scan(scan)), level, x, y, view, this.training.items(scan));
  }

  thumbnailUrl(scan: string, maxSide: number, view: ViewParams): string {
    if (!this.isOpen()) return REFUSED_URL;
    return demoThumbnailUrl(scanInfoOf(this.scan(scan)), maxSide, view, this.training.items(scan));
  }

  async importScan(id: string, input: ImportScanInput): Promise<ScanImported> {
    this.requireOpen();
    return this.importFile(id, input);
  }

  /** An import (the crew's, or the watch folder's: that one also while locked). */
  private async importFile(id: string, input: ImportScanInput): Promise<ScanImported> {
    const file = fileName(input.path);
    this.emitImport({ file, stage: "started", inspection: id, scan: null, error: null });
    try {
      await this.delay();
      const officer = this.actingOfficer();
      const e = this.entry(id);
      checkImportPath(input.path);
      if (input.low !== null) checkImportPath(input.low);
      if (input.pixel_mm !== null && !(input.pixel_mm > 0 && input.pixel_mm < 1000)) {
        throw new TransportError("invalid_input", "pixel size must be more than 0 and less than 1000 mm");
      }
      const now = this.now();
      const scan = importedScan(input.path, input.low, { ...input, now, officer });
      if (e.view.scans.some((s) => s.id === scan.id)) {
        throw new TransportError("invalid_input", `${file} is already attached to this inspection`);
      }
      e.view.scans.push(scan);
      for (const im of scan.images) this.blobBytesPending += im.size;
      this.changed(e, now);
      this.emitImport({ file, stage: "done", inspection: id, scan: scan.id, error: null });
      return { inspection: id, scan: clone(scan), levels: scanInfoOf(scan).max_level + 1, first_tile_ms: 0 };
    } catch (err) {
      const error =
        err instanceof TransportError ? { code: err.code, message: err.message } : { code: "io", message: String(err) };
      this.emitImport({ file, stage: "failed", inspection: id, scan: null, error });
      throw err;
    }
  }

  async pickScanFiles(): Promise<string[] | null> {
    await this.delay();
    return this.pickFiles === null ? null : [...this.pickFiles];
  }

  subscribeFileDrops(cb: (paths: string[]) => void): Unsubscribe {
    this.dropListeners.add(cb);
    return () => {
      this.dropListeners.delete(cb);
    };
  }

  subscribeImports(cb: (event: ImportEvent) => void): Unsubscribe {
    this.importListeners.add(cb);
    return () => {
      this.importListeners.delete(cb);
    };
  }

  async watchState(): Promise<WatchState> {
    await this.delay();
    return { ...this.watch };
  }

  async setWatch(state: WatchState): Promise<WatchState> {
    await this.delay();
    this.requireOpen();
    const folder = state.folder?.trim() ?? "";
    if (state.inspection !== null) this.entry(state.inspection);
    this.watch = { folder: folder === "" ? null : folder, inspection: state.inspection };
    return { ...this.watch };
  }

  async startTraining(input: StartTrainingInput): Promise<TrainingAttempt> {
    await this.delay();
    this.requireOpen();
    const officer = this.actingOfficer();
    if (this.unit === null) throw new TransportError("not_enrolled", "this vehicle is not enrolled");
    const attempt = this.training.start(input, { officer, unit: this.unit, now: this.now() });
    this.emit();
    return attempt;
  }

  async answerTraining(attempt: string, answer: TrainingAnswerInput): Promise<TrainingAttempt> {
    await this.delay();
    this.requireOpen();
    this.actingOfficer();
    const view = this.training.answer(attempt, answer, this.now());
    this.emit();
    return view;
  }

  async trainingAttempt(attempt: string): Promise<TrainingAttempt> {
    await this.delay();
    this.requireOpen();
    return this.training.attempt(attempt);
  }

  async trainingAttempts(): Promise<TrainingSummary[]> {
    await this.delay();
    this.requireOpen();
    return this.training.list();
  }

  async liveTipRate(): Promise<number> {
    await this.delay();
    this.requireOpen();
    return this.training.liveRate();
  }

  async setLiveTipRate(rate: number): Promise<number> {
    await this.delay();
    this.requireOpen();
    return this.training.setLiveRate(rate);
  }

  async liveTip(inspection: string, scan: string): Promise<TrainingAttempt | null> {
    await this.delay();
    this.requireOpen();
    const officer = this.actingOfficer();
    // As the vehicle finds it: a scan of an inspection (not an exercise image), this one's.
    const owner = [...this.docs.values()].find((e) => e.view.scans.some((s) => s.id === scan));
    const found = owner?.view.scans.find((s) => s.id === scan);
    if (owner === undefined || found === undefined) throw new TransportError("not_found", `scan ${scan} not found on this vehicle`);
    if (owner.view.id !== inspection) {
      throw new TransportError("invalid_input", `scan ${scan} is not one of inspection ${inspection}'s`);
    }
    // Not announced as a change (as the app's command): only the trainers see it.
    return this.training.live(found, { officer, unit: this.unit, now: this.now(), device: DEVICE });
  }

  async liveTipMark(attempt: string, input: LiveTipMarkInput): Promise<TrainingAttempt | null> {
    await this.delay();
    this.requireOpen();
    this.actingOfficer();
    const hit = this.training.liveMark(attempt, input, this.now());
    this.emit();
    return hit;
  }

  async liveTipMissed(attempt: string, timeMs: number): Promise<TrainingAttempt> {
    await this.delay();
    this.requireOpen();
    this.actingOfficer();
    const missed = this.training.liveMissed(attempt, timeMs, this.now());
    this.emit();
    return missed;
  }

  async status(): Promise<Status> {
    await this.delay();
    this.requireOpen();
    return this.snapshot();
  }

  async enroll(token: string): Promise<Status> {
    await this.delay();
    this.requireOpen();
    const t = decodeTokenUnit(token);
    this.unit = t.unit;
    this.server = t.addr;
    this.enrolled = false;
    this.emit();
    return this.snapshot();
  }

  async syncNow(): Promise<void> {
    // No sync runs before the data is open (it goes on while locked).
    if (!this.dataOpen) return;
    if (this.link === "online") {
      this.link = "syncing";
      this.emit();
    }
    await this.delay();
    const now = this.now();
    this.lastAttempt = now;
    if (this.unit === null) {
      this.lastError = { code: "not_enrolled", message: "this vehicle is not enrolled" };
    } else if (this.link === "offline") {
      this.lastError = { code: "unreachable", message: "server unreachable: no route to host" };
    } else {
      for (const e of this.docs.values()) {
        this.acknowledged += e.pending;
        e.pending = 0;
      }
      this.acknowledged += this.training.pending;
      this.training.pending = 0;
      if (this.blobBytesPending > 0) this.blobsDelivered += 1;
      this.blobBytesDone += this.blobBytesPending;
      this.blobBytesPending = 0;
      this.enrolled = true;
      this.lastSync = now;
      this.lastError = null;
      this.link = "online";
    }
    this.emit();
  }

  subscribeSync(cb: (event: SyncEvent) => void): Unsubscribe {
    this.listeners.add(cb);
    // The latest event; none before the data is open (nothing has run).
    if (this.dataOpen) cb(this.event());
    return () => {
      this.listeners.delete(cb);
    };
  }

  // ---- internals ----

  private keyCount(): number {
    return this.officers.size + this.keysElsewhere;
  }

  private holders(): KeyHolders {
    return { officers: [...this.officers.keys()].sort(), keys: this.keyCount() };
  }

  /** The officer signed in confirms a change of keys with their own PIN, as on the vehicle. */
  private confirmedBy(byPin: string): void {
    const by = this.actingOfficer();
    checkPin(byPin);
    const known = this.officers.get(by);
    if (known === undefined) throw new TransportError("no_key", `officer ${by} holds no key to this vehicle's data`);
    if (known !== byPin) throw new TransportError("wrong_pin", "wrong PIN for this officer");
  }

  private isOpen(): boolean {
    return this.dataOpen && !this.locked;
  }

  /** Refuses a data method before the data is open and while the app is locked, as the vehicle does. */
  private requireOpen(): void {
    if (!this.dataOpen) throw new TransportError("locked", "the vehicle's data is not open: an officer's PIN opens it");
    if (this.locked) throw new TransportError("locked", "the app is locked: an officer's PIN unlocks it");
  }

  private entry(id: string): Entry {
    const e = this.docs.get(id);
    if (e === undefined) throw new TransportError("not_found", `inspection ${id} not found on this vehicle`);
    return e;
  }

  private scan(id: string): Scan {
    for (const e of this.docs.values()) {
      const s = e.view.scans.find((x) => x.id === id);
      if (s !== undefined) return s;
    }
    const image = this.training.scan(id);
    if (image !== undefined) return image;
    throw new TransportError("not_found", `scan ${id} not found on this vehicle`);
  }

  private read(e: Entry, readId: string): AnprRead {
    const r = e.view.reads?.find((x) => x.id === readId);
    if (r === undefined) throw new TransportError("invalid_input", `read: no read ${JSON.stringify(readId)} on this inspection`);
    return r;
  }

  /** Hits of a plate on the lists in force, strongest first. */
  private plateHits(
    seen: Plate,
    how: Pick<NewAlert, "source" | "read_id" | "role" | "seen">,
    oneEdit: boolean,
    now: number,
    kind: "plate" | "container" = "plate",
  ): NewAlert[] {
    const out: NewAlert[] = [];
    for (const list of this.lists) {
      for (const entry of list.entries) {
        if (entry.kind !== kind || entry.removed !== null) continue;
        if (entry.valid_from_ms !== null && now < entry.valid_from_ms) continue;
        if (entry.valid_until_ms !== null && now >= entry.valid_until_ms) continue;
        const tier = matchTier(seen, entry.canonical, oneEdit);
        if (tier === null) continue;
        out.push({
          ...how,
          list_id: list.id,
          list: list.name,
          entry_id: entry.id,
          entry_value: entry.canonical,
          reason: entry.reason,
          priority: entry.priority,
          tier,
        });
      }
    }
    return out.sort((a, b) => TIER_ORDER.indexOf(a.tier) - TIER_ORDER.indexOf(b.tier));
  }

  /** What the crew typed (plates, containers), matched against the lists. */
  private typedHits(view: InspectionView, now: number): NewAlert[] {
    const out: NewAlert[] = [];
    const roles: [PlateRole, Plate | null][] = [
      ["tractor", view.tractor_plate],
      ["trailer", view.trailer_plate],
    ];
    for (const [role, p] of roles) {
      if (p !== null) out.push(...this.plateHits(p, { source: "typed", read_id: null, role, seen: p.raw }, true, now));
    }
    for (const c of view.containers) {
      const p = parsePlate(c);
      if (p.ok) out.push(...this.plateHits(p.plate, { source: "typed", read_id: null, role: null, seen: c }, false, now, "container"));
    }
    return out;
  }

  /** Appends the alerts not already on the inspection; returns them as stored. */
  private putAlerts(e: Entry, alerts: readonly NewAlert[], raisedBy: string, now: number): Alert[] {
    const list = (e.view.alerts ??= []);
    const fresh: Alert[] = [];
    for (const a of alerts) {
      if (list.some((x) => sameHit(x, a)) || fresh.some((x) => sameHit(x, a))) continue;
      fresh.push({
        ...clone(a),
        id: randomUuid().replace(/-/g, "").slice(0, 12),
        at_ms: now,
        raised_by: raisedBy,
        response: null,
      });
    }
    list.push(...fresh);
    return fresh;
  }

  private announce(inspection: string, alerts: readonly Alert[]): void {
    if (alerts.length === 0) return;
    const event: AlertEvent = {
      inspection,
      alerts: alerts.map((a) => ({
        source: a.source,
        read_id: a.read_id,
        role: a.role,
        seen: a.seen,
        list_id: a.list_id,
        list: a.list,
        entry_id: a.entry_id,
        entry_value: a.entry_value,
        reason: a.reason,
        priority: a.priority,
        tier: a.tier,
      })),
    };
    for (const l of this.alertListeners) l(clone(event));
  }

  private emitImport(ev: ImportEvent): void {
    for (const l of this.importListeners) l(clone(ev));
  }

  private actingOfficer(): string {
    if (this.officer === null) {
      throw new TransportError("not_signed_in", "no officer is signed in");
    }
    return this.officer;
  }

  private changed(e: Entry, now: number): void {
    e.pending += 1;
    e.updated_ms = now;
    this.emit();
  }

  private snapshot(): Status {
    let pending = this.training.pending;
    for (const e of this.docs.values()) pending += e.pending;
    return {
      device: DEVICE,
      unit: this.unit,
      enrolled: this.enrolled,
      server: this.server,
      officer: this.officer,
      inspections: this.docs.size,
      pending,
      acknowledged: this.acknowledged,
      received: this.received,
      rejected: this.rejected,
      blobs: {
        pending: this.blobBytesPending > 0 ? 1 : 0,
        bytes_pending: this.blobBytesPending,
        bytes_done: this.blobBytesDone,
        delivered: this.blobsDelivered,
      },
      last_sync_ms: this.lastSync,
      last_attempt_ms: this.lastAttempt,
      last_error: this.lastError?.message ?? null,
      revoked: null,
      disk: this.disk,
    };
  }

  private event(): SyncEvent {
    return { link: this.link, status: this.snapshot(), error: this.lastError };
  }

  private emit(): void {
    // Nothing runs before the data is open: no events.
    if (!this.dataOpen) return;
    const ev = this.event();
    for (const l of this.listeners) l(clone(ev));
  }

  private delay(): Promise<void> {
    if (this.latencyMs <= 0) return Promise.resolve();
    return new Promise((r) => setTimeout(r, this.latencyMs));
  }
}

export function createMemoryTransport(opts: MemoryTransportOptions = {}): MemoryTransport {
  return new MemoryTransport(opts);
}
