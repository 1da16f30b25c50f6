// One trainee's attempts over time (/training/trainee/:trainee): headline
// figures from the latest finished exercise (with the change of d′ against
// the finished one before, and the projections in live work found), d′
// and the hit and false-alarm rates of every finished exercise charted in
// the order they were taken (labelled with the day each was started),
// every exercise in a table, newest first, each leading to its images, and
// the projections in live work in a table of their own.

import { useId, useMemo, type ReactNode } from "react";
import { Link, useLocation, useParams } from "react-router";
import { useLoad } from "../app/useLoad.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Translator } from "../i18n/translate.ts";
import type { TraineeProgress, TrainingSummary } from "../transport/console.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import {
  attemptPath,
  changeTrend,
  dPrimeAxis,
  isLiveAttempt,
  progressChart,
  RATE_TICKS,
  SERIES_COLOURS,
  slotTicks,
  traineeRow,
  TRAINING_PATH,
  trainingFormat,
  type ChartPoint,
  type ProgressSeries,
  type TrainingFormat,
} from "./training.ts";
import { TrainingChart, type ChartLine } from "./TrainingChart.tsx";

type T = Translator["t"];

/** What a link to a trainee carries: the list's query string, for the way back. */
export interface FromList {
  list: string;
}

/** The list's query string this page was opened from ("" when it was not opened from the list). */
function useListSearch(): string {
  const state: unknown = useLocation().state;
  if (typeof state === "object" && state !== null && "list" in state && typeof state.list === "string") return state.list;
  return "";
}

export function TraineePage(): ReactNode {
  const { t, locale } = useI18n();
  const transport = useConsoleTransport();
  const { trainee = "" } = useParams();
  const list = useListSearch();
  const fmt = useMemo(() => trainingFormat(locale), [locale]);
  const loaded = useLoad<{ trainee: string; progress: TraineeProgress | null }>(
    () => transport.training({ trainee }).then((all) => ({ trainee, progress: all.find((p) => p.trainee === trainee) ?? null })),
    [transport, trainee],
  );
  const answer = loaded.value !== null && loaded.value.trainee === trainee ? loaded.value : null;
  const state = loaded.error !== null && answer === null ? "error" : answer === null ? "loading" : answer.progress === null ? "none" : "ready";
  return (
    <main className="c-page c-stats-page c-trainee-page" data-testid="trainee-page" data-trainee={trainee} data-state={state} aria-busy={state === "loading"}>
      <header className="c-st-head">
        <Link to={`${TRAINING_PATH}${list}`} className="c-tr-back" data-testid="training-back">
          {t("console.training.back")}
        </Link>
        <h1 className="code">{trainee}</h1>
        {answer === null || answer.progress === null ? null : (
          <p className="muted c-range" data-testid="trainee-units">
            {t("console.training.units", { units: answer.progress.units.join(", ") })}
          </p>
        )}
      </header>
      <div className="c-st-body">
        {state === "error" ? <ConsoleError error={loaded.error} /> : null}
        {state === "loading" ? <p className="muted">{t("app.loading")}</p> : null}
        {state === "none" ? (
          <p className="empty" data-testid="trainee-none">
            {t("console.training.noAttempts", { trainee })}
          </p>
        ) : null}
        {answer === null || answer.progress === null ? null : <TraineeBody progress={answer.progress} fmt={fmt} />}
      </div>
    </main>
  );
}

