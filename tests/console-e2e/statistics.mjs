// The console's statistics page, end to end: every figure the page shows
// and every cell of its CSV exports, against statistics the caller worked
// out on its own. The formats are written again here from the page's
// rules (Intl, in the UI language's locale), not taken from the UI's code,
// so a wrong format fails here as a wrong figure would.
//
//   const checks = await checkStatisticsPage(page, { url, from, to, expected, lang: "en", shot });
//
// `page`: a signed-in supervisor's (or auditor's) playwright Page; `url`:
// where the console is; `from`, `to`: the period (UTC days, both
// included); `unit`: optional; `expected`: the `Statistics` of that period;
// `lang`: the UI language to check in first ("en" or "uk"); `shot(name)`:
// takes a screenshot. Checks every table's rows and cells and the headline
// figures, then each CSV export, then the headline and the days' table in
// the other language (screenshots "statistics-en" and "statistics-uk"),
// and leaves the page in `lang`. Returns the number of checks made; throws
// on the first failed phase, naming table, row, column, expected and shown.

/** The UI's locales for its two languages (ui/src/i18n/translate.ts LOCALES). */
export const LOCALES = { en: "en-GB", uk: "uk-UA" };

export const NONE = "—";

/** The page's display formats in a language. */
export function formats(lang) {
  const locale = LOCALES[lang];
  if (locale === undefined) throw new Error(`no locale for the language ${lang}`);
  const counts = new Intl.NumberFormat(locale);
  const rates = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const ratios = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const minutes = new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "short", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const days = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  return {
    count: (n) => counts.format(n),
    rate: (r) => (r === null || r === undefined ? NONE : rates.format(r)),
    ratio: (x) => (x === null || x === undefined ? NONE : ratios.format(x)),
    duration: (ms) => (ms === null || ms === undefined ? NONE : minutes.format(ms / 60000)),
    day: (day) => days.format(new Date(`${day}T00:00:00Z`)),
  };
}

/** The columns the page's count tables show after their keys, named as the Rust fields. */
export const SHOWN_COUNT_COLUMNS = [
  "inspections", "release", "physical_inspection", "detain", "refer", "undecided", "scans_per_inspection",
  "reviewed", "agreed", "agreement_rate", "returns", "returns_answered", "mean_answer_ms",
  "mean_scan_to_decision_ms", "hotlist_hits",
];
export const SHOWN_OFFICER_COLUMNS = ["reviewed", "agreed", "overruled", "returned", "agreement_rate"];

/** The CSV exports' columns (crates/kordon-api/src/statistics.rs COUNT_COLUMNS, OFFICER_COLUMNS). */
export const CSV_COUNT_COLUMNS = [
  "inspections", "release", "physical_inspection", "detain", "refer", "undecided", "scans", "scans_per_inspection",
  "reviewed", "agreed", "overruled", "returned", "agreement_rate", "returns", "returns_answered", "mean_answer_ms",
  "timed_decisions", "mean_scan_to_decision_ms", "hotlist_hits", "inspections_with_hits", "answer_ms_total",
  "scan_to_decision_ms_total",
];
export const CSV_OFFICER_COLUMNS = ["officer", "reviewed", "agreed", "overruled", "returned", "agreement_rate"];

const FRACTION_COLUMNS = new Set(["agreement_rate", "scans_per_inspection"]);

/** One figure as the page shows it. */
export function shown(f, column, value) {
  if (column === "agreement_rate") return f.rate(value);
  if (column === "scans_per_inspection") return f.ratio(value);
  if (column === "mean_answer_ms" || column === "mean_scan_to_decision_ms") return f.duration(value);
  return value === null || value === undefined ? NONE : f.count(value);
}

/** One figure as the CSV writes it: fractions with four decimals, times in whole ms, nothing for null. */
export function csvValue(column, value) {
  if (value === null || value === undefined) return "";
  if (FRACTION_COLUMNS.has(column)) return value.toFixed(4);
  return String(value);
}

/**
 * Whether a CSV cell is the value: exactly, or for a fraction exactly
 * halfway between two four-decimal numbers, either of them (the server
 * may round such a tie to even where toFixed rounds it up).
 */
export function csvCellMatches(column, value, cell) {
  const want = csvValue(column, value);
  if (cell === want) return true;
  if (!FRACTION_COLUMNS.has(column) || value === null || value === undefined || !/^-?\d+\.\d{4}$/.test(cell)) return false;
  const scaled = value * 1e4;
  const tie = Math.abs(Math.abs(scaled - Math.trunc(scaled)) - 0.5) < 1e-7;
  return tie && Math.abs(Number(cell) * 1e4 - scaled) <= 0.5 + 1e-7;
}

