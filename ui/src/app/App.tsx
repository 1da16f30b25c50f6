// The shell: the hotlist alert banner above everything (when an alert is
// open), a top bar and the one-line sync bar, sign-in until an officer
// is signed in, then the screens by URL (HashRouter: the app is served from
// a custom protocol): `/` the queue, `/new` the new-inspection form,
// `/inspections/:id` one inspection, `/settings`, and training apart from
// the crew's work: `/training` (start an exercise, the ones taken) and
// `/training/:id` (one exercise).

import { useCallback, useEffect, useState, type ReactNode } from "react";
import { HashRouter, MemoryRouter, Navigate, Route, Routes, useLocation, useMatch, useNavigate, useParams } from "react-router";
import { DEFAULT_QUEUE_FILTER, type QueueFilter } from "../domain/queue.ts";
import { I18nProvider, useI18n } from "../i18n/I18nProvider.tsx";
import type { Language } from "../i18n/messages.ts";
import type { Session, Transport } from "../transport/transport.ts";
import { InspectionForm } from "../screens/InspectionForm.tsx";
import { InspectionScreen } from "../screens/InspectionScreen.tsx";
import { Queue } from "../screens/Queue.tsx";
import { Settings } from "../screens/Settings.tsx";
import { SignIn } from "../screens/SignIn.tsx";
import { TrainingList } from "../screens/TrainingList.tsx";
import { TrainingScreen } from "../screens/TrainingScreen.tsx";
import { AlertBanner } from "./AlertBanner.tsx";
import { AlertsRevisionProvider } from "./alertsRevision.tsx";
import { Kbd } from "./Kbd.tsx";
import { loadPreferences, savePreferences, type Preferences } from "./preferences.ts";
import { useShortcut } from "./shortcuts.ts";
import { ShortcutsHelp } from "./ShortcutsHelp.tsx";
import { SyncBar } from "./SyncBar.tsx";
import { TransportProvider, useTransport } from "./TransportProvider.tsx";
import { useLoad } from "./useLoad.ts";
import { useSync } from "./useSync.ts";

/** The app's URLs. */
export const PATHS = {
  queue: "/",
  new: "/new",
  inspection: (id: string): string => `/inspections/${encodeURIComponent(id)}`,
  settings: "/settings",
  training: "/training",
  trainingAttempt: (id: string): string => `/training/${encodeURIComponent(id)}`,
} as const;

export interface AppProps {
  transport: Transport;
  /** Starting preferences (tests); otherwise loaded from this device. */
  preferences?: Preferences;
  /** Time zone for dates and "today" (tests); the device's otherwise. */
  timeZone?: string;
  /** Start at this URL, kept in memory (tests); otherwise the window's address after `#`. */
  initialUrl?: string;
}

export function App(props: AppProps): ReactNode {
  const [prefs, setPrefs] = useState<Preferences>(() => props.preferences ?? loadPreferences());
  const update = useCallback((patch: Partial<Preferences>) => {
    setPrefs((old) => {
      const next = { ...old, ...patch };
      savePreferences(next);
      return next;
    });
  }, []);
  const setLanguage = useCallback((language: Language) => update({ language }), [update]);

  useEffect(() => {
    document.documentElement.lang = prefs.language;
  }, [prefs.language]);

  const shell = (
    <AlertsRevisionProvider>
      <Shell
        unitName={prefs.unitName}
        onUnitNameChange={(unitName) => update({ unitName })}
        {...(props.timeZone === undefined ? {} : { timeZone: props.timeZone })}
      />
    </AlertsRevisionProvider>
  );
  return (
    <TransportProvider transport={props.transport}>
      <I18nProvider
        lang={prefs.language}
        onLanguageChange={setLanguage}
        {...(props.timeZone === undefined ? {} : { options: { timeZone: props.timeZone } })}
      >
        {props.initialUrl === undefined ? (
          <HashRouter>{shell}</HashRouter>
        ) : (
          <MemoryRouter initialEntries={[props.initialUrl]}>{shell}</MemoryRouter>
        )}
      </I18nProvider>
    </TransportProvider>
  );
}

