// Always visible, on one line: is there a link, what is waiting to be sent,
// when the server last acknowledged everything, and what went wrong, in the
// UI's words (Rust's English detail is in the tooltip).

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { SyncEvent } from "../transport/transport.ts";
import { errorText } from "./labels.ts";

/** One figure of the bar; cut short on a narrow screen, so its words are its tooltip too. */
function Count(props: { className: string; testid?: string; data?: Record<`data-${string}`, number>; children: string }): ReactNode {
  return (
    <span
      className={props.className}
      title={props.children}
      {...(props.testid === undefined ? {} : { "data-testid": props.testid })}
      {...props.data}
    >
      {props.children}
    </span>
  );
}

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
  // Revoked: said in plain words with the centre's reason, whether it came
  // with this attempt or is remembered from an earlier one.
  const revokedReason = error?.code === "revoked" ? error.message : status.revoked;
  // "Not enrolled" has its own words; any other failure is shown with its time.
  const failed =
    revokedReason === null && (error !== null ? error.code !== "not_enrolled" : status.last_error !== null && !notEnrolled);
  const failure = [
    error === null ? null : errorText(i18n, error.code),
    status.last_attempt_ms === null ? null : t("sync.failed", { time: i18n.time(status.last_attempt_ms) }),
  ]
    .filter((s) => s !== null)
    .join(" ");
  const detail = error?.message ?? status.last_error ?? "";
  const diskLow = status.disk?.low === true;
  return (
    <section className={diskLow ? "syncbar with-alarm" : "syncbar"} aria-label={t("sync.region")}>
      <span className={`pill link-${link}`} data-testid="sync-link" data-link={link}>
        <span className="dot" aria-hidden="true" />
        {linkText}
      </span>
      {/* An alarm: never the part of the bar that gives way. */}
      {diskLow && status.disk !== null ? (
        <span
          className="disk-low bad"
          role="alert"
          data-testid="disk-low"
          data-free={status.disk.free_bytes}
          title={`${t("sync.diskLow", { free: i18n.bytes(status.disk.free_bytes) })}. ${t("sync.diskLowAdvice")}`}
        >
          {t("sync.diskLow", { free: i18n.bytes(status.disk.free_bytes) })}
        </span>
      ) : null}
      <Count className={status.pending > 0 ? "count warn" : "count"} testid="sync-pending" data={{ "data-count": status.pending }}>
        {t("sync.recordsPending", { count: status.pending })}
      </Count>
      <Count
        className={status.blobs.bytes_pending > 0 ? "count warn" : "count"}
        testid="sync-scans-pending"
        data={{ "data-bytes": status.blobs.bytes_pending }}
      >
        {t("sync.scansPending", { size: i18n.bytes(status.blobs.bytes_pending) })}
      </Count>
      <Count className="count shrink">
        {status.last_sync_ms === null ? t("sync.never") : t("sync.lastSync", { time: i18n.dateTime(status.last_sync_ms) })}
      </Count>
      {status.rejected > 0 ? <Count className="count bad">{t("sync.rejected", { count: status.rejected })}</Count> : null}
      <span className="syncbar-message" aria-live="polite">
        {notEnrolled ? <span className="warn">{t("sync.notEnrolled")}</span> : null}
        {revokedReason !== null ? (
          <span className="bad" role="alert" data-testid="sync-revoked">
            {t("sync.revoked", { reason: revokedReason.trim() === "" ? t("sync.revokedNoReason") : revokedReason.trim() })}
          </span>
        ) : null}
        {failed ? (
          <span
            className="bad"
            data-testid="sync-error"
            {...(detail === "" ? {} : { title: t("common.detail", { detail }) })}
          >
            {failure}
          </span>
        ) : null}
      </span>
      <button type="button" className="btn btn-small" data-testid="sync-now" onClick={props.onSyncNow} disabled={link === "syncing"}>
        {t("sync.now")}
      </button>
    </section>
  );
}