function TraineeBody(props: { progress: TraineeProgress; fmt: TrainingFormat }): ReactNode {
  const { t } = useI18n();
  const { progress, fmt } = props;
  const row = useMemo(() => traineeRow(progress), [progress]);
  const exercises = useMemo(() => progress.attempts.filter((a) => !isLiveAttempt(a)), [progress]);
  const live = useMemo(() => progress.attempts.filter((a) => isLiveAttempt(a)), [progress]);
  const s = row.latest?.score ?? null;
  const signal = s === null ? 0 : s.hits + s.misses;
  const noise = s === null ? 0 : s.false_alarms + s.correct_rejections;
  const trend = changeTrend(row.change);
  const id = useId();
  return (
    <>
      <section className="c-st-totals" aria-label={t("console.training.latestFigures")}>
        <Figure label={t("console.training.total.attempts")} field="attempts" value={fmt.count(row.attempts)}>
          {t("console.training.total.attemptsSub", { finished: fmt.count(row.attempts - row.inProgress), open: fmt.count(row.inProgress) })}
        </Figure>
        <Figure label={t("console.training.total.d_prime")} field="d_prime" value={fmt.dPrime(s?.d_prime ?? null)}>
          {row.latest === null ? (
            t("console.training.total.noneFinished")
          ) : (
            <>
              {t("console.training.total.change")}{" "}
              <strong className={trend === null ? undefined : `c-tr-change c-tr-change-${trend}`} data-testid="trainee-total-d_prime_change" data-trend={trend ?? ""}>
                {fmt.change(row.change)}
              </strong>
            </>
          )}
        </Figure>
        <Figure label={t("console.training.total.hit_rate")} field="hit_rate" value={fmt.rate(s?.hit_rate ?? null)}>
          {s === null ? null : t("console.training.total.hitsOf", { hits: fmt.count(s.hits), signal: fmt.count(signal) })}
        </Figure>
        <Figure label={t("console.training.total.false_alarm_rate")} field="false_alarm_rate" value={fmt.rate(s?.false_alarm_rate ?? null)}>
          {s === null ? null : t("console.training.total.falseAlarmsOf", { false_alarms: fmt.count(s.false_alarms), noise: fmt.count(noise) })}
        </Figure>
        <Figure label={t("console.training.total.mean_time_ms")} field="mean_time_ms" value={fmt.seconds(s?.mean_time_ms ?? null)}>
          {row.latest === null ? null : t("console.training.total.inLatest", { name: row.latest.name })}
        </Figure>
        {row.live.shown === 0 ? null : (
          <Figure label={t("console.training.total.live")} field="live" value={t("console.training.liveFound", { found: fmt.count(row.live.found), shown: fmt.count(row.live.shown) })}>
            {t("console.training.total.liveSub")}
          </Figure>
        )}
      </section>
      <ProgressCharts attempts={exercises} fmt={fmt} />
      <section className="c-st-section" aria-labelledby={`${id}-title`}>
        <div className="c-st-section-head">
          <h2 id={`${id}-title`}>{t("console.training.attempts")}</h2>
          <p className="muted c-st-note">{t("console.training.attemptsNote")}</p>
        </div>
        <div className="c-st-table-wrap">
          {exercises.length === 0 ? <p className="muted c-st-none">{t("console.training.noExercise")}</p> : <AttemptsTable attempts={exercises} fmt={fmt} />}
        </div>
      </section>
      {live.length === 0 ? null : (
        <section className="c-st-section" aria-labelledby={`${id}-live`}>
          <div className="c-st-section-head">
            <h2 id={`${id}-live`}>{t("console.training.live")}</h2>
            <p className="muted c-st-note">{t("console.training.liveNote")}</p>
          </div>
          <div className="c-st-table-wrap c-tr-live-wrap">
            <LiveTable attempts={live} fmt={fmt} />
          </div>
        </section>
      )}
    </>
  );
}

