// The crew's app, end to end: the real kordon-app binary over a real
// vehicle data folder, driven through WebDriver (tauri-driver), then the
// store checked with the CLI and the signed records checked byte by byte.
// The app's first sign-in encrypts the data folder: from then on the CLI
// opens it with the officer's PIN (KORDON_OFFICER, KORDON_PIN).
// Started by run.sh, which sets up the server, the vehicle, the scan, a
// training exercise, Xvfb and tauri-driver and passes them in KORDON_E2E_*
// variables.

import { execFile } from "node:child_process";
import { request } from "node:http";
import { deflateSync } from "node:zlib";
import { existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parseRecord } from "./records.mjs";
import { WebDriver, waitFor } from "./webdriver.mjs";

const run = promisify(execFile);

function env(name) {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} is not set (start the test with tests/app-e2e/run.sh)`);
  return v;
}

const E = {
  webdriver: env("KORDON_E2E_WEBDRIVER"),
  app: resolve(env("KORDON_E2E_APP")),
  cli: resolve(env("KORDON_E2E_CLI")),
  vehicle: resolve(env("KORDON_E2E_VEHICLE")),
  high: resolve(env("KORDON_E2E_SCAN_HIGH")),
  low: resolve(env("KORDON_E2E_SCAN_LOW")),
  liveHigh: resolve(env("KORDON_E2E_LIVE_SCAN_HIGH")),
  liveLow: resolve(env("KORDON_E2E_LIVE_SCAN_LOW")),
  serverPid: Number(env("KORDON_E2E_SERVER_PID")),
  linkCut: resolve(env("KORDON_E2E_LINK_CUT")),
  work: resolve(env("KORDON_E2E_WORK")),
  qrSvg: resolve(env("KORDON_E2E_QR_SVG")),
  qrToken: env("KORDON_E2E_QR_TOKEN"),
  artifacts: resolve(env("KORDON_E2E_ARTIFACTS")),
  anpr: env("KORDON_E2E_ANPR"),
  exercise: resolve(env("KORDON_E2E_EXERCISE")),
  consoleUrl: env("KORDON_E2E_CONSOLE_URL"),
  trainer: env("KORDON_E2E_TRAINER"),
  trainerPassword: env("KORDON_E2E_TRAINER_PASSWORD"),
};

const OFFICER = "OF-1742";
const PIN = "2468";
// The officer added in Settings (step 11), with the PIN they choose.
const OFFICER_2 = "OF-2";
const PIN_2 = "8642";
const PLATE = "АА 1234 ВС";
const CONTAINER = "CSQU3054383";
const CONTAINER_BAD_CHECK = "CSQU3054384";
const MARK_LABEL = "e2e: dense block behind the front wall";
const DECISION_NOTE = "e2e: open the front of the container";
const OFFLINE_NOTE = "e2e: written while the link was down";
// On the server's hotlist (run.sh adds it as "BC 7777 AA").
const HOTLIST_PLATE = "BC7777AA";
const TRAINING_NAME = "e2e: TIP drill";
// Projection in live work: the second inspection's plate, and the items'
// names as the app says them in Ukrainian (its language at that step).
const LIVE_PLATE = "АІ 5678 ХТ";
const ITEM_UK = { pistol: "Пістолет", drug_bricks: "Брикети наркотиків", lead_shield: "Контейнер зі свинцевим екраном", ammunition: "Боєприпаси" };
// The crew's own mark on the projection: in the air above the cab (image
// pixels), where no item is ever projected (only inside the load).
const OWN_MARK = [40, 40, 240, 160];
const OWN_MARK_LABEL = "e2e: the crew's own mark, off the item";
// A plain SQLite database file starts with these bytes; an encrypted one does not.
const SQLITE_HEADER = "SQLite format 3\0";
// The app's idle time for the lock step, in seconds: the UI's test-only
// localStorage key (ui/src/app/preferences.ts), never offered in Settings.
const TEST_LOCK_AFTER_SECONDS_KEY = "kordon.test.lockAfterSeconds";
const TEST_LOCK_AFTER_SECONDS = 4;
// The app's window as tauri.conf.json opens it, and a laptop's (the
// stylesheet's narrow case): the training screens are shot at both.
const SIZES = [
  { width: 1440, height: 900 },
  { width: 1366, height: 768 },
];

const started = Date.now();
function step(msg) {
  console.log(`[app-e2e +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}
function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}

const wd = new WebDriver(E.webdriver);
const $ = (css) => wd.waitElement(css);
const tid = (id) => `[data-testid="${id}"]`;

async function shot(name) {
  const file = join(E.artifacts, `${name}.png`);
  await wd.screenshot(file);
  step(`  screenshot ${name}.png`);
}

/** Scrolls `css` into view: its top just below the sticky top bar and sync bar, or centred. */
async function scrollTo(css, block = "start") {
  const el = await $(css);
  await wd.execute(
    `const [el, block] = arguments;
     el.scrollIntoView({ block });
     if (block === "start") {
       const bar = document.querySelector(".syncbar");
       const below = bar === null ? 0 : bar.getBoundingClientRect().bottom;
       window.scrollBy(0, -(below + 8));
     }`,
    [WebDriver.elementArg(el), block],
  );
  return el;
}

/**
 * A screenshot of a state that may come and go (the sync bar changes on its
 * own): waits for `probe`, takes the screenshot, and keeps it only if
 * `probe` still holds afterwards; otherwise tries again until the deadline.
 */
async function shotWhile(name, what, probe, { timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    const v = await waitFor(what, probe, { timeoutMs: Math.max(left, 1), intervalMs: 250 });
    await shot(name);
    if (await probe()) return v;
    if (Date.now() >= deadline) throw new Error(`${what} did not hold long enough for the screenshot ${name}.png`);
    step(`  (state changed while taking ${name}.png: again)`);
  }
}

async function typeInto(css, text) {
  const el = await $(css);
  await wd.clear(el);
  await wd.type(el, text);
  return el;
}

/** The viewer's test hooks. */
/** Imports a dual-energy pair through the typed path; the viewer once it
 * shows the scan with tiles (data-state=ready, data-tiles-loaded > 0,
 * first view done). */
async function importByPath(high, low) {
  await typeInto(tid("import-path"), `${high};${low}`);
  await wd.click(await $(tid("import-submit")));
  return waitFor(
    "the imported scan in the viewer with tiles (scan-viewer data-state=ready, data-tiles-loaded > 0, first view done)",
    async () => {
      const failed = await wd.find(`${tid("import-entry")}[data-stage="failed"]`);
      if (failed !== null) throw new Error(`import failed: ${await wd.text(failed)}`);
      const v = await viewer();
      return v !== null && v.state === "ready" && v.tiles > 0 && v.firstView !== null ? v : null;
    },
    { timeoutMs: 180_000, intervalMs: 500 },
  );
}

async function viewer() {
  const el = await wd.find(tid("scan-viewer"));
  if (el === null) return null;
  const [state, tiles, zoom, view, firstView] = await Promise.all([
    wd.attr(el, "data-state"),
    wd.attr(el, "data-tiles-loaded"),
    wd.attr(el, "data-zoom"),
    wd.attr(el, "data-view"),
    wd.attr(el, "data-first-view-ms"),
  ]);
  return { state, tiles: Number(tiles ?? 0), zoom: Number(zoom ?? 0), view: view === null ? null : JSON.parse(view), firstView };
}

async function syncBar() {
  const [link, pending, bytes] = await Promise.all([
    wd.attrOf(tid("sync-link"), "data-link"),
    wd.attrOf(tid("sync-pending"), "data-count"),
    wd.attrOf(tid("sync-scans-pending"), "data-bytes"),
  ]);
  return { link, pending: pending === null ? null : Number(pending), bytes: bytes === null ? null : Number(bytes) };
}

/**
 * The `kordon` CLI on the vehicle's data folder. Every call here comes
 * after the app's first sign-in encrypted the folder: the CLI opens it with
 * the officer's PIN, as `KORDON_OFFICER` and `KORDON_PIN`.
 */
async function cli(...args) {
  const env = { ...process.env, KORDON_OFFICER: OFFICER, KORDON_PIN: PIN };
  const { stdout } = await run(E.cli, ["--data", E.vehicle, ...args], { maxBuffer: 64 << 20, env });
  return stdout;
}

