import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { errorText } from "./labels.ts";

/** A failed operation in plain words, with Rust's message as the detail. */
export function ErrorNotice(props: { error: { code: string; message: string } | null; lead?: string }): ReactNode {
  const i18n = useI18n();
  const { error, lead } = props;
  if (error === null) return null;
  return (
    <div className="notice notice-error" role="alert">
      <p>{lead ?? errorText(i18n, error.code)}</p>
      {error.message === "" ? null : <p className="detail">{i18n.t("common.detail", { detail: error.message })}</p>}
    </div>
  );
}
