// Runs a deep-zoom engine in an element: creates it, shows the scan's tiles
// for the current view parameters (new parameters, new tile URLs), counts
// tiles, times the first full view, and re-renders on every view movement.

import { useEffect, useRef, useState, type RefObject } from "react";
import type { ScanSource } from "./scanSource.ts";
import type { ScanInfo, ViewParams } from "../transport/types.ts";
import { minLevelFor, type Bounds, type EngineFactory, type TileSourceSpec, type ViewerEngine } from "./engine.ts";
import { viewJson } from "./viewParams.ts";
import type { ViewSync } from "./viewSync.ts";
import { boundsClose } from "./viewSync.ts";

/** Slider drags change the view many times a second: wait for a pause. */
const VIEW_DEBOUNCE_MS = 120;

export interface EngineState {
  engine: ViewerEngine | null;
  /** Increases on every movement: projections must be recomputed. */
  frame: number;
  /** The stage's size in CSS pixels, as of the last movement (a resize is one). */
  stageSize: { width: number; height: number };
  failed: string | null;
  /** Tiles loaded so far ('tile-loaded' events). */
  tiles: RefObject<number>;
  /** Milliseconds from opening to the first full view, once known. */
  firstViewMs: RefObject<number | null>;
}

export function tileSourceSpec(
  info: ScanInfo,
  tileUrl: (level: number, x: number, y: number) => string,
): TileSourceSpec {
  return {
    width: info.width,
    height: info.height,
    tileSize: info.tile_size,
    minLevel: minLevelFor(info.max_level, info.tile_size),
    maxLevel: info.max_level,
    getTileUrl: tileUrl,
  };
}

export function useEngine(opts: {
  factory: EngineFactory;
  stage: RefObject<HTMLDivElement | null>;
  root: RefObject<HTMLElement | null>;
  info: ScanInfo;
  view: ViewParams;
  source: Pick<ScanSource, "tileUrl">;
  /** performance.now() when opening the scan began. */
  openedAt: number;
  sync?: ViewSync | undefined;
}): EngineState {
  const { factory, stage, root, info, view, source, openedAt, sync } = opts;
  const [engine, setEngine] = useState<ViewerEngine | null>(null);
  const [frame, setFrame] = useState(0);
  const [stageSize, setStageSize] = useState({ width: 0, height: 0 });
  const [failed, setFailed] = useState<string | null>(null);
  const tiles = useRef(0);
  const firstViewMs = useRef<number | null>(null);
  const publish = useRef<(b: Bounds) => void>(() => undefined);

  useEffect(() => {
    const el = stage.current;
    if (el === null) return undefined;
    let live = true;
    let made: ViewerEngine | null = null;
    factory(el, {
      viewport: () => {
        if (!live) return;
        setFrame((n) => n + 1);
        const [width, height] = [el.clientWidth, el.clientHeight];
        setStageSize((s) => (s.width === width && s.height === height ? s : { width, height }));
        if (made !== null) publish.current(made.bounds());
      },
      tileLoaded: () => {
        tiles.current += 1;
        root.current?.setAttribute("data-tiles-loaded", String(tiles.current));
      },
      fullyLoaded: () => {
        if (firstViewMs.current !== null) return;
        firstViewMs.current = Math.round(performance.now() - openedAt);
        root.current?.setAttribute("data-first-view-ms", String(firstViewMs.current));
      },
      failed: (message) => {
        if (live) setFailed(message);
      },
    }).then(
      (e) => {
        if (!live) {
          e.destroy();
          return;
        }
        made = e;
        setEngine(e);
      },
      (err: unknown) => {
        if (live) setFailed(err instanceof Error ? err.message : String(err));
      },
    );
    return () => {
      live = false;
      made?.destroy();
    };
  }, [factory, stage, root, openedAt]);

  // New view parameters: new tile URLs. The first view is shown at once.
  const shown = useRef(false);
  const key = viewJson(view);
  useEffect(() => {
    if (engine === null) return undefined;
    const params: ViewParams = JSON.parse(key) as ViewParams;
    const spec = tileSourceSpec(info, (level, x, y) => source.tileUrl(info.id, level, x, y, params));
    if (!shown.current) {
      shown.current = true;
      engine.show(spec);
      return undefined;
    }
    const timer = setTimeout(() => engine.show(spec), VIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [engine, info, key, source]);

  // Follow the other viewers of a comparison.
  useEffect(() => {
    if (engine === null || sync === undefined) return undefined;
    const member = sync.join((b) => {
      if (!boundsClose(engine.bounds(), b)) engine.fitBounds(b);
    });
    publish.current = member.publish;
    return () => {
      member.leave();
      publish.current = () => undefined;
    };
  }, [engine, sync]);

  return { engine, frame, stageSize, failed, tiles, firstViewMs };
}
