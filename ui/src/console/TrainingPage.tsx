// The TRAINING pages (/training, trainers, supervisors and auditors; the
// trainer's landing page and all a trainer sees): how each trainee does
// at threat image projection exercises over time, from the attempts
// synced to the centre and scored there from the signed answers.
//   /training                   every trainee: units, exercises taken, the
//                               latest finished one's d′, hit and
//                               false-alarm rates and mean time per image,
//                               the change of d′ against the finished one
//                               before, and projections in live work
//                               found; filtered by unit (asked of the
//                               server) and by part of a name, both in the
//                               URL
//   /training/trainee/:trainee  one trainee's attempts over time: headline
//                               figures, d′ and the two rates per exercise
//                               charted, a table of every exercise, and one
//                               of the projections in live work
//   /training/attempt/:id       one attempt, image by image
// The exercise's images stay on the vehicle; nothing here changes anything.

import { useId, useMemo, useState, type ReactNode } from "react";
import { Link, Navigate, Route, Routes, useSearchParams } from "react-router";
import { useLoad } from "../app/useLoad.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { TraineeProgress } from "../transport/console.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import { TraineePage, type FromList } from "./TraineePage.tsx";
import {
  changeTrend,
  NONE,
  traineeMatches,
  traineePath,
  traineeRow,
  traineesQuery,
  traineesSearch,
  traineesViewFrom,
  TRAINING_PATH,
  trainingFormat,
  trainingUnits,
  type TraineeRow,
  type TraineesView,
  type TrainingFormat,
} from "./training.ts";
import { TrainingAttemptPage } from "./TrainingAttemptPage.tsx";

/** The training pages under /training. */
export function TrainingSection(): ReactNode {
  return (
    <Routes>
      <Route index element={<TraineesPage />} />
      <Route path="trainee/:trainee" element={<TraineePage />} />
      <Route path="attempt/:id" element={<TrainingAttemptPage />} />
      <Route path="*" element={<Navigate to={TRAINING_PATH} replace />} />
    </Routes>
  );
}

