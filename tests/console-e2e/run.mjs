// The supervisor console, end to end: Debian's chromium driven by
// playwright-core over the real kordon-server (its HTTP API and the console
// it serves), then the vehicle's store and the signed records checked with
// the kordon CLI. Started by run.sh, which sets up the server, the accounts,
// the vehicle, its inspections and scan, and passes them in KORDON_E2E_*
// variables.
//
// Every wait is a condition polled against a deadline; a timeout names what
// was awaited. Checks are counted; a step whose check fails stops there (with
// a failure-<step>.png), and steps that need it are not run.

import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import jsQR from "jsqr";
import { chromium } from "playwright-core";
import { parseRecord } from "../app-e2e/records.mjs";
import { checkStatisticsPage } from "./statistics.mjs";

const exec = promisify(execFile);

function env(name) {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} is not set (start the test with tests/console-e2e/run.sh)`);
  return v;
}

const HOTLIST = "e2e wanted";
const HOTLIST_REASON = "e2e: stolen tractor, report at once";
const E = {
  chromium: env("KORDON_E2E_CHROMIUM"),
  url: env("KORDON_E2E_URL"),
  cli: resolve(env("KORDON_E2E_CLI")),
  serverCli: resolve(env("KORDON_E2E_SERVER_CLI")),
  serverData: resolve(env("KORDON_E2E_SERVER_DATA")),
  serverKey: env("KORDON_E2E_SERVER_KEY"),
  vehicle: resolve(env("KORDON_E2E_VEHICLE")),
  vehicle2: resolve(env("KORDON_E2E_VEHICLE2")),
  id1: env("KORDON_E2E_ID1"),
  id2: env("KORDON_E2E_ID2"),
  sup: { name: env("KORDON_E2E_SUP_NAME"), password: env("KORDON_E2E_SUP_PASSWORD") },
  aud: { name: env("KORDON_E2E_AUD_NAME"), password: env("KORDON_E2E_AUD_PASSWORD") },
  adm: { name: env("KORDON_E2E_ADM_NAME"), password: env("KORDON_E2E_ADM_PASSWORD") },
  trn: { name: env("KORDON_E2E_TRN_NAME"), password: env("KORDON_E2E_TRN_PASSWORD") },
  trainee: env("KORDON_E2E_TRAINEE"),
  attempts: env("KORDON_E2E_ATTEMPTS").split(":"),
  stats: {
    from: env("KORDON_E2E_STATS_FROM"),
    to: env("KORDON_E2E_STATS_TO"),
    statgen: resolve(env("KORDON_E2E_STATGEN")),
    scans: env("KORDON_E2E_STATS_SCANS").split(":"),
  },
  work: resolve(env("KORDON_E2E_WORK")),
  artifacts: resolve(env("KORDON_E2E_ARTIFACTS")),
};

const OVERRULE_COMMENT = "e2e: dense block behind the front wall; detain and open it";
const RETURN_COMMENT = "e2e: check the seal against the declaration and decide again";
const ANSWER_NOTE = "e2e: seal differs from the declaration; opening the container";

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// ---- reporting -------------------------------------------------------------
const started = Date.now();
const stamp = () => ((Date.now() - started) / 1000).toFixed(1);
function say(msg) {
  console.log(`[console-e2e +${stamp()}s] ${msg}`);
}
let passed = 0;
let failed = 0;
const failures = [];
const stepOk = new Map();

class CheckFailed extends Error {}
function check(cond, msg) {
  if (!cond) throw new CheckFailed(`check failed: ${msg}`);
  passed++;
  say(`  ok   ${msg}`);
}

/** Polls fn (every 100 ms) until it returns a value other than null/undefined/false; throws at the deadline. */
async function waitFor(what, fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last === null ? "" : ` (last error: ${last.message})`}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

let currentPage = null;
async function shot(name, page = currentPage) {
  const file = join(E.artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  say(`  screenshot ${name}.png`);
}

async function step(name, needs, fn) {
  const missing = needs.filter((n) => stepOk.get(n) !== true);
  if (missing.length > 0) {
    failed++;
    failures.push(`${name}: not run (needs ${missing.join(", ")})`);
    stepOk.set(name, false);
    say(`SKIP ${name} (needs ${missing.join(", ")})`);
    return;
  }
  say(`step ${name}`);
  try {
    await fn();
    stepOk.set(name, true);
  } catch (e) {
    failed++;
    failures.push(`${name}: ${e.message}`);
    stepOk.set(name, false);
    say(`FAIL ${name}: ${e.stack ?? e.message}`);
    if (currentPage !== null) {
      try {
        await shot(`failure-${name}`);
      } catch {
        // the page may be gone
      }
    }
  }
}

// ---- the CLI -----------------------------------------------------------------
async function cli(args, opts = {}) {
  return cliAt(E.vehicle, args, opts);
}

/** The kordon CLI on the vehicle whose data folder is `dir`. */
async function cliAt(dir, args, { allowFail = false } = {}) {
  try {
    const { stdout, stderr } = await exec(E.cli, ["--data", dir, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (!allowFail) throw new Error(`kordon ${args.join(" ")} exited ${e.code}: ${e.stderr}`);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// ---- the browser ----------------------------------------------------------------
const tid = (id) => `[data-testid="${id}"]`;

/** What one page saw on the wire: tile responses, failed API calls, page errors. */
function watch(page, label) {
  const seen = { tiles: [], apiErrors: [], pageErrors: [], consoleErrors: [] };
  page.on("response", (r) => {
    const u = new URL(r.url());
    if (/^\/api\/scans\/[^/]+\/tiles\/\d+\/\d+\/\d+$/.test(u.pathname)) {
      seen.tiles.push({ url: u.pathname + u.search, status: r.status(), w: u.searchParams.get("w"), at: Date.now() });
    }
    // 401 from /api/me before sign-in and from the wrong password are expected; the rest are collected.
    if (u.pathname.startsWith("/api/") && r.status() >= 400) {
      seen.apiErrors.push({ method: r.request().method(), url: u.pathname + u.search, status: r.status() });
    }
  });
  page.on("pageerror", (e) => {
    seen.pageErrors.push(e.message);
    say(`  [${label} page error] ${e.message}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") {
      seen.consoleErrors.push(m.text());
      say(`  [${label} console error] ${m.text()}`);
    }
  });
  return seen;
}

async function rowIds(page) {
  return page.locator(tid("console-row")).evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
}
async function rowState(page, id) {
  return page.locator(`${tid("console-row")}[data-id="${id}"] .c-state`).getAttribute("data-state");
}
function search(page) {
  return new URL(page.url()).searchParams;
}

async function signIn(page, user) {
  await page.fill("#login-name", user.name);
  await page.fill("#login-password", user.password);
  await page.click(`${tid("login")} button[type="submit"]`);
  await page.locator(tid("user")).waitFor({ timeout: 15_000 });
}

/** Chooses a radio or checkbox the way a user does: by clicking its label (the inputs are visually hidden). */
async function pick(page, input) {
  await page.locator("label").filter({ has: page.locator(input) }).click();
  await waitFor(`${input} to be checked`, async () => page.locator(input).isChecked(), 5_000);
}

