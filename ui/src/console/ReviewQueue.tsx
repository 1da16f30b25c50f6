// The review queue (home): every synced inspection, newest first, one page
// of 50 at a time from the server, with faceted filters kept in the URL
// (hotlist hits among them; a row with a hit is marked, red while the crew
// has not answered it).
// j/k move the highlighted row, Enter opens it, / goes to the search. The
// page is fetched again when the server's queue version changes (polled
// every 5 s), keeping the highlighted row.

import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode, type Ref } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Kbd } from "../app/Kbd.tsx";
import { outcomeLabel } from "../app/labels.ts";
import { currentOutcome } from "../domain/outcome.ts";
import { useShortcut } from "../app/shortcuts.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Alert, ConsolePage, ConsoleQuery, ConsoleRow } from "../transport/console.ts";
import { toErrorBody } from "../transport/errors.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import { useBareKeys } from "./keys.ts";
import { reviewStateLabel } from "./labels.ts";
import { QueueFilters } from "./QueueFilters.tsx";
import { apiQuery, pageOf, queryFromSearch, QUEUE_LIMIT, searchFromQuery, searchText, withFilter, withSearch, type QueryPatch } from "./queueQuery.ts";
import { useCompactTime } from "./time.ts";
import { useServerVersion } from "./useServerVersion.ts";

