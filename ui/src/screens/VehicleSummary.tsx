import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionView, Plate } from "../transport/types.ts";

function PlateValue(props: { plate: Plate | null }): ReactNode {
  const { t } = useI18n();
  const p = props.plate;
  if (p === null) return <>{t("common.none")}</>;
  const canonicalRaw = p.raw.replace(/[\s\-.·]/gu, "").toUpperCase();
  return (
    <>
      <span className="plate">{p.canonical}</span>
      {canonicalRaw === p.canonical ? null : <span className="muted"> {t("inspection.rawRead", { raw: p.raw })}</span>}
    </>
  );
}

/** What the inspection is about: vehicle, containers, declaration, place. */
export function VehicleSummary(props: { view: InspectionView }): ReactNode {
  const { t } = useI18n();
  const v = props.view;
  const none = t("common.none");
  return (
    <section className="card" aria-labelledby="vehicle-title">
      <h2 id="vehicle-title">{t("inspection.vehicle")}</h2>
      <dl className="facts">
        <dt>{t("inspection.tractor")}</dt>
        <dd>
          <PlateValue plate={v.tractor_plate} />
        </dd>
        <dt>{t("inspection.trailer")}</dt>
        <dd>
          <PlateValue plate={v.trailer_plate} />
        </dd>
        <dt>{t("inspection.containers")}</dt>
        <dd className="code">{v.containers.length === 0 ? none : v.containers.join(", ")}</dd>
        <dt>{t("inspection.declaration")}</dt>
        <dd className="code">{v.declaration ?? none}</dd>
        <dt>{t("inspection.place")}</dt>
        <dd>{v.location.place ?? none}</dd>
        <dt>{t("inspection.unit")}</dt>
        <dd>{v.unit}</dd>
      </dl>
      {v.problems !== undefined && v.problems.length > 0 ? (
        <p className="msg bad">{t("inspection.problems", { count: v.problems.length })}</p>
      ) : null}
    </section>
  );
}
