import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { consoleErrorText } from "./labels.ts";

/** A failed call in the console's words, with the server's message as the detail. */
export function ConsoleError(props: { error: { code: string; message: string } | null; lead?: string }): ReactNode {
  const i18n = useI18n();
  const { error, lead } = props;
  if (error === null) return null;
  return (
    <div className="notice notice-error c-error" role="alert" data-code={error.code}>
      <p>{lead ?? consoleErrorText(i18n, error.code)}</p>
      {error.message === "" ? null : <p className="detail">{i18n.t("console.detail", { detail: error.message })}</p>}
    </div>
  );
}
