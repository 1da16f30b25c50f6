// The statistics check's own parts, without a browser or a server: the CSV
// parser (RFC 4180), the display formats in both languages, the CSV's
// number forms, and the period's days.
//
//   node tests/console-e2e/statistics-selftest.mjs

import assert from "node:assert/strict";
import { csvCellMatches, csvValue, daysOf, formats, LOCALES, NONE, parseCsv, shown } from "./statistics.mjs";

// Intl separates with plain or narrow no-break spaces; compare with plain ones.
const sp = (s) => s.replace(/[\u00a0\u202f]/g, " ");
let cases = 0;
const eq = (got, want, what) => {
  assert.deepEqual(got, want, what);
  cases++;
};

// ---- CSV ----
eq(parseCsv("a,b,c\n1,2,3\n"), [["a", "b", "c"], ["1", "2", "3"]], "plain, LF, a final newline");
eq(parseCsv("a,b\r\n1,2\r\n"), [["a", "b"], ["1", "2"]], "CRLF");
eq(parseCsv("a,b\n1,2"), [["a", "b"], ["1", "2"]], "no final newline");
eq(parseCsv('unit,n\n"МОБ-1, ""north""",2\n'), [["unit", "n"], ['МОБ-1, "north"', "2"]], "a quoted field with a comma and quotes");
eq(parseCsv('a,b\n"two\nlines",x\n'), [["a", "b"], ["two\nlines", "x"]], "a line break inside quotes");
eq(parseCsv("a,,c\n,,\n"), [["a", "", "c"], ["", "", ""]], "empty cells");
eq(parseCsv('x\n""\n'), [["x"], [""]], "a quoted empty field alone on its line");
eq(parseCsv("\ufeffday,n\n2026-01-05,1\n"), [["day", "n"], ["2026-01-05", "1"]], "a BOM is skipped");
eq(parseCsv(""), [], "nothing");
assert.throws(() => parseCsv('a,"b\n'), /not closed/);
assert.throws(() => parseCsv('a,b"c"\n'), /quote inside an unquoted field/);
assert.throws(() => parseCsv('"a"b,c\n'), /after a closing quote/);
cases += 3;

// ---- the CSV's numbers ----
eq(csvValue("agreement_rate", 2 / 3), "0.6667", "a rate: a fraction, four decimals");
eq(csvValue("scans_per_inspection", 1.5), "1.5000", "scans per inspection too");
eq(csvValue("agreement_rate", null), "", "null: an empty cell");
eq(csvValue("mean_answer_ms", 61337), "61337", "a mean: whole milliseconds");
eq(csvValue("inspections", 0), "0", "a count");
eq(csvCellMatches("agreement_rate", 1 / 32, "0.0313"), true, "a tie rounded up (toFixed)");
eq(csvCellMatches("agreement_rate", 1 / 32, "0.0312"), true, "a tie rounded to even (the server may)");
eq(csvCellMatches("agreement_rate", 2 / 3, "0.6666"), false, "not a tie: only the nearest");
eq(csvCellMatches("agreement_rate", null, ""), true, "null");
eq(csvCellMatches("mean_answer_ms", 1000, "1000.0000"), false, "a mean is an integer");

// ---- the page's formats ----
eq(LOCALES, { en: "en-GB", uk: "uk-UA" }, "the UI's locales");
const en = formats("en");
const uk = formats("uk");
eq(en.count(12345), "12,345", "en count");
eq(sp(uk.count(12345)), "12 345", "uk count");
eq(en.rate(0.875), "87.5%", "en rate");
eq(en.rate(2 / 3), "66.7%", "en rate, rounded");
eq(sp(uk.rate(0.875)), new Intl.NumberFormat("uk-UA", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(0.875).replace(/[\u00a0\u202f]/g, " "), "uk rate");
assert.match(uk.rate(0.875), /^87,5\s?%$/u);
cases++;
eq(en.rate(null), NONE, "no rate");
eq(NONE, "—", "an em dash");
eq(en.ratio(1.5), "1.50", "en scans per inspection");
eq(uk.ratio(1.5), "1,50", "uk scans per inspection");
eq(en.ratio(null), "—", "no scans per inspection");
assert.match(en.duration(90000), /^1\.5 mins?$/);
assert.match(sp(uk.duration(90000)), /^1,5 хв\.?$/u);
cases += 2;
eq(en.duration(null), "—", "no mean");
eq(en.day("2026-01-05"), "5 Jan 2026", "en day");
assert.match(sp(uk.day("2026-01-05")), /^5 січ\. 2026 р\.$/u);
cases++;
eq(en.day("2028-02-29"), "29 Feb 2028", "a leap day, in UTC whatever the machine's zone");
eq(shown(en, "agreement_rate", 0.5), "50.0%", "a cell by its column: rate");
eq(shown(en, "scans_per_inspection", 2), "2.00", "scans per inspection");
eq(shown(en, "mean_scan_to_decision_ms", null), "—", "a mean");
eq(shown(en, "hotlist_hits", 1234), "1,234", "a count");

// ---- days ----
eq(daysOf("2028-02-27", "2028-03-01"), ["2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"], "the period's days");
eq(daysOf("2026-01-05", "2026-01-05"), ["2026-01-05"], "one day");
eq(daysOf("2026-12-30", "2027-01-02").length, 4, "over a year's end");

console.log(`statistics self-test: ${cases} cases passed`);
