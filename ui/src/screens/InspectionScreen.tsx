// One inspection as an operator workstation: the scan fills the screen
// beside the viewer's tool rail, a thin strip of the inspection's scans
// under it, and a side panel (hotlist alerts, vehicle, camera reads with
// their pictures, corrections and detachment, decision and its history,
// image settings and marks, notes, earlier inspections, import) that can
// be hidden with a key. A returned or overruled inspection says so above
// all; open hotlist alerts are counted in the header. A scan may be shown
// with a training item projected into it (projection in live work,
// useLiveTip.ts): nothing says so until the crew marks the item or
// decides, and then it is told at once, above the inspection.

import { useRef, useState, type ReactNode } from "react";
import { AlertsList } from "../app/AlertsList.tsx";
import { useAlertsRevision } from "../app/alertsRevision.tsx";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { itemKindLabel, outcomeLabel, reviewStateLabel } from "../app/labels.ts";
import { ReadsList } from "../app/ReadsList.tsx";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad } from "../app/useLoad.ts";
import { useSync } from "../app/useSync.ts";
import { Workstation } from "../app/Workstation.tsx";
import { openAlerts } from "../domain/alerts.ts";
import { currentOutcome } from "../domain/outcome.ts";
import { reviewStateOf } from "../domain/review.ts";
import { boxRect } from "../domain/training.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { InspectionRow } from "../transport/transport.ts";
import type { AlertResponseKind, InspectionView } from "../transport/types.ts";
import { ScanViewer } from "../viewer/ScanViewer.tsx";
import type { OverlayShape } from "../viewer/ViewerOverlay.tsx";
import { DecisionPanel } from "./DecisionPanel.tsx";
import { LiveTipNotices } from "./LiveTipNotice.tsx";
import { NotesEditor } from "./NotesEditor.tsx";
import { ReviewBanner } from "./ReviewBanner.tsx";
import { ScanComparison } from "./ScanComparison.tsx";
import { ScanImport } from "./ScanImport.tsx";
import { ScanStrip } from "./ScanStrip.tsx";
import { useImportLog } from "./useImportLog.ts";
import { useLiveTip } from "./useLiveTip.ts";
import { VehicleHistory } from "./VehicleHistory.tsx";
import { VehicleSummary } from "./VehicleSummary.tsx";

/** Shows or hides the side panel (by physical key too: "ї" on the Ukrainian layout). */
export const PANEL_KEY = { key: "]", code: "BracketRight" } as const;

/** Milliseconds from an arbitrary start, never going back: how a projection in live work is timed. */
export type Clock = () => number;

const pageClock: Clock = () => performance.now();

export function InspectionScreen(props: {
  id: string;
  /** The clock of projections in live work (tests give one); the page's monotonic clock otherwise. */
  clock?: Clock;
}): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const sync = useSync();
  // Reload when records arrive from the server (a supervisor's review) and
  // when alerts change (a camera's read, a response given on the banner).
  const received = sync?.status.received ?? 0;
  const alerts = useAlertsRevision().revision;
  const inspection = useLoad(() => transport.getInspection(props.id), [transport, props.id, received, alerts]);

  if (inspection.value === null) {
    return (
      <section className="panel">
        {inspection.error === null ? <p className="muted">{t("inspection.loading")}</p> : <ErrorNotice error={inspection.error} />}
      </section>
    );
  }
  return <InspectionWorkstation view={inspection.value} onChange={inspection.set} clock={props.clock ?? pageClock} />;
}

function InspectionHeader(props: { view: InspectionView }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { view } = props;
  const outcome = currentOutcome(view);
  const review = reviewStateOf(view);
  const open = openAlerts(view).length;
  return (
    <div className="inspection-head">
      <h1 id="inspection-title">{t("inspection.title", { plate: view.tractor_plate?.canonical ?? t("common.none") })}</h1>
      <span className={`badge outcome-${outcome ?? "undecided"}`}>{outcomeLabel(i18n, outcome)}</span>
      {review === "unreviewed" ? null : <span className={`badge review-${review}`}>{reviewStateLabel(i18n, review)}</span>}
      {open === 0 ? null : (
        <span className="badge alerts-open" data-testid="inspection-open-alerts">
          {t("alerts.bannerCount", { count: open })}
        </span>
      )}
      <span className="muted ellipsis">{t("inspection.opened", { time: i18n.dateTime(view.created_ms), officer: view.created_by })}</span>
    </div>
  );
}

