// One row of the queue table: when, which vehicle, containers, outcome,
// what the supervisors said, scans, and whether its records were delivered.

import { useEffect, useRef, type ReactNode } from "react";
import { outcomeLabel, recordSyncLabel, reviewStateLabel } from "../app/labels.ts";
import { currentOutcome, isOpen } from "../domain/outcome.ts";
import { reviewStateOf, type ReviewState } from "../domain/review.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionRow, RecordSync } from "../transport/transport.ts";

/** Delivery at a glance; the words beside it say the same for those who cannot tell the shapes apart. */
const SYNC_ICON: Readonly<Record<RecordSync, string>> = { pending: "↑", acknowledged: "✓", rejected: "✕" };

/** Review states at a glance, with their words; returned and overruled must not be missed. */
const REVIEW_ICON: Readonly<Record<ReviewState, string>> = {
  unreviewed: "",
  agreed: "✓",
  overruled: "⚠",
  returned: "↩",
  answered: "↪",
};

/**
 * One inspection in the queue table: the row opens it (click, or Enter on
 * its plate button). `highlighted`: the row J and K move.
 */
export function QueueRow(props: {
  row: InspectionRow;
  onOpen: (id: string) => void;
  highlighted: boolean;
  /** Take the focus when highlighted (moved by the keyboard). */
  focus: boolean;
  /** In the tab order: the highlighted row, or the first one. */
  tabStop: boolean;
  onFocus: (id: string) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { row, highlighted, focus } = props;
  const outcome = currentOutcome(row);
  const review = reviewStateOf(row);
  const none = t("common.none");
  const open = useRef<HTMLButtonElement>(null);
  const tr = useRef<HTMLTableRowElement>(null);

  useEffect(() => {
    if (!highlighted) return;
    if (focus) open.current?.focus();
    else tr.current?.scrollIntoView?.({ block: "nearest" });
  }, [highlighted, focus]);

  return (
    <tr
      ref={tr}
      className={`queue-row review-${review}${highlighted ? " is-highlighted" : ""}`}
      data-testid="queue-row"
      data-inspection={row.id}
      data-review={review}
      aria-current={highlighted ? "true" : undefined}
      onClick={() => props.onOpen(row.id)}
    >
      <td className="time">
        <time dateTime={new Date(row.created_ms).toISOString()}>{i18n.dateTimeShort(row.created_ms)}</time>
      </td>
      <td className="vehicle">
        {/* No handler of its own: its click (and Enter) reach the row. */}
        <button ref={open} type="button" className="row-open" tabIndex={props.tabStop ? 0 : -1} onFocus={() => props.onFocus(row.id)}>
          <span className="plate">{row.tractor_plate?.canonical ?? none}</span>
        </button>
        {row.trailer_plate === null ? null : <span className="plate trailer">{row.trailer_plate.canonical}</span>}
      </td>
      <td className="code containers">{row.containers.length === 0 ? none : row.containers.join(" ")}</td>
      <td className="outcome">
        <span className={`badge outcome-${outcome ?? "undecided"}`}>{outcomeLabel(i18n, outcome)}</span>
        {isOpen(row) ? <span className="badge open">{t("queue.open")}</span> : null}
      </td>
      <td className="review">
        {review === "unreviewed" ? (
          <span className="muted">{none}</span>
        ) : (
          <span className={`badge review-${review}`} data-testid="queue-review" data-state={review}>
            <span aria-hidden="true">{REVIEW_ICON[review]}</span> <span>{reviewStateLabel(i18n, review)}</span>
          </span>
        )}
      </td>
      <td className="scans">{row.scans.length > 0 ? i18n.number(row.scans.length) : <span className="muted">{none}</span>}</td>
      <td className="sync">
        <span className={`badge sync-${row.sync}`} data-testid="queue-sync" data-sync={row.sync}>
          <span className="sync-icon" aria-hidden="true">
            {SYNC_ICON[row.sync]}
          </span>{" "}
          <span>{recordSyncLabel(i18n, row.sync)}</span>
        </span>
      </td>
    </tr>
  );
}
