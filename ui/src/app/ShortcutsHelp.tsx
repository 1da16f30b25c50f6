import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { Kbd } from "./Kbd.tsx";

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
  return (
    <details className="shortcuts">
      <summary>{t("shortcuts.title")}</summary>
      <dl>
        {rows.map(([keys, what]) => (
          <div key={what} className="shortcut">
            <dt>
              <Kbd keys={keys} />
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
