// The shortcuts, listed where the crew can always find them: a button in
// the top bar (or the ? key) opens the list over the screen.

import { useState, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { VIEWER_SHORTCUTS } from "../viewer/keymap.ts";
import { Icon } from "./Icon.tsx";
import { Kbd } from "./Kbd.tsx";
import { useShortcut } from "./shortcuts.ts";

function Rows(props: { rows: [string, string][] }): ReactNode {
  return (
    <dl>
      {props.rows.map(([keys, what]) => (
        <div key={`${keys} ${what}`} className="shortcut">
          <dt>
            <Kbd keys={keys} />
          </dt>
          <dd>{what}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ShortcutsHelp(): ReactNode {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  useShortcut({ key: "?" }, () => setOpen((o) => !o));
  const rows: [string, string][] = [
    [t("kbd.newInspection"), t("shortcuts.newInspection")],
    [t("kbd.search"), t("shortcuts.search")],
    [t("kbd.queueMove"), t("shortcuts.queueMove")],
    [t("kbd.queueOpen"), t("shortcuts.queueOpen")],
    [t("kbd.back"), t("shortcuts.back")],
    [t("kbd.panel"), t("shortcuts.panel")],
    [t("kbd.submit"), t("shortcuts.submit")],
    [t("kbd.saveNotes"), t("shortcuts.saveNotes")],
    [`${t("kbd.outcome", { n: 1 })} … ${t("kbd.outcome", { n: 4 })}`, t("shortcuts.outcome")],
    [`${t("kbd.trainingSuspect")} / ${t("kbd.trainingClear")}`, t("shortcuts.training")],
    [t("kbd.lock"), t("shortcuts.lock")],
    [t("kbd.help"), t("shortcuts.help")],
  ];
  const viewer: [string, string][] = VIEWER_SHORTCUTS.map((s) => [t(s.keys), t(s.what)]);
  return (
    <details className="shortcuts" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary title={t("kbd.hint", { keys: t("kbd.help") })}>
        <Icon name="keyboard" />
        <span className="sr-only">{t("shortcuts.title")}</span>
        <Kbd keys={t("kbd.help")} />
      </summary>
      <div className="shortcuts-list">
        <Rows rows={rows} />
        <h3>{t("shortcuts.viewer")}</h3>
        <Rows rows={viewer} />
      </div>
    </details>
  );
}
