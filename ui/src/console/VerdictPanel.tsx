// The supervisor's verdict: agree, overrule (the outcome that replaces the
// crew's, reason codes, a comment) or return to the crew (a comment). Each
// verdict has a key (Alt+A, Alt+O, Alt+R: the bare letters belong to the
// scan viewer), Alt+1…4 choose the overrule's outcome, Ctrl+Enter sends.
// A review is appended: nothing earlier changes.

import { useRef, useState, type FormEvent, type ReactNode } from "react";
import { Kbd } from "../app/Kbd.tsx";
import { outcomeLabel, reasonLabel } from "../app/labels.ts";
import { useShortcut } from "../app/shortcuts.ts";
import { OUTCOMES } from "../domain/outcome.ts";
import { COMMON_REASONS, isValidReasonCode, normaliseReasonCode } from "../domain/reason.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { ConsoleInspection } from "../transport/console.ts";
import { toErrorBody } from "../transport/errors.ts";
import type { Outcome, Verdict } from "../transport/types.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import { commentRequired, EMPTY_DRAFT, reviewInput, verdictProblems, type VerdictDraft } from "./verdictForm.ts";

const VERDICT_KEYS: readonly { verdict: Verdict; key: string; code: string }[] = [
  { verdict: "agree", key: "a", code: "KeyA" },
  { verdict: "overrule", key: "o", code: "KeyO" },
  { verdict: "return", key: "r", code: "KeyR" },
];

function VerdictKey(props: { k: string; code: string; onPick: () => void }): null {
  useShortcut({ key: props.k, code: props.code, alt: true }, props.onPick);
  return null;
}

function OutcomeKey(props: { n: number; onPick: () => void; enabled: boolean }): null {
  useShortcut({ key: String(props.n), code: `Digit${props.n}`, alt: true }, props.onPick, props.enabled);
  return null;
}

