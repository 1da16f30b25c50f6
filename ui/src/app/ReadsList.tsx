// What ANPR cameras read for an inspection, in the order the reads were
// attached (newest last): the text exactly as the camera read it, its
// canonical plate when that differs, which plate of the vehicle it is,
// the camera's confidence (overall, and per character when it gave them),
// camera, lane, time and maker. An inspection without reads shows nothing.
//
// Shared: the crew's inspection screen and the console's inspection page
// put it in their side panels, each in its own card (`className`).

import { useId, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { AnprRead, InspectionView } from "../transport/types.ts";
import { anprVendorLabel, plateRoleLabel } from "./labels.ts";

export function ReadsList(props: {
  view: InspectionView;
  /** The card the caller's panel draws its sections in ("card", "c-card"). */
  className: string;
}): ReactNode {
  const { t } = useI18n();
  const titleId = useId();
  const reads = props.view.reads ?? [];
  if (reads.length === 0) return null;
  return (
    <section className={`${props.className} anpr-reads`} aria-labelledby={titleId} data-testid="anpr-reads">
      <h2 id={titleId}>{t("reads.title")}</h2>
      <ol className="plain anpr-list">
        {reads.map((r) => (
          <ReadItem key={r.id} read={r} />
        ))}
      </ol>
    </section>
  );
}

function ReadItem(props: { read: AnprRead }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const r = props.read;
  const canonical = r.plate?.canonical ?? null;
  const time = r.captured_ms ?? r.received_ms;
  const timeText = r.captured_ms === null ? t("reads.received", { time: i18n.dateTime(time) }) : i18n.dateTime(time);
  return (
    <li className="anpr-read" data-testid="anpr-read">
      <div className="anpr-line">
        {r.text === null ? (
          <span className="muted">{t("reads.noText")}</span>
        ) : (
          <span className="plate anpr-text">{r.text}</span>
        )}
        {canonical === null || canonical === r.text ? null : (
          <span>
            <span className="muted">{t("reads.canonical")}</span> <span className="plate">{canonical}</span>
          </span>
        )}
        {r.role === null ? null : <span className="badge">{plateRoleLabel(i18n, r.role)}</span>}
        {r.confidence === null ? null : <span>{t("reads.confidence", { percent: Math.round(r.confidence * 100) })}</span>}
      </div>
      {r.char_confidence.length === 0 ? null : (
        <div className="anpr-line anpr-chars">
          <span className="muted">{t("reads.chars")}</span>
          <span className="code">{r.char_confidence.join(" ")}</span>
        </div>
      )}
      <div className="anpr-line muted">
        {r.camera === null ? null : <span>{t("reads.camera", { camera: r.camera })}</span>}
        {r.lane === null ? null : <span>{t("reads.lane", { lane: r.lane })}</span>}
        <time dateTime={new Date(time).toISOString()}>{timeText}</time>
        <span>{anprVendorLabel(i18n, r.vendor)}</span>
      </div>
    </li>
  );
}
