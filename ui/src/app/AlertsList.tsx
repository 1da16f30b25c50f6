// An inspection's hotlist alerts, open ones first: how urgent, how the
// seen text matched (tier), the plate as seen, the list, the entry and its
// reason, when and under which officer it was raised, and the crew's
// latest response (who, when, note). With `onRespond` (the crew's screen)
// an open alert has the response buttons; without it (the console) the
// card only reads. An inspection without alerts shows nothing.

import { useId, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Alert, AlertResponseKind, InspectionView, NewAlert } from "../transport/types.ts";
import { AlertRespond } from "./AlertRespond.tsx";
import { alertResponseLabel, alertSourceLabel, matchTierLabel, plateRoleLabel, priorityLabel } from "./labels.ts";

/** Open before answered; within each, the most urgent first, then as raised. */
const PRIORITY_ORDER = { high: 0, medium: 1, low: 2 } as const;

export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return alerts
    .map((a, i) => ({ a, i }))
    .sort(
      (x, y) =>
        Number(x.a.response !== null) - Number(y.a.response !== null) ||
        PRIORITY_ORDER[x.a.priority] - PRIORITY_ORDER[y.a.priority] ||
        x.i - y.i,
    )
    .map(({ a }) => a);
}

/** Priority, tier and what raised it (with the plate's role), as badges. */
export function AlertBadges(props: { hit: NewAlert }): ReactNode {
  const i18n = useI18n();
  const { hit } = props;
  return (
    <span className="alert-badges">
      <span className={`badge alert-priority priority-${hit.priority}`} data-testid="alert-priority">
        {priorityLabel(i18n, hit.priority)}
      </span>
      <span className="badge alert-tier" data-testid="alert-tier" data-tier={hit.tier}>
        {matchTierLabel(i18n, hit.tier)}
      </span>
      <span className="badge">
        {hit.role === null ? alertSourceLabel(i18n, hit.source) : `${alertSourceLabel(i18n, hit.source)} · ${plateRoleLabel(i18n, hit.role)}`}
      </span>
    </span>
  );
}

/** The list, the entry and the reason, one line each. */
export function AlertFacts(props: { hit: NewAlert }): ReactNode {
  const { t } = useI18n();
  const { hit } = props;
  return (
    <>
      <p className="alert-line alert-list-line">
        <span>{t("alerts.list", { list: hit.list })}</span> <span>{t("alerts.entry", { entry: hit.entry_value })}</span>
      </p>
      <p className="alert-line alert-reason">{t("alerts.reason", { reason: hit.reason })}</p>
    </>
  );
}

export function AlertsList(props: {
  view: InspectionView;
  /** The card the caller's panel draws its sections in ("card", "c-card"). */
  className: string;
  /** Records a response (the crew); absent: read only (the console). */
  onRespond?: (alertId: string, response: AlertResponseKind, note: string) => Promise<void>;
}): ReactNode {
  const { t } = useI18n();
  const titleId = useId();
  const alerts = props.view.alerts ?? [];
  if (alerts.length === 0) return null;
  const open = alerts.filter((a) => a.response === null).length;
  const { onRespond } = props;
  return (
    <section
      className={`${props.className} alerts-card${open > 0 ? " has-open" : ""}`}
      aria-labelledby={titleId}
      data-testid="alerts-list"
    >
      <h2 id={titleId}>{t("alerts.title")}</h2>
      <ol className="plain alerts-items">
        {sortAlerts(alerts).map((a) => (
          <AlertItem
            key={a.id}
            alert={a}
            {...(onRespond === undefined ? {} : { onRespond: (r: AlertResponseKind, note: string) => onRespond(a.id, r, note) })}
          />
        ))}
      </ol>
    </section>
  );
}

function AlertItem(props: { alert: Alert; onRespond?: (response: AlertResponseKind, note: string) => Promise<void> }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const a = props.alert;
  const r = a.response;
  return (
    <li
      className={`alert-item priority-${a.priority}${r === null ? " is-open" : " is-answered"}`}
      data-testid="alert-item"
      data-alert={a.id}
      data-open={r === null ? "true" : "false"}
    >
      <AlertBadges hit={a} />
      <p className="alert-seen-line">
        <span className="muted">{t("alerts.seenLabel")}</span> <span className="plate alert-seen-small">{a.seen}</span>
      </p>
      <AlertFacts hit={a} />
      <p className="alert-line muted">
        <time dateTime={new Date(a.at_ms).toISOString()}>
          {t("alerts.raised", { time: i18n.dateTime(a.at_ms), officer: a.raised_by })}
        </time>
      </p>
      {r !== null ? (
        <div className={`alert-response response-${r.response}`} data-testid="alert-response">
          <p className="alert-line">
            <strong>
              {t("alerts.responded", {
                response: alertResponseLabel(i18n, r.response),
                officer: r.officer,
                time: i18n.dateTime(r.at_ms),
              })}
            </strong>
          </p>
          {r.note === "" ? null : <p className="alert-line alert-note-text">{t("alerts.responseNote", { note: r.note })}</p>}
        </div>
      ) : props.onRespond === undefined ? (
        <p className="alert-line warn" data-testid="alert-unanswered">
          {t("alerts.unanswered")}
        </p>
      ) : (
        <AlertRespond size="small" onRespond={props.onRespond} />
      )}
    </li>
  );
}
