// The console's hotlist calls over HTTP, against a stubbed fetch: the
// paths of the contract, the CSRF token on the POSTs and on the DELETE,
// the queue's `alerts` filter in its query string, and a read's picture
// as a URL under /api (authenticated by the session cookie, like tiles).

import { describe, expect, it } from "vitest";
import type { ConsoleUser, HotlistEntryInput, RiskProfileInput } from "../transport/console.ts";
import { TransportError } from "../transport/errors.ts";
import { consoleQueryString, CSRF_HEADER, HttpTransport, type FetchLike } from "../transport/http.ts";

const USER: ConsoleUser = { name: "SUP-07", role: "supervisor", csrf: "c5rf-token" };

interface Call {
  url: string;
  init: RequestInit;
}

function stub(...answers: Response[]): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = (url, init) => {
    calls.push({ url, init });
    const a = answers.shift();
    if (a === undefined) throw new Error(`unexpected call ${url}`);
    return Promise.resolve(a);
  };
  return { fetch, calls };
}

const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const header = (c: Call | undefined, name: string): string | undefined => (c?.init.headers as Record<string, string> | undefined)?.[name];

const ENTRY: HotlistEntryInput = { list: "Wanted", units: [], value: "AA1234BC", reason: "Stolen", priority: "high", valid_from_ms: null, valid_until_ms: null };
const PROFILE: RiskProfileInput = {
  list: "Wanted",
  units: ["MOBILE-1"],
  name: "Night",
  country: "PL",
  hour_from: 22,
  hour_to: 5,
  keyword: null,
  direction: null,
  reason: "risk",
  priority: null,
  valid_from_ms: null,
  valid_until_ms: null,
};

describe("HttpTransport: hotlists", () => {
  it("reads the lists, adds entries and profiles, and removes with DELETE, each change with the CSRF token", async () => {
    const change = { list_id: "l1", list: "Wanted", id: "e1" };
    const s = stub(json(USER), json([]), json(change), json(change), json(change));
    const h = new HttpTransport({ fetch: s.fetch });
    await h.login({ name: "SUP-07", password: "pw" });
    expect(await h.hotlists()).toEqual([]);
    expect(await h.hotlistAdd(ENTRY)).toEqual(change);
    await h.profileAdd(PROFILE);
    expect(await h.hotlistRemove("e/1")).toEqual(change);

    const [, list, add, profile, remove] = s.calls;
    expect(`${String(list?.init.method)} ${list?.url}`).toBe("GET /api/hotlists");
    expect(header(list, CSRF_HEADER)).toBeUndefined();
    expect(`${String(add?.init.method)} ${add?.url}`).toBe("POST /api/hotlists/entries");
    expect(JSON.parse(add?.init.body as string)).toEqual(ENTRY);
    expect(header(add, CSRF_HEADER)).toBe("c5rf-token");
    expect(`${String(profile?.init.method)} ${profile?.url}`).toBe("POST /api/hotlists/profiles");
    expect(JSON.parse(profile?.init.body as string)).toEqual(PROFILE);
    expect(header(profile, CSRF_HEADER)).toBe("c5rf-token");
    expect(`${String(remove?.init.method)} ${remove?.url}`).toBe("DELETE /api/hotlists/entries/e%2F1");
    expect(header(remove, CSRF_HEADER)).toBe("c5rf-token");
    expect(remove?.init.body).toBeUndefined();
    expect(remove?.init.credentials).toBe("same-origin");
  });

  it("gives the server's refusal of an entry as a TransportError with its message", async () => {
    const s = stub(json({ code: "invalid_input", message: "reason: is required" }, 400));
    const h = new HttpTransport({ fetch: s.fetch });
    const err = await h.hotlistAdd({ ...ENTRY, reason: "" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("invalid_input");
    expect((err as TransportError).message).toBe("reason: is required");
  });

  it("puts the hits filter in the queue's query string, and a read's picture under /api", () => {
    expect(consoleQueryString({ unit: "MOBILE-1", alerts: "open", limit: 50 })).toBe("unit=MOBILE-1&alerts=open&limit=50");
    const blob = "ab".repeat(32);
    expect(new HttpTransport().readImageUrl(blob)).toBe(`/api/reads/images/${blob}`);
    expect(new HttpTransport({ base: "/kordon/" }).readImageUrl(blob)).toBe(`/kordon/api/reads/images/${blob}`);
  });
});