/** Whether the vehicle's database file is plain SQLite (its first 16 bytes). */
function databaseIsPlain() {
  const head = readFileSync(join(E.vehicle, "vehicle.sqlite")).subarray(0, SQLITE_HEADER.length);
  return head.equals(Buffer.from(SQLITE_HEADER, "latin1"));
}

function processGone(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A zombie (exited, not yet reaped by run.sh) no longer serves anything.
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------------------

async function main() {
  step(`session: ${E.app} --data ${E.vehicle}`);
  await wd.newSession({
    alwaysMatch: {
      "tauri:options": { application: E.app, args: ["--data", E.vehicle] },
    },
  });
  try {
    await crewWork();
  } catch (e) {
    try {
      await shot("failure");
    } catch {
      // no screenshot: the app may be gone
    }
    throw e;
  } finally {
    step("closing the app");
    await wd.deleteSession().catch((e) => step(`  (closing the session failed: ${e.message})`));
  }
  await checkStore();
}

let inspectionId = null;

async function crewWork() {
  // 1. Sign in; the first sign-in of an officer sets the PIN, and opens
  // the data folder with it, encrypting it first (a vehicle enrolled by
  // the CLI, not encrypted yet).
  step("1. sign in (first sign-in sets the PIN and encrypts the data folder)");
  await wd.waitElement("#signin-officer", { timeoutMs: 90_000 });
  const lang = await wd.execute("return document.documentElement.lang;");
  check(lang === "uk", `the app starts in Ukrainian (html lang=${lang})`);
  check(databaseIsPlain(), "before the first sign-in the vehicle's database is plain SQLite (enrolled by the CLI)");
  check((await wd.find(tid("sync-link"))) === null, "no sync bar before the first sign-in: nothing of the data is open");
  check((await wd.find('[role="alert"]')) === null, "no error on the sign-in screen before the data is open");
  await typeInto("#signin-officer", OFFICER);
  await typeInto("#signin-pin", PIN);
  await shot("signin");
  await wd.click(await $('form[aria-labelledby="signin-title"] button[type="submit"]'));

  await wd.waitElement("#queue-title", { timeoutMs: 120_000 });
  check(!databaseIsPlain(), `after the first sign-in vehicle.sqlite no longer starts with "SQLite format 3" (encrypted)`);
  check(existsSync(join(E.vehicle, "keyslots")), "after the first sign-in the data folder has its keyslots");
  await waitFor("the sync bar to show the link state", async () => (await syncBar()).link !== null);
  // The session is read after sign-in: wait for the top bar to name it.
  const officerShown = await waitFor("the top bar to name the officer signed in", async () =>
    wd.execute("return document.querySelector('header.topbar .officer')?.textContent || null;"),
  );
  check(officerShown.includes(OFFICER), `the top bar names the officer signed in (${JSON.stringify(officerShown)})`);
  await waitFor("the queue to load", async () => (await wd.find(".queue, .empty")) !== null);
  check((await wd.findAll(tid("queue-row"))).length === 0, "the queue of a new vehicle is empty");
  await shot("queue");

  // 2. A new inspection: Cyrillic tractor plate, container code checked live.
  step("2. new inspection");
  await wd.click(await $('section[aria-labelledby="queue-title"] .panel-head button'));
  await typeInto("#tractor", PLATE);
  await waitFor("the tractor plate to be accepted (#tractor-msg.ok)", async () =>
    (await wd.attrOf("#tractor-msg", "class"))?.split(" ").includes("ok"),
  );
  await typeInto("#container-1", CONTAINER_BAD_CHECK);
  const bad = await waitFor("a live check-digit error on the container code", async () => {
    const cls = (await wd.attrOf(tid("container-1-msg"), "class")) ?? "";
    return cls.split(" ").includes("bad") ? wd.text(await wd.find(tid("container-1-msg"))) : null;
  });
  check(bad.includes("3"), `the check-digit error gives the expected digit 3 (${JSON.stringify(bad)})`);
  await typeInto("#container-1", CONTAINER);
  await waitFor("the container code to be shown valid", async () =>
    ((await wd.attrOf(tid("container-1-msg"), "class")) ?? "").split(" ").includes("ok"),
  );
  await shot("form");
  await wd.click(await $('form[aria-labelledby="form-title"] button[type="submit"]'));
  const article = await $(tid("inspection"));
  inspectionId = await wd.attr(article, "data-inspection");
  check(/^[0-9a-f-]{36}$/.test(inspectionId ?? ""), `the inspection screen names its id (${inspectionId})`);
  const title = await wd.text(await $("#inspection-title"));
  check(title.includes("АА1234ВС") || title.includes("AA1234BC"), `the title shows the canonical plate (${JSON.stringify(title)})`);
  step(`  inspection ${inspectionId}`);

  // 3. Import the dual-energy scan through the typed path (both halves: the
  // UI pairs NAME_high with NAME_low).
  step("3. import the scan by path");
  const opened = await importByPath(E.high, E.low);
  step(`  viewer ready: ${opened.tiles} tiles, first view in ${opened.firstView} ms, zoom ${opened.zoom}`);
  check((await wd.findAll(tid("scan-thumb"))).length === 1, "one scan thumbnail");
  check(await wd.enabled(await $(tid("tool-materials"))), "materials available: the two files became one dual-energy scan");
  await waitFor("the import to be reported done", async () => (await wd.find(`${tid("import-entry")}[data-stage="done"]`)) !== null);
  await scrollTo("#inspection-title");
  await shot("inspection");

  // 4. Zoom (keyboard +) and window/level (the sliders, by keyboard).
  step("4. zoom and window/level");
  await wd.execute("document.activeElement && document.activeElement.blur();");
  await wd.press("+");
  const zoomed = await waitFor(`data-zoom above ${opened.zoom} after "+"`, async () => {
    const v = await viewer();
    return v.zoom > opened.zoom * 1.2 ? v : null;
  });
  step(`  zoom ${opened.zoom} -> ${zoomed.zoom}`);
  check(opened.view.window === null, "the window starts automatic (data-view window null)");
  await waitFor("the zoomed view to settle (tiles loaded stop changing)", settled());
  const before = await viewer();
  const high = await $(tid("window-high"));
  const low = await $(tid("window-low"));
  const [high0, low0] = [Number(await wd.prop(high, "value")), Number(await wd.prop(low, "value"))];
  await wd.execute("arguments[0].focus();", [WebDriver.elementArg(high)]);
  for (let i = 0; i < 3; i++) await wd.press("\uE00F"); // PageDown
  await wd.execute("arguments[0].focus();", [WebDriver.elementArg(low)]);
  for (let i = 0; i < 3; i++) await wd.press("\uE00E"); // PageUp
  const windowed = await waitFor("data-view to have a window narrower than the automatic one", async () => {
    const v = await viewer();
    const w = v.view.window;
    return w !== null && w.high < high0 && w.low > low0 ? v : null;
  });
  step(`  window ${low0}..${high0} -> ${windowed.view.window.low}..${windowed.view.window.high}`);
  await wd.execute("document.activeElement && document.activeElement.blur();");
  const retiled = await waitFor(
    `new tiles for the new window (data-tiles-loaded above ${before.tiles})`,
    async () => {
      const v = await viewer();
      return v.tiles > before.tiles ? v : null;
    },
    { timeoutMs: 60_000 },
  );
  step(`  tiles ${before.tiles} -> ${retiled.tiles}`);
  await waitFor("the re-rendered view to settle", settled());
  await scrollTo(tid("scan-viewer"));
  await shot("viewer-zoomed");

  // 5. A rectangle mark: the tool, a pointer drag on the image, kind, save.
  step("5. rectangle annotation");
  await wd.click(await $(tid("tool-rect")));
  await waitFor("tool-rect pressed", async () => (await wd.attrOf(tid("tool-rect"), "aria-pressed")) === "true");
  const stage = await scrollTo(`${tid("scan-viewer")} .viewer-stage-wrap`, "center");
  const r = await wd.rect(stage);
  const dx = Math.round(Math.min(160, r.width / 4));
  const dy = Math.round(Math.min(90, r.height / 4));
  const origin = { "element-6066-11e4-a52e-4f735466cecf": stage };
  await wd.actions([
    {
      type: "pointer",
      id: "mouse",
      parameters: { pointerType: "mouse" },
      actions: [
        { type: "pointerMove", duration: 0, origin, x: -dx, y: -dy },
        { type: "pointerDown", button: 0 },
        { type: "pointerMove", duration: 150, origin, x: 0, y: 0 },
        { type: "pointerMove", duration: 150, origin, x: dx, y: dy },
        { type: "pointerUp", button: 0 },
      ],
    },
  ]);
  await wd.releaseActions();
  const kind = await $(tid("annotation-kind"));
  await wd.click(await $(`${tid("annotation-kind")} option[value="density_anomaly"]`));
  await waitFor("annotation-kind to be density_anomaly", async () => (await wd.prop(kind, "value")) === "density_anomaly");
  await typeInto("#annotation-label", MARK_LABEL);
  await wd.click(await $(tid("annotation-save")));
  const mark = await waitFor("one annotation-item", async () => {
    const items = await wd.findAll(tid("annotation-item"));
    return items.length === 1 ? wd.text(items[0]) : null;
  });
  check(mark.includes(OFFICER) && mark.includes(MARK_LABEL), `the mark names its officer and label (${JSON.stringify(mark)})`);
  check((await wd.attrOf(tid("tool-rect"), "aria-pressed")) === "false", "the rectangle tool is released after saving");
  await scrollTo(tid("scan-viewer"));
  await shot("annotation");

  // 6. A decision: outcome, reason, note; it lands in the history.
  step("6. decision");
  await scrollTo("#decision-title");
  await wd.click(await $("label.outcome-physical_inspection"));
  await waitFor("the outcome radio checked", async () =>
    wd.prop(await $('input[name="outcome"][value="physical_inspection"]'), "checked"),
  );
  const chip = await waitFor("the DENSITY_ANOMALY reason chip", async () => {
    for (const c of await wd.findAll("label.chip")) if ((await wd.text(c)).includes("DENSITY_ANOMALY")) return c;
    return null;
  });
  await wd.click(chip);
  await typeInto("#decision-note", DECISION_NOTE);
  await wd.click(await $('form[aria-labelledby="decision-new-title"] button[type="submit"]'));
  const entry = await waitFor("one decision in the history", async () => {
    const rows = await wd.findAll(`${tid("history")} li.decision`);
    return rows.length === 1 ? wd.text(rows[0]) : null;
  });
  check(entry.includes(OFFICER) && entry.includes("DENSITY_ANOMALY") && entry.includes(DECISION_NOTE), `history entry: ${JSON.stringify(entry)}`);
  check(
    ((await wd.attrOf(tid("current-outcome"), "class")) ?? "").includes("outcome-physical_inspection"),
    "the current outcome is physical inspection",
  );
  await scrollTo("#decision-title");
  await shot("decision");

  // 6b. A training exercise (run.sh built it), image by image; its records
  // sync with the inspection's below.
  await takeTraining();

  // 6c. Projection in live work, in a second inspection (the rate set to 1
  // just before, back to 0 after).
  await liveTip();

  // 8. Sync: everything acknowledged while the server runs...
  step("8a. sync: everything acknowledged by the server");
  await wd.click((await wd.findAll("nav.nav button"))[0]); // the queue
  await $("#queue-title");
  const acknowledged = async () => {
    const s = await syncBar();
    const rows = await Promise.all((await wd.findAll(tid("queue-sync"))).map((el) => wd.attr(el, "data-sync")));
    return s.link === "online" && s.pending === 0 && s.bytes === 0 && rows.length === 2 && rows.every((r) => r === "acknowledged") ? s : null;
  };
  const acked = await shotWhile(
    "sync-acknowledged",
    "the sync bar online with 0 records and 0 bytes of scans pending, and both queue rows acknowledged",
    acknowledged,
    { timeoutMs: 120_000 },
  );
  check((await wd.find(tid("sync-error"))) === null, "no sync error shown while the server runs");
  step(`  ${JSON.stringify(acked)}`);
  await trainingAtCentre();

  // The link cut and restored with nothing to send: the sync bar follows
  // within seconds, from the held connection's pings, not a pass (those
  // come every 15 s).
  step("8b. the link cut and restored: the sync bar follows at once");
  writeFileSync(E.linkCut, "");
  const cutAt = Date.now();
  await waitFor("the sync bar offline within 3 s of the cut", async () => (await syncBar()).link === "offline", { timeoutMs: 3_000 });
  const toOffline = Date.now() - cutAt;
  check((await wd.find(tid("sync-error"))) === null, "offline shown by the link watch, not by a failed pass");
  await shot("link-cut");
  unlinkSync(E.linkCut);
  const backAt = Date.now();
  await waitFor("the sync bar online within 3 s of the return", async () => (await acknowledged()) !== null, { timeoutMs: 3_000 });
  step(`  offline ${toOffline} ms after the cut, online ${Date.now() - backAt} ms after the return (WebDriver polling included)`);

  // ...then the server stops, the crew keeps working, the backlog grows.
  step(`8c. stop the server (pid ${E.serverPid}) and keep working`);
  process.kill(E.serverPid, "SIGTERM");
  await waitFor(`the server (pid ${E.serverPid}) to exit`, async () => processGone(E.serverPid), { timeoutMs: 15_000 });
  const firstRow = `${tid("queue-row")}[data-inspection="${inspectionId}"]`;
  await wd.click(await $(`${firstRow} button.row-open`));
  await $(`${tid("inspection")}[data-inspection="${inspectionId}"]`);
  await scrollTo("#notes-text", "center");
  await typeInto("#notes-text", OFFLINE_NOTE);
  await wd.click(await $('section[aria-labelledby="notes-title"] .actions button'));
  await waitFor("the notes saved locally (save button disabled, text kept)", async () => {
    const btn = await wd.find('section[aria-labelledby="notes-title"] .actions button');
    return !(await wd.enabled(btn)) && (await wd.prop(await wd.find("#notes-text"), "value")) === OFFLINE_NOTE;
  });
  await wd.click((await wd.findAll("nav.nav button"))[0]); // the queue
  await $("#queue-title");
  const backlog = async () => {
    const s = await syncBar();
    const row = await wd.attrOf(`${firstRow} ${tid("queue-sync")}`, "data-sync");
    return s.link === "offline" && s.pending > 0 && row === "pending" && (await wd.find(tid("sync-error"))) !== null ? s : null;
  };
  const offline = await shotWhile(
    "offline-backlog",
    "the sync bar offline with records pending and the reason shown, and the first inspection's queue row pending",
    backlog,
    { timeoutMs: 90_000 },
  );
  step(`  ${JSON.stringify(offline)}`);

  // 9. With the link still down, a camera reads a plate on the hotlist.
  step("9. a camera pushes a read of a hotlisted plate, link down: the alert, the crew's response");
  const lists = JSON.parse(await cli("hotlists", "--json"));
  check(
    lists.some((l) => l.entries.some((e) => e.canonical === HOTLIST_PLATE)),
    `the server's hotlist reached the vehicle (${JSON.stringify(lists.map((l) => l.name))})`,
  );
  const answer = await cameraPush(E.anpr, HOTLIST_PLATE);
  check(answer === 200, `the app's ANPR ingest answered the camera (${answer})`);
  await $(tid("alert-banner"));
  const seen = await wd.text(await $(`${tid("alert-card")} ${tid("alert-seen")}`));
  check(seen.trim() === HOTLIST_PLATE, `the banner shows the plate as read (${JSON.stringify(seen)})`);
  await waitFor("the read's plate crop shown in the banner (served by the kordon: scheme)", async () =>
    (await wd.execute("const i = document.querySelector('img.alert-plate-image'); return i !== null && i.complete && i.naturalWidth > 0;")) === true,
  );
  await shot("hotlist-alert");
  await wd.click(await $(`${tid("alert-card")} button[data-response="confirmed"]`));
  await waitFor("the answered alert to leave the banner", async () => (await wd.find(tid("alert-banner"))) === null);
  const alerts = JSON.parse(await cli("alert", "list", "--all", "--json"));
  check(alerts.length === 1, `one alert on the vehicle (${alerts.length})`);
  const a = alerts[0].alert;
  check(a.list === "wanted" && a.tier === "exact" && a.source === "read" && a.priority === "high", `the alert as raised (${JSON.stringify(a)})`);
  check(a.response?.response === "confirmed" && a.response.officer === OFFICER, `the crew's response recorded (${JSON.stringify(a.response)})`);
  const withRead = JSON.parse(await cli("inspection", "show", alerts[0].inspection));
  check(withRead.reads?.length === 1 && withRead.reads[0].images.length === 2, `the read and its two images stored (${JSON.stringify(withRead.reads)})`);
  // The new records woke the sync loop; it finds the link still down.
  await waitFor("the sync bar offline again", async () => (await syncBar()).link === "offline", { timeoutMs: 60_000 });

  // Settings, still offline: the language switch works at run time.
  step("settings: language switch");
  const navButtons = await wd.findAll("nav.nav button");
  check(navButtons.length === 6, `six buttons in the main menu, Lock and Sign out last (${navButtons.length})`);
  await wd.click(navButtons[2]);
  await $("#settings-title");
  await wd.click(await $('label.tile[lang="en"]'));
  await waitFor("html lang=en after choosing English", async () => (await wd.execute("return document.documentElement.lang;")) === "en");
  const linkText = await wd.text(await $(tid("sync-link")));
  check(linkText.trim() === "Offline", `the sync bar in English says Offline (${JSON.stringify(linkText)})`);
  await shot("settings");
  check((await syncBar()).pending > 0, "the backlog is still there");

  // An enrollment token's QR code, as the server drew it, read from a file.
  step("settings: a token read from its QR code");
  await wd.type(await $(tid("enroll-qr-file")), E.qrSvg);
  await waitFor("the QR code read", async () => (await wd.attr(await $(tid("enroll-qr-status")), "data-state")) !== "", { timeoutMs: 20_000 });
  const qrState = await wd.attr(await $(tid("enroll-qr-status")), "data-state");
  const read = await wd.prop(await $("#enroll-token"), "value");
  check(qrState === "read" && read === E.qrToken, `the token field holds the QR code's token (${qrState}; ${String(read).slice(0, 16)}…)`);
  await wd.execute(`document.querySelector('[data-testid="enroll-qr-status"]').scrollIntoView({ block: "center" });`);
  await shot("settings-qr");
  await wd.clear(await $("#enroll-token"));

  // 10. Locked after the idle time: nothing of the data on screen.
  await lockedWhileIdle();

  // The PIN set at the first sign-in is now required.
  step("sign out; a wrong PIN is refused, the right one accepted");
  await wd.click(await $(tid("sign-out")));
  await typeInto("#signin-officer", OFFICER);
  await typeInto("#signin-pin", "1357");
  await wd.click(await $('form[aria-labelledby="signin-title"] button[type="submit"]'));
  await $('form[aria-labelledby="signin-title"] [role="alert"]');
  check((await wd.find("#queue-title")) === null, "still signed out after a wrong PIN");
  await typeInto("#signin-pin", PIN);
  await wd.click(await $('form[aria-labelledby="signin-title"] button[type="submit"]'));
  await $("#queue-title");

  // 11. An officer without a key is added in Settings, then signs in.
  await officerAdded();
}

// ---------------------------------------------------------------------------
// 11. An officer without a key cannot sign in (step 10: OF-9999 refused);
// one who holds a key adds them in Settings: the new officer's ID, their
// PIN twice, and the adding officer's own PIN to confirm. The vehicle's
// key slots then name them (`kordon officer list`), and they sign in.

/** The officers the Settings section lists, in its order. */
async function keyHoldersShown() {
  return Promise.all((await wd.findAll(tid("key-holder"))).map((li) => wd.attr(li, "data-officer")));
}

async function officerAdded() {
  step(`11. Settings: ${OFFICER_2} added through the UI (their PIN twice, confirmed with ${OFFICER}'s)`);
  await openSettings();
  await waitFor("the key holders listed", async () => (await keyHoldersShown()).length > 0);
  const before = await keyHoldersShown();
  check(before.length === 1 && before[0] === OFFICER, `only ${OFFICER} holds a key before (${JSON.stringify(before)})`);
  check((await wd.find(`${tid("officer-keys")} button.btn-danger`)) === null, "the one key offers no removal");
  await typeInto("#officer-add-id", OFFICER_2);
  await typeInto("#officer-add-pin", PIN_2);
  await typeInto("#officer-add-pin-again", PIN_2);
  await typeInto("#officer-add-by-pin", PIN);
  await wd.click(await $('form[aria-labelledby="officer-add-title"] button[type="submit"]'));
  const added = await waitFor(
    `${OFFICER_2} added (the section's message)`,
    async () => {
      const notice = await wd.find(`${tid("officer-keys")} .notice-error`);
      if (notice !== null) throw new Error(`adding ${OFFICER_2} was refused: ${await wd.text(notice)}`);
      const said = await wd.text(await $(tid("officer-added")));
      return said.includes(OFFICER_2) ? said : null;
    },
    { timeoutMs: 60_000 },
  );
  step(`  ${JSON.stringify(added)}`);
  const after = await keyHoldersShown();
  check(after.includes(OFFICER) && after.includes(OFFICER_2) && after.length === 2, `both officers listed (${JSON.stringify(after)})`);
  for (const id of ["#officer-add-id", "#officer-add-pin", "#officer-add-pin-again", "#officer-add-by-pin"]) {
    check((await wd.prop(await $(id), "value")) === "", `${id} emptied after the officer was added`);
  }
  const listed = (await cli("officer", "list")).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  step(`  kordon officer list: ${JSON.stringify(listed)}`);
  check(listed.includes(OFFICER_2) && listed.includes(OFFICER), `kordon officer list names ${OFFICER_2} and ${OFFICER} (${JSON.stringify(listed)})`);
  await scrollTo(tid("officer-keys"));
  await shot("settings-officers");

  step(`11. sign out; ${OFFICER_2} signs in with the PIN they chose`);
  await wd.click(await $(tid("sign-out")));
  await typeInto("#signin-officer", OFFICER_2);
  await typeInto("#signin-pin", PIN_2);
  await wd.click(await $('form[aria-labelledby="signin-title"] button[type="submit"]'));
  await waitFor(
    `${OFFICER_2} signed in (the queue)`,
    async () => {
      const refused = await wd.find('form[aria-labelledby="signin-title"] [role="alert"]');
      if (refused !== null) throw new Error(`${OFFICER_2} was refused at sign-in: ${await wd.text(refused)}`);
      return (await wd.find("#queue-title")) !== null;
    },
    { timeoutMs: 60_000 },
  );
  const shown = await waitFor("the top bar to name the officer signed in", async () =>
    wd.execute("return document.querySelector('header.topbar .officer')?.textContent || null;"),
  );
  check(shown.includes(OFFICER_2), `the top bar names ${OFFICER_2} (${JSON.stringify(shown)})`);
  await openSettings();
  await waitFor(`${OFFICER_2}'s Settings list both key holders`, async () => (await keyHoldersShown()).length === 2);
  check(
    (await wd.find(`${tid("key-holder")}[data-officer="${OFFICER}"] button.btn-danger`)) !== null &&
      (await wd.find(`${tid("key-holder")}[data-officer="${OFFICER_2}"] button.btn-danger`)) === null,
    `${OFFICER_2} may remove ${OFFICER}'s key, not their own`,
  );
  await scrollTo(tid("officer-keys"));
  await shot("settings-officers-second");

  step(`11. ${OFFICER_2} opens the removal of ${OFFICER}'s key, and cancels it`);
  await wd.click(await $(`${tid("key-holder")}[data-officer="${OFFICER}"] button.btn-danger`));
  await waitFor("the confirming PIN focused", async () => (await wd.execute("return document.activeElement && document.activeElement.id;")) === "officer-remove-pin");
  await scrollTo(tid("officer-keys"));
  await shot("settings-officers-remove");
  await wd.click(await $("#officer-remove button[type=button]"));
  await waitFor("the removal closed", async () => (await wd.find("#officer-remove")) === null);
  check((await keyHoldersShown()).length === 2, "nothing removed by a cancelled removal");
}

// ---------------------------------------------------------------------------
// 6b. Training: the exercise run.sh built (its exercise.json is the truth).

/** What the step answered, and so what the score must say. */
const trained = { attempt: null, images: 0, hits: 0, misses: 0, falseAlarms: 0, correctRejections: 0 };

/**
 * A screenshot at each of SIZES (`NAME.png` at the first, `NAME-WxH.png` at
 * the others), the window put back as it was. `ready` waits for the screen
 * to be drawn at the new size.
 */
async function shotAtSizes(name, ready = async () => true) {
  const was = await wd.windowRect();
  for (const [i, size] of SIZES.entries()) {
    await wd.setWindowRect(size);
    await waitFor(`the window at ${size.width} × ${size.height}`, async () => {
      const inner = await wd.execute("return [window.innerWidth, window.innerHeight];");
      return inner[0] === size.width && inner[1] <= size.height;
    });
    await waitFor(`the screen drawn at ${size.width} × ${size.height}`, ready, { timeoutMs: 60_000 });
    await shot(i === 0 ? name : `${name}-${size.width}x${size.height}`);
  }
  await wd.setWindowRect({ width: was.width, height: was.height });
}

/** Drags a rectangle over `bbox` (image pixels) with the viewer's rectangle tool, a few screen pixels around it. */
async function markOver(bbox) {
  await wd.click(await $(tid("tool-rect")));
  await waitFor("tool-rect pressed", async () => (await wd.attrOf(tid("tool-rect"), "aria-pressed")) === "true");
  const stage = await $(`${tid("scan-viewer")} .viewer-stage-wrap`);
  const r = await wd.rect(stage);
  // Image pixels to the element's: the overlay's transform, matrix(sx 0 0 sy tx ty).
  const matrix = await wd.execute(
    `return document.querySelector('[data-testid="scan-viewer"] .viewer-overlay > g').getAttribute("transform");`,
  );
  const [sx, , , sy, tx, ty] = /matrix\(([^)]*)\)/.exec(matrix)[1].trim().split(/[\s,]+/).map(Number);
  const [x, y, w, h] = bbox;
  // Pointer offsets are from the element's centre, in whole pixels.
  const at = (ix, iy, margin) => ({ x: Math.round(sx * ix + tx - r.width / 2 + margin), y: Math.round(sy * iy + ty - r.height / 2 + margin) });
  const from = at(x, y, -4);
  const to = at(x + w, y + h, 4);
  step(`  mark over [${bbox}]: screen scale ${sx.toFixed(3)}, drag ${JSON.stringify(from)} -> ${JSON.stringify(to)} from the image's centre`);
  const origin = { "element-6066-11e4-a52e-4f735466cecf": stage };
  await wd.actions([
    {
      type: "pointer",
      id: "mouse",
      parameters: { pointerType: "mouse" },
      actions: [
        { type: "pointerMove", duration: 0, origin, ...from },
        { type: "pointerDown", button: 0 },
        { type: "pointerMove", duration: 100, origin, x: Math.round((from.x + to.x) / 2), y: Math.round((from.y + to.y) / 2) },
        { type: "pointerMove", duration: 100, origin, ...to },
        { type: "pointerUp", button: 0 },
      ],
    },
  ]);
  await wd.releaseActions();
}

