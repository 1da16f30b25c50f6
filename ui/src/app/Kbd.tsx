import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";

/** A shortcut shown next to the action it triggers. */
export function Kbd(props: { keys: string }): ReactNode {
  const { t } = useI18n();
  return (
    <kbd className="kbd" title={t("kbd.hint", { keys: props.keys })}>
      {props.keys}
    </kbd>
  );
}
