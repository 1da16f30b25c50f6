// This inspection's scan and an earlier one of the same vehicle side by
// side, each in its own viewer (marks shown, none added), optionally moved
// together.

import { useMemo, useState, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionView, Scan } from "../transport/types.ts";
import { ScanViewer } from "../viewer/ScanViewer.tsx";
import { ViewSync } from "../viewer/viewSync.ts";
import { scanName, ScanWaiting, useScanStates } from "./scans.tsx";

function Side(props: { view: InspectionView; heading: string; prefix: string; sync: ViewSync; initial: string | null }): ReactNode {
  const { t } = useI18n();
  const [chosen, setChosen] = useState(props.initial);
  const scan: Scan | null = props.view.scans.find((s) => s.id === chosen) ?? props.view.scans.at(-1) ?? null;
  const states = useScanStates(scan === null ? [] : [scan]);
  const st = scan === null ? undefined : states[scan.id];
  return (
    <div className="c-compare-side" data-testid={`compare-${props.prefix}`}>
      <div className="c-compare-head">
        <h3>{props.heading}</h3>
        {props.view.scans.length > 1 ? (
          <select aria-label={props.heading} value={scan?.id ?? ""} onChange={(e) => setChosen(e.target.value)}>
            {props.view.scans.map((s, i) => (
              <option key={s.id} value={s.id}>
                {scanName(t, s, i)}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      {scan === null ? (
        <p className="muted">{t("console.compare.noScan")}</p>
      ) : st?.state === "ready" ? (
        <ScanViewer
          key={scan.id}
          inspection={props.view.id}
          scan={scan}
          annotations={props.view.annotations.filter((a) => a.scan === scan.id)}
          canAnnotate={false}
          keyboard={false}
          sync={props.sync}
          idPrefix={`compare-${props.prefix}`}
          settingsTarget={null}
        />
      ) : (
        <ScanWaiting status={st} scan={scan} />
      )}
    </div>
  );
}

export function Comparison(props: { current: InspectionView; currentScan: string | null; earlier: InspectionView; onClose: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const sync = useMemo(() => new ViewSync(), []);
  const [together, setTogether] = useState(false);
  return (
    <section className="c-compare" aria-labelledby="compare-title" data-testid="scan-comparison">
      <header className="c-compare-bar">
        <h2 id="compare-title">{t("console.compare.title")}</h2>
        <label className="check">
          <input
            type="checkbox"
            data-testid="compare-sync"
            checked={together}
            onChange={(e) => {
              sync.setEnabled(e.target.checked);
              setTogether(e.target.checked);
            }}
          />
          {t("console.compare.sync")}
        </label>
        <button type="button" className="btn btn-small" onClick={props.onClose} data-testid="compare-close">
          {t("console.compare.close")}
        </button>
      </header>
      <div className="c-compare-grid">
        <Side view={props.current} heading={t("console.compare.current")} prefix="current" sync={sync} initial={props.currentScan} />
        <Side
          view={props.earlier}
          heading={t("console.compare.earlier", { time: i18n.dateTime(props.earlier.created_ms), unit: props.earlier.unit })}
          prefix="earlier"
          sync={sync}
          initial={null}
        />
      </div>
    </section>
  );
}
