// The FLEET page (/fleet, administrators; their landing page): every
// vehicle in the server's register in a table (unit, key fingerprint, app
// version, first and last contact, last sync, clock offset, what it has
// not delivered yet, records, state), sortable, filtered by text and state,
// with the stale threshold sent to the server; all of it kept in the URL.
// The fleet is read again every 10 s while the page is shown, so a revoked
// vehicle's refused attempt appears by itself. Beside the table: new
// enrollment tokens (shown once, as text and as the server's QR code) and
// the tokens not yet used (cancelled after a confirmation). Each active
// vehicle can be revoked, the device alone or its whole unit, with the
// reason its crew is told at its next connection.

import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode, type RefObject } from "react";
import { useSearchParams } from "react-router";
import { useLoad, type ErrorBody, type Loaded } from "../app/useLoad.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { FLEET_LIMITS, type FleetDevice, type NewEnrollment, type PendingEnrollment } from "../transport/console.ts";
import { toErrorBody } from "../transport/errors.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import {
  backlogKnown,
  clockSkewed,
  DEFAULT_TTL_HOURS,
  DEVICE_STATES,
  deviceState,
  durationParts,
  filterDevices,
  FLEET_POLL_MS,
  fleetParamsFrom,
  fleetSearch,
  formatOffset,
  HOUR_MS,
  nextFleetSort,
  qrDataUrl,
  relativeParts,
  sortDevices,
  staleChoices,
  stateCounts,
  TTL_CHOICES,
  type DeviceState,
  type FleetParams,
  type FleetSortKey,
  type StateFilter,
} from "./fleet.ts";
import { useCompactTime } from "./time.ts";

/**
 * A number that goes up every `ms` while the page is visible (and at once
 * when it becomes visible again): a load that names it as a dependency is
 * made again each time.
 */
function usePollTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const visible = (): boolean => document.visibilityState !== "hidden";
    const timer = setInterval(() => {
      if (visible()) setTick((n) => n + 1);
    }, ms);
    const onVisibility = (): void => {
      if (visible()) setTick((n) => n + 1);
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [ms]);
  return tick;
}

type PluralForm = "one" | "few" | "many" | "other";

/** What the page tells after a change (worded at render, in the current language). */
type Notice = { kind: "revoked"; count: number; unit: string } | { kind: "cancelled"; unit: string };

/** The page's words for counts, durations, times ago and clock offsets, in the UI's language. */
function useFleetWords() {
  const i18n = useI18n();
  const { t, locale } = i18n;
  return useMemo(() => {
    const plurals = new Intl.PluralRules(locale);
    const form = (n: number): PluralForm => {
      const r = plurals.select(n);
      return r === "one" || r === "few" || r === "many" ? r : "other";
    };
    const days = new Intl.NumberFormat(locale, { style: "unit", unit: "day", unitDisplay: "long" });
    // "30 hr ago", never "yesterday": the words stay true whatever the hour.
    const ago = new Intl.RelativeTimeFormat(locale, { numeric: "always", style: "short" });
    return {
      duration: (hours: number): string => {
        const p = durationParts(hours);
        return p.unit === "day" ? days.format(p.count) : t("console.fleetPage.hours", { count: p.count });
      },
      ago: (ms: number, now: number): string => {
        const r = relativeParts(ms, now);
        return ago.format(r.value, r.unit);
      },
      offset: (ms: number): string =>
        formatOffset(ms, {
          h: (n) => t("console.fleetPage.offset.h", { n }),
          m: (n) => t("console.fleetPage.offset.m", { n }),
          s: (n) => t("console.fleetPage.offset.s", { n }),
        }),
      records: (count: number): string => t(`console.fleetPage.backlogRecords.${form(count)}`, { count }),
      refused: (count: number, time: string): string => t(`console.fleetPage.refused.${form(count)}`, { count, time }),
      revoked: (count: number, unit: string): string =>
        count === 0 ? t("console.revoke.doneNone", { unit }) : t(`console.revoke.done.${form(count)}`, { count, unit }),
    };
  }, [t, locale]);
}

