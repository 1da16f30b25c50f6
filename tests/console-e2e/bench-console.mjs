// The console's load, as a supervisor waits for it: Debian's chromium
// (playwright-core) opens the console of a real kordon-server, already
// signed in, at 1366 × 768, and the figures are
//   - JavaScript loaded: bytes of every script the page fetched (decoded,
//     and as sent over the wire), and CSS;
//   - time to an interactive queue: from the navigation's start to the
//     first page of rows drawn, and to the first `j` key answered (a row
//     highlighted) — the queue is usable then;
// cold (a fresh browser profile: nothing cached) and warm (a reload in the
// same profile: the immutable assets come from the browser's cache), five
// runs each. The raw `GET /api/inspections` the page makes is timed beside
// it as the baseline (the server's share).
//
// Started by run.sh with KORDON_CONSOLE_E2E_SCRIPT=bench-console.mjs (and
// KORDON_CONSOLE_E2E_SYNTHETIC=N for a fuller queue); see BENCHMARKS.md.

import { chromium } from "playwright-core";

function env(name) {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} is not set (start the bench with tests/console-e2e/run.sh)`);
  return v;
}

const E = {
  chromium: env("KORDON_E2E_CHROMIUM"),
  url: env("KORDON_E2E_URL"),
  sup: { name: env("KORDON_E2E_SUP_NAME"), password: env("KORDON_E2E_SUP_PASSWORD") },
};
const RUNS = Number(process.env.KORDON_BENCH_RUNS ?? 5);
const CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const rowSel = '[data-testid="console-row"]';

async function waitFor(what, fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** One load of the queue in `page`: milliseconds to rows and to the first key answered, and what was fetched. */
async function load(page, how) {
  const fetched = [];
  const onResponse = (r) => {
    const type = r.request().resourceType();
    if (type === "script" || type === "stylesheet") fetched.push(r);
  };
  page.on("response", onResponse);
  const t0 = Date.now();
  if (how === "reload") await page.reload({ waitUntil: "commit" });
  else await page.goto(E.url, { waitUntil: "commit" });
  await page.waitForSelector(rowSel, { timeout: 30_000 });
  const rowsMs = Date.now() - t0;
  await page.keyboard.press("j");
  await waitFor("a highlighted row after j", async () => (await page.locator(`${rowSel}[aria-selected="true"]`).count()) > 0);
  const interactiveMs = Date.now() - t0;
  page.off("response", onResponse);
  const rowCount = await page.locator(rowSel).count();
  // Sizes from the page's own resource timing (wire and decoded).
  const timing = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((e) => ({ name: e.name, type: e.initiatorType, wire: e.transferSize, decoded: e.decodedBodySize })),
  );
  let jsBytes = 0;
  let jsWire = 0;
  let cssBytes = 0;
  let scripts = 0;
  const names = [];
  for (const r of fetched) {
    const t = timing.find((x) => x.name === r.url());
    const body = await r.body().catch(() => Buffer.alloc(0));
    if (r.request().resourceType() === "script") {
      scripts++;
      names.push(`${new URL(r.url()).pathname.split("/").pop()} ${(body.length / 1024).toFixed(0)} KiB`);
      jsBytes += body.length;
      jsWire += t?.wire ?? 0;
    } else {
      cssBytes += body.length;
    }
  }
  return { rowsMs, interactiveMs, rowCount, jsBytes, jsWire, cssBytes, scripts, names };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;

const browser = await chromium.launch({ executablePath: E.chromium, args: CHROMIUM_ARGS });
try {
  const cold = [];
  const warm = [];
  const api = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const r = await context.request.post(new URL("api/login", E.url).href, { data: { name: E.sup.name, password: E.sup.password } });
    if (r.status() !== 200) throw new Error(`sign-in refused: ${r.status()}`);
    const page = await context.newPage();
    cold.push(await load(page, "goto"));
    warm.push(await load(page, "reload"));
    const t = Date.now();
    const q = await context.request.get(new URL("api/inspections", E.url).href);
    if (q.status() !== 200) throw new Error(`GET /api/inspections: ${q.status()}`);
    await q.body();
    api.push(Date.now() - t);
    await context.close();
  }
  const line = (name, xs) =>
    console.log(
      `  ${name.padEnd(5)} rows drawn ${String(median(xs.map((x) => x.rowsMs))).padStart(4)} ms, interactive ${String(median(xs.map((x) => x.interactiveMs))).padStart(4)} ms (median of ${xs.length}; max ${Math.max(...xs.map((x) => x.interactiveMs))} ms); ` +
        `${xs[0].scripts} scripts, JS ${kib(xs[0].jsBytes)} (${kib(xs[0].jsWire)} over the wire), CSS ${kib(xs[0].cssBytes)}`,
    );
  console.log(`console in chromium, 1366 × 768, ${cold[0].rowCount} rows on the first page:`);
  console.log(`  GET /api/inspections alone (baseline): median ${median(api)} ms`);
  line("cold", cold);
  console.log(`        scripts: ${cold[0].names.join(", ")}`);
  line("warm", warm);
  console.log(
    JSON.stringify({
      bench: "console-load",
      runs: RUNS,
      rows: cold[0].rowCount,
      api_ms: median(api),
      cold_rows_ms: median(cold.map((x) => x.rowsMs)),
      cold_interactive_ms: median(cold.map((x) => x.interactiveMs)),
      warm_rows_ms: median(warm.map((x) => x.rowsMs)),
      warm_interactive_ms: median(warm.map((x) => x.interactiveMs)),
      js_bytes: cold[0].jsBytes,
      js_wire_bytes: cold[0].jsWire,
      warm_js_wire_bytes: warm[0].jsWire,
      css_bytes: cold[0].cssBytes,
    }),
  );
} finally {
  await browser.close();
}
