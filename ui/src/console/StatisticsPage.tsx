// The STATISTICS page (/statistics, supervisors and auditors): a period's
// figures from the server (the console transport's `statistics`), counted
// by UTC day of creation. The period and
// the unit live in the URL, so a link shows the same figures and the
// browser's Back goes back to the period before. Headline figures for the
// whole period; charts (inspections per day by outcome, the outcome mix,
// each officer's agreement rate); and four tables (by day with a total, by
// unit with a total, by unit and day, by officer), each with its CSV
// export. A reversed or too long period is not asked for: the page says
// why. Nothing here changes anything.

import type { ChartConfiguration } from "chart.js";
import { useId, useMemo, useState, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import { useLoad } from "../app/useLoad.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Translator } from "../i18n/translate.ts";
import type { OfficerStats, Statistics, StatsCounts, StatsTable } from "../transport/generated.ts";
import { isDay } from "./audit.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import {
  formatCell,
  OUTCOME_COLOURS,
  OUTCOME_COLUMNS,
  periodProblem,
  presetOf,
  presetPeriod,
  SHOWN_COUNT_COLUMNS,
  SHOWN_OFFICER_COLUMNS,
  STATS_MAX_DAYS,
  STATS_PRESETS,
  statsFormat,
  statsQuery,
  statsSearch,
  statsViewFrom,
  unitChoices,
  type OutcomeColumn,
  type ShownCountColumn,
  type ShownOfficerColumn,
  type StatsFormat,
  type StatsView,
} from "./statistics.ts";
import { StatsChart } from "./StatsChart.tsx";

type T = Translator["t"];
type KeyColumn = "day" | "unit" | "officer";
type Column = KeyColumn | ShownCountColumn | ShownOfficerColumn;

const isOutcome = (c: string): c is OutcomeColumn => (OUTCOME_COLUMNS as readonly string[]).includes(c);

function columnLabel(t: T, c: Column): string {
  return isOutcome(c) ? t(`outcome.${c}`) : t(`console.stats.col.${c}`);
}

