// Name and password. A wrong password and a throttled name (too many
// failures) are said in the UI's language; the server's message (when to
// try again) is the detail.

import { useState, type FormEvent, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { ConsoleUser } from "../transport/console.ts";
import { toErrorBody } from "../transport/errors.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";

export function Login(props: { onSignedIn: (u: ConsoleUser) => void; expired?: boolean }): ReactNode {
  const { t } = useI18n();
  const transport = useConsoleTransport();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await transport.login({ name: name.trim(), password }));
    } catch (err) {
      setError(toErrorBody(err));
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="c-login">
      <form className="c-login-form" onSubmit={(e) => void submit(e)} aria-labelledby="login-title" data-testid="login">
        <h1 id="login-title">{t("console.login.title")}</h1>
        <p className="muted">{t("console.login.intro")}</p>
        {props.expired === true && error === null ? (
          <p className="notice" role="status">
            {t("console.login.expired")}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="login-name">{t("console.login.name")}</label>
          <input
            id="login-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="username"
            autoCapitalize="characters"
            spellCheck={false}
            required
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t("console.login.password")}</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        <ConsoleError error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy || name.trim() === "" || password === ""}>
          {busy ? t("console.login.busy") : t("console.login.submit")}
        </button>
      </form>
    </main>
  );
}