async function takeTraining() {
  step("6b. training: start the exercise from its folder");
  const truth = JSON.parse(await readFile(join(E.exercise, "exercise.json"), "utf8"));
  check(truth.images.some((i) => i.item !== null) && truth.images.some((i) => i.item === null), "the exercise has images with and without an item");
  await wd.click(await $("nav.nav button.nav-training"));
  await $("#training-title");
  check((await wd.find(tid("training-banner"))) !== null, "the training screen says it is training");
  await typeInto("#training-folder", E.exercise);
  await typeInto("#training-name", TRAINING_NAME);
  await shotAtSizes("training-start");
  await wd.click(await $(tid("training-start")));
  const exercise = await wd.waitElement(tid("training-exercise"), { timeoutMs: 120_000 });
  trained.attempt = await wd.attr(exercise, "data-attempt");
  check(/^[0-9a-f-]{36}$/.test(trained.attempt ?? ""), `the exercise names its attempt (${trained.attempt})`);
  check((await wd.find(`${tid("training-exercise")} ${tid("training-banner")}`)) !== null, "the exercise says it is training");
  step(`  attempt ${trained.attempt}: ${truth.images.map((i) => (i.item === null ? "-" : i.item.kind)).join(", ")}`);

  // An image with an item: a mark over it, "suspect": a hit. Without: the
  // first one "clear" (a correct rejection), the others "suspect" with no
  // mark (false alarms).
  let firstHit = true;
  for (const [i, image] of truth.images.entries()) {
    const n = i + 1;
    step(`  image ${n} of ${truth.images.length} (${image.name}): ${image.item === null ? "no item" : `${image.item.kind} at [${image.item.bbox}]`}`);
    await waitFor(`image ${n} shown (training-progress data-n=${n})`, async () => (await wd.attrOf(tid("training-progress"), "data-n")) === String(n));
    await waitFor(
      `image ${n} in the viewer with tiles`,
      async () => {
        const v = await viewer();
        return v !== null && v.state === "ready" && v.tiles > 0 && v.firstView !== null;
      },
      { timeoutMs: 60_000 },
    );
    let call;
    let want;
    if (image.item !== null) {
      await markOver(image.item.bbox);
      await waitFor("one mark listed", async () => (await wd.findAll(tid("training-mark-item"))).length === 1);
      check(!(await wd.enabled(await $(tid("training-clear")))), "Clear is refused while a mark is on the image");
      if (firstHit) await shotAtSizes("training-image", settled());
      [call, want] = ["training-suspect", "hit"];
      trained.hits += 1;
    } else if (trained.correctRejections === 0) {
      [call, want] = ["training-clear", "correct_rejection"];
      trained.correctRejections += 1;
    } else {
      [call, want] = ["training-suspect", "false_alarm"];
      trained.falseAlarms += 1;
    }
    await wd.click(await $(tid(call)));
    const feedback = await $(tid("training-feedback"));
    const outcome = await wd.attr(feedback, "data-outcome");
    const kind = await wd.attrOf(tid("training-item"), "data-kind");
    step(`    ${call.replace("training-", "")}: ${outcome}, held ${kind === "" ? "nothing" : kind}`);
    check(outcome === want, `image ${n}: the feedback says ${want} (${outcome})`);
    check(kind === (image.item?.kind ?? ""), `image ${n}: the feedback names what it held (${JSON.stringify(kind)})`);
    const boxes = await wd.findAll(`${tid("scan-viewer")} .viewer-overlay rect.training-item`);
    check(boxes.length === (image.item === null ? 0 : 1), `image ${n}: the item's box drawn on the image when there is one (${boxes.length})`);
    if (image.item !== null && firstHit) {
      firstHit = false;
      await shotAtSizes("training-feedback", settled());
    }
    await wd.click(await $(tid("training-next")));
  }
  trained.images = truth.images.length;

  step("6b. training: the results");
  const summary = await $(tid("training-summary"));
  check((await wd.attr(summary, "data-attempt")) === trained.attempt, "the results are the attempt's");
  const figure = (id) => wd.attrOf(tid(`training-score-${id}`), "data-value");
  const shown = {
    hits: await figure("hits"),
    misses: await figure("misses"),
    falseAlarms: await figure("false-alarms"),
    correctRejections: await figure("correct-rejections"),
    dPrime: await figure("d-prime"),
    meanTime: await figure("mean-time"),
  };
  step(`  ${JSON.stringify(shown)}`);
  check(
    shown.hits === String(trained.hits) && shown.misses === "0" && shown.falseAlarms === String(trained.falseAlarms) && shown.correctRejections === String(trained.correctRejections),
    `the results count what was answered (${JSON.stringify(shown)}; answered ${JSON.stringify(trained)})`,
  );
  check(/\d/.test(shown.dPrime ?? ""), `d′ is given: images of both kinds were answered (${shown.dPrime})`);
  check((await wd.findAll(tid("training-image-row"))).length === trained.images, "one row per image");
  await shotAtSizes("training-summary");

  await wd.click(await $(`${tid("training-summary")} .panel-head button`));
  const row = await $(`${tid("training-row")}[data-attempt="${trained.attempt}"]`);
  check((await wd.attr(row, "data-finished")) === "true", "the list shows the attempt finished");
  await shotAtSizes("training-list");
  await wd.click((await wd.findAll("nav.nav button"))[0]); // back to the queue
  await $("#queue-title");
}

