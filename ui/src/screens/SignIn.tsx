// Officer ID and PIN. Every change after this is attributed to the officer.
// On the vehicle the PIN also opens the encrypted data: the first sign-in
// after the app starts takes longer (longer still while data not yet
// encrypted is encrypted), so the wait says what is happening. Only an
// officer who holds a key signs in (the first officer of a new vehicle
// gets theirs here); others are added in Settings by one who holds a key.

import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useTransport } from "../app/TransportProvider.tsx";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { Session } from "../transport/transport.ts";

export function SignIn(props: { onSignedIn: (s: Session) => void }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const [officer, setOfficer] = useState("");
  const [pin, setPin] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  // The start-up benchmark's mark: the app is ready for an officer's PIN.
  useEffect(() => {
    transport.reportReady?.("signin");
  }, [transport]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Trimmed: the vehicle names a key slot by the id exactly as sent.
      props.onSignedIn(await transport.signIn(officer.trim(), pin));
    } catch (err) {
      setError(toErrorBody(err));
      setPin("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel narrow" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
      <h1 id="signin-title">{t("signIn.title")}</h1>
      <p className="muted">{t("signIn.intro")}</p>
      <p className="muted">{t("signIn.encrypted")}</p>
      <div className="field">
        <label htmlFor="signin-officer">{t("signIn.officer")}</label>
        <input
          id="signin-officer"
          value={officer}
          onChange={(e) => setOfficer(e.target.value)}
          autoComplete="username"
          autoCapitalize="characters"
          spellCheck={false}
          aria-describedby="signin-officer-hint"
          required
          autoFocus
        />
        <p className="hint" id="signin-officer-hint">
          {t("signIn.officerHint")}
        </p>
      </div>
      <div className="field">
        <label htmlFor="signin-pin">{t("signIn.pin")}</label>
        <input
          id="signin-pin"
          type="password"
          inputMode="numeric"
          autoComplete="current-password"
          value={pin}
          onChange={(e) => setPin(e.target.value)}
          aria-describedby="signin-pin-hint"
          required
        />
        <p className="hint" id="signin-pin-hint">
          {t("signIn.pinHint")}
        </p>
      </div>
      {/* No PIN chosen here gives a key: an officer who holds one adds a new officer. */}
      <p className="hint signin-first-time" data-testid="signin-first-time">
        {t("signIn.firstTime")}
      </p>
      <ErrorNotice error={error} {...(error?.code === "refused" ? { lead: t("signIn.wrong") } : {})} />
      <p className="notice" role="status" data-testid="signin-busy" hidden={!busy}>
        {busy ? t("signIn.opening") : ""}
      </p>
      <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
        {busy ? t("signIn.busy") : t("signIn.submit")}
      </button>
    </form>
  );
}