export function ReviewQueue(props: {
  /** The highlighted row, kept while the console is open (back from an inspection). */
  highlight: string | null;
  onHighlight: (id: string | null) => void;
  /** The queue's query string, so the way back from an inspection keeps the filters. */
  onSearchChange?: (search: string) => void;
  /** Fleet-wide count of inspections with an unanswered hotlist alert, from every page fetched (the top bar's badge). */
  onOpenAlerts?: (count: number) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useConsoleTransport();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const query = useMemo(() => queryFromSearch(search), [search]);
  const key = searchFromQuery(query);
  const { onSearchChange, onOpenAlerts } = props;
  useEffect(() => onSearchChange?.(key), [key, onSearchChange]);
  const [page, setPage] = useState<ConsolePage | null>(null);
  /** The query the page shown answers. */
  const [pageKey, setPageKey] = useState<string | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const table = useRef<HTMLDivElement>(null);
  const { highlight, onHighlight } = props;
  const lastIndex = useRef(0);

  // The page for the URL's query, again whenever the server's version
  // changes (read before the page, so no change slips between them).
  const server = useServerVersion(transport);
  useEffect(() => {
    if (server.version === null) return undefined;
    let live = true;
    transport.queue(apiQuery(queryFromSearch(key))).then(
      (p) => {
        if (!live) return;
        setPage(p);
        setPageKey(key);
        setError(null);
      },
      (e: unknown) => {
        if (live) setError(toErrorBody(e));
      },
    );
    return () => {
      live = false;
    };
  }, [transport, key, server.version]);
  const stale = server.error !== null;
  const openAlerts = page?.counts.open_alerts ?? null;
  useEffect(() => {
    if (openAlerts !== null) onOpenAlerts?.(openAlerts);
  }, [openAlerts, onOpenAlerts]);

  const rows = page?.rows ?? [];

  // Keep the highlighted row across reloads; when it left the page, the row
  // now at its place. New filters or another page start at the top.
  const shownKey = useRef<string | null>(null);
  useEffect(() => {
    if (page === null) return;
    const i = highlight === null ? -1 : page.rows.findIndex((r) => r.id === highlight);
    const sameView = shownKey.current === null || shownKey.current === pageKey;
    shownKey.current = pageKey;
    if (i >= 0) {
      lastIndex.current = i;
      return;
    }
    const next = page.rows[sameView ? Math.min(lastIndex.current, page.rows.length - 1) : 0] ?? null;
    lastIndex.current = sameView ? lastIndex.current : 0;
    onHighlight(next?.id ?? null);
  }, [page, pageKey, highlight, onHighlight]);

  useEffect(() => {
    if (highlight === null) return;
    const rowsShown = table.current?.querySelectorAll<HTMLElement>("tr[data-id]") ?? [];
    const el = [...rowsShown].find((r) => r.dataset["id"] === highlight);
    if (el !== undefined && typeof el.scrollIntoView === "function") el.scrollIntoView({ block: "nearest" });
  }, [highlight]);

  const go = useCallback((q: ConsoleQuery) => setParams(new URLSearchParams(searchFromQuery(q))), [setParams]);
  const change = (patch: QueryPatch): void => go(withFilter(query, patch));
  const open = (id: string): void => {
    onHighlight(id);
    void navigate(`/inspections/${encodeURIComponent(id)}`);
  };
  const move = (delta: number): void => {
    if (rows.length === 0) return;
    const i = highlight === null ? -1 : rows.findIndex((r) => r.id === highlight);
    const next = rows[Math.max(0, Math.min(rows.length - 1, i < 0 ? 0 : i + delta))];
    if (next !== undefined) onHighlight(next.id);
  };

  useBareKeys([
    { key: "j", code: "KeyJ", run: () => move(1) },
    { key: "k", code: "KeyK", run: () => move(-1) },
    { key: "enter", run: () => highlight !== null && rows.some((r) => r.id === highlight) && open(highlight) },
  ]);
  useShortcut({ key: "/" }, () => searchBox.current?.focus());

  const offset = page?.offset ?? query.offset ?? 0;
  const limit = page?.limit ?? QUEUE_LIMIT;
  const total = page?.total ?? 0;

  return (
    <div className="c-queue" data-testid="review-queue">
      <QueueFilters query={query} page={page} onChange={change} onClear={() => go({})} onDone={() => table.current?.focus()} />
      <section className="c-queue-main" aria-labelledby="queue-title">
        <header className="c-queue-head">
          <h1 id="queue-title">{t("console.queue.title")}</h1>
          <SearchBox ref={searchBox} value={searchText(query)} onCommit={(text) => go(withSearch(query, text))} onDone={() => table.current?.focus()} />
          <p className="muted c-range" aria-live="polite">
            {page === null
              ? t("app.loading")
              : total === 0
                ? t("console.queue.none")
                : t("console.queue.range", { first: offset + 1, last: offset + rows.length, total })}
          </p>
          {stale ? (
            <span className="c-stale" role="status">
              {t("console.queue.stale")}
            </span>
          ) : null}
          <nav className="c-pager" aria-label={t("console.queue.pages")}>
            <button
              type="button"
              className="btn btn-small"
              disabled={offset === 0}
              onClick={() => go(pageOf(query, -1))}
              aria-label={t("console.queue.prev")}
              title={t("console.queue.prev")}
              data-testid="page-prev"
            >
              {t("console.queue.prevShort")}
            </button>
            <button
              type="button"
              className="btn btn-small"
              disabled={offset + limit >= total}
              onClick={() => go(pageOf(query, 1))}
              aria-label={t("console.queue.next")}
              title={t("console.queue.next")}
              data-testid="page-next"
            >
              {t("console.queue.nextShort")}
            </button>
          </nav>
        </header>
        <ConsoleError error={error ?? (page === null ? server.error : null)} />
        <div className="c-table-wrap" ref={table} tabIndex={-1}>
          <table className="c-table" aria-labelledby="queue-title" aria-rowcount={total}>
            <thead>
              <tr>
                <th scope="col" className="c-col-hit">
                  {t("console.col.hit")}
                </th>
                <th scope="col">{t("console.col.time")}</th>
                <th scope="col">{t("console.col.unit")}</th>
                <th scope="col">{t("console.col.plates")}</th>
                <th scope="col">{t("console.col.container")}</th>
                <th scope="col">{t("console.col.outcome")}</th>
                <th scope="col">{t("console.col.review")}</th>
                <th scope="col">{t("console.col.officer")}</th>
                <th scope="col" className="num">
                  {t("console.col.scans")}
                </th>
                <th scope="col">{t("console.col.received")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <QueueRow key={r.id} row={r} highlighted={r.id === highlight} onOpen={open} />
              ))}
            </tbody>
          </table>
          {page !== null && rows.length === 0 ? <p className="empty">{t("console.queue.empty")}</p> : null}
        </div>
        <footer className="c-queue-keys muted">
          <Kbd keys={t("kbd.console.down")} /> <Kbd keys={t("kbd.console.up")} /> {t("console.keys.move")} · <Kbd keys={t("kbd.console.open")} />{" "}
          {t("console.keys.open")} · <Kbd keys={t("kbd.search")} /> {t("console.keys.search")}
        </footer>
      </section>
    </div>
  );
}

