// The append-only history of decisions and reviews. Read-only by design:
// there is no control here to change or remove an entry. A review shows
// its verdict, supervisor, time and comment, and an overrule the outcome
// and reasons it put in place.

import type { ReactNode } from "react";
import { outcomeLabel, verdictLabel } from "../app/labels.ts";
import { historyEntries } from "../domain/history.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionView } from "../transport/types.ts";

export function DecisionHistory(props: { view: Pick<InspectionView, "decisions" | "reviews"> }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const entries = historyEntries(props.view);
  const current = <span className="badge">{t("history.current")}</span>;
  return (
    <section aria-labelledby="history-title">
      <h3 id="history-title">{t("history.title")}</h3>
      {entries.length === 0 ? (
        <p className="muted">{t("history.empty")}</p>
      ) : (
        <ol className="history" data-testid="history">
          {entries.map((h) =>
            h.kind === "decision" ? (
              <li key={`d${h.index}`} className={h.current ? "decision is-current" : "decision"}>
                <time dateTime={new Date(h.entry.at_ms).toISOString()}>{i18n.dateTime(h.entry.at_ms)}</time>
                <strong>
                  {t("history.decision", { officer: h.entry.officer, outcome: outcomeLabel(i18n, h.entry.outcome) })}
                </strong>
                {h.current ? current : null}
                {h.entry.reasons.length > 0 ? (
                  <span className="code">{t("history.reasons", { reasons: h.entry.reasons.join(", ") })}</span>
                ) : null}
                {h.entry.note === "" ? null : <p className="note">{h.entry.note}</p>}
              </li>
            ) : (
              <li
                key={`r${h.index}`}
                className={`review verdict-${h.entry.verdict}${h.current ? " is-current" : ""}`}
                data-testid="history-review"
              >
                <time dateTime={new Date(h.entry.at_ms).toISOString()}>{i18n.dateTime(h.entry.at_ms)}</time>
                <strong>
                  {t("history.review", { supervisor: h.entry.supervisor, verdict: verdictLabel(i18n, h.entry.verdict) })}
                </strong>
                {h.current ? current : null}
                {h.entry.verdict === "overrule" && h.entry.outcome != null ? (
                  <span className={`badge outcome-${h.entry.outcome}`}>
                    {t("history.overruleOutcome", { outcome: outcomeLabel(i18n, h.entry.outcome) })}
                  </span>
                ) : null}
                {(h.entry.reasons ?? []).length > 0 ? (
                  <span className="code">{t("history.reasons", { reasons: (h.entry.reasons ?? []).join(", ") })}</span>
                ) : null}
                {h.entry.comment === "" ? null : <p className="note">{h.entry.comment}</p>}
              </li>
            ),
          )}
        </ol>
      )}
    </section>
  );
}
