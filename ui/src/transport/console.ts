// What the SUPERVISOR CONSOLE needs from kordon-server's HTTP API
// (routes under /api, see ui/README.md). Implementations: `http.ts` (the
// browser, served by kordon-server) and `consoleMemory.ts` (development
// and tests). Every method rejects with a `TransportError` (errors.ts).
//
// The JSON types are generated from the Rust types of the console API
// (crates/kordon-api; `make types`), re-exported here.

import { REVIEW_STATES, isReviewState, type ReviewState } from "../domain/review.ts";
import type {
  AlertFilter,
  ConsoleInspection,
  ConsolePage,
  ConsoleQuery,
  ConsoleRow,
  ConsoleUser,
  FleetView,
  HotlistChange,
  HotlistEntryInput,
  HotlistView,
  LoginInput,
  NewEnrollment,
  NewEnrollmentInput,
  NewReviewInput,
  PendingEnrollment,
  Priority,
  QueueVersion,
  Revoked,
  RevokeInput,
  RiskProfileInput,
  ScanState,
  Statistics,
  StatsQuery,
  StatsTable,
  TrailPage,
  TrailQuery,
  TraineeProgress,
  TrainingAttempt,
  UserRole,
} from "./generated.ts";
import type { ErrorCode } from "./errors.ts";
import type { NewAnnotationInput, ScanInfo, ViewParams } from "./types.ts";

export type {
  Alert,
  AlertFilter,
  AlertResponse,
  ConsoleInspection,
  ConsolePage,
  ConsoleQuery,
  ConsoleRow,
  ConsoleUser,
  DayStats,
  DayUnitStats,
  DeliveryRecord,
  DeviceInfo,
  EntryKind,
  FleetDevice,
  FleetView,
  HotlistChange,
  HotlistEntry,
  HotlistEntryInput,
  HotlistView,
  LoginInput,
  LastSync,
  MatchTier,
  NewEnrollment,
  NewEnrollmentInput,
  NewReviewInput,
  OfficerStats,
  PendingEnrollment,
  Priority,
  QueueCounts,
  QueueVersion,
  Removal,
  ReviewCounts,
  Revoked,
  RevokeInput,
  RiskProfile,
  RiskProfileInput,
  ScanState,
  Statistics,
  StatsCounts,
  StatsQuery,
  StatsTable,
  TrailEvent,
  TrailKind,
  TrailPage,
  TrailQuery,
  TraineeProgress,
  TrainingAttempt,
  TrainingDecision,
  TrainingImage,
  TrainingImageAnswer,
  TrainingItem,
  TrainingOutcome,
  TrainingScore,
  TrainingSummary,
  UnitStats,
  UserRole,
} from "./generated.ts";

export { FLEET_LIMITS, STATS_MAX_DAYS, TRAIL_LIMITS } from "./generated.ts";

export { REVIEW_STATES, isReviewState, type ReviewState };
export const USER_ROLES: readonly UserRole[] = ["supervisor", "administrator", "auditor", "trainer"];

/** The filter on trainees (GET /api/training's query): one unit's attempts, one trainee's; blank is none. */
export interface TrainingQuery {
  unit?: string;
  trainee?: string;
}

/** The error codes only the console API gives (all of them are in ERROR_CODES). */
export const CONSOLE_ERROR_CODES = [
  "unauthenticated",
  "forbidden",
  "csrf",
  "throttled",
  "wrong_password",
  "scan_not_ready",
  "too_large",
] as const satisfies readonly ErrorCode[];

export function isConsoleErrorCode(code: string): code is (typeof CONSOLE_ERROR_CODES)[number] {
  return (CONSOLE_ERROR_CODES as readonly string[]).includes(code);
}

/** The queue's hotlist-hit filter: inspections with an alert, or with one the crew has not answered. */
export const ALERT_FILTERS: readonly AlertFilter[] = ["any", "open"];

export function isAlertFilter(s: string): s is AlertFilter {
  return (ALERT_FILTERS as readonly string[]).includes(s);
}

/** A hotlist entry's or profile's priority, most urgent first. */
export const PRIORITIES: readonly Priority[] = ["high", "medium", "low"];

/** What each role may do (the server checks it again). */
export function mayReview(role: UserRole): boolean {
  return role === "supervisor";
}

/** The queue and inspections: supervisors and auditors (administrators manage accounts). */
export function mayReadQueue(role: UserRole): boolean {
  return role === "supervisor" || role === "auditor";
}

/** Every role but the trainer reads the hotlists. */
export function mayReadHotlists(role: UserRole): boolean {
  return role !== "trainer";
}

/** Only supervisors change the hotlists. */
export function mayEditHotlists(role: UserRole): boolean {
  return role === "supervisor";
}

/** The fleet page (vehicles, enrollment tokens, revocation): administrators only. */
export function mayRunFleet(role: UserRole): boolean {
  return role === "administrator";
}

/** The audit trail (records accepted, refusals, console actions): auditors and administrators. */
export function mayReadTrail(role: UserRole): boolean {
  return role === "auditor" || role === "administrator";
}

/** Trainees' exercises: trainers (who see nothing else), supervisors and auditors. */
export function mayFollowTraining(role: UserRole): boolean {
  return role === "trainer" || role === "supervisor" || role === "auditor";
}

