// Record a decision (outcome, reason codes, note) and see the history of
// decisions and reviews. Deciding only ever appends: the panel calls
// `Transport.decide` and shows the list the vehicle returns. When a
// supervisor returned the inspection, the form is the crew's response: a
// new decision, with a note saying what was checked.

import { useState, type FormEvent, type ReactNode, type Ref } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { Kbd } from "../app/Kbd.tsx";
import { outcomeLabel, reviewStateLabel } from "../app/labels.ts";
import { useShortcut } from "../app/shortcuts.ts";
import { useTransport } from "../app/TransportProvider.tsx";
import { currentOutcome, OUTCOMES } from "../domain/outcome.ts";
import { reviewStateOf } from "../domain/review.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { InspectionView, Outcome } from "../transport/types.ts";
import { DecisionHistory } from "./DecisionHistory.tsx";
import { ReasonPicker } from "./ReasonPicker.tsx";

function OutcomeShortcut(props: { n: number; outcome: Outcome; onPick: (o: Outcome) => void }): null {
  useShortcut({ key: String(props.n), alt: true }, () => props.onPick(props.outcome));
  return null;
}

export function DecisionPanel(props: {
  view: InspectionView;
  onChange: (v: InspectionView) => void;
  /** After a decision was recorded (and shown). */
  onDecided?: () => Promise<void>;
  /** The form, for the screen to bring it into view ("Respond"). */
  formRef?: Ref<HTMLFormElement>;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const { view, formRef } = props;
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [reasons, setReasons] = useState<string[]>([]);
  const [note, setNote] = useState("");
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const current = currentOutcome(view);
  const reviewState = reviewStateOf(view);
  const responding = reviewState === "returned";
  const noteMissing = responding && note.trim() === "";

  const submit = async (): Promise<void> => {
    setTried(true);
    if (outcome === null || noteMissing || busy) return;
    setBusy(true);
    setError(null);
    try {
      const v = await transport.decide(view.id, { outcome, reasons, note });
      setOutcome(null);
      setReasons([]);
      setNote("");
      setTried(false);
      props.onChange(v);
      await props.onDecided?.();
    } catch (e) {
      setError(toErrorBody(e));
    } finally {
      setBusy(false);
    }
  };
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    void submit();
  };
  useShortcut({ key: "Enter", ctrl: true }, () => void submit());

  return (
    <section className="card" aria-labelledby="decision-title">
      <h2 id="decision-title">{t("decision.title")}</h2>
      <div className="current-line">
        <p className={`current outcome-${current ?? "undecided"}`} data-testid="current-outcome">
          {current === null ? t("decision.none") : t("decision.current", { outcome: outcomeLabel(i18n, current) })}
        </p>
        {reviewState === "unreviewed" ? null : (
          <span className={`badge review-${reviewState}`} data-testid="review-state" data-state={reviewState}>
            {t("decision.reviewState", { state: reviewStateLabel(i18n, reviewState) })}
          </span>
        )}
      </div>
      <DecisionHistory view={view} />
      <p className="hint">{t("decision.appendOnly")}</p>

      <form
        ref={formRef}
        className={responding ? "decision-form is-response" : "decision-form"}
        onSubmit={onSubmit}
        aria-labelledby="decision-new-title"
        noValidate
      >
        <h3 id="decision-new-title">{responding ? t("decision.respond") : t("decision.new")}</h3>
        <fieldset className="group">
          <legend>{t("decision.outcome")}</legend>
          <div className="outcomes">
            {OUTCOMES.map((o, i) => (
              <label key={o} className={`tile outcome-${o}`}>
                <input
                  type="radio"
                  name="outcome"
                  value={o}
                  checked={outcome === o}
                  onChange={() => setOutcome(o)}
                  aria-keyshortcuts={`Alt+${i + 1}`}
                />
                <span>{outcomeLabel(i18n, o)}</span>
                <Kbd keys={t("kbd.outcome", { n: i + 1 })} />
                <OutcomeShortcut n={i + 1} outcome={o} onPick={setOutcome} />
              </label>
            ))}
          </div>
          {tried && outcome === null ? (
            <p className="msg bad" role="alert">
              {t("decision.chooseOutcome")}
            </p>
          ) : null}
        </fieldset>
        <ReasonPicker value={reasons} onChange={setReasons} />
        <div className="field">
          <label htmlFor="decision-note">{t("decision.note")}</label>
          <textarea
            id="decision-note"
            rows={3}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            aria-invalid={tried && noteMissing}
            {...(responding ? { "aria-describedby": "decision-note-hint", required: true } : {})}
          />
          {responding ? (
            <p id="decision-note-hint" className={tried && noteMissing ? "msg bad" : "hint"} {...(tried && noteMissing ? { role: "alert" } : {})}>
              {t("decision.noteRequired")}
            </p>
          ) : null}
        </div>
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t("decision.submitting") : t("decision.submit")} <Kbd keys={t("kbd.submit")} />
        </button>
      </form>
    </section>
  );
}
