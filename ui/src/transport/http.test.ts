// The HTTP transport against a stubbed fetch: paths and query strings as
// the contract gives them, the CSRF header on every POST (from the last
// ConsoleUser), errors as TransportError with the server's code and
// message, and a 401 `unauthenticated` from any call reported to the
// console (which shows the sign-in). The fleet's routes likewise, and the
// audit trail's: a page by its filters and cursor, the CSV export's link;
// the statistics': a period's figures, each table's CSV link; and
// training's: the trainees by unit and trainee, one attempt.

import { describe, expect, it, vi } from "vitest";
import type { ConsoleUser, FleetView, NewEnrollment, PendingEnrollment, Statistics, TrailPage, TrailQuery } from "./console.ts";
import { TransportError } from "./errors.ts";
import { consoleQueryString, CSRF_HEADER, HttpTransport, statsQueryString, trailQueryString, trainingQueryString, type FetchLike } from "./http.ts";
import type { ViewParams } from "./types.ts";

const USER: ConsoleUser = { name: "SUP-07", role: "supervisor", csrf: "c5rf-token" };

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that answers from a list, and remembers what it was asked. */
function stub(...answers: (Response | Error)[]): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = (url, init) => {
    calls.push({ url, init });
    const a = answers.shift();
    if (a === undefined) throw new Error(`unexpected call ${url}`);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  return { fetch, calls };
}

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const header = (c: Call | undefined, name: string): string | undefined =>
  (c?.init.headers as Record<string, string> | undefined)?.[name];

const VIEW: ViewParams = { window: { low: 100, high: 2000 }, invert: true, gamma: 1, colormap: "hot", edge: 0, materials: false };

async function rejection(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TransportError);
    return e as TransportError;
  }
  throw new Error("did not reject");
}