export function StatisticsPage(): ReactNode {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const transport = useConsoleTransport();
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  // Today as the page opened: the default period and the presets' marks count from it.
  const [now] = useState(() => Date.now());
  const view = useMemo(() => statsViewFrom(search, now), [search, now]);
  const problem = useMemo(() => periodProblem(view), [view]);
  const query = useMemo(() => statsQuery(view), [view]);
  const key = JSON.stringify(query);
  const fmt = useMemo(() => statsFormat(locale), [locale]);
  const loaded = useLoad<{ key: string; stats: Statistics | null }>(
    () =>
      problem !== null
        ? // Not asked: the page says why.
          Promise.resolve({ key, stats: null })
        : transport.statistics(query).then((stats) => ({ key, stats })),
    [transport, key],
  );

  // This period's answer, or (while it loads) the one before, dimmed; not after a failure or for a bad period.
  const answer = loaded.value;
  const settled = answer !== null && answer.key === key;
  const current = settled ? answer.stats : null;
  const failed = loaded.error !== null && !settled;
  const loading = problem === null && !settled && loaded.error === null;
  const shown = problem !== null || failed ? null : (current ?? answer?.stats ?? null);

  // The units offered: those of the last answer for all units, kept while one unit is shown.
  const [seen, setSeen] = useState<{ from: Statistics | null; units: readonly string[] }>({ from: null, units: [] });
  if (current !== null && current !== seen.from) setSeen({ from: current, units: unitChoices(seen.units, current, null) });
  const units = unitChoices(seen.units, null, view.unit);

  const go = (v: StatsView): void => setParams(new URLSearchParams(statsSearch(v)));
  const state = problem !== null ? "invalid" : failed ? "error" : loading || current === null ? "loading" : current.total.inspections === 0 ? "empty" : "ready";
  const id = useId();

  return (
    <main
      className="c-page c-stats-page"
      data-testid="stats-page"
      data-state={state}
      data-from={shown?.from ?? ""}
      data-to={shown?.to ?? ""}
      data-unit={shown?.unit ?? ""}
      aria-busy={loading}
    >
      <header className="c-st-head">
        <h1>{t("console.stats.title")}</h1>
        <p className="muted c-range" aria-live="polite" data-testid="stats-range">
          {t("console.stats.shown", { from: fmt.day(view.from), to: fmt.day(view.to), unit: view.unit ?? t("console.stats.unit.all") })}
        </p>
      </header>
      <div className="c-st-filters" role="group" aria-label={t("console.stats.period")}>
        <div className="c-au-pick">
          <label htmlFor={`${id}-from`}>{t("console.stats.from")}</label>
          <input
            id={`${id}-from`}
            type="date"
            value={view.from}
            onChange={(e) => {
              if (isDay(e.target.value)) go({ ...view, from: e.target.value });
            }}
            data-testid="stats-from"
          />
        </div>
        <div className="c-au-pick">
          <label htmlFor={`${id}-to`}>{t("console.stats.to")}</label>
          <input
            id={`${id}-to`}
            type="date"
            value={view.to}
            onChange={(e) => {
              if (isDay(e.target.value)) go({ ...view, to: e.target.value });
            }}
            data-testid="stats-to"
          />
        </div>
        <div className="c-st-presets" role="group" aria-label={t("console.stats.presets")}>
          {STATS_PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              className="btn btn-small"
              aria-pressed={presetOf(view, now) === p}
              onClick={() => go({ ...view, ...presetPeriod(p, Date.now()) })}
              data-testid={`stats-preset-${p}`}
            >
              {t(`console.stats.preset.${p}`)}
            </button>
          ))}
        </div>
        <div className="c-au-pick">
          <label htmlFor={`${id}-unit`}>{t("console.stats.unit")}</label>
          <select id={`${id}-unit`} value={view.unit ?? ""} onChange={(e) => go({ ...view, unit: e.target.value === "" ? null : e.target.value })} data-testid="stats-unit">
            <option value="">{t("console.stats.unit.all")}</option>
            {units.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </div>
        <p className="muted c-st-utc" data-testid="stats-utc-note">
          {t("console.stats.utcNote")}
        </p>
      </div>
      <div className={`c-st-body${loading && shown !== null ? " is-loading" : ""}`}>
        {problem === null ? null : (
          <div className="notice notice-error c-error" role="alert" data-testid="stats-invalid" data-problem={problem.kind}>
            <p>{problem.kind === "reversed" ? t("console.stats.reversed") : t("console.stats.tooLong", { days: problem.days, max: STATS_MAX_DAYS })}</p>
            <p className="detail">{t("console.stats.notAsked")}</p>
          </div>
        )}
        {failed ? <ConsoleError error={loaded.error} /> : null}
        {shown === null ? (
          loading ? (
            <p className="muted">{t("app.loading")}</p>
          ) : null
        ) : shown.total.inspections === 0 ? (
          <p className="empty" data-testid="stats-empty">
            {t("console.stats.empty")}
          </p>
        ) : (
          <StatsBody stats={shown} fmt={fmt} />
        )}
      </div>
    </main>
  );
}

// ---- the figures ----

