// Said above every training screen, so that no one takes an exercise for
// an inspection: a banner in its own colour, never seen elsewhere.

import type { ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";

export function TrainingBanner(): ReactNode {
  const { t } = useI18n();
  return (
    <div className="training-banner" role="note" data-testid="training-banner">
      <strong>{t("training.banner")}</strong>
      <span>{t("training.bannerText")}</span>
    </div>
  );
}