/** A failed fleet call in the console's words; "not found" in this page's terms. */
function FleetError(props: { error: ErrorBody | null }): ReactNode {
  const { t } = useI18n();
  const { error } = props;
  if (error === null) return null;
  return <ConsoleError error={error} {...(error.code === "not_found" ? { lead: t("console.fleetPage.notFound") } : {})} />;
}

export function FleetPage(): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const words = useFleetWords();
  const transport = useConsoleTransport();
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const view = useMemo(() => fleetParamsFrom(search), [search]);
  const tick = usePollTick(FLEET_POLL_MS);
  // Bumped after a change made here: read again at once.
  const [fleetGen, setFleetGen] = useState(0);
  const [enrollGen, setEnrollGen] = useState(0);
  const fleet = useLoad(() => transport.fleet(view.staleHours), [transport, view.staleHours, tick, fleetGen]);
  const pending = useLoad(() => transport.enrollments(), [transport, tick, enrollGen]);
  // Kept as what to say, not the words: a language switch re-words it.
  const [notice, setNotice] = useState<Notice | null>(null);
  const [revoking, setRevoking] = useState<FleetDevice | null>(null);
  const tableBox = useRef<HTMLDivElement>(null);

  const go = (patch: Partial<FleetParams>): void => {
    setParams(new URLSearchParams(fleetSearch({ ...view, ...patch })), { replace: true });
  };

  const all = fleet.value?.devices ?? null;
  const counts = all === null ? null : stateCounts(all);
  const rows = all === null ? [] : sortDevices(filterDevices(all, view), view.sort);
  const now = fleet.value?.now_ms ?? 0;
  const staleFor = words.duration(fleet.value === null ? view.staleHours : fleet.value.stale_after_ms / HOUR_MS);

  const sortState = (...keys: FleetSortKey[]): "ascending" | "descending" | "none" =>
    keys.includes(view.sort.key) ? (view.sort.asc ? "ascending" : "descending") : "none";
  const sortButton = (key: FleetSortKey, label: string, title?: string): ReactNode => {
    const active = view.sort.key === key;
    return (
      <button
        type="button"
        className={`c-sort${active ? " c-sort-active" : ""}`}
        onClick={() => go({ sort: nextFleetSort(view.sort, key) })}
        data-testid={`fleet-sort-${key}`}
        {...(title === undefined ? {} : { title })}
      >
        {label}
        <span aria-hidden="true" className="c-sort-mark">
          {active ? (view.sort.asc ? "▲" : "▼") : ""}
        </span>
      </button>
    );
  };
  const sortable = (key: FleetSortKey, label: string, title?: string): ReactNode => (
    <th scope="col" aria-sort={sortState(key)} className={`c-fl-col-${key}`}>
      {sortButton(key, label, title)}
    </th>
  );

  return (
    <main className="c-page c-fleet-page" data-testid="fleet-page">
      <section className="c-fl-main" aria-labelledby="fleet-page-title">
        <header className="c-fl-head">
          <h1 id="fleet-page-title">{t("console.fleetPage.title")}</h1>
          <p className="muted c-range" aria-live="polite">
            {all === null || counts === null
              ? t("console.fleetPage.loading")
              : t("console.fleetPage.summary", { total: all.length, active: counts.active, stale: counts.stale, revoked: counts.revoked })}
          </p>
          <div className="c-search c-fl-search">
            <label htmlFor="fleet-search" className="sr-only">
              {t("console.fleetPage.search")}
            </label>
            <input
              id="fleet-search"
              type="search"
              value={view.text}
              placeholder={t("console.fleetPage.searchPlaceholder")}
              onChange={(e) => go({ text: e.target.value })}
              autoComplete="off"
              spellCheck={false}
              data-testid="fleet-search"
            />
          </div>
          <div className="c-fl-pick">
            <label htmlFor="fleet-state">{t("console.fleetPage.stateFilter")}</label>
            <select id="fleet-state" value={view.state} onChange={(e) => go({ state: e.target.value as StateFilter })} data-testid="fleet-state-filter">
              <option value="all">{t("console.fleetPage.stateAll", { count: all?.length ?? 0 })}</option>
              {DEVICE_STATES.map((s) => (
                <option key={s} value={s}>
                  {t("console.fleetPage.stateOption", { state: t(`console.fleetPage.state.${s}`), count: counts?.[s] ?? 0 })}
                </option>
              ))}
            </select>
          </div>
          <div className="c-fl-pick" title={t("console.fleetPage.staleAfterHint")}>
            <label htmlFor="fleet-stale">{t("console.fleetPage.staleAfter")}</label>
            <select id="fleet-stale" value={String(view.staleHours)} onChange={(e) => go({ staleHours: Number(e.target.value) })} data-testid="fleet-stale">
              {staleChoices(view.staleHours).map((h) => (
                <option key={h} value={String(h)}>
                  {words.duration(h)}
                </option>
              ))}
            </select>
          </div>
        </header>
        <FleetError error={fleet.error} />
        {notice === null ? null : (
          <p className="msg ok c-fl-notice" role="status" data-testid="fleet-notice">
            {notice.kind === "revoked" ? words.revoked(notice.count, notice.unit) : t("console.enroll.cancelled", { unit: notice.unit })}
          </p>
        )}
        <div className="c-table-wrap c-fl-table-wrap" ref={tableBox} tabIndex={-1}>
          {all === null ? null : all.length === 0 ? (
            <div className="empty">
              <p>{t("console.fleetPage.none")}</p>
            </div>
          ) : (
            <table className="c-table c-fl-table" data-testid="fleet-table" aria-label={t("console.fleetPage.table")}>
              <thead>
                <tr>
                  <th scope="col" aria-sort={sortState("unit", "key")} className="c-fl-col-id">
                    {sortButton("unit", t("console.fleetPage.col.unit"))}
                    <span aria-hidden="true" className="c-fl-col-sep">
                      /
                    </span>
                    {sortButton("key", t("console.fleetPage.col.key"))}
                  </th>
                  {sortable("state", t("console.fleetPage.col.state"))}
                  {sortable("seen", t("console.fleetPage.col.seen"))}
                  {sortable("sync", t("console.fleetPage.col.sync"))}
                  {sortable("offset", t("console.fleetPage.col.offset"), t("console.fleetPage.col.offsetTitle"))}
                  {sortable("backlog", t("console.fleetPage.col.backlog"), t("console.fleetPage.col.backlogTitle"))}
                  {sortable("version", t("console.fleetPage.col.version"))}
                  {sortable("records", t("console.fleetPage.col.records"), t("console.fleetPage.col.recordsTitle"))}
                  {sortable("enrolled", t("console.fleetPage.col.enrolled"))}
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 ? (
                  <tr className="c-fl-nomatch">
                    <td colSpan={9}>{t("console.fleetPage.noMatch")}</td>
                  </tr>
                ) : (
                  rows.map((d) => <DeviceRow key={d.key} device={d} now={now} staleFor={staleFor} onRevoke={() => setRevoking(d)} />)
                )}
              </tbody>
            </table>
          )}
        </div>
      </section>
      <aside className="c-fl-side" aria-label={t("console.fleetPage.forms")}>
        <EnrollPanel
          pending={pending}
          onChanged={(message) => {
            if (message !== null) setNotice(message);
            setEnrollGen((g) => g + 1);
          }}
        />
      </aside>
      {revoking === null ? null : (
        <RevokeDialog
          device={revoking}
          unitDevices={all?.filter((d) => d.unit === revoking.unit && d.revoked_ms === null).length ?? 1}
          now={now}
          fallbackFocus={tableBox}
          onClose={() => setRevoking(null)}
          onRevoked={(count, unit) => {
            setRevoking(null);
            setNotice({ kind: "revoked", count, unit });
            setFleetGen((g) => g + 1);
            // A unit's unused tokens go with it.
            setEnrollGen((g) => g + 1);
          }}
        />
      )}
    </main>
  );
}

