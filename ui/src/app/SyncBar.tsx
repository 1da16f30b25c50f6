// Always visible: is there a link, what is waiting to be sent, when the
// server last acknowledged everything, and what went wrong, in plain words.

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { SyncEvent } from "../transport/transport.ts";
import { errorText } from "./labels.ts";

export function SyncBar(props: { event: SyncEvent | null; onSyncNow: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { event } = props;
  if (event === null) {
    return (
      <section className="syncbar" aria-label={t("sync.region")}>
        <span className="muted">{t("app.loading")}</span>
      </section>
    );
  }
  const { status, link, error } = event;
  const linkText = link === "online" ? t("sync.online") : link === "offline" ? t("sync.offline") : t("sync.syncing");
  const notEnrolled = !status.enrolled && status.server === null;
  // "Not enrolled" has its own line; any other failure is shown with its time.
  const failed = error !== null ? error.code !== "not_enrolled" : status.last_error !== null && !notEnrolled;
  return (
    <section className="syncbar" aria-label={t("sync.region")}>
      <span className={`pill link-${link}`} data-testid="sync-link" data-link={link}>
        <span className="dot" aria-hidden="true" />
        {linkText}
      </span>
      <span className={status.pending > 0 ? "count warn" : "count"} data-testid="sync-pending" data-count={status.pending}>
        {t("sync.recordsPending", { count: status.pending })}
      </span>
      <span
        className={status.blobs.bytes_pending > 0 ? "count warn" : "count"}
        data-testid="sync-scans-pending"
        data-bytes={status.blobs.bytes_pending}
      >
        {t("sync.scansPending", { size: i18n.bytes(status.blobs.bytes_pending) })}
      </span>
      <span className="count">
        {status.last_sync_ms === null ? t("sync.never") : t("sync.lastSync", { time: i18n.dateTime(status.last_sync_ms) })}
      </span>
      {status.rejected > 0 ? <span className="count bad">{t("sync.rejected", { count: status.rejected })}</span> : null}
      <button type="button" className="btn btn-small" data-testid="sync-now" onClick={props.onSyncNow} disabled={link === "syncing"}>
        {t("sync.now")}
      </button>
      <div className="syncbar-messages" aria-live="polite">
        {notEnrolled ? <p className="warn">{t("sync.notEnrolled")}</p> : null}
        {failed ? (
          <p className="bad" data-testid="sync-error">
            {error !== null ? `${errorText(i18n, error.code)} ` : ""}
            {status.last_attempt_ms !== null ? t("sync.failed", { time: i18n.time(status.last_attempt_ms) }) : null}{" "}
            <span className="detail">{t("common.detail", { detail: error?.message ?? status.last_error ?? "" })}</span>
          </p>
        ) : null}
      </div>
    </section>
  );
}
