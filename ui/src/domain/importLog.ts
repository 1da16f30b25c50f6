// Import progress as the crew sees it: one line per file, its latest
// stage, newest first. Failures stay until the list is full; nothing is
// dropped silently while it is still running.

import type { ImportEvent, ImportStage } from "../transport/types.ts";

export interface ImportEntry {
  file: string;
  stage: ImportStage;
  inspection: string | null;
  scan: string | null;
  error: { code: string; message: string } | null;
}

export const IMPORT_LOG_MAX = 20;

export function applyImportEvent(log: readonly ImportEntry[], e: ImportEvent, max = IMPORT_LOG_MAX): ImportEntry[] {
  const entry: ImportEntry = { file: e.file, stage: e.stage, inspection: e.inspection, scan: e.scan, error: e.error };
  // A file being imported again starts a new line; a later stage updates its running line.
  const running = log.findIndex((x) => x.file === e.file && x.stage === "started");
  const rest = e.stage !== "started" && running !== -1 ? log.filter((_, i) => i !== running) : [...log];
  const next = [entry, ...rest];
  if (next.length <= max) return next;
  // Over the limit: drop finished lines first, oldest first.
  const out = [...next];
  for (let i = out.length - 1; i >= 0 && out.length > max; i--) {
    if (out[i]?.stage !== "started") out.splice(i, 1);
  }
  return out;
}
