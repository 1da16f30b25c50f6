// Today's and open inspections as a dense table: filter by outcome and
// review state, search by plate or container code, see whether each one's
// records reached the server and what the supervisors said. J and K move
// through the rows, Enter opens one.

import { useMemo, useRef, useState, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { Kbd } from "../app/Kbd.tsx";
import { reviewStateLabel } from "../app/labels.ts";
import { useShortcut } from "../app/shortcuts.ts";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad } from "../app/useLoad.ts";
import { useSync } from "../app/useSync.ts";
import { OUTCOMES } from "../domain/outcome.ts";
import {
  filterQueue,
  mergeRows,
  QUEUE_PAGE,
  QUEUE_RECENT,
  type OutcomeFilter,
  type QueueFilter,
  type QueueScope,
  type ReviewFilter,
} from "../domain/queue.ts";
import { isReviewState, REVIEW_STATES } from "../domain/review.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { QueueRow } from "./QueueRow.tsx";
import { useQueueKeys, type Highlight } from "./useQueueKeys.ts";

const SCOPES: readonly QueueScope[] = ["today_open", "all"];

function isOutcomeFilter(s: string): s is OutcomeFilter {
  return s === "any" || s === "undecided" || (OUTCOMES as readonly string[]).includes(s);
}

function isReviewFilter(s: string): s is ReviewFilter {
  return s === "any" || isReviewState(s);
}

