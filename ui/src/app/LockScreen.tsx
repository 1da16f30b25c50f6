// The app while locked: the whole window, and nothing of the vehicle's
// data in it (no queue, inspection, plate, scan, alert or sync figure:
// the screens that show them are not mounted). The officer who was signed
// in is filled in; another officer of the crew can type theirs. Hotlist
// alerts a camera raises meanwhile are counted and ring, never shown: the
// count says to unlock.

import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { Session } from "../transport/transport.ts";
import { useAlarm } from "./alarm.ts";
import { ErrorNotice } from "./ErrorNotice.tsx";
import { Icon } from "./Icon.tsx";
import { useTransport } from "./TransportProvider.tsx";
import type { ErrorBody } from "./useLoad.ts";

/** Hotlist alerts announced since the lock: how many, whether any is high priority. */
function useAlertsWhileLocked(): { count: number; urgent: boolean } {
  const transport = useTransport();
  const [waiting, setWaiting] = useState({ count: 0, urgent: false });
  useEffect(
    () =>
      transport.subscribeAlerts((e) =>
        setWaiting((w) => ({
          count: w.count + e.alerts.length,
          urgent: w.urgent || e.alerts.some((a) => a.priority === "high"),
        })),
      ),
    [transport],
  );
  return waiting;
}

export function LockScreen(props: { officer: string; onUnlocked: (s: Session) => void }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const [officer, setOfficer] = useState(props.officer);
  const [pin, setPin] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const pinField = useRef<HTMLInputElement>(null);
  const alerts = useAlertsWhileLocked();
  // Alerts the crew has heard (silenced); a new one rings again.
  const [heard, setHeard] = useState(0);
  useAlarm(alerts.count > heard, alerts.urgent);

  const unlock = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Trimmed: the vehicle names a key slot by the id exactly as sent.
      props.onUnlocked(await transport.signIn(officer.trim(), pin));
    } catch (err) {
      setError(toErrorBody(err));
      setPin("");
      setBusy(false);
      // Ready for the next try.
      pinField.current?.focus();
    }
  };

  return (
    <main className="lock-screen" data-testid="lock-screen">
      <form className="panel narrow lock-panel" onSubmit={(e) => void unlock(e)} aria-labelledby="lock-title">
        <p className="brand">{t("app.name")}</p>
        <h1 id="lock-title" className="lock-title">
          <Icon name="lock" size={28} />
          {t("lock.title")}
        </h1>
        <p className="muted">{t("lock.intro")}</p>
        {alerts.count > 0 ? (
          <div className="notice lock-alerts" role="alert" data-testid="lock-alerts" data-count={alerts.count}>
            <p>{t("lock.alertsWaiting", { count: alerts.count })}</p>
            {alerts.count > heard ? (
              <button type="button" className="btn btn-small" onClick={() => setHeard(alerts.count)}>
                {t("alerts.silence")}
              </button>
            ) : null}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="lock-officer">{t("signIn.officer")}</label>
          <input
            id="lock-officer"
            value={officer}
            onChange={(e) => setOfficer(e.target.value)}
            autoComplete="username"
            autoCapitalize="characters"
            spellCheck={false}
            aria-describedby="lock-officer-hint"
            required
          />
          <p className="hint" id="lock-officer-hint">
            {t("lock.officerHint")}
          </p>
        </div>
        <div className="field">
          <label htmlFor="lock-pin">{t("signIn.pin")}</label>
          <input
            ref={pinField}
            id="lock-pin"
            type="password"
            inputMode="numeric"
            autoComplete="current-password"
            value={pin}
            onChange={(e) => setPin(e.target.value)}
            required
            autoFocus
          />
        </div>
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          {busy ? t("lock.busy") : t("lock.submit")}
        </button>
      </form>
    </main>
  );
}
