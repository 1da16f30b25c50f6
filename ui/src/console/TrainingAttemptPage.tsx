// One attempt at a training exercise (/training/attempt/:id): who took it,
// where and when, its score so far, and every image: the answer given
// (suspect or clear, the marks, the time taken), how it scored, and the
// item it held (given once the image is answered). The images themselves
// stay on the vehicle the exercise was taken on.

import { useId, useMemo, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { useLoad, type ErrorBody } from "../app/useLoad.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Translator } from "../i18n/translate.ts";
import type { TrainingAttempt, TrainingImage } from "../transport/console.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import { AttemptState, Figure } from "./TraineePage.tsx";
import { isItemKind, traineePath, trainingFormat, type TrainingFormat } from "./training.ts";

export function TrainingAttemptPage(): ReactNode {
  const { t } = useI18n();
  const transport = useConsoleTransport();
  const { id = "" } = useParams();
  const loaded = useLoad<{ id: string; attempt: TrainingAttempt }>(() => transport.trainingAttempt(id).then((attempt) => ({ id, attempt })), [transport, id]);
  const attempt = loaded.value !== null && loaded.value.id === id ? loaded.value.attempt : null;
  const state = attempt !== null ? "ready" : loaded.error !== null ? "error" : "loading";
  return (
    <main className="c-page c-stats-page c-attempt-page" data-testid="attempt-page" data-attempt={id} data-state={state} aria-busy={state === "loading"}>
      {attempt === null ? (
        <>
          <header className="c-st-head">
            <h1>{t("console.training.attempt")}</h1>
          </header>
          <div className="c-st-body">
            {state === "error" ? <AttemptError error={loaded.error} /> : <p className="muted">{t("app.loading")}</p>}
          </div>
        </>
      ) : (
        <AttemptBody attempt={attempt} />
      )}
    </main>
  );
}

/** A failed load in the console's words; "not found" in this page's terms. */
function AttemptError(props: { error: ErrorBody | null }): ReactNode {
  const { t } = useI18n();
  const { error } = props;
  if (error === null) return null;
  return <ConsoleError error={error} {...(error.code === "not_found" ? { lead: t("console.training.attemptNotFound") } : {})} />;
}

function AttemptBody(props: { attempt: TrainingAttempt }): ReactNode {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const fmt = useMemo(() => trainingFormat(locale), [locale]);
  const { summary: a, images } = props.attempt;
  const s = a.score;
  const signal = s === null ? 0 : s.hits + s.misses;
  const noise = s === null ? 0 : s.false_alarms + s.correct_rejections;
  const id = useId();
  return (
    <>
      <header className="c-st-head">
        <Link to={traineePath(a.trainee)} className="c-tr-back" data-testid="training-back">
          {t("console.training.backToTrainee", { trainee: a.trainee })}
        </Link>
        <h1>{a.name}</h1>
        <p className="muted c-range" data-testid="attempt-facts">
          {t("console.training.attemptFacts", { trainee: a.trainee, unit: a.unit, time: i18n.dateTime(a.created_ms) })}
        </p>
        <AttemptState finished={a.finished} />
      </header>
      <div className="c-st-body">
        <section className="c-st-totals" aria-label={t("console.training.attemptFigures")}>
          <Figure prefix="attempt" label={t("console.training.total.answered")} field="answered" value={t("console.training.answeredOf", { answered: fmt.count(a.answered), total: fmt.count(a.total) })}>
            {a.last_answer_ms === null ? t("console.training.total.noAnswer") : t("console.training.total.lastAnswer", { time: i18n.dateTimeShort(a.last_answer_ms) })}
          </Figure>
          <Figure prefix="attempt" label={t("console.training.total.d_prime")} field="d_prime" value={fmt.dPrime(s?.d_prime ?? null)}>
            {a.finished ? t("console.training.total.dPrimeNote") : t("console.training.total.soFar")}
          </Figure>
          <Figure prefix="attempt" label={t("console.training.total.hit_rate")} field="hit_rate" value={fmt.rate(s?.hit_rate ?? null)}>
            {s === null ? null : t("console.training.total.hitsOf", { hits: fmt.count(s.hits), signal: fmt.count(signal) })}
            {s === null || s.mislocated === 0 ? null : <> · {t("console.training.mislocatedOf", { count: fmt.count(s.mislocated) })}</>}
          </Figure>
          <Figure prefix="attempt" label={t("console.training.total.false_alarm_rate")} field="false_alarm_rate" value={fmt.rate(s?.false_alarm_rate ?? null)}>
            {s === null ? null : t("console.training.total.falseAlarmsOf", { false_alarms: fmt.count(s.false_alarms), noise: fmt.count(noise) })}
          </Figure>
          <Figure prefix="attempt" label={t("console.training.total.mean_time_ms")} field="mean_time_ms" value={fmt.seconds(s?.mean_time_ms ?? null)}>
            {s === null ? null : t("console.training.total.over", { count: fmt.count(s.scored) })}
          </Figure>
        </section>
        <section className="c-st-section" aria-labelledby={`${id}-title`}>
          <div className="c-st-section-head">
            <h2 id={`${id}-title`}>{t("console.training.images")}</h2>
            <p className="muted c-st-note">{t("console.training.imagesNote")}</p>
          </div>
          <div className="c-st-table-wrap">
            <ImagesTable images={images} fmt={fmt} />
          </div>
        </section>
      </div>
    </>
  );
}

function ImagesTable(props: { images: readonly TrainingImage[]; fmt: TrainingFormat }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { fmt } = props;
  const cols = ["n", "name", "answer", "marks", "outcome", "mislocated", "time_ms", "item", "answered"] as const;
  const numeric = new Set<string>(["n", "marks", "time_ms"]);
  return (
    <table className="c-table c-st-table c-tr-table c-tr-images" data-testid="attempt-table" aria-label={t("console.training.images")}>
      <thead>
        <tr>
          {cols.map((c) => (
            <th key={c} scope="col" className={numeric.has(c) ? "num" : undefined} data-col={c}>
              {t(`console.training.col.image.${c}`)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.images.map((im, i) => {
          const ans = im.answer;
          return (
            <tr key={im.name} data-key={im.name} data-outcome={im.outcome ?? ""} className={ans === null ? "is-zero" : undefined}>
              <td className="num" data-col="n">
                {fmt.count(i + 1)}
              </td>
              <td className="code nowrap c-st-key" data-col="name">
                {im.name}
              </td>
              <td className="nowrap" data-col="answer">
                {ans === null ? t("console.training.notAnswered") : t(`console.training.decision.${ans.decision}`)}
              </td>
              <td className="num" data-col="marks" title={ans === null || ans.marks.length === 0 ? undefined : ans.marks.map((m) => boxText(t, m)).join("; ")}>
                {ans === null ? "" : fmt.count(ans.marks.length)}
              </td>
              <td className="nowrap" data-col="outcome">
                {im.outcome === null ? null : <span className={`c-tr-outcome c-tr-outcome-${im.outcome}`}>{t(`console.training.outcome.${im.outcome}`)}</span>}
              </td>
              <td data-col="mislocated">{im.mislocated ? t("console.training.mislocated") : ""}</td>
              <td className="num nowrap" data-col="time_ms">
                {ans === null ? "" : fmt.seconds(ans.time_ms)}
              </td>
              <td data-col="item">
                {ans === null ? (
                  <span className="muted">{t("console.training.itemHidden")}</span>
                ) : im.item === null ? (
                  t("console.training.itemNone")
                ) : (
                  <>
                    {isItemKind(im.item.kind) ? t(`console.training.item.${im.item.kind}`) : im.item.kind} <span className="muted nowrap">{boxText(t, im.item.bbox)}</span>
                  </>
                )}
              </td>
              <td className="nowrap" data-col="answered">
                {ans === null ? null : (
                  <time dateTime={new Date(ans.answered_ms).toISOString()} title={i18n.dateTime(ans.answered_ms)}>
                    {i18n.time(ans.answered_ms)}
                  </time>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A box in image pixels, in words (whole pixels, no digit grouping: coordinates, not counts). */
function boxText(t: Translator["t"], b: readonly number[]): string {
  const [x = 0, y = 0, w = 0, h = 0] = b.map((v) => String(Math.round(v)));
  return t("console.training.box", { x, y, w, h });
}