describe("HttpTransport: requests", () => {
  it("logs in with JSON, then sends the CSRF token of that user on every POST", async () => {
    const page = { view: {}, review_state: "agreed", records: [] };
    const s = stub(json(USER), json(page), json(page));
    const h = new HttpTransport({ fetch: s.fetch });
    expect(await h.login({ name: "SUP-07", password: "pw" })).toEqual(USER);
    await h.review("abc", { verdict: "agree", outcome: null, reasons: [], comment: "" });
    await h.annotate("abc", { scan: "s1", kind: "void", shape: { type: "rect", x: 1, y: 2, w: 3, h: 4 }, label: "" });

    const [login, review, annotate] = s.calls;
    expect(login?.url).toBe("/api/login");
    expect(login?.init.method).toBe("POST");
    expect(login?.init.credentials).toBe("same-origin");
    expect(header(login, "Content-Type")).toBe("application/json");
    expect(JSON.parse(login?.init.body as string)).toEqual({ name: "SUP-07", password: "pw" });

    expect(review?.url).toBe("/api/inspections/abc/reviews");
    expect(header(review, CSRF_HEADER)).toBe("c5rf-token");
    expect(header(review, "Content-Type")).toBe("application/json");
    expect(JSON.parse(review?.init.body as string)).toEqual({ verdict: "agree", outcome: null, reasons: [], comment: "" });
    expect(annotate?.url).toBe("/api/inspections/abc/annotations");
    expect(header(annotate, CSRF_HEADER)).toBe("c5rf-token");
  });

  it("takes the CSRF token from /api/me too (a reloaded page), and GETs carry none", async () => {
    const s = stub(json({ ...USER, csrf: "from-me" }), json({ version: 3, total: 9 }), new Response(null, { status: 204 }));
    const h = new HttpTransport({ fetch: s.fetch });
    await h.me();
    expect(await h.queueVersion()).toEqual({ version: 3, total: 9 });
    await h.logout();
    expect(s.calls.map((c) => `${String(c.init.method)} ${c.url}`)).toEqual([
      "GET /api/me",
      "GET /api/inspections/version",
      "POST /api/logout",
    ]);
    expect(header(s.calls[1], CSRF_HEADER)).toBeUndefined();
    expect(header(s.calls[2], CSRF_HEADER)).toBe("from-me");
    expect(s.calls.every((c) => c.init.credentials === "same-origin")).toBe(true);
    expect(h.currentUser()).toBeNull();
  });

  it("asks for the queue with the query's fields, and for one inspection and its history", async () => {
    const s = stub(json({ rows: [] }), json({}), json([]));
    const h = new HttpTransport({ fetch: s.fetch });
    await h.queue({ unit: "MOBILE-3", from: "2026-11-01", to: "2026-11-24", review: "returned", plate: "АА 1234 ВС", scans: true, offset: 50, limit: 50 });
    await h.inspection("5b0c/x");
    await h.history("id-1");
    const q = new URL(s.calls[0]?.url ?? "", "http://x");
    expect(q.pathname).toBe("/api/inspections");
    expect(Object.fromEntries(q.searchParams)).toEqual({
      unit: "MOBILE-3",
      from: "2026-11-01",
      to: "2026-11-24",
      review: "returned",
      plate: "АА 1234 ВС",
      scans: "true",
      offset: "50",
      limit: "50",
    });
    expect(s.calls[1]?.url).toBe("/api/inspections/5b0c%2Fx");
    expect(s.calls[2]?.url).toBe("/api/inspections/id-1/history");
  });

  it("builds tile and thumbnail URLs with the viewer's query (tileQuery.ts)", () => {
    const h = new HttpTransport({ fetch: stub().fetch });
    expect(h.tileUrl("ab12", 13, 4, 2, VIEW)).toBe("/api/scans/ab12/tiles/13/4/2?w=100,2000&inv=1&cm=hot");
    expect(h.tileUrl("ab12", 0, 0, 0, { ...VIEW, window: null, invert: false, colormap: "grey" })).toBe("/api/scans/ab12/tiles/0/0/0");
    expect(h.thumbnailUrl("ab12", 240.4, VIEW)).toBe("/api/scans/ab12/thumbnail?size=240&w=100,2000&inv=1&cm=hot");
    expect(new HttpTransport({ base: "/kordon/", fetch: stub().fetch }).tileUrl("s", 1, 0, 0, { ...VIEW, window: null, invert: false, colormap: "grey" })).toBe(
      "/kordon/api/scans/s/tiles/1/0/0",
    );
  });

  it("leaves absent query fields out", () => {
    expect(consoleQueryString({})).toBe("");
    expect(consoleQueryString({ outcome: "none", scans: false })).toBe("outcome=none&scans=false");
  });

  it("gives a ready scan's pyramid, and scan_not_ready while it is arriving", async () => {
    const info = { id: "s", width: 10, height: 10, tile_size: 256, max_level: 4, planes: 1, bits: 16, pixel_mm: null, stats: [] };
    const s = stub(json({ state: "ready", info }), json({ state: "arriving", bytes_received: 10, bytes_total: 100 }));
    const h = new HttpTransport({ fetch: s.fetch });
    expect(await h.scanInfo("s")).toEqual(info);
    const e = await rejection(h.scanInfo("s"));
    expect(e.code).toBe("scan_not_ready");
    expect(s.calls[1]?.url).toBe("/api/scans/s");
  });
});

