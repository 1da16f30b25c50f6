// The end of an exercise: the score as TIP systems give it (hits, misses,
// false alarms, correct rejections, the two rates, d′, time per image) and
// every image with what it held, what was answered and how it scored.

import type { ReactNode } from "react";
import { itemKindLabel, trainingDecisionLabel, trainingOutcomeLabel } from "../app/labels.ts";
import { formatDPrime, formatRate, formatSeconds } from "../domain/training.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { PlainMessageKey } from "../i18n/messages.ts";
import type { TrainingAttempt } from "../transport/types.ts";
import { TrainingBanner } from "./TrainingBanner.tsx";

function Figure(props: { id: string; /** Its name: the message key. */ name: PlainMessageKey; value: string; note?: string }): ReactNode {
  const { t } = useI18n();
  return (
    <div className="training-figure" data-testid={`training-score-${props.id}`} data-value={props.value}>
      <dt>{t(props.name)}</dt>
      <dd>
        <strong>{props.value}</strong>
        {props.note === undefined ? null : <span className="muted">{props.note}</span>}
      </dd>
    </div>
  );
}

export function TrainingResults(props: { attempt: TrainingAttempt; onBack: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { summary, images } = props.attempt;
  const s = summary.score;
  const none = t("common.none");
  const rate = (r: number | null | undefined): string => (r == null ? none : formatRate(r, i18n.locale));
  return (
    <div className="training-results">
      <section className="panel" aria-labelledby="training-results-title" data-testid="training-summary" data-attempt={summary.id}>
        <TrainingBanner />
        <div className="panel-head">
          <h1 id="training-results-title">{t("training.summary.title", { name: summary.name })}</h1>
          <button type="button" className="btn" onClick={props.onBack}>
            {t("training.back")}
          </button>
        </div>
        <p>{t("training.summary.done", { time: i18n.dateTime(summary.last_answer_ms ?? summary.created_ms), total: summary.total })}</p>
        <p className="hint">{t("training.summary.sync")}</p>
        {s === null ? null : (
          <section className="card" aria-labelledby="training-figures-title">
            <h2 id="training-figures-title">{t("training.summary.figures")}</h2>
            <dl className="training-figures">
              <Figure id="hits" name="training.summary.hits" value={i18n.number(s.hits)} />
              <Figure
                id="misses"
                name="training.summary.misses"
                value={i18n.number(s.misses)}
                {...(s.mislocated === 0 ? {} : { note: t("training.summary.mislocated", { count: s.mislocated }) })}
              />
              <Figure id="false-alarms" name="training.summary.falseAlarms" value={i18n.number(s.false_alarms)} />
              <Figure id="correct-rejections" name="training.summary.correctRejections" value={i18n.number(s.correct_rejections)} />
              <Figure id="hit-rate" name="training.summary.hitRate" value={rate(s.hit_rate)} />
              <Figure id="false-alarm-rate" name="training.summary.falseAlarmRate" value={rate(s.false_alarm_rate)} />
              <Figure id="d-prime" name="training.summary.dPrime" value={s.d_prime === null ? none : formatDPrime(s.d_prime, i18n.locale)} />
              <Figure id="mean-time" name="training.summary.meanTime" value={t("training.seconds", { value: formatSeconds(s.mean_time_ms, i18n.locale) })} />
            </dl>
            <p className="hint">{t("training.summary.dPrimeHint")}</p>
          </section>
        )}
        <section className="card" aria-labelledby="training-images-title">
          <h2 id="training-images-title">{t("training.summary.images")}</h2>
          <table className="training-table">
            <thead>
              <tr>
                <th scope="col">{t("training.col.image")}</th>
                <th scope="col">{t("training.col.held")}</th>
                <th scope="col">{t("training.col.answer")}</th>
                <th scope="col">{t("training.col.outcome")}</th>
                <th scope="col">{t("training.col.time")}</th>
              </tr>
            </thead>
            <tbody>
              {images.map((i, n) => (
                <tr key={i.name} data-testid="training-image-row" data-outcome={i.outcome ?? ""}>
                  <td>
                    {n + 1}. <span className="code">{i.name}</span>
                  </td>
                  <td>{i.item === null ? (i.answer === null ? none : t("training.nothing")) : itemKindLabel(i18n, i.item.kind)}</td>
                  <td>{i.answer === null ? none : t("training.answerMarks", { decision: trainingDecisionLabel(i18n, i.answer.decision), marks: i.answer.marks.length })}</td>
                  <td>
                    {i.outcome === null ? (
                      none
                    ) : (
                      <span className={`badge training-outcome-${i.outcome}`}>{trainingOutcomeLabel(i18n, i.outcome)}</span>
                    )}
                    {i.mislocated ? <span className="muted"> {t("training.mislocated")}</span> : null}
                  </td>
                  <td className="num">{i.answer === null ? none : t("training.seconds", { value: formatSeconds(i.answer.time_ms, i18n.locale) })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </section>
    </div>
  );
}
