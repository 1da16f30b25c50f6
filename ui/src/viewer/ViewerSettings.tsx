// The view settings that do not fit a rail: the colour map, the window
// sliders (raw values), gamma and edge strength, and what the material
// colours mean. Shown in a side panel, or folded under the image.

import type { ReactNode } from "react";
import { Kbd } from "../app/Kbd.tsx";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Colormap } from "../transport/types.ts";
import { COLORMAPS, EDGE_MAX, GAMMA_MAX, GAMMA_MIN, materialsAvailable, withHigh, withLow, type Window } from "./viewParams.ts";
import type { ViewerAction, ViewerState } from "./viewerState.ts";

export function ViewerSettings(props: {
  state: ViewerState;
  dispatch: (a: ViewerAction) => void;
  planes: number;
  window: Window;
  range: Window;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { state, dispatch, window: win, range } = props;
  const { view } = state;
  const dual = materialsAvailable(props.planes);
  return (
    <div className="viewer-settings-body">
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
      {dual ? (
        view.materials ? <p className="hint">{t("viewer.materialsLegend")}</p> : null
      ) : (
        <p className="hint">{t("viewer.materialsUnavailable")}</p>
      )}
      <div className="sliders" role="group" aria-label={t("viewer.window.title")}>
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