describe("HttpTransport: errors", () => {
  it("rejects with the server's code and message", async () => {
    const s = stub(
      json({ code: "wrong_password", message: "wrong name or password" }, 401),
      json({ code: "throttled", message: "try again in 4 minutes" }, 429),
      json({ code: "invalid_input", message: "an overrule needs an outcome" }, 400),
      json({ code: "forbidden", message: "auditors may not review" }, 403),
      json({ code: "csrf", message: "missing X-Kordon-CSRF" }, 403),
    );
    const h = new HttpTransport({ fetch: s.fetch });
    const e1 = await rejection(h.login({ name: "a", password: "b" }));
    expect([e1.code, e1.message]).toEqual(["wrong_password", "wrong name or password"]);
    expect((await rejection(h.login({ name: "a", password: "b" }))).message).toBe("try again in 4 minutes");
    expect((await rejection(h.review("x", { verdict: "overrule", outcome: null, reasons: [], comment: "c" }))).code).toBe("invalid_input");
    expect((await rejection(h.review("x", { verdict: "agree", outcome: null, reasons: [], comment: "" }))).code).toBe("forbidden");
    expect((await rejection(h.review("x", { verdict: "agree", outcome: null, reasons: [], comment: "" }))).code).toBe("csrf");
  });

  it("turns a body that is not an ApiError into a code from the status, and a network failure into unreachable", async () => {
    const s = stub(
      new Response("<html>Bad gateway</html>", { status: 502 }),
      new Response("oops", { status: 500 }),
      json({ code: "something_new", message: "later" }, 400),
      new TypeError("Failed to fetch"),
      new Response("not json", { status: 200 }),
    );
    const h = new HttpTransport({ fetch: s.fetch });
    expect((await rejection(h.queueVersion())).code).toBe("unreachable");
    expect((await rejection(h.queueVersion())).code).toBe("internal");
    const odd = await rejection(h.queueVersion());
    expect([odd.code, odd.message]).toEqual(["internal", "something_new: later"]);
    const net = await rejection(h.queueVersion());
    expect([net.code, net.message]).toEqual(["unreachable", "Failed to fetch"]);
    expect((await rejection(h.queueVersion())).code).toBe("internal");
  });

  it("reports a 401 unauthenticated from any call, and forgets the user (no stale CSRF)", async () => {
    const s = stub(
      json(USER),
      json({ code: "unauthenticated", message: "session expired" }, 401),
      json({ code: "wrong_password", message: "no" }, 401),
      json({ code: "unauthenticated", message: "no session" }, 401),
    );
    const h = new HttpTransport({ fetch: s.fetch });
    const gone = vi.fn();
    const stop = h.onUnauthenticated(gone);
    await h.login({ name: "SUP-07", password: "pw" });
    expect((await rejection(h.queue({}))).code).toBe("unauthenticated");
    expect(gone).toHaveBeenCalledTimes(1);
    expect(h.currentUser()).toBeNull();
    // A wrong password is not a lost session.
    await rejection(h.login({ name: "SUP-07", password: "bad" }));
    expect(gone).toHaveBeenCalledTimes(1);
    expect(header(s.calls[2], CSRF_HEADER)).toBeUndefined();
    stop();
    await rejection(h.me());
    expect(gone).toHaveBeenCalledTimes(1);
  });
});

describe("HttpTransport: the fleet", () => {
  const ADMIN: ConsoleUser = { name: "ADM-01", role: "administrator", csrf: "adm-c5rf" };
  const PENDING: PendingEnrollment = { id: "00ff00ff00ff00ff", unit: "MOBILE-03", created_ms: 1, expires_ms: 2, created_by: "ADM-01" };

  it("reads the fleet (with the stale threshold when given) and the pending tokens, without the CSRF token", async () => {
    const view: FleetView = { now_ms: 5, stale_after_ms: 3_600_000, devices: [] };
    const s = stub(json(ADMIN), json(view), json(view), json([PENDING]));
    const h = new HttpTransport({ fetch: s.fetch });
    await h.login({ name: "ADM-01", password: "pw" });
    expect(await h.fleet()).toEqual(view);
    await h.fleet(48);
    expect(await h.enrollments()).toEqual([PENDING]);
    const [, plain, hours, pending] = s.calls;
    expect(`${String(plain?.init.method)} ${plain?.url}`).toBe("GET /api/fleet");
    expect(`${String(hours?.init.method)} ${hours?.url}`).toBe("GET /api/fleet?stale_after_hours=48");
    expect(`${String(pending?.init.method)} ${pending?.url}`).toBe("GET /api/enrollments");
    expect(header(plain, CSRF_HEADER)).toBeUndefined();
    expect(header(pending, CSRF_HEADER)).toBeUndefined();
  });

  it("makes and cancels tokens and revokes, each with the CSRF token, and gives the server's refusal", async () => {
    const made: NewEnrollment = { token: "KORDON1-abc", qr_svg: "<svg/>", pending: PENDING };
    const s = stub(
      json(ADMIN),
      json(made),
      json(PENDING),
      json({ revoked: 2 }),
      json({ code: "invalid_input", message: "say why: the vehicle's crew is told the reason" }, 400),
    );
    const h = new HttpTransport({ fetch: s.fetch });
    await h.login({ name: "ADM-01", password: "pw" });
    expect(await h.createEnrollment({ unit: "MOBILE-03", ttl_hours: 72 })).toEqual(made);
    expect(await h.cancelEnrollment("00ff/00ff")).toEqual(PENDING);
    expect(await h.revoke({ unit: "MOBILE-03", device: null, reason: "Unit disbanded" })).toEqual({ revoked: 2 });
    const refused = await rejection(h.revoke({ unit: null, device: "ab".repeat(32), reason: "" }));
    expect([refused.code, refused.message]).toEqual(["invalid_input", "say why: the vehicle's crew is told the reason"]);

    const [, create, cancel, revoke, empty] = s.calls;
    expect(`${String(create?.init.method)} ${create?.url}`).toBe("POST /api/enrollments");
    expect(JSON.parse(create?.init.body as string)).toEqual({ unit: "MOBILE-03", ttl_hours: 72 });
    expect(`${String(cancel?.init.method)} ${cancel?.url}`).toBe("DELETE /api/enrollments/00ff%2F00ff");
    expect(cancel?.init.body).toBeUndefined();
    expect(`${String(revoke?.init.method)} ${revoke?.url}`).toBe("POST /api/revocations");
    expect(JSON.parse(revoke?.init.body as string)).toEqual({ unit: "MOBILE-03", device: null, reason: "Unit disbanded" });
    expect(JSON.parse(empty?.init.body as string)).toEqual({ unit: null, device: "ab".repeat(32), reason: "" });
    for (const c of [create, cancel, revoke, empty]) {
      expect(header(c, CSRF_HEADER)).toBe("adm-c5rf");
      expect(c?.init.credentials).toBe("same-origin");
    }
  });
});

