// Settings: how often a scan the crew opens is shown with a training item
// projected into it (projection in live work; off by default). A rate set
// elsewhere (a trainer's `kordon training live-rate`) is shown as it is.

import { useState, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad, type ErrorBody } from "../app/useLoad.ts";
import { formatRate } from "../domain/training.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";

/** The rates offered: off, one scan in 50, in 20, in 10. */
export const LIVE_TIP_RATES: readonly number[] = [0, 0.02, 0.05, 0.1];

export function LiveTipSetting(): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const rate = useLoad(() => transport.liveTipRate(), [transport]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const current = rate.value;
  const choices = current === null || LIVE_TIP_RATES.includes(current) ? LIVE_TIP_RATES : [...LIVE_TIP_RATES, current];

  const choose = async (r: number): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      rate.set(await transport.setLiveTipRate(r));
    } catch (e) {
      setError(toErrorBody(e));
    } finally {
      setBusy(false);
    }
  };
  const label = (r: number): string => {
    if (r === 0) return t("settings.liveTip.off");
    const n = 1 / r;
    return Math.abs(n - Math.round(n)) < 1e-9 && n > 1 ? t("settings.liveTip.oneIn", { n: Math.round(n) }) : t("settings.liveTip.other", { rate: formatRate(r, i18n.locale) });
  };

  return (
    <fieldset className="card segmented live-tip-setting" aria-describedby="live-tip-hint" data-testid="live-tip-setting" data-rate={current ?? ""}>
      <legend>{t("settings.liveTip")}</legend>
      {choices.map((r) => (
        <label key={r} className="tile">
          <input
            type="radio"
            name="live-tip-rate"
            value={r}
            checked={current === r}
            disabled={current === null || busy}
            onChange={() => void choose(r)}
          />
          <span>{label(r)}</span>
        </label>
      ))}
      <p className="hint" id="live-tip-hint">
        {t("settings.liveTipHint")}
      </p>
      <ErrorNotice error={error ?? rate.error} />
    </fieldset>
  );
}
