// One inspection on the console, as a workstation: the scan fills the
// screen beside the viewer's tool rail, the thumbnails under it, and a
// collapsible side panel (the only part that scrolls) with the hotlist
// alerts and the crew's answers (first: a hit is what to look at before a
// verdict), the verdict, the image settings and marks, the vehicle, its
// camera reads with their pictures, the timeline, the delivery facts and
// the fleet-wide history. The review state is at the top.

import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useNavigate, useParams } from "react-router";
import { Kbd } from "../app/Kbd.tsx";
import { AlertsList } from "../app/AlertsList.tsx";
import { outcomeLabel } from "../app/labels.ts";
import { ReadsList } from "../app/ReadsList.tsx";
import { useShortcut } from "../app/shortcuts.ts";
import { Workstation } from "../app/Workstation.tsx";
import { currentOutcome } from "../domain/outcome.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { mayReview, type ConsoleInspection, type ConsoleRow } from "../transport/console.ts";
import { toErrorBody } from "../transport/errors.ts";
import { ScanSourceProvider, type ScanSource } from "../viewer/scanSource.ts";
import { ScanViewer } from "../viewer/ScanViewer.tsx";
import { Comparison } from "./Comparison.tsx";
import { useConsoleTransport, useConsoleUser } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import { FleetHistory } from "./FleetHistory.tsx";
import { reviewStateLabel } from "./labels.ts";
import { ScanStrip, ScanWaiting, useScanStates } from "./scans.tsx";
import { Delivery, Timeline } from "./Timeline.tsx";
import { useServerVersion } from "./useServerVersion.ts";
import { VehicleFacts } from "./VehicleFacts.tsx";
import { VerdictPanel } from "./VerdictPanel.tsx";

export interface InspectionPageProps {
  panelOpen: boolean;
  onPanelOpenChange: (open: boolean) => void;
  /** The queue's query string as it was left ("" or "?…"). */
  queueSearch: string;
}

export function InspectionPage(props: InspectionPageProps): ReactNode {
  const { id = "" } = useParams();
  return <InspectionLoader key={id} id={id} {...props} />;
}

function InspectionLoader(props: InspectionPageProps & { id: string }): ReactNode {
  const { t } = useI18n();
  const transport = useConsoleTransport();
  const navigate = useNavigate();
  const server = useServerVersion(transport);
  const [data, setData] = useState<ConsoleInspection | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  // Again whenever the server's data changes (the crew answered, another supervisor reviewed).
  useEffect(() => {
    let live = true;
    transport.inspection(props.id).then(
      (c) => {
        if (!live) return;
        setData(c);
        setError(null);
      },
      (e: unknown) => {
        if (live) setError(toErrorBody(e));
      },
    );
    return () => {
      live = false;
    };
  }, [transport, props.id, server.version]);

  // Back to the queue as it was left (its filters are in its URL).
  const back = (): void => {
    void navigate(`/${props.queueSearch}`);
  };
  useShortcut({ key: "Escape" }, back);

  // Marks go through the console transport; the page keeps what it answers (records too).
  const source = useMemo<ScanSource>(
    () => ({
      scanInfo: (scan) => transport.scanInfo(scan),
      tileUrl: (scan, level, x, y, view) => transport.tileUrl(scan, level, x, y, view),
      thumbnailUrl: (scan, side, view) => transport.thumbnailUrl(scan, side, view),
      annotate: async (inspection, input) => {
        const c = await transport.annotate(inspection, input);
        setData(c);
        return c.view;
      },
    }),
    [transport],
  );

  if (data === null) {
    return (
      <main className="c-page c-loading">
        <button type="button" className="btn btn-small" onClick={back}>
          {t("console.inspection.back")} <Kbd keys={t("kbd.back")} />
        </button>
        {error === null ? <p className="muted">{t("console.inspection.loading")}</p> : <ConsoleError error={error} />}
      </main>
    );
  }
  return (
    <ScanSourceProvider source={source}>
      <InspectionWorkstation
        data={data}
        onChange={setData}
        onBack={back}
        version={server.version}
        stale={error}
        panelOpen={props.panelOpen}
        onPanelOpenChange={props.onPanelOpenChange}
      />
    </ScanSourceProvider>
  );
}