/** RFC 4180: fields separated by commas, records by CRLF or LF, quoted fields with "" for a quote; a BOM is skipped. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  let inRow = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        const next = text[i + 1];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") throw new Error(`CSV: text after a closing quote at ${i + 1}`);
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== "") throw new Error(`CSV: a quote inside an unquoted field at ${i}`);
      quoted = true;
      inRow = true;
      i++;
      continue;
    }
    if (c === ",") {
      row.push(field);
      field = "";
      inRow = true;
      i++;
      continue;
    }
    if (c === "\r" && text[i + 1] === "\n") {
      i++;
      continue;
    }
    if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      inRow = false;
      i++;
      continue;
    }
    field += c;
    inRow = true;
    i++;
  }
  if (quoted) throw new Error("CSV: a quoted field is not closed");
  if (inRow) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Every UTC day from `from` to `to`, both included. */
export function daysOf(from, to) {
  const days = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); ms <= end; ms += 86400000) {
    days.push(new Date(ms).toISOString().slice(0, 10));
  }
  return days;
}

// Intl puts plain or narrow no-break spaces where a page's text may have either.
const norm = (s) => String(s ?? "").replace(/[\s\u00a0\u202f]+/g, " ").trim();

const tid = (id) => `[data-testid="${id}"]`;

async function waitFor(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`statistics: timed out after ${timeoutMs / 1000}s waiting for ${what}${last === null ? "" : ` (last error: ${last.message})`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The page's state, its tables (rows with each cell's text and day) and headline figures, read at once. */
function readPage(page) {
  return page.evaluate(() => {
    const root = document.querySelector('[data-testid="stats-page"]');
    const tables = {};
    for (const name of ["days", "units", "day_units", "officers"]) {
      const t = document.querySelector(`[data-testid="stats-table-${name}"]`);
      if (t === null) continue;
      tables[name] = [...t.querySelectorAll("tr[data-key]")].map((tr) => ({
        key: tr.getAttribute("data-key"),
        cells: Object.fromEntries([...tr.querySelectorAll("td[data-col]")].map((td) => [td.getAttribute("data-col"), { text: td.textContent, day: td.getAttribute("data-day") }])),
      }));
    }
    const totals = Object.fromEntries(
      [...document.querySelectorAll('[data-testid^="stats-total-"]')].map((e) => [e.getAttribute("data-testid").slice("stats-total-".length), e.textContent]),
    );
    const csv = Object.fromEntries([...document.querySelectorAll('[data-testid^="stats-csv-"]')].map((a) => [a.getAttribute("data-testid").slice("stats-csv-".length), a.getAttribute("href")]));
    const problem = document.querySelector('[data-testid="stats-invalid"], [data-testid="stats-page"] [role="alert"]');
    return {
      state: root?.getAttribute("data-state") ?? null,
      from: root?.getAttribute("data-from") ?? null,
      to: root?.getAttribute("data-to") ?? null,
      unit: root?.getAttribute("data-unit") ?? null,
      problem: problem === null ? null : problem.textContent,
      lang: document.documentElement.lang,
      tables,
      totals,
      csv,
    };
  });
}

/** Compares the shown page with `expected`; returns [checks, mismatches]. */
function comparePage(seen, expected, { from, to, lang, only }) {
  const f = formats(lang);
  const bad = [];
  let checks = 0;
  const same = (where, want, got) => {
    checks++;
    if (norm(want) !== norm(got)) bad.push(`${where}: expected ${JSON.stringify(want)}, shown ${JSON.stringify(got)}`);
  };
  const rowsOf = (table, want) => {
    const got = (seen.tables[table] ?? []).map((r) => r.key);
    checks++;
    if (seen.tables[table] === undefined) bad.push(`table ${table}: not on the page`);
    else if (JSON.stringify(got) !== JSON.stringify(want)) bad.push(`table ${table}: expected rows ${JSON.stringify(want)}, shown ${JSON.stringify(got)}`);
    return new Map((seen.tables[table] ?? []).map((r) => [r.key, r.cells]));
  };
  const cellOf = (table, key, col, cells) => {
    const c = cells?.[col];
    if (c === undefined) bad.push(`table ${table}, row ${key}, column ${col}: no such cell`);
    return c;
  };
  const dayCell = (table, key, day, cells) => {
    const c = cellOf(table, key, "day", cells);
    if (c === undefined) return;
    same(`table ${table}, row ${key}, column day (data-day)`, day, c.day);
    same(`table ${table}, row ${key}, column day`, f.day(day), c.text);
  };
  const textCell = (table, key, col, want, cells) => {
    const c = cellOf(table, key, col, cells);
    if (c !== undefined) same(`table ${table}, row ${key}, column ${col}`, want, c.text);
  };
  const counts = (table, key, row, cells) => {
    for (const col of SHOWN_COUNT_COLUMNS) textCell(table, key, col, shown(f, col, row[col]), cells);
  };

  // The headline figures.
  for (const field of ["inspections", "agreement_rate", "mean_scan_to_decision_ms", "mean_answer_ms", "hotlist_hits"]) {
    same(`headline ${field} (stats-total-${field})`, shown(f, field, expected.total[field]), seen.totals[field]);
  }

  // By day: every day of the period, then the total.
  const days = daysOf(from, to);
  checks++;
  if (JSON.stringify(expected.by_day.map((d) => d.day)) !== JSON.stringify(days)) {
    bad.push(`expected.by_day does not hold every day of ${from}..${to} (the test's own statistics are wrong)`);
  }
  const byDay = rowsOf("days", [...days, "total"]);
  for (const d of expected.by_day) {
    const cells = byDay.get(d.day);
    if (cells === undefined) continue;
    dayCell("days", d.day, d.day, cells);
    counts("days", d.day, d, cells);
  }
  if (byDay.has("total")) counts("days", "total", expected.total, byDay.get("total"));
  if (only === "days") return [checks, bad];

  const byUnit = rowsOf("units", [...expected.by_unit.map((u) => u.unit), "total"]);
  for (const u of expected.by_unit) {
    const cells = byUnit.get(u.unit);
    if (cells === undefined) continue;
    textCell("units", u.unit, "unit", u.unit, cells);
    counts("units", u.unit, u, cells);
  }
  if (byUnit.has("total")) counts("units", "total", expected.total, byUnit.get("total"));

  const byDayUnit = rowsOf("day_units", expected.by_day_unit.map((d) => `${d.day}|${d.unit}`));
  for (const d of expected.by_day_unit) {
    const key = `${d.day}|${d.unit}`;
    const cells = byDayUnit.get(key);
    if (cells === undefined) continue;
    dayCell("day_units", key, d.day, cells);
    textCell("day_units", key, "unit", d.unit, cells);
    counts("day_units", key, d, cells);
  }

  const byOfficer = rowsOf("officers", expected.officers.map((o) => o.officer));
  for (const o of expected.officers) {
    const cells = byOfficer.get(o.officer);
    if (cells === undefined) continue;
    textCell("officers", o.officer, "officer", o.officer, cells);
    for (const col of SHOWN_OFFICER_COLUMNS) textCell("officers", o.officer, col, shown(f, col, o[col]), cells);
  }
  return [checks, bad];
}