// ---- one vehicle ----

function DeviceRow(props: { device: FleetDevice; now: number; staleFor: string; onRevoke: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const words = useFleetWords();
  const time = useCompactTime();
  const { device: d, now } = props;
  const state = deviceState(d);
  const unknown = (
    <span className="muted c-fl-unknown" title={t("console.fleetPage.unknownTitle")}>
      {t("console.fleetPage.unknown")}
    </span>
  );
  const known = backlogKnown(d) ? d : null;
  const skewed = clockSkewed(d.clock_offset_ms);
  const stated = d.stated_ms === null ? "" : i18n.dateTime(d.stated_ms);
  return (
    <tr
      className={`c-fl-row is-${state}`}
      data-testid="fleet-row"
      data-key={d.key}
      data-unit={d.unit}
      data-state={state}
      data-backlog-records={d.backlog_records ?? "unknown"}
      data-backlog-bytes={d.backlog_scan_bytes ?? "unknown"}
      data-refused={d.refused_count}
      data-last-sync={d.last_sync}
    >
      <td className="c-fl-id">
        <span className="c-fl-unit">{d.unit}</span>
        <span className="code c-fl-fp" title={d.key}>
          {d.fingerprint}
        </span>
      </td>
      <td className="c-fl-state-cell">
        <StateCell device={d} state={state} staleFor={props.staleFor} onRevoke={props.onRevoke} />
      </td>
      <td className="nowrap">
        {d.last_seen_ms === null ? (
          <span className="muted">{t("console.fleetPage.never")}</span>
        ) : (
          <time
            dateTime={new Date(d.last_seen_ms).toISOString()}
            title={d.last_addr === null ? i18n.dateTime(d.last_seen_ms) : t("console.fleetPage.seenFrom", { time: i18n.dateTime(d.last_seen_ms), addr: d.last_addr })}
          >
            {words.ago(d.last_seen_ms, now)}
          </time>
        )}
      </td>
      <td>
        <span className={`c-fl-sync c-fl-sync-${d.last_sync}`}>{t(`console.fleetPage.sync.${d.last_sync}`)}</span>
      </td>
      <td className="num nowrap">
        {d.clock_offset_ms === null ? (
          unknown
        ) : (
          <span
            className={skewed ? "c-fl-skew" : undefined}
            data-testid="fleet-offset"
            title={skewed ? t("console.fleetPage.offsetWarn", { time: stated }) : t("console.fleetPage.offsetStated", { time: stated })}
          >
            {words.offset(d.clock_offset_ms)}
          </span>
        )}
      </td>
      <td className="num">
        {known === null ? (
          unknown
        ) : known.backlog_records === 0 && known.backlog_scan_bytes === 0 ? (
          <span className="muted">{t("console.fleetPage.backlogNone")}</span>
        ) : (
          <span className="c-fl-backlog" data-testid="fleet-backlog">
            <span>{words.records(known.backlog_records)}</span>
            <span className="muted">{i18n.bytes(known.backlog_scan_bytes)}</span>
          </span>
        )}
      </td>
      <td className="nowrap">{d.app_version === null ? unknown : <span className="code">{d.app_version}</span>}</td>
      <td className="num">{i18n.number(d.records)}</td>
      <td className="nowrap">
        <time dateTime={new Date(d.enrolled_ms).toISOString()} title={i18n.dateTime(d.enrolled_ms)}>
          {time(d.enrolled_ms)}
        </time>
      </td>
    </tr>
  );
}

/** Where the vehicle stands; a revoked one's reason, who, when, the attempts since and a remote wipe's report; the Revoke button otherwise. */
function StateCell(props: { device: FleetDevice; state: DeviceState; staleFor: string; onRevoke: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const words = useFleetWords();
  const time = useCompactTime();
  const { device: d, state } = props;
  return (
    <div className="c-fl-state" data-testid="fleet-state">
      <div className="c-fl-state-line">
        <span
          className={`c-fl-badge c-fl-badge-${state}`}
          data-testid="fleet-badge"
          {...(state === "stale" ? { title: t("console.fleetPage.staleTitle", { duration: props.staleFor }) } : {})}
        >
          {t(`console.fleetPage.state.${state}`)}
        </span>
        {d.revoked_ms === null ? (
          <button
            type="button"
            className="btn btn-small c-fl-revoke"
            onClick={props.onRevoke}
            aria-haspopup="dialog"
            aria-label={t("console.fleetPage.revokeLabel", { unit: d.unit, fingerprint: d.fingerprint })}
            data-testid="fleet-revoke"
          >
            {t("console.fleetPage.revoke")}
          </button>
        ) : (
          <span className={`c-fl-revoked-when${d.revoked_by === null ? "" : " c-fl-by"}`} title={i18n.dateTime(d.revoked_ms)}>
            {d.revoked_by === null
              ? t("console.fleetPage.revokedByCli", { time: time(d.revoked_ms) })
              : t("console.fleetPage.revokedBy", { time: time(d.revoked_ms), who: d.revoked_by })}
          </span>
        )}
      </div>
      {d.revoked_ms === null ? null : (
        <span className="c-fl-reason" data-testid="fleet-reason">
          {d.revoked_reason === null || d.revoked_reason === "" ? t("console.fleetPage.noReason") : d.revoked_reason}
        </span>
      )}
      {d.wipe === null ? null : (
        <span className="c-fl-wipe" data-testid="fleet-wipe" title={i18n.dateTime(d.wipe.told_ms ?? d.wipe.ordered_ms)}>
          {d.wipe.told_ms === null
            ? t("console.fleetPage.wipeOrdered", { time: time(d.wipe.ordered_ms) })
            : d.wipe.backlog_records === null
              ? t("console.fleetPage.wipeToldNothing", { time: time(d.wipe.told_ms) })
              : t("console.fleetPage.wipeTold", {
                  time: time(d.wipe.told_ms),
                  records: d.wipe.backlog_records,
                  size: i18n.bytes(d.wipe.backlog_scan_bytes ?? 0),
                })}
        </span>
      )}
      {d.refused_count === 0 ? null : (
        <span className="c-fl-refused" data-testid="fleet-refused" {...(d.last_refused_ms === null ? {} : { title: i18n.dateTime(d.last_refused_ms) })}>
          {words.refused(d.refused_count, d.last_refused_ms === null ? t("console.fleetPage.unknown") : time(d.last_refused_ms))}
        </span>
      )}
    </div>
  );
}

// ---- revoking ----

function RevokeDialog(props: {
  device: FleetDevice;
  /** Devices of the unit not yet revoked. */
  unitDevices: number;
  now: number;
  /** Where the focus goes when the button that opened the dialog is gone. */
  fallbackFocus: RefObject<HTMLElement | null>;
  onClose: () => void;
  onRevoked: (count: number, unit: string) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const words = useFleetWords();
  const transport = useConsoleTransport();
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const reasonBox = useRef<HTMLTextAreaElement>(null);
  const [scope, setScope] = useState<"device" | "unit">("device");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const { device: d, fallbackFocus } = props;

  // Opened as a modal where the browser has them (the page behind is inert),
  // the reason takes the focus; on closing, the focus goes back where it was.
  useEffect(() => {
    const el = dialog.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (el !== null) {
      if (typeof el.showModal === "function") {
        if (!el.open) el.showModal();
      } else {
        el.setAttribute("open", "");
      }
    }
    reasonBox.current?.focus();
    const back = fallbackFocus.current;
    return () => {
      if (el !== null && typeof el.close === "function" && el.open) el.close();
      if (opener !== null && opener.isConnected) opener.focus();
      else back?.focus();
    };
  }, [fallbackFocus]);

  const blank = reason.trim() === "";
  const close = (): void => {
    if (!busy) props.onClose();
  };
  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (blank || busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await transport.revoke(
        scope === "device" ? { unit: null, device: d.key, reason: reason.trim() } : { unit: d.unit, device: null, reason: reason.trim() },
      );
      props.onRevoked(r.revoked, d.unit);
    } catch (err) {
      setError(toErrorBody(err));
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="c-fl-dialog"
      aria-labelledby={`${id}-title`}
      aria-modal="true"
      data-testid="revoke-dialog"
      onCancel={(e) => {
        // Escape: closed the React way, so the page knows.
        e.preventDefault();
        close();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          close();
        }
      }}
    >
      <form onSubmit={(e) => void onSubmit(e)} noValidate>
        <h2 id={`${id}-title`}>{t("console.revoke.title", { unit: d.unit })}</h2>
        <p className="muted c-fl-dialog-device">
          {t("console.revoke.device", {
            fingerprint: d.fingerprint,
            version: d.app_version ?? t("console.fleetPage.unknown"),
            time: d.last_seen_ms === null ? t("console.fleetPage.never") : words.ago(d.last_seen_ms, props.now),
          })}
        </p>
        <fieldset className="c-group c-fl-scope">
          <legend>{t("console.revoke.scope")}</legend>
          <label className="c-fl-scope-choice">
            <input
              type="radio"
              name={`${id}-scope`}
              value="device"
              checked={scope === "device"}
              onChange={() => setScope("device")}
              data-testid="revoke-scope-device"
            />
            <span>
              <strong>{t("console.revoke.scopeDevice")}</strong>
              <span className="hint">{t("console.revoke.scopeDeviceHint", { fingerprint: d.fingerprint })}</span>
            </span>
          </label>
          <label className="c-fl-scope-choice">
            <input type="radio" name={`${id}-scope`} value="unit" checked={scope === "unit"} onChange={() => setScope("unit")} data-testid="revoke-scope-unit" />
            <span>
              <strong>{t("console.revoke.scopeUnit", { unit: d.unit })}</strong>
              <span className="hint">{t("console.revoke.scopeUnitHint", { unit: d.unit, count: props.unitDevices })}</span>
            </span>
          </label>
        </fieldset>
        <div className="field c-field">
          <label htmlFor={`${id}-reason`}>{t("console.revoke.reason")}</label>
          <textarea
            id={`${id}-reason`}
            ref={reasonBox}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={FLEET_LIMITS.maxRevokeReason}
            required
            aria-required="true"
            aria-describedby={`${id}-note`}
            rows={3}
            data-testid="revoke-reason"
          />
          <p className="hint c-hint-after c-fl-count" aria-hidden="true">
            {t("console.revoke.reasonCount", { count: Array.from(reason).length, max: FLEET_LIMITS.maxRevokeReason })}
          </p>
        </div>
        <p id={`${id}-note`} className="notice c-fl-note">
          {t("console.revoke.note")}
        </p>
        <FleetError error={error} />
        <div className="c-fl-dialog-buttons">
          <button type="submit" className="btn c-danger" disabled={blank || busy} data-testid="revoke-confirm">
            {busy ? t("console.revoke.busy") : scope === "device" ? t("console.revoke.confirmDevice") : t("console.revoke.confirmUnit", { unit: d.unit })}
          </button>
          <button type="button" className="btn" onClick={close} disabled={busy} data-testid="revoke-cancel">
            {t("console.revoke.cancel")}
          </button>
        </div>
      </form>
    </dialog>
  );
}

// ---- enrollment ----

function EnrollPanel(props: {
  pending: Loaded<PendingEnrollment[]>;
  /** A token made or cancelled (with what to say, or null). */
  onChanged: (notice: Notice | null) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const words = useFleetWords();
  const transport = useConsoleTransport();
  const id = useId();
  const [unit, setUnit] = useState("");
  const [ttl, setTtl] = useState(DEFAULT_TTL_HOURS);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [created, setCreated] = useState<NewEnrollment | null>(null);
  const [cancelError, setCancelError] = useState<ErrorBody | null>(null);
  const missing = tried && unit.trim() === "";

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    if (unit.trim() === "" || busy) return;
    setBusy(true);
    setError(null);
    try {
      const made = await transport.createEnrollment({ unit: unit.trim(), ttl_hours: ttl });
      setCreated(made);
      setUnit("");
      setTried(false);
      props.onChanged(null);
    } catch (err) {
      setError(toErrorBody(err));
    } finally {
      setBusy(false);
    }
  };

  const cancel = async (p: PendingEnrollment): Promise<boolean> => {
    setCancelError(null);
    try {
      await transport.cancelEnrollment(p.id);
      if (created?.pending.id === p.id) setCreated(null);
      props.onChanged({ kind: "cancelled", unit: p.unit });
      return true;
    } catch (err) {
      setCancelError(toErrorBody(err));
      return false;
    }
  };

  const list = props.pending.value;
  return (
    <>
      <section className="c-card c-fl-form" aria-labelledby={`${id}-title`} data-testid="enroll-form">
        <h2 id={`${id}-title`}>{t("console.enroll.title")}</h2>
        <p className="hint">{t("console.enroll.intro")}</p>
        <form aria-labelledby={`${id}-title`} onSubmit={(e) => void onSubmit(e)} noValidate>
          <div className="c-fl-form-grid">
            <div className="c-field">
              <label htmlFor={`${id}-unit`}>{t("console.enroll.unit")}</label>
              <input
                id={`${id}-unit`}
                className="c-fl-unit-input"
                value={unit}
                onChange={(e) => setUnit(e.target.value)}
                placeholder={t("console.enroll.unitPlaceholder")}
                maxLength={64}
                aria-invalid={missing}
                autoComplete="off"
                spellCheck={false}
                data-testid="enroll-unit"
              />
            </div>
            <div className="c-field">
              <label htmlFor={`${id}-ttl`}>{t("console.enroll.ttl")}</label>
              <select id={`${id}-ttl`} value={String(ttl)} onChange={(e) => setTtl(Number(e.target.value))} data-testid="enroll-ttl">
                {TTL_CHOICES.map((h) => (
                  <option key={h} value={String(h)}>
                    {words.duration(h)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {missing ? (
            <p className="msg bad" role="alert">
              {t("console.enroll.needUnit")}
            </p>
          ) : null}
          <FleetError error={error} />
          <button type="submit" className="btn btn-primary c-submit" disabled={busy} data-testid="enroll-create">
            {busy ? t("console.enroll.creating") : t("console.enroll.create")}
          </button>
        </form>
      </section>

      {created === null ? null : <CreatedToken key={created.pending.id} made={created} onHide={() => setCreated(null)} />}

      <section className="c-card c-fl-pending" aria-labelledby={`${id}-pending`}>
        <h2 id={`${id}-pending`}>{t("console.enroll.pending")}</h2>
        <FleetError error={props.pending.error} />
        <FleetError error={cancelError} />
        {list === null ? (
          props.pending.error === null ? <p className="muted">{t("app.loading")}</p> : null
        ) : list.length === 0 ? (
          <p className="muted" data-testid="enroll-pending-none">
            {t("console.enroll.pendingNone")}
          </p>
        ) : (
          <ul className="c-fl-pending-list" data-testid="enroll-pending">
            {list.map((p) => (
              <PendingRow key={p.id} pending={p} onCancel={() => cancel(p)} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

/** The token just made: its text to copy, its QR code to scan, shown this once. */
function CreatedToken(props: { made: NewEnrollment; onHide: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const text = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState<"ok" | "failed" | null>(null);
  const { made } = props;

  // The token takes the focus, selected: ready to copy with the keyboard.
  useEffect(() => {
    text.current?.focus();
  }, []);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(made.token);
      setCopied("ok");
    } catch {
      // No clipboard API (a page over plain HTTP): the old way.
      const box = text.current;
      box?.select();
      let ok = false;
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
      setCopied(ok ? "ok" : "failed");
    }
  };

  return (
    <section className="c-card c-fl-token" aria-labelledby={`${id}-title`} data-testid="enroll-created">
      <h2 id={`${id}-title`}>{t("console.enroll.created", { unit: made.pending.unit })}</h2>
      <p className="notice c-fl-once">{t("console.enroll.onceOnly", { date: i18n.dateTime(made.pending.expires_ms) })}</p>
      <img
        className="c-fl-qr"
        src={qrDataUrl(made.qr_svg)}
        alt={t("console.enroll.qr", { unit: made.pending.unit })}
        width={256}
        height={256}
        data-testid="enroll-qr"
      />
      <label htmlFor={`${id}-token`}>{t("console.enroll.token")}</label>
      <textarea
        id={`${id}-token`}
        ref={text}
        className="code c-fl-token-text"
        value={made.token}
        readOnly
        rows={4}
        spellCheck={false}
        onFocus={(e) => e.currentTarget.select()}
        data-testid="enroll-token"
      />
      <div className="c-fl-token-buttons">
        <button type="button" className="btn btn-small" onClick={() => void copy()} data-testid="enroll-copy">
          {t("console.enroll.copy")}
        </button>
        <span role="status" className={copied === "failed" ? "msg bad" : "msg ok"}>
          {copied === null ? "" : copied === "ok" ? t("console.enroll.copied") : t("console.enroll.copyFailed")}
        </span>
        <span className="c-spacer" />
        <button type="button" className="btn btn-small" onClick={props.onHide} data-testid="enroll-hide">
          {t("console.enroll.hide")}
        </button>
      </div>
    </section>
  );
}

function PendingRow(props: { pending: PendingEnrollment; onCancel: () => Promise<boolean> }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const time = useCompactTime();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const { pending: p } = props;
  const cancel = async (): Promise<void> => {
    setBusy(true);
    const done = await props.onCancel();
    // Gone from the list when it worked; the question closes either way.
    if (!done) {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <li className="c-fl-pending-row" data-testid="enroll-pending-row" data-id={p.id} data-unit={p.unit}>
      <div className="c-fl-pending-head">
        <strong className="code">{p.unit}</strong>
        <span className="c-spacer" />
        {confirming ? null : (
          <button
            type="button"
            className="btn btn-small c-fl-cancel"
            onClick={() => setConfirming(true)}
            aria-label={t("console.enroll.cancelLabel", { unit: p.unit })}
            data-testid="enroll-cancel"
          >
            {t("console.enroll.cancel")}
          </button>
        )}
      </div>
      <p className="muted c-fl-pending-meta">
        {t("console.enroll.pendingMeta", {
          made: time(p.created_ms),
          by: p.created_by ?? t("console.enroll.byCli"),
          expires: time(p.expires_ms),
        })}
      </p>
      {confirming ? <CancelConfirm unit={p.unit} busy={busy} onYes={() => void cancel()} onNo={() => setConfirming(false)} /> : null}
    </li>
  );
}

/** The question before cancelling a token; the confirming answer has the focus. */
function CancelConfirm(props: { unit: string; busy: boolean; onYes: () => void; onNo: () => void }): ReactNode {
  const { t } = useI18n();
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => yes.current?.focus(), []);
  return (
    <div className="c-hl-confirm c-fl-confirm" role="group" aria-label={t("console.enroll.cancelLabel", { unit: props.unit })} data-testid="enroll-cancel-ask">
      <p>{t("console.enroll.cancelConfirm", { unit: props.unit })}</p>
      <button ref={yes} type="button" className="btn btn-small c-danger" onClick={props.onYes} disabled={props.busy} data-testid="enroll-cancel-confirm">
        {props.busy ? t("console.enroll.cancelling") : t("console.enroll.cancelYes")}
      </button>
      <button type="button" className="btn btn-small" onClick={props.onNo} disabled={props.busy}>
        {t("console.enroll.cancelNo")}
      </button>
    </div>
  );
}