function StatsBody(props: { stats: Statistics; fmt: StatsFormat }): ReactNode {
  const { t } = useI18n();
  const transport = useConsoleTransport();
  const { stats: s, fmt } = props;
  const query = useMemo(() => statsQuery({ from: s.from, to: s.to, unit: s.unit }), [s]);
  const charts = useMemo(
    () => ({ daily: dailyChart(s, fmt, t), outcomes: outcomesChart(s.total, fmt, t), officers: officersChart(s.officers, fmt, t) }),
    [s, fmt, t],
  );
  const csv = (table: StatsTable): string => transport.statisticsCsvUrl(query, table);
  return (
    <>
      <Headline total={s.total} fmt={fmt} />
      <section className="c-st-charts" aria-label={t("console.stats.title")}>
        <figure className="c-st-figure c-st-figure-daily">
          <figcaption>{t("console.stats.chart.daily")}</figcaption>
          <StatsChart config={charts.daily} label={t("console.stats.chart.dailyLabel")} testId="stats-chart-daily" className="c-st-chart-daily" />
        </figure>
        <figure className="c-st-figure c-st-figure-outcomes">
          <figcaption>{t("console.stats.chart.outcomes")}</figcaption>
          <StatsChart config={charts.outcomes} label={t("console.stats.chart.outcomesLabel")} testId="stats-chart-outcomes" className="c-st-chart-outcomes" />
        </figure>
        <figure className="c-st-figure c-st-figure-officers">
          <figcaption>{t("console.stats.chart.officers")}</figcaption>
          {s.officers.length === 0 ? (
            <div className="c-st-chart c-st-chart-none" data-testid="stats-chart-officers">
              <p className="muted">{t("console.stats.noOfficers")}</p>
            </div>
          ) : (
            <StatsChart
              config={charts.officers}
              label={t("console.stats.chart.officersLabel")}
              testId="stats-chart-officers"
              className="c-st-chart-officers"
              height={`${Math.max(9, 3 + s.officers.length * 1.7)}rem`}
            />
          )}
        </figure>
      </section>
      <TableSection table="days" csvUrl={csv("days")}>
        <CountsTable table="days" keys={["day"]} rows={s.by_day} total={s.total} fmt={fmt} />
      </TableSection>
      <TableSection table="units" csvUrl={csv("units")}>
        <CountsTable table="units" keys={["unit"]} rows={s.by_unit} total={s.total} fmt={fmt} />
      </TableSection>
      <TableSection table="day_units" csvUrl={csv("day_units")} note={t("console.stats.table.day_unitsNote")}>
        <CountsTable table="day_units" keys={["day", "unit"]} rows={s.by_day_unit} total={null} fmt={fmt} />
      </TableSection>
      <TableSection table="officers" csvUrl={csv("officers")} note={t("console.stats.table.officersNote")}>
        <OfficersTable officers={s.officers} fmt={fmt} />
        {s.officers.length === 0 ? <p className="muted c-st-none">{t("console.stats.noOfficers")}</p> : null}
      </TableSection>
    </>
  );
}

function Headline(props: { total: StatsCounts; fmt: StatsFormat }): ReactNode {
  const { t } = useI18n();
  const { total: c, fmt } = props;
  return (
    <section className="c-st-totals" aria-label={t("console.stats.totals")}>
      <Figure label={t("console.stats.total.inspections")} field="inspections" value={fmt.count(c.inspections)}>
        {t("console.stats.total.scans", { value: fmt.ratio(c.scans_per_inspection) })}
      </Figure>
      <Figure label={t("console.stats.total.agreement")} field="agreement_rate" value={fmt.rate(c.agreement_rate)}>
        {t("console.stats.total.agreed", { agreed: fmt.count(c.agreed), reviewed: fmt.count(c.reviewed) })}
      </Figure>
      <Figure label={t("console.stats.total.scanToDecision")} field="mean_scan_to_decision_ms" value={fmt.duration(c.mean_scan_to_decision_ms)}>
        {t("console.stats.total.timed", { count: fmt.count(c.timed_decisions) })}
      </Figure>
      <Figure
        label={t("console.stats.total.returns")}
        field="returns"
        value={t("console.stats.total.answered", { answered: fmt.count(c.returns_answered), returns: fmt.count(c.returns) })}
      >
        {t("console.stats.total.meanAnswer")}{" "}
        <strong className="c-st-figure-inline" data-testid="stats-total-mean_answer_ms">
          {fmt.duration(c.mean_answer_ms)}
        </strong>
      </Figure>
      <Figure label={t("console.stats.total.hits")} field="hotlist_hits" value={fmt.count(c.hotlist_hits)}>
        {t("console.stats.total.withHits", { count: fmt.count(c.inspections_with_hits) })}
      </Figure>
    </section>
  );
}

