// Today's and open inspections: filter by outcome, search by plate or
// container code, and see whether each one's records reached the server.

import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { Kbd } from "../app/Kbd.tsx";
import { useShortcut } from "../app/shortcuts.ts";
import { useTransport } from "../app/TransportProvider.tsx";
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
} from "../domain/queue.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { InspectionRow } from "../transport/transport.ts";
import { QueueRow } from "./QueueRow.tsx";

const SCOPES: readonly QueueScope[] = ["today_open", "all"];

function isOutcomeFilter(s: string): s is OutcomeFilter {
  return s === "any" || s === "undecided" || (OUTCOMES as readonly string[]).includes(s);
}

export function Queue(props: {
  filter: QueueFilter;
  onFilterChange: (f: QueueFilter) => void;
  onOpen: (id: string) => void;
  onNew: () => void;
  /** The clock and zone "today" is judged by (tests fix them). */
  now?: () => number;
  timeZone?: string;
}): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const sync = useSync();
  const [rows, setRows] = useState<InspectionRow[] | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const search = useRef<HTMLInputElement>(null);
  const { filter, onFilterChange } = props;

  // Reload when records change: a local change, a sync, a review arriving.
  const s = sync?.status;
  const revision = s === undefined ? "" : `${s.inspections}/${s.pending}/${s.acknowledged}/${s.received}/${s.rejected}`;
  useEffect(() => {
    let live = true;
    Promise.all([
      transport.listInspections({ limit: QUEUE_RECENT }),
      transport.listInspections({ outcome: "none" }),
    ]).then(
      ([recent, open]) => {
        if (!live) return;
        setRows(mergeRows(recent, open));
        setError(null);
        transport.reportReady?.("queue");
      },
      (e: unknown) => {
        if (live) setError(toErrorBody(e));
      },
    );
    return () => {
      live = false;
    };
  }, [transport, revision]);

  useShortcut({ key: "/" }, () => search.current?.focus());

  // Older inspections than the queue holds: the store is asked for the
  // whole plate (any spelling) or container code typed.
  const [older, setOlder] = useState<InspectionRow[]>([]);
  const term = filter.search.trim();
  useEffect(() => {
    let live = true;
    if (term.length < 4) {
      setOlder([]);
      return undefined;
    }
    Promise.all([transport.listInspections({ plate: term }), transport.listInspections({ container: term })]).then(
      ([byPlate, byContainer]) => {
        if (live) setOlder(mergeRows(byPlate, byContainer));
      },
      () => {
        if (live) setOlder([]);
      },
    );
    return () => {
      live = false;
    };
  }, [transport, term, revision]);

  // A long list is drawn a page at a time: the crew reads the top of it,
  // and every row drawn costs the app memory.
  const [pages, setPages] = useState(1);
  useEffect(() => setPages(1), [filter]);

  const now = props.now ?? Date.now;
  const shown = useMemo(
    () => (rows === null ? [] : filterQueue(mergeRows(rows, older), filter, now(), props.timeZone)),
    [rows, older, filter, now, props.timeZone],
  );

  return (
    <section className="panel" aria-labelledby="queue-title">
      <header className="panel-head">
        <h1 id="queue-title">{t("queue.title")}</h1>
        <button type="button" className="btn btn-primary" onClick={props.onNew}>
          {t("nav.newInspection")} <Kbd keys={t("kbd.newInspection")} />
        </button>
      </header>

      <div className="toolbar">
        <div className="field grow">
          <label htmlFor="queue-search">
            {t("queue.search")} <Kbd keys={t("kbd.search")} />
          </label>
          <input
            id="queue-search"
            ref={search}
            type="search"
            value={filter.search}
            onChange={(e) => onFilterChange({ ...filter, search: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === "Escape" && filter.search !== "") {
                e.preventDefault();
                onFilterChange({ ...filter, search: "" });
              }
            }}
            autoComplete="off"
            spellCheck={false}
            aria-describedby="queue-search-hint"
          />
          <p className="hint" id="queue-search-hint">
            {t("queue.searchHint")}
          </p>
        </div>
        <fieldset className="segmented">
          <legend>{t("queue.scope")}</legend>
          {SCOPES.map((scope) => (
            <button
              key={scope}
              type="button"
              className="btn"
              aria-pressed={filter.scope === scope}
              onClick={() => onFilterChange({ ...filter, scope })}
            >
              {t(`queue.scope.${scope}`)}
            </button>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="queue-outcome">{t("queue.outcome")}</label>
          <select
            id="queue-outcome"
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
      </div>

      <ErrorNotice error={error} />
      {rows === null ? (
        <p className="muted">{t("app.loading")}</p>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {t("queue.count", { shown: shown.length, total: rows.length })}
          </p>
          {shown.length === 0 ? (
            <p className="empty">{t("queue.empty")}</p>
          ) : (
            <>
              <ul className="queue" aria-labelledby="queue-title">
                {shown.slice(0, pages * QUEUE_PAGE).map((row) => (
                  <QueueRow key={row.id} row={row} onOpen={props.onOpen} />
                ))}
              </ul>
              {shown.length > pages * QUEUE_PAGE && (
                <button type="button" className="btn" onClick={() => setPages((p) => p + 1)}>
                  {t("queue.more", { count: Math.min(QUEUE_PAGE, shown.length - pages * QUEUE_PAGE) })}
                </button>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}
