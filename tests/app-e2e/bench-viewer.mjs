// The viewer's figures in the real app (BENCHMARKS.md): time from opening
// a 4096 × 8192 16-bit dual-energy scan (its tiles built at import) to the
// first full view, in a freshly started app each time; then, panning at
// full resolution, how long after a drag starts every new tile is drawn.
// (WebKit keeps no resource timing for the app's `kordon:` scheme; the
// render time of one tile is `kordon-bench viewer`'s figure.) Started by run.sh with
// KORDON_APP_E2E_SCRIPT=bench-viewer.mjs (see README.md). The app opens the
// vehicle's data only at a sign-in (the first one encrypts it): each run
// signs in through the UI before opening the scan. Every CLI call comes
// before the first sign-in, on the plain folder.

import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { WebDriver, waitFor } from "./webdriver.mjs";

const run = promisify(execFile);
const env = (n) => {
  const v = process.env[n];
  if (v === undefined || v === "") throw new Error(`${n} is not set (start with tests/app-e2e/run.sh)`);
  return v;
};
const E = {
  webdriver: env("KORDON_E2E_WEBDRIVER"),
  app: resolve(env("KORDON_E2E_APP")),
  cli: resolve(env("KORDON_E2E_CLI")),
  vehicle: resolve(env("KORDON_E2E_VEHICLE")),
  work: resolve(env("KORDON_E2E_WORK")),
};
const RUNS = Number(process.env.KORDON_BENCH_RUNS ?? 5);
const OFFICER = "OF-BENCH";
const PIN = "2468";
const tid = (id) => `[data-testid="${id}"]`;
const cli = async (...args) => (await run(E.cli, ["--data", E.vehicle, ...args], { maxBuffer: 64 << 20 })).stdout;
const pct = (xs, q) => xs[Math.min(xs.length - 1, Math.floor((xs.length - 1) * q))];
const wd = new WebDriver(E.webdriver);

async function setUp() {
  await cli("signin", OFFICER, "--pin", PIN);
  const id = (await cli("inspection", "new", "--plate", "AA0001BC")).trim();
  const drop = join(E.work, "big");
  await run(E.cli, ["--data", E.vehicle, "scan", "synth", "--out", drop, "--name", "BIG", "--width", "4096", "--height", "8192", "--seed", "3"]);
  await cli("scan", "add", id, join(drop, "BIG_high.tif"), "--low", join(drop, "BIG_low.tif"), "--pixel-mm", "5");
  return id;
}

async function viewerAttr(name) {
  const el = await wd.find(tid("scan-viewer"));
  return el === null ? null : wd.attr(el, name);
}

/** Signs in through the app's sign-in screen: the PIN opens the vehicle's data. */
async function signIn() {
  const officer = await wd.waitElement("#signin-officer", { timeoutMs: 90_000 });
  await wd.clear(officer);
  await wd.type(officer, OFFICER);
  await wd.type(await wd.waitElement("#signin-pin"), PIN);
  await wd.click(await wd.waitElement('form[aria-labelledby="signin-title"] button[type="submit"]'));
}

/** Opens the app, signs in, opens the inspection, and waits for the first full view. */
async function firstView() {
  await wd.newSession({ alwaysMatch: { "tauri:options": { application: E.app, args: ["--data", E.vehicle] } } });
  try {
    await signIn();
    // A row opens by its button (as in run.mjs): the row itself is not a control.
    await wd.click(await wd.waitElement(`${tid("queue-row")} button.row-open`, { timeoutMs: 120_000 }));
    const ms = await waitFor("data-first-view-ms on the viewer", () => viewerAttr("data-first-view-ms"), {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    return Number(ms);
  } catch (e) {
    await wd.deleteSession().catch(() => undefined);
    throw e;
  }
}

async function panning() {
  for (let i = 0; i < 6; i++) await wd.press("+");
  await waitFor("zoomed in", async () => Number(await viewerAttr("data-zoom")) >= 0.9, { timeoutMs: 30_000 });
  const stage = await wd.waitElement(`${tid("scan-viewer")} .viewer-stage-wrap`);
  await wd.execute(`arguments[0].scrollIntoView({ block: "center" });`, [WebDriver.elementArg(stage)]);
  const r = await wd.rect(stage);
  const [dx, dy] = [Math.round(Math.min(200, r.width / 4)), Math.round(Math.min(120, r.height / 4))];
  const origin = WebDriver.elementArg(stage);
  const drags = [];
  for (let i = 0; i < 8; i++) {
    const before = Number(await viewerAttr("data-tiles-loaded"));
    const t0 = Date.now();
    await wd.actions([
      {
        type: "pointer",
        id: "mouse",
        parameters: { pointerType: "mouse" },
        actions: [
          { type: "pointerMove", duration: 0, origin, x: dx, y: dy },
          { type: "pointerDown", button: 0 },
          { type: "pointerMove", duration: 200, origin, x: -dx, y: -dy },
          { type: "pointerUp", button: 0 },
        ],
      },
    ]);
    await wd.releaseActions();
    // Settled: no new tile for 300 ms.
    let last = before;
    let lastChange = Date.now();
    await waitFor(
      "panning to settle",
      async () => {
        const n = Number(await viewerAttr("data-tiles-loaded"));
        if (n !== last) {
          last = n;
          lastChange = Date.now();
        }
        return Date.now() - lastChange > 300;
      },
      { timeoutMs: 30_000, intervalMs: 25 },
    );
    drags.push({ tiles: last - before, settleMs: lastChange - t0 });
  }
  return { drags };
}

async function main() {
  console.log("[bench-viewer] importing a 4096 × 8192 dual-energy scan (tiles built at import)");
  await setUp();
  const firsts = [];
  let pan = null;
  for (let i = 0; i < RUNS; i++) {
    const ms = await firstView();
    firsts.push(ms);
    console.log(`[bench-viewer] run ${i + 1}: first full view ${ms.toFixed(0)} ms after opening the scan`);
    if (i === RUNS - 1) pan = await panning();
    await wd.deleteSession();
  }
  firsts.sort((a, b) => a - b);
  console.log(
    `[bench-viewer] first full view: median ${pct(firsts, 0.5).toFixed(0)} ms, worst ${firsts[firsts.length - 1].toFixed(0)} ms (target ≤ 500)`,
  );
  const settle = pan.drags.map((d) => d.settleMs).sort((a, b) => a - b);
  console.log(
    `[bench-viewer] after each of ${settle.length} drags: new tiles ${pan.drags.map((d) => d.tiles).join(", ")}; all drawn within median ${pct(settle, 0.5)} ms, worst ${settle[settle.length - 1]} ms of the drag's start (drag 200 ms)`,
  );
}

main().catch((e) => {
  console.error(`[bench-viewer] FAILED: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
