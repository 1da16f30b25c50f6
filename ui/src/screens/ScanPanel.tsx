// The inspection's scans: a strip of thumbnails, the viewer for the one
// chosen, and the import form.

import { useState, type ReactNode } from "react";
import { useTransport } from "../app/TransportProvider.tsx";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionView, Scan } from "../transport/types.ts";
import { ScanViewer } from "../viewer/ScanViewer.tsx";
import { DEFAULT_VIEW } from "../viewer/viewParams.ts";
import { ScanImport } from "./ScanImport.tsx";

export const THUMB_SIDE = 240;

export function scanTitle(t: ReturnType<typeof useI18n>["t"], s: Scan, i: number): string {
  return s.name ?? t("scans.unnamed", { n: i + 1 });
}

export function ScanStrip(props: { scans: readonly Scan[]; selected: string | null; onSelect: (id: string) => void }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  return (
    <ul className="scan-strip" aria-label={t("scans.strip")}>
      {props.scans.map((s, i) => {
        const primary = s.images.find((im) => im.energy !== "low") ?? s.images[0];
        const dual = s.images.some((im) => im.energy === "low");
        const name = scanTitle(t, s, i);
        return (
          <li key={s.id}>
            <button
              type="button"
              className="scan-thumb"
              data-testid="scan-thumb"
              aria-pressed={props.selected === s.id}
              aria-label={t("scans.open", { name })}
              onClick={() => props.onSelect(s.id)}
            >
              <img src={transport.thumbnailUrl(s.id, THUMB_SIDE, DEFAULT_VIEW)} alt="" />
              <span className="scan-thumb-name">{name}</span>
              <span className="muted">
                {t("scans.size", { width: primary?.width ?? 0, height: primary?.height ?? 0 })}
                {" · "}
                {dual ? t("scans.dual") : t("scans.single")}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function ScanPanel(props: { view: InspectionView; onChange: (v: InspectionView) => void }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const { view } = props;
  const [chosen, setChosen] = useState<string | null>(null);
  const selected = view.scans.find((s) => s.id === chosen) ?? view.scans.at(-1) ?? null;

  return (
    <section className="card scans" aria-labelledby="scans-title">
      <h2 id="scans-title">{t("scans.title")}</h2>
      {view.scans.length === 0 ? (
        <p className="muted">{t("scans.none")}</p>
      ) : (
        <ScanStrip scans={view.scans} selected={selected?.id ?? null} onSelect={setChosen} />
      )}
      {selected === null ? null : (
        <ScanViewer
          key={selected.id}
          scan={selected}
          annotations={view.annotations.filter((a) => a.scan === selected.id)}
          onAnnotate={async (kind, label, shape) => {
            props.onChange(await transport.annotate(view.id, { scan: selected.id, kind, shape, label }));
          }}
        />
      )}
      <ScanImport
        id={view.id}
        onImported={(v) => {
          props.onChange(v);
          const newest = v.scans.at(-1);
          if (newest !== undefined) setChosen(newest.id);
        }}
      />
    </section>
  );
}
