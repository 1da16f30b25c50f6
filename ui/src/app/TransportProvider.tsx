// The crew's Transport for the screens, and the scan viewer's ScanSource
// built from it (the Transport has the viewer's methods with the same shapes).

import { createContext, useContext, type ReactNode } from "react";
import type { Transport } from "../transport/transport.ts";
import { ScanSourceProvider, type ScanSource } from "../viewer/scanSource.ts";

const TransportContext = createContext<Transport | null>(null);

/** The viewer's side of the crew's Transport. */
export function scanSourceOf(transport: Transport): ScanSource {
  return transport;
}

export function TransportProvider(props: { transport: Transport; children: ReactNode }): ReactNode {
  return (
    <TransportContext.Provider value={props.transport}>
      <ScanSourceProvider source={scanSourceOf(props.transport)}>{props.children}</ScanSourceProvider>
    </TransportContext.Provider>
  );
}

export function useTransport(): Transport {
  const t = useContext(TransportContext);
  if (t === null) throw new Error("useTransport outside TransportProvider");
  return t;
}