// ---------------------------------------------------------------------------
// 6c. Projection in live work: at rate 1 (set with the CLI, as a trainer
// might, just before this step), the scan the crew opens in a second
// inspection is shown with a training item projected into it, nothing
// said; a decision with no mark on the item is the miss, told at once, and
// the decision stands. The rate goes back to 0 through the app's Settings.

/** What the step made: the live attempt and its item, checked at the centre after the sync. */
const lived = { inspection: null, attempt: null, kind: null };

async function openSettings() {
  await wd.click((await wd.findAll("nav.nav button"))[2]);
  await $("#settings-title");
}

async function liveTip() {
  step("6c. projection in live work: the rate set to 1 (kordon training live-rate 1)");
  const set = (await cli("training", "live-rate", "1")).trim();
  check(set === "1", `kordon training live-rate 1 printed the rate (${JSON.stringify(set)})`);
  await openSettings();
  await waitFor("Settings to show the rate set elsewhere (live-tip-setting data-rate=1)", async () => (await wd.attrOf(tid("live-tip-setting"), "data-rate")) === "1");
  const chosen = await wd.execute(`return document.querySelector('[data-testid="live-tip-setting"] input:checked')?.closest("label")?.textContent ?? null;`);
  check(/100/.test(chosen ?? ""), `Settings has the rate set elsewhere checked (${JSON.stringify(chosen)})`);
  await scrollTo(tid("live-tip-setting"), "center");
  await shot("live-tip-settings");

  step("6c. a second inspection, a scan imported: the projection shown in its place, nothing said");
  await wd.click((await wd.findAll("nav.nav button"))[0]); // the queue
  await $("#queue-title");
  await wd.click(await $('section[aria-labelledby="queue-title"] .panel-head button'));
  await typeInto("#tractor", LIVE_PLATE);
  await waitFor("the tractor plate to be accepted (#tractor-msg.ok)", async () => (await wd.attrOf("#tractor-msg", "class"))?.split(" ").includes("ok"));
  await wd.click(await $('form[aria-labelledby="form-title"] button[type="submit"]'));
  lived.inspection = await waitFor("the second inspection's screen", async () => {
    const id = await wd.attrOf(tid("inspection"), "data-inspection");
    return id !== null && id !== inspectionId ? id : null;
  });
  step(`  inspection ${lived.inspection}`);
  const opened = await importByPath(E.liveHigh, E.liveLow);
  const stored = JSON.parse(await cli("inspection", "show", lived.inspection));
  check(stored.scans.length === 1, `the second inspection has its scan (${stored.scans.length})`);
  const real = stored.scans[0].id;
  const shown = await wd.attrOf(tid("scan-viewer"), "data-scan");
  step(`  scan ${real.slice(0, 12)}…, the viewer shows ${shown?.slice(0, 12)}… (${opened.tiles} tiles)`);
  check(shown !== null && shown !== real, "at rate 1 the viewer shows a projection in place of the scan (data-scan is not the scan's id)");
  check((await wd.find(tid("live-tip-notice"))) === null && (await wd.find(tid("training-banner"))) === null, "nothing says a projection is shown");
  const words = await wd.execute(`return document.querySelector('[data-testid="inspection"]').textContent;`);
  check(!/TIP|Навчальн|навчальн/.test(words), "no word of training on the inspection screen");
  await waitFor("the projection's view to settle", settled());
  await scrollTo("#inspection-title");
  await shot("live-tip-shown");

  step("6c. a mark off the item: the crew's own, recorded on the inspection as usual; the projection stays");
  await markOver(OWN_MARK);
  const kindSelect = await $(tid("annotation-kind"));
  await wd.click(await $(`${tid("annotation-kind")} option[value="other"]`));
  await waitFor("annotation-kind to be other", async () => (await wd.prop(kindSelect, "value")) === "other");
  await typeInto("#annotation-label", OWN_MARK_LABEL);
  await wd.click(await $(tid("annotation-save")));
  await waitFor("one annotation-item", async () => (await wd.findAll(tid("annotation-item"))).length === 1);
  check((await wd.attrOf(tid("scan-viewer"), "data-scan")) === shown, "the projection is still shown after the crew's own mark");
  check((await wd.find(tid("live-tip-notice"))) === null, "nothing said of a mark off the item");
  await scrollTo("#inspection-title");
  await shot("live-tip-own-mark");

  step("6c. a decision with no mark on the item: the miss, told at once; the decision stands");
  await scrollTo("#decision-title");
  await wd.click(await $("label.outcome-release"));
  await waitFor("the outcome radio checked", async () => wd.prop(await $('input[name="outcome"][value="release"]'), "checked"));
  await wd.click(await $('form[aria-labelledby="decision-new-title"] button[type="submit"]'));
  const notice = await $(tid("live-tip-notice"));
  const [outcome, kind, told] = [await wd.attr(notice, "data-outcome"), await wd.attr(notice, "data-kind"), await wd.text(notice)];
  step(`  told: ${JSON.stringify(told)}`);
  check(outcome === "miss", `the notice tells a miss (${outcome})`);
  check(kind in ITEM_UK, `the notice names an item kind (${kind})`);
  check(told.includes("(TIP)") && told.includes(ITEM_UK[kind]) && told.includes("T2_high.tif"), `the notice says a training item, what it was and in which scan (${JSON.stringify(told)})`);
  lived.kind = kind;
  await waitFor("the real scan in the viewer again", async () => {
    const v = await viewer();
    return v !== null && v.state === "ready" && (await wd.attrOf(tid("scan-viewer"), "data-scan")) === real;
  });
  const entries = await waitFor("one decision in the history", async () => {
    const rows = await wd.findAll(`${tid("history")} li.decision`);
    return rows.length === 1 ? rows : null;
  });
  check(entries.length === 1, "the decision is in the history");
  check(((await wd.attrOf(tid("current-outcome"), "class")) ?? "").includes("outcome-release"), "the current outcome is release");
  await waitFor("the item's place framed on the real scan", async () => (await wd.findAll(`${tid("scan-viewer")} .viewer-overlay rect.training-item`)).length === 1);
  await waitFor("the real scan's view to settle", settled());
  await scrollTo("#inspection-title");
  await shot("live-tip-miss");
  const after = JSON.parse(await cli("inspection", "show", lived.inspection));
  check(after.decisions.length === 1 && after.decisions[0].outcome === "release" && after.decisions[0].officer === OFFICER, `the decision recorded as made (${JSON.stringify(after.decisions)})`);
  check(after.scans.length === 1 && after.scans[0].id === real, `the inspection holds its one scan, not the projection (${JSON.stringify(after.scans.map((s) => s.id))})`);
  const own = after.annotations;
  check(
    own.length === 1 && own[0].scan === real && own[0].kind === "other" && own[0].label === OWN_MARK_LABEL && own[0].added_by === OFFICER,
    `the crew's own mark recorded on the real scan (${JSON.stringify(own)})`,
  );
  const attempts = JSON.parse(await cli("training", "attempts", "--json")).filter((a) => a.live);
  check(attempts.length === 1, `one live attempt on the vehicle (${attempts.length})`);
  lived.attempt = attempts[0].id;
  check(attempts[0].answered === 1 && attempts[0].score?.misses === 1 && attempts[0].score?.hits === 0, `the live attempt is answered, a miss (${JSON.stringify(attempts[0])})`);

  step("6c. the rate back to 0 in Settings");
  await openSettings();
  await wd.click(await $(`${tid("live-tip-setting")} input[value="0"]`));
  await waitFor("live-tip-setting data-rate=0", async () => (await wd.attrOf(tid("live-tip-setting"), "data-rate")) === "0");
  const off = (await cli("training", "live-rate")).trim();
  check(off === "0", `the vehicle's rate is 0 again (${JSON.stringify(off)})`);
  await wd.click((await wd.findAll("nav.nav button"))[0]); // the queue
  await $("#queue-title");
}

