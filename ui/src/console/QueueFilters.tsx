// The queue's filters, each option with its count (the server counts each
// facet under all the other filters). Every change goes to the URL.

import { useState, type ReactNode } from "react";
import { outcomeLabel } from "../app/labels.ts";
import { OUTCOMES } from "../domain/outcome.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { ALERT_FILTERS, REVIEW_STATES, type ConsolePage, type ConsoleQuery } from "../transport/console.ts";
import { reviewStateLabel } from "./labels.ts";
import { hasFilters, type QueryPatch } from "./queueQuery.ts";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A text filter applied on Enter or when the field is left, not at every key. */
function CommitField(props: { id: string; label: string; value: string; onCommit: (v: string) => void; className?: string }): ReactNode {
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
    <div className="field c-field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        className={props.className}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit();
          }
        }}
        autoComplete="off"
        spellCheck={false}
      />
    </div>
  );
}

function Facet<V extends string>(props: {
  title: string;
  name: string;
  options: readonly { value: V | null; label: string; count: number | null }[];
  selected: V | null;
  onSelect: (v: V | null) => void;
  /** Chosen with the mouse: the keys go back to the table. */
  onPointerChoice?: () => void;
}): ReactNode {
  const i18n = useI18n();
  return (
    <fieldset className="c-facet" data-testid={`facet-${props.name}`}>
      <legend>{props.title}</legend>
      {props.options.map((o) => (
        <button
          key={o.value ?? ""}
          type="button"
          className="c-facet-option"
          aria-pressed={props.selected === o.value}
          data-value={o.value ?? "all"}
          onClick={(e) => {
            props.onSelect(o.value);
            // A mouse click (detail > 0), not Enter or Space on the button.
            if (e.detail > 0) props.onPointerChoice?.();
          }}
        >
          <span className={o.value === null ? "" : `c-dot c-dot-${o.value}`} aria-hidden="true" />
          <span className="c-facet-label">{o.label}</span>
          {o.count === null ? null : <span className="c-count">{i18n.number(o.count)}</span>}
        </button>
      ))}
    </fieldset>
  );
}

export function QueueFilters(props: {
  query: ConsoleQuery;
  page: ConsolePage | null;
  onChange: (patch: QueryPatch) => void;
  onClear: () => void;
  /** Gives the keys back to the table (after a choice made with the mouse). */
  onDone?: () => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { query, page, onChange } = props;
  const review = page?.counts.review;
  const outcome = page?.counts.outcome;
  const sum = (xs: Readonly<Record<string, number>> | undefined): number | null =>
    xs === undefined ? null : Object.values(xs).reduce((a, b) => a + b, 0);
  const reviewOptions = [
    { value: null, label: t("console.filter.any"), count: sum(review) },
    ...REVIEW_STATES.map((s) => ({ value: s, label: reviewStateLabel(i18n, s), count: review?.[s] ?? null })),
  ];
  const outcomeOptions = [
    { value: null, label: t("console.filter.any"), count: sum(outcome) },
    ...OUTCOMES.map((o) => ({ value: o, label: outcomeLabel(i18n, o), count: outcome?.[o] ?? (outcome === undefined ? null : 0) })),
    { value: "none", label: outcomeLabel(i18n, null), count: outcome?.["none"] ?? (outcome === undefined ? null : 0) },
  ];
  const alertOptions = [
    { value: null, label: t("console.filter.any"), count: null },
    ...ALERT_FILTERS.map((a) => ({ value: a, label: t(`console.filter.alerts.${a}`), count: null })),
  ];
  const units = page?.units ?? (query.unit === undefined ? [] : [query.unit]);
  const scans = query.scans === undefined ? "any" : query.scans ? "with" : "without";
  const day = (v: string): string | undefined => (DAY.test(v) ? v : undefined);

  return (
    <aside className="c-filters" aria-label={t("console.filter.title")}>
      <Facet
        title={t("console.filter.review")}
        name="review"
        options={reviewOptions}
        selected={query.review ?? null}
        onSelect={(v) => onChange({ review: v ?? undefined })}
        {...(props.onDone === undefined ? {} : { onPointerChoice: props.onDone })}
      />
      <Facet
        title={t("console.filter.outcome")}
        name="outcome"
        options={outcomeOptions}
        selected={query.outcome ?? null}
        onSelect={(v) => onChange({ outcome: v ?? undefined })}
        {...(props.onDone === undefined ? {} : { onPointerChoice: props.onDone })}
      />
      <Facet
        title={t("console.filter.alerts")}
        name="alerts"
        options={alertOptions}
        selected={query.alerts ?? null}
        onSelect={(v) => onChange({ alerts: v ?? undefined })}
        {...(props.onDone === undefined ? {} : { onPointerChoice: props.onDone })}
      />
      <div className="field c-field">
        <label htmlFor="filter-unit">{t("console.filter.unit")}</label>
        <select id="filter-unit" value={query.unit ?? ""} onChange={(e) => onChange({ unit: e.target.value })}>
          <option value="">{t("console.filter.allUnits")}</option>
          {units.map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>
      </div>
      <div className="c-dates">
        <div className="field c-field">
          <label htmlFor="filter-from">{t("console.filter.from")}</label>
          <input id="filter-from" type="date" value={query.from ?? ""} max={query.to} onChange={(e) => onChange({ from: day(e.target.value) })} />
        </div>
        <div className="field c-field">
          <label htmlFor="filter-to">{t("console.filter.to")}</label>
          <input id="filter-to" type="date" value={query.to ?? ""} min={query.from} onChange={(e) => onChange({ to: day(e.target.value) })} />
        </div>
      </div>
      <p className="hint c-hint">{t("console.filter.utc")}</p>
      <CommitField id="filter-officer" label={t("console.filter.officer")} value={query.officer ?? ""} onCommit={(v) => onChange({ officer: v })} className="code" />
      <div className="field c-field">
        <label htmlFor="filter-scans">{t("console.filter.scans")}</label>
        <select
          id="filter-scans"
          value={scans}
          onChange={(e) => onChange({ scans: e.target.value === "any" ? undefined : e.target.value === "with" })}
        >
          <option value="any">{t("console.filter.scans.any")}</option>
          <option value="with">{t("console.filter.scans.with")}</option>
          <option value="without">{t("console.filter.scans.without")}</option>
        </select>
      </div>
      <button type="button" className="btn btn-small c-clear" onClick={props.onClear} disabled={!hasFilters(query)}>
        {t("console.filter.clear")}
      </button>
    </aside>
  );
}