/** Projections in live work, newest first: each one found or missed, and how long it took. */
function LiveTable(props: { attempts: readonly TrainingSummary[]; fmt: TrainingFormat }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { fmt } = props;
  const newestFirst = useMemo(() => [...props.attempts].reverse(), [props.attempts]);
  return (
    <table className="c-table c-st-table c-tr-table c-tr-live" data-testid="trainee-live-table" aria-label={t("console.training.live")}>
      <thead>
        <tr>
          <th scope="col" data-col="started">
            {t("console.training.col.shown")}
          </th>
          <th scope="col" data-col="unit">
            {t("console.training.col.unit")}
          </th>
          <th scope="col" data-col="outcome">
            {t("console.training.col.image.outcome")}
          </th>
          <th scope="col" className="num" data-col="time_ms">
            {t("console.training.col.image.time_ms")}
          </th>
        </tr>
      </thead>
      <tbody>
        {newestFirst.map((a) => {
          const s = a.score;
          const outcome = s === null ? null : s.hits > 0 ? "hit" : "miss";
          return (
            <tr key={a.id} data-key={a.id} className={a.finished ? undefined : "is-open"}>
              <td className="nowrap" data-col="started">
                <Link to={attemptPath(a.id)} title={i18n.dateTime(a.created_ms)} data-testid="trainee-live-link">
                  {i18n.dateTimeShort(a.created_ms)}
                </Link>
              </td>
              <td className="nowrap" data-col="unit">
                {a.unit}
              </td>
              <td className="nowrap" data-col="outcome">
                {outcome === null ? (
                  <AttemptState finished={false} />
                ) : (
                  <span className={`c-tr-outcome c-tr-outcome-${outcome}`}>{t(`console.training.outcome.${outcome}`)}</span>
                )}
              </td>
              <td className="num nowrap" data-col="time_ms">
                {fmt.seconds(s?.mean_time_ms ?? null)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A headline figure, as the statistics page shows its own. */
export function Figure(props: { label: string; field: string; value: string; prefix?: string; children: ReactNode }): ReactNode {
  return (
    <div className="c-st-total">
      <span className="c-st-total-label">{props.label}</span>
      <strong className="c-st-total-value" data-testid={`${props.prefix ?? "trainee"}-total-${props.field}`}>
        {props.value}
      </strong>
      <span className="c-st-total-sub muted">{props.children}</span>
    </div>
  );
}

// ---- the charts ----

function seriesLabel(t: T, s: ProgressSeries): string {
  return t(`console.training.series.${s}`);
}

function ProgressCharts(props: { attempts: readonly TrainingSummary[]; fmt: TrainingFormat }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { fmt } = props;
  const chart = useMemo(() => progressChart(props.attempts), [props.attempts]);
  const names = useMemo(() => new Map(props.attempts.map((a) => [a.id, a.name])), [props.attempts]);
  if (chart.slots.length === 0) {
    return (
      <section className="c-st-charts c-tr-charts" aria-label={t("console.training.charts")}>
        <p className="muted c-tr-nochart" data-testid="trainee-chart-none">
          {t("console.training.noChart")}
        </p>
      </section>
    );
  }
  const ticks = slotTicks(chart.slots.length).map((index) => ({ index, label: fmt.dayShort(chart.slots[index]?.ms ?? 0) }));
  const axis = dPrimeAxis(chart.lines.d_prime.map((p) => p.value));
  const line = (s: ProgressSeries): ChartLine => ({ key: s, label: seriesLabel(t, s), colour: SERIES_COLOURS[s], points: chart.lines[s] });
  const title = (l: ChartLine, p: ChartPoint): string =>
    t("console.training.pointTitle", {
      name: names.get(p.id) ?? "",
      time: i18n.dateTimeShort(p.ms),
      series: l.label,
      value: l.key === "d_prime" ? fmt.dPrime(p.value) : fmt.rate(p.value),
    });
  return (
    <section className="c-st-charts c-tr-charts" aria-label={t("console.training.charts")}>
      <figure className="c-st-figure">
        <figcaption>{t("console.training.chart.d_prime")}</figcaption>
        <TrainingChart
          lines={[line("d_prime")]}
          slots={chart.slots.length}
          xTicks={ticks}
          y={{ ...axis, format: (v) => fmt.tick(v) }}
          pointTitle={title}
          label={t("console.training.chart.d_primeLabel")}
          testId="trainee-chart-d_prime"
        />
      </figure>
      <figure className="c-st-figure">
        <figcaption>{t("console.training.chart.rates")}</figcaption>
        <TrainingChart
          lines={[line("hit_rate"), line("false_alarm_rate")]}
          slots={chart.slots.length}
          xTicks={ticks}
          y={{ min: 0, max: 1, ticks: RATE_TICKS, format: (v) => fmt.percentTick(v) }}
          pointTitle={title}
          label={t("console.training.chart.ratesLabel")}
          testId="trainee-chart-rates"
        />
      </figure>
      <p className="muted c-st-note c-tr-chart-note">{t("console.training.chartNote")}</p>
    </section>
  );
}

// ---- the attempts ----

function AttemptsTable(props: { attempts: readonly TrainingSummary[]; fmt: TrainingFormat }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { fmt } = props;
  const newestFirst = useMemo(() => [...props.attempts].reverse(), [props.attempts]);
  const cols = ["started", "name", "unit", "answered", "state", "hits", "misses", "false_alarms", "correct_rejections", "hit_rate", "false_alarm_rate", "d_prime", "mean_time_ms"] as const;
  const numeric = new Set<string>(["answered", "hits", "misses", "false_alarms", "correct_rejections", "hit_rate", "false_alarm_rate", "d_prime", "mean_time_ms"]);
  return (
    <table className="c-table c-st-table c-tr-table" data-testid="trainee-table" aria-label={t("console.training.attempts")}>
      <thead>
        <tr>
          {cols.map((c) => (
            <th key={c} scope="col" className={numeric.has(c) ? "num" : undefined} data-col={c}>
              {t(`console.training.col.${c}`)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {newestFirst.map((a) => {
          const s = a.score;
          return (
            <tr key={a.id} data-key={a.id} className={a.finished ? undefined : "is-open"}>
              <td className="nowrap" data-col="started">
                <time dateTime={new Date(a.created_ms).toISOString()} title={i18n.dateTime(a.created_ms)}>
                  {i18n.dateTimeShort(a.created_ms)}
                </time>
              </td>
              <td className="nowrap c-st-key" data-col="name">
                <Link to={attemptPath(a.id)} data-testid="trainee-attempt-link">
                  {a.name}
                </Link>
              </td>
              <td className="nowrap" data-col="unit">
                {a.unit}
              </td>
              <td className="num nowrap" data-col="answered">
                {t("console.training.answeredOf", { answered: fmt.count(a.answered), total: fmt.count(a.total) })}
              </td>
              <td className="nowrap" data-col="state">
                <AttemptState finished={a.finished} />
              </td>
              <td className="num" data-col="hits">
                {s === null ? "" : fmt.count(s.hits)}
              </td>
              <td className="num nowrap" data-col="misses">
                {s === null ? "" : fmt.count(s.misses)}
                {s === null || s.mislocated === 0 ? null : <span className="muted c-tr-mislocated">{t("console.training.mislocatedCount", { count: fmt.count(s.mislocated) })}</span>}
              </td>
              <td className="num" data-col="false_alarms">
                {s === null ? "" : fmt.count(s.false_alarms)}
              </td>
              <td className="num" data-col="correct_rejections">
                {s === null ? "" : fmt.count(s.correct_rejections)}
              </td>
              <td className="num" data-col="hit_rate">
                {fmt.rate(s?.hit_rate ?? null)}
              </td>
              <td className="num" data-col="false_alarm_rate">
                {fmt.rate(s?.false_alarm_rate ?? null)}
              </td>
              <td className="num c-tr-dprime" data-col="d_prime">
                {fmt.dPrime(s?.d_prime ?? null)}
              </td>
              <td className="num nowrap" data-col="mean_time_ms">
                {fmt.seconds(s?.mean_time_ms ?? null)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Finished, or still in progress (figures so far), in words and a shape. */
export function AttemptState(props: { finished: boolean }): ReactNode {
  const { t } = useI18n();
  return (
    <span className={`c-state c-tr-state c-tr-state-${props.finished ? "finished" : "open"}`} data-state={props.finished ? "finished" : "open"}>
      {props.finished ? t("console.training.state.finished") : t("console.training.state.open")}
    </span>
  );
}