// ---------------------------------------------------------------------------
// 10. The app locks itself after the idle time (here a few seconds, set
// through the UI's test-only localStorage key, then the page reloaded):
// the lock screen alone, nothing of the data in the page; an alert a
// camera raises meanwhile is counted, its plate not shown; a reload keeps
// it locked; a wrong PIN is refused; the right one brings back the screen
// that was open, and the alert.

/** The plates this test put on the vehicle, without spaces: canonical, and in Latin letters. */
const PLATES = ["АА1234ВС", "AA1234BC", "АІ5678ХТ", "AI5678XT", HOTLIST_PLATE, "ВС7777АА"];

/** The plates of PLATES found in the page: its whole DOM, text and attributes, spaces ignored. */
async function platesOnPage() {
  const html = await wd.execute("return document.documentElement.outerHTML;");
  const squeezed = html.replace(/\s+/g, "").toUpperCase();
  return PLATES.filter((p) => squeezed.includes(p));
}

/** Reloads the app's page; resolves once the new page has loaded. */
async function reload() {
  await wd.execute("window.kordonE2eOldPage = true; setTimeout(() => location.reload(), 0);");
  await waitFor(
    "the page to reload",
    async () => (await wd.execute("return window.kordonE2eOldPage === undefined && document.readyState === 'complete';")) === true,
    { timeoutMs: 60_000 },
  );
}