export function Queue(props: {
  filter: QueueFilter;
  onFilterChange: (f: QueueFilter) => void;
  onOpen: (id: string) => void;
  onNew: () => void;
  /** The row to highlight at first (the inspection just left). */
  initialHighlight?: string | null;
  /** The clock and zone "today" is judged by (tests fix them). */
  now?: () => number;
  timeZone?: string;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const sync = useSync();
  const search = useRef<HTMLInputElement>(null);
  const table = useRef<HTMLTableElement>(null);
  const { filter, onFilterChange } = props;

  // Reload when records change: a local change, a sync, a review arriving.
  const s = sync?.status;
  const revision = s === undefined ? "" : `${s.inspections}/${s.pending}/${s.acknowledged}/${s.received}/${s.rejected}`;
  const recent = useLoad(
    () =>
      Promise.all([transport.listInspections({ limit: QUEUE_RECENT }), transport.listInspections({ outcome: "none" })]).then(
        ([latest, open]) => {
          transport.reportReady?.("queue");
          return mergeRows(latest, open);
        },
      ),
    [transport, revision],
  );

  // Older inspections than the queue holds: the store is asked for the
  // whole plate (any spelling) or container code typed.
  const term = filter.search.trim();
  const older = useLoad(
    () =>
      term.length < 4
        ? Promise.resolve([])
        : Promise.all([transport.listInspections({ plate: term }), transport.listInspections({ container: term })]).then(
            ([byPlate, byContainer]) => mergeRows(byPlate, byContainer),
            () => [],
          ),
    [transport, term, revision],
  );

  useShortcut({ key: "/" }, () => search.current?.focus());

  // A long list is drawn a page at a time: the crew reads the top of it,
  // and every row drawn costs the app memory.
  const [pages, setPages] = useState(1);
  const [highlight, setHighlight] = useState<Highlight>({ id: props.initialHighlight ?? null, focus: false });
  const [lastFilter, setLastFilter] = useState(filter);
  if (lastFilter !== filter) {
    setLastFilter(filter);
    setPages(1);
    setHighlight({ id: null, focus: false });
  }

  const rows = recent.value;
  const now = props.now ?? Date.now;
  const shown = useMemo(
    () => (rows === null ? [] : filterQueue(mergeRows(rows, older.value ?? []), filter, now(), props.timeZone)),
    [rows, older.value, filter, now, props.timeZone],
  );
  // Do not keep a highlight on a row no longer shown.
  if (highlight.id !== null && rows !== null && !shown.some((r) => r.id === highlight.id)) {
    setHighlight({ id: null, focus: false });
  }
  const drawn = shown.slice(0, pages * QUEUE_PAGE);
  const ids = useMemo(() => drawn.map((r) => r.id), [drawn]);
  useQueueKeys({ ids, highlight: highlight.id, setHighlight, onOpen: props.onOpen, table });
  const tabStop = highlight.id !== null && ids.includes(highlight.id) ? highlight.id : (ids[0] ?? null);

  return (
    <section className="panel queue-screen" aria-labelledby="queue-title">
      <header className="panel-head">
        <h1 id="queue-title">{t("queue.title")}</h1>
        {rows === null ? null : (
          <p className="muted queue-count" aria-live="polite">
            {t("queue.count", { shown: shown.length, total: rows.length })}
          </p>
        )}
        <button type="button" className="btn btn-primary btn-small" onClick={props.onNew}>
          {t("nav.newInspection")} <Kbd keys={t("kbd.newInspection")} />
        </button>
      </header>

      <div className="toolbar queue-filters">
        <div className="search-box">
          <label htmlFor="queue-search" className="sr-only">
            {t("queue.search")}
          </label>
          <input
            id="queue-search"
            ref={search}
            type="search"
            value={filter.search}
            placeholder={t("queue.searchPlaceholder")}
            onChange={(e) => onFilterChange({ ...filter, search: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === "Escape" && filter.search !== "") {
                e.preventDefault();
                onFilterChange({ ...filter, search: "" });
              }
            }}
            autoComplete="off"
            spellCheck={false}
            title={t("queue.searchHint")}
            aria-describedby="queue-search-hint"
            aria-keyshortcuts="/"
          />
          <Kbd keys={t("kbd.search")} />
          <span className="sr-only" id="queue-search-hint">
            {t("queue.searchHint")}
          </span>
        </div>
        <fieldset className="segmented">
          <legend className="sr-only">{t("queue.scope")}</legend>
          {SCOPES.map((scope) => (
            <button
              key={scope}
              type="button"
              className="btn btn-small"
              aria-pressed={filter.scope === scope}
              onClick={() => onFilterChange({ ...filter, scope })}
            >
              {t(`queue.scope.${scope}`)}
            </button>
          ))}
        </fieldset>
        <div className="field inline">
          <label htmlFor="queue-outcome" className="sr-only">
            {t("queue.outcome")}
          </label>
          <select
            id="queue-outcome"
            title={t("queue.outcome")}
            value={filter.outcome}
            onChange={(e) => {
              const v = e.target.value;
              if (isOutcomeFilter(v)) onFilterChange({ ...filter, outcome: v });
            }}
          >
            <option value="any">{t("queue.outcome.any")}</option>
            <option value="undecided">{t("queue.outcome.undecided")}</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {t(`outcome.${o}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="queue-review" className="sr-only">
            {t("queue.review")}
          </label>
          <select
            id="queue-review"
            title={t("queue.review")}
            value={filter.review}
            onChange={(e) => {
              const v = e.target.value;
              if (isReviewFilter(v)) onFilterChange({ ...filter, review: v });
            }}
          >
            <option value="any">{t("queue.review.any")}</option>
            {REVIEW_STATES.map((r) => (
              <option key={r} value={r}>
                {reviewStateLabel(i18n, r)}
              </option>
            ))}
          </select>
        </div>
      </div>

      <ErrorNotice error={recent.error} />
      {rows === null ? (
        recent.error === null ? <p className="muted">{t("app.loading")}</p> : null
      ) : shown.length === 0 ? (
        <p className="empty">{t("queue.empty")}</p>
      ) : (
        <>
          <table className="queue" ref={table} aria-labelledby="queue-title">
            <thead>
              <tr>
                <th scope="col">{t("queue.col.time")}</th>
                <th scope="col">{t("queue.col.vehicle")}</th>
                <th scope="col">{t("queue.col.containers")}</th>
                <th scope="col">{t("queue.col.outcome")}</th>
                <th scope="col">{t("queue.col.review")}</th>
                <th scope="col">{t("queue.col.scans")}</th>
                <th scope="col">{t("queue.col.sync")}</th>
              </tr>
            </thead>
            <tbody>
              {drawn.map((row) => (
                <QueueRow
                  key={row.id}
                  row={row}
                  onOpen={props.onOpen}
                  highlighted={highlight.id === row.id}
                  focus={highlight.focus}
                  tabStop={tabStop === row.id}
                  onFocus={(id) => {
                    if (highlight.id !== id) setHighlight({ id, focus: false });
                  }}
                />
              ))}
            </tbody>
          </table>
          {shown.length > drawn.length && (
            <button type="button" className="btn" onClick={() => setPages((p) => p + 1)}>
              {t("queue.more", { count: Math.min(QUEUE_PAGE, shown.length - drawn.length) })}
            </button>
          )}
        </>
      )}
    </section>
  );
}
