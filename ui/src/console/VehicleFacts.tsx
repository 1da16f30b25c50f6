// What the inspection is about: plates (as read, and canonical),
// containers, declaration, place, unit and crew; and the crew's notes.

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionView, Plate } from "../transport/types.ts";

function PlateValue(props: { plate: Plate | null }): ReactNode {
  const { t } = useI18n();
  const p = props.plate;
  if (p === null) return <>{t("common.none")}</>;
  return (
    <>
      <span className="plate">{p.canonical}</span>
      {p.raw === p.canonical ? null : <span className="muted"> {t("console.vehicle.raw", { raw: p.raw })}</span>}
    </>
  );
}

export function VehicleFacts(props: { view: InspectionView }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const v = props.view;
  const none = t("common.none");
  return (
    <section className="c-card" aria-labelledby="vehicle-title">
      <h2 id="vehicle-title">{t("console.vehicle.title")}</h2>
      <dl className="c-facts">
        <dt>{t("console.vehicle.tractor")}</dt>
        <dd>
          <PlateValue plate={v.tractor_plate} />
        </dd>
        <dt>{t("console.vehicle.trailer")}</dt>
        <dd>
          <PlateValue plate={v.trailer_plate} />
        </dd>
        <dt>{t("console.vehicle.containers")}</dt>
        <dd className="code">{v.containers.length === 0 ? none : v.containers.join(", ")}</dd>
        <dt>{t("console.vehicle.declaration")}</dt>
        <dd className="code">{v.declaration ?? none}</dd>
        <dt>{t("console.vehicle.place")}</dt>
        <dd>{v.location.place ?? none}</dd>
        <dt>{t("console.vehicle.unit")}</dt>
        <dd>{v.unit}</dd>
        <dt>{t("console.vehicle.crew")}</dt>
        <dd className="code">{v.crew.length === 0 ? none : v.crew.join(", ")}</dd>
        <dt>{t("console.vehicle.opened")}</dt>
        <dd>{t("console.vehicle.openedBy", { time: i18n.dateTime(v.created_ms), officer: v.created_by })}</dd>
      </dl>
      {v.problems !== undefined && v.problems.length > 0 ? <p className="msg bad">{t("console.vehicle.problems", { count: v.problems.length })}</p> : null}
      <h3>{t("console.notes.title")}</h3>
      {v.notes.trim() === "" ? <p className="muted">{t("console.notes.none")}</p> : <p className="c-notes">{v.notes}</p>}
    </section>
  );
}
