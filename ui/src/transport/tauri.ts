// The TAURI TRANSPORT: the crew's app. Every method is a command of
// src-tauri (src/commands.rs) over the vehicle's store; tiles come from the
// app's `kordon:` URI scheme, as do the images of camera reads; sync and
// import progress, and hotlist alerts, arrive as events.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open } from "@tauri-apps/plugin-dialog";
import { TransportError, isErrorCode } from "./errors.ts";
import { SCAN_FILE_EXTENSIONS } from "./generated.ts";
import { viewQuery } from "./tileQuery.ts";
import type { Transport, Unsubscribe } from "./transport.ts";
import type {
  AlertEvent,
  HotlistView,
  ImportEvent,
  ImportScanInput,
  InspectionQuery,
  InspectionRow,
  InspectionView,
  KeyHolders,
  LiveTipMarkInput,
  NewAlertResponse,
  NewAnnotationInput,
  NewDecisionInput,
  NewInspectionInput,
  ReadCorrectionInput,
  ScanImported,
  ScanInfo,
  Session,
  StartTrainingInput,
  Status,
  SyncEvent,
  TrainingAnswerInput,
  TrainingAttempt,
  TrainingSummary,
  ViewParams,
  WatchState,
} from "./types.ts";

/** Event names (src-tauri/src/state.rs). */
const SYNC_EVENT = "kordon:sync";
const IMPORT_EVENT = "kordon:import";
const ALERT_EVENT = "kordon:alert";

/** Whether the page runs inside the Tauri app. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/** Base of the app's URI scheme: `kordon://localhost` (Windows: http://kordon.localhost). */
function schemeBase(): string {
  return navigator.userAgent.includes("Windows") ? "http://kordon.localhost" : "kordon://localhost";
}

function asTransportError(e: unknown): TransportError {
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    const { code, message } = e;
    const text = typeof message === "string" ? message : String(message);
    if (typeof code === "string" && isErrorCode(code)) return new TransportError(code, text);
    return new TransportError("internal", `${String(code)}: ${text}`);
  }
  return new TransportError("internal", e instanceof Error ? e.message : String(e));
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw asTransportError(e);
  }
}

/** Turns a promised unlisten into a synchronous unsubscribe. */
function unsubscribeLater(p: Promise<UnlistenFn>): Unsubscribe {
  let done = false;
  let stop: UnlistenFn | null = null;
  p.then(
    (f) => {
      if (done) f();
      else stop = f;
    },
    () => undefined,
  );
  return () => {
    done = true;
    stop?.();
  };
}

export class TauriTransport implements Transport {
  readonly kind = "tauri" as const;

