// An operator workstation: the image gets the screen. A full-height grid
// with a thin header line, an optional vertical tool rail, the main region
// (the image: it never scrolls and is never scrolled away), a thin strip
// under it (scan thumbnails) and a side panel that can be collapsed and is
// the only part that scrolls.
//
//   ┌ header ──────────────────────────────────────┬───────┐
//   │ rail │ main                                  │ panel │
//   │      │                                       │ (its  │
//   │      ├─ strip ───────────────────────────────┤ own   │
//   └──────┴───────────────────────────────────────┴ scroll┘
//
// Generic: the crew's inspection screen and the supervisor console's use
// it. Every word comes from the caller, so it needs no message table.

import { useId, type ReactNode } from "react";
import { Icon } from "./Icon.tsx";
import { useShortcut, type Shortcut } from "./shortcuts.ts";

export interface WorkstationProps {
  /** Names the whole region for assistive technology. */
  label: string;
  /** A thin line above everything: title, state, a banner. */
  header?: ReactNode;
  /** A vertical rail of tools beside the main region (a viewer may bring its own). */
  rail?: ReactNode;
  /** Fills what is left; never scrolls. */
  main: ReactNode;
  /** A thin strip under the main region. */
  strip?: ReactNode;
  /** The side panel's content; it scrolls on its own. */
  panel: ReactNode;
  /** The side panel's accessible name. */
  panelLabel: string;
  panelOpen: boolean;
  onPanelOpenChange: (open: boolean) => void;
  /** Words of the show/hide button, and the key shown with them. */
  panelToggle: { show: string; hide: string; keys?: string };
  /** The key that shows or hides the panel; none when absent. */
  toggleKey?: Shortcut;
}

export function Workstation(props: WorkstationProps): ReactNode {
  const panelId = useId();
  const { panelOpen, onPanelOpenChange, panelToggle } = props;
  const toggle = (): void => onPanelOpenChange(!panelOpen);
  useShortcut(props.toggleKey ?? { key: "" }, toggle, props.toggleKey !== undefined);
  const words = panelOpen ? panelToggle.hide : panelToggle.show;

  return (
    <section className="workstation" aria-label={props.label} data-panel={panelOpen ? "open" : "closed"}>
      <div className="ws-header">
        <div className="ws-header-content">{props.header}</div>
        <button
          type="button"
          className="btn btn-small ws-panel-toggle"
          aria-controls={panelId}
          aria-expanded={panelOpen}
          aria-label={words}
          title={panelToggle.keys === undefined ? words : `${words} (${panelToggle.keys})`}
          data-testid="panel-toggle"
          onClick={toggle}
        >
          <Icon name="panel" />
          {panelToggle.keys === undefined ? null : (
            <kbd className="kbd" aria-hidden="true">
              {panelToggle.keys}
            </kbd>
          )}
        </button>
      </div>
      <div className="ws-body">
        {props.rail === undefined ? null : <div className="ws-rail">{props.rail}</div>}
        <div className="ws-main" data-testid="workstation-main">
          {props.main}
        </div>
        {props.strip === undefined || props.strip === null ? null : <div className="ws-strip">{props.strip}</div>}
      </div>
      <aside className="ws-panel" id={panelId} aria-label={props.panelLabel} hidden={!panelOpen} data-testid="workstation-panel">
        {props.panel}
      </aside>
    </section>
  );
}
