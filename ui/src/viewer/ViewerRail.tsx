// The viewer's tools as a compact vertical rail of icon buttons: each names
// itself (aria-label) and its key (title, and the small letter in its
// corner). Pressed state is aria-pressed. At least 44 px square, for touch.

import type { ReactNode } from "react";
import { Icon, type IconName } from "../app/Icon.tsx";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { PlainMessageKey as MessageKey } from "../i18n/messages.ts";
import { materialsAvailable } from "./viewParams.ts";
import type { Tool, ViewerAction, ViewerState } from "./viewerState.ts";

function RailButton(props: {
  testid: string;
  /** Its name: the message key. */
  name: MessageKey;
  keys: MessageKey;
  icon: IconName;
  /** Toggles show it; actions (zoom) leave it out. */
  pressed?: boolean;
  disabled?: boolean;
  describedBy?: string;
  /** The key works here (the viewer has the keyboard): say so. */
  showKey: boolean;
  onClick: () => void;
}): ReactNode {
  const { t } = useI18n();
  const label = t(props.name);
  const keys = t(props.keys);
  return (
    <button
      type="button"
      className="rail-btn"
      data-testid={props.testid}
      aria-label={label}
      title={props.showKey ? t("common.withKey", { label, keys }) : label}
      onClick={props.onClick}
      disabled={props.disabled ?? false}
      {...(props.pressed === undefined ? {} : { "aria-pressed": props.pressed })}
      {...(props.describedBy === undefined ? {} : { "aria-describedby": props.describedBy })}
    >
      <Icon name={props.icon} />
      {props.showKey ? (
        <span className="rail-key" aria-hidden="true">
          {keys}
        </span>
      ) : null}
    </button>
  );
}

export function ViewerRail(props: {
  idPrefix: string;
  state: ViewerState;
  dispatch: (a: ViewerAction) => void;
  planes: number;
  /** The mark tools offered. */
  canRect: boolean;
  canFree: boolean;
  /** The viewer's keys work (false in a comparison). */
  keyboard: boolean;
  onZoom: (how: "in" | "out" | "home") => void;
}): ReactNode {
  const { t } = useI18n();
  const { state, dispatch, keyboard } = props;
  const { view, tool } = state;
  const toolButton = (tl: Exclude<Tool, "pan">, icon: IconName, label: MessageKey, keys: MessageKey): ReactNode => (
    <RailButton
      showKey={keyboard}
      testid={`tool-${tl}`}
      icon={icon}
      name={label}
      keys={keys}
      pressed={tool === tl}
      onClick={() => dispatch({ type: "tool", tool: tl })}
    />
  );
  const dual = materialsAvailable(props.planes);
  const whyNoMaterials = `${props.idPrefix}-no-materials`;
  return (
    <div className="viewer-rail" role="toolbar" aria-orientation="vertical" aria-label={t("viewer.tools")}>
      <div className="rail-group">
        {toolButton("window", "window", "viewer.tool.window", "kbd.viewer.window")}
        <RailButton
          showKey={keyboard}
          testid="tool-invert"
          icon="invert"
          name="viewer.tool.invert"
          keys="kbd.viewer.invert"
          pressed={view.invert}
          onClick={() => dispatch({ type: "invert" })}
        />
        <RailButton
          showKey={keyboard}
          testid="tool-colormap"
          icon="colormap"
          name="viewer.shortcut.colormap"
          keys="kbd.viewer.colormap"
          onClick={() => dispatch({ type: "colormap" })}
        />
        <RailButton
          showKey={keyboard}
          testid="tool-materials"
          icon="materials"
          name="viewer.tool.materials"
          keys="kbd.viewer.materials"
          pressed={view.materials}
          disabled={!dual}
          onClick={() => dispatch({ type: "materials" })}
          {...(dual ? {} : { describedBy: whyNoMaterials })}
        />
        <RailButton
          showKey={keyboard}
          testid="tool-edge"
          icon="edges"
          name="viewer.tool.edge"
          keys="kbd.viewer.edge"
          pressed={view.edge > 0}
          onClick={() => dispatch({ type: "edge" })}
        />
      </div>
      <div className="rail-group">
        {toolButton("ruler", "ruler", "viewer.tool.ruler", "kbd.viewer.ruler")}
        {props.canRect ? toolButton("rect", "rect", "viewer.tool.rect", "kbd.viewer.rect") : null}
        {props.canFree ? toolButton("free", "free", "viewer.tool.free", "kbd.viewer.free") : null}
        <RailButton
          showKey={keyboard}
          testid="tool-layer"
          icon="layer"
          name="viewer.shortcut.layer"
          keys="kbd.viewer.layer"
          pressed={state.layer}
          onClick={() => dispatch({ type: "layer" })}
        />
      </div>
      <div className="rail-group">
        <RailButton showKey={keyboard} testid="tool-zoom-in" icon="zoomIn" name="viewer.zoomIn" keys="kbd.viewer.zoomIn" onClick={() => props.onZoom("in")} />
        <RailButton showKey={keyboard} testid="tool-zoom-out" icon="zoomOut" name="viewer.zoomOut" keys="kbd.viewer.zoomOut" onClick={() => props.onZoom("out")} />
        <RailButton showKey={keyboard} testid="tool-home" icon="home" name="viewer.home" keys="kbd.viewer.home" onClick={() => props.onZoom("home")} />
      </div>
      {dual ? null : (
        <span className="sr-only" id={whyNoMaterials}>
          {t("viewer.materialsUnavailable")}
        </span>
      )}
    </div>
  );
}
