// The inspection's record on the console: the append-only decisions and
// reviews as one timeline, and how each signed record reached the server
// (received at, the signing device's unit and key, the officer, the
// record's position in the server's log). Read-only by design.

import type { ReactNode } from "react";
import { outcomeLabel, verdictLabel } from "../app/labels.ts";
import { historyEntries } from "../domain/history.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { DeliveryRecord } from "../transport/console.ts";
import type { InspectionView } from "../transport/types.ts";
import { opLabel } from "./labels.ts";
import { useCompactTime } from "./time.ts";

export function Timeline(props: { view: Pick<InspectionView, "decisions" | "reviews"> }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const entries = historyEntries(props.view);
  return (
    <section className="c-card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t("console.timeline.title")}</h2>
      {entries.length === 0 ? (
        <p className="muted">{t("console.timeline.empty")}</p>
      ) : (
        <ol className="c-timeline" data-testid="timeline">
          {entries.map((h) => (
            <li key={`${h.kind}${h.index}`} className={`c-entry c-entry-${h.kind}${h.current ? " is-current" : ""}${h.kind === "review" ? ` verdict-${h.entry.verdict}` : ""}`}>
              <time dateTime={new Date(h.entry.at_ms).toISOString()}>{i18n.dateTime(h.entry.at_ms)}</time>
              {h.kind === "decision" ? (
                <>
                  <strong>{t("console.timeline.decision", { officer: h.entry.officer, outcome: outcomeLabel(i18n, h.entry.outcome) })}</strong>
                  {h.entry.reasons.length > 0 ? <span className="code">{t("console.timeline.reasons", { reasons: h.entry.reasons.join(", ") })}</span> : null}
                  {h.entry.note === "" ? null : <p className="c-note">{h.entry.note}</p>}
                </>
              ) : (
                <>
                  <strong>{t("console.timeline.review", { supervisor: h.entry.supervisor, verdict: verdictLabel(i18n, h.entry.verdict) })}</strong>
                  {h.entry.verdict === "overrule" && h.entry.outcome != null ? (
                    <span>{t("console.timeline.overruleOutcome", { outcome: outcomeLabel(i18n, h.entry.outcome) })}</span>
                  ) : null}
                  {h.entry.reasons !== undefined && h.entry.reasons.length > 0 ? (
                    <span className="code">{t("console.timeline.reasons", { reasons: h.entry.reasons.join(", ") })}</span>
                  ) : null}
                  {h.entry.comment === "" ? null : <p className="c-note">{h.entry.comment}</p>}
                </>
              )}
              {h.current ? <span className="badge">{t("console.timeline.current")}</span> : null}
            </li>
          ))}
        </ol>
      )}
      <p className="hint">{t("console.timeline.appendOnly")}</p>
    </section>
  );
}

export function Delivery(props: { records: readonly DeliveryRecord[] }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const time = useCompactTime();
  const records = [...props.records].sort((a, b) => a.server_seq - b.server_seq);
  return (
    <section className="c-card" aria-labelledby="delivery-title">
      <h2 id="delivery-title">{t("console.delivery.title")}</h2>
      <p className="hint">{t("console.delivery.hint")}</p>
      <ol className="c-records" data-testid="delivery">
        {records.map((r) => (
          <li key={r.id} className="c-record" data-record={r.id} title={r.id}>
            <span className="code c-seq">{t("console.delivery.seq", { seq: r.server_seq })}</span>
            <strong>{opLabel(i18n, r.op)}</strong>
            <span className="code">{r.officer}</span>
            <span className="c-record-line muted">
              <span title={r.signer}>
                {r.signer_unit === null ? t("console.delivery.server") : r.signer_unit} <span className="code">{r.signer.slice(0, 8)}</span>
              </span>
              {" · "}
              <time dateTime={new Date(r.received_ms).toISOString()} title={t("console.delivery.times", { created: i18n.dateTime(r.created_ms), received: i18n.dateTime(r.received_ms) })}>
                {t("console.delivery.receivedAt", { time: time(r.received_ms) })}
              </time>
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
