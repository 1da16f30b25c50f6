// When hotlist alerts change: a counter every screen that shows alerts
// reloads on. It moves on every alert event from the vehicle (a camera's
// read raised alerts) and whenever a screen records a response or a change
// that can raise alerts (a corrected read), so the banner and the open
// inspection never disagree. Without the provider (a screen rendered on
// its own in a test) it stays at 0 and `changed` does nothing.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useTransport } from "./TransportProvider.tsx";

export interface AlertsRevision {
  revision: number;
  /** Says that alerts changed here (a response recorded, a read corrected). */
  changed: () => void;
}

const AlertsRevisionContext = createContext<AlertsRevision>({ revision: 0, changed: () => undefined });

export function AlertsRevisionProvider(props: { children: ReactNode }): ReactNode {
  const transport = useTransport();
  const [revision, setRevision] = useState(0);
  const changed = useCallback(() => setRevision((r) => r + 1), []);
  useEffect(() => transport.subscribeAlerts(changed), [transport, changed]);
  const value = useMemo(() => ({ revision, changed }), [revision, changed]);
  return <AlertsRevisionContext.Provider value={value}>{props.children}</AlertsRevisionContext.Provider>;
}

export function useAlertsRevision(): AlertsRevision {
  return useContext(AlertsRevisionContext);
}
