// One X-ray scan, deep-zoomable: a rail of tools beside the image with its
// marks, the status line under it, and the view settings and list of marks
// (in a side panel when the page gives one, else folded under the image).
// The engine (OpenSeadragon) runs behind ViewerEngine; scans, tiles and
// marks come from the ScanSource in context, never from a transport. A page
// may instead keep rectangles of its own (a training answer's marks): they
// are handed to it as drawn, and it draws them back with any shapes it
// likes over the image. The image shown may be another scan's in place of
// the scan's own (a projection in live work): the marks are still the
// scan's, and the page is asked first about each mark drawn.
//
// Hooks for end-to-end tests on the root element: data-testid="scan-viewer",
// data-scan, data-state (loading | ready: the image's engine is up and
// takes pointers | failed), data-view (the
// ViewParams as JSON), data-zoom (screen px per image px), data-tiles-loaded,
// data-first-view-ms (from opening the scan to its first full view).

import { useEffect, useEffectEvent, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useLoad } from "../app/useLoad.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Annotation, AnnotationKind, InspectionView, Scan, ScanInfo, Shape } from "../transport/types.ts";
import { AnnotationForm } from "./AnnotationForm.tsx";
import { AnnotationList } from "./AnnotationList.tsx";
import { useEngineFactory } from "./EngineContext.tsx";
import { affineOf, applyAffine, cornerAwayFrom, shapeCenter, type Rect } from "./geometry.ts";
import { viewerCommand } from "./keymap.ts";
import { distance, formatNumber, lengthOf } from "./measure.ts";
import { useScanSource } from "./scanSource.ts";
import { StatusStrip } from "./StatusStrip.tsx";
import { useEngine } from "./useEngine.ts";
import { usePointerTools } from "./usePointerTools.ts";
import { effectiveWindow, rawRange, viewJson } from "./viewParams.ts";
import { initialViewerState, viewerReducer } from "./viewerState.ts";
import { ViewerOverlay, type OverlayShape } from "./ViewerOverlay.tsx";
import { ViewerRail } from "./ViewerRail.tsx";
import { ViewerSettings } from "./ViewerSettings.tsx";
import type { ViewSync } from "./viewSync.ts";

const ZOOM_STEP = 1.5;

export interface ScanViewerProps {
  /** The inspection the scan belongs to: marks are added to it (none: no mark is saved). */
  inspection?: string;
  scan: Pick<Scan, "id">;
  /**
   * The scan whose image is shown in place of `scan`'s own (a projection
   * in live work): its tiles, its size, its id in `data-scan`; the marks
   * are still `scan`'s. Null: not known yet (the viewer says it is
   * loading). Absent: `scan`'s own image.
   */
  image?: string | null;
  /**
   * Asked first about each mark drawn for the inspection, before the form
   * asks what it shows: true when the page took the mark (an item
   * projected into the image was found), so it is not recorded; false (or
   * a failure) and the mark is the crew's, asked about and saved as usual.
   */
  claimMark?: (shape: Shape) => Promise<boolean>;
  /** Marks of this scan. */
  annotations: readonly Annotation[];
  /** Whether marks may be added here (false: only shown, and no mark tools). */
  canAnnotate?: boolean;
  /**
   * Rectangles drawn for the page and never saved (a training answer's
   * marks): each goes to `onRect` as drawn, no kind asked. `enabled` false
   * (answered, or as many drawn as may be) takes the tool away.
   */
  draw?: { onRect: (r: Rect) => void; enabled: boolean };
  /** Shapes of the page's own, drawn over the image with the marks. */
  shapes?: readonly OverlayShape[];
  /** The inspection as it is after a mark was added. */
  onAnnotated?: (view: InspectionView) => void;
  /** The keyboard drives this viewer (one viewer per screen). */
  keyboard?: boolean;
  sync?: ViewSync;
  /** Unique within the page (ids of hints). */
  idPrefix?: string;
  /**
   * Where the view settings and the list of marks are drawn (a side
   * panel); folded under the image when absent. Null: the place is not
   * mounted yet, so they wait for it.
   */
  settingsTarget?: Element | null;
}

