// The current scan and an earlier one of the same vehicle, side by side in
// the image area, each in its own read-only viewer; they can be moved together.

import { useMemo, useState, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionView } from "../transport/types.ts";
import { ScanViewer } from "../viewer/ScanViewer.tsx";
import { ViewSync } from "../viewer/viewSync.ts";
import { scanTitle } from "./ScanStrip.tsx";

function ComparisonSide(props: {
  view: InspectionView;
  scanId: string | null;
  choose: (id: string) => void;
  heading: string;
  prefix: string;
  sync: ViewSync;
  /** Images shown in place of scans' own (a projection in live work), by scan id. */
  shownInstead?: Readonly<Record<string, string>>;
}): ReactNode {
  const { t } = useI18n();
  const { view, scanId } = props;
  const scan = view.scans.find((s) => s.id === scanId) ?? null;
  return (
    <div className="compare-side" data-testid={`compare-${props.prefix}`}>
      <div className="compare-side-head">
        <h3>{props.heading}</h3>
        {view.scans.length > 1 ? (
          <select aria-label={props.heading} value={scanId ?? ""} onChange={(e) => props.choose(e.target.value)}>
            {view.scans.map((s, i) => (
              <option key={s.id} value={s.id}>
                {scanTitle(t, s, i)}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      {scan === null ? (
        <p className="muted">{t("compare.noCurrent")}</p>
      ) : (
        <ScanViewer
          key={scan.id}
          inspection={view.id}
          scan={scan}
          image={props.shownInstead?.[scan.id] ?? scan.id}
          annotations={view.annotations.filter((x) => x.scan === scan.id)}
          keyboard={false}
          sync={props.sync}
          idPrefix={`compare-${props.prefix}`}
        />
      )}
    </div>
  );
}

export function ScanComparison(props: {
  current: InspectionView;
  earlier: InspectionView;
  onClose: () => void;
  /** Images shown in place of the current inspection's scans' own (a projection in live work), by scan id. */
  shownInstead?: Readonly<Record<string, string>>;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const sync = useMemo(() => new ViewSync(), []);
  const [together, setTogether] = useState(false);
  const [currentScan, setCurrentScan] = useState(props.current.scans.at(-1)?.id ?? null);
  const [earlierScan, setEarlierScan] = useState(props.earlier.scans.at(-1)?.id ?? null);

  return (
    <section className="compare" aria-labelledby="compare-title" data-testid="scan-comparison">
      <header className="compare-head">
        <h2 id="compare-title">{t("compare.title")}</h2>
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
          {t("compare.sync")}
        </label>
        <button type="button" className="btn btn-small" onClick={props.onClose}>
          {t("compare.close")}
        </button>
      </header>
      <div className="compare-grid">
        <ComparisonSide
          view={props.current}
          scanId={currentScan}
          choose={setCurrentScan}
          heading={t("compare.current")}
          prefix="current"
          sync={sync}
          {...(props.shownInstead === undefined ? {} : { shownInstead: props.shownInstead })}
        />
        <ComparisonSide
          view={props.earlier}
          scanId={earlierScan}
          choose={setEarlierScan}
          heading={t("compare.earlier", { time: i18n.dateTime(props.earlier.created_ms) })}
          prefix="earlier"
          sync={sync}
        />
      </div>
    </section>
  );
}
