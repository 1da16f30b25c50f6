// One X-ray scan, deep-zoomable: tools, the image with its marks, the
// status strip, the mark form and list. The engine (OpenSeadragon) runs
// behind ViewerEngine; everything here is plain React over tested logic.
//
// Hooks for end-to-end tests on the root element: data-testid="scan-viewer",
// data-scan, data-state (loading | ready | failed), data-view (the
// ViewParams as JSON), data-zoom (screen px per image px), data-tiles-loaded,
// data-first-view-ms (from opening the scan to its first full view).

import { useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { useTransport } from "../app/TransportProvider.tsx";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { Annotation, AnnotationKind, Scan, ScanInfo } from "../transport/types.ts";
import { AnnotationForm } from "./AnnotationForm.tsx";
import { AnnotationList } from "./AnnotationList.tsx";
import { useEngineFactory } from "./EngineContext.tsx";
import { affineOf } from "./geometry.ts";
import { viewerCommand } from "./keymap.ts";
import { distance, formatNumber, lengthOf } from "./measure.ts";
import { StatusStrip } from "./StatusStrip.tsx";
import { useEngine } from "./useEngine.ts";
import { usePointerTools } from "./usePointerTools.ts";
import { effectiveWindow, rawRange, viewJson } from "./viewParams.ts";
import { initialViewerState, viewerReducer } from "./viewerState.ts";
import { ViewerOverlay } from "./ViewerOverlay.tsx";
import { ViewerToolbar } from "./ViewerToolbar.tsx";
import type { ViewSync } from "./viewSync.ts";

const ZOOM_STEP = 1.5;

export interface ScanViewerProps {
  scan: Scan;
  /** Marks of this scan. */
  annotations: readonly Annotation[];
  /** Saves a mark; without it the viewer only shows marks (comparison). */
  onAnnotate?: (kind: AnnotationKind, label: string, shape: Annotation["shape"]) => Promise<void>;
  /** The keyboard drives this viewer (one viewer per screen). */
  keyboard?: boolean;
  sync?: ViewSync;
  /** Unique within the page (ids of hints). */
  idPrefix?: string;
}

export function ScanViewer(props: ScanViewerProps): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const [info, setInfo] = useState<ScanInfo | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [openedAt] = useState(() => performance.now());
  const scanId = props.scan.id;

  useEffect(() => {
    let live = true;
    transport.scanInfo(scanId).then(
      (i) => {
        if (live) setInfo(i);
      },
      (e: unknown) => {
        if (live) setError(toErrorBody(e));
      },
    );
    return () => {
      live = false;
    };
  }, [transport, scanId]);

  if (info === null) {
    return (
      <section className="scan-viewer" data-testid="scan-viewer" data-scan={scanId} data-state={error === null ? "loading" : "failed"} aria-label={t("viewer.region")}>
        {error === null ? <p className="muted">{t("viewer.loading")}</p> : <ErrorNotice error={error} lead={t("viewer.failed")} />}
      </section>
    );
  }
  return <ViewerCore {...props} info={info} openedAt={openedAt} />;
}