/** Compares one CSV export with `expected`; returns [checks, mismatches]. */
function compareCsv(table, text, expected) {
  const bad = [];
  let checks = 0;
  const rows = parseCsv(text);
  const [header, ...body] = rows;
  const spec = {
    days: { keys: ["day"], columns: CSV_COUNT_COLUMNS, rows: expected.by_day, key: (r) => r.day },
    units: { keys: ["unit"], columns: CSV_COUNT_COLUMNS, rows: expected.by_unit, key: (r) => r.unit },
    day_units: { keys: ["day", "unit"], columns: CSV_COUNT_COLUMNS, rows: expected.by_day_unit, key: (r) => `${r.day}|${r.unit}` },
    officers: { keys: [], columns: CSV_OFFICER_COLUMNS, rows: expected.officers, key: (r) => r.officer },
  }[table];
  const wantHeader = [...spec.keys, ...spec.columns];
  checks++;
  if (JSON.stringify(header) !== JSON.stringify(wantHeader)) {
    bad.push(`CSV ${table}: expected the header ${wantHeader.join(",")}, got ${JSON.stringify(header)}`);
    return [checks, bad];
  }
  checks++;
  if (body.length !== spec.rows.length) bad.push(`CSV ${table}: expected ${spec.rows.length} rows, got ${body.length}`);
  spec.rows.forEach((want, i) => {
    const got = body[i];
    if (got === undefined) return;
    const key = spec.key(want);
    checks++;
    if (got.length !== header.length) {
      bad.push(`CSV ${table}, row ${key}: expected ${header.length} cells, got ${got.length}`);
      return;
    }
    header.forEach((col, j) => {
      checks++;
      const cell = got[j];
      const value = want[col];
      if (!csvCellMatches(col, value, cell)) bad.push(`CSV ${table}, row ${key}, column ${col}: expected ${JSON.stringify(csvValue(col, value))}, got ${JSON.stringify(cell)}`);
    });
  });
  return [checks, bad];
}

