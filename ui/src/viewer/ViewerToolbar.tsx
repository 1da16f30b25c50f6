// The viewer's tools: each a large button with its key shown, the window
// sliders (raw values), gamma and edge strength, the colour map, zoom.

import type { ReactNode } from "react";
import { Kbd } from "../app/Kbd.tsx";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { PlainMessageKey as MessageKey } from "../i18n/messages.ts";
import type { Colormap } from "../transport/types.ts";
import { COLORMAPS, EDGE_MAX, GAMMA_MAX, GAMMA_MIN, materialsAvailable, withHigh, withLow, type Window } from "./viewParams.ts";
import type { Tool, ViewerAction, ViewerState } from "./viewerState.ts";

function ToolButton(props: {
  testid: string;
  text: MessageKey;
  keys: MessageKey;
  pressed: boolean;
  onClick: () => void;
  disabled?: boolean;
  describedBy?: string;
}): ReactNode {
  const { t } = useI18n();
  return (
    <button
      type="button"
      className="btn tool"
      data-testid={props.testid}
      aria-pressed={props.pressed}
      onClick={props.onClick}
      disabled={props.disabled ?? false}
      {...(props.describedBy === undefined ? {} : { "aria-describedby": props.describedBy })}
    >
      {t(props.text)} <Kbd keys={t(props.keys)} />
    </button>
  );
}

export function ViewerToolbar(props: {
  idPrefix: string;
  state: ViewerState;
  dispatch: (a: ViewerAction) => void;
  planes: number;
  window: Window;
  range: Window;
  canAnnotate: boolean;
  onZoom: (how: "in" | "out" | "home") => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { state, dispatch, window: win, range, idPrefix } = props;
  const { view, tool } = state;
  const tool_ = (tl: Exclude<Tool, "pan">, testid: string, label: MessageKey, keys: MessageKey): ReactNode => (
    <ToolButton testid={testid} text={label} keys={keys} pressed={tool === tl} onClick={() => dispatch({ type: "tool", tool: tl })} />
  );
  const dual = materialsAvailable(props.planes);
  const whyNoMaterials = `${idPrefix}-no-materials`;
  return (
    <div className="viewer-toolbar" role="toolbar" aria-label={t("viewer.tools")}>
      <div className="tool-group">
        {tool_("window", "tool-window", "viewer.tool.window", "kbd.viewer.window")}
        <ToolButton
          testid="tool-invert"
          text="viewer.tool.invert"
          keys="kbd.viewer.invert"
          pressed={view.invert}
          onClick={() => dispatch({ type: "invert" })}
        />
        <ToolButton
          testid="tool-materials"
          text="viewer.tool.materials"
          keys="kbd.viewer.materials"
          pressed={view.materials}
          disabled={!dual}
          onClick={() => dispatch({ type: "materials" })}
          {...(dual ? {} : { describedBy: whyNoMaterials })}
        />
        <ToolButton
          testid="tool-edge"
          text="viewer.tool.edge"
          keys="kbd.viewer.edge"
          pressed={view.edge > 0}
          onClick={() => dispatch({ type: "edge" })}
        />
        <label className="inline-field">
          <span>
            {t("viewer.colormap")} <Kbd keys={t("kbd.viewer.colormap")} />
          </span>
          <select
            data-testid="colormap"
            value={view.colormap}
            onChange={(e) => dispatch({ type: "colormap", colormap: e.target.value as Colormap })}
          >
            {COLORMAPS.map((c) => (
              <option key={c} value={c}>
                {t(`viewer.colormap.${c}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="tool-group">
        {tool_("ruler", "tool-ruler", "viewer.tool.ruler", "kbd.viewer.ruler")}
        {props.canAnnotate ? tool_("rect", "tool-rect", "viewer.tool.rect", "kbd.viewer.rect") : null}
        {props.canAnnotate ? tool_("free", "tool-free", "viewer.tool.free", "kbd.viewer.free") : null}
        <ToolButton
          testid="tool-layer"
          text="viewer.layer"
          keys="kbd.viewer.layer"
          pressed={state.layer}
          onClick={() => dispatch({ type: "layer" })}
        />
        <button type="button" className="btn tool" onClick={() => props.onZoom("out")} aria-label={t("viewer.zoomOut")}>
          −
        </button>
        <button type="button" className="btn tool" onClick={() => props.onZoom("in")} aria-label={t("viewer.zoomIn")}>
          +
        </button>
        <button type="button" className="btn tool" onClick={() => props.onZoom("home")}>
          {t("viewer.home")} <Kbd keys={t("kbd.viewer.home")} />
        </button>
      </div>
      {dual ? (
        view.materials ? <p className="hint">{t("viewer.materialsLegend")}</p> : null
      ) : (
        <p className="hint" id={whyNoMaterials}>
          {t("viewer.materialsUnavailable")}
        </p>
      )}
      <div className="tool-group sliders" role="group" aria-label={t("viewer.window.title")}>
        <label className="slider">
          <span>
            {t("viewer.window.low")} <output>{i18n.number(win.low)}</output>
          </span>
          <input
            type="range"
            data-testid="window-low"
            min={range.low}
            max={range.high}
            step={1}
            value={win.low}
            onChange={(e) => dispatch({ type: "window", window: withLow(win, Number(e.target.value), range) })}
          />
        </label>
        <label className="slider">
          <span>
            {t("viewer.window.high")} <output>{i18n.number(win.high)}</output>
          </span>
          <input
            type="range"
            data-testid="window-high"
            min={range.low}
            max={range.high}
            step={1}
            value={win.high}
            onChange={(e) => dispatch({ type: "window", window: withHigh(win, Number(e.target.value), range) })}
          />
        </label>
        <button
          type="button"
          className="btn btn-small"
          data-testid="window-auto"
          aria-pressed={view.window === null}
          onClick={() => dispatch({ type: "window", window: null })}
        >
          {t("viewer.window.auto")}
        </button>
        <p className="hint">{t("viewer.window.hint")}</p>
        <label className="slider">
          <span>{t("viewer.gamma", { value: view.gamma })}</span>
          <input
            type="range"
            data-testid="gamma"
            min={GAMMA_MIN}
            max={GAMMA_MAX / 2}
            step={0.05}
            value={view.gamma}
            onChange={(e) => dispatch({ type: "gamma", gamma: Number(e.target.value) })}
          />
        </label>
        <label className="slider">
          <span>{t("viewer.edgeStrength", { value: view.edge })}</span>
          <input
            type="range"
            data-testid="edge-strength"
            min={0}
            max={EDGE_MAX}
            step={0.5}
            value={view.edge}
            onChange={(e) => dispatch({ type: "edge", strength: Number(e.target.value) })}
          />
        </label>
      </div>
    </div>
  );
}
