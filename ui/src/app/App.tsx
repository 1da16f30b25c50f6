// The shell: the hotlist alert banner above everything (when an alert is
// open), a top bar and the one-line sync bar, sign-in until an officer
// is signed in, then the screens by URL (HashRouter: the app is served from
// a custom protocol): `/` the queue, `/new` the new-inspection form,
// `/inspections/:id` one inspection, `/settings`, and training apart from
// the crew's work: `/training` (start an exercise, the ones taken) and
// `/training/:id` (one exercise).
//
// Locked (after the idle time chosen in Settings, a suspend of the
// computer, or the crew's Lock), the window holds the lock screen alone:
// every screen with data is unmounted, the URL is kept, and the screen
// that was open comes back at the unlock. Before the first sign-in the
// vehicle's data is not open at all: its screens answer `locked`, which
// the sign-in screen does not show (nothing to show yet).

import { useCallback, useEffect, useState, type Dispatch, type ReactNode, type SetStateAction } from "react";
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
import { Icon } from "./Icon.tsx";
import { useIdleLock } from "./idleLock.ts";
import { Kbd } from "./Kbd.tsx";
import { LockScreen } from "./LockScreen.tsx";
import {
  DEFAULT_PREFERENCES,
  idleLockMs,
  loadPreferences,
  savePreferences,
  type LockAfterMinutes,
  type Preferences,
} from "./preferences.ts";
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
  /** Starting preferences (tests; the defaults for those not given); otherwise loaded from this device. */
  preferences?: Partial<Preferences>;
  /** Time zone for dates and "today" (tests); the device's otherwise. */
  timeZone?: string;
  /** Start at this URL, kept in memory (tests); otherwise the window's address after `#`. */
  initialUrl?: string;
}

export function App(props: AppProps): ReactNode {
  const [prefs, setPrefs] = useState<Preferences>(() =>
    props.preferences === undefined ? loadPreferences() : { ...DEFAULT_PREFERENCES, ...props.preferences },
  );
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
        lockAfterMinutes={prefs.lockAfterMinutes}
        onLockAfterChange={(lockAfterMinutes) => update({ lockAfterMinutes })}
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

interface ShellProps {
  unitName: string;
  onUnitNameChange: (name: string) => void;
  lockAfterMinutes: LockAfterMinutes;
  onLockAfterChange: (minutes: LockAfterMinutes) => void;
  timeZone?: string;
}

/** The queue's state, kept by the shell: it outlives a lock. */
interface QueueState {
  filter: QueueFilter;
  setFilter: Dispatch<SetStateAction<QueueFilter>>;
  /** The inspection last opened: highlighted in the queue on the way back. */
  lastOpened: string | null;
  setLastOpened: Dispatch<SetStateAction<string | null>>;
}

/** Who is signed in, and whether the app is locked: the lock screen, or the app. */
function Shell(props: ShellProps): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  // Wrapped, so "signed out" (null) and "not known yet" (no value) differ.
  const session = useLoad(
    () => transport.session().then((s) => ({ session: s }), () => ({ session: null })),
    [transport],
  );
  const current: Session | null | undefined = session.value === null ? undefined : session.value.session;
  const setSession = session.set;
  const signedIn = current !== null && current !== undefined;
  const locked = signedIn && current.locked;
  const [filter, setFilter] = useState<QueueFilter>(DEFAULT_QUEUE_FILTER);
  const [lastOpened, setLastOpened] = useState<string | null>(null);

  const lock = (): void => {
    if (!signedIn || locked) return;
    // The screens go at once; the vehicle refuses their data from its next call.
    setSession({ session: { ...current, locked: true } });
    transport.lock().catch(() => undefined);
  };
  useIdleLock({ enabled: signedIn && !locked, idleMs: idleLockMs(props.lockAfterMinutes), onLock: lock });
  useShortcut({ key: "l", code: "KeyL", ctrl: true }, lock, signedIn && !locked);

  if (current === undefined) {
    return (
      <div className="app">
        <main className="main">
          <p className="muted">{t("app.loading")}</p>
        </main>
      </div>
    );
  }
  if (current !== null && current.locked) {
    return <LockScreen officer={current.officer} onUnlocked={(s) => setSession({ session: s })} />;
  }
  return (
    <OpenShell
      // A new session starts every screen afresh: nothing loaded before it stays.
      key={current === null ? "signed-out" : `officer:${current.officer}`}
      session={current}
      onSession={(s) => setSession({ session: s })}
      onLock={lock}
      queue={{ filter, setFilter, lastOpened, setLastOpened }}
      unitName={props.unitName}
      onUnitNameChange={props.onUnitNameChange}
      lockAfterMinutes={props.lockAfterMinutes}
      onLockAfterChange={props.onLockAfterChange}
      {...(props.timeZone === undefined ? {} : { timeZone: props.timeZone })}
    />
  );
}

/** The app while it is not locked: signed out (the sign-in screen) or an officer's screens. */
function OpenShell(
  props: ShellProps & {
    session: Session | null;
    onSession: (s: Session | null) => void;
    onLock: () => void;
    queue: QueueState;
  },
): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const sync = useSync();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const inspectionMatch = useMatch("/inspections/:id");
  const trainingMatch = useMatch("/training/:id");
  // Screens that are a workstation: the image fills the window.
  const onWorkstation = inspectionMatch !== null || trainingMatch !== null;
  const current = props.session;
  const { filter, setFilter, lastOpened, setLastOpened } = props.queue;

  const signedIn = current !== null;
  useShortcut({ key: "n" }, () => void navigate(PATHS.new), signedIn && pathname !== PATHS.new);
  useShortcut({ key: "Escape" }, () => void navigate(PATHS.queue), signedIn && pathname !== PATHS.queue);

  const signOut = async (): Promise<void> => {
    await transport.signOut();
    props.onSession(null);
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
            {/* Last but the session's own buttons and without a key: a trainee finds it, a crew at work does not land on it. */}
            {navButton(PATHS.training, t("nav.training"), undefined, "nav-training")}
            <button
              type="button"
              className="btn btn-small nav-lock"
              data-testid="lock-now"
              title={t("common.withKey", { label: t("nav.lock"), keys: t("kbd.lock") })}
              onClick={props.onLock}
            >
              <Icon name="lock" size={18} />
              <span className="nav-lock-label">{t("nav.lock")}</span>
            </button>
            <button type="button" className="btn btn-small" data-testid="sign-out" onClick={() => void signOut()}>
              {t("nav.signOut")}
            </button>
          </nav>
        ) : null}
        <ShortcutsHelp />
      </header>
      {/* Before the vehicle's data is open (the first sign-in) there is no sync to show. */}
      {sync === null && !signedIn ? null : <SyncBar event={sync} onSyncNow={() => void transport.syncNow()} />}
      <main className={onWorkstation && signedIn ? "main main-workstation" : "main"}>
        {current === null ? (
          <SignIn onSignedIn={props.onSession} />
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
            <Route
              path={PATHS.settings}
              element={
                <Settings
                  officer={current.officer}
                  unitName={props.unitName}
                  onUnitNameChange={props.onUnitNameChange}
                  lockAfterMinutes={props.lockAfterMinutes}
                  onLockAfterChange={props.onLockAfterChange}
                />
              }
            />
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
