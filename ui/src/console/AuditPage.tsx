// The AUDIT page (/audit, auditors and administrators): the server's audit
// trail, newest first, one page at a time: every record accepted (who
// signed it, for which unit and officer, which inspection, which
// operation), every refusal (of a record or a connection, and why), and
// every sign-in and console action. Filters (kind, days in the console's
// time zone, unit, officer or account, inspection, refusals only, page
// size) and the page itself (its cursor and the way back to newer pages)
// live in the URL, so a link shows the same events and the browser's Back
// goes back a page. The CSV link exports the whole trail under the filters
// (the server records the export). Nothing here changes anything: the
// trail is append-only.

import { useContext, useEffect, useId, useMemo, useRef, useState, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { useLoad } from "../app/useLoad.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { mayReadQueue, type TrailEvent } from "../transport/console.ts";
import {
  auditSearch,
  auditViewFrom,
  browserTimeZone,
  canGoNewer,
  ConsoleTimeZone,
  csvQuery,
  hasFilters,
  inspectionOf,
  isDay,
  isKnownOperation,
  isKnownOutcome,
  isRefused,
  isTrailKind,
  newerPage,
  newestPage,
  NO_FILTERS,
  olderPage,
  pageNumber,
  pageRange,
  pageSizeChoices,
  TRAIL_KINDS,
  trailQuery,
  withFilters,
  type AuditFilters,
  type AuditView,
} from "./audit.ts";
import { useConsoleTransport, useConsoleUser } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";

const ROLES = ["supervisor", "administrator", "auditor", "trainer"] as const;
type Role = (typeof ROLES)[number];
const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

/** An inspection id as the table shows it: a UUID's first group (the whole id in its title); anything else whole. */
function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

export function AuditPage(): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useConsoleTransport();
  const user = useConsoleUser();
  const given = useContext(ConsoleTimeZone);
  const zone = useMemo(() => given ?? browserTimeZone(), [given]);
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const view = useMemo(() => auditViewFrom(search), [search]);
  const query = useMemo(() => trailQuery(view, zone), [view, zone]);
  const key = JSON.stringify(query);
  // Bumped by "Newest" on the newest page: read it again.
  const [gen, setGen] = useState(0);
  const trail = useLoad(() => transport.trail(query).then((page) => ({ key, page })), [transport, key, gen]);
  const csv = useMemo(() => csvQuery(view, zone), [view, zone]);
  const csvUrl = useMemo(() => transport.trailCsvUrl(csv), [transport, csv]);
  const id = useId();
  const tableBox = useRef<HTMLDivElement>(null);

  // The page for these filters, or (while it loads) the one before, dimmed; not after a failure.
  const current = trail.value !== null && trail.value.key === key ? trail.value.page : null;
  const loading = current === null && trail.error === null;
  const shown = current ?? (trail.error === null ? (trail.value?.page ?? null) : null);
  const events = shown?.events ?? [];
  const next = current?.next ?? null;

  // A new page starts at its top.
  useEffect(() => {
    if (tableBox.current !== null) tableBox.current.scrollTop = 0;
  }, [current]);

  const go = (v: AuditView): void => setParams(new URLSearchParams(auditSearch(v)));
  const change = (patch: Partial<AuditFilters> & { limit?: number }): void => go(withFilters(view, patch));

  const page = pageNumber(view);
  const range = current === null ? null : pageRange(view, current.events.length);
  const where =
    current === null
      ? loading
        ? t("app.loading")
        : ""
      : range === null
        ? t("console.audit.rangeEmpty", { page })
        : t("console.audit.range", { page, first: range.first, last: range.last });

  return (
    <main className="c-page c-audit-page" data-testid="audit-page">
      <header className="c-au-head">
        <h1 id={`${id}-title`}>{t("console.audit.title")}</h1>
        <p className="c-au-lock" data-testid="audit-append-only">
          {t("console.audit.appendOnly")}
        </p>
        <p className="muted c-range" aria-live="polite" data-testid="audit-range">
          {where}
        </p>
        <nav className="c-pager" aria-label={t("console.audit.pages")}>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => (view.after === null ? setGen((g) => g + 1) : go(newestPage(view)))}
            disabled={loading}
            title={t("console.audit.newestTitle")}
            data-testid="audit-newest"
          >
            {t("console.audit.newest")}
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => go(newerPage(view))}
            disabled={loading || !canGoNewer(view)}
            title={t("console.audit.newerTitle")}
            data-testid="audit-newer"
          >
            {t("console.audit.newer")}
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              if (next !== null) go(olderPage(view, next));
            }}
            disabled={loading || next === null}
            title={t("console.audit.olderTitle")}
            data-testid="audit-older"
          >
            {t("console.audit.older")}
          </button>
        </nav>
      </header>
      <AuditFiltersBar view={view} zone={zone} onChange={change} />
      <ConsoleError error={trail.error} />
      <div className={`c-table-wrap c-au-table-wrap${loading && shown !== null ? " is-loading" : ""}`} ref={tableBox} tabIndex={-1} aria-busy={loading}>
        {shown === null ? null : events.length === 0 ? (
          <p className="empty" data-testid="audit-empty">
            {t("console.audit.empty")}
          </p>
        ) : (
          <table className="c-table c-au-table" data-testid="audit-table" aria-label={t("console.audit.table")}>
            <thead>
              <tr>
                <th scope="col">{t("console.audit.col.time")}</th>
                <th scope="col">{t("console.audit.col.kind")}</th>
                <th scope="col">{t("console.audit.col.who")}</th>
                <th scope="col">{t("console.audit.col.unit")}</th>
                <th scope="col">{t("console.audit.col.signer")}</th>
                <th scope="col">{t("console.audit.col.document")}</th>
                <th scope="col">{t("console.audit.col.operation")}</th>
                <th scope="col">{t("console.audit.col.outcome")}</th>
                <th scope="col">{t("console.audit.col.detail")}</th>
                <th scope="col">{t("console.audit.col.peer")}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <EventRow key={e.cursor} event={e} linkInspections={mayReadQueue(user.role)} />
              ))}
            </tbody>
          </table>
        )}
      </div>
      <footer className="c-au-foot">
        <a className="btn btn-small c-au-csv" href={csvUrl} download="kordon-audit-trail.csv" aria-describedby={`${id}-csv`} data-testid="audit-csv">
          {t("console.audit.csv")}
        </a>
        <p id={`${id}-csv`} className="muted c-au-csv-note">
          {t("console.audit.csvNote")}
        </p>
      </footer>
    </main>
  );
}

