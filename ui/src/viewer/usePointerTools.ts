// Pointer work on the image: the ruler, rectangle and free-hand marks, and
// window/level dragging (the W tool, or the right button in any tool).
// Positions are taken in the viewer element and turned into full-resolution
// image pixels by the engine. A finished mark waits for its kind and a save
// (`pending`), unless the page takes rectangles as they are drawn (`onRect`);
// `onPending` hears of each shape as it starts waiting.

import { useCallback, useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import type { Shape } from "../transport/types.ts";
import type { ViewerEngine } from "./engine.ts";
import { clampToImage, normalizeRect, simplifyPath, type Point, type Rect } from "./geometry.ts";
import { dragWindow, type Window } from "./viewParams.ts";
import type { Tool } from "./viewerState.ts";

/** What is being drawn right now, in image pixels. */
export type Drawing =
  | { kind: "ruler"; a: Point; b: Point }
  | { kind: "rect"; a: Point; b: Point }
  | { kind: "free"; points: Point[] }
  | { kind: "window"; start: Point; startWindow: Window };

/** Free-hand tolerance in screen pixels (turned into image pixels at the current zoom). */
const FREE_TOLERANCE_PX = 1.5;

export interface PointerTools {
  drawing: Drawing | null;
  /** The last measurement, kept until the next one or Esc. */
  ruler: { a: Point; b: Point } | null;
  /** A finished shape waiting for its kind and a save. */
  pending: Shape | null;
  cursor: Point | null;
  onPointerDown: (e: ReactPointerEvent<HTMLElement>) => void;
  onPointerMove: (e: ReactPointerEvent<HTMLElement>) => void;
  onPointerUp: (e: ReactPointerEvent<HTMLElement>) => void;
  onPointerLeave: () => void;
  /** Esc: true when something was cancelled. */
  cancel: () => boolean;
  clearPending: () => void;
}

function elementPoint(e: ReactPointerEvent<HTMLElement>): Point {
  const r = e.currentTarget.getBoundingClientRect();
  return { x: e.clientX - r.left, y: e.clientY - r.top };
}

export function usePointerTools(opts: {
  engine: ViewerEngine | null;
  tool: Tool;
  size: { width: number; height: number };
  window: Window;
  range: Window;
  onWindow: (w: Window) => void;
  /** Rectangles go here as drawn, never pending (a training answer's marks). */
  onRect?: (r: Rect) => void;
  /** Told of each finished shape as it becomes `pending`. */
  onPending?: (shape: Shape) => void;
}): PointerTools {
  const { engine, tool, size, range, onWindow } = opts;
  const [drawing, setDrawing] = useState<Drawing | null>(null);
  const [ruler, setRuler] = useState<{ a: Point; b: Point } | null>(null);
  const [pending, setPending] = useState<Shape | null>(null);
  const [cursor, setCursor] = useState<Point | null>(null);
  const drawingRef = useRef<Drawing | null>(null);
  const set = (d: Drawing | null): void => {
    drawingRef.current = d;
    setDrawing(d);
  };

  const toImage = useCallback(
    (p: Point): Point => clampToImage(engine === null ? p : engine.elementToImage(p), size),
    [engine, size],
  );

  const onPointerDown = (e: ReactPointerEvent<HTMLElement>): void => {
    if (engine === null) return;
    const right = e.button === 2;
    if (!right && (e.button !== 0 || tool === "pan" || pending !== null)) return;
    const el = elementPoint(e);
    const p = toImage(el);
    e.preventDefault();
    e.stopPropagation();
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // Not every environment captures pointers; the drag still works inside the element.
    }
    if (right || tool === "window") set({ kind: "window", start: el, startWindow: opts.window });
    else if (tool === "ruler") set({ kind: "ruler", a: p, b: p });
    else if (tool === "rect") set({ kind: "rect", a: p, b: p });
    else if (tool === "free") set({ kind: "free", points: [p] });
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLElement>): void => {
    if (engine === null) return;
    const el = elementPoint(e);
    const p = toImage(el);
    setCursor(p);
    const d = drawingRef.current;
    if (d === null) return;
    if (d.kind === "window") {
      const r = e.currentTarget.getBoundingClientRect();
      onWindow(
        dragWindow(d.startWindow, { dx: el.x - d.start.x, dy: el.y - d.start.y }, { width: r.width || 1000, height: r.height || 1000 }, range),
      );
    } else if (d.kind === "free") set({ kind: "free", points: [...d.points, p] });
    else set({ ...d, b: p });
  };

  const finished = (shape: Shape): void => {
    setPending(shape);
    opts.onPending?.(shape);
  };

  const onPointerUp = (e: ReactPointerEvent<HTMLElement>): void => {
    const d = drawingRef.current;
    if (d === null) return;
    e.stopPropagation();
    set(null);
    if (d.kind === "ruler") setRuler({ a: d.a, b: d.b });
    else if (d.kind === "rect") {
      const r = normalizeRect(d.a, d.b);
      if (r.w >= 1 && r.h >= 1) {
        if (opts.onRect === undefined) finished({ type: "rect", ...r });
        else opts.onRect(r);
      }
    } else if (d.kind === "free") {
      const zoom = engine?.imageZoom() ?? 1;
      const pts = simplifyPath(d.points, FREE_TOLERANCE_PX / (zoom > 0 ? zoom : 1));
      if (pts.length >= 2) finished({ type: "free", points: pts.map((q) => [q.x, q.y]) });
    }
  };

  const cancel = (): boolean => {
    if (drawingRef.current !== null) {
      set(null);
      return true;
    }
    if (pending !== null) {
      setPending(null);
      return true;
    }
    if (ruler !== null) {
      setRuler(null);
      return true;
    }
    return false;
  };

  return {
    drawing,
    ruler,
    pending,
    cursor,
    onPointerDown,
    onPointerMove,
    onPointerUp,
    onPointerLeave: () => setCursor(null),
    cancel,
    clearPending: () => setPending(null),
  };
}
