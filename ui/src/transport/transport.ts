// What the screens need from the vehicle (Tauri commands) or the server
// (HTTP API). Implementations: `memory.ts` (development and tests); the
// Tauri and HTTP transports come with the app shell and the console API.
//
// Every method rejects with a `TransportError` (see errors.ts).

import type {
  ImportEvent,
  ImportScanInput,
  IndexRow,
  NewAnnotationInput,
  ScanImported,
  ScanInfo,
  ViewParams,
  WatchState,
  InspectionQuery,
  InspectionView,
  NewDecisionInput,
  NewInspectionInput,
  Status,
} from "./types.ts";

/** The officer signed in on this device. */
export interface Session {
  officer: string;
}

/**
 * Delivery of one inspection's records. NOT YET IN RUST: the index rows do
 * not carry it; the vehicle will derive it from its outbox and receipts
 * (records of the document without a receipt, and rejections).
 */
export type RecordSync = "pending" | "acknowledged" | "rejected";

/** A queue row: the Rust index row plus its delivery state. */
export interface InspectionRow extends IndexRow {
  sync: RecordSync;
}

/** State of the link, as the sync loop reports it. */
export type Link = "online" | "offline" | "syncing";

/**
 * What `subscribeSync` delivers: on subscription, then on every change.
 * NOT YET IN RUST as one type: `status` is `kordon status --json`; `link`
 * and `error` will come from the sync loop's events (`error.code` is a
 * `VehicleError::code()`).
 */
export interface SyncEvent {
  link: Link;
  status: Status;
  error: { code: string; message: string } | null;
}

export type Unsubscribe = () => void;

export interface Transport {
  /** Which implementation this is; the shell warns when it is "memory". */
  readonly kind: "memory" | "tauri" | "http";

  /** Signs an officer in; every change from now on is attributed to them. */
  signIn(officer: string, pin: string): Promise<Session>;
  signOut(): Promise<void>;
  /** The officer signed in, if any. */
  session(): Promise<Session | null>;

  /** Newest first, as `kordon inspection list`. */
  listInspections(query: InspectionQuery): Promise<InspectionRow[]>;
  getInspection(id: string): Promise<InspectionView>;
  createInspection(input: NewInspectionInput): Promise<InspectionView>;
  /** Appends a decision: earlier decisions are never changed. */
  decide(id: string, decision: NewDecisionInput): Promise<InspectionView>;
  /** Replaces the notes (Rust merges them character-wise). */
  setNotes(id: string, text: string): Promise<InspectionView>;

  /**
   * Earlier inspections of the same vehicle: any that share the tractor or
   * trailer plate (by key) or a container code. Newest first, without `id`.
   */
  vehicleHistory(id: string): Promise<InspectionRow[]>;

  /** Appends a mark to the inspection's annotation layer. */
  annotate(id: string, input: NewAnnotationInput): Promise<InspectionView>;

  /** The scan's tile pyramid (rebuilt from its images if missing). */
  scanInfo(scan: string): Promise<ScanInfo>;
  /** URL of one rendered tile (PNG), for OpenSeadragon's `getTileUrl`. */
  tileUrl(scan: string, level: number, x: number, y: number, view: ViewParams): string;
  /** URL of a thumbnail (PNG, longer side at most `maxSide`). */
  thumbnailUrl(scan: string, maxSide: number, view: ViewParams): string;

  /**
   * Imports image files from the vehicle's disk into an inspection. Rejects
   * (nothing stored) when a file is damaged or not an image. Progress also
   * arrives as import events.
   */
  importScan(id: string, input: ImportScanInput): Promise<ScanImported>;
  /** Native file dialog; null when cancelled or not available. */
  pickScanFiles(): Promise<string[] | null>;
  /** Files dropped on the window (paths on the vehicle's disk). */
  subscribeFileDrops(cb: (paths: string[]) => void): Unsubscribe;
  /** Imports started, finished or failed (UI imports and the watch folder). */
  subscribeImports(cb: (event: ImportEvent) => void): Unsubscribe;
  watchState(): Promise<WatchState>;
  /** Starts, moves or (folder null) stops the watch folder. Kept across restarts. */
  setWatch(state: WatchState): Promise<WatchState>;

  status(): Promise<Status>;
  /** Stores an enrollment token (`kordon enroll`); completes at the next sync. */
  enroll(token: string): Promise<Status>;
  /**
   * One sync pass now (`kordon sync`). Resolves when the pass ends, whether
   * or not it succeeded: the outcome and any error arrive as sync events.
   */
  syncNow(): Promise<void>;
  subscribeSync(cb: (event: SyncEvent) => void): Unsubscribe;
}
