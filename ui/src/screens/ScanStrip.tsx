// The inspection's scans as a thin strip of thumbnails under the image:
// choosing one opens it in the viewer. Thumbnails come from the ScanSource.

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Scan } from "../transport/types.ts";
import { useScanSource } from "../viewer/scanSource.ts";
import { DEFAULT_VIEW } from "../viewer/viewParams.ts";

/** Longer side of a thumbnail as rendered (shown smaller, sharp on dense screens). */
export const THUMB_SIDE = 240;

export function scanTitle(t: ReturnType<typeof useI18n>["t"], s: Scan, i: number): string {
  return s.name ?? t("scans.unnamed", { n: i + 1 });
}

export function ScanStrip(props: { scans: readonly Scan[]; selected: string | null; onSelect: (id: string) => void }): ReactNode {
  const { t } = useI18n();
  const source = useScanSource();
  return (
    <ul className="scan-strip" aria-label={t("scans.strip")}>
      {props.scans.map((s, i) => {
        const primary = s.images.find((im) => im.energy !== "low") ?? s.images[0];
        const dual = s.images.some((im) => im.energy === "low");
        const name = scanTitle(t, s, i);
        const size = { width: primary?.width ?? 0, height: primary?.height ?? 0 };
        return (
          <li key={s.id}>
            <button
              type="button"
              className="scan-thumb"
              data-testid="scan-thumb"
              aria-pressed={props.selected === s.id}
              aria-label={t("scans.open", { name })}
              title={t("scans.itemEnergy", { name, ...size, energy: dual ? t("scans.dual") : t("scans.single") })}
              onClick={() => props.onSelect(s.id)}
            >
              <img src={source.thumbnailUrl(s.id, THUMB_SIDE, DEFAULT_VIEW)} alt="" />
              <span className="scan-thumb-name">{name}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