describe("HttpTransport: the audit trail", () => {
  const ALL: TrailQuery = { kind: null, from_ms: null, to_ms: null, unit: null, actor: null, document: null, refused_only: false, after: null, limit: null };
  const Q: TrailQuery = {
    kind: "refusal",
    from_ms: 1_795_400_000_000,
    to_ms: 1_795_486_400_000,
    unit: "MOBILE-5",
    actor: "ADM-01",
    document: "5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0001",
    refused_only: true,
    after: "1795480000000.1.7",
    limit: 50,
  };

  it("asks for a page with the filters, the cursor and the size, and nothing blank", async () => {
    const page: TrailPage = { events: [], next: null };
    const s = stub(json(page), json(page), json({ code: "invalid_input", message: "\"x\" is not a position in the audit trail" }, 400));
    const h = new HttpTransport({ fetch: s.fetch });
    expect(await h.trail(Q)).toEqual(page);
    await h.trail({ ...ALL, unit: "  ", actor: "" });
    const bad = await rejection(h.trail({ ...ALL, after: "x" }));
    expect([bad.code, bad.message]).toEqual(["invalid_input", '"x" is not a position in the audit trail']);
    const q = new URL(s.calls[0]?.url ?? "", "http://x");
    expect(`${String(s.calls[0]?.init.method)} ${q.pathname}`).toBe("GET /api/trail");
    expect(Object.fromEntries(q.searchParams)).toEqual({
      kind: "refusal",
      from_ms: "1795400000000",
      to_ms: "1795486400000",
      unit: "MOBILE-5",
      actor: "ADM-01",
      document: "5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0001",
      refused_only: "true",
      after: "1795480000000.1.7",
      limit: "50",
    });
    expect(s.calls[1]?.url).toBe("/api/trail");
    expect(header(s.calls[0], CSRF_HEADER)).toBeUndefined();
  });

  it("links the CSV export with the filters alone: no cursor, no page size", () => {
    const h = new HttpTransport({ fetch: stub().fetch });
    const url = new URL(h.trailCsvUrl(Q), "http://x");
    expect(url.pathname).toBe("/api/trail/csv");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      kind: "refusal",
      from_ms: "1795400000000",
      to_ms: "1795486400000",
      unit: "MOBILE-5",
      actor: "ADM-01",
      document: "5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0001",
      refused_only: "true",
    });
    expect(h.trailCsvUrl(ALL)).toBe("/api/trail/csv");
    expect(new HttpTransport({ base: "/kordon/", fetch: stub().fetch }).trailCsvUrl({ ...ALL, kind: "console" })).toBe("/kordon/api/trail/csv?kind=console");
    expect(trailQueryString({ ...ALL, refused_only: false, limit: 100 })).toBe("limit=100");
  });
});