function ViewerCore(props: ScanViewerProps & { info: ScanInfo; openedAt: number }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const factory = useEngineFactory();
  const { info } = props;
  const reducer = useMemo(() => viewerReducer(info.planes), [info.planes]);
  const [state, dispatch] = useReducer(reducer, undefined, () => initialViewerState());
  const root = useRef<HTMLElement | null>(null);
  const stage = useRef<HTMLDivElement | null>(null);
  const { engine, failed, tiles, firstViewMs } = useEngine({
    factory,
    stage,
    root,
    info,
    view: state.view,
    transport,
    openedAt: props.openedAt,
    sync: props.sync,
  });
  const size = useMemo(() => ({ width: info.width, height: info.height }), [info.width, info.height]);
  const range = rawRange(info.stats[0], info.bits);
  const win = effectiveWindow(state.view, info.stats[0], info.bits);
  const tools = usePointerTools({
    engine,
    tool: state.tool,
    size,
    window: win,
    range,
    onWindow: (w) => dispatch({ type: "window", window: w }),
  });
  const canAnnotate = props.onAnnotate !== undefined;

  useEffect(() => {
    engine?.setMouseNav(state.tool === "pan");
  }, [engine, state.tool]);

  const zoom = (how: "in" | "out" | "home"): void => {
    if (engine === null) return;
    if (how === "home") engine.home();
    else engine.zoomBy(how === "in" ? ZOOM_STEP : 1 / ZOOM_STEP);
  };

  // Keys, ahead of the screen's own (capture), so Esc cancels a drawing
  // before it would leave the inspection.
  const keyState = useRef({ tools, zoom, canAnnotate, dispatch });
  keyState.current = { tools, zoom, canAnnotate, dispatch };
  const keyboard = props.keyboard ?? true;
  useEffect(() => {
    if (!keyboard) return undefined;
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.isComposing) return;
      const cmd = viewerCommand(e);
      if (cmd === null) return;
      const k = keyState.current;
      switch (cmd.type) {
        case "cancel":
          if (!k.tools.cancel()) return;
          break;
        case "tool":
          if ((cmd.tool === "rect" || cmd.tool === "free") && !k.canAnnotate) return;
          k.dispatch(cmd);
          break;
        case "zoomIn":
          k.zoom("in");
          break;
        case "zoomOut":
          k.zoom("out");
          break;
        case "home":
          k.zoom("home");
          break;
        default:
          k.dispatch(cmd);
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [keyboard]);

  const affine = affineOf((p) => (engine === null ? p : engine.imageToElement(p)), size);
  const imageZoom = engine?.imageZoom() ?? 0;
  const ruler = tools.drawing?.kind === "ruler" ? tools.drawing : tools.ruler;
  const length = ruler === null ? null : lengthOf(distance(ruler.a, ruler.b), info.pixel_mm);
  const rulerText =
    length === null ? null : t(`viewer.length.${length.unit}`, { value: formatNumber(length.value, length.digits, i18n.locale) });

  const save = async (kind: AnnotationKind, label: string): Promise<void> => {
    const shape = tools.pending;
    if (shape === null || props.onAnnotate === undefined) return;
    await props.onAnnotate(kind, label, shape);
    tools.clearPending();
    if (state.tool === "rect" || state.tool === "free") dispatch({ type: "tool", tool: "pan" });
  };

  const showMark = (a: Annotation): void => {
    if (engine === null) return;
    const xs = a.shape.type === "rect" ? [a.shape.x, a.shape.x + a.shape.w] : a.shape.points.map((p) => p[0]);
    const ys = a.shape.type === "rect" ? [a.shape.y, a.shape.y + a.shape.h] : a.shape.points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const pad = Math.max(x1 - x0, y1 - y0) * 0.5;
    const w = info.width;
    engine.fitBounds({ x: (x0 - pad) / w, y: (y0 - pad) / w, w: (x1 - x0 + 2 * pad) / w, h: (y1 - y0 + 2 * pad) / w });
  };

  return (
    <section
      ref={root}
      className="scan-viewer"
      data-testid="scan-viewer"
      data-scan={info.id}
      data-state={failed === null ? "ready" : "failed"}
      data-view={viewJson(state.view)}
      data-zoom={imageZoom.toFixed(5)}
      data-tiles-loaded={tiles.current}
      {...(firstViewMs.current === null ? {} : { "data-first-view-ms": firstViewMs.current })}
      aria-label={t("viewer.region")}
    >
      <ViewerToolbar
        idPrefix={props.idPrefix ?? `viewer-${info.id.slice(0, 8)}`}
        state={state}
        dispatch={dispatch}
        planes={info.planes}
        window={win}
        range={range}
        canAnnotate={canAnnotate}
        onZoom={zoom}
      />
      {failed === null ? null : <ErrorNotice error={{ code: "io", message: failed }} lead={t("viewer.failed")} />}
      <div
        className="viewer-stage-wrap"
        data-tool={state.tool}
        onPointerDownCapture={tools.onPointerDown}
        onPointerMoveCapture={tools.onPointerMove}
        onPointerUpCapture={tools.onPointerUp}
        onPointerLeave={tools.onPointerLeave}
        onContextMenu={(e) => e.preventDefault()}
      >
        <div className="viewer-stage" ref={stage} />
        <ViewerOverlay
          affine={affine}
          annotations={props.annotations}
          showLayer={state.layer}
          drawing={tools.drawing}
          pending={tools.pending}
          ruler={tools.ruler}
          rulerText={rulerText}
        />
      </div>
      <StatusStrip
        zoom={imageZoom}
        cursor={tools.cursor}
        window={win}
        auto={state.view.window === null}
        tool={state.tool}
        rulerText={rulerText}
        noScale={info.pixel_mm === null}
      />
      {tools.pending !== null && canAnnotate ? (
        <AnnotationForm key={JSON.stringify(tools.pending)} onSave={save} onDiscard={tools.clearPending} />
      ) : null}
      {canAnnotate ? <AnnotationList annotations={props.annotations} onShow={showMark} /> : null}
    </section>
  );
}
