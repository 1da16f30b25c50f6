// The scanner's watch folder: which folder, which inspection new scans go
// to (the newest undecided one, or one chosen), start and stop, and what
// was imported lately.

import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad } from "../app/useLoad.ts";
import { applyImportEvent, type ImportEntry } from "../domain/importLog.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { WatchState } from "../transport/types.ts";
import { ImportList } from "./ImportList.tsx";

export function WatchFolder(): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const watch = useLoad(() => transport.watchState(), [transport]);
  const open = useLoad(() => transport.listInspections({ outcome: "none", limit: 50 }), [transport]);
  const state = watch.value;
  const [folder, setFolder] = useState("");
  const [target, setTarget] = useState("");
  const [log, setLog] = useState<ImportEntry[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  // The form starts from the stored watch, once it is known.
  const [shown, setShown] = useState<WatchState | null>(null);
  if (state !== null && shown === null) {
    setShown(state);
    setFolder(state.folder ?? "");
    setTarget(state.inspection ?? "");
  }

  useEffect(() => transport.subscribeImports((e) => setLog((l) => applyImportEvent(l, e))), [transport]);

  const apply = async (next: WatchState): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      watch.set(await transport.setWatch(next));
    } catch (err) {
      setError(toErrorBody(err));
    } finally {
      setBusy(false);
    }
  };
  const start = (e: FormEvent): void => {
    e.preventDefault();
    if (folder.trim() === "") return;
    void apply({ folder: folder.trim(), inspection: target === "" ? null : target });
  };

  const none = t("common.none");
  const watching = state?.folder ?? null;
  return (
    <form className="card watch-folder" onSubmit={start} aria-labelledby="watch-title">
      <h2 id="watch-title">{t("watch.title")}</h2>
      <p aria-live="polite" data-testid="watch-state" className={watching === null ? "muted" : "ok"}>
        {state === null ? t("app.loading") : watching === null ? t("watch.off") : t("watch.on", { folder: watching })}
      </p>
      <div className="field">
        <label htmlFor="watch-folder">{t("watch.folder")}</label>
        <input
          id="watch-folder"
          data-testid="watch-folder"
          value={folder}
          onChange={(e) => setFolder(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          aria-describedby="watch-folder-hint"
        />
        <p className="hint" id="watch-folder-hint">
          {t("watch.folderHint")}
        </p>
      </div>
      <div className="field">
        <label htmlFor="watch-target">{t("watch.target")}</label>
        <select id="watch-target" data-testid="watch-target" value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">{t("watch.target.newest")}</option>
          {(open.value ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {t("watch.target.one", { plate: r.tractor_plate?.canonical ?? none, time: i18n.dateTime(r.created_ms) })}
            </option>
          ))}
        </select>
      </div>
      <ErrorNotice error={error ?? watch.error ?? open.error} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" data-testid="watch-start" disabled={busy || folder.trim() === ""}>
          {t("watch.start")}
        </button>
        <button
          type="button"
          className="btn"
          data-testid="watch-stop"
          disabled={busy || watching === null}
          onClick={() => void apply({ folder: null, inspection: null })}
        >
          {t("watch.stop")}
        </button>
      </div>
      <h3>{t("watch.recent")}</h3>
      {log.length === 0 ? <p className="muted">{t("watch.nothingYet")}</p> : <ImportList entries={log} label={t("watch.recent")} />}
    </form>
  );
}