export function VerdictPanel(props: { data: ConsoleInspection; onReviewed: (c: ConsoleInspection) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useConsoleTransport();
  const [draft, setDraft] = useState<VerdictDraft>(EMPTY_DRAFT);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [other, setOther] = useState("");
  const comment = useRef<HTMLTextAreaElement>(null);
  const problems = verdictProblems(draft);
  const shown = tried ? problems : [];
  const id = props.data.view.id;

  const patch = (p: Partial<VerdictDraft>): void => setDraft((d) => ({ ...d, ...p }));
  const pick = (verdict: Verdict): void => {
    patch({ verdict });
    setTried(false);
    setError(null);
  };

  const submit = async (): Promise<void> => {
    setTried(true);
    const input = reviewInput(draft);
    if (input === null || busy) {
      if (verdictProblems(draft).includes("comment")) comment.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const c = await transport.review(id, input);
      setDraft(EMPTY_DRAFT);
      setOther("");
      setTried(false);
      props.onReviewed(c);
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

  const toggleReason = (code: string): void =>
    patch({ reasons: draft.reasons.includes(code) ? draft.reasons.filter((c) => c !== code) : [...draft.reasons, code] });
  const typed = normaliseReasonCode(other);
  const addOther = (): void => {
    if (!isValidReasonCode(typed)) return;
    if (!draft.reasons.includes(typed)) patch({ reasons: [...draft.reasons, typed] });
    setOther("");
  };
  const custom = draft.reasons.filter((c) => !(COMMON_REASONS as readonly string[]).includes(c));
  const overrule = draft.verdict === "overrule";

  return (
    <section className="c-card c-verdict" aria-labelledby="verdict-title" data-testid="verdict-panel">
      <h2 id="verdict-title">{t("console.verdict.title")}</h2>
      <form onSubmit={onSubmit} noValidate>
        <fieldset className="c-verdicts">
          <legend className="sr-only">{t("console.verdict.choose")}</legend>
          {VERDICT_KEYS.map(({ verdict, key, code }) => (
            <label key={verdict} className={`c-verdict-choice verdict-${verdict}`}>
              <input
                type="radio"
                name="verdict"
                value={verdict}
                checked={draft.verdict === verdict}
                onChange={() => pick(verdict)}
                aria-keyshortcuts={`Alt+${key.toUpperCase()}`}
                data-testid={`verdict-${verdict}`}
              />
              <span>{t(`console.verdict.${verdict}`)}</span>
              <Kbd keys={t(`kbd.console.${verdict}`)} />
              <VerdictKey k={key} code={code} onPick={() => pick(verdict)} />
            </label>
          ))}
        </fieldset>
        {shown.includes("verdict") ? (
          <p className="msg bad" role="alert">
            {t("console.verdict.needVerdict")}
          </p>
        ) : null}

        {overrule ? (
          <>
            <fieldset className="c-group">
              <legend>{t("console.verdict.outcome")}</legend>
              <div className="c-outcomes">
                {OUTCOMES.map((o: Outcome, i) => (
                  <label key={o} className={`c-outcome-choice outcome-${o}`}>
                    <input
                      type="radio"
                      name="overrule-outcome"
                      value={o}
                      checked={draft.outcome === o}
                      onChange={() => patch({ outcome: o })}
                      aria-keyshortcuts={`Alt+${i + 1}`}
                    />
                    <span>{outcomeLabel(i18n, o)}</span>
                    <Kbd keys={t("kbd.console.outcome", { n: i + 1 })} />
                    <OutcomeKey n={i + 1} onPick={() => patch({ outcome: o })} enabled={overrule} />
                  </label>
                ))}
              </div>
              {shown.includes("outcome") ? (
                <p className="msg bad" role="alert">
                  {t("console.verdict.needOutcome")}
                </p>
              ) : null}
            </fieldset>
            <fieldset className="c-group">
              <legend>{t("console.verdict.reasons")}</legend>
              <div className="c-chips">
                {COMMON_REASONS.map((code) => (
                  <label key={code} className="c-chip" title={code}>
                    <input type="checkbox" checked={draft.reasons.includes(code)} onChange={() => toggleReason(code)} />
                    <span>{reasonLabel(i18n, code)}</span>
                  </label>
                ))}
                {custom.map((code) => (
                  <button key={code} type="button" className="c-chip c-chip-custom" onClick={() => toggleReason(code)} aria-label={t("console.verdict.reasonRemove", { code })}>
                    <span className="code">{code}</span> ✕
                  </button>
                ))}
              </div>
              <div className="c-row">
                <label htmlFor="verdict-reason-other" className="sr-only">
                  {t("console.verdict.reasonOther")}
                </label>
                <input
                  id="verdict-reason-other"
                  className="code"
                  value={other}
                  placeholder={t("console.verdict.reasonOther")}
                  onChange={(e) => setOther(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
                      e.preventDefault();
                      addOther();
                    }
                  }}
                  aria-invalid={other !== "" && !isValidReasonCode(typed)}
                  autoComplete="off"
                  spellCheck={false}
                />
                <button type="button" className="btn btn-small" onClick={addOther} disabled={!isValidReasonCode(typed)}>
                  {t("console.verdict.reasonAdd")}
                </button>
              </div>
            </fieldset>
          </>
        ) : null}

        <div className="field c-field">
          <label htmlFor="verdict-comment">
            {commentRequired(draft.verdict) ? t("console.verdict.commentRequired") : t("console.verdict.comment")}
          </label>
          <textarea
            id="verdict-comment"
            ref={comment}
            rows={3}
            value={draft.comment}
            onChange={(e) => patch({ comment: e.target.value })}
            aria-invalid={shown.includes("comment") || shown.includes("comment_too_long")}
            aria-required={commentRequired(draft.verdict)}
          />
          {shown.includes("comment") ? (
            <p className="msg bad" role="alert">
              {draft.verdict === "overrule" ? t("console.verdict.needCommentOverrule") : t("console.verdict.needCommentReturn")}
            </p>
          ) : shown.includes("comment_too_long") ? (
            <p className="msg bad" role="alert">
              {t("console.verdict.commentTooLong")}
            </p>
          ) : null}
        </div>
        <ConsoleError error={error} />
        <button type="submit" className="btn btn-primary c-submit" disabled={busy} data-testid="verdict-submit">
          {busy ? t("console.verdict.sending") : t("console.verdict.send")} <Kbd keys={t("kbd.submit")} />
        </button>
        <p className="hint">{t("console.verdict.appendOnly")}</p>
      </form>
    </section>
  );
}