function Figure(props: { label: string; field: string; value: string; children: ReactNode }): ReactNode {
  return (
    <div className="c-st-total">
      <span className="c-st-total-label">{props.label}</span>
      <strong className="c-st-total-value" data-testid={`stats-total-${props.field}`}>
        {props.value}
      </strong>
      <span className="c-st-total-sub muted">{props.children}</span>
    </div>
  );
}

// ---- the tables ----

function TableSection(props: { table: StatsTable; csvUrl: string; note?: string; children: ReactNode }): ReactNode {
  const { t } = useI18n();
  const id = useId();
  return (
    <section className="c-st-section" aria-labelledby={`${id}-title`} data-table={props.table}>
      <div className="c-st-section-head">
        <h2 id={`${id}-title`}>{t(`console.stats.table.${props.table}`)}</h2>
        {props.note === undefined ? null : <p className="muted c-st-note">{props.note}</p>}
        <a className="btn btn-small c-st-csv" href={props.csvUrl} download title={t("console.stats.csvTitle")} data-testid={`stats-csv-${props.table}`}>
          {t("console.stats.csv")}
        </a>
      </div>
      <div className="c-st-table-wrap">{props.children}</div>
    </section>
  );
}

type CountsRow = Pick<StatsCounts, ShownCountColumn> & { day?: string; unit?: string };