async function viewer(page) {
  const el = page.locator(tid("scan-viewer"));
  const [state, tiles, view] = await Promise.all([
    el.getAttribute("data-state"),
    el.getAttribute("data-tiles-loaded"),
    el.getAttribute("data-view"),
  ]);
  return { state, tiles: Number(tiles ?? 0), view: view === null ? null : JSON.parse(view) };
}

// ---- the test ------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: E.chromium,
  headless: true,
  args: CHROMIUM_ARGS,
  // Stopped by run.sh (TERM) or Ctrl-C: the browser is closed here, then the process ends.
  handleSIGINT: false,
  handleSIGTERM: false,
  handleSIGHUP: false,
});
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]]) {
  process.once(signal, () => {
    say(`${signal}: closing the browser`);
    setTimeout(() => process.exit(code), 3_000).unref();
    browser.close().finally(() => process.exit(code));
  });
}
say(`chromium ${browser.version()} (${E.chromium}); console at ${E.url}`);
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-GB", timezoneId: "UTC" });
const page = await context.newPage();
page.setDefaultTimeout(15_000);
currentPage = page;
const sup = watch(page, "supervisor");

try {
  await step("sign-in", [], async () => {
    await page.goto(E.url);
    await page.locator(tid("login")).waitFor();
    // The console starts in Ukrainian; English for the rest (and the screenshots).
    check((await page.locator("html").getAttribute("lang")) === "uk", "the console starts in Ukrainian (html lang=uk)");
    await page.click(tid("lang-en"));
    await waitFor("html lang=en", async () => (await page.locator("html").getAttribute("lang")) === "en", 5_000);
    check(true, "switched to English");
    await page.fill("#login-name", E.sup.name);
    await page.fill("#login-password", "not-the-password");
    const answer = page.waitForResponse((r) => r.url().endsWith("/api/login"));
    await page.click(`${tid("login")} button[type="submit"]`);
    const r = await answer;
    check(r.status() === 401, `a wrong password is refused by the server (POST /api/login -> ${r.status()})`);
    const err = page.locator(`${tid("login")} [role="alert"]`);
    await err.waitFor();
    check((await err.getAttribute("data-code")) === "wrong_password", "the sign-in shows the wrong_password error");
    check((await err.innerText()).includes("not recognised"), `the error is in words: "${(await err.innerText()).split("\n")[0]}"`);
    check((await page.inputValue("#login-password")) === "", "the password field is emptied");
    await shot("signin-wrong-password");
    await signIn(page, E.sup);
    const user = await page.locator(tid("user")).innerText();
    check(user.includes(E.sup.name) && user.includes("Supervisor"), `the top bar names the user and role ("${user}")`);
    await page.locator(tid("review-queue")).waitFor();
    check(true, "the review queue opens after sign-in");
  });

  await step("queue", ["sign-in"], async () => {
    const ids = await waitFor("both inspections in the queue", async () => {
      const xs = await rowIds(page);
      return xs.length === 2 ? xs : null;
    });
    check(ids.includes(E.id1) && ids.includes(E.id2), "the queue lists both inspections");
    check((await rowState(page, E.id1)) === "unreviewed" && (await rowState(page, E.id2)) === "unreviewed", "both are not reviewed yet");
    const row1 = await page.locator(`${tid("console-row")}[data-id="${E.id1}"]`).innerText();
    check(row1.includes("AA1234BC") && row1.includes("CSQU3054383") && row1.includes("MOBILE-E2E") && row1.includes("OF-1742"),
      "row 1 has the canonical plate, container, unit and officer");
    const detainCount = await page.locator(`${tid("facet-outcome")} [data-value="detain"] .c-count`).innerText();
    check(detainCount.trim() === "1", `the outcome facet counts 1 detained (${detainCount.trim()})`);
    await shot("queue");

    // By outcome (a facet).
    await page.click(`${tid("facet-outcome")} [data-value="detain"]`);
    await waitFor("the outcome filter to apply", async () => search(page).get("outcome") === "detain" && (await rowIds(page)).join() === E.id2);
    check(true, `outcome filter: the URL holds outcome=detain (${new URL(page.url()).search}) and one row, inspection 2`);
    check((await page.locator(`${tid("facet-outcome")} [data-value="detain"]`).getAttribute("aria-pressed")) === "true", "the facet shows it is chosen");
    await shot("queue-filter-outcome");
    await page.click(`${tid("facet-outcome")} [data-value="all"]`);
    await waitFor("the outcome filter to clear", async () => !search(page).has("outcome") && (await rowIds(page)).length === 2);
    check(true, "outcome filter cleared: both rows again");

    // By plate, in another spelling (Latin, lower case, spaced): matched by key.
    await page.fill("#queue-search", "aa 1234 bc");
    await page.press("#queue-search", "Enter");
    await waitFor("the plate filter to apply", async () => search(page).has("plate") && (await rowIds(page)).join() === E.id1);
    check(true, `plate search: the URL holds plate= (${decodeURIComponent(new URL(page.url()).search)}) and one row, inspection 1`);
    await shot("queue-filter-plate");
    // A copied link shows the same view.
    await page.reload();
    await waitFor("the filtered queue after a reload", async () => (await rowIds(page)).join() === E.id1);
    check((await page.inputValue("#queue-search")) === "aa 1234 bc", "after a reload the filter is still applied and shown");
    await page.click(".c-clear");
    await waitFor("the filters to clear", async () => new URL(page.url()).search === "" && (await rowIds(page)).length === 2);
    check(true, "Clear filters: no query string, both rows");
  });

  let tilesBefore = 0;
  let reviewRecordId = null;
  await step("scan", ["queue"], async () => {
    await page.click(`${tid("console-row")}[data-id="${E.id1}"]`);
    await page.locator(`${tid("inspection")}[data-inspection="${E.id1}"]`).waitFor();
    check(new URL(page.url()).pathname === `/inspections/${E.id1}`, "the inspection opens at /inspections/ID");
    check((await page.locator(tid("review-state")).getAttribute("data-state")) === "unreviewed", "it is not reviewed");
    check((await page.locator(tid("current-outcome")).getAttribute("class")).includes("outcome-release"), "the current outcome is the crew's: release");
    // The scan may still be building its tiles on the server: the page asks again until it is ready.
    await waitFor("the scan viewer to be ready", async () => (await viewer(page)).state === "ready", 90_000);
    await waitFor("tile responses (200) and tiles drawn", async () => {
      const ok = sup.tiles.filter((t) => t.status === 200);
      return ok.length > 0 && (await viewer(page)).tiles > 0;
    }, 60_000);
    const first = sup.tiles.filter((t) => t.status === 200);
    check(first.length > 0, `${first.length} tiles answered 200 (e.g. ${first[0].url})`);
    check(first.every((t) => t.w === null), "the first tiles have the automatic window (no w=)");
    const v0 = await viewer(page);
    check(v0.view.window === null, "the viewer starts with the automatic window");
    await waitFor("the first view to settle", async () => {
      const a = (await viewer(page)).tiles;
      await new Promise((r) => setTimeout(r, 300));
      return a === (await viewer(page)).tiles;
    });
    tilesBefore = (await viewer(page)).tiles;
    await shot("viewer");
    const sentBefore = sup.tiles.length;

    // Window/level with the sliders in the side panel: narrower from both ends.
    const high = page.locator(tid("window-high"));
    const low = page.locator(tid("window-low"));
    const [high0, low0] = [Number(await high.inputValue()), Number(await low.inputValue())];
    await high.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press("PageDown");
    await low.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press("PageUp");
    const win = await waitFor("a narrower window in data-view", async () => {
      const w = (await viewer(page)).view.window;
      return w !== null && w.high < high0 && w.low > low0 ? w : null;
    }, 10_000);
    check(true, `window ${low0}..${high0} -> ${win.low}..${win.high}`);
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    const want = `${win.low},${win.high}`;
    const fresh = await waitFor(`tiles with w=${want} answered 200`, async () => {
      const xs = sup.tiles.slice(sentBefore).filter((t) => t.w === want && t.status === 200);
      return xs.length > 0 ? xs : null;
    });
    check(fresh.length > 0, `${fresh.length} new tiles with the new view (e.g. ${fresh[0].url})`);
    await waitFor("the new tiles drawn", async () => (await viewer(page)).tiles > tilesBefore);
    const bad = sup.tiles.filter((t) => t.status !== 200);
    check(bad.length === 0, `every tile request answered 200 (${sup.tiles.length} so far${bad.length ? `; not: ${JSON.stringify(bad.slice(0, 3))}` : ""})`);
    await shot("viewer-window");
  });

  await step("overrule", ["scan"], async () => {
    const panel = page.locator(tid("verdict-panel"));
    await panel.waitFor();
    await pick(page, tid("verdict-overrule"));
    // Nothing filled in: the form says what is missing, and nothing is sent.
    let posted = 0;
    const count = (r) => {
      if (r.url().includes(`/api/inspections/${E.id1}/reviews`)) posted++;
    };
    page.on("request", count);
    await page.click(tid("verdict-submit"));
    const alerts = await waitFor("the form's problems", async () => {
      const xs = await panel.locator('[role="alert"]').allInnerTexts();
      return xs.length >= 2 ? xs : null;
    }, 5_000);
    check(posted === 0 && alerts.some((a) => a.includes("outcome")) && alerts.some((a) => a.includes("comment")),
      `an empty overrule is not sent: "${alerts.join(" / ")}"`);
    page.off("request", count);
    await pick(page, 'input[name="overrule-outcome"][value="detain"]');
    await page.click('label.c-chip[title="DOUBLE_WALL"]');
    await waitFor("the DOUBLE_WALL reason to be checked", async () => page.locator('label.c-chip[title="DOUBLE_WALL"] input').isChecked(), 5_000);
    await page.fill("#verdict-comment", OVERRULE_COMMENT);
    const answer = page.waitForResponse((r) => r.url().endsWith(`/api/inspections/${E.id1}/reviews`) && r.request().method() === "POST");
    await page.click(tid("verdict-submit"));
    const r = await answer;
    const sent = r.request().postDataJSON();
    check(r.status() === 200, `POST /api/inspections/ID/reviews -> ${r.status()}`);
    check(sent.verdict === "overrule" && sent.outcome === "detain" && sent.reasons.join() === "DOUBLE_WALL" && sent.comment === OVERRULE_COMMENT,
      `the review sent: ${JSON.stringify(sent)}`);
    check(r.request().headers()["x-kordon-csrf"]?.length > 0, "the POST carries the X-Kordon-CSRF header");
    await waitFor("the page to show overruled", async () => (await page.locator(tid("review-state")).getAttribute("data-state")) === "overruled", 10_000);
    check((await page.locator(tid("review-state")).innerText()) === "Overruled", "the review state reads Overruled");
    check((await page.locator(tid("current-outcome")).getAttribute("class")).includes("outcome-detain"), "the current outcome is now the overrule's: detain");
    const timeline = await page.locator(tid("timeline")).innerText();
    check(timeline.includes(OVERRULE_COMMENT) && timeline.includes(E.sup.name), "the timeline has the review, its comment and the supervisor");
    const form = await page.locator("#verdict-comment").inputValue();
    check(form === "", "the verdict form is empty again");
    // The signed records: the review is one, signed by the server (not a unit), for the supervisor.
    const byServer = page.locator(`${tid("delivery")} li`).filter({ has: page.locator(`span[title="${E.serverKey}"]`) });
    await waitFor("the review among the signed records", async () => (await byServer.count()) === 1, 10_000);
    const line = await byServer.innerText();
    check(line.includes("Review") && line.includes(E.sup.name) && /\bserver\b/i.test(line), `signed records: "${line.replaceAll("\n", " ")}"`);
    reviewRecordId = await byServer.getAttribute("data-record");
    await page.locator(tid("delivery")).scrollIntoViewIfNeeded();
    await shot("signed-records");
    await page.locator(tid("timeline")).scrollIntoViewIfNeeded();
    await shot("overruled");
  });

  await step("return", ["sign-in"], async () => {
    await page.click(tid("back"));
    await page.locator(tid("review-queue")).waitFor();
    if (stepOk.get("overrule")) {
      await waitFor("inspection 1 overruled in the queue", async () => (await rowState(page, E.id1)) === "overruled");
      check(true, "the queue shows inspection 1 overruled");
    }
    await page.click(`${tid("console-row")}[data-id="${E.id2}"] a`);
    await page.locator(`${tid("inspection")}[data-inspection="${E.id2}"]`).waitFor();
    check((await page.locator(tid("scan-viewer")).count()) === 0, "inspection 2 has no scan (no viewer)");
    await pick(page, tid("verdict-return"));
    await page.fill("#verdict-comment", RETURN_COMMENT);
    const answer = page.waitForResponse((r) => r.url().endsWith(`/api/inspections/${E.id2}/reviews`) && r.request().method() === "POST");
    await page.click(tid("verdict-submit"));
    const r = await answer;
    check(r.status() === 200, `POST /api/inspections/ID2/reviews (return) -> ${r.status()}`);
    check(r.request().postDataJSON().outcome === null, "a return carries no outcome");
    await waitFor("the page to show returned", async () => (await page.locator(tid("review-state")).getAttribute("data-state")) === "returned", 10_000);
    check((await page.locator(tid("review-state")).innerText()) === "Returned to crew", "the review state reads Returned to crew");
    await shot("returned");
  });

  await step("vehicle", ["overrule", "return"], async () => {
    const s = await cli(["sync"], { allowFail: true });
    check(s.code === 0, `kordon sync exits 0 (${s.code})`);
    const show1 = JSON.parse((await cli(["inspection", "show", E.id1])).stdout);
    check(show1.reviews.length === 1, `inspection 1 holds one review (${show1.reviews.length})`);
    const rv = show1.reviews[0];
    check(rv.verdict === "overrule" && rv.supervisor === E.sup.name, `review: verdict ${rv.verdict}, supervisor ${rv.supervisor}`);
    check(rv.outcome === "detain" && rv.reasons.join() === "DOUBLE_WALL" && rv.comment === OVERRULE_COMMENT,
      `review: outcome ${rv.outcome}, reasons ${rv.reasons.join(",")}, the comment`);
    check(rv.decisions_seen === 1, `review: decisions_seen ${rv.decisions_seen}`);
    const show2 = JSON.parse((await cli(["inspection", "show", E.id2])).stdout);
    const rv2 = show2.reviews.at(-1);
    check(show2.reviews.length === 1 && rv2.verdict === "return" && rv2.supervisor === E.sup.name && rv2.comment === RETURN_COMMENT,
      `inspection 2 holds the return from ${rv2?.supervisor}`);

    // The export: the review's record is signed by the server's key.
    const file = join(E.work, `export-${E.id1}.json`);
    await cli(["export", E.id1, "--out", file]);
    const exp = JSON.parse(await readFile(file, "utf8"));
    check(exp.server_key === E.serverKey, "the export's server_key is the key kordon-server init printed");
    const devices = JSON.parse((await exec(E.serverCli, ["devices", "--data", E.serverData, "--json"])).stdout);
    const deviceKeys = JSON.stringify(devices);
    const bySigner = exp.records.filter((x) => x.signer === E.serverKey);
    check(bySigner.length === 1, `one record of inspection 1 is signed by the server (${bySigner.length})`);
    const rec = parseRecord(Buffer.from(bySigner[0].record, "base64"));
    check(bySigner[0].id === reviewRecordId, "it is the record the console listed as the review");
    check(rec.valid, "its Ed25519 signature verifies under the server's key (checked here with node:crypto)");
    check(rec.id === bySigner[0].id && rec.docId === E.id1.replaceAll("-", ""), "its id is its digest and it belongs to inspection 1");
    check(rec.officer === E.sup.name, `it is attributed to ${rec.officer}`);
    check(/^review\b/.test(rec.message), `its Automerge change says "${rec.message}"`);
    check(!deviceKeys.includes(E.serverKey), "the server's key is not a vehicle's (kordon-server devices --json)");
    const vehicleSigned = exp.records.filter((x) => x.signer !== E.serverKey);
    check(vehicleSigned.length > 0 && vehicleSigned.every((x) => deviceKeys.includes(x.signer) && x.log !== null),
      `the crew's ${vehicleSigned.length} records are signed by the enrolled device, each proven in the server's log`);
    const v = await cli(["verify", file, "--server-key", E.serverKey, "--evidence"], { allowFail: true });
    check(v.code === 0, `kordon verify --evidence passes against the key kordon-server init printed (${v.code}): ${v.stdout.trim().split("\n").at(-1)}`);
  });

  await step("answered", ["vehicle"], async () => {
    // The page is still on inspection 2; it follows the server's version (polled every 5 s).
    await cli(["decide", E.id2, "--outcome", "physical_inspection", "--reason", "SEAL_MISMATCH", "--note", ANSWER_NOTE]);
    const s = await cli(["sync"], { allowFail: true });
    check(s.code === 0, `the crew answers: kordon decide, kordon sync exits 0 (${s.code})`);
    await waitFor("the console to show inspection 2 answered (polling)", async () =>
      (await page.locator(tid("review-state")).getAttribute("data-state")) === "answered", 30_000);
    check((await page.locator(tid("review-state")).innerText()) === "Crew answered", "the open inspection reads Crew answered, without a reload");
    check((await page.locator(tid("current-outcome")).getAttribute("class")).includes("outcome-physical_inspection"), "its current outcome is the crew's answer");
    check((await page.locator(tid("timeline")).innerText()).includes(ANSWER_NOTE), "the timeline has the crew's answer");
    await page.locator(tid("timeline")).scrollIntoViewIfNeeded();
    await shot("answered");
    await page.click(tid("back"));
    await waitFor("inspection 2 answered in the queue", async () => (await rowState(page, E.id2)) === "answered");
    check(true, "the queue shows inspection 2 answered");
    await page.click(`${tid("facet-review")} [data-value="answered"]`);
    await waitFor("the review filter", async () => search(page).get("review") === "answered" && (await rowIds(page)).join() === E.id2);
    check(true, "review filter answered: the URL holds review=answered, one row");
    await shot("queue-answered");
  });

  await step("auditor", [], async () => {
    const actx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-GB", timezoneId: "UTC" });
    const apage = await actx.newPage();
    apage.setDefaultTimeout(15_000);
    currentPage = apage;
    const aud = watch(apage, "auditor");
    await apage.goto(E.url);
    await apage.locator(tid("login")).waitFor();
    check(true, "a new browser context starts at the sign-in (no session shared)");
    await apage.click(tid("lang-en"));
    await signIn(apage, E.aud);
    check((await apage.locator(tid("user")).innerText()).includes("Auditor"), "the top bar says Auditor");
    await waitFor("both inspections for the auditor", async () => (await rowIds(apage)).length === 2);
    check(true, "the auditor sees both inspections");
    await apage.click(`${tid("console-row")}[data-id="${E.id1}"]`);
    await apage.locator(`${tid("inspection")}[data-inspection="${E.id1}"]`).waitFor();
    await apage.locator(tid("read-only")).waitFor();
    check((await apage.locator(tid("verdict-panel")).count()) === 0, "no verdict panel for the auditor");
    if (stepOk.get("overrule")) {
      check((await apage.locator(tid("review-state")).getAttribute("data-state")) === "overruled", "the auditor sees the overrule");
    }
    await waitFor("the auditor's scan viewer ready with tiles", async () => {
      const v = await viewer(apage);
      return v.state === "ready" && v.tiles > 0;
    }, 60_000);
    check((await apage.locator(tid("tool-rect")).count()) === 0 && (await apage.locator(tid("tool-free")).count()) === 0, "no mark tools for the auditor");
    // And the server refuses an auditor's review, whatever the page shows.
    const refused = await apage.evaluate(async (id) => {
      const me = await (await fetch("/api/me")).json();
      const r = await fetch(`/api/inspections/${id}/reviews`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Kordon-CSRF": me.csrf },
        body: JSON.stringify({ verdict: "agree", outcome: null, reasons: [], comment: "" }),
      });
      return { status: r.status, body: await r.json().catch(() => null) };
    }, E.id1);
    check(refused.status === 403 && refused.body?.code === "forbidden", `POST a review as the auditor -> ${refused.status} ${JSON.stringify(refused.body)}`);
    await shot("auditor");
    check(aud.pageErrors.length === 0, "no uncaught errors in the auditor's page");
    await actx.close();
    currentPage = page;
  });

  await step("hotlists", ["sign-in"], async () => {
    // A supervisor puts a plate on a list in the console; the list reaches
    // the vehicle at its next sync; the crew types that plate, misread by
    // one character; the hit comes back and the console shows it.
    await page.click(tid("nav-hotlists"));
    await page.locator(tid("hotlists")).waitFor();
    const form = page.locator(tid("entry-form"));
    await form.getByLabel("List", { exact: true }).fill(HOTLIST);
    await form.getByLabel("Plate or container code").fill("ВС 4455 ТА");
    await form.getByLabel("Reason (the crew sees it)").fill(HOTLIST_REASON);
    const added = page.waitForResponse((r) => r.url().endsWith("/api/hotlists/entries") && r.request().method() === "POST");
    await page.click(tid("entry-submit"));
    const answer = await added;
    check(answer.status() === 200, `POST /api/hotlists/entries -> ${answer.status()}`);
    const row = page.locator(`${tid("hotlist")}[data-list="${HOTLIST}"] ${tid("hotlist-entry")}`);
    await waitFor("the new entry listed", async () => (await row.count()) === 1);
    check((await row.innerText()).includes("BC4455TA"), `the entry is shown with its canonical form ("${(await row.innerText()).replace(/\s+/g, " ")}")`);
    await shot("hotlists");
    const onServer = JSON.parse((await exec(E.serverCli, ["hotlist", "list", "--data", E.serverData, "--json"])).stdout);
    const list = onServer.find((l) => l.name === HOTLIST);
    check(list?.entries[0]?.added_by === E.sup.name, `kordon-server hotlist list has the entry, added by ${list?.entries[0]?.added_by}`);

    const s = await cli(["sync"], { allowFail: true });
    check(s.code === 0, `the vehicle syncs the list down (kordon sync exits ${s.code})`);
    const held = JSON.parse((await cli(["hotlists", "--json"])).stdout);
    check(held.some((l) => l.name === HOTLIST && l.entries.length === 1), "kordon hotlists --json holds the list");
    const created = (await cli(["inspection", "new", "--plate", "BC 4455 TK"])).stdout.trim();
    const alerts = JSON.parse((await cli(["alert", "list", "--json"])).stdout);
    const hit = alerts.find((a) => a.inspection === created);
    check(hit?.alert.tier === "one_edit" && hit.alert.list === HOTLIST, `the typed plate one character off raises a one-edit alert (${JSON.stringify(hit?.alert)})`);
    const s2 = await cli(["sync"], { allowFail: true });
    check(s2.code === 0, `the alert syncs up (kordon sync exits ${s2.code})`);

    await page.click(`${tid("open-hits")}`);
    await waitFor("the queue filtered to open hits shows the inspection", async () =>
      search(page).get("alerts") === "open" && (await rowIds(page)).join() === created, 30_000);
    check(true, "the open-hits badge leads to the queue filtered to unanswered hits");
    await page.click(`${tid("console-row")}[data-id="${created}"]`);
    await page.locator(`${tid("inspection")}[data-inspection="${created}"]`).waitFor();
    const card = page.locator(tid("alerts-list"));
    await card.waitFor();
    check((await card.innerText()).includes(HOTLIST_REASON), "the inspection page shows the alert with its reason");
    await shot("hotlist-hit");
  });

  await step("fleet", [], async () => {
    // An administrator makes a token for a new unit; its QR code decodes to
    // the same token; a new vehicle enrolls with it and shows in the fleet
    // with the backlog it reported; the administrator revokes it; its next
    // sync is refused with the reason, and the fleet shows the attempt.
    const second = await cliAt(E.vehicle2, ["sync"], { allowFail: true });
    check(second.code === 0, `the second vehicle syncs (exit ${second.code}) ${second.code ? second.stderr : ""}`);
    const fctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-GB", timezoneId: "UTC" });
    const fpage = await fctx.newPage();
    fpage.setDefaultTimeout(15_000);
    currentPage = fpage;
    const adm = watch(fpage, "administrator");
    await fpage.goto(E.url);
    await fpage.locator(tid("login")).waitFor();
    await fpage.click(tid("lang-en"));
    await signIn(fpage, E.adm);
    await fpage.locator(tid("fleet-page")).waitFor();
    check(true, "the administrator lands on the fleet page");
    const key1 = JSON.parse((await cli(["status", "--json"])).stdout).device;
    const key2 = JSON.parse((await cliAt(E.vehicle2, ["status", "--json"])).stdout).device;
    const row = (key) => fpage.locator(`${tid("fleet-row")}[data-key="${key}"]`);
    await row(key1).waitFor();
    await row(key2).waitFor();
    check((await row(key1).getAttribute("data-unit")) === "MOBILE-E2E" && (await row(key2).getAttribute("data-unit")) === "MOBILE-E2E-2",
      "both vehicles are in the fleet under their units");
    check((await row(key1).getAttribute("data-state")) === "active" && (await row(key1).getAttribute("data-last-sync")) === "complete",
      "the first vehicle is active and its last sync complete");
    await shot("fleet");

    // A token for a new unit, valid 24 hours.
    await fpage.fill(tid("enroll-unit"), "MOBILE-NEW");
    await fpage.selectOption(tid("enroll-ttl"), "24");
    await fpage.click(tid("enroll-create"));
    await fpage.locator(tid("enroll-token")).waitFor();
    const token = (await fpage.inputValue(tid("enroll-token"))).trim();
    check(token.startsWith("KORDON1-"), `the console shows the token (${token.slice(0, 16)}…)`);
    await fpage.locator(tid("enroll-qr")).waitFor();
    // The QR code as the browser draws it, decoded here with a QR library.
    const pixels = await fpage.evaluate(async (sel) => {
      const img = document.querySelector(sel);
      await img.decode();
      const side = 400;
      const canvas = document.createElement("canvas");
      canvas.width = side;
      canvas.height = side;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, side, side);
      ctx.drawImage(img, 0, 0, side, side);
      return { side, data: Array.from(ctx.getImageData(0, 0, side, side).data) };
    }, tid("enroll-qr"));
    const decoded = jsQR(Uint8ClampedArray.from(pixels.data), pixels.side, pixels.side);
    check(decoded !== null && decoded.data === token, `the QR code decodes to the same token (${decoded === null ? "no QR code found" : decoded.data.slice(0, 16) + "…"})`);
    const pending = fpage.locator(`${tid("enroll-pending-row")}[data-unit="MOBILE-NEW"]`);
    await pending.waitFor();
    check(true, "the token is listed as pending");
    await shot("fleet-token");

    // A new vehicle enrolls with the decoded token and has work to send.
    const veh3 = join(E.work, "vehicle3");
    await cliAt(veh3, ["enroll", decoded?.data ?? token]);
    await cliAt(veh3, ["signin", "OF-3305"]);
    const id = (await cliAt(veh3, ["inspection", "new", "--plate", "AI 5150 KT"])).stdout.trim();
    await cliAt(veh3, ["decide", id, "--outcome", "release", "--reason", "DENSITY_ANOMALY", "--note", "e2e: new vehicle"]);
    const drop = join(E.work, "drop3");
    await exec(E.cli, ["scan", "synth", "--out", drop, "--name", "NEW", "--width", "600", "--height", "300", "--seed", "3"]);
    await cliAt(veh3, ["scan", "add", id, join(drop, "NEW_high.tif"), "--low", join(drop, "NEW_low.tif")]);
    const before = JSON.parse((await cliAt(veh3, ["status", "--json"])).stdout);
    const key3 = before.device;
    check(before.pending > 0 && before.blobs.bytes_pending > 0, `the new vehicle has ${before.pending} records and ${before.blobs.bytes_pending} scan bytes to send`);
    // Its records first (the link is poor: scans wait for later).
    const first = await cliAt(veh3, ["sync", "--no-blobs"], { allowFail: true });
    check(first.code === 0, `the new vehicle's first sync enrolls it and delivers its records (exit ${first.code}) ${first.code ? first.stderr : ""}`);
    const mid = JSON.parse((await cliAt(veh3, ["status", "--json"])).stdout);
    check(mid.pending === 0 && mid.blobs.bytes_pending === before.blobs.bytes_pending, `its scan waits on the vehicle (${mid.blobs.bytes_pending} bytes)`);
    await row(key3).waitFor({ timeout: 30_000 });
    check((await row(key3).getAttribute("data-unit")) === "MOBILE-NEW", "the new vehicle appears in the fleet under its unit");
    const backlog = async () => [await row(key3).getAttribute("data-backlog-records"), await row(key3).getAttribute("data-backlog-bytes")].join(" ");
    check((await backlog()) === `0 ${mid.blobs.bytes_pending}`,
      `the fleet shows the backlog it reported, less what this sync delivered: ${await backlog()} (records, scan bytes)`);
    await shot("fleet-backlog");
    const rest = await cliAt(veh3, ["sync"], { allowFail: true });
    check(rest.code === 0, `the next sync delivers the scan (exit ${rest.code})`);
    await waitFor("the fleet to show an empty backlog", async () => (await backlog()) === "0 0", 30_000);
    check(true, "and then an empty backlog");
    await waitFor("the token to leave the pending list", async () => (await pending.count()) === 0, 30_000);
    check(true, "the used token is no longer pending");

    // Revoked, with a reason.
    const reason = "e2e: tablet reported stolen at the checkpoint";
    await row(key3).locator(tid("fleet-revoke")).click();
    const dialog = fpage.locator(tid("revoke-dialog"));
    await dialog.waitFor();
    check(await fpage.locator(tid("revoke-confirm")).isDisabled(), "no revocation without a reason");
    await pick(fpage, tid("revoke-scope-device"));
    await fpage.fill(tid("revoke-reason"), reason);
    await shot("fleet-revoke");
    await fpage.click(tid("revoke-confirm"));
    await waitFor("the row to say revoked", async () => (await row(key3).getAttribute("data-state")) === "revoked", 15_000);
    check((await row(key3).innerText()).includes(reason), "the fleet shows the reason");
    check((await row(key2).getAttribute("data-state")) === "active", "other vehicles are untouched");

    // Its next sync is refused with the reason.
    const refused = await cliAt(veh3, ["sync"], { allowFail: true });
    check(refused.code !== 0 && refused.stderr.includes(reason), `the revoked vehicle's sync is refused with the reason (exit ${refused.code}: ${refused.stderr.trim().split("\n").pop()})`);
    const after = JSON.parse((await cliAt(veh3, ["status", "--json"])).stdout);
    check(after.revoked === reason, `the vehicle remembers it is revoked and why (${JSON.stringify(after.revoked)})`);
    await waitFor("the fleet to show the refused attempt", async () => Number(await row(key3).getAttribute("data-refused")) >= 1, 30_000);
    check((await row(key3).getAttribute("data-last-sync")) === "refused", "its last sync shows as refused");
    await shot("fleet-refused");

    // Every step is in the audit trail, which no route can change.
    const trail = await fpage.evaluate(async () => (await fetch("/api/audit?limit=50")).json());
    const actions = trail.map((e) => e.action);
    check(actions.includes("enrollment_create") && actions.includes("revoke"), `the audit trail has the token and the revocation (${actions.slice(0, 6).join(", ")})`);
    check(trail.some((e) => e.action === "revoke" && e.detail === reason && e.actor === E.adm.name), "the revocation is audited with its reason and who");
    // A supervisor may not revoke.
    const sctx = await browser.newContext();
    const spage = await sctx.newPage();
    await spage.goto(E.url);
    await spage.locator(tid("login")).waitFor();
    await signIn(spage, E.sup);
    const forbidden = await spage.evaluate(async (unit) => {
      const me = await (await fetch("/api/me")).json();
      const r = await fetch("/api/revocations", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Kordon-CSRF": me.csrf },
        body: JSON.stringify({ unit, reason: "not mine to revoke" }),
      });
      return r.status;
    }, "MOBILE-E2E");
    check(forbidden === 403, `a supervisor's revocation is refused (${forbidden})`);
    await sctx.close();
    // In Ukrainian too.
    await fpage.click(tid("lang-uk"));
    await waitFor("html lang=uk", async () => (await fpage.locator("html").getAttribute("lang")) === "uk", 5_000);
    await shot("fleet-uk");
    check(adm.pageErrors.length === 0, `no uncaught errors in the administrator's page${adm.pageErrors.length ? `: ${adm.pageErrors.join(" | ")}` : ""}`);
    await fctx.close();
    currentPage = page;
  });

  await step("audit", ["fleet"], async () => {
    // The auditor reads the trail: the vehicles' records, the revoked
    // vehicle's refused attempt with its reason, the console's actions;
    // filters in the URL; paging; the CSV export, itself audited.
    const actx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-GB", timezoneId: "UTC" });
    const apage = await actx.newPage();
    apage.setDefaultTimeout(15_000);
    currentPage = apage;
    const aud = watch(apage, "auditor (trail)");
    await apage.goto(E.url);
    await apage.locator(tid("login")).waitFor();
    await apage.click(tid("lang-en"));
    await signIn(apage, E.aud);
    // The evidence bundle of the inspection with the scan, from its page.
    await apage.goto(new URL(`inspections/${E.id1}`, E.url).href);
    const link = apage.locator(tid("bundle-download"));
    await link.waitFor();
    const bundleHref = await link.getAttribute("href");
    const reply = await apage.request.get(new URL(bundleHref, E.url).href);
    const body = await reply.body();
    check(reply.status() === 200 && reply.headers()["content-type"] === "application/zip" && body[0] === 0x50 && body[1] === 0x4b,
      `the inspection page offers its evidence bundle (${reply.status()}, ${reply.headers()["content-type"]}, ${body.length} bytes)`);
    const bundlePath = join(E.work, "evidence.zip");
    await writeFile(bundlePath, body);
    const verified = await cli(["verify", bundlePath, "--evidence"], { allowFail: true });
    check(verified.code === 0 && verified.stdout.includes("scan files matching their signed BLAKE3 hashes: 2"),
      `kordon verify accepts the downloaded bundle and its two scan files (exit ${verified.code})`);
    await shot("evidence-bundle");
    await apage.click(tid("nav-audit"));
    await apage.locator(tid("audit-page")).waitFor();
    const rows = apage.locator(tid("audit-row"));
    await waitFor("the trail's first rows", async () => (await rows.count()) > 0);
    const kinds = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
    check(kinds.includes("record") && kinds.includes("console"), `the trail shows records and console actions (${[...new Set(kinds)].join(", ")})`);
    await shot("audit");

    await apage.selectOption(tid("audit-kind"), "refusal");
    await waitFor("the refusals filter in the URL", async () => search(apage).get("kind") === "refusal");
    await waitFor("only refusals", async () => {
      const ks = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
      return ks.length > 0 && ks.every((k) => k === "refusal");
    });
    const refusalText = await apage.locator(tid("audit-table")).innerText();
    check(refusalText.includes("tablet reported stolen"), "the revoked vehicle's refused attempt is there with the reason");
    await shot("audit-refusals");

    // Paging: five events a page (a link may ask for any size), older
    // then newer, nothing skipped or repeated.
    await apage.goto(new URL("audit?limit=5", E.url).href);
    await waitFor("a page of five", async () => (await rows.count()) === 5);
    const first = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-cursor")));
    await apage.click(tid("audit-older"));
    await waitFor("the older page", async () => search(apage).has("after"));
    await waitFor("its rows", async () => {
      const now = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-cursor")));
      return now.length > 0 && now.join() !== first.join();
    });
    const second = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-cursor")));
    check(second.every((c) => !first.includes(c)), "the older page holds other events");
    const newestSecond = await apage.evaluate(async (after) => (await fetch(`/api/trail?limit=5&after=${after}`)).json(), first[first.length - 1]);
    check(newestSecond.events.map((e) => e.cursor).join() === second.join(), "exactly the five after the first page, as the API pages");
    await shot("audit-page2");
    await apage.click(tid("audit-newer"));
    await waitFor("back to the first page", async () => !search(apage).has("after"));
    await waitFor("the first page's rows", async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-cursor")))).join() === first.join());
    check(true, "and Newer brings the first page back");

    // The CSV of records only: every record event, and the export is audited.
    await apage.selectOption(tid("audit-kind"), "record");
    await waitFor("records only", async () => search(apage).get("kind") === "record");
    // The address changes first; the link follows at the page's next render.
    await waitFor("the CSV link follows the filters", async () =>
      ((await apage.locator(tid("audit-csv")).getAttribute("href")) ?? "").includes("kind=record"),
    );
    const href = await apage.locator(tid("audit-csv")).getAttribute("href");
    check(href !== null && href.includes("kind=record") && !href.includes("after="), `the CSV link carries the filters (${href})`);
    const csv = await apage.evaluate(async (url) => (await fetch(url)).text(), href);
    const lines = csv.trim().split("\n");
    check(lines[0].startsWith("time_utc,kind,actor"), "the CSV has its header");
    const api = await apage.evaluate(async () => (await fetch("/api/trail?kind=record&limit=1000")).json());
    check(lines.length - 1 === api.events.length, `the CSV holds every record event (${lines.length - 1} of ${api.events.length})`);
    const exported = await apage.evaluate(async () => (await fetch("/api/trail?kind=console&limit=20")).json());
    check(exported.events.some((e) => e.operation === "trail_export" && e.actor === E.aud.name), "the export is in the trail");
    check(exported.events.some((e) => e.operation === "bundle_download" && e.actor === E.aud.name && e.detail.includes(E.id1)),
      "so is the bundle's download");
    check(aud.pageErrors.length === 0, "no uncaught errors in the auditor's trail page");
    await actx.close();
    currentPage = page;
  });

  await step("statistics", ["sign-in"], async () => {
    // A seeded history on past days, made by kordon-statgen through the
    // real protocol (two vehicles of their own, this supervisor's reviews),
    // and its figures counted from what it did: every figure on the page,
    // in both languages, and every cell of each CSV.
    const out = join(E.work, "stats-expected.json");
    const days = Math.round((Date.parse(E.stats.to) - Date.parse(E.stats.from)) / 86_400_000) + 1;
    const args = ["--http", new URL(E.url).host, "--supervisor", E.sup.name, "--kordon", E.cli,
      "--vehicle", `${join(E.work, "STATS-NORTH")}=STATS-NORTH`, "--vehicle", `${join(E.work, "STATS-SOUTH")}=STATS-SOUTH`,
      ...E.stats.scans.flatMap((f) => ["--scan", f]),
      "--seed", "11", "--first-day", E.stats.from, "--days", String(days), "--per-day", "3", "--out", out];
    const made = await exec(E.stats.statgen, args, { env: { ...process.env, KORDON_PASSWORD: E.sup.password }, timeout: 300_000 });
    say(`  ${made.stdout.trim()}`);
    const expected = JSON.parse(await readFile(out, "utf8"));
    await page.click(tid("nav-statistics"));
    await page.locator(tid("stats-page")).waitFor();
    const n = await checkStatisticsPage(page, {
      url: E.url,
      from: E.stats.from,
      to: E.stats.to,
      expected,
      lang: "en",
      shot: (name) => shot(name, page),
    });
    check(n > 100, `the statistics page and its CSVs: ${n} figures checked`);
    passed += n;
  });

  await step("training", [], async () => {
    // The officer took the exercise twice on the vehicle before the first
    // sync (run.sh: `kordon training take --json`): a hit, a miss, a false
    // alarm and a correct rejection, then every image right. The trainer
    // lands on /training and sees nothing else; the trainee, the attempts
    // and the images show the centre's score, which is the vehicle's.
    const [first, second] = await Promise.all(E.attempts.map(async (f) => JSON.parse(await readFile(f, "utf8"))));
    const counts = (a) => [a.summary.answered, a.summary.total, a.summary.score.hits, a.summary.score.misses, a.summary.score.false_alarms, a.summary.score.correct_rejections].join(" ");
    check(first.summary.finished && counts(first) === "4 4 1 1 1 1" && first.summary.score.d_prime === 0,
      `the first attempt on the vehicle: answered, total, hits, misses, false alarms, correct rejections ${counts(first)}; d′ ${first.summary.score.d_prime}`);
    check(second.summary.finished && counts(second) === "4 4 2 0 0 2" && Math.abs(second.summary.score.d_prime - 1.9348) < 1e-3,
      `the second: ${counts(second)}; d′ ${second.summary.score.d_prime}`);
    const attemptIds = [first.summary.id, second.summary.id];

    const tctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "en-GB", timezoneId: "UTC" });
    const tpage = await tctx.newPage();
    tpage.setDefaultTimeout(15_000);
    currentPage = tpage;
    const trn = watch(tpage, "trainer");
    await tpage.goto(E.url);
    await tpage.locator(tid("login")).waitFor();
    await tpage.click(tid("lang-en"));
    await signIn(tpage, E.trn);
    await tpage.locator(`${tid("training-page")}[data-state="ready"]`).waitFor();
    check(new URL(tpage.url()).pathname === "/training", `the trainer lands on /training (${new URL(tpage.url()).pathname})`);
    check((await tpage.locator(tid("user")).innerText()).includes("Trainer"), "the top bar says Trainer");
    const nav = await tpage.locator(`${tid("console")} nav a`).evaluateAll((as) => as.map((a) => a.getAttribute("data-testid")));
    check(nav.join() === "nav-training" && (await tpage.locator(tid("open-hits")).count()) === 0,
      `the trainer's menu has training alone: no queue, hotlists, statistics or audit (${nav.join(", ")})`);
    const row = tpage.locator(`${tid("training-table")} tr[data-key="${E.trainee}"]`);
    const cellOf = (r, col) => r.locator(`td[data-col="${col}"]`).innerText();
    const cells = async (r, cols) => (await Promise.all(cols.map((c) => cellOf(r, c)))).map((x) => x.trim());
    await row.waitFor();
    const listed = await cells(row, ["units", "attempts", "live", "d_prime", "d_prime_change", "hit_rate", "false_alarm_rate", "mean_time_ms"]);
    check(listed.join(" | ") === "MOBILE-E2E | 2 | — | 1.93 | +1.93 | 100.0% | 0.0% | 8.5 secs",
      `the trainee's row: units, exercises, live projections (none), the latest finished exercise's d′, its change, H, F, mean time (${listed.join(" | ")})`);
    await shot("training", tpage);

    // The trainee: the figures, the chart's points, every attempt.
    await row.locator("a").click();
    await tpage.locator(`${tid("trainee-page")}[data-state="ready"]`).waitFor();
    check(new URL(tpage.url()).pathname === `/training/trainee/${E.trainee}`, "the trainee's page is /training/trainee/NAME");
    const figures = await Promise.all(["attempts", "d_prime", "d_prime_change", "hit_rate", "false_alarm_rate", "mean_time_ms"].map((f) => tpage.locator(tid(`trainee-total-${f}`)).innerText()));
    check(figures.join(" | ") === "2 | 1.93 | +1.93 | 100.0% | 0.0% | 8.5 secs", `its headline figures (${figures.join(" | ")})`);
    const points = await tpage.locator(tid("chart-point")).evaluateAll((ps) =>
      ps.map((p) => ({ series: p.getAttribute("data-series"), attempt: p.getAttribute("data-attempt"), value: Number(p.getAttribute("data-value")), cx: Number(p.getAttribute("cx")) })));
    const line = (series) => points.filter((p) => p.series === series);
    check(line("d_prime").map((p) => p.attempt).join() === attemptIds.join() && line("d_prime").map((p) => p.value).join() === [first, second].map((a) => a.summary.score.d_prime).join(),
      `the d′ chart has both attempts, oldest first, at the vehicle's d′ (${line("d_prime").map((p) => p.value.toFixed(4)).join(", ")})`);
    check(line("hit_rate").map((p) => p.value).join() === "0.5,1" && line("false_alarm_rate").map((p) => p.value).join() === "0.5,0",
      `and the rates chart H 0.5 then 1, F 0.5 then 0 (${line("hit_rate").map((p) => p.value).join()} / ${line("false_alarm_rate").map((p) => p.value).join()})`);
    const attemptRows = await tpage.locator(`${tid("trainee-table")} tbody tr`).evaluateAll((rs) => rs.map((r) => r.getAttribute("data-key")));
    check(attemptRows.join() === [...attemptIds].reverse().join(), "the attempts table lists both, newest first");
    const firstRow = tpage.locator(`${tid("trainee-table")} tr[data-key="${first.summary.id}"]`);
    const firstCells = await cells(firstRow, ["name", "answered", "state", "hits", "misses", "false_alarms", "correct_rejections", "hit_rate", "false_alarm_rate", "d_prime", "mean_time_ms"]);
    check(firstCells.join(" | ") === "E2E exercise, attempt 1 | 4 of 4 | Finished | 1 | 1 | 1 | 1 | 50.0% | 50.0% | 0.00 | 11.0 secs",
      `the first attempt's row (${firstCells.join(" | ")})`);
    await shot("training-trainee", tpage);

    // The first attempt, image by image: what the vehicle scored.
    await firstRow.locator("a").click();
    await tpage.locator(`${tid("attempt-page")}[data-state="ready"]`).waitFor();
    check(new URL(tpage.url()).pathname === `/training/attempt/${first.summary.id}`, "the attempt's page is /training/attempt/ID");
    const api = await tpage.evaluate(async (id) => (await fetch(`/api/training/${id}`)).json(), first.summary.id);
    check(JSON.stringify(api) === JSON.stringify(first), "GET /api/training/ID is exactly what kordon training take --json gave on the vehicle");
    const WORDS = { hit: "Hit", miss: "Miss", false_alarm: "False alarm", correct_rejection: "Correct rejection" };
    for (const im of first.images) {
      const r = tpage.locator(`${tid("attempt-table")} tr[data-key="${im.name}"]`);
      const [answer, outcome, item] = await cells(r, ["answer", "outcome", "item"]);
      const want = [im.answer.decision === "suspect" ? "Suspect" : "Clear", WORDS[im.outcome]];
      check(answer === want[0] && outcome === want[1] && (im.item === null ? item === "None" : item.includes(`at ${im.item.bbox[0]}, ${im.item.bbox[1]}`)),
        `${im.name}: ${answer}, ${outcome}, ${item}`);
    }
    await shot("training-attempt", tpage);
    // The trainer reads no inspection, whatever the page shows.
    const queue = await tpage.evaluate(async () => (await fetch("/api/inspections")).status);
    check(queue === 403, `GET /api/inspections as the trainer -> ${queue}`);
    await tpage.click(tid("lang-uk"));
    await waitFor("html lang=uk", async () => (await tpage.locator("html").getAttribute("lang")) === "uk", 5_000);
    await tpage.click(tid("training-back"));
    await tpage.locator(`${tid("trainee-page")}[data-state="ready"]`).waitFor();
    await shot("training-trainee-uk", tpage);
    check(trn.pageErrors.length === 0, `no uncaught errors in the trainer's page${trn.pageErrors.length ? `: ${trn.pageErrors.join(" | ")}` : ""}`);
    const trnFailed = trn.apiErrors.filter((x) => !(x.url === "/api/me" && x.status === 401) && !(x.url === "/api/inspections" && x.status === 403));
    check(trnFailed.length === 0, `no failed API calls in the trainer's page but the expected ones${trnFailed.length ? `: ${JSON.stringify(trnFailed)}` : ""}`);
    await tctx.close();
    currentPage = page;

    // A supervisor has the page too, beside the rest.
    if (stepOk.get("sign-in")) {
      await page.click(tid("nav-training"));
      await page.locator(`${tid("training-page")}[data-state="ready"]`).waitFor();
      check((await page.locator(`${tid("training-table")} tr[data-key="${E.trainee}"]`).count()) === 1, "the supervisor sees the training page and the trainee");
      await shot("training-supervisor");
    }

    // An administrator does not: no link, and the API refuses.
    const actx = await browser.newContext();
    const apage = await actx.newPage();
    await apage.goto(E.url);
    await apage.locator(tid("login")).waitFor();
    await signIn(apage, E.adm);
    await apage.locator(tid("fleet-page")).waitFor();
    const refused = await apage.evaluate(async () => {
      const r = await fetch("/api/training");
      return { status: r.status, body: await r.json().catch(() => null) };
    });
    check(refused.status === 403 && refused.body?.code === "forbidden" && (await apage.locator(tid("nav-training")).count()) === 0,
      `an administrator has no training link, and GET /api/training -> ${refused.status} ${JSON.stringify(refused.body)}`);
    await actx.close();
  });

  await step("page-health", [], async () => {
    check(sup.pageErrors.length === 0, `no uncaught errors in the supervisor's page${sup.pageErrors.length ? `: ${sup.pageErrors.join(" | ")}` : ""}`);
    const unexpected = sup.apiErrors.filter((x) => !(x.url === "/api/me" && x.status === 401) && !(x.url === "/api/login" && x.status === 401));
    check(unexpected.length === 0, `no failed API calls but the expected 401s${unexpected.length ? `: ${JSON.stringify(unexpected)}` : ""}`);
  });
} finally {
  await browser.close().catch(() => {});
}

console.log("");
for (const f of failures) console.log(`[console-e2e] FAILED ${f}`);
console.log(`[console-e2e] ${passed} passed, ${failed} failed (${stamp()} s in the browser)`);
process.exit(failed === 0 ? 0 : 1);