  signIn(officer: string, pin: string): Promise<Session> {
    return call("sign_in", { officer, pin });
  }
  signOut(): Promise<void> {
    return call("sign_out");
  }
  lock(): Promise<void> {
    return call("lock");
  }
  session(): Promise<Session | null> {
    return call("session");
  }
  keyHolders(): Promise<KeyHolders> {
    return call("key_holders");
  }
  addOfficer(byPin: string, officer: string, pin: string): Promise<KeyHolders> {
    // The command's `by_pin`, in camelCase as Tauri takes a command's arguments.
    return call("add_officer", { byPin, officer, pin });
  }
  removeOfficer(byPin: string, officer: string): Promise<KeyHolders> {
    return call("remove_officer", { byPin, officer });
  }
  listInspections(query: InspectionQuery): Promise<InspectionRow[]> {
    return call("list_inspections", { query });
  }
  getInspection(id: string): Promise<InspectionView> {
    return call("get_inspection", { id });
  }
  createInspection(input: NewInspectionInput): Promise<InspectionView> {
    return call("create_inspection", { input });
  }
  decide(id: string, decision: NewDecisionInput): Promise<InspectionView> {
    return call("decide", { id, decision });
  }
  setNotes(id: string, text: string): Promise<InspectionView> {
    return call("set_notes", { id, text });
  }
  vehicleHistory(id: string): Promise<InspectionRow[]> {
    return call("vehicle_history", { id });
  }
  annotate(id: string, input: NewAnnotationInput): Promise<InspectionView> {
    return call("annotate", { id, input });
  }
  respondToAlert(id: string, response: NewAlertResponse): Promise<InspectionView> {
    return call("respond_to_alert", { id, response });
  }
  correctRead(id: string, input: ReadCorrectionInput): Promise<InspectionView> {
    return call("correct_read", { id, input });
  }
  detachRead(id: string, read: string): Promise<InspectionView> {
    return call("detach_read", { id, read });
  }
  hotlists(): Promise<HotlistView[]> {
    return call("hotlists");
  }
  readImageUrl(blob: string): string {
    return `${schemeBase()}/read/${encodeURIComponent(blob)}`;
  }
  subscribeAlerts(cb: (event: AlertEvent) => void): Unsubscribe {
    return unsubscribeLater(listen<AlertEvent>(ALERT_EVENT, (e) => cb(e.payload)));
  }
  scanInfo(scan: string): Promise<ScanInfo> {
    return call("scan_info", { scan });
  }
  tileUrl(scan: string, level: number, x: number, y: number, view: ViewParams): string {
    const q = viewQuery(view);
    return `${schemeBase()}/tile/${scan}/${level}/${x}/${y}${q === "" ? "" : `?${q}`}`;
  }
  thumbnailUrl(scan: string, maxSide: number, view: ViewParams): string {
    const q = viewQuery(view);
    return `${schemeBase()}/thumb/${scan}/${Math.round(maxSide)}${q === "" ? "" : `?${q}`}`;
  }
  importScan(id: string, input: ImportScanInput): Promise<ScanImported> {
    return call("import_scan", { id, input });
  }
  async pickScanFiles(): Promise<string[] | null> {
    try {
      const picked = await open({
        multiple: true,
        directory: false,
        filters: [{ name: "X-ray scans", extensions: [...SCAN_FILE_EXTENSIONS] }],
      });
      if (picked === null) return null;
      return Array.isArray(picked) ? picked : [picked];
    } catch (e) {
      throw asTransportError(e);
    }
  }
  subscribeFileDrops(cb: (paths: string[]) => void): Unsubscribe {
    return unsubscribeLater(
      getCurrentWebview().onDragDropEvent((e) => {
        if (e.payload.type === "drop" && e.payload.paths.length > 0) cb(e.payload.paths);
      }),
    );
  }
  subscribeImports(cb: (event: ImportEvent) => void): Unsubscribe {
    return unsubscribeLater(listen<ImportEvent>(IMPORT_EVENT, (e) => cb(e.payload)));
  }
  watchState(): Promise<WatchState> {
    return call("watch_state");
  }
  setWatch(state: WatchState): Promise<WatchState> {
    return call("set_watch", { want: state });
  }
  startTraining(input: StartTrainingInput): Promise<TrainingAttempt> {
    return call("start_training", { input });
  }
  answerTraining(attempt: string, answer: TrainingAnswerInput): Promise<TrainingAttempt> {
    return call("answer_training", { attempt, answer });
  }
  trainingAttempt(attempt: string): Promise<TrainingAttempt> {
    return call("training_attempt", { attempt });
  }
  trainingAttempts(): Promise<TrainingSummary[]> {
    return call("training_attempts");
  }
  liveTipRate(): Promise<number> {
    return call("live_tip_rate");
  }
  setLiveTipRate(rate: number): Promise<number> {
    return call("set_live_tip_rate", { rate });
  }
  liveTip(inspection: string, scan: string): Promise<TrainingAttempt | null> {
    return call("live_tip", { inspection, scan });
  }
  liveTipMark(attempt: string, input: LiveTipMarkInput): Promise<TrainingAttempt | null> {
    return call("live_tip_mark", { attempt, input });
  }
  liveTipMissed(attempt: string, timeMs: number): Promise<TrainingAttempt> {
    // The command's argument `time_ms`: Tauri takes a command's arguments
    // in camelCase (the fields of a struct, as `input` above, are as Rust
    // names them).
    return call("live_tip_missed", { attempt, timeMs });
  }
  status(): Promise<Status> {
    return call("status");
  }
  enroll(token: string): Promise<Status> {
    return call("enroll", { token });
  }
  syncNow(): Promise<void> {
    return call("sync_now");
  }
  subscribeSync(cb: (event: SyncEvent) => void): Unsubscribe {
    const stop = unsubscribeLater(listen<SyncEvent>(SYNC_EVENT, (e) => cb(e.payload)));
    call<SyncEvent>("sync_state").then(cb, () => undefined);
    return stop;
  }
  reportReady(stage: string): void {
    call("ui_ready", { stage }).catch(() => undefined);
  }
}