const LOCK_FORM = 'form[aria-labelledby="lock-title"]';

async function lockedWhileIdle() {
  step(`10. locked after ${TEST_LOCK_AFTER_SECONDS} s without input (the UI's test-only idle time), on the first inspection`);
  await wd.click((await wd.findAll("nav.nav button"))[0]); // the queue
  await $("#queue-title");
  await wd.click(await $(`${tid("queue-row")}[data-inspection="${inspectionId}"] button.row-open`));
  await $(`${tid("inspection")}[data-inspection="${inspectionId}"]`);
  const before = await waitFor("the inspection's plate on screen", async () => {
    const found = await platesOnPage();
    return found.length > 0 ? found : null;
  });
  step(`  plates on screen before the lock: ${before.join(", ")}`);
  const route = await wd.execute("return location.hash;");
  await wd.execute("localStorage.setItem(arguments[0], arguments[1]);", [TEST_LOCK_AFTER_SECONDS_KEY, String(TEST_LOCK_AFTER_SECONDS)]);
  const reloadedAt = Date.now();
  await reload();
  check((await wd.execute("return location.hash;")) === route, `the reload keeps the screen (${route})`);
  // No input reaches the page from here on: WebDriver only looks.
  await wd.waitElement("#lock-title", { timeoutMs: 60_000 });
  const after = Date.now() - reloadedAt;
  step(`  locked ${after} ms after the reload`);
  check(after >= TEST_LOCK_AFTER_SECONDS * 1000, `not locked before the idle time (${after} ms)`);
  check((await wd.find(tid("inspection"))) === null && (await wd.find("#queue-title")) === null, "no screen of the data under the lock screen");
  check((await wd.find(tid("sync-link"))) === null && (await wd.find(tid("alert-slot"))) === null, "no sync bar and no alert banner while locked");
  check((await wd.execute("return document.activeElement && document.activeElement.id;")) === "lock-pin", "the focus is on the PIN field");
  check((await wd.prop(await $("#lock-officer"), "value")) === OFFICER, "the officer signed in is filled in");
  const locked = await platesOnPage();
  check(locked.length === 0, `no plate in the locked page (${locked.join(", ")})`);

  step("10. a camera reads the hotlisted plate while locked: counted on the lock screen, its plate not shown");
  const answer = await cameraPush(E.anpr, HOTLIST_PLATE);
  check(answer === 200, `the app's ANPR ingest answered the camera while locked (${answer})`);
  await waitFor("the lock screen to count the new alert (lock-alerts data-count=1)", async () => (await wd.attrOf(tid("lock-alerts"), "data-count")) === "1");
  const withAlert = await platesOnPage();
  check(withAlert.length === 0, `no plate in the locked page with the alert waiting (${withAlert.join(", ")})`);
  await shot("locked");

  step("10. a reload keeps it locked; a wrong PIN is refused");
  await wd.execute("localStorage.removeItem(arguments[0]);", [TEST_LOCK_AFTER_SECONDS_KEY]);
  await reload();
  await wd.waitElement("#lock-title", { timeoutMs: 60_000 });
  check((await wd.find(tid("inspection"))) === null && (await platesOnPage()).length === 0, "reloaded, still the lock screen alone");
  await typeInto("#lock-pin", "1357");
  await wd.click(await $(`${LOCK_FORM} button[type="submit"]`));
  const refused = await wd.text(await $(`${LOCK_FORM} .notice-error`));
  check(refused.includes("Wrong PIN"), `the wrong PIN refused in words (${JSON.stringify(refused)})`);
  check((await wd.find("#lock-title")) !== null && (await wd.find(tid("inspection"))) === null, "still locked after a wrong PIN");
  check((await platesOnPage()).length === 0, "no plate after the wrong PIN");
  await shot("locked-wrong-pin");

  // Another officer of the crew unlocks with their own key; an officer ID
  // that holds none cannot unlock by choosing a PIN (the lock would be no lock).
  step("10. an officer ID without a key cannot unlock");
  await typeInto("#lock-officer", "OF-9999");
  await typeInto("#lock-pin", "4321");
  await wd.click(await $(`${LOCK_FORM} button[type="submit"]`));
  const noKey = await waitFor("the app's answer to an officer without a key (refused, or unlocked)", async () => {
    if ((await wd.find("#lock-title")) === null) return { unlocked: true };
    const notice = await wd.find(`${LOCK_FORM} .notice-error`);
    const text = notice === null ? "" : await wd.text(notice);
    return text.includes("holds no key") ? { refused: text } : null;
  });
  check(noKey.unlocked !== true, "an officer ID that holds no key must not unlock the app (it did)");
  check((await wd.find(tid("inspection"))) === null, `still locked for an officer without a key (${JSON.stringify(noKey.refused)})`);
  await typeInto("#lock-officer", OFFICER);

  step("10. the right PIN: back on the inspection that was open, with the alert raised meanwhile");
  await typeInto("#lock-pin", PIN);
  await wd.click(await $(`${LOCK_FORM} button[type="submit"]`));
  await $(`${tid("inspection")}[data-inspection="${inspectionId}"]`);
  check((await wd.execute("return location.hash;")) === route, `unlocked on the same screen (${route})`);
  const seen = await wd.text(await $(`${tid("alert-card")} ${tid("alert-seen")}`));
  check(seen.trim() === HOTLIST_PLATE, `the alert raised while locked is on the banner now (${JSON.stringify(seen)})`);
  await wd.click(await $(`${tid("alert-card")} button[data-response="confirmed"]`));
  await waitFor("the answered alert to leave the banner", async () => (await wd.find(tid("alert-banner"))) === null);
}

