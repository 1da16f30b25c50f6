// Bringing scanner files into this inspection: the file dialog, files
// dropped on the window, or a typed path; an optional pixel size; and what
// happened to each file, in plain words.

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useTransport } from "../app/TransportProvider.tsx";
import { baseName, pairScanFiles, parsePixelMm, splitPaths } from "../domain/scanFiles.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { InspectionView } from "../transport/types.ts";
import { ImportList } from "./ImportList.tsx";
import type { ImportLog } from "./useImportLog.ts";

export function ScanImport(props: { id: string; log: ImportLog; onImported: (v: InspectionView) => void }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const [paths, setPaths] = useState("");
  const [pixel, setPixel] = useState("");
  const [noDialog, setNoDialog] = useState(false);
  const pixelMm = parsePixelMm(pixel);
  const { id } = props;
  // Imports outlive renders (and files dropped on the window arrive through
  // one subscription): they read the latest screen state, committed here.
  const latest = useRef({ id, pixelMm, onImported: props.onImported, log: props.log });
  useLayoutEffect(() => {
    latest.current = { id, pixelMm, onImported: props.onImported, log: props.log };
  });

  const importPaths = useCallback(async (list: string[]): Promise<void> => {
    const { id: inspection, pixelMm: mm } = latest.current;
    if (mm === "invalid") return;
    for (const files of pairScanFiles(list)) {
      try {
        await transport.importScan(inspection, { path: files.path, low: files.low, pixel_mm: mm, scanner: null });
      } catch (err) {
        // Shown even if the transport sent no event for it: never lost silently.
        latest.current.log.failed(baseName(files.path), toErrorBody(err));
      }
    }
    latest.current.onImported(await transport.getInspection(inspection));
  }, [transport]);

  useEffect(() => transport.subscribeFileDrops((dropped) => void importPaths(dropped)), [transport, importPaths]);

  const pick = async (): Promise<void> => {
    const chosen = await transport.pickScanFiles();
    // Null is "cancelled" in the app and "no dialog" elsewhere (the contract does not tell them apart).
    if (chosen === null) setNoDialog(transport.kind !== "tauri");
    else await importPaths(chosen);
  };

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const list = splitPaths(paths);
    if (list.length === 0 || pixelMm === "invalid") return;
    setPaths("");
    void importPaths(list);
  };

  return (
    <form className="card scan-import" onSubmit={submit} aria-labelledby="import-title">
      <h3 id="import-title">{t("import.title")}</h3>
      <div className="actions">
        <button type="button" className="btn" data-testid="import-pick" onClick={() => void pick()}>
          {t("import.pick")}
        </button>
      </div>
      {noDialog ? <p className="hint warn">{t("import.pickUnavailable")}</p> : null}
      <p className="hint">{t("import.drop")}</p>
      <div className="row wrap">
        <div className="field grow">
          <label htmlFor={`import-path-${id}`}>{t("import.path")}</label>
          <input
            id={`import-path-${id}`}
            data-testid="import-path"
            className="code-plain"
            value={paths}
            onChange={(e) => setPaths(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            aria-describedby={`import-path-hint-${id}`}
          />
          <p className="hint" id={`import-path-hint-${id}`}>
            {t("import.pathHint")}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`import-pixel-${id}`}>{t("import.pixelMm")}</label>
          <input
            id={`import-pixel-${id}`}
            data-testid="import-pixel-mm"
            inputMode="decimal"
            value={pixel}
            onChange={(e) => setPixel(e.target.value)}
            aria-invalid={pixelMm === "invalid"}
            aria-describedby={`import-pixel-hint-${id}`}
          />
          <p className={pixelMm === "invalid" ? "hint bad" : "hint"} id={`import-pixel-hint-${id}`}>
            {pixelMm === "invalid" ? t("import.pixelInvalid") : t("import.pixelHint")}
          </p>
        </div>
      </div>
      <button type="submit" className="btn btn-primary" data-testid="import-submit" disabled={pixelMm === "invalid" || paths.trim() === ""}>
        {t("import.submit")}
      </button>
      <ImportList entries={props.log.entries} label={t("import.progress")} />
    </form>
  );
}