function InspectionWorkstation(props: { view: InspectionView; onChange: (v: InspectionView) => void; clock: Clock }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const { changed: alertsChanged } = useAlertsRevision();
  const { view, onChange } = props;
  const [chosen, setChosen] = useState<string | null>(null);
  const [comparing, setComparing] = useState<InspectionRow | null>(null);
  const [panelOpen, setPanelOpen] = useState(true);
  // Where the viewer puts its settings and marks: a place in the side panel.
  const [settingsTarget, setSettingsTarget] = useState<HTMLElement | null>(null);
  const decisionForm = useRef<HTMLFormElement>(null);
  const importLog = useImportLog(view.id);
  const selected = view.scans.find((s) => s.id === chosen) ?? view.scans.at(-1) ?? null;
  const liveTip = useLiveTip({ inspection: view.id, scan: selected, clock: props.clock });
  // Once told, where the training item was, on the real scan.
  const tipShapes: OverlayShape[] =
    selected === null || liveTip.image !== selected.id
      ? []
      : liveTip.notices
          .filter((n) => n.scan === selected.id)
          .map((n) => ({
            key: `live-tip-${n.key}`,
            shape: { type: "rect", ...boxRect(n.bbox) },
            className: "training-item",
            label: t("liveTip.itemLabel", { item: itemKindLabel(i18n, n.kind) }),
            labelBelow: true,
          }));

  const scanImport = (
    <ScanImport
      id={view.id}
      log={importLog}
      onImported={(v) => {
        onChange(v);
        const newest = v.scans.at(-1);
        if (newest !== undefined) setChosen(newest.id);
      }}
    />
  );

  const respondToAlert = async (alert: string, response: AlertResponseKind, note: string): Promise<void> => {
    onChange(await transport.respondToAlert(view.id, { alert, response, note }));
    alertsChanged();
  };
  const correctRead = async (read: string, text: string): Promise<void> => {
    onChange(await transport.correctRead(view.id, { read, text }));
    // The corrected plate is matched like a typed one: it can raise alerts.
    alertsChanged();
  };
  const detachRead = async (read: string): Promise<void> => {
    onChange(await transport.detachRead(view.id, read));
  };

  // "Respond": the decision form, in view, its first outcome focused.
  const respond = (): void => {
    setPanelOpen(true);
    requestAnimationFrame(() => {
      const form = decisionForm.current;
      form?.scrollIntoView?.({ block: "start" });
      form?.querySelector<HTMLInputElement>('input[name="outcome"]')?.focus({ preventScroll: true });
    });
  };

  const main =
    comparing !== null ? (
      <ScanComparison
        current={view}
        earlier={comparing}
        onClose={() => setComparing(null)}
        // A projection shown for the chosen scan stays in place when compared.
        shownInstead={selected !== null && liveTip.image !== null && liveTip.image !== selected.id ? { [selected.id]: liveTip.image } : {}}
      />
    ) : selected === null ? (
      <div className="no-scans">
        <p className="muted">{t("scans.none")}</p>
        {scanImport}
      </div>
    ) : (
      <ScanViewer
        // A new viewer for each image: the scan's own or one projected into it.
        key={`${selected.id}:${liveTip.image ?? ""}`}
        inspection={view.id}
        scan={selected}
        image={liveTip.image}
        {...(liveTip.claimMark === undefined ? {} : { claimMark: liveTip.claimMark })}
        annotations={view.annotations.filter((a) => a.scan === selected.id)}
        shapes={tipShapes}
        canAnnotate
        onAnnotated={onChange}
        settingsTarget={settingsTarget}
      />
    );

  return (
    <article className="inspection" aria-labelledby="inspection-title" data-testid="inspection" data-inspection={view.id}>
      <Workstation
        label={t("inspection.title", { plate: view.tractor_plate?.canonical ?? t("common.none") })}
        header={
          <>
            <InspectionHeader view={view} />
            <ReviewBanner view={view} onRespond={respond} />
            <LiveTipNotices notices={liveTip.notices} scans={view.scans} onDismiss={liveTip.dismiss} />
          </>
        }
        main={main}
        strip={view.scans.length === 0 ? null : <ScanStrip scans={view.scans} selected={selected?.id ?? null} onSelect={setChosen} />}
        panelLabel={t("inspection.panel")}
        panelOpen={panelOpen}
        onPanelOpenChange={setPanelOpen}
        panelToggle={{ show: t("inspection.panelShow"), hide: t("inspection.panelHide"), keys: t("kbd.panel") }}
        toggleKey={PANEL_KEY}
        panel={
          <>
            <AlertsList view={view} className="card" onRespond={respondToAlert} />
            <VehicleSummary view={view} />
            <ReadsList
              view={view}
              className="card"
              imageUrl={(blob) => transport.readImageUrl(blob)}
              onCorrect={correctRead}
              onDetach={detachRead}
            />
            <DecisionPanel view={view} onChange={onChange} onDecided={liveTip.decided} formRef={decisionForm} />
            <div className="viewer-settings-slot" ref={setSettingsTarget} />
            <NotesEditor view={view} onChange={onChange} />
            <VehicleHistory id={view.id} comparing={comparing?.id ?? null} onCompare={setComparing} />
            {view.scans.length === 0 ? null : scanImport}
          </>
        }
      />
    </article>
  );
}