/** One call to the console's API (the server's HTTP side), as JSON; `cookie` the session's. */
function consoleApi(method, path, { body, cookie } = {}) {
  const url = new URL(path.replace(/^\//, ""), E.consoleUrl);
  const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        method,
        headers: {
          Accept: "application/json",
          ...(data === null ? {} : { "Content-Type": "application/json", "Content-Length": data.length }),
          ...(cookie === undefined ? {} : { Cookie: cookie }),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200) return fail(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
          const setCookie = (res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
          done({ json: JSON.parse(text), cookie: setCookie });
        });
      },
    );
    req.on("error", fail);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url}`)));
    req.end(data ?? undefined);
  });
}

/** After the sync: the attempt at the centre, scored there from the signed answers as the app scored it. */
async function trainingAtCentre() {
  step("8a. the training attempt at the centre (GET /api/training, a trainer's account)");
  check(trained.attempt !== null, "a training attempt was taken");
  const login = await consoleApi("POST", "/api/login", { body: { name: E.trainer, password: E.trainerPassword } });
  check(login.json.role === "trainer" && login.cookie.includes("kordon_session="), `signed in to the console as a trainer (${JSON.stringify(login.json)})`);
  const found = await waitFor(`attempt ${trained.attempt} of ${OFFICER} in GET /api/training`, async () => {
    const { json } = await consoleApi("GET", "/api/training", { cookie: login.cookie });
    return json.find((p) => p.trainee === OFFICER)?.attempts.find((a) => a.id === trained.attempt) ?? null;
  });
  step(`  ${JSON.stringify(found)}`);
  check(found.name === TRAINING_NAME && found.finished && found.answered === trained.images && found.total === trained.images, `the attempt, finished (${JSON.stringify(found)})`);
  const s = found.score;
  check(
    s.hits === trained.hits && s.misses === 0 && s.false_alarms === trained.falseAlarms && s.correct_rejections === trained.correctRejections,
    `the centre's score is the app's (${JSON.stringify(s)}; answered ${JSON.stringify(trained)})`,
  );
  const { json: whole } = await consoleApi("GET", `/api/training/${trained.attempt}`, { cookie: login.cookie });
  for (const image of whole.images) {
    check(image.answer !== null && image.answer.time_ms > 0, `${image.name}: answered, timed (${JSON.stringify(image.answer)})`);
    check((image.item === null) === (image.answer.marks.length === 0), `${image.name}: a mark only where an item was (${JSON.stringify(image.answer.marks)})`);
  }
  check(found.live === false, "the exercise is not a live projection");

  step("8a. the projection in live work at the centre: a live attempt, one miss");
  check(lived.attempt !== null, "a live projection was missed");
  const live = await waitFor(`the live attempt ${lived.attempt} in GET /api/training`, async () => {
    const { json } = await consoleApi("GET", "/api/training", { cookie: login.cookie });
    return json.find((p) => p.trainee === OFFICER)?.attempts.find((a) => a.id === lived.attempt) ?? null;
  });
  step(`  ${JSON.stringify(live)}`);
  check(live.live === true && live.total === 1 && live.answered === 1 && live.finished, `the attempt is live, of one image, answered (${JSON.stringify(live)})`);
  check(live.score?.misses === 1 && live.score.hits === 0, `the centre scores it a miss (${JSON.stringify(live.score)})`);
  const { json: one } = await consoleApi("GET", `/api/training/${lived.attempt}`, { cookie: login.cookie });
  check(one.images[0]?.outcome === "miss" && one.images[0].item?.kind === lived.kind && one.images[0].answer?.marks.length === 0, `its image: the item missed, no mark (${JSON.stringify(one.images[0])})`);
}

/** A small real PNG (stripes), as a camera's plate crop or scene. */
function png(width, height, shade) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = (x >> 3) % 2 === 0 ? shade : 255 - shade;
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/**
 * A Hikvision ISAPI push as the camera makes it (multipart: the alert's
 * XML, a plate crop, a scene), with no Origin or fetch metadata (a camera
 * sends none). Resolves to the HTTP status of the answer.
 */
function cameraPush(addr, plate) {
  const [host, port] = addr.split(":");
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>10.0.0.21</ipAddress><channelID>1</channelID><dateTime>${new Date().toISOString()}</dateTime>
<eventType>ANPR</eventType><ANPR><country>UA</country><licensePlate>${plate}</licensePlate>
<line>1</line><confidenceLevel>93</confidenceLevel><direction>forward</direction></ANPR></EventNotificationAlert>`;
  const parts = [
    ["anpr.xml", "application/xml", Buffer.from(xml)],
    ["licensePlatePicture.png", "image/png", png(160, 40, 30)],
    ["detectionPicture.png", "image/png", png(320, 180, 90)],
  ];
  const body = Buffer.concat([
    ...parts.flatMap(([name, type, bytes]) => [
      Buffer.from(`--MIME_boundary\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`),
      bytes,
      Buffer.from("\r\n"),
    ]),
    Buffer.from("--MIME_boundary--\r\n"),
  ]);
  return new Promise((done, fail) => {
    const req = request(
      {
        host,
        port: Number(port),
        method: "POST",
        path: "/ISAPI/Event/notification/alertStream",
        headers: { "Content-Type": "multipart/form-data; boundary=MIME_boundary", "Content-Length": body.length },
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode));
      },
    );
    req.on("error", fail);
    req.on("timeout", () => req.destroy(new Error(`no answer from the app's ANPR ingest at ${addr}`)));
    req.end(body);
  });
}