// ---- the filters ----

function AuditFiltersBar(props: { view: AuditView; zone: string; onChange: (patch: Partial<AuditFilters> & { limit?: number }) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const { view, onChange } = props;
  const days = t("console.audit.daysTitle", { zone: props.zone });
  return (
    <div className="c-au-filters" role="group" aria-label={t("console.audit.filters")}>
      <div className="c-au-pick">
        <label htmlFor={`${id}-kind`}>{t("console.audit.kind")}</label>
        <select
          id={`${id}-kind`}
          value={view.kind ?? ""}
          onChange={(e) => onChange({ kind: isTrailKind(e.target.value) ? e.target.value : null })}
          data-testid="audit-kind"
        >
          <option value="">{t("console.audit.kind.all")}</option>
          {TRAIL_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`console.audit.kind.${k}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="c-au-pick" title={days}>
        <label htmlFor={`${id}-from`}>{t("console.audit.from")}</label>
        <input
          id={`${id}-from`}
          type="date"
          value={view.from ?? ""}
          max={view.to ?? undefined}
          onChange={(e) => onChange({ from: isDay(e.target.value) ? e.target.value : null })}
          data-testid="audit-from"
        />
      </div>
      <div className="c-au-pick" title={days}>
        <label htmlFor={`${id}-to`}>{t("console.audit.to")}</label>
        <input
          id={`${id}-to`}
          type="date"
          value={view.to ?? ""}
          min={view.from ?? undefined}
          onChange={(e) => onChange({ to: isDay(e.target.value) ? e.target.value : null })}
          data-testid="audit-to"
        />
      </div>
      <CommitField
        id={`${id}-unit`}
        label={t("console.audit.unit")}
        title={t("console.audit.unitTitle")}
        value={view.unit}
        onCommit={(unit) => onChange({ unit })}
        className="c-au-unit"
        testId="audit-unit"
      />
      <CommitField
        id={`${id}-actor`}
        label={t("console.audit.actor")}
        title={t("console.audit.actorTitle")}
        value={view.actor}
        onCommit={(actor) => onChange({ actor })}
        className="c-au-actor"
        testId="audit-actor"
      />
      <CommitField
        id={`${id}-document`}
        label={t("console.audit.document")}
        title={t("console.audit.documentTitle")}
        placeholder={t("console.audit.documentPlaceholder")}
        value={view.document}
        onCommit={(document) => onChange({ document })}
        className="c-au-document"
        testId="audit-document"
      />
      <label className="check c-au-refused" title={t("console.audit.refusedOnlyTitle")}>
        <input type="checkbox" checked={view.refusedOnly} onChange={(e) => onChange({ refusedOnly: e.target.checked })} data-testid="audit-refused" />
        {t("console.audit.refusedOnly")}
      </label>
      <div className="c-au-pick">
        <label htmlFor={`${id}-limit`}>{t("console.audit.limit")}</label>
        <select id={`${id}-limit`} value={String(view.limit)} onChange={(e) => onChange({ limit: Number(e.target.value) })} data-testid="audit-limit">
          {pageSizeChoices(view.limit).map((n) => (
            <option key={n} value={String(n)}>
              {i18n.number(n)}
            </option>
          ))}
        </select>
      </div>
      <button type="button" className="btn btn-small c-au-clear" onClick={() => onChange(NO_FILTERS)} disabled={!hasFilters(view)} data-testid="audit-clear">
        {t("console.audit.clear")}
      </button>
    </div>
  );
}

/** A text filter applied on Enter or when the field is left, not at every key. */
function CommitField(props: {
  id: string;
  label: string;
  title: string;
  placeholder?: string;
  value: string;
  onCommit: (v: string) => void;
  className: string;
  testId: string;
}): ReactNode {
  const [text, setText] = useState(props.value);
  // A new value from outside (the URL) replaces what was typed.
  const [shown, setShown] = useState(props.value);
  if (shown !== props.value) {
    setShown(props.value);
    setText(props.value);
  }
  const commit = (): void => {
    if (text.trim() !== props.value) props.onCommit(text.trim());
  };
  return (
    <div className="c-au-pick" title={props.title}>
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        className={`code ${props.className}`}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit();
          }
        }}
        {...(props.placeholder === undefined ? {} : { placeholder: props.placeholder })}
        autoComplete="off"
        spellCheck={false}
        data-testid={props.testId}
      />
    </div>
  );
}

// ---- one event ----

function EventRow(props: { event: TrailEvent; linkInspections: boolean }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { event: e } = props;
  const refused = isRefused(e);
  const none = <span className="muted">{t("common.none")}</span>;
  const inspection = inspectionOf(e);
  const document = e.document === null || e.document === "" ? null : e.document;
  const outcome = isKnownOutcome(e.outcome) ? e.outcome : null;
  return (
    <tr
      className={`c-au-row is-${e.kind}${refused ? " is-refused" : ""}`}
      data-testid="audit-row"
      data-kind={e.kind}
      data-outcome={e.outcome}
      data-operation={e.operation}
      data-cursor={e.cursor}
    >
      <td className="nowrap c-au-time">
        <time dateTime={new Date(e.at_ms).toISOString()}>{i18n.dateTime(e.at_ms)}</time>
      </td>
      <td>
        <span className={`c-au-kind c-au-kind-${e.kind}`}>{t(`console.audit.badge.${e.kind}`)}</span>
      </td>
      <td className="c-au-who">
        {e.actor === null || e.actor === "" ? (
          none
        ) : (
          <>
            <span className="code c-au-actor">{e.actor}</span>
            {e.role === null || e.role === "" ? null : <span className="c-au-role">{isRole(e.role) ? t(`console.audit.role.${e.role}`) : e.role}</span>}
          </>
        )}
      </td>
      <td className="nowrap">{e.unit ?? none}</td>
      <td className="nowrap c-au-signer">{e.signer === null ? none : <span className="code">{e.signer}</span>}</td>
      <td className="nowrap c-au-doc">
        {document === null ? (
          none
        ) : props.linkInspections && inspection !== null ? (
          <Link
            to={`/inspections/${encodeURIComponent(inspection)}`}
            className="code"
            title={inspection}
            aria-label={t("console.audit.openInspection", { id: inspection })}
            data-testid="audit-document-link"
          >
            {shortId(inspection)}
          </Link>
        ) : (
          <span className="code" title={document}>
            {shortId(document)}
          </span>
        )}
      </td>
      <td className="c-au-op" title={e.operation}>
        {isKnownOperation(e.operation) ? t(`console.audit.op.${e.operation}`) : <span className="code">{e.operation}</span>}
      </td>
      <td>
        <span className={`c-au-outcome c-au-outcome-${outcome ?? "other"}`}>{outcome === null ? e.outcome : t(`console.audit.outcome.${outcome}`)}</span>
      </td>
      <td className="c-au-detail">{e.detail === "" ? none : e.detail}</td>
      <td className="nowrap c-au-peer">{e.peer === null ? none : <span className="code">{e.peer}</span>}</td>
    </tr>
  );
}
