// One inspection: its scans in the viewer (with import), what it is about,
// notes, the decision panel with its history, and earlier inspections of
// the same vehicle.

import { useEffect, useState, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useTransport } from "../app/TransportProvider.tsx";
import { useSync } from "../app/useSync.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { InspectionView } from "../transport/types.ts";
import { DecisionPanel } from "./DecisionPanel.tsx";
import { NotesEditor } from "./NotesEditor.tsx";
import { ScanPanel } from "./ScanPanel.tsx";
import { VehicleHistory } from "./VehicleHistory.tsx";
import { VehicleSummary } from "./VehicleSummary.tsx";

export function InspectionScreen(props: { id: string }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const sync = useSync();
  const [view, setView] = useState<InspectionView | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  // Reload when records arrive from the server (a supervisor's review).
  const received = sync?.status.received ?? 0;
  useEffect(() => {
    let live = true;
    transport.getInspection(props.id).then(
      (v) => {
        if (live) setView(v);
      },
      (e: unknown) => {
        if (live) setError(toErrorBody(e));
      },
    );
    return () => {
      live = false;
    };
  }, [transport, props.id, received]);

  if (view === null) {
    return (
      <section className="panel">
        {error === null ? <p className="muted">{t("inspection.loading")}</p> : <ErrorNotice error={error} />}
      </section>
    );
  }
  return (
    <article className="panel" aria-labelledby="inspection-title" data-testid="inspection" data-inspection={view.id}>
      <header className="panel-head">
        <div>
          <h1 id="inspection-title">
            {t("inspection.title", { plate: view.tractor_plate?.canonical ?? t("common.none") })}
          </h1>
          <p className="muted">
            {t("inspection.opened", { time: i18n.dateTime(view.created_ms), officer: view.created_by })}
          </p>
        </div>
      </header>
      <ScanPanel view={view} onChange={setView} />
      <div className="inspection-grid">
        <div className="stack">
          <VehicleSummary view={view} />
          <NotesEditor view={view} onChange={setView} />
        </div>
        <DecisionPanel view={view} onChange={setView} />
      </div>
      <VehicleHistory view={view} />
    </article>
  );
}