/** A probe that is true once data-tiles-loaded stays the same for 1.5 s. */
function settled() {
  let last = -1;
  let since = Date.now();
  return async () => {
    const v = await viewer();
    if (v.tiles !== last) {
      last = v.tiles;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= 1500;
  };
}

// ---------------------------------------------------------------------------
// 7. The store, through the CLI, and the signed records themselves.

async function checkStore() {
  step("7. the store, through the CLI");
  check(inspectionId !== null, "an inspection was created");
  const view = JSON.parse(await cli("inspection", "show", inspectionId));
  check(view.id === inspectionId, "inspection show returns the inspection");
  check(view.created_by === OFFICER, `created_by ${view.created_by}`);
  check(view.tractor_plate?.raw === PLATE, `tractor plate stored as typed (${JSON.stringify(view.tractor_plate)})`);
  check(JSON.stringify(view.containers).includes(CONTAINER), `container ${CONTAINER} stored (${JSON.stringify(view.containers)})`);
  check(view.scans.length === 1, `one scan (${view.scans.length})`);
  const scan = view.scans[0];
  const energies = scan.images.map((i) => i.energy).sort();
  check(JSON.stringify(energies) === '["high","low"]', `the scan is a high/low pair (${JSON.stringify(energies)})`);
  check(scan.added_by === OFFICER, `scan added_by ${scan.added_by}`);
  check(view.annotations.length === 1, `one annotation (${view.annotations.length})`);
  const a = view.annotations[0];
  check(a.added_by === OFFICER && a.kind === "density_anomaly" && a.label === MARK_LABEL && a.scan === scan.id, `annotation ${JSON.stringify(a)}`);
  check(a.shape.type === "rect" && a.shape.w > 0 && a.shape.h > 0, `a non-empty rectangle (${JSON.stringify(a.shape)})`);
  check(view.decisions.length === 1, `one decision (${view.decisions.length})`);
  const d = view.decisions[0];
  check(
    d.officer === OFFICER && d.outcome === "physical_inspection" && d.reasons.includes("DENSITY_ANOMALY") && d.note === DECISION_NOTE,
    `decision ${JSON.stringify(d)}`,
  );
  check(view.notes === OFFLINE_NOTE, `notes written offline are stored (${JSON.stringify(view.notes)})`);

  step("7. export, offline verification, and each signed record");
  const file = join(E.work, "export.json");
  await cli("export", inspectionId, "--out", file);
  let verdict;
  try {
    verdict = JSON.parse(await cli("verify", file, "--json"));
  } catch (e) {
    throw new Error(`kordon verify refused the export: ${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
  check(verdict.problems.length === 0 && verdict.view_matches, `kordon verify: ${JSON.stringify(verdict)}`);
  check(verdict.signatures_valid === verdict.records, `every signature valid (${JSON.stringify(verdict)})`);
  const exported = JSON.parse(await readFile(file, "utf8"));
  const docId = inspectionId.replaceAll("-", "");
  const records = exported.records.map((r) => ({ ...parseRecord(Buffer.from(r.record, "base64")), listed: r }));
  for (const r of records) {
    check(r.valid, `record ${r.id}: Ed25519 signature valid (checked here, independently of kordon verify)`);
    check(r.id === r.listed.id && r.officer === r.listed.officer, `record ${r.id}: the file's id and officer are the signed ones`);
    check(r.docId === docId, `record ${r.id}: belongs to the inspection`);
  }
  const tampered = Buffer.from(exported.records[0].record, "base64");
  tampered[55] ^= 1; // created_ms: still well-formed, no longer what was signed
  check(!parseRecord(tampered).valid, "the signature check here refuses an altered record");
  const ops = records.map((r) => ({ op: r.message.split(" by ")[0], by: r.message.split(" by ")[1], officer: r.officer, receipt: r.listed.receipt !== null || r.listed.log !== null }));
  step(`  records: ${ops.map((x) => `${x.op}/${x.officer}${x.receipt ? "/receipt" : ""}`).join(", ")}`);
  for (const op of ["create", "scan", "annotate", "decide"]) {
    const mine = ops.filter((x) => x.op === op);
    check(mine.length === 1, `one "${op}" record (${mine.length})`);
    check(mine[0].officer === OFFICER && mine[0].by === OFFICER, `"${op}" signed for ${OFFICER} (${JSON.stringify(mine[0])})`);
    check(mine[0].receipt, `"${op}" acknowledged by the server (proven in its log)`);
  }
  const notes = ops.filter((x) => x.op === "notes");
  check(notes.length === 1 && notes[0].officer === OFFICER, `one "notes" record by ${OFFICER} (${JSON.stringify(notes)})`);
  check(!notes[0].receipt, `the "notes" record made offline is not acknowledged yet`);
  check(
    verdict.proofs_valid + verdict.receipts_valid === ops.filter((x) => x.receipt).length,
    `every inclusion proof valid (${JSON.stringify(verdict)})`,
  );
  check(
    verdict.warnings.some((w) => w.includes("not acknowledged")),
    `kordon verify reports the record the server has not acknowledged (${JSON.stringify(verdict.warnings)})`,
  );
}

main().then(
  () => {
    step("all checks passed");
  },
  (e) => {
    console.error(`[app-e2e] FAILED: ${e instanceof Error ? e.message : String(e)}`);
    if (e instanceof Error && e.stack) console.error(e.stack.split("\n").slice(1, 6).join("\n"));
    process.exitCode = 1;
  },
);
