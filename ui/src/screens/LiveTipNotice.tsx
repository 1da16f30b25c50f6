// What the crew is told, at once and above the inspection, when an item
// projected into a live scan was found (a mark on it) or missed (a decision
// with it unmarked): that it was a training item, what it was, and that the
// inspection is as the crew made it. In the training colour; each stays
// until the crew dismisses it.

import type { ReactNode } from "react";
import { itemKindLabel } from "../app/labels.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Scan } from "../transport/types.ts";
import { scanTitle } from "./ScanStrip.tsx";
import type { LiveTipNotice } from "./useLiveTip.ts";

export function LiveTipNotices(props: { notices: readonly LiveTipNotice[]; scans: readonly Scan[]; onDismiss: (key: string) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  if (props.notices.length === 0) return null;
  return (
    <div className="live-tip-notices">
      {props.notices.map((n) => {
        const item = itemKindLabel(i18n, n.kind);
        const i = props.scans.findIndex((s) => s.id === n.scan);
        const scan = props.scans[i];
        const text =
          n.outcome === "hit"
            ? t("liveTip.hit", { item })
            : t("liveTip.missed", { item, scan: scan === undefined ? t("common.none") : scanTitle(t, scan, i) });
        return (
          <div key={n.key} className={`live-tip-notice outcome-${n.outcome}`} role="alert" data-testid="live-tip-notice" data-outcome={n.outcome} data-kind={n.kind}>
            <span className="live-tip-notice-icon" aria-hidden="true">
              {n.outcome === "hit" ? "✓" : "!"}
            </span>
            <p className="live-tip-notice-text">{text}</p>
            <button type="button" className="btn btn-small" data-testid="live-tip-dismiss" onClick={() => props.onDismiss(n.key)}>
              {t("liveTip.dismiss")}
            </button>
          </div>
        );
      })}
    </div>
  );
}
