// The current scan and an earlier one of the same vehicle, side by side,
// each in its own viewer; they can be moved together.

import { useMemo, useState, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionView } from "../transport/types.ts";
import { ScanViewer } from "../viewer/ScanViewer.tsx";
import { ViewSync } from "../viewer/viewSync.ts";
import { scanTitle } from "./ScanPanel.tsx";

export function ScanComparison(props: { current: InspectionView; earlier: InspectionView; onClose: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const sync = useMemo(() => new ViewSync(), []);
  const [together, setTogether] = useState(false);
  const [currentScan, setCurrentScan] = useState(props.current.scans.at(-1)?.id ?? null);
  const [earlierScan, setEarlierScan] = useState(props.earlier.scans.at(-1)?.id ?? null);
  const a = props.current.scans.find((s) => s.id === currentScan) ?? null;
  const b = props.earlier.scans.find((s) => s.id === earlierScan) ?? null;

  const side = (view: InspectionView, scanId: string | null, choose: (id: string) => void, heading: string, prefix: string): ReactNode => {
    const scan = view.scans.find((s) => s.id === scanId) ?? null;
    return (
      <div className="compare-side" data-testid={`compare-${prefix}`}>
        <h3>{heading}</h3>
        {view.scans.length > 1 ? (
          <select aria-label={heading} value={scanId ?? ""} onChange={(e) => choose(e.target.value)}>
            {view.scans.map((s, i) => (
              <option key={s.id} value={s.id}>
                {scanTitle(t, s, i)}
              </option>
            ))}
          </select>
        ) : null}
        {scan === null ? (
          <p className="muted">{t("compare.noCurrent")}</p>
        ) : (
          <ScanViewer
            key={scan.id}
            scan={scan}
            annotations={view.annotations.filter((x) => x.scan === scan.id)}
            keyboard={false}
            sync={sync}
            idPrefix={`compare-${prefix}`}
          />
        )}
      </div>
    );
  };

  return (
    <section className="compare" aria-labelledby="compare-title" data-testid="scan-comparison">
      <header className="panel-head">
        <h3 id="compare-title">{t("compare.title")}</h3>
        <label className="check">
          <input
            type="checkbox"
            data-testid="compare-sync"
            checked={together}
            onChange={(e) => {
              sync.enabled = e.target.checked;
              setTogether(e.target.checked);
            }}
          />
          {t("compare.sync")}
        </label>
        <button type="button" className="btn btn-small" onClick={props.onClose}>
          {t("compare.close")}
        </button>
      </header>
      <div className="compare-grid">
        {side(props.current, a?.id ?? null, setCurrentScan, t("compare.current"), "current")}
        {side(props.earlier, b?.id ?? null, setEarlierScan, t("compare.earlier", { time: i18n.dateTime(props.earlier.created_ms) }), "earlier")}
      </div>
    </section>
  );
}
