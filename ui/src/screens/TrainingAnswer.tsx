// The side panel of a training image: before the answer, the trainee's
// marks (each can be removed) and the two calls; after it, how it went.

import type { ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { Kbd } from "../app/Kbd.tsx";
import { itemKindLabel, trainingDecisionLabel, trainingOutcomeLabel } from "../app/labels.ts";
import type { ErrorBody } from "../app/useLoad.ts";
import { formatSeconds } from "../domain/training.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { TRAINING_MAX_MARKS } from "../transport/generated.ts";
import type { TrainingDecision, TrainingImage } from "../transport/types.ts";
import type { Rect } from "../viewer/geometry.ts";

export function TrainingAnswer(props: {
  marks: readonly Rect[];
  onRemove: (index: number) => void;
  busy: boolean;
  error: ErrorBody | null;
  onAnswer: (d: TrainingDecision) => void;
}): ReactNode {
  const { t } = useI18n();
  const { marks, busy } = props;
  const full = marks.length >= TRAINING_MAX_MARKS;
  const hint = marks.length === 0 ? t("training.suspectNoMarks") : t("training.clearWithMarks");
  return (
    <section className="card training-answer" aria-labelledby="training-question">
      <h2 id="training-question">{t("training.question")}</h2>
      <p className="hint">{t("training.markHint")}</p>
      <h3>{t("training.marks")}</h3>
      {marks.length === 0 ? (
        <p className="muted">{t("training.marksNone")}</p>
      ) : (
        <ol className="plain training-marks">
          {marks.map((m, i) => (
            <li key={`${i}:${m.x},${m.y},${m.w},${m.h}`} data-testid="training-mark-item">
              <span>{t("training.markShow", { n: i + 1, width: Math.round(m.w), height: Math.round(m.h) })}</span>
              <button
                type="button"
                className="btn btn-small"
                data-testid="training-mark-remove"
                aria-label={t("training.markRemove", { n: i + 1 })}
                title={t("training.markRemove", { n: i + 1 })}
                disabled={busy}
                onClick={() => props.onRemove(i)}
              >
                ✕
              </button>
            </li>
          ))}
        </ol>
      )}
      {full ? <p className="hint warn">{t("training.marksFull", { max: TRAINING_MAX_MARKS })}</p> : null}
      <div className="training-calls">
        <button
          type="button"
          className="btn training-call training-suspect"
          data-testid="training-suspect"
          disabled={busy}
          aria-describedby={marks.length === 0 ? "training-call-hint" : undefined}
          onClick={() => props.onAnswer("suspect")}
        >
          {t("training.suspect")} <Kbd keys={t("kbd.trainingSuspect")} />
        </button>
        <button
          type="button"
          className="btn training-call training-clear"
          data-testid="training-clear"
          disabled={busy || marks.length > 0}
          aria-describedby={marks.length === 0 ? undefined : "training-call-hint"}
          onClick={() => props.onAnswer("clear")}
        >
          {t("training.clear")} <Kbd keys={t("kbd.trainingClear")} />
        </button>
      </div>
      <p className="hint" id="training-call-hint">
        {hint}
      </p>
      {busy ? (
        <p className="muted" role="status">
          {t("training.answering")}
        </p>
      ) : null}
      <ErrorNotice error={props.error} lead={t("training.answerFailed")} />
    </section>
  );
}

/** How an answered image went: the outcome in words, what it held, the answer given; then on. */
export function TrainingFeedback(props: { image: TrainingImage; last: boolean; onNext: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { image } = props;
  const { outcome, answer, item } = image;
  if (outcome === null || answer === null) return null;
  const why = outcome === "miss" && image.mislocated ? t("training.feedback.mislocated") : t(`training.feedback.${outcome}`);
  return (
    <section
      className={`card training-feedback outcome-${outcome}`}
      aria-labelledby="training-feedback-title"
      data-testid="training-feedback"
      data-outcome={outcome}
      data-mislocated={image.mislocated}
    >
      <h2 id="training-feedback-title" className="training-outcome" data-testid="training-outcome">
        {trainingOutcomeLabel(i18n, outcome)}
      </h2>
      <p>{why}</p>
      <p data-testid="training-item" data-kind={item?.kind ?? ""}>
        {item === null ? t("training.feedback.noItem") : t("training.feedback.item", { item: itemKindLabel(i18n, item.kind) })}
      </p>
      <p className="muted">
        {t("training.feedback.answer", {
          decision: trainingDecisionLabel(i18n, answer.decision),
          marks: answer.marks.length,
          seconds: formatSeconds(answer.time_ms, i18n.locale),
        })}
      </p>
      <button type="button" className="btn btn-primary training-next" data-testid="training-next" autoFocus onClick={props.onNext}>
        {props.last ? t("training.finish") : t("training.next")}
      </button>
    </section>
  );
}
