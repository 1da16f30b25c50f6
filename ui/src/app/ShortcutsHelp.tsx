import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { VIEWER_SHORTCUTS } from "../viewer/keymap.ts";
import { Kbd } from "./Kbd.tsx";

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

/** The shortcuts, listed where the crew can always find them. */
export function ShortcutsHelp(): ReactNode {
  const { t } = useI18n();
  const rows: [string, string][] = [
    [t("kbd.newInspection"), t("shortcuts.newInspection")],
    [t("kbd.search"), t("shortcuts.search")],
    [t("kbd.back"), t("shortcuts.back")],
    [t("kbd.submit"), t("shortcuts.submit")],
    [t("kbd.saveNotes"), t("shortcuts.saveNotes")],
    [`${t("kbd.outcome", { n: 1 })} … ${t("kbd.outcome", { n: 4 })}`, t("shortcuts.outcome")],
  ];
  const viewer: [string, string][] = VIEWER_SHORTCUTS.map((s) => [t(s.keys), t(s.what)]);
  return (
    <details className="shortcuts">
      <summary>{t("shortcuts.title")}</summary>
      <Rows rows={rows} />
      <h3>{t("shortcuts.viewer")}</h3>
      <Rows rows={viewer} />
    </details>
  );
}
