// The SUPERVISOR CONSOLE: served by kordon-server to browsers. Its own
// router (the server answers index.html for every path outside /api):
//   /                  the review queue (filters in the query string)
//   /inspections/:id   one inspection
//   /hotlists          the hotlists and risk profiles (administrators too)
//   /fleet             the fleet: vehicles, enrollment tokens, revocation
//                      (administrators only, and their landing page; the
//                      queue and inspections are not theirs: any other
//                      path leads them here)
//   /audit             the audit trail (auditors and administrators; the
//                      filters and the page in the query string)
//   /statistics        a period's figures, charts and tables (supervisors
//                      and auditors; the period and unit in the query string)
//   /training          trainees' exercises over time, a trainee's attempts
//                      (/training/trainee/:trainee), an attempt's images
//                      (/training/attempt/:id) (trainers, supervisors and
//                      auditors; trainers see nothing else: any other path
//                      leads them here)
// Sign-in until the server knows the user; a 401 from any call brings the
// sign-in back, and the page the user was on is kept in the URL.

import { lazy, Suspense, useCallback, useEffect, useEffectEvent, useState, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { loadPreferences, savePreferences, type Preferences } from "../app/preferences.ts";
import { I18nProvider, useI18n } from "../i18n/I18nProvider.tsx";
import type { Language } from "../i18n/messages.ts";
import { isConsoleErrorCode, mayFollowTraining, mayReadTrail, type ConsoleTransport, type ConsoleUser } from "../transport/console.ts";
import { toErrorBody } from "../transport/errors.ts";
import { ScanSourceProvider, type ScanSource } from "../viewer/scanSource.ts";
import { ConsoleTimeZone } from "./audit.ts";
import { AuditPage } from "./AuditPage.tsx";
import { ConsoleTransportProvider, ConsoleUserProvider, useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";
import { FleetPage } from "./FleetPage.tsx";
import { HotlistsPage } from "./HotlistsPage.tsx";
import { InspectionPage } from "./InspectionPage.tsx";
import { Login } from "./Login.tsx";
import { ReviewQueue } from "./ReviewQueue.tsx";
import { mayReadStatistics } from "./statistics.ts";
import { OpenAlertsWatch, TopBar } from "./TopBar.tsx";
import { TrainingSection } from "./TrainingPage.tsx";
import "./console.css";

// The statistics page brings Chart.js: its own chunk, loaded when the page is first opened.
const StatisticsPage = lazy(() => import("./StatisticsPage.tsx").then((m) => ({ default: m.StatisticsPage })));

export interface ConsoleAppProps {
  transport: ConsoleTransport;
  /** Where the console's routes start ("/console" in `npm run dev`). */
  basename?: string;
  /** Starting preferences (tests); otherwise this browser's. */
  preferences?: Preferences;
  /** Time zone for dates (tests); the browser's otherwise. */
  timeZone?: string;
}

/** The viewer's side of the console transport (marks go through the page's own source). */
export function consoleScanSource(transport: ConsoleTransport): ScanSource {
  return {
    scanInfo: (scan) => transport.scanInfo(scan),
    tileUrl: (scan, level, x, y, view) => transport.tileUrl(scan, level, x, y, view),
    thumbnailUrl: (scan, side, view) => transport.thumbnailUrl(scan, side, view),
    annotate: async (id, input) => (await transport.annotate(id, input)).view,
  };
}

export function ConsoleApp(props: ConsoleAppProps): ReactNode {
  return (
    <ConsoleProviders {...props}>
      <BrowserRouter {...(props.basename === undefined ? {} : { basename: props.basename })}>
        <ConsoleShell />
      </BrowserRouter>
    </ConsoleProviders>
  );
}

/** Everything but the router (tests put the shell in a MemoryRouter). */
export function ConsoleProviders(props: ConsoleAppProps & { children: ReactNode }): ReactNode {
  const [prefs, setPrefs] = useState<Preferences>(() => props.preferences ?? loadPreferences());
  const setLanguage = useCallback((language: Language) => {
    setPrefs((old) => {
      const next = { ...old, language };
      savePreferences(next);
      return next;
    });
  }, []);
  useEffect(() => {
    document.documentElement.lang = prefs.language;
  }, [prefs.language]);
  const [source] = useState(() => consoleScanSource(props.transport));
  return (
    <ConsoleTransportProvider transport={props.transport}>
      <ScanSourceProvider source={source}>
        <I18nProvider
          lang={prefs.language}
          onLanguageChange={setLanguage}
          {...(props.timeZone === undefined ? {} : { options: { timeZone: props.timeZone } })}
        >
          {/* The same zone for the audit page's days (the translator keeps its own to itself). */}
          <ConsoleTimeZone value={props.timeZone}>{props.children}</ConsoleTimeZone>
        </I18nProvider>
      </ScanSourceProvider>
    </ConsoleTransportProvider>
  );
}

export function ConsoleShell(): ReactNode {
  const { t } = useI18n();
  const transport = useConsoleTransport();
  // undefined: asking the server; null: nobody signed in.
  const [user, setUser] = useState<ConsoleUser | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [panelOpen, setPanelOpen] = useState(true);
  const [queueSearch, setQueueSearch] = useState("");
  const [openAlerts, setOpenAlerts] = useState<number | null>(null);
  // Someone was signed in when the server said nobody is: the session expired.
  const onUnauthenticated = useEffectEvent((): void => {
    if (user !== null && user !== undefined) setExpired(true);
    setUser(null);
  });

  useEffect(() => {
    let live = true;
    transport.me().then(
      (u) => {
        if (live) setUser(u);
      },
      (e: unknown) => {
        if (!live) return;
        const body: { code: string; message: string } = toErrorBody(e);
        setUser(null);
        // Not signed in is the usual answer; anything else is worth saying.
        if (body.code !== "unauthenticated") setError(body);
      },
    );
    const stop = transport.onUnauthenticated(() => onUnauthenticated());
    return () => {
      live = false;
      stop();
    };
  }, [transport]);

  useEffect(() => {
    document.title = t("console.title");
  }, [t]);

  const signOut = async (): Promise<void> => {
    try {
      await transport.logout();
    } catch {
      // Signed out on this side whatever the server said.
    }
    setExpired(false);
    setUser(null);
    setOpenAlerts(null);
  };

  return (
    <div className="c-app" data-testid="console">
      <TopBar user={user ?? null} demo={transport.kind === "memory"} queueSearch={queueSearch} openAlerts={openAlerts} onSignOut={() => void signOut()} />
      {user === undefined ? (
        <main className="c-page">
          <p className="muted">{t("app.loading")}</p>
        </main>
      ) : user === null ? (
        <>
          {error !== null && !isConsoleErrorCode(error.code) ? <ConsoleError error={error} /> : null}
          <Login
            expired={expired}
            onSignedIn={(u) => {
              setError(null);
              setExpired(false);
              setUser(u);
            }}
          />
        </>
      ) : user.role === "administrator" ? (
        <ConsoleUserProvider user={user}>
          <Routes>
            <Route path="/fleet" element={<FleetPage />} />
            <Route path="/hotlists" element={<HotlistsPage />} />
            <Route path="/audit" element={<AuditPage />} />
            <Route path="*" element={<Navigate to="/fleet" replace />} />
          </Routes>
        </ConsoleUserProvider>
      ) : user.role === "trainer" ? (
        <ConsoleUserProvider user={user}>
          <Routes>
            <Route path="/training/*" element={<TrainingSection />} />
            <Route path="*" element={<Navigate to="/training" replace />} />
          </Routes>
        </ConsoleUserProvider>
      ) : (
        <ConsoleUserProvider user={user}>
          <Routes>
            <Route
              path="/"
              element={<ReviewQueue highlight={highlight} onHighlight={setHighlight} onSearchChange={setQueueSearch} onOpenAlerts={setOpenAlerts} />}
            />
            <Route
              path="/inspections/:id"
              element={
                <>
                  <InspectionPage panelOpen={panelOpen} onPanelOpenChange={setPanelOpen} queueSearch={queueSearch} />
                  <OpenAlertsWatch onChange={setOpenAlerts} />
                </>
              }
            />
            <Route
              path="/hotlists"
              element={
                <>
                  <HotlistsPage />
                  <OpenAlertsWatch onChange={setOpenAlerts} />
                </>
              }
            />
            {mayReadStatistics(user.role) ? (
              <Route
                path="/statistics"
                element={
                  <>
                    <Suspense
                      fallback={
                        <main className="c-page">
                          <p className="muted">{t("app.loading")}</p>
                        </main>
                      }
                    >
                      <StatisticsPage />
                    </Suspense>
                    <OpenAlertsWatch onChange={setOpenAlerts} />
                  </>
                }
              />
            ) : null}
            {mayFollowTraining(user.role) ? (
              <Route
                path="/training/*"
                element={
                  <>
                    <TrainingSection />
                    <OpenAlertsWatch onChange={setOpenAlerts} />
                  </>
                }
              />
            ) : null}
            {mayReadTrail(user.role) ? (
              <Route
                path="/audit"
                element={
                  <>
                    <AuditPage />
                    <OpenAlertsWatch onChange={setOpenAlerts} />
                  </>
                }
              />
            ) : null}
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </ConsoleUserProvider>
      )}
    </div>
  );
}
