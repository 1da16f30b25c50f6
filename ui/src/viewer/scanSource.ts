// Where the viewer gets its scans: the one seam between the scan viewer and
// whatever serves it. The crew's app builds a ScanSource from its Transport
// (Tauri commands, `kordon:` tiles); the supervisor console from its HTTP
// client. Nothing under viewer/ knows which.

import { createContext, createElement, useContext, type ReactNode } from "react";
import type { InspectionView, NewAnnotationInput, ScanInfo, ViewParams } from "../transport/types.ts";

export interface ScanSource {
  /** The scan's tile pyramid. The console rejects with code `scan_not_ready` while it is arriving or building. */
  scanInfo(scan: string): Promise<ScanInfo>;
  /** URL of one rendered tile (PNG) for the view parameters. */
  tileUrl(scan: string, level: number, x: number, y: number, view: ViewParams): string;
  /** URL of a thumbnail (PNG, longer side at most `maxSide`). */
  thumbnailUrl(scan: string, maxSide: number, view: ViewParams): string;
  /** Appends a mark to the inspection's annotation layer. */
  annotate(inspection: string, input: NewAnnotationInput): Promise<InspectionView>;
}

const ScanSourceContext = createContext<ScanSource | null>(null);

export function ScanSourceProvider(props: { source: ScanSource; children: ReactNode }): ReactNode {
  return createElement(ScanSourceContext.Provider, { value: props.source }, props.children);
}

export function useScanSource(): ScanSource {
  const source = useContext(ScanSourceContext);
  if (source === null) throw new Error("useScanSource outside ScanSourceProvider");
  return source;
}