function Shell(props: { unitName: string; onUnitNameChange: (n: string) => void; timeZone?: string }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const sync = useSync();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const inspectionMatch = useMatch("/inspections/:id");
  const trainingMatch = useMatch("/training/:id");
  // Screens that are a workstation: the image fills the window.
  const onWorkstation = inspectionMatch !== null || trainingMatch !== null;
  // Wrapped, so "signed out" (null) and "not known yet" (no value) differ.
  const session = useLoad(
    () => transport.session().then((s) => ({ session: s }), () => ({ session: null })),
    [transport],
  );
  const current: Session | null | undefined = session.value === null ? undefined : session.value.session;
  const [filter, setFilter] = useState<QueueFilter>(DEFAULT_QUEUE_FILTER);
  // The inspection last opened: highlighted in the queue on the way back.
  const [lastOpened, setLastOpened] = useState<string | null>(null);

  const signedIn = current !== null && current !== undefined;
  useShortcut({ key: "n" }, () => void navigate(PATHS.new), signedIn && pathname !== PATHS.new);
  useShortcut({ key: "Escape" }, () => void navigate(PATHS.queue), signedIn && pathname !== PATHS.queue);

  const signOut = async (): Promise<void> => {
    await transport.signOut();
    session.set({ session: null });
    void navigate(PATHS.queue);
  };
  const unit = props.unitName !== "" ? props.unitName : (sync?.status.unit ?? null);
  const navButton = (path: string, label: ReactNode, keys?: string, className = ""): ReactNode => (
    <button
      type="button"
      className={`btn btn-small ${className}`.trim()}
      aria-current={pathname === path ? "page" : undefined}
      {...(keys === undefined ? {} : { title: t("kbd.hint", { keys }) })}
      onClick={() => void navigate(path)}
    >
      {label}
    </button>
  );

  const openInspection = (id: string): void => {
    setLastOpened(id);
    void navigate(PATHS.inspection(id));
  };

  return (
    <div className="app">
      <AlertBanner
        canRespond={signedIn}
        {...(signedIn ? { onOpen: openInspection } : {})}
        {...(inspectionMatch?.params.id === undefined ? {} : { current: inspectionMatch.params.id })}
      />
      <header className="topbar">
        <span className="brand">{t("app.name")}</span>
        {unit === null ? null : <span className="muted">{t("shell.unit", { unit })}</span>}
        {signedIn ? <span className="muted officer">{t("shell.officer", { officer: current.officer })}</span> : null}
        {transport.kind === "memory" ? (
          <span className="badge dev" role="note" title={t("app.memoryTransport")}>
            {t("app.demoBadge")}
          </span>
        ) : null}
        {signedIn ? (
          <nav aria-label={t("nav.label")} className="nav">
            {navButton(PATHS.queue, t("nav.queue"), t("kbd.back"))}
            {navButton(
              PATHS.new,
              <>
                {t("nav.newInspection")} <Kbd keys={t("kbd.newInspection")} />
              </>,
            )}
            {navButton(PATHS.settings, t("nav.settings"))}
            {/* Last but sign-out and without a key: a trainee finds it, a crew at work does not land on it. */}
            {navButton(PATHS.training, t("nav.training"), undefined, "nav-training")}
            <button type="button" className="btn btn-small" onClick={() => void signOut()}>
              {t("nav.signOut")}
            </button>
          </nav>
        ) : null}
        <ShortcutsHelp />
      </header>
      <SyncBar event={sync} onSyncNow={() => void transport.syncNow()} />
      <main className={onWorkstation && signedIn ? "main main-workstation" : "main"}>
        {current === undefined ? (
          <p className="muted">{t("app.loading")}</p>
        ) : current === null ? (
          <SignIn onSignedIn={(s) => session.set({ session: s })} />
        ) : (
          <Routes>
            <Route
              path={PATHS.queue}
              element={
                <Queue
                  filter={filter}
                  onFilterChange={setFilter}
                  onOpen={openInspection}
                  onNew={() => void navigate(PATHS.new)}
                  initialHighlight={lastOpened}
                  {...(props.timeZone === undefined ? {} : { timeZone: props.timeZone })}
                />
              }
            />
            <Route
              path={PATHS.new}
              element={
                <InspectionForm
                  onCreated={(v) => {
                    setLastOpened(v.id);
                    void navigate(PATHS.inspection(v.id), { replace: true });
                  }}
                  onCancel={() => void navigate(PATHS.queue)}
                />
              }
            />
            <Route path="/inspections/:id" element={<InspectionRoute />} />
            <Route path={PATHS.settings} element={<Settings unitName={props.unitName} onUnitNameChange={props.onUnitNameChange} />} />
            <Route path={PATHS.training} element={<TrainingList onOpen={(id) => void navigate(PATHS.trainingAttempt(id))} />} />
            <Route path="/training/:id" element={<TrainingRoute onBack={() => void navigate(PATHS.training)} />} />
            <Route path="*" element={<Navigate to={PATHS.queue} replace />} />
          </Routes>
        )}
      </main>
    </div>
  );
}

function TrainingRoute(props: { onBack: () => void }): ReactNode {
  const { id } = useParams();
  if (id === undefined) return <Navigate to={PATHS.training} replace />;
  return <TrainingScreen key={id} id={id} onBack={props.onBack} />;
}

function InspectionRoute(): ReactNode {
  const { id } = useParams();
  if (id === undefined) return <Navigate to={PATHS.queue} replace />;
  return <InspectionScreen key={id} id={id} />;
}
