// Stands where the X-ray viewer goes: it comes with the tile engine wiring.
// Lists what is attached so the crew knows the scans are there.

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Scan } from "../transport/types.ts";

export function ScanPlaceholder(props: { scans: readonly Scan[] }): ReactNode {
  const { t } = useI18n();
  return (
    <section className="card scan-placeholder" aria-labelledby="scans-title">
      <h2 id="scans-title">{t("scans.title")}</h2>
      <p className="placeholder">{t("scans.placeholder")}</p>
      {props.scans.length === 0 ? (
        <p className="muted">{t("scans.none")}</p>
      ) : (
        <ul className="plain">
          {props.scans.map((s, i) => {
            const primary = s.images.find((im) => im.energy !== "low") ?? s.images[0];
            const dual = s.images.some((im) => im.energy === "low");
            return (
              <li key={s.id}>
                {t("scans.item", {
                  name: s.name ?? t("scans.unnamed", { n: i + 1 }),
                  width: primary?.width ?? 0,
                  height: primary?.height ?? 0,
                })}
                {" · "}
                {dual ? t("scans.dual") : t("scans.single")}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
