// Earlier inspections of the same plate (by key; the tractor's, the
// trailer's, or one a camera read) or container, from any unit of the
// fleet, newest first; each can be opened, or its scan put beside this one.

import type { ReactNode } from "react";
import { Link } from "react-router";
import { useLoad } from "../app/useLoad.ts";
import { outcomeLabel } from "../app/labels.ts";
import { currentOutcome } from "../domain/outcome.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { ConsoleRow } from "../transport/console.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import { reviewStateLabel } from "./labels.ts";
import { useCompactTime } from "./time.ts";

export function FleetHistory(props: {
  id: string;
  /** Changes when the server's data changes (reload). */
  version: number | null;
  canCompare: boolean;
  comparing: string | null;
  onCompare: (row: ConsoleRow | null) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useConsoleTransport();
  const time = useCompactTime();
  const rows = useLoad(() => transport.history(props.id), [transport, props.id, props.version]);
  const none = t("common.none");
  return (
    <section className="c-card" aria-labelledby="fleet-title" data-testid="fleet-history">
      <h2 id="fleet-title">{t("console.fleet.title")}</h2>
      <p className="hint">{t("console.fleet.hint")}</p>
      <ConsoleError error={rows.error} />
      {rows.value === null ? (
        rows.error === null ? <p className="muted">{t("app.loading")}</p> : null
      ) : rows.value.length === 0 ? (
        <p className="muted">{t("console.fleet.none")}</p>
      ) : (
        <ul className="c-fleet">
          {rows.value.map((r) => {
            const outcome = currentOutcome(r);
            return (
              <li key={r.id} className="c-fleet-row" data-testid="fleet-row">
                <div className="c-fleet-line">
                  <time dateTime={new Date(r.created_ms).toISOString()} title={i18n.dateTime(r.created_ms)}>
                    {time(r.created_ms)}
                  </time>
                  <span>{r.unit}</span>
                  <Link to={`/inspections/${encodeURIComponent(r.id)}`} className="plate">
                    {r.tractor_plate?.canonical ?? none}
                  </Link>
                  {r.trailer_plate === null ? null : <span className="plate muted">{r.trailer_plate.canonical}</span>}
                </div>
                <div className="c-fleet-line">
                  <span className="code">{r.containers.length === 0 ? none : r.containers.join(" ")}</span>
                  <span className={`badge outcome-${outcome ?? "undecided"}`}>{outcomeLabel(i18n, outcome)}</span>
                  <span className={`c-state c-state-${r.review_state}`}>{reviewStateLabel(i18n, r.review_state)}</span>
                  {r.scans.length === 0 ? (
                    <span className="muted">{t("console.fleet.noScans")}</span>
                  ) : props.canCompare ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      data-testid="fleet-compare"
                      aria-pressed={props.comparing === r.id}
                      onClick={() => props.onCompare(props.comparing === r.id ? null : r)}
                    >
                      {t("console.fleet.compare")}
                    </button>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