export type Unsubscribe = () => void;

export interface ConsoleTransport {
  readonly kind: "http" | "memory";

  /** Signs in; sets the session cookie. Rejects with wrong_password or throttled. */
  login(input: LoginInput): Promise<ConsoleUser>;
  logout(): Promise<void>;
  /** The user signed in; rejects with unauthenticated when nobody is. */
  me(): Promise<ConsoleUser>;

  /** Newest first, one page. */
  queue(query: ConsoleQuery): Promise<ConsolePage>;
  /** Cheap: poll it and fetch the page again when `version` changes. */
  queueVersion(): Promise<QueueVersion>;
  inspection(id: string): Promise<ConsoleInspection>;
  /** Earlier inspections of the same plate (by key; typed or read by a camera) or container, any unit, newest first, without `id`. */
  history(id: string): Promise<ConsoleRow[]>;
  /** Appends a review (supervisors only). */
  review(id: string, input: NewReviewInput): Promise<ConsoleInspection>;
  /** Appends a mark, signed by the server and attributed to the supervisor. */
  annotate(id: string, input: NewAnnotationInput): Promise<ConsoleInspection>;

  /** Whether a scan's blobs have all arrived and its pyramid is built. */
  scanState(scan: string): Promise<ScanState>;
  /** The scan's pyramid; rejects with scan_not_ready while it is arriving or building. */
  scanInfo(scan: string): Promise<ScanInfo>;
  tileUrl(scan: string, level: number, x: number, y: number, view: ViewParams): string;
  thumbnailUrl(scan: string, maxSide: number, view: ViewParams): string;
  /** The picture of an ANPR read (plate crop or scene), by its blob; cookie-authenticated like tiles. */
  readImageUrl(blob: string): string;
  /** The inspection's evidence bundle (a zip; supervisors and auditors; the server audits the download). */
  bundleUrl(id: string): string;

  /** Every hotlist with its entries and risk profiles, removed ones too (every role). */
  hotlists(): Promise<HotlistView[]>;
  /** Puts a plate or container on a list, made if none has the name (supervisors only). */
  hotlistAdd(input: HotlistEntryInput): Promise<HotlistChange>;
  /** Adds a risk profile to a list, made if none has the name (supervisors only). */
  profileAdd(input: RiskProfileInput): Promise<HotlistChange>;
  /** Removes an entry or a profile by id; it stays in the list's history, marked removed (supervisors only). */
  hotlistRemove(id: string): Promise<HotlistChange>;

  /**
   * Every vehicle in the register (administrators only), with those not
   * heard from for longer than `staleAfterHours` (1 to
   * FLEET_LIMITS.maxStaleAfterHours; the server's default,
   * FLEET_LIMITS.staleAfterHours, when absent) flagged stale.
   */
  fleet(staleAfterHours?: number): Promise<FleetView>;
  /** Enrollment tokens not yet used, expired or cancelled, newest first (administrators only). */
  enrollments(): Promise<PendingEnrollment[]>;
  /** A one-time enrollment token for a unit: the only time its text is given (administrators only). */
  createEnrollment(input: NewEnrollmentInput): Promise<NewEnrollment>;
  /** Cancels a pending token by its id; a vehicle that tries it is refused (administrators only). */
  cancelEnrollment(id: string): Promise<PendingEnrollment>;
  /** Revokes one device or every device of a unit, with the reason its crew is told (administrators only). */
  revoke(input: RevokeInput): Promise<Revoked>;

  /**
   * One page of the audit trail, newest first (auditors and
   * administrators): every record accepted, every refusal (of a record or
   * a connection) and every login and console action that match the
   * filters. `next` is the `after` of the page of older events; a bad
   * `after` rejects with invalid_input.
   */
  trail(query: TrailQuery): Promise<TrailPage>;
  /**
   * Where to download every event that matches the filters as CSV (`after`
   * and `limit` are ignored): a plain link, cookie-authenticated like
   * tiles. The server records the export in the trail.
   */
  trailCsvUrl(query: TrailQuery): string;

  /**
   * A period's figures (supervisors and auditors): by UTC day of creation
   * (every day of the period), by unit, by unit and day, and by officer,
   * with the whole period's total; only one unit's when `unit` is given. A
   * period that is not one (a malformed day, reversed, longer than
   * STATS_MAX_DAYS) rejects with invalid_input.
   */
  statistics(query: StatsQuery): Promise<Statistics>;
  /**
   * Where to download one table of a period's figures as CSV (supervisors
   * and auditors): a plain link, cookie-authenticated like tiles.
   */
  statisticsCsvUrl(query: StatsQuery, table: StatsTable): string;

  /**
   * Every trainee's attempts at training exercises (trainers, supervisors
   * and auditors), trainees by name, each one's attempts oldest first and
   * scored from the signed answers; only one unit's or one trainee's when
   * asked (exact names).
   */
  training(query: TrainingQuery): Promise<TraineeProgress[]>;
  /** One attempt, whole: every image with the answer given, what it held and how it scored; not_found when there is none. */
  trainingAttempt(id: string): Promise<TrainingAttempt>;

  /** Called whenever the server says the session is gone (401 unauthenticated). */
  onUnauthenticated(cb: () => void): Unsubscribe;
}
