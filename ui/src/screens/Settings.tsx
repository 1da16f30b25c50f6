// Language (switches at once), when the app locks itself, the officers who
// can open this vehicle's data (adding and removing their keys), a unit name for
// this device's screens, the scanner's watch folder, how often a training item is projected into a
// live scan, and the enrollment token that ties the vehicle to its server.

import { useCallback, useState, type ChangeEvent, type FormEvent, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useTransport } from "../app/TransportProvider.tsx";
import type { LockAfterMinutes } from "../app/preferences.ts";
import { cameraAvailable, decodeQrFile } from "../app/qrImage.ts";
import { useSync } from "../app/useSync.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { LANGUAGES } from "../i18n/messages.ts";
import { toErrorBody } from "../transport/errors.ts";
import { LiveTipSetting } from "./LiveTipSetting.tsx";
import { LockSetting } from "./LockSetting.tsx";
import { OfficerKeys } from "./OfficerKeys.tsx";
import { QrCamera } from "./QrCamera.tsx";
import { WatchFolder } from "./WatchFolder.tsx";

/** What reading a QR code came to: a token in the field, nothing found, an unreadable file. */
type QrRead = "read" | "none" | "unreadable" | null;

export interface SettingsProps {
  /** The officer signed in: confirms changes of keys with their PIN. */
  officer: string;
  unitName: string;
  onUnitNameChange: (name: string) => void;
  lockAfterMinutes: LockAfterMinutes;
  onLockAfterChange: (minutes: LockAfterMinutes) => void;
}

export function Settings(props: SettingsProps): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const status = useSync()?.status ?? null;
  const [unit, setUnit] = useState(props.unitName);
  const [unitSaved, setUnitSaved] = useState(false);
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [qr, setQr] = useState<QrRead>(null);
  const [camera, setCamera] = useState(false);

  const tokenRead = useCallback((text: string): void => {
    setToken(text.trim());
    setQr("read");
    setCamera(false);
  }, []);
  const readQrFile = async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = e.target.files?.[0];
    e.target.value = ""; // the same file may be picked again
    if (file === undefined) return;
    setQr(null);
    try {
      const text = await decodeQrFile(file);
      if (text === null) setQr("none");
      else tokenRead(text);
    } catch {
      setQr("unreadable");
    }
  };

  const saveUnit = (e: FormEvent): void => {
    e.preventDefault();
    props.onUnitNameChange(unit.trim());
    setUnitSaved(true);
  };
  const enroll = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await transport.enroll(token);
      setToken("");
    } catch (err) {
      setError(toErrorBody(err));
    } finally {
      setBusy(false);
    }
  };

  const enrollment =
    status === null
      ? null
      : status.enrolled && status.unit !== null
        ? t("settings.enrolled", { unit: status.unit })
        : status.unit !== null
          ? t("settings.enrollPending", { unit: status.unit })
          : t("settings.notEnrolled");

  return (
    <section className="panel" aria-labelledby="settings-title">
      <h1 id="settings-title">{t("settings.title")}</h1>

      <fieldset className="card segmented">
        <legend>{t("settings.language")}</legend>
        {LANGUAGES.map((lang) => (
          <label key={lang} className="tile" lang={lang}>
            <input
              type="radio"
              name="language"
              value={lang}
              checked={i18n.lang === lang}
              onChange={() => i18n.setLanguage(lang)}
            />
            <span>{t(`settings.lang.${lang}`)}</span>
          </label>
        ))}
      </fieldset>

      <LockSetting minutes={props.lockAfterMinutes} onChange={props.onLockAfterChange} />

      <OfficerKeys officer={props.officer} />

      <form className="card" onSubmit={saveUnit}>
        <div className="field">
          <label htmlFor="unit-name">{t("settings.unit")}</label>
          <input
            id="unit-name"
            value={unit}
            onChange={(e) => {
              setUnit(e.target.value);
              setUnitSaved(false);
            }}
            aria-describedby="unit-name-hint"
            {...(status?.unit ? { placeholder: status.unit } : {})}
          />
          <p className="hint" id="unit-name-hint">
            {t("settings.unitHint")}
            {status?.unit ? ` ${t("settings.unitEnrolled", { unit: status.unit })}` : ""}
          </p>
        </div>
        <div className="actions">
          <button type="submit" className="btn">
            {t("settings.save")}
          </button>
          <span className="muted" aria-live="polite">
            {unitSaved ? t("settings.saved") : ""}
          </span>
        </div>
      </form>

      <WatchFolder />

      <LiveTipSetting />

      <form className="card" onSubmit={(e) => void enroll(e)} aria-labelledby="enroll-title">
        <h2 id="enroll-title">{t("settings.enrollment")}</h2>
        <p aria-live="polite" data-testid="enrollment-state">
          {enrollment}
        </p>
        {status?.server ? <p className="muted">{t("settings.server", { server: status.server })}</p> : null}
        {status ? <p className="muted code">{t("settings.device", { key: `${status.device.slice(0, 16)}…` })}</p> : null}
        <div className="field">
          <label htmlFor="enroll-token">{t("settings.token")}</label>
          <textarea
            id="enroll-token"
            className="code"
            rows={3}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            spellCheck={false}
            autoComplete="off"
            aria-describedby="enroll-token-hint"
          />
          <p className="hint" id="enroll-token-hint">
            {t("settings.tokenHint")}
          </p>
        </div>
        <div className="actions qr-actions">
          <label className="btn">
            {t("settings.qrFromImage")}
            <input
              type="file"
              className="sr-only"
              accept="image/*,.svg"
              data-testid="enroll-qr-file"
              onChange={(e) => void readQrFile(e)}
            />
          </label>
          {cameraAvailable() && !camera ? (
            <button type="button" className="btn" data-testid="enroll-qr-camera" onClick={() => setCamera(true)}>
              {t("settings.qrFromCamera")}
            </button>
          ) : null}
          <span className={qr === "read" ? "muted" : "warn"} aria-live="polite" data-testid="enroll-qr-status" data-state={qr ?? ""}>
            {qr === "read"
              ? t("settings.qrRead", { enroll: t("settings.enroll") })
              : qr === "none"
                ? t("settings.qrNone")
                : qr === "unreadable"
                  ? t("settings.qrUnreadable")
                  : ""}
          </span>
        </div>
        {camera ? <QrCamera onRead={tokenRead} onClose={() => setCamera(false)} /> : null}
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy || token.trim() === ""}>
          {busy ? t("settings.enrolling") : t("settings.enroll")}
        </button>
      </form>
    </section>
  );
}
