// The HOTLISTS page (/hotlists): every list the server signs and sends down
// to the vehicles, with its scope (units or every unit), its plates and
// containers in a table (sortable, high priority first by default, with a
// filter on plate, container or reason kept in the URL) and its risk
// profiles with their conditions in words. Each entry and profile says
// where it stands: in force, not yet, expired, or removed (by whom, when;
// removed ones stay in the list's history and are shown on request).
// Supervisors add entries and profiles in the forms beside the lists and
// remove them (after a confirmation); auditors and administrators read.

import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import { useLoad } from "../app/useLoad.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import {
  mayEditHotlists,
  PRIORITIES,
  type HotlistEntry,
  type HotlistView,
  type Priority,
  type RiskProfile,
} from "../transport/console.ts";
import { toErrorBody } from "../transport/errors.ts";
import { useConsoleTransport, useConsoleUser } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import {
  DEFAULT_SORT,
  emptyEntryDraft,
  emptyProfileDraft,
  entryInput,
  entryMatches,
  entryProblems,
  entryState,
  inForce,
  isCurrent,
  isMidnightUtc,
  isNewList,
  nextSort,
  parseFilter,
  profileInput,
  profileMatches,
  profileProblems,
  readValue,
  sortEntries,
  sortProfiles,
  DAY_MS,
  type EntryDraft,
  type EntryState,
  type Filter,
  type FormProblem,
  type ProfileDraft,
  type Sort,
  type SortKey,
} from "./hotlists.ts";
import { directionLabel, entryKindLabel, entryStateLabel, KNOWN_DIRECTIONS, priorityLabel } from "./labels.ts";
import { useCompactTime } from "./time.ts";

type ErrorBody = { code: string; message: string };

