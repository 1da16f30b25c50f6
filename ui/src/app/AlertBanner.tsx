// The hotlist alert nobody can miss: above everything in the app, every
// open alert of the recent inspections, and an alert a camera's read just
// raised the moment it is announced. Large, red for high priority and
// amber for the others; the plate as seen in big type, the list, the
// entry, the reason, how it matched, and the camera's picture of the
// plate. It rings (alarm.ts) until someone responds or silences it; then,
// while alerts stay open, it folds into a red strip that stays in view.
// A response (confirmed, false match, action taken) takes the alert off.

import { useEffect, useId, useState, type ReactNode } from "react";
import { openAlerts, plateImageOf, readOf, sameHit } from "../domain/alerts.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { AlertEvent, AlertResponseKind, InspectionView, NewAlert } from "../transport/types.ts";
import { useAlarm } from "./alarm.ts";
import { AlertBadges, AlertFacts } from "./AlertsList.tsx";
import { AlertRespond } from "./AlertRespond.tsx";
import { useAlertsRevision } from "./alertsRevision.tsx";
import { useTransport } from "./TransportProvider.tsx";
import { useLoad } from "./useLoad.ts";
import { useSync } from "./useSync.ts";

/** How many of the newest inspections the banner looks through for open alerts. */
export const RECENT_INSPECTIONS = 100;

/** One alert on the banner: stored (with its id), or announced and not read back yet. */
interface Item {
  key: string;
  inspection: string;
  view: InspectionView | null;
  hit: NewAlert;
  /** The stored alert's id; null until the inspection is read back. */
  id: string | null;
  at_ms: number | null;
  raised_by: string | null;
}

const PRIORITY_ORDER = { high: 0, medium: 1, low: 2 } as const;

function itemsOf(views: readonly InspectionView[], events: readonly AlertEvent[]): Item[] {
  const items: Item[] = [];
  for (const v of views) {
    for (const a of openAlerts(v)) {
      items.push({ key: `${v.id}/${a.id}`, inspection: v.id, view: v, hit: a, id: a.id, at_ms: a.at_ms, raised_by: a.raised_by });
    }
  }
  // Announced alerts not read back yet: shown at once, answered once stored.
  events.forEach((e, n) => {
    const view = views.find((v) => v.id === e.inspection) ?? null;
    e.alerts.forEach((hit, k) => {
      if (view !== null && (view.alerts ?? []).some((a) => sameHit(a, hit))) return;
      if (items.some((i) => i.inspection === e.inspection && sameHit(i.hit, hit))) return;
      items.push({ key: `${e.inspection}/event-${n}-${k}`, inspection: e.inspection, view, hit, id: null, at_ms: null, raised_by: null });
    });
  });
  return items.sort(
    (a, b) => PRIORITY_ORDER[a.hit.priority] - PRIORITY_ORDER[b.hit.priority] || (b.at_ms ?? Infinity) - (a.at_ms ?? Infinity),
  );
}

export interface AlertBannerProps {
  /** Whether an officer is signed in: only then can the crew respond. */
  canRespond: boolean;
  /** Opens an inspection (the app's router); absent: no link (signed out). */
  onOpen?: (inspection: string) => void;
  /** The inspection on screen, if any: its alerts need no link to it. */
  current?: string;
}

