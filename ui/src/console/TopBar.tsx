// The console's top bar: its name, the queue, the user and role, the
// language, sign out.

import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { LANGUAGES, type Language } from "../i18n/messages.ts";
import type { ConsoleUser } from "../transport/console.ts";
import { roleLabel } from "./labels.ts";

export function LanguageSwitch(): ReactNode {
  const { t, lang, setLanguage } = useI18n();
  return (
    <div className="c-lang" role="group" aria-label={t("console.language")}>
      {LANGUAGES.map((l: Language) => (
        <button key={l} type="button" className="c-lang-btn" lang={l} aria-pressed={lang === l} onClick={() => setLanguage(l)} data-testid={`lang-${l}`}>
          {t(`settings.lang.${l}`)}
        </button>
      ))}
    </div>
  );
}

export function TopBar(props: { user: ConsoleUser | null; demo: boolean; queueSearch: string; onSignOut: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { user } = props;
  return (
    <header className="c-topbar">
      <span className="brand">{t("app.name")}</span>
      <span className="c-product">{t("console.name")}</span>
      {props.demo ? (
        <span className="c-demo" title={t("console.demo")}>
          {t("console.demoBadge")}
        </span>
      ) : null}
      {user === null ? null : (
        <nav className="c-nav" aria-label={t("console.nav")}>
          <NavLink to={`/${props.queueSearch}`} end>
            {t("console.queue.title")}
          </NavLink>
        </nav>
      )}
      <span className="c-spacer" />
      {user === null ? null : (
        <span className="c-user" data-testid="user">
          <span className="code">{user.name}</span> <span className={`c-role c-role-${user.role}`}>{roleLabel(i18n, user.role)}</span>
        </span>
      )}
      <LanguageSwitch />
      {user === null ? null : (
        <button type="button" className="btn btn-small" onClick={props.onSignOut} data-testid="sign-out">
          {t("console.signOut")}
        </button>
      )}
    </header>
  );
}