export function HotlistsPage(): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useConsoleTransport();
  const user = useConsoleUser();
  const canEdit = mayEditHotlists(user.role);
  const [params, setParams] = useSearchParams();
  const filterText = params.get("q") ?? "";
  const showAll = params.get("all") === "1";
  const [generation, setGeneration] = useState(0);
  // The moment the lists were read is the "now" their states are told at.
  const loaded = useLoad(async () => ({ lists: await transport.hotlists(), at: Date.now() }), [transport, generation]);
  const [sort, setSort] = useState<Sort>(DEFAULT_SORT);
  const [notice, setNotice] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<ErrorBody | null>(null);
  const changed = (): void => setGeneration((g) => g + 1);

  const setParam = (key: string, value: string | null): void => {
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        if (value === null || value === "") next.delete(key);
        else next.set(key, value);
        return next;
      },
      { replace: true },
    );
  };

  const lists = loaded.value?.lists ?? null;
  const now = loaded.value?.at ?? 0;
  const filter = useMemo(() => parseFilter(filterText), [filterText]);
  const totals = lists === null ? null : inForce(lists, now);
  const notCurrent =
    lists?.reduce(
      (n, l) => n + l.entries.filter((e) => !isCurrent(entryState(e, now))).length + l.profiles.filter((p) => !isCurrent(entryState(p, now))).length,
      0,
    ) ?? 0;

  return (
    <main className={`c-page c-hotlists${canEdit ? " c-hotlists-edit" : ""}`} data-testid="hotlists">
      <section className="c-hl-main" aria-labelledby="hotlists-title">
        <header className="c-hl-head">
          <h1 id="hotlists-title">{t("console.hotlists.title")}</h1>
          <p className="muted c-range" aria-live="polite">
            {lists === null || totals === null
              ? t("console.hotlists.loading")
              : t("console.hotlists.summary", { lists: lists.length, entries: totals.entries, profiles: totals.profiles })}
          </p>
          <div className="c-search c-hl-filter">
            <label htmlFor="hotlist-filter" className="sr-only">
              {t("console.hotlists.filter")}
            </label>
            <input
              id="hotlist-filter"
              type="search"
              value={filterText}
              placeholder={t("console.hotlists.filterPlaceholder")}
              onChange={(e) => setParam("q", e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          </div>
          <label className="check c-hl-all">
            <input type="checkbox" checked={showAll} onChange={(e) => setParam("all", e.target.checked ? "1" : null)} data-testid="show-all" />
            <span>{t("console.hotlists.showAll", { count: notCurrent })}</span>
          </label>
        </header>
        <div className="c-hl-scroll">
          <p className="hint c-hl-intro">{t("console.hotlists.intro")}</p>
          {canEdit ? null : (
            <p className="notice c-readonly" data-testid="read-only">
              {t("console.hotlists.readOnly")}
            </p>
          )}
          <ConsoleError error={loaded.error} />
          <ConsoleError error={removeError} />
          {notice === null ? null : (
            <p className="msg ok c-hl-notice" role="status">
              {notice}
            </p>
          )}
          {lists === null ? null : lists.length === 0 ? (
            <div className="empty">
              <p>{t("console.hotlists.none")}</p>
              {canEdit ? <p className="hint">{t("console.hotlists.noneHint")}</p> : null}
            </div>
          ) : (
            lists.map((l) => (
              <ListSection
                key={l.id}
                list={l}
                now={now}
                filter={filter}
                showAll={showAll}
                sort={sort}
                onSort={(key) => setSort((s) => nextSort(s, key))}
                canEdit={canEdit}
                onRemove={async (id, value) => {
                  setRemoveError(null);
                  setNotice(null);
                  try {
                    const c = await transport.hotlistRemove(id);
                    setNotice(t("console.hotlists.removed", { value, list: c.list }));
                    changed();
                  } catch (e) {
                    setRemoveError(toErrorBody(e));
                  }
                }}
              />
            ))
          )}
        </div>
      </section>
      {canEdit && lists !== null ? (
        <aside className="c-hl-side" aria-label={t("console.hotlists.forms")}>
          <EntryForm lists={lists} onAdded={changed} />
          <ProfileForm lists={lists} onAdded={changed} />
        </aside>
      ) : null}
    </main>
  );
}

// ---- one list ----

function ListSection(props: {
  list: HotlistView;
  now: number;
  filter: Filter | null;
  showAll: boolean;
  sort: Sort;
  onSort: (key: SortKey) => void;
  canEdit: boolean;
  onRemove: (id: string, value: string) => Promise<void>;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const time = useCompactTime();
  const { list, now, filter, showAll } = props;
  const titleId = useId();
  const shown = (s: EntryState): boolean => showAll || isCurrent(s);
  const matching = list.entries.filter((e) => entryMatches(e, filter));
  const entries = sortEntries(
    matching.filter((e) => shown(entryState(e, now))),
    props.sort,
    now,
  );
  const matchingProfiles = list.profiles.filter((p) => profileMatches(p, filter));
  const profiles = sortProfiles(
    matchingProfiles.filter((p) => shown(entryState(p, now))),
    now,
  );
  const hidden = matching.length - entries.length + (matchingProfiles.length - profiles.length);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const remove = async (id: string, value: string): Promise<void> => {
    setBusy(id);
    try {
      await props.onRemove(id, value);
    } finally {
      setBusy(null);
      setConfirming(null);
    }
  };
  const columns = 6 + (props.canEdit ? 1 : 0);
  const sortable = (key: SortKey, label: string): ReactNode => {
    const active = props.sort.key === key;
    return (
      <th scope="col" aria-sort={active ? (props.sort.asc ? "ascending" : "descending") : "none"}>
        <button type="button" className="c-sort" onClick={() => props.onSort(key)} data-testid={`sort-${key}`}>
          {label}
          <span aria-hidden="true" className="c-sort-mark">
            {active ? (props.sort.asc ? "▲" : "▼") : ""}
          </span>
        </button>
      </th>
    );
  };

  return (
    <section className="c-card c-hl-list" aria-labelledby={titleId} data-testid="hotlist" data-list={list.name}>
      <header className="c-hl-list-head">
        <h2 id={titleId}>{list.name}</h2>
        <span className={`c-hl-scope${list.units.length === 0 ? " c-hl-scope-all" : ""}`} data-testid="hotlist-scope">
          {list.units.length === 0 ? t("console.hotlists.scopeAll") : t("console.hotlists.scopeUnits", { units: list.units.join(", ") })}
        </span>
        <span className="muted">
          <time dateTime={new Date(list.created_ms).toISOString()} title={i18n.dateTime(list.created_ms)}>
            {t("console.hotlists.created", { time: time(list.created_ms) })}
          </time>
        </span>
      </header>

      <h3 className="sr-only">{t("console.hotlists.entries")}</h3>
      {list.entries.length === 0 ? (
        <p className="muted">{t("console.hotlists.entriesNone")}</p>
      ) : entries.length === 0 ? (
        <p className="muted">{t("console.hotlists.noMatch")}</p>
      ) : (
        <div className="c-hl-table-wrap">
          <table className="c-table c-hl-table">
            <thead>
              <tr>
                {sortable("priority", t("console.hotlists.col.priority"))}
                {sortable("value", t("console.hotlists.col.value"))}
                <th scope="col">{t("console.hotlists.col.reason")}</th>
                {sortable("valid", t("console.hotlists.col.valid"))}
                {sortable("added", t("console.hotlists.col.added"))}
                {sortable("state", t("console.hotlists.col.state"))}
                {props.canEdit ? (
                  <th scope="col">
                    <span className="sr-only">{t("console.hotlists.col.actions")}</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <EntryRows
                  key={e.id}
                  entry={e}
                  list={list.name}
                  state={entryState(e, now)}
                  canEdit={props.canEdit}
                  columns={columns}
                  confirming={confirming === e.id}
                  busy={busy === e.id}
                  onAsk={() => setConfirming(e.id)}
                  onCancel={() => setConfirming(null)}
                  onConfirm={() => void remove(e.id, e.canonical)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>{t("console.hotlists.profiles")}</h3>
      {list.profiles.length === 0 ? (
        <p className="muted">{t("console.hotlists.profilesNone")}</p>
      ) : profiles.length === 0 ? (
        <p className="muted">{t("console.hotlists.noMatch")}</p>
      ) : (
        <ul className="c-hl-profiles">
          {profiles.map((p) => (
            <ProfileItem
              key={p.id}
              profile={p}
              list={list.name}
              state={entryState(p, now)}
              canEdit={props.canEdit}
              confirming={confirming === p.id}
              busy={busy === p.id}
              onAsk={() => setConfirming(p.id)}
              onCancel={() => setConfirming(null)}
              onConfirm={() => void remove(p.id, p.name)}
            />
          ))}
        </ul>
      )}
      {hidden > 0 && !showAll ? <p className="hint">{t("console.hotlists.hidden", { count: hidden })}</p> : null}
    </section>
  );
}

function PriorityBadge(props: { priority: Priority }): ReactNode {
  const i18n = useI18n();
  return (
    <span className={`c-prio c-prio-${props.priority}`} data-priority={props.priority}>
      {priorityLabel(i18n, props.priority)}
    </span>
  );
}

/** Valid from and through, as UTC days when they fall on midnight UTC (as the form sets them), else as times. */
function Validity(props: { from: number | null; until: number | null }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const time = useCompactTime();
  const dayFmt = useMemo(() => new Intl.DateTimeFormat(i18n.locale, { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" }), [i18n.locale]);
  const { from, until } = props;
  if (from === null && until === null) return <span className="muted">{t("console.hotlists.valid.always")}</span>;
  return (
    <span className="c-hl-valid">
      {from === null ? null : (
        <span title={i18n.dateTime(from)}>{t("console.hotlists.valid.from", { date: isMidnightUtc(from) ? dayFmt.format(from) : time(from) })}</span>
      )}
      {until === null ? null : (
        <span title={i18n.dateTime(until)}>
          {isMidnightUtc(until)
            ? t("console.hotlists.valid.through", { date: dayFmt.format(until - DAY_MS) })
            : t("console.hotlists.valid.until", { date: time(until) })}
        </span>
      )}
    </span>
  );
}

function StateLabel(props: { state: EntryState; item: HotlistEntry | RiskProfile }): ReactNode {
  const i18n = useI18n();
  const time = useCompactTime();
  const { removed } = props.item;
  return (
    <span className={`c-hl-state c-hl-state-${props.state}`} data-testid="entry-state" data-state={props.state}>
      <span className="c-hl-state-word">{entryStateLabel(i18n, props.state)}</span>
      {removed === null ? null : (
        <span className="c-hl-removed" title={i18n.dateTime(removed.at_ms)}>
          {" "}
          {i18n.t("console.hotlists.removedBy", { officer: removed.by, time: time(removed.at_ms) })}
        </span>
      )}
    </span>
  );
}

function Added(props: { by: string; at: number }): ReactNode {
  const i18n = useI18n();
  const time = useCompactTime();
  return (
    <>
      <span className="code">{props.by}</span>{" "}
      <time className="muted" dateTime={new Date(props.at).toISOString()} title={i18n.dateTime(props.at)}>
        {time(props.at)}
      </time>
    </>
  );
}

interface Removable {
  list: string;
  state: EntryState;
  canEdit: boolean;
  confirming: boolean;
  busy: boolean;
  onAsk: () => void;
  onCancel: () => void;
  onConfirm: () => void;
}

function RemoveButton(props: Removable & { value: string }): ReactNode {
  const { t } = useI18n();
  if (!props.canEdit || props.state === "removed") return null;
  return (
    <button
      type="button"
      className="btn btn-small c-hl-remove"
      onClick={props.onAsk}
      aria-expanded={props.confirming}
      aria-label={t("console.hotlists.removeLabel", { value: props.value })}
      data-testid="remove"
    >
      {t("console.hotlists.remove")}
    </button>
  );
}

/** The question before a removal, with the two answers; the confirming answer has the focus. */
function Confirm(props: Removable & { value: string }): ReactNode {
  const { t } = useI18n();
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => yes.current?.focus(), []);
  return (
    <div className="c-hl-confirm" role="group" aria-label={t("console.hotlists.removeLabel", { value: props.value })} data-testid="remove-confirm">
      <p>{t("console.hotlists.removeConfirm", { value: props.value, list: props.list })}</p>
      <button ref={yes} type="button" className="btn btn-small c-danger" onClick={props.onConfirm} disabled={props.busy} data-testid="remove-yes">
        {props.busy ? t("console.hotlists.removing") : t("console.hotlists.removeYes")}
      </button>
      <button type="button" className="btn btn-small" onClick={props.onCancel} disabled={props.busy}>
        {t("console.hotlists.removeNo")}
      </button>
    </div>
  );
}

function EntryRows(props: Removable & { entry: HotlistEntry; columns: number }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { entry: e, state } = props;
  return (
    <>
      <tr data-testid="hotlist-entry" data-id={e.id} data-state={state} className={`c-hl-row is-${state}`}>
        <td>
          <PriorityBadge priority={e.priority} />
        </td>
        <td>
          <span className="plate c-hl-value">{e.value}</span>
          <span className="muted c-hl-canonical">
            <span className={`c-hl-kind c-hl-kind-${e.kind}`}>{entryKindLabel(i18n, e.kind)}</span>
            {e.canonical === e.value ? null : <> · {t("console.hotlists.canonical", { canonical: e.canonical })}</>}
          </span>
        </td>
        <td className="c-hl-reason">{e.reason}</td>
        <td>
          <Validity from={e.valid_from_ms} until={e.valid_until_ms} />
        </td>
        <td className="nowrap c-hl-added">
          <Added by={e.added_by} at={e.added_ms} />
        </td>
        <td>
          <StateLabel state={state} item={e} />
        </td>
        {props.canEdit ? (
          <td className="c-hl-actions">
            <RemoveButton {...props} value={e.canonical} />
          </td>
        ) : null}
      </tr>
      {props.confirming ? (
        <tr className="c-hl-confirm-row">
          <td colSpan={props.columns}>
            <Confirm {...props} value={e.canonical} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** A profile's conditions in words. */
function useConditions(): (p: RiskProfile) => string[] {
  const i18n = useI18n();
  const { t } = i18n;
  const hh = (h: number): string => `${String(h).padStart(2, "0")}:00`;
  return (p) => [
    ...(p.country === null ? [] : [t("console.hotlists.cond.country", { country: p.country })]),
    ...(p.hour_from === null || p.hour_to === null ? [] : [t("console.hotlists.cond.hours", { from: hh(p.hour_from), to: hh(p.hour_to) })]),
    ...(p.direction === null ? [] : [t("console.hotlists.cond.direction", { direction: directionLabel(i18n, p.direction) })]),
    ...(p.keyword === null ? [] : [t("console.hotlists.cond.keyword", { keyword: p.keyword })]),
  ];
}

function ProfileItem(props: Removable & { profile: RiskProfile }): ReactNode {
  const { t } = useI18n();
  const conditions = useConditions();
  const { profile: p, state } = props;
  return (
    <li className={`c-hl-profile is-${state}`} data-testid="hotlist-profile" data-id={p.id} data-state={state}>
      <div className="c-hl-profile-head">
        <PriorityBadge priority={p.priority} />
        <strong>{p.name}</strong>
        <StateLabel state={state} item={p} />
        <span className="c-spacer" />
        <RemoveButton {...props} value={p.name} />
      </div>
      <p className="c-hl-conds">
        <span className="muted">{t("console.hotlists.cond.lead")}</span>{" "}
        {conditions(p).map((c, i) => (
          <span key={i} className="c-hl-cond">
            {c}
          </span>
        ))}
      </p>
      <p className="c-hl-reason">{p.reason}</p>
      <p className="c-hl-profile-meta muted">
        <Validity from={p.valid_from_ms} until={p.valid_until_ms} /> · <Added by={p.added_by} at={p.added_ms} />
      </p>
      {props.confirming ? <Confirm {...props} value={p.name} /> : null}
    </li>
  );
}

// ---- the forms ----

function Problem(props: { show: boolean; problem: FormProblem }): ReactNode {
  const { t } = useI18n();
  if (!props.show) return null;
  return (
    <p className="msg bad" role="alert">
      {t(`console.hotlists.form.need.${props.problem}`)}
    </p>
  );
}

/** The list's name, with the lists the server has offered; the units when the name is new. */
function ListField(props: {
  idPrefix: string;
  lists: readonly HotlistView[];
  list: string;
  units: string;
  onList: (v: string) => void;
  onUnits: (v: string) => void;
  problem: boolean;
}): ReactNode {
  const { t } = useI18n();
  const fresh = isNewList(props.list, props.lists);
  const existing = props.lists.find((l) => l.name === props.list.trim());
  return (
    <>
      <div className="field c-field">
        <label htmlFor={`${props.idPrefix}-list`}>{t("console.hotlists.form.list")}</label>
        <input
          id={`${props.idPrefix}-list`}
          list={`${props.idPrefix}-lists`}
          value={props.list}
          onChange={(e) => props.onList(e.target.value)}
          aria-invalid={props.problem}
          autoComplete="off"
        />
        <datalist id={`${props.idPrefix}-lists`}>
          {props.lists.map((l) => (
            <option key={l.id} value={l.name} />
          ))}
        </datalist>
        <Problem show={props.problem} problem="list" />
        {existing === undefined ? null : (
          <p className="hint c-hint-after">
            {existing.units.length === 0 ? t("console.hotlists.scopeAll") : t("console.hotlists.scopeUnits", { units: existing.units.join(", ") })}
          </p>
        )}
        {fresh ? <p className="hint c-hint-after c-hl-new">{t("console.hotlists.form.listNew")}</p> : null}
      </div>
      {fresh ? (
        <div className="field c-field">
          <label htmlFor={`${props.idPrefix}-units`}>{t("console.hotlists.form.units")}</label>
          <input id={`${props.idPrefix}-units`} className="code" value={props.units} onChange={(e) => props.onUnits(e.target.value)} autoComplete="off" spellCheck={false} />
          <p className="hint c-hint-after">{t("console.hotlists.form.unitsHint")}</p>
        </div>
      ) : null}
    </>
  );
}

function PriorityField(props: { name: string; value: Priority; onChange: (p: Priority) => void }): ReactNode {
  const i18n = useI18n();
  return (
    <fieldset className="c-group c-hl-prio-choice">
      <legend>{i18n.t("console.hotlists.form.priority")}</legend>
      <div className="c-chips">
        {PRIORITIES.map((p) => (
          <label key={p} className={`c-chip c-chip-prio-${p}`}>
            <input type="radio" name={props.name} value={p} checked={props.value === p} onChange={() => props.onChange(p)} />
            <span>{priorityLabel(i18n, p)}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function DatesField(props: { idPrefix: string; from: string; until: string; onFrom: (v: string) => void; onUntil: (v: string) => void; problem: boolean }): ReactNode {
  const { t } = useI18n();
  return (
    <div className="field c-field">
      <div className="c-hl-dates">
        <div className="c-field">
          <label htmlFor={`${props.idPrefix}-from`}>{t("console.hotlists.form.from")}</label>
          <input id={`${props.idPrefix}-from`} type="date" value={props.from} max={props.until === "" ? undefined : props.until} onChange={(e) => props.onFrom(e.target.value)} />
        </div>
        <div className="c-field">
          <label htmlFor={`${props.idPrefix}-until`}>{t("console.hotlists.form.until")}</label>
          <input
            id={`${props.idPrefix}-until`}
            type="date"
            value={props.until}
            min={props.from === "" ? undefined : props.from}
            onChange={(e) => props.onUntil(e.target.value)}
            aria-invalid={props.problem}
          />
        </div>
      </div>
      <p className="hint c-hint-after">{t("console.hotlists.form.datesHint")}</p>
      <Problem show={props.problem} problem="dates" />
    </div>
  );
}

/** Sending a form: the server's refusal is shown beside it, a success says what was added. */
function useSend<I>(send: (input: I) => Promise<string>): {
  busy: boolean;
  error: ErrorBody | null;
  done: string | null;
  run: (input: I) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (input: I): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await send(input));
      return true;
    } catch (e) {
      setError(toErrorBody(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run, clear: () => setDone(null) };
}

function EntryForm(props: { lists: readonly HotlistView[]; onAdded: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useConsoleTransport();
  const id = useId();
  const titleId = `${id}-title`;
  const [draft, setDraft] = useState<EntryDraft>(() => emptyEntryDraft(props.lists[0]?.name ?? ""));
  const [tried, setTried] = useState(false);
  const send = useSend(async (input: NonNullable<ReturnType<typeof entryInput>>) => {
    const c = await transport.hotlistAdd(input);
    return t("console.hotlists.form.entryAdded", { value: input.value, list: c.list });
  });
  const problems = tried ? entryProblems(draft) : [];
  const patch = (p: Partial<EntryDraft>): void => {
    setDraft((d) => ({ ...d, ...p }));
    send.clear();
  };
  const reading = readValue(draft.value);

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    const input = entryInput(draft, props.lists);
    if (input === null || send.busy) return;
    if (await send.run(input)) {
      setDraft((d) => ({ ...emptyEntryDraft(input.list), priority: d.priority }));
      setTried(false);
      props.onAdded();
    }
  };

  return (
    <section className="c-card c-hl-form" aria-labelledby={titleId} data-testid="entry-form">
      <h2 id={titleId}>{t("console.hotlists.addEntry")}</h2>
      <form aria-labelledby={titleId} onSubmit={(e) => void onSubmit(e)} noValidate>
        <ListField
          idPrefix={`${id}-entry`}
          lists={props.lists}
          list={draft.list}
          units={draft.units}
          onList={(list) => patch({ list })}
          onUnits={(units) => patch({ units })}
          problem={problems.includes("list")}
        />
        <div className="field c-field">
          <label htmlFor={`${id}-value`}>{t("console.hotlists.form.value")}</label>
          <input
            id={`${id}-value`}
            className="plate"
            value={draft.value}
            onChange={(e) => patch({ value: e.target.value })}
            aria-invalid={problems.includes("value") || reading?.kind === "invalid"}
            autoComplete="off"
            spellCheck={false}
          />
          <Problem show={problems.includes("value")} problem="value" />
          {reading === null ? null : (
            <p className={`hint c-hint-after${reading.kind === "invalid" || reading.kind === "check_digit" ? " warn" : ""}`} data-testid="value-reading">
              {reading.kind === "plate"
                ? t("console.hotlists.form.asPlate", { canonical: reading.canonical })
                : reading.kind === "container"
                  ? t("console.hotlists.form.asContainer", { canonical: reading.canonical })
                  : reading.kind === "check_digit"
                    ? t("console.hotlists.form.checkDigit", { expected: reading.expected })
                    : t("console.hotlists.form.notPlate")}
            </p>
          )}
        </div>
        <div className="field c-field">
          <label htmlFor={`${id}-reason`}>{t("console.hotlists.form.reason")}</label>
          <input id={`${id}-reason`} value={draft.reason} onChange={(e) => patch({ reason: e.target.value })} aria-invalid={problems.includes("reason")} />
          <Problem show={problems.includes("reason")} problem="reason" />
        </div>
        <PriorityField name={`${id}-priority`} value={draft.priority} onChange={(priority) => patch({ priority })} />
        <DatesField
          idPrefix={`${id}-entry`}
          from={draft.from}
          until={draft.until}
          onFrom={(from) => patch({ from })}
          onUntil={(until) => patch({ until })}
          problem={problems.includes("dates")}
        />
        <ConsoleError error={send.error} />
        {send.done === null ? null : (
          <p className="msg ok" role="status">
            {send.done}
          </p>
        )}
        <button type="submit" className="btn btn-primary c-submit" disabled={send.busy} data-testid="entry-submit">
          {send.busy ? t("console.hotlists.form.sending") : t("console.hotlists.form.submitEntry")}
        </button>
        <p className="hint">{t("console.hotlists.form.signed")}</p>
      </form>
    </section>
  );
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);

function ProfileForm(props: { lists: readonly HotlistView[]; onAdded: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useConsoleTransport();
  const id = useId();
  const titleId = `${id}-title`;
  const [draft, setDraft] = useState<ProfileDraft>(() => emptyProfileDraft(props.lists[0]?.name ?? ""));
  const [tried, setTried] = useState(false);
  const send = useSend(async (input: NonNullable<ReturnType<typeof profileInput>>) => {
    const c = await transport.profileAdd(input);
    return t("console.hotlists.form.profileAdded", { name: input.name, list: c.list });
  });
  const problems = tried ? profileProblems(draft) : [];
  const patch = (p: Partial<ProfileDraft>): void => {
    setDraft((d) => ({ ...d, ...p }));
    send.clear();
  };
  const hh = (h: number): string => `${String(h).padStart(2, "0")}:00`;

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setTried(true);
    const input = profileInput(draft, props.lists);
    if (input === null || send.busy) return;
    if (await send.run(input)) {
      setDraft(emptyProfileDraft(input.list));
      setTried(false);
      props.onAdded();
    }
  };

  const hourSelect = (which: "hourFrom" | "hourTo", label: string): ReactNode => (
    <div className="c-field">
      <label htmlFor={`${id}-${which}`}>{label}</label>
      <select id={`${id}-${which}`} value={draft[which]} onChange={(e) => patch(which === "hourFrom" ? { hourFrom: e.target.value } : { hourTo: e.target.value })} aria-invalid={problems.includes("hours")}>
        <option value="">{t("console.hotlists.form.hourAny")}</option>
        {HOURS.map((h) => (
          <option key={h} value={String(h)}>
            {hh(h)}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <section className="c-card c-hl-form" aria-labelledby={titleId} data-testid="profile-form">
      <h2 id={titleId}>{t("console.hotlists.addProfile")}</h2>
      <form aria-labelledby={titleId} onSubmit={(e) => void onSubmit(e)} noValidate>
        <ListField
          idPrefix={`${id}-profile`}
          lists={props.lists}
          list={draft.list}
          units={draft.units}
          onList={(list) => patch({ list })}
          onUnits={(units) => patch({ units })}
          problem={problems.includes("list")}
        />
        <div className="field c-field">
          <label htmlFor={`${id}-name`}>{t("console.hotlists.form.name")}</label>
          <input id={`${id}-name`} value={draft.name} onChange={(e) => patch({ name: e.target.value })} aria-invalid={problems.includes("name")} />
          <Problem show={problems.includes("name")} problem="name" />
        </div>
        <fieldset className="c-group">
          <legend>{t("console.hotlists.form.conditions")}</legend>
          <div className="c-hl-conds-grid">
            <div className="c-field">
              <label htmlFor={`${id}-country`}>{t("console.hotlists.form.country")}</label>
              <input id={`${id}-country`} className="code" value={draft.country} onChange={(e) => patch({ country: e.target.value })} maxLength={3} autoComplete="off" spellCheck={false} />
              <p className="hint c-hint-after">{t("console.hotlists.form.countryHint")}</p>
            </div>
            <div className="c-field">
              <label htmlFor={`${id}-direction`}>{t("console.hotlists.form.direction")}</label>
              <select id={`${id}-direction`} value={draft.direction} onChange={(e) => patch({ direction: e.target.value })}>
                <option value="">{t("console.hotlists.form.directionAny")}</option>
                {KNOWN_DIRECTIONS.map((d) => (
                  <option key={d} value={d}>
                    {directionLabel(i18n, d)}
                  </option>
                ))}
              </select>
            </div>
            {hourSelect("hourFrom", t("console.hotlists.form.hourFrom"))}
            {hourSelect("hourTo", t("console.hotlists.form.hourTo"))}
          </div>
          <p className="hint c-hint-after">{t("console.hotlists.form.hoursHint")}</p>
          <Problem show={problems.includes("hours")} problem="hours" />
          <div className="c-field">
            <label htmlFor={`${id}-keyword`}>{t("console.hotlists.form.keyword")}</label>
            <input id={`${id}-keyword`} value={draft.keyword} onChange={(e) => patch({ keyword: e.target.value })} autoComplete="off" />
          </div>
          <Problem show={problems.includes("condition")} problem="condition" />
        </fieldset>
        <div className="field c-field">
          <label htmlFor={`${id}-preason`}>{t("console.hotlists.form.reason")}</label>
          <input id={`${id}-preason`} value={draft.reason} onChange={(e) => patch({ reason: e.target.value })} aria-invalid={problems.includes("reason")} />
          <Problem show={problems.includes("reason")} problem="reason" />
        </div>
        <PriorityField name={`${id}-ppriority`} value={draft.priority} onChange={(priority) => patch({ priority })} />
        <DatesField
          idPrefix={`${id}-profile`}
          from={draft.from}
          until={draft.until}
          onFrom={(from) => patch({ from })}
          onUntil={(until) => patch({ until })}
          problem={problems.includes("dates")}
        />
        <ConsoleError error={send.error} />
        {send.done === null ? null : (
          <p className="msg ok" role="status">
            {send.done}
          </p>
        )}
        <button type="submit" className="btn btn-primary c-submit" disabled={send.busy} data-testid="profile-submit">
          {send.busy ? t("console.hotlists.form.sending") : t("console.hotlists.form.submitProfile")}
        </button>
      </form>
    </section>
  );
}