export function TraineesPage(): ReactNode {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const transport = useConsoleTransport();
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const view = useMemo(() => traineesViewFrom(search), [search]);
  const query = useMemo(() => traineesQuery(view), [view]);
  const key = JSON.stringify(query);
  const fmt = useMemo(() => trainingFormat(locale), [locale]);
  const loaded = useLoad<{ key: string; all: boolean; trainees: TraineeProgress[] }>(
    () => transport.training(query).then((trainees) => ({ key, all: query.unit === undefined, trainees })),
    [transport, key],
  );

  // This unit's answer, or (while it loads) the one before, dimmed; not after a failure.
  const answer = loaded.value;
  const settled = answer !== null && answer.key === key;
  const failed = loaded.error !== null && !settled;
  const loading = !settled && loaded.error === null;
  const shown = failed ? null : (answer?.trainees ?? null);

  // The units offered: those of the last answer for every unit, kept while one unit is shown.
  const [seen, setSeen] = useState<{ from: TraineeProgress[] | null; units: readonly string[] }>({ from: null, units: [] });
  if (settled && answer.trainees !== seen.from) setSeen({ from: answer.trainees, units: trainingUnits(seen.units, answer, null) });
  const units = trainingUnits(seen.units, null, view.unit);

  const rows = useMemo(() => (shown ?? []).filter((p) => traineeMatches(p.trainee, view.trainee)).map(traineeRow), [shown, view.trainee]);
  const go = (v: TraineesView, replace = false): void => setParams(new URLSearchParams(traineesSearch(v)), { replace });
  const state = failed ? "error" : shown === null ? "loading" : shown.length === 0 ? "empty" : "ready";
  const id = useId();
  const list = traineesSearch(view);

  return (
    <main className="c-page c-stats-page c-training-page" data-testid="training-page" data-state={state} data-unit={view.unit ?? ""} aria-busy={loading}>
      <header className="c-st-head">
        <h1>{t("console.training.title")}</h1>
        <p className="muted c-tr-intro">{t("console.training.intro")}</p>
      </header>
      <div className="c-st-filters" role="group" aria-label={t("console.training.filters")}>
        <div className="c-au-pick">
          <label htmlFor={`${id}-unit`}>{t("console.training.unit")}</label>
          <select id={`${id}-unit`} value={view.unit ?? ""} onChange={(e) => go({ ...view, unit: e.target.value === "" ? null : e.target.value })} data-testid="training-unit">
            <option value="">{t("console.training.unit.all")}</option>
            {units.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </div>
        <div className="c-au-pick">
          <label htmlFor={`${id}-trainee`}>{t("console.training.trainee")}</label>
          <input
            id={`${id}-trainee`}
            type="search"
            value={view.trainee}
            placeholder={t("console.training.traineePlaceholder")}
            onChange={(e) => go({ ...view, trainee: e.target.value }, true)}
            autoComplete="off"
            spellCheck={false}
            data-testid="training-trainee"
          />
        </div>
        {shown === null ? null : (
          <p className="muted c-tr-count" aria-live="polite" data-testid="training-count">
            {t("console.training.count", { shown: fmt.count(rows.length), total: fmt.count(shown.length) })}
          </p>
        )}
      </div>
      <div className={`c-st-body${loading && shown !== null ? " is-loading" : ""}`}>
        {failed ? <ConsoleError error={loaded.error} /> : null}
        {shown === null ? (
          loading ? (
            <p className="muted">{t("app.loading")}</p>
          ) : null
        ) : shown.length === 0 ? (
          <p className="empty" data-testid="training-empty">
            {view.unit === null ? t("console.training.empty") : t("console.training.emptyUnit", { unit: view.unit })}
          </p>
        ) : rows.length === 0 ? (
          <p className="empty" data-testid="training-nomatch">
            {t("console.training.noMatch", { text: view.trainee.trim() })}
          </p>
        ) : (
          <section className="c-st-section" aria-labelledby={`${id}-title`}>
            <div className="c-st-section-head">
              <h2 id={`${id}-title`}>{t("console.training.trainees")}</h2>
              <p className="muted c-st-note">{t("console.training.tableNote")}</p>
            </div>
            <div className="c-st-table-wrap">
              <TraineesTable rows={rows} fmt={fmt} list={list} />
            </div>
          </section>
        )}
      </div>
    </main>
  );
}

function TraineesTable(props: { rows: readonly TraineeRow[]; fmt: TrainingFormat; list: string }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { fmt } = props;
  const from: FromList = { list: props.list };
  return (
    <table className="c-table c-st-table c-tr-table" data-testid="training-table" aria-label={t("console.training.trainees")}>
      <thead>
        <tr>
          <th scope="col" rowSpan={2} data-col="trainee">
            {t("console.training.col.trainee")}
          </th>
          <th scope="col" rowSpan={2} data-col="units">
            {t("console.training.col.units")}
          </th>
          <th scope="col" rowSpan={2} className="num" data-col="attempts">
            {t("console.training.col.attempts")}
          </th>
          <th scope="col" rowSpan={2} data-col="last">
            {t("console.training.col.last")}
          </th>
          <th scope="col" rowSpan={2} className="num" data-col="live" title={t("console.training.col.liveTitle")}>
            {t("console.training.col.live")}
          </th>
          <th scope="colgroup" colSpan={5} className="c-tr-group">
            {t("console.training.col.latest")}
          </th>
        </tr>
        <tr>
          <th scope="col" className="num" data-col="d_prime">
            {t("console.training.col.d_prime")}
          </th>
          <th scope="col" className="num" data-col="d_prime_change">
            {t("console.training.col.change")}
          </th>
          <th scope="col" className="num" data-col="hit_rate">
            {t("console.training.col.hit_rate")}
          </th>
          <th scope="col" className="num" data-col="false_alarm_rate">
            {t("console.training.col.false_alarm_rate")}
          </th>
          <th scope="col" className="num" data-col="mean_time_ms">
            {t("console.training.col.mean_time_ms")}
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => {
          const s = r.latest?.score ?? null;
          const trend = changeTrend(r.change);
          return (
            <tr key={r.trainee} data-key={r.trainee} className={r.latest === null ? "is-zero" : undefined}>
              <td className="nowrap c-st-key" data-col="trainee">
                <Link to={traineePath(r.trainee)} state={from} className="code" data-testid="training-trainee-link">
                  {r.trainee}
                </Link>
              </td>
              <td data-col="units">{r.units.join(", ")}</td>
              <td className="num nowrap" data-col="attempts">
                {fmt.count(r.attempts)}
                {r.inProgress === 0 ? null : <span className="muted c-tr-open">{t("console.training.inProgressCount", { count: fmt.count(r.inProgress) })}</span>}
              </td>
              <td className="nowrap" data-col="last">
                {r.lastMs === null ? null : (
                  <time dateTime={new Date(r.lastMs).toISOString()} title={i18n.dateTime(r.lastMs)}>
                    {i18n.dateTimeShort(r.lastMs)}
                  </time>
                )}
              </td>
              <td className="num nowrap" data-col="live">
                {r.live.shown === 0 ? NONE : t("console.training.liveFound", { found: fmt.count(r.live.found), shown: fmt.count(r.live.shown) })}
              </td>
              <td className="num c-tr-dprime" data-col="d_prime">
                {fmt.dPrime(s?.d_prime ?? null)}
              </td>
              <td
                className={`num nowrap${trend === null ? "" : ` c-tr-change c-tr-change-${trend}`}`}
                data-col="d_prime_change"
                data-trend={trend ?? ""}
                title={r.previous === null ? undefined : t("console.training.changeTitle", { before: fmt.dPrime(r.previous.score?.d_prime ?? null), after: fmt.dPrime(s?.d_prime ?? null) })}
              >
                {fmt.change(r.change)}
              </td>
              <td className="num" data-col="hit_rate">
                {fmt.rate(s?.hit_rate ?? null)}
              </td>
              <td className="num" data-col="false_alarm_rate">
                {fmt.rate(s?.false_alarm_rate ?? null)}
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
