// Under the image: zoom, the pixel under the pointer, the window, and what
// the active tool expects.

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { PlainMessageKey as MessageKey } from "../i18n/messages.ts";
import type { Point } from "./geometry.ts";
import { zoomPercent } from "./measure.ts";
import type { Window } from "./viewParams.ts";
import type { Tool } from "./viewerState.ts";

const TOOL_HINT: Readonly<Record<Tool, MessageKey | null>> = {
  pan: null,
  window: "viewer.window.dragHint",
  ruler: "viewer.ruler.hint",
  rect: "viewer.draw.rectHint",
  free: "viewer.draw.freeHint",
};

export function StatusStrip(props: {
  zoom: number;
  cursor: Point | null;
  window: Window;
  auto: boolean;
  tool: Tool;
  rulerText: string | null;
  noScale: boolean;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const none = t("common.none");
  const hint = TOOL_HINT[props.tool];
  const win = { low: props.window.low, high: props.window.high };
  return (
    <div className="status-strip" data-testid="viewer-status">
      <span data-testid="status-zoom">{t("viewer.status.zoom", { zoom: zoomPercent(props.zoom) })}</span>
      <span data-testid="status-pixel">
        {t("viewer.status.pixel", {
          x: props.cursor === null ? none : Math.floor(props.cursor.x),
          y: props.cursor === null ? none : Math.floor(props.cursor.y),
        })}
      </span>
      <span data-testid="status-window">
        {props.auto ? t("viewer.status.windowAuto", win) : t("viewer.status.window", win)}
      </span>
      {props.rulerText === null ? null : (
        <span data-testid="ruler-length" className="strong">
          {t("viewer.ruler.result", { length: props.rulerText })}
        </span>
      )}
      {props.rulerText !== null && props.noScale ? <span className="warn">{t("viewer.ruler.noScale")}</span> : null}
      {hint === null ? null : <span className="muted">{t(hint)}</span>}
    </div>
  );
}