export function AlertBanner(props: AlertBannerProps): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const titleId = useId();
  const { revision, changed } = useAlertsRevision();
  const sync = useSync();
  const s = sync?.status;
  // Reload on every local change and every record the server sends.
  const syncRevision = s === undefined ? "" : `${s.inspections}/${s.pending}/${s.acknowledged}/${s.received}/${s.rejected}`;

  // Alerts announced by the vehicle since the app started (a camera's read).
  const [events, setEvents] = useState<AlertEvent[]>([]);
  useEffect(() => transport.subscribeAlerts((e) => setEvents((old) => [...old, e])), [transport]);
  const announced = [...new Set(events.map((e) => e.inspection))].sort().join(",");

  const loaded = useLoad(async (): Promise<InspectionView[]> => {
    const rows: InspectionView[] = await transport.listInspections({ limit: RECENT_INSPECTIONS });
    // An announced inspection older than the recent ones is read on its own.
    const missing = announced === "" ? [] : announced.split(",").filter((id) => !rows.some((r) => r.id === id));
    const more = await Promise.all(missing.map((id) => transport.getInspection(id).catch(() => null)));
    return [...rows, ...more.filter((v) => v !== null)];
  }, [transport, syncRevision, revision, announced]);

  const items = itemsOf(loaded.value ?? [], events);
  // Alerts the crew silenced (by key): a new one rings again.
  const [silenced, setSilenced] = useState<ReadonlySet<string>>(new Set());
  const [expanded, setExpanded] = useState(false);
  const loud = items.filter((i) => !silenced.has(i.key));
  useAlarm(loud.length > 0, loud.some((i) => i.hit.priority === "high"));

  const respond = async (item: Item, response: AlertResponseKind, note: string): Promise<void> => {
    if (item.id === null) return;
    const v = await transport.respondToAlert(item.inspection, { alert: item.id, response, note });
    const views = loaded.value ?? [];
    loaded.set(views.some((x) => x.id === v.id) ? views.map((x) => (x.id === v.id ? v : x)) : [...views, v]);
    changed();
  };

  if (items.length === 0) return <div className="alert-slot" data-testid="alert-slot" />;

  const silence = (): void => {
    setSilenced(new Set([...silenced, ...items.map((i) => i.key)]));
    setExpanded(false);
  };

  if (loud.length === 0 && !expanded) {
    return (
      <div className="alert-slot" data-testid="alert-slot">
        <section className="alert-strip" role="alert" aria-label={t("alerts.region")} data-testid="alert-strip">
          <span className="alert-strip-icon" aria-hidden="true">
            ⚠
          </span>
          <span className="alert-strip-text">{t("alerts.silencedStrip", { count: items.length })}</span>
          <button type="button" className="btn btn-small" data-testid="alert-show" onClick={() => setExpanded(true)}>
            {t("alerts.show")}
          </button>
        </section>
      </div>
    );
  }

  const top = items[0]?.hit.priority ?? "high";
  return (
    <div className="alert-slot" data-testid="alert-slot">
      <section
        className={`alert-banner priority-${top}`}
        role="alert"
        aria-labelledby={titleId}
        data-testid="alert-banner"
        data-ringing={loud.length > 0 ? "true" : "false"}
      >
        <header className="alert-banner-head">
          <span className="alert-banner-icon" aria-hidden="true">
            ⚠
          </span>
          <h2 id={titleId}>{t("alerts.bannerTitle")}</h2>
          <span className="alert-banner-count">{t("alerts.bannerCount", { count: items.length })}</span>
          <button type="button" className="btn alert-silence" data-testid="alert-silence" onClick={silence}>
            {t("alerts.silence")}
          </button>
        </header>
        <ol className="plain alert-cards">
          {items.map((item) => (
            <AlertCard
              key={item.key}
              item={item}
              canRespond={props.canRespond}
              onRespond={(r, note) => respond(item, r, note)}
              {...(props.onOpen === undefined || item.inspection === props.current ? {} : { onOpen: props.onOpen })}
            />
          ))}
        </ol>
      </section>
    </div>
  );
}

function AlertCard(props: {
  item: Item;
  canRespond: boolean;
  onRespond: (response: AlertResponseKind, note: string) => Promise<void>;
  onOpen?: (inspection: string) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const { item, onOpen } = props;
  const { hit, view } = item;
  const image = view === null ? null : plateImageOf(readOf(view, hit));
  const plate = view?.tractor_plate?.canonical ?? null;
  return (
    <li className={`alert-card priority-${hit.priority}`} data-testid="alert-card" data-alert={item.id ?? ""} data-inspection={item.inspection}>
      {image === null ? null : (
        <img className="alert-plate-image" src={transport.readImageUrl(image.blob)} alt={t("alerts.plateImage", { plate: hit.seen })} />
      )}
      <div className="alert-card-body">
        <p className="alert-seen-caption">{t("alerts.seenLabel")}</p>
        <p className="plate alert-seen" data-testid="alert-seen">
          {hit.seen}
        </p>
        <AlertBadges hit={hit} />
        <AlertFacts hit={hit} />
        <p className="alert-line alert-when">
          {plate === null ? null : <span>{t("alerts.inspection", { plate })}</span>}
          {item.at_ms === null || item.raised_by === null ? null : (
            <time dateTime={new Date(item.at_ms).toISOString()}>
              {t("alerts.raised", { time: i18n.dateTime(item.at_ms), officer: item.raised_by })}
            </time>
          )}
        </p>
      </div>
      <div className="alert-card-actions">
        {item.id === null ? (
          <p className="alert-line" role="status">
            {t("alerts.storing")}
          </p>
        ) : props.canRespond ? (
          <AlertRespond size="big" onRespond={props.onRespond} />
        ) : (
          <p className="alert-line">{t("alerts.signInToRespond")}</p>
        )}
        {onOpen === undefined ? null : (
          <button type="button" className="btn alert-open" data-testid="alert-open" onClick={() => onOpen(item.inspection)}>
            {t("alerts.openInspection")}
          </button>
        )}
      </div>
    </li>
  );
}