describe("HttpTransport: the statistics", () => {
  const BODY: Statistics = { from: "2028-01-05", to: "2028-01-05", unit: null, by_day: [], by_unit: [], by_day_unit: [], officers: [], total: {} as Statistics["total"] };

  it("asks for a period's figures with the session cookie, and gives the server's refusals", async () => {
    const s = stub(
      json(BODY),
      json({ code: "forbidden", message: "administrators may not" }, 403),
      json({ code: "invalid_input", message: "to: 2028-01-01 is before from: 2028-01-05" }, 400),
      new Response("", { status: 401 }),
    );
    const h = new HttpTransport({ fetch: s.fetch });
    const gone = vi.fn();
    h.onUnauthenticated(gone);
    const q = { from: "2028-01-05", to: "2028-01-05" };
    expect(await h.statistics(q)).toEqual(BODY);
    expect(s.calls[0]?.url).toBe("/api/statistics?from=2028-01-05&to=2028-01-05");
    expect(s.calls[0]?.init).toMatchObject({ method: "GET", credentials: "same-origin" });
    expect(header(s.calls[0], CSRF_HEADER)).toBeUndefined();
    const refused = await rejection(h.statistics(q));
    expect([refused.code, refused.message]).toEqual(["forbidden", "administrators may not"]);
    expect((await rejection(h.statistics({ from: "2028-01-05", to: "2028-01-01" }))).code).toBe("invalid_input");
    expect((await rejection(h.statistics(q))).code).toBe("unauthenticated");
    expect(gone).toHaveBeenCalledTimes(1);
  });

  it("links each table's CSV with the period and the unit, trimmed, and nothing blank", () => {
    const h = new HttpTransport({ fetch: stub().fetch });
    const q = { from: "2028-01-05", to: "2028-02-03" };
    expect(h.statisticsCsvUrl(q, "day_units")).toBe("/api/statistics/csv?from=2028-01-05&to=2028-02-03&table=day_units");
    expect(h.statisticsCsvUrl({ from: "2028-01-05", to: "2028-01-05", unit: " МОБ 1 " }, "officers")).toBe(
      "/api/statistics/csv?from=2028-01-05&to=2028-01-05&unit=%D0%9C%D0%9E%D0%91+1&table=officers",
    );
    expect(new HttpTransport({ base: "/kordon/", fetch: stub().fetch }).statisticsCsvUrl(q, "days")).toBe("/kordon/api/statistics/csv?from=2028-01-05&to=2028-02-03&table=days");
    expect(statsQueryString({ ...q, unit: "  " })).toBe("from=2028-01-05&to=2028-02-03");
  });
});

describe("HttpTransport: training", () => {
  it("asks for the trainees by unit and trainee (trimmed, nothing blank) and for one attempt, and gives the server's refusal", async () => {
    const s = stub(json([]), json([]), json({ summary: { id: "a" }, images: [] }), json({ code: "forbidden", message: "the role administrator may not use training" }, 403));
    const h = new HttpTransport({ fetch: s.fetch });
    expect(await h.training({})).toEqual([]);
    expect(s.calls[0]?.url).toBe("/api/training");
    expect(s.calls[0]?.init).toMatchObject({ method: "GET", credentials: "same-origin" });
    await h.training({ unit: " МОБ 1 ", trainee: "OF-1742" });
    expect(s.calls[1]?.url).toBe("/api/training?unit=%D0%9C%D0%9E%D0%91+1&trainee=OF-1742");
    expect((await h.trainingAttempt("0f1e/x")).summary.id).toBe("a");
    expect(s.calls[2]?.url).toBe("/api/training/0f1e%2Fx");
    const refused = await rejection(h.training({}));
    expect([refused.code, refused.message]).toEqual(["forbidden", "the role administrator may not use training"]);
    expect(trainingQueryString({ unit: "  ", trainee: "" })).toBe("");
  });
});
