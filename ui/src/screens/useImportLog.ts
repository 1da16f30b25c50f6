// The import progress of one inspection, kept by the screen rather than by
// the import form, so the lines survive the form moving (from the empty
// image area into the side panel once the first scan arrives).

import { useCallback, useEffect, useState } from "react";
import { useTransport } from "../app/TransportProvider.tsx";
import { applyImportEvent, type ImportEntry } from "../domain/importLog.ts";

export interface ImportLog {
  entries: readonly ImportEntry[];
  /** A failure the transport may not have reported as an event: shown once, never lost. */
  failed(file: string, error: { code: string; message: string }): void;
}

export function useImportLog(inspection: string): ImportLog {
  const transport = useTransport();
  const [entries, setEntries] = useState<ImportEntry[]>([]);

  // Imports of this inspection, from the form or the watch folder.
  useEffect(
    () =>
      transport.subscribeImports((e) => {
        if (e.inspection === inspection) setEntries((l) => applyImportEvent(l, e));
      }),
    [transport, inspection],
  );

  const failed = useCallback(
    (file: string, error: { code: string; message: string }) =>
      setEntries((l) =>
        l.some((x) => x.file === file && x.stage === "failed")
          ? l
          : applyImportEvent(l, { file, stage: "failed", inspection, scan: null, error }),
      ),
    [inspection],
  );
  return { entries, failed };
}
