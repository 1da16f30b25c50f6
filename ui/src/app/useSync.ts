import { useEffect, useState } from "react";
import type { SyncEvent } from "../transport/transport.ts";
import { useTransport } from "./TransportProvider.tsx";

/** The latest sync event, or null before the first one arrives. */
export function useSync(): SyncEvent | null {
  const transport = useTransport();
  const [event, setEvent] = useState<SyncEvent | null>(null);
  useEffect(() => transport.subscribeSync(setEvent), [transport]);
  return event;
}