function CountsTable(props: { table: "days" | "units" | "day_units"; keys: readonly ("day" | "unit")[]; rows: readonly CountsRow[]; total: StatsCounts | null; fmt: StatsFormat }): ReactNode {
  const { t } = useI18n();
  const { keys, fmt } = props;
  return (
    <table className="c-table c-st-table" data-testid={`stats-table-${props.table}`} aria-label={t(`console.stats.table.${props.table}`)}>
      <thead>
        <tr>
          {keys.map((k) => (
            <th key={k} scope="col" data-col={k}>
              {columnLabel(t, k)}
            </th>
          ))}
          {SHOWN_COUNT_COLUMNS.map((c) => (
            <th key={c} scope="col" className={`num${isOutcome(c) ? ` c-st-outcome c-st-outcome-${c}` : ""}`} data-col={c}>
              {columnLabel(t, c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => {
          const rowKey = keys.map((k) => r[k] ?? "").join("|");
          return (
            <tr key={rowKey} data-key={rowKey} className={r.inspections === 0 ? "is-zero" : undefined}>
              {keys.map((k) => (
                <KeyCell key={k} column={k} value={r[k] ?? ""} fmt={fmt} />
              ))}
              <CountCells row={r} fmt={fmt} />
            </tr>
          );
        })}
      </tbody>
      {props.total === null ? null : (
        <tfoot>
          <tr data-key="total" className="c-st-total-row">
            <td data-col={keys[0]} colSpan={keys.length}>
              {t("console.stats.total")}
            </td>
            <CountCells row={props.total} fmt={fmt} />
          </tr>
        </tfoot>
      )}
    </table>
  );
}

function KeyCell(props: { column: "day" | "unit"; value: string; fmt: StatsFormat }): ReactNode {
  return props.column === "day" ? (
    <td className="nowrap c-st-key" data-col="day" data-day={props.value}>
      <time dateTime={props.value}>{props.fmt.day(props.value)}</time>
    </td>
  ) : (
    <td className="nowrap c-st-key" data-col="unit">
      {props.value}
    </td>
  );
}

function CountCells(props: { row: Pick<StatsCounts, ShownCountColumn>; fmt: StatsFormat }): ReactNode {
  return SHOWN_COUNT_COLUMNS.map((c) => (
    <td key={c} className="num" data-col={c}>
      {formatCell(props.fmt, c, props.row[c])}
    </td>
  ));
}

function OfficersTable(props: { officers: readonly OfficerStats[]; fmt: StatsFormat }): ReactNode {
  const { t } = useI18n();
  return (
    <table className="c-table c-st-table c-st-officers" data-testid="stats-table-officers" aria-label={t("console.stats.table.officers")}>
      <thead>
        <tr>
          <th scope="col" data-col="officer">
            {columnLabel(t, "officer")}
          </th>
          {SHOWN_OFFICER_COLUMNS.map((c) => (
            <th key={c} scope="col" className="num" data-col={c}>
              {columnLabel(t, c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.officers.map((o) => (
          <tr key={o.officer} data-key={o.officer}>
            <td className="nowrap c-st-key code" data-col="officer">
              {o.officer}
            </td>
            {SHOWN_OFFICER_COLUMNS.map((c) => (
              <td key={c} className="num" data-col={c}>
                {formatCell(props.fmt, c, o[c])}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// ---- the charts ----

const BASE_OPTIONS = { animation: false, responsive: true, maintainAspectRatio: false } as const;

function dailyChart(s: Statistics, fmt: StatsFormat, t: T): ChartConfiguration<"bar", number[], string> {
  return {
    type: "bar",
    data: {
      labels: s.by_day.map((d) => fmt.dayShort(d.day)),
      datasets: OUTCOME_COLUMNS.map((o) => ({
        label: t(`outcome.${o}`),
        data: s.by_day.map((d) => d[o]),
        backgroundColor: OUTCOME_COLOURS[o],
        stack: "outcome",
        maxBarThickness: 32,
      })),
    },
    options: {
      ...BASE_OPTIONS,
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0, callback: (v) => fmt.count(Number(v)) } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
        tooltip: {
          callbacks: {
            title: (items) => {
              const day = s.by_day[items[0]?.dataIndex ?? -1]?.day;
              return day === undefined ? "" : fmt.day(day);
            },
            label: (item) => `${item.dataset.label ?? ""}: ${fmt.count(item.parsed.y ?? 0)}`,
          },
        },
      },
    },
  };
}

function outcomesChart(total: StatsCounts, fmt: StatsFormat, t: T): ChartConfiguration<"doughnut", number[], string> {
  return {
    type: "doughnut",
    data: {
      labels: OUTCOME_COLUMNS.map((o) => t(`outcome.${o}`)),
      datasets: [
        {
          data: OUTCOME_COLUMNS.map((o) => total[o]),
          backgroundColor: OUTCOME_COLUMNS.map((o) => OUTCOME_COLOURS[o]),
          borderColor: "#14171b",
          borderWidth: 2,
        },
      ],
    },
    options: {
      ...BASE_OPTIONS,
      cutout: "55%",
      plugins: {
        legend: { position: "right", labels: { boxWidth: 12, boxHeight: 12 } },
        tooltip: {
          callbacks: {
            label: (item) =>
              `${item.label}: ${t("console.stats.chart.share", { count: fmt.count(item.parsed), share: fmt.rate(total.inspections === 0 ? null : item.parsed / total.inspections) })}`,
          },
        },
      },
    },
  };
}

function officersChart(officers: readonly OfficerStats[], fmt: StatsFormat, t: T): ChartConfiguration<"bar", number[], string> {
  return {
    type: "bar",
    data: {
      labels: officers.map((o) => o.officer),
      datasets: [{ label: t("console.stats.chart.rate"), data: officers.map((o) => o.agreement_rate), backgroundColor: "#7cc4ff", maxBarThickness: 20 }],
    },
    options: {
      ...BASE_OPTIONS,
      indexAxis: "y",
      scales: {
        x: { min: 0, max: 1, ticks: { stepSize: 0.2, callback: (v) => fmt.percentTick(Number(v)) } },
        y: { grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const o = officers[item.dataIndex];
              const agreed = o === undefined ? "" : ` · ${t("console.stats.chart.agreed", { agreed: fmt.count(o.agreed), reviewed: fmt.count(o.reviewed) })}`;
              return `${fmt.rate(item.parsed.x)}${agreed}`;
            },
          },
        },
      },
    },
  };
}
