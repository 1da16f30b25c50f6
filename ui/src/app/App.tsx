// The shell: sync bar always on top, sign-in until an officer is signed
// in, then the queue, the new-inspection form, one inspection, settings.

import { useCallback, useEffect, useState, type ReactNode } from "react";
import { DEFAULT_QUEUE_FILTER, type QueueFilter } from "../domain/queue.ts";
import { I18nProvider, useI18n } from "../i18n/I18nProvider.tsx";
import type { Language } from "../i18n/messages.ts";
import type { Session, Transport } from "../transport/transport.ts";
import { InspectionForm } from "../screens/InspectionForm.tsx";
import { InspectionScreen } from "../screens/InspectionScreen.tsx";
import { Queue } from "../screens/Queue.tsx";
import { Settings } from "../screens/Settings.tsx";
import { SignIn } from "../screens/SignIn.tsx";
import { Kbd } from "./Kbd.tsx";
import { loadPreferences, savePreferences, type Preferences } from "./preferences.ts";
import { useShortcut } from "./shortcuts.ts";
import { ShortcutsHelp } from "./ShortcutsHelp.tsx";
import { SyncBar } from "./SyncBar.tsx";
import { TransportProvider, useTransport } from "./TransportProvider.tsx";
import { useSync } from "./useSync.ts";

export type Route =
  | { name: "queue" }
  | { name: "new" }
  | { name: "inspection"; id: string }
  | { name: "settings" };

export interface AppProps {
  transport: Transport;
  /** Starting preferences (tests); otherwise loaded from this device. */
  preferences?: Preferences;
  /** Time zone for dates and "today" (tests); the device's otherwise. */
  timeZone?: string;
  /** The screen to open after sign-in (tests, later deep links). */
  initialRoute?: Route;
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

  return (
    <TransportProvider transport={props.transport}>
      <I18nProvider
        lang={prefs.language}
        onLanguageChange={setLanguage}
        {...(props.timeZone === undefined ? {} : { options: { timeZone: props.timeZone } })}
      >
        <Shell
          initialRoute={props.initialRoute ?? { name: "queue" }}
          unitName={prefs.unitName}
          onUnitNameChange={(unitName) => update({ unitName })}
          {...(props.timeZone === undefined ? {} : { timeZone: props.timeZone })}
        />
      </I18nProvider>
    </TransportProvider>
  );
}

function Shell(props: {
  initialRoute: Route;
  unitName: string;
  onUnitNameChange: (n: string) => void;
  timeZone?: string;
}): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const sync = useSync();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [route, setRoute] = useState<Route>(props.initialRoute);
  const [filter, setFilter] = useState<QueueFilter>(DEFAULT_QUEUE_FILTER);

  useEffect(() => {
    let live = true;
    transport.session().then(
      (s) => {
        if (live) setSession(s);
      },
      () => {
        if (live) setSession(null);
      },
    );
    return () => {
      live = false;
    };
  }, [transport]);

  const signedIn = session !== null && session !== undefined;
  useShortcut({ key: "n" }, () => setRoute({ name: "new" }), signedIn && route.name !== "new");
  useShortcut({ key: "Escape" }, () => setRoute({ name: "queue" }), signedIn && route.name !== "queue");

  const signOut = async (): Promise<void> => {
    await transport.signOut();
    setSession(null);
    setRoute({ name: "queue" });
  };
  const unit = props.unitName !== "" ? props.unitName : (sync?.status.unit ?? null);

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">{t("app.name")}</span>
        {unit === null ? null : <span className="muted">{t("shell.unit", { unit })}</span>}
        {signedIn ? (
          <>
            <span className="muted">{t("shell.officer", { officer: session.officer })}</span>
            <nav aria-label={t("nav.label")} className="nav">
              <button
                type="button"
                className="btn"
                aria-current={route.name === "queue" ? "page" : undefined}
                onClick={() => setRoute({ name: "queue" })}
              >
                {t("nav.queue")}
              </button>
              <button
                type="button"
                className="btn"
                aria-current={route.name === "new" ? "page" : undefined}
                onClick={() => setRoute({ name: "new" })}
              >
                {t("nav.newInspection")} <Kbd keys={t("kbd.newInspection")} />
              </button>
              <button
                type="button"
                className="btn"
                aria-current={route.name === "settings" ? "page" : undefined}
                onClick={() => setRoute({ name: "settings" })}
              >
                {t("nav.settings")}
              </button>
              <button type="button" className="btn" onClick={() => void signOut()}>
                {t("nav.signOut")}
              </button>
            </nav>
          </>
        ) : null}
      </header>
      <SyncBar event={sync} onSyncNow={() => void transport.syncNow()} />
      {transport.kind === "memory" ? (
        <p className="notice notice-dev" role="note">
          {t("app.memoryTransport")}
        </p>
      ) : null}
      <main className="main">
        {session === undefined ? (
          <p className="muted">{t("app.loading")}</p>
        ) : session === null ? (
          <SignIn onSignedIn={setSession} />
        ) : (
          <>
            {route.name === "queue" ? null : (
              <button type="button" className="btn back" onClick={() => setRoute({ name: "queue" })}>
                {t("nav.back")} <Kbd keys={t("kbd.back")} />
              </button>
            )}
            <Screen
              route={route}
              setRoute={setRoute}
              filter={filter}
              setFilter={setFilter}
              unitName={props.unitName}
              onUnitNameChange={props.onUnitNameChange}
              {...(props.timeZone === undefined ? {} : { timeZone: props.timeZone })}
            />
          </>
        )}
      </main>
      <footer className="footer">
        <ShortcutsHelp />
      </footer>
    </div>
  );
}

function Screen(props: {
  route: Route;
  setRoute: (r: Route) => void;
  filter: QueueFilter;
  setFilter: (f: QueueFilter) => void;
  unitName: string;
  onUnitNameChange: (n: string) => void;
  timeZone?: string;
}): ReactNode {
  const { route, setRoute } = props;
  switch (route.name) {
    case "queue":
      return (
        <Queue
          filter={props.filter}
          onFilterChange={props.setFilter}
          onOpen={(id) => setRoute({ name: "inspection", id })}
          onNew={() => setRoute({ name: "new" })}
          {...(props.timeZone === undefined ? {} : { timeZone: props.timeZone })}
        />
      );
    case "new":
      return (
        <InspectionForm
          onCreated={(v) => setRoute({ name: "inspection", id: v.id })}
          onCancel={() => setRoute({ name: "queue" })}
        />
      );
    case "inspection":
      return <InspectionScreen key={route.id} id={route.id} />;
    case "settings":
      return <Settings unitName={props.unitName} onUnitNameChange={props.onUnitNameChange} />;
  }
}
