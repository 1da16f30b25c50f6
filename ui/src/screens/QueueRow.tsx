import type { ReactNode } from "react";
import { outcomeLabel, recordSyncLabel } from "../app/labels.ts";
import { currentOutcome, isOpen } from "../domain/outcome.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionRow, RecordSync } from "../transport/transport.ts";

/** Delivery at a glance; the words beside it say the same for those who cannot tell the shapes apart. */
const SYNC_ICON: Readonly<Record<RecordSync, string>> = { pending: "↑", acknowledged: "✓", rejected: "✕" };

/** One inspection in the queue: a single large button that opens it. */
export function QueueRow(props: { row: InspectionRow; onOpen: (id: string) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { row } = props;
  const outcome = currentOutcome(row);
  const none = t("common.none");
  return (
    <li>
      <button type="button" className="queue-row" onClick={() => props.onOpen(row.id)} data-testid="queue-row">
        <span className="cell time">
          <span className="label">{t("queue.col.time")}</span>
          {i18n.dateTime(row.created_ms)}
        </span>
        <span className="cell vehicle">
          <span className="label">{t("queue.col.vehicle")}</span>
          <span className="plate">{row.tractor_plate?.canonical ?? none}</span>
          {row.trailer_plate === null ? null : <span className="plate">{row.trailer_plate.canonical}</span>}
        </span>
        <span className="cell containers">
          <span className="label">{t("queue.col.containers")}</span>
          {row.containers.length === 0 ? none : row.containers.join(" ")}
        </span>
        <span className="cell outcome">
          <span className="label">{t("queue.col.outcome")}</span>
          <span className={`badge outcome-${outcome ?? "undecided"}`}>{outcomeLabel(i18n, outcome)}</span>
          {isOpen(row) ? <span className="badge open">{t("queue.open")}</span> : null}
          {row.scans.length > 0 ? <span className="muted">{t("queue.scans", { count: row.scans.length })}</span> : null}
        </span>
        <span className="cell sync">
          <span className="label">{t("queue.col.sync")}</span>
          <span className={`badge sync-${row.sync}`} data-testid="queue-sync" data-sync={row.sync}>
            <span className="sync-icon" aria-hidden="true">
              {SYNC_ICON[row.sync]}
            </span>{" "}
            <span>{recordSyncLabel(i18n, row.sync)}</span>
          </span>
        </span>
      </button>
    </li>
  );
}
