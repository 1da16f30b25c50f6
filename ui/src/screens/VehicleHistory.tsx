// Earlier inspections of the same vehicle (plate or container), with their
// outcome and date; one with scans can be compared side by side.

import type { ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { outcomeLabel } from "../app/labels.ts";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad } from "../app/useLoad.ts";
import { currentOutcome } from "../domain/outcome.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionRow } from "../transport/transport.ts";

export function VehicleHistory(props: {
  id: string;
  /** The earlier inspection being compared, if any. */
  comparing: string | null;
  onCompare: (row: InspectionRow | null) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const { id } = props;
  const history = useLoad(() => transport.vehicleHistory(id), [transport, id]);
  const rows = history.value;

  const none = t("common.none");
  return (
    <section className="card vehicle-history" aria-labelledby="vehicle-history-title">
      <h2 id="vehicle-history-title">{t("vehicleHistory.title")}</h2>
      <p className="hint">{t("vehicleHistory.hint")}</p>
      <ErrorNotice error={history.error} />
      {rows === null ? (
        history.error === null ? <p className="muted">{t("app.loading")}</p> : null
      ) : rows.length === 0 ? (
        <p className="muted">{t("vehicleHistory.none")}</p>
      ) : (
        <ul className="plain history-rows">
          {rows.map((r) => {
            const outcome = currentOutcome(r);
            return (
              <li key={r.id} className="history-row" data-testid="history-row">
                <time dateTime={new Date(r.created_ms).toISOString()}>{i18n.dateTime(r.created_ms)}</time>
                <span className="plate">{r.tractor_plate?.canonical ?? none}</span>
                {r.trailer_plate === null ? null : <span className="plate">{r.trailer_plate.canonical}</span>}
                <span className="code">{r.containers.length === 0 ? none : r.containers.join(" ")}</span>
                <span className={`badge outcome-${outcome ?? "undecided"}`}>{outcomeLabel(i18n, outcome)}</span>
                <span className="muted">{r.location.place ?? ""}</span>
                {r.scans.length === 0 ? (
                  <span className="muted">{t("vehicleHistory.noScans")}</span>
                ) : (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid="history-compare"
                    aria-pressed={props.comparing === r.id}
                    onClick={() => props.onCompare(props.comparing === r.id ? null : r)}
                  >
                    {t("vehicleHistory.compare")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