function InspectionWorkstation(props: {
  data: ConsoleInspection;
  onChange: (c: ConsoleInspection) => void;
  onBack: () => void;
  version: number | null;
  stale: { code: string; message: string } | null;
  panelOpen: boolean;
  onPanelOpenChange: (open: boolean) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const user = useConsoleUser();
  const transport = useConsoleTransport();
  const { data } = props;
  const view = data.view;
  const [chosen, setChosen] = useState<string | null>(null);
  const [comparing, setComparing] = useState<ConsoleRow | null>(null);
  const [settingsSlot, setSettingsSlot] = useState<HTMLDivElement | null>(null);
  const states = useScanStates(view.scans);
  // Esc closes a comparison before it leaves the inspection (this runs ahead of the page's Esc).
  useShortcut({ key: "Escape" }, () => setComparing(null), comparing !== null);
  // The newest scan that can be shown, once the states are known; then it
  // stays put (a scan finishing its arrival does not replace it).
  if (chosen === null && view.scans.length > 0 && view.scans.every((s) => states[s.id] !== undefined)) {
    const ready = view.scans.filter((s) => states[s.id]?.state === "ready");
    const newest = (ready.at(-1) ?? view.scans.at(-1))?.id ?? null;
    if (newest !== null) setChosen(newest);
  }
  const selected = view.scans.find((s) => s.id === chosen) ?? view.scans.at(-1) ?? null;
  const status = selected === null ? undefined : states[selected.id];
  const canReview = mayReview(user.role);
  const outcome = currentOutcome(view);
  const none = t("common.none");
  const plates = [view.tractor_plate?.canonical ?? none, ...(view.trailer_plate === null ? [] : [view.trailer_plate.canonical])].join(" / ");

  const header = (
    <div className="c-ins-head">
      <button type="button" className="btn btn-small" onClick={props.onBack} data-testid="back">
        {t("console.inspection.back")} <Kbd keys={t("kbd.back")} />
      </button>
      <h1 id="inspection-title" className="plate">
        {plates}
      </h1>
      <span className={`c-state c-state-${data.review_state} c-state-big`} data-testid="review-state" data-state={data.review_state}>
        {reviewStateLabel(i18n, data.review_state)}
      </span>
      <span className={`badge outcome-${outcome ?? "undecided"}`} data-testid="current-outcome">
        {outcomeLabel(i18n, outcome)}
      </span>
      <span className="muted c-ins-meta">
        {t("console.inspection.meta", { unit: view.unit, time: i18n.dateTime(view.created_ms), officer: view.created_by })}
      </span>
      {props.stale === null ? null : (
        <span className="c-stale" role="status">
          {t("console.queue.stale")}
        </span>
      )}
    </div>
  );

  const main = comparing !== null ? (
    <Comparison current={view} currentScan={selected?.id ?? null} earlier={comparing} onClose={() => setComparing(null)} />
  ) : selected === null ? (
    <div className="c-scan-waiting">
      <p className="muted">{t("console.scan.none")}</p>
    </div>
  ) : status?.state === "ready" ? (
    <ScanViewer
      key={selected.id}
      inspection={view.id}
      scan={selected}
      annotations={view.annotations.filter((a) => a.scan === selected.id)}
      canAnnotate={canReview}
      settingsTarget={settingsSlot}
      idPrefix="console-viewer"
    />
  ) : (
    <ScanWaiting status={status} scan={selected} />
  );

  return (
    <main className="c-page c-inspection" data-testid="inspection" data-inspection={view.id}>
      <Workstation
        label={t("console.inspection.label", { plates })}
        header={header}
        main={main}
        strip={view.scans.length > 1 ? <ScanStrip scans={view.scans} states={states} selected={selected?.id ?? null} onSelect={(s) => { setComparing(null); setChosen(s); }} /> : undefined}
        panel={
          <div className="c-panel">
            <AlertsList view={view} className="c-card" />
            {canReview ? (
              <VerdictPanel data={data} onReviewed={props.onChange} />
            ) : (
              <p className="notice c-readonly" data-testid="read-only">
                {t("console.inspection.readOnly")}
              </p>
            )}
            <div ref={setSettingsSlot} className="c-settings-slot" />
            <VehicleFacts view={view} />
            <ReadsList view={view} className="c-card" imageUrl={(blob) => transport.readImageUrl(blob)} />
            <Timeline view={view} />
            <FleetHistory id={view.id} version={props.version} canCompare={view.scans.length > 0} comparing={comparing?.id ?? null} onCompare={setComparing} />
            <Delivery records={data.records} />
            <section className="c-card c-evidence" aria-labelledby="evidence-title">
              <h2 id="evidence-title">{t("console.evidence.title")}</h2>
              <p className="hint">{t("console.evidence.hint")}</p>
              <a className="btn" href={transport.bundleUrl(view.id)} download data-testid="bundle-download">
                {t("console.evidence.download")}
              </a>
            </section>
          </div>
        }
        panelLabel={t("console.inspection.panel")}
        panelOpen={props.panelOpen}
        onPanelOpenChange={props.onPanelOpenChange}
        panelToggle={{ show: t("console.inspection.panelShow"), hide: t("console.inspection.panelHide"), keys: t("kbd.console.panel") }}
        toggleKey={{ key: "]", code: "BracketRight" }}
      />
    </main>
  );
}
