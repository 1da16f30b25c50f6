// The console's transport and the user signed in, for its screens.

import { createContext, useContext, type ReactNode } from "react";
import type { ConsoleTransport, ConsoleUser } from "../transport/console.ts";

const TransportContext = createContext<ConsoleTransport | null>(null);
const UserContext = createContext<ConsoleUser | null>(null);

export function ConsoleTransportProvider(props: { transport: ConsoleTransport; children: ReactNode }): ReactNode {
  return <TransportContext.Provider value={props.transport}>{props.children}</TransportContext.Provider>;
}

export function ConsoleUserProvider(props: { user: ConsoleUser; children: ReactNode }): ReactNode {
  return <UserContext.Provider value={props.user}>{props.children}</UserContext.Provider>;
}

export function useConsoleTransport(): ConsoleTransport {
  const t = useContext(TransportContext);
  if (t === null) throw new Error("useConsoleTransport outside ConsoleTransportProvider");
  return t;
}

/** The user signed in (screens behind the sign-in only). */
export function useConsoleUser(): ConsoleUser {
  const u = useContext(UserContext);
  if (u === null) throw new Error("useConsoleUser outside ConsoleUserProvider");
  return u;
}
