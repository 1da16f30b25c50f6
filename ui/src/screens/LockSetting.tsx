// Settings: how long the app waits without input before it locks itself
// (a device preference, kept with the language).

import type { ReactNode } from "react";
import { LOCK_AFTER_MINUTES, type LockAfterMinutes } from "../app/preferences.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";

export function LockSetting(props: { minutes: LockAfterMinutes; onChange: (minutes: LockAfterMinutes) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <fieldset
      className="card segmented lock-setting"
      aria-describedby="lock-after-hint"
      data-testid="lock-setting"
      data-minutes={props.minutes}
    >
      <legend>{t("settings.lockAfter")}</legend>
      {LOCK_AFTER_MINUTES.map((m) => (
        <label key={m} className="tile">
          <input type="radio" name="lock-after" value={m} checked={props.minutes === m} onChange={() => props.onChange(m)} />
          <span>{i18n.minutes(m)}</span>
        </label>
      ))}
      <p className="hint" id="lock-after-hint">
        {t("settings.lockAfterHint", { lock: t("nav.lock"), keys: t("kbd.lock") })}
      </p>
    </fieldset>
  );
}
