// Import progress lines: importing, imported, or not imported and why.

import type { ReactNode } from "react";
import { errorText } from "../app/labels.ts";
import type { ImportEntry } from "../domain/importLog.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";

export function ImportList(props: { entries: readonly ImportEntry[]; label: string }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  if (props.entries.length === 0) return null;
  return (
    <ul className="plain import-list" aria-label={props.label} aria-live="polite">
      {props.entries.map((e, i) => (
        <li key={`${i}-${e.file}-${e.stage}`} className={`import-${e.stage}`} data-testid="import-entry" data-stage={e.stage}>
          <span className="dot" aria-hidden="true" />
          {e.stage === "started"
            ? t("import.started", { file: e.file })
            : e.stage === "done"
              ? t("import.done", { file: e.file })
              : t("import.failed", { file: e.file, reason: errorText(i18n, e.error?.code ?? "unknown") })}
          {e.stage === "failed" && e.error !== null && e.error.message !== "" ? (
            <span className="detail"> {t("common.detail", { detail: e.error.message })}</span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
