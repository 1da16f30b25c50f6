// The HTTP TRANSPORT: the supervisor console in a browser, talking to
// kordon-server's /api on the same origin. The session is an HttpOnly
// cookie the page never sees; every POST and DELETE carries the CSRF token
// from the last `ConsoleUser` in the X-Kordon-CSRF header. Errors arrive as
// `{ code, message }` bodies and become `TransportError`s; a 401
// `unauthenticated` from any call tells the listeners (the console goes
// back to its sign-in screen).

import type {
  ConsoleInspection,
  ConsolePage,
  ConsoleQuery,
  ConsoleRow,
  ConsoleTransport,
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
  TrainingQuery,
  Unsubscribe,
} from "./console.ts";
import { isErrorCode, TransportError } from "./errors.ts";
import { viewQuery } from "./tileQuery.ts";
import type { NewAnnotationInput, ScanInfo, ViewParams } from "./types.ts";

export const CSRF_HEADER = "X-Kordon-CSRF";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** Prefix of the API's paths; "" (the default) means /api on this origin. */
  base?: string;
  /** Tests pass a stub. */
  fetch?: FetchLike;
}

/** The query string of a queue query (no leading "?"); absent fields are left out. */
export function consoleQueryString(q: ConsoleQuery): string {
  const p = new URLSearchParams();
  const put = (k: string, v: string | number | boolean | undefined): void => {
    if (v !== undefined) p.set(k, String(v));
  };
  put("unit", q.unit);
  put("from", q.from);
  put("to", q.to);
  put("outcome", q.outcome);
  put("review", q.review);
  put("officer", q.officer);
  put("plate", q.plate);
  put("container", q.container);
  put("scans", q.scans);
  put("alerts", q.alerts);
  put("offset", q.offset);
  put("limit", q.limit);
  return p.toString();
}

/**
 * The query string of an audit trail query (no leading "?"), in the form
 * GET /api/trail reads: absent and blank fields are left out, and
 * `refused_only` is only sent when true. The CSV export (`csv`) takes the
 * filters alone, never a page's `after` or `limit`.
 */
export function trailQueryString(q: TrailQuery, opts: { csv?: boolean } = {}): string {
  const p = new URLSearchParams();
  const put = (k: string, v: string | number | null): void => {
    if (v === null) return;
    const text = typeof v === "number" ? String(v) : v.trim();
    if (text !== "") p.set(k, text);
  };
  put("kind", q.kind);
  put("from_ms", q.from_ms);
  put("to_ms", q.to_ms);
  put("unit", q.unit);
  put("actor", q.actor);
  put("document", q.document);
  if (q.refused_only) p.set("refused_only", "true");
  if (opts.csv !== true) {
    put("after", q.after);
    put("limit", q.limit);
  }
  return p.toString();
}

/** The query string of a statistics query (no leading "?"): the period, and the unit when there is one (trimmed). */
export function statsQueryString(q: StatsQuery): string {
  const p = new URLSearchParams({ from: q.from, to: q.to });
  if (q.unit !== undefined && q.unit.trim() !== "") p.set("unit", q.unit.trim());
  return p.toString();
}

/** The query string of a training query (no leading "?"): the unit and the trainee when given, trimmed; nothing blank. */
export function trainingQueryString(q: TrainingQuery): string {
  const p = new URLSearchParams();
  for (const k of ["unit", "trainee"] as const) {
    const v = q[k]?.trim() ?? "";
    if (v !== "") p.set(k, v);
  }
  return p.toString();
}

async function errorFrom(res: Response): Promise<TransportError> {
  let text = "";
  try {
    text = await res.text();
  } catch {
    // No body: the status says enough.
  }
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && "code" in body && "message" in body) {
      const { code, message } = body;
      if (typeof code === "string" && typeof message === "string") {
        if (isErrorCode(code)) return new TransportError(code, message);
        return new TransportError("internal", `${code}: ${message}`);
      }
    }
  } catch {
    // Not JSON (a proxy's error page): fall through to the status.
  }
  const detail = `HTTP ${res.status}${text === "" ? "" : `: ${text.slice(0, 200)}`}`;
  if (res.status === 401) return new TransportError("unauthenticated", detail);
  if (res.status === 403) return new TransportError("forbidden", detail);
  if (res.status === 404) return new TransportError("not_found", detail);
  if (res.status === 429) return new TransportError("throttled", detail);
  // A proxy in front of the server answering for it (bad gateway, unavailable, timeout).
  if (res.status === 502 || res.status === 503 || res.status === 504) return new TransportError("unreachable", detail);
  return new TransportError("internal", detail);
}

export class HttpTransport implements ConsoleTransport {
  readonly kind = "http" as const;
  private readonly base: string;
  private readonly fetchImpl: FetchLike;
  private user: ConsoleUser | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(opts: HttpTransportOptions = {}) {
    this.base = (opts.base ?? "").replace(/\/+$/, "");
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The user of the last login or `me`, whose CSRF token POSTs carry. */
  currentUser(): ConsoleUser | null {
    return this.user;
  }

  private url(path: string): string {
    return `${this.base}/api${path}`;
  }

  private async request<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (method !== "GET") {
      if (body !== undefined || method === "POST") headers["Content-Type"] = "application/json";
      if (this.user !== null) headers[CSRF_HEADER] = this.user.csrf;
    }
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(path), {
        method,
        headers,
        credentials: "same-origin",
        cache: "no-store",
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new TransportError("unreachable", e instanceof Error ? e.message : String(e));
    }
    if (!res.ok) {
      const err = await errorFrom(res);
      if (err.code === "unauthenticated") {
        this.user = null;
        for (const cb of [...this.listeners]) cb();
      }
      throw err;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new TransportError("internal", `the server's answer to ${method} ${path} is not JSON`);
    }
  }

