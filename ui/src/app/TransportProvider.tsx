import { createContext, useContext, type ReactNode } from "react";
import type { Transport } from "../transport/transport.ts";

const TransportContext = createContext<Transport | null>(null);

export function TransportProvider(props: { transport: Transport; children: ReactNode }): ReactNode {
  return <TransportContext.Provider value={props.transport}>{props.children}</TransportContext.Provider>;
}

export function useTransport(): Transport {
  const t = useContext(TransportContext);
  if (t === null) throw new Error("useTransport outside TransportProvider");
  return t;
}
