// The console's top bar: its name, the queue, the fleet (administrators),
// the hotlists (all but trainers), the statistics (supervisors and
// auditors), training (trainers, supervisors and auditors; all a trainer
// has), the audit trail (auditors and administrators), the count of open
// hotlist hits (a link to the queue filtered to them), the user and role,
// the language, sign out.

import { useEffect, type ReactNode } from "react";
import { Link, NavLink } from "react-router";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { LANGUAGES, type Language } from "../i18n/messages.ts";
import { mayFollowTraining, mayReadHotlists, mayReadQueue, mayReadTrail, mayRunFleet, type ConsoleUser } from "../transport/console.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { roleLabel } from "./labels.ts";
import { searchFromQuery } from "./queueQuery.ts";
import { mayReadStatistics } from "./statistics.ts";
import { useServerVersion } from "./useServerVersion.ts";

/** Where the top bar's badge leads: the queue, filtered to unanswered hits. */
export const OPEN_HITS_LINK = `/${searchFromQuery({ alerts: "open" })}`;

/**
 * The open-hits count on pages other than the queue (which reports it from
 * its own pages): read again whenever the server's data changes.
 */
export function OpenAlertsWatch(props: { onChange: (count: number) => void }): null {
  const transport = useConsoleTransport();
  const { version } = useServerVersion(transport);
  const { onChange } = props;
  useEffect(() => {
    if (version === null) return undefined;
    let live = true;
    transport.queue({ alerts: "open", limit: 1, offset: 0 }).then(
      (p) => {
        if (live) onChange(p.counts.open_alerts);
      },
      () => {
        // The badge keeps its last count; the page says what failed.
      },
    );
    return () => {
      live = false;
    };
  }, [transport, version, onChange]);
  return null;
}

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

export function TopBar(props: {
  user: ConsoleUser | null;
  demo: boolean;
  queueSearch: string;
  /** Inspections with an unanswered hotlist alert, fleet-wide; null until known. */
  openAlerts: number | null;
  onSignOut: () => void;
}): ReactNode {
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
          {mayReadQueue(user.role) ? (
            <NavLink to={`/${props.queueSearch}`} end>
              {t("console.queue.title")}
            </NavLink>
          ) : null}
          {mayRunFleet(user.role) ? (
            <NavLink to="/fleet" data-testid="nav-fleet">
              {t("console.nav.fleet")}
            </NavLink>
          ) : null}
          {mayReadHotlists(user.role) ? (
            <NavLink to="/hotlists" data-testid="nav-hotlists">
              {t("console.nav.hotlists")}
            </NavLink>
          ) : null}
          {mayReadStatistics(user.role) ? (
            <NavLink to="/statistics" data-testid="nav-statistics">
              {t("console.nav.statistics")}
            </NavLink>
          ) : null}
          {mayFollowTraining(user.role) ? (
            <NavLink to="/training" data-testid="nav-training">
              {t("console.nav.training")}
            </NavLink>
          ) : null}
          {mayReadTrail(user.role) ? (
            <NavLink to="/audit" data-testid="nav-audit">
              {t("console.nav.audit")}
            </NavLink>
          ) : null}
        </nav>
      )}
      {user === null || !mayReadQueue(user.role) || props.openAlerts === null ? null : (
        <Link
          to={OPEN_HITS_LINK}
          className={`c-hits${props.openAlerts > 0 ? " c-hits-open" : ""}`}
          title={t("console.hits.badgeTitle")}
          data-testid="open-hits"
          data-count={props.openAlerts}
        >
          {t("console.hits.badge", { count: props.openAlerts })}
        </Link>
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