function fail(what, bad) {
  if (bad.length === 0) return;
  const list = bad.slice(0, 25).map((b) => `  ${b}`).join("\n");
  throw new Error(`statistics page, ${what}: ${bad.length} mismatch${bad.length === 1 ? "" : "es"}\n${list}${bad.length > 25 ? `\n  … and ${bad.length - 25} more` : ""}`);
}

async function switchLanguage(page, lang) {
  if ((await page.locator("html").getAttribute("lang")) === lang) return;
  await page.click(tid(`lang-${lang}`));
  await waitFor(`html lang=${lang}`, async () => (await page.locator("html").getAttribute("lang")) === lang, 5000);
}

/** Waits until the page shows the answer for the period (not a previous one) in `lang`. */
async function settled(page, { from, to, unit, expected, lang }) {
  const f = formats(lang);
  return waitFor(`the statistics of ${from}..${to}${unit ? ` (${unit})` : ""} in ${lang}`, async () => {
    const seen = await readPage(page);
    if (seen.state === "invalid" || seen.state === "error") throw new Error(`the page says: ${norm(seen.problem)}`);
    if (seen.from !== from || seen.to !== to || seen.unit !== (unit ?? "")) return false;
    if (seen.lang !== lang) return false;
    if (expected.total.inspections === 0) return seen.state === "empty" ? seen : false;
    if (seen.state !== "ready") return false;
    // The days' table re-rendered in this language (day names differ between languages).
    const first = seen.tables.days?.[0];
    return first !== undefined && norm(first.cells.day?.text) === norm(f.day(first.key)) ? seen : false;
  });
}

export async function checkStatisticsPage(page, { url, from, to, unit, expected, lang = "en", shot }) {
  if (lang !== "en" && lang !== "uk") throw new Error(`statistics: lang must be "en" or "uk", not ${lang}`);
  const other = lang === "en" ? "uk" : "en";
  let checks = 0;
  const q = new URLSearchParams({ from, to });
  if (unit) q.set("unit", unit);
  await page.goto(`${url.replace(/\/+$/, "")}/statistics?${q}`);
  await page.locator(tid("stats-page")).waitFor();
  await switchLanguage(page, lang);

  // Every figure on the page, in `lang`.
  let seen = await settled(page, { from, to, unit, expected, lang });
  if (expected.total.inspections === 0) {
    // Nothing counted: the page says so and shows no tables.
    const empty = await page.locator(tid("stats-empty")).count();
    if (empty !== 1 || Object.keys(seen.tables).length !== 0) throw new Error("statistics page: an empty period should show stats-empty and no tables");
    await shot(`statistics-${lang}`);
    await switchLanguage(page, other);
    await settled(page, { from, to, unit, expected, lang: other });
    await shot(`statistics-${other}`);
    await switchLanguage(page, lang);
    return 2;
  }
  let [n, bad] = comparePage(seen, expected, { from, to, lang });
  checks += n;
  fail(`in ${lang}`, bad);
  await shot(`statistics-${lang}`);

  // Each CSV export, fetched with the page's session.
  for (const table of ["days", "units", "day_units", "officers"]) {
    const href = seen.csv[table];
    if (href === undefined || href === null) throw new Error(`statistics page: no CSV link for the table ${table} (stats-csv-${table})`);
    const link = new URL(href, page.url());
    const params = Object.fromEntries(link.searchParams);
    const wantParams = { from, to, ...(unit ? { unit } : {}), table };
    checks++;
    if (JSON.stringify(Object.entries(params).sort()) !== JSON.stringify(Object.entries(wantParams).sort())) {
      throw new Error(`statistics page, CSV ${table}: the link ${href} should ask for ${JSON.stringify(wantParams)}`);
    }
    const reply = await page.request.get(link.href);
    const type = reply.headers()["content-type"] ?? "";
    const disposition = reply.headers()["content-disposition"] ?? "";
    checks++;
    if (reply.status() !== 200 || !type.startsWith("text/csv") || !disposition.startsWith("attachment")) {
      throw new Error(`statistics page, CSV ${table}: ${link.pathname}${link.search} answered ${reply.status()} (${type}; ${disposition})`);
    }
    [n, bad] = compareCsv(table, await reply.text(), expected);
    checks += n;
    fail(`CSV ${table}`, bad);
  }

  // The other language: the headline and the days' table in its formats.
  await switchLanguage(page, other);
  seen = await settled(page, { from, to, unit, expected, lang: other });
  [n, bad] = comparePage(seen, expected, { from, to, lang: other, only: "days" });
  checks += n;
  fail(`in ${other}`, bad);
  await shot(`statistics-${other}`);
  await switchLanguage(page, lang);
  await settled(page, { from, to, unit, expected, lang });
  return checks;
}
