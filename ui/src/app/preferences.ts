// This device's own preferences (language, unit name), kept in
// localStorage. Not synced and not signed: they only shape the screens.

import { isLanguage, type Language } from "../i18n/messages.ts";

export interface Preferences {
  language: Language;
  /** A name for this device's screens; empty means the enrolled unit. */
  unitName: string;
}

export const DEFAULT_PREFERENCES: Preferences = { language: "uk", unitName: "" };

const KEY = "kordon.preferences";

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // Blocked by the browser's privacy settings.
  }
}

export function loadPreferences(): Preferences {
  const raw = storage()?.getItem(KEY);
  if (raw === null || raw === undefined) return DEFAULT_PREFERENCES;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== "object" || v === null) return DEFAULT_PREFERENCES;
    const language = "language" in v && typeof v.language === "string" && isLanguage(v.language) ? v.language : "uk";
    const unitName = "unitName" in v && typeof v.unitName === "string" ? v.unitName : "";
    return { language, unitName };
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
