// Loading something for a screen: calls `load` when a dependency changes,
// ignores answers that arrive after the screen moved on, and keeps the
// last value while a reload is under way (no flash of "Loading…").

import { useCallback, useEffect, useEffectEvent, useState, type DependencyList } from "react";
import { toErrorBody } from "../transport/errors.ts";

export interface ErrorBody {
  code: string;
  message: string;
}

export interface Loaded<T> {
  /** The latest value, or null until the first one arrives. */
  value: T | null;
  /** Why the latest load failed; null after a success. */
  error: ErrorBody | null;
  /** Replaces the value (after a change made on this screen). */
  set: (value: T) => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ value: T | null; error: ErrorBody | null }>({ value: null, error: null });
  // The latest `load`, without making it a dependency: the caller names those.
  const run = useEffectEvent(load);
  useEffect(() => {
    let live = true;
    run().then(
      (value) => {
        if (live) setState({ value, error: null });
      },
      (e: unknown) => {
        if (live) setState((s) => ({ value: s.value, error: toErrorBody(e) }));
      },
    );
    return () => {
      live = false;
    };
    // The caller names what the load depends on, as with useEffect.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a parameter, not a literal: the rule cannot read it
  }, deps);
  const set = useCallback((value: T) => setState({ value, error: null }), []);
  return { value: state.value, error: state.error, set };
}
