// The crew's answer to a hotlist alert: an optional note and one button per
// response (confirmed, false match, action taken). Shared by the banner and
// the inspection's alerts card; the caller records the response, and the
// alert, answered, leaves whatever shows it open.

import { useId, useState, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { AlertResponseKind } from "../transport/types.ts";
import { ErrorNotice } from "./ErrorNotice.tsx";
import { alertResponseLabel, errorText } from "./labels.ts";

export const RESPONSES: readonly AlertResponseKind[] = ["confirmed", "false_match", "action_taken"];

/** Longest note (Rust: 2000 characters). */
const NOTE_MAX = 2_000;

export function AlertRespond(props: {
  onRespond: (response: AlertResponseKind, note: string) => Promise<void>;
  /** "big" in the banner (large buttons), "small" in a side panel. */
  size: "big" | "small";
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const noteId = useId();
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  const respond = async (response: AlertResponseKind): Promise<void> => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await props.onRespond(response, note.trim());
    } catch (e) {
      setError(toErrorBody(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={`alert-respond is-${props.size}`} data-testid="alert-respond">
      <div className="alert-note">
        <label htmlFor={noteId}>{t("alerts.note")}</label>
        <input
          id={noteId}
          type="text"
          value={note}
          maxLength={NOTE_MAX}
          placeholder={t("alerts.notePlaceholder")}
          autoComplete="off"
          disabled={busy}
          data-testid="alert-note"
          onChange={(e) => setNote(e.target.value)}
        />
      </div>
      <div className="alert-buttons" role="group" aria-label={t("alerts.respondLabel")}>
        {RESPONSES.map((r) => (
          <button
            key={r}
            type="button"
            className={`btn alert-btn response-${r}`}
            disabled={busy}
            data-response={r}
            onClick={() => void respond(r)}
          >
            {alertResponseLabel(i18n, r)}
          </button>
        ))}
      </div>
      {busy ? (
        <p className="msg" role="status">
          {t("alerts.saving")}
        </p>
      ) : null}
      <ErrorNotice error={error} {...(error === null ? {} : { lead: `${t("alerts.respondFailed")} ${errorText(i18n, error.code)}` })} />
    </div>
  );
}