  async login(input: LoginInput): Promise<ConsoleUser> {
    this.user = await this.request<ConsoleUser>("POST", "/login", input);
    return this.user;
  }
  async logout(): Promise<void> {
    try {
      await this.request<void>("POST", "/logout");
    } finally {
      this.user = null;
    }
  }
  async me(): Promise<ConsoleUser> {
    this.user = await this.request<ConsoleUser>("GET", "/me");
    return this.user;
  }
  queue(query: ConsoleQuery): Promise<ConsolePage> {
    const q = consoleQueryString(query);
    return this.request("GET", `/inspections${q === "" ? "" : `?${q}`}`);
  }
  queueVersion(): Promise<QueueVersion> {
    return this.request("GET", "/inspections/version");
  }
  inspection(id: string): Promise<ConsoleInspection> {
    return this.request("GET", `/inspections/${encodeURIComponent(id)}`);
  }
  history(id: string): Promise<ConsoleRow[]> {
    return this.request("GET", `/inspections/${encodeURIComponent(id)}/history`);
  }
  review(id: string, input: NewReviewInput): Promise<ConsoleInspection> {
    return this.request("POST", `/inspections/${encodeURIComponent(id)}/reviews`, input);
  }
  annotate(id: string, input: NewAnnotationInput): Promise<ConsoleInspection> {
    return this.request("POST", `/inspections/${encodeURIComponent(id)}/annotations`, input);
  }
  scanState(scan: string): Promise<ScanState> {
    return this.request("GET", `/scans/${encodeURIComponent(scan)}`);
  }
  async scanInfo(scan: string): Promise<ScanInfo> {
    const s = await this.scanState(scan);
    if (s.state === "ready") return s.info;
    throw new TransportError(
      "scan_not_ready",
      s.state === "arriving" ? `scan ${scan}: ${s.bytes_received} of ${s.bytes_total} bytes received` : `scan ${scan}: building its tiles`,
    );
  }
  tileUrl(scan: string, level: number, x: number, y: number, view: ViewParams): string {
    const q = viewQuery(view);
    return this.url(`/scans/${encodeURIComponent(scan)}/tiles/${level}/${x}/${y}${q === "" ? "" : `?${q}`}`);
  }
  thumbnailUrl(scan: string, maxSide: number, view: ViewParams): string {
    const q = viewQuery(view);
    return this.url(`/scans/${encodeURIComponent(scan)}/thumbnail?size=${Math.round(maxSide)}${q === "" ? "" : `&${q}`}`);
  }
  readImageUrl(blob: string): string {
    return this.url(`/reads/images/${encodeURIComponent(blob)}`);
  }
  bundleUrl(id: string): string {
    return this.url(`/inspections/${encodeURIComponent(id)}/bundle`);
  }
  hotlists(): Promise<HotlistView[]> {
    return this.request("GET", "/hotlists");
  }
  hotlistAdd(input: HotlistEntryInput): Promise<HotlistChange> {
    return this.request("POST", "/hotlists/entries", input);
  }
  profileAdd(input: RiskProfileInput): Promise<HotlistChange> {
    return this.request("POST", "/hotlists/profiles", input);
  }
  hotlistRemove(id: string): Promise<HotlistChange> {
    return this.request("DELETE", `/hotlists/entries/${encodeURIComponent(id)}`);
  }
  fleet(staleAfterHours?: number): Promise<FleetView> {
    return this.request("GET", `/fleet${staleAfterHours === undefined ? "" : `?stale_after_hours=${encodeURIComponent(String(staleAfterHours))}`}`);
  }
  enrollments(): Promise<PendingEnrollment[]> {
    return this.request("GET", "/enrollments");
  }
  createEnrollment(input: NewEnrollmentInput): Promise<NewEnrollment> {
    return this.request("POST", "/enrollments", input);
  }
  cancelEnrollment(id: string): Promise<PendingEnrollment> {
    return this.request("DELETE", `/enrollments/${encodeURIComponent(id)}`);
  }
  revoke(input: RevokeInput): Promise<Revoked> {
    return this.request("POST", "/revocations", input);
  }
  trail(query: TrailQuery): Promise<TrailPage> {
    const q = trailQueryString(query);
    return this.request("GET", `/trail${q === "" ? "" : `?${q}`}`);
  }
  trailCsvUrl(query: TrailQuery): string {
    const q = trailQueryString(query, { csv: true });
    return this.url(`/trail/csv${q === "" ? "" : `?${q}`}`);
  }
  statistics(query: StatsQuery): Promise<Statistics> {
    return this.request("GET", `/statistics?${statsQueryString(query)}`);
  }
  statisticsCsvUrl(query: StatsQuery, table: StatsTable): string {
    return this.url(`/statistics/csv?${statsQueryString(query)}&table=${encodeURIComponent(table)}`);
  }
  training(query: TrainingQuery): Promise<TraineeProgress[]> {
    const q = trainingQueryString(query);
    return this.request("GET", `/training${q === "" ? "" : `?${q}`}`);
  }
  trainingAttempt(id: string): Promise<TrainingAttempt> {
    return this.request("GET", `/training/${encodeURIComponent(id)}`);
  }
  onUnauthenticated(cb: () => void): Unsubscribe {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }
}