export function ScanViewer(props: ScanViewerProps): ReactNode {
  const { t } = useI18n();
  const source = useScanSource();
  const [openedAt] = useState(() => performance.now());
  const imageId = props.image === undefined ? props.scan.id : props.image;
  const info = useLoad(() => (imageId === null ? Promise.resolve(null) : source.scanInfo(imageId)), [source, imageId]);

  if (info.value === null || imageId === null) {
    return (
      <section
        className="scan-viewer"
        data-testid="scan-viewer"
        data-scan={imageId ?? props.scan.id}
        data-state={info.error === null ? "loading" : "failed"}
        aria-label={t("viewer.region")}
      >
        <div className="viewer-image viewer-message">
          {info.error === null ? <p className="muted">{t("viewer.loading")}</p> : <ErrorNotice error={info.error} lead={t("viewer.failed")} />}
        </div>
      </section>
    );
  }
  return <ViewerCore {...props} info={info.value} openedAt={openedAt} />;
}

function ViewerCore(props: ScanViewerProps & { info: ScanInfo; openedAt: number }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const source = useScanSource();
  const factory = useEngineFactory();
  const { info } = props;
  const reducer = useMemo(() => viewerReducer(info.planes), [info.planes]);
  const [state, dispatch] = useReducer(reducer, undefined, () => initialViewerState());
  const root = useRef<HTMLElement | null>(null);
  const stage = useRef<HTMLDivElement | null>(null);
  const { engine, stageSize, failed, tiles, firstViewMs } = useEngine({
    factory,
    stage,
    root,
    info,
    view: state.view,
    source,
    openedAt: props.openedAt,
    sync: props.sync,
  });
  const size = useMemo(() => ({ width: info.width, height: info.height }), [info.width, info.height]);
  const range = rawRange(info.stats[0], info.bits);
  const win = effectiveWindow(state.view, info.stats[0], info.bits);
  const canAnnotate = (props.canAnnotate ?? false) && props.inspection !== undefined;
  const canRect = canAnnotate || (props.draw?.enabled ?? false);
  const canFree = canAnnotate;
  // A mark tool no longer offered (the page's marks all drawn) pans.
  const tool = (state.tool === "rect" && !canRect) || (state.tool === "free" && !canFree) ? "pan" : state.tool;
  // A mark drawn while the page is asked about it (claimMark): no form yet.
  const [asking, setAsking] = useState<Shape | null>(null);
  const claim = async (shape: Shape): Promise<void> => {
    const ask = props.claimMark;
    if (ask === undefined || !canAnnotate) return;
    setAsking(shape);
    let taken = false;
    try {
      taken = await ask(shape);
    } catch {
      // Not known to be the page's: the crew's own mark, recorded as usual.
      taken = false;
    }
    setAsking(null);
    if (taken) {
      tools.clearPending();
      dispatch({ type: "tool", tool: "pan" });
    }
  };
  const tools = usePointerTools({
    engine,
    tool,
    size,
    window: win,
    range,
    onWindow: (w) => dispatch({ type: "window", window: w }),
    ...(props.draw === undefined ? {} : { onRect: props.draw.onRect }),
    ...(props.claimMark === undefined ? {} : { onPending: (shape: Shape) => void claim(shape) }),
  });
  const idPrefix = props.idPrefix ?? `viewer-${info.id.slice(0, 8)}`;

  useEffect(() => {
    engine?.setMouseNav(tool === "pan");
  }, [engine, tool]);

  const zoom = (how: "in" | "out" | "home"): void => {
    if (engine === null) return;
    if (how === "home") engine.home();
    else engine.zoomBy(how === "in" ? ZOOM_STEP : 1 / ZOOM_STEP);
  };

  // Keys, ahead of the screen's own (capture), so Esc cancels a drawing
  // before it would leave the inspection.
  // The handler sees the latest tools without re-adding the listener.
  const onViewerKey = useEffectEvent((e: KeyboardEvent): void => {
    const cmd = viewerCommand(e);
    if (cmd === null) return;
    switch (cmd.type) {
      case "cancel":
        if (!tools.cancel()) return;
        break;
      case "tool":
        if ((cmd.tool === "rect" && !canRect) || (cmd.tool === "free" && !canFree)) return;
        dispatch(cmd);
        break;
      case "zoomIn":
        zoom("in");
        break;
      case "zoomOut":
        zoom("out");
        break;
      case "home":
        zoom("home");
        break;
      default:
        dispatch(cmd);
    }
    e.preventDefault();
  });
  const keyboard = props.keyboard ?? true;
  useEffect(() => {
    if (!keyboard) return undefined;
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.isComposing) return;
      onViewerKey(e);
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
    if (shape === null || !canAnnotate || props.inspection === undefined) return;
    // The scan's own id, also when another image is shown in its place.
    const view = await source.annotate(props.inspection, { scan: props.scan.id, kind, shape, label });
    props.onAnnotated?.(view);
    tools.clearPending();
    if (tool === "rect" || tool === "free") dispatch({ type: "tool", tool: "pan" });
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

  const settings = (
    <>
      <ViewerSettings state={state} dispatch={dispatch} planes={info.planes} window={win} range={range} />
      {/* A page that keeps its own marks lists them itself. */}
      {props.draw === undefined ? <AnnotationList annotations={props.annotations} onShow={showMark} /> : null}
    </>
  );
  const settingsTitle = `${idPrefix}-settings`;

  return (
    <section
      ref={root}
      className="scan-viewer"
      data-testid="scan-viewer"
      data-scan={info.id}
      data-state={failed !== null ? "failed" : engine === null ? "loading" : "ready"}
      data-view={viewJson(state.view)}
      data-zoom={imageZoom.toFixed(5)}
      data-tiles-loaded={tiles.current}
      {...(firstViewMs.current === null ? {} : { "data-first-view-ms": firstViewMs.current })}
      aria-label={t("viewer.region")}
    >
      <ViewerRail
        idPrefix={idPrefix}
        state={{ ...state, tool }}
        dispatch={dispatch}
        planes={info.planes}
        canRect={canRect}
        canFree={canFree}
        keyboard={keyboard}
        onZoom={zoom}
      />
      <div className="viewer-image">
        <div
          className="viewer-stage-wrap"
          data-tool={tool}
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
            shapes={props.shapes ?? []}
            showLayer={state.layer}
            drawing={tools.drawing}
            pending={tools.pending}
            ruler={tools.ruler}
            rulerText={rulerText}
          />
        </div>
        {failed === null ? null : <ErrorNotice error={{ code: "io", message: failed }} lead={t("viewer.failed")} />}
        {tools.pending !== null && canAnnotate && tools.pending !== asking ? (
          <AnnotationForm
            key={JSON.stringify(tools.pending)}
            onSave={save}
            onDiscard={tools.clearPending}
            corner={cornerAwayFrom(applyAffine(affine, shapeCenter(tools.pending)), stageSize)}
          />
        ) : null}
      </div>
      <StatusStrip
        zoom={imageZoom}
        cursor={tools.cursor}
        window={win}
        auto={state.view.window === null}
        tool={tool}
        rulerText={rulerText}
        noScale={info.pixel_mm === null}
      />
      {props.settingsTarget === undefined ? (
        <details className="viewer-settings viewer-settings-inline">
          <summary>{t("viewer.settings")}</summary>
          {settings}
        </details>
      ) : props.settingsTarget === null ? null : (
        createPortal(
          <section className="viewer-settings" aria-labelledby={settingsTitle}>
            <h2 id={settingsTitle}>{t("viewer.settings")}</h2>
            {settings}
          </section>,
          props.settingsTarget,
        )
      )}
    </section>
  );
}
