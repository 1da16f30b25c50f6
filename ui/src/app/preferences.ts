// This device's own preferences (language, unit name, when the app locks
// itself), kept in localStorage. Not synced and not signed: they only shape
// the screens.

import { isLanguage, type Language } from "../i18n/messages.ts";

/** The idle times the crew can choose, in minutes, before the app locks. */
export const LOCK_AFTER_MINUTES = [1, 2, 5, 10, 15] as const;
export type LockAfterMinutes = (typeof LOCK_AFTER_MINUTES)[number];

export interface Preferences {
  language: Language;
  /** A name for this device's screens; empty means the enrolled unit. */
  unitName: string;
  /** Minutes without a key, a click or a touch before the app locks itself. */
  lockAfterMinutes: LockAfterMinutes;
}

export const DEFAULT_PREFERENCES: Preferences = { language: "uk", unitName: "", lockAfterMinutes: 5 };

const KEY = "kordon.preferences";

/**
 * For the app's end-to-end test only, never offered in Settings: an idle
 * time in seconds under this key (written through WebDriver, then the page
 * reloaded) replaces the chosen one when it is shorter. It can only make
 * the app lock sooner, never later. Read each time the idle timer starts.
 */
export const TEST_LOCK_AFTER_SECONDS_KEY = "kordon.test.lockAfterSeconds";

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // Blocked by the browser's privacy settings.
  }
}

function isLockAfterMinutes(n: unknown): n is LockAfterMinutes {
  return (LOCK_AFTER_MINUTES as readonly unknown[]).includes(n);
}

export function loadPreferences(): Preferences {
  const raw = storage()?.getItem(KEY);
  if (raw === null || raw === undefined) return DEFAULT_PREFERENCES;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== "object" || v === null) return DEFAULT_PREFERENCES;
    const language = "language" in v && typeof v.language === "string" && isLanguage(v.language) ? v.language : "uk";
    const unitName = "unitName" in v && typeof v.unitName === "string" ? v.unitName : "";
    const lockAfterMinutes =
      "lockAfterMinutes" in v && isLockAfterMinutes(v.lockAfterMinutes) ? v.lockAfterMinutes : DEFAULT_PREFERENCES.lockAfterMinutes;
    return { language, unitName, lockAfterMinutes };
  } catch {
    return DEFAULT_PREFERENCES;
  }
}

export function savePreferences(p: Preferences): void {
  try {
    storage()?.setItem(KEY, JSON.stringify(p));
  } catch {
    // Full or blocked storage: the preference lasts for this session only.
  }
}

/**
 * How long the app waits without input before it locks, in milliseconds:
 * the chosen minutes, or the end-to-end test's shorter time.
 */
export function idleLockMs(minutes: LockAfterMinutes): number {
  const chosen = minutes * 60_000;
  const raw = storage()?.getItem(TEST_LOCK_AFTER_SECONDS_KEY);
  const seconds = raw === null || raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(chosen, seconds * 1000) : chosen;
}
