// The server's queue version, read at once and then every few seconds: a
// screen fetches its data again when the version changes (new inspections,
// reviews, marks from anywhere in the fleet).

import { useEffect, useState } from "react";
import { toErrorBody } from "../transport/errors.ts";
import type { ConsoleTransport } from "../transport/console.ts";

export const POLL_MS = 5_000;

export interface ServerVersion {
  /** null until the first answer. */
  version: number | null;
  /** The last poll failed (the screen shows what it has, marked as possibly old). */
  error: { code: string; message: string } | null;
}

export function useServerVersion(transport: ConsoleTransport, pollMs = POLL_MS): ServerVersion {
  const [state, setState] = useState<ServerVersion>({ version: null, error: null });
  useEffect(() => {
    let live = true;
    const poll = (): void => {
      transport.queueVersion().then(
        (v) => {
          if (live) setState((s) => (s.version === v.version && s.error === null ? s : { version: v.version, error: null }));
        },
        (e: unknown) => {
          if (live) setState((s) => ({ version: s.version, error: toErrorBody(e) }));
        },
      );
    };
    poll();
    const timer = setInterval(poll, pollMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [transport, pollMs]);
  return state;
}