/** When the server received it; the time alone when that was the day it was opened. */
function Received(props: { created: number; received: number }): ReactNode {
  const i18n = useI18n();
  const time = useCompactTime();
  const sameDay = new Date(props.created).toDateString() === new Date(props.received).toDateString();
  return (
    <time dateTime={new Date(props.received).toISOString()} title={i18n.dateTime(props.received)}>
      {sameDay ? i18n.time(props.received) : time(props.received)}
    </time>
  );
}

function QueueRow(props: { row: ConsoleRow; highlighted: boolean; onOpen: (id: string) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const time = useCompactTime();
  const { row } = props;
  const outcome = currentOutcome(row);
  const none = t("common.none");
  return (
    <tr
      data-testid="console-row"
      data-id={row.id}
      aria-selected={props.highlighted}
      className={props.highlighted ? "is-highlighted" : undefined}
      onClick={() => props.onOpen(row.id)}
    >
      <td className="c-col-hit">
        <HitMarker alerts={row.alerts ?? []} />
      </td>
      <td className="nowrap">
        <time dateTime={new Date(row.created_ms).toISOString()} title={i18n.dateTime(row.created_ms)}>
          {time(row.created_ms)}
        </time>
      </td>
      <td className="nowrap">{row.unit}</td>
      <td className="nowrap">
        <Link to={`/inspections/${encodeURIComponent(row.id)}`} className="plate" onClick={(e) => e.stopPropagation()}>
          {row.tractor_plate?.canonical ?? none}
        </Link>
        {row.trailer_plate === null ? null : <span className="plate muted"> / {row.trailer_plate.canonical}</span>}
      </td>
      <td className="code nowrap">{row.containers.length === 0 ? none : row.containers.join(" ")}</td>
      <td>
        <span className={`badge outcome-${outcome ?? "undecided"}`}>{outcomeLabel(i18n, outcome)}</span>
      </td>
      <td>
        <span className={`c-state c-state-${row.review_state}`} data-state={row.review_state}>
          {reviewStateLabel(i18n, row.review_state)}
        </span>
      </td>
      <td className="code nowrap">{row.created_by}</td>
      <td className="num">{row.scans.length === 0 ? none : i18n.number(row.scans.length)}</td>
      <td className="nowrap muted">{row.received_ms === null ? none : <Received created={row.created_ms} received={row.received_ms} />}</td>
    </tr>
  );
}

/** A row's hotlist hits: red and filled while one is unanswered, outlined once the crew answered them all. */
function HitMarker(props: { alerts: readonly Alert[] }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { alerts } = props;
  if (alerts.length === 0) return null;
  const open = alerts.some((a) => a.response === null);
  const entries = [...new Set(alerts.map((a) => `${a.entry_value} (${a.list})`))].join(", ");
  const label = open ? t("console.hit.open", { entries }) : t("console.hit.answered", { entries });
  return (
    <span className={`c-hit${open ? " c-hit-open" : ""}`} title={label} aria-label={label} role="img" data-testid="hit-marker" data-open={open}>
      {t("console.hit.marker")}
      {alerts.length > 1 ? <span className="c-hit-n">×{i18n.number(alerts.length)}</span> : null}
    </span>
  );
}

/** The plate or container search: applied on Enter (then the keys go back to the table); Esc clears it. */
function SearchBox({ ref, ...props }: { ref: Ref<HTMLInputElement>; value: string; onCommit: (text: string) => void; onDone: () => void }): ReactNode {
  const { t } = useI18n();
  const [text, setText] = useState(props.value);
  // A new value from outside (the URL) replaces what was typed.
  const [shown, setShown] = useState(props.value);
  if (shown !== props.value) {
    setShown(props.value);
    setText(props.value);
  }
  return (
    <div className="c-search">
      <label htmlFor="queue-search" className="sr-only">
        {t("console.queue.search")}
      </label>
      <Kbd keys={t("kbd.search")} />
      <input
        id="queue-search"
        ref={ref}
        type="search"
        className="plate"
        value={text}
        placeholder={t("console.queue.searchPlaceholder")}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text.trim() !== props.value) props.onCommit(text);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            if (text.trim() !== props.value) props.onCommit(text);
            props.onDone();
          } else if (e.key === "Escape") {
            e.preventDefault();
            setText("");
            if (props.value !== "") props.onCommit("");
            props.onDone();
          }
        }}
        autoComplete="off"
        spellCheck={false}
      />
    </div>
  );
}
