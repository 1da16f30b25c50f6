// What the screens need from the vehicle (Tauri commands) or the server
// (HTTP API). Implementations: `tauri.ts` (the crew's app), `memory.ts`
// (development and tests); the HTTP transport comes with the console API.
//
// Every method rejects with a `TransportError` (see errors.ts).

import type {
  AlertEvent,
  HotlistView,
  ImportEvent,
  ImportScanInput,
  InspectionRow,
  KeyHolders,
  LiveTipMarkInput,
  NewAlertResponse,
  NewAnnotationInput,
  ReadCorrectionInput,
  ScanImported,
  ScanInfo,
  ViewParams,
  WatchState,
  InspectionQuery,
  InspectionView,
  NewDecisionInput,
  NewInspectionInput,
  Session,
  StartTrainingInput,
  Status,
  SyncEvent,
  TrainingAnswerInput,
  TrainingAttempt,
  TrainingSummary,
} from "./types.ts";

// Session, RecordSync, InspectionRow, Link and SyncEvent are generated
// from the Rust types (see types.ts); re-exported here for the screens.
export type { InspectionRow, Link, RecordSync, Session, SyncEvent } from "./types.ts";

export type Unsubscribe = () => void;

export interface Transport {
  /** Which implementation this is; the shell warns when it is "memory". */
  readonly kind: "memory" | "tauri" | "http";

  /**
   * Signs an officer in; every change from now on is attributed to them.
   * On the vehicle the first sign-in after the app starts also opens the
   * encrypted data folder with the PIN (encrypting it first if it is not
   * yet: seconds on a vehicle with many scans); until then every data
   * method rejects with `locked`. While the app is locked, a sign-in
   * unlocks it (the session is then that officer's). Signing in takes a
   * key: an officer who holds none is refused with `no_key` (unless the
   * vehicle knew their PIN from before its data was encrypted) until one
   * who holds a key adds them (`addOfficer`); only the first officer of a
   * new vehicle gets theirs by signing in.
   */
  signIn(officer: string, pin: string): Promise<Session>;
  /** Signs the officer out (and ends a lock). */
  signOut(): Promise<void>;
  /**
   * Locks the app (idle time, a suspend, or the crew's choice): every data
   * method rejects with `locked` until `signIn` again. Background work
   * (sync, imports, the cameras) goes on.
   */
  lock(): Promise<void>;
  /** The officer signed in, if any (`locked` while the app is locked); null before the data is opened. */
  session(): Promise<Session | null>;

  /**
   * Who can open this vehicle's data: the officers who hold a key (key
   * slot) by name, and how many keys there are (more than names when keys
   * were made on another copy of the data).
   */
  keyHolders(): Promise<KeyHolders>;
  /**
   * Gives `officer` a key under `pin` (the new officer's own PIN; one who
   * holds a key already gets `pin` as their new PIN). The officer signed
   * in confirms with their own PIN, `byPin`: `wrong_pin` when it is not
   * theirs (and `pin_locked` after too many), `invalid_input` for an id or
   * PIN of the wrong shape (a PIN is 4 to 64 printable characters).
   */
  addOfficer(byPin: string, officer: string, pin: string): Promise<KeyHolders>;
  /**
   * Removes `officer`'s key: their PIN opens nothing here from then on
   * (removing one's own also signs one out). Confirmed as `addOfficer`;
   * `last_key` for the last key, `no_key` when the officer holds none.
   */
  removeOfficer(byPin: string, officer: string): Promise<KeyHolders>;

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

  /**
   * Records the crew's response to one of the inspection's hotlist alerts
   * (`response.alert` is the alert's id). Appended: the latest counts.
   */
  respondToAlert(id: string, response: NewAlertResponse): Promise<InspectionView>;
  /**
   * Corrects what a camera read (kept beside the read, attributed); a plate
   * the read filled follows, and the corrected plate is matched against
   * the hotlists like a typed one.
   */
  correctRead(id: string, input: ReadCorrectionInput): Promise<InspectionView>;
  /** Takes a read (by id) off an inspection it was wrongly attached to; a plate it filled is cleared. */
  detachRead(id: string, read: string): Promise<InspectionView>;
  /** The hotlists this vehicle holds, as the server last sent them. */
  hotlists(): Promise<HotlistView[]>;
  /** URL of a read's image (plate crop or scene) by its blob hash. */
  readImageUrl(blob: string): string;
  /**
   * Hotlist alerts a camera's read just raised, the moment they are stored
   * (the inspection holds them, with their ids, for the response).
   */
  subscribeAlerts(cb: (event: AlertEvent) => void): Unsubscribe;

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

  /**
   * Starts a training exercise (threat image projection) for the officer
   * signed in: `input.folder` is what a trainer's `kordon training build`
   * wrote. Takes seconds: every image is decoded and tiled first. The
   * attempt is synced like an inspection but is never one.
   */
  startTraining(input: StartTrainingInput): Promise<TrainingAttempt>;
  /**
   * Answers one image of an attempt; the attempt comes back scored, the
   * answered image's item (if any) revealed. An image is answered once.
   */
  answerTraining(attempt: string, answer: TrainingAnswerInput): Promise<TrainingAttempt>;
  trainingAttempt(attempt: string): Promise<TrainingAttempt>;
  /** The attempts taken on this vehicle, newest first. */
  trainingAttempts(): Promise<TrainingSummary[]>;

  /**
   * Projection in live work: the share of the scans the crew opens that
   * are shown with a threat item projected into them (0: off, the
   * default; at most MAX_LIVE_TIP_RATE).
   */
  liveTipRate(): Promise<number>;
  /** Sets that share; resolves to the share now in force. */
  setLiveTipRate(rate: number): Promise<number>;
  /**
   * The crew opens scan `scan` of inspection `inspection`: null, or a live
   * projection (an attempt of one image, `summary.live`) whose image's
   * `scan` is shown instead, as any scan, and nothing said of it while the
   * image is unanswered. The same scan gets the same attempt every time
   * it is opened (answered or not).
   */
  liveTip(inspection: string, scan: string): Promise<TrainingAttempt | null>;
  /**
   * A mark the crew drew on a scan showing an unanswered projection, asked
   * before anything is recorded: the attempt, answered and its item
   * revealed, when the mark is on the item (a hit: nothing is recorded on
   * the inspection); null when it is elsewhere (the crew's own mark, to
   * record as usual; the item is still to be found).
   */
  liveTipMark(attempt: string, input: LiveTipMarkInput): Promise<TrainingAttempt | null>;
  /**
   * The crew decided with the projection's item unmarked: the miss, its
   * item revealed (an attempt answered already comes back as it is).
   */
  liveTipMissed(attempt: string, timeMs: number): Promise<TrainingAttempt>;

  status(): Promise<Status>;
  /** Stores an enrollment token (`kordon enroll`); completes at the next sync. */
  enroll(token: string): Promise<Status>;
  /**
   * One sync pass now (`kordon sync`). Resolves when the pass ends, whether
   * or not it succeeded: the outcome and any error arrive as sync events.
   */
  syncNow(): Promise<void>;
  subscribeSync(cb: (event: SyncEvent) => void): Unsubscribe;

  /**
   * A screen is ready to use ("queue", "scan"); the app logs the time since
   * it started (start-up benchmark). Optional: only the app implements it.
   */
  reportReady?(stage: string): void;
}
