// Compact date and time for dense tables in the UI's language: "03.12,
// 04:33" this year, with the year otherwise; the full form goes in the
// element's title.

import { useMemo } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";

export function useCompactTime(): (ms: number) => string {
  const { locale } = useI18n();
  return useMemo(() => {
    const short = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
    const long = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "2-digit", hour: "2-digit", minute: "2-digit" });
    const year = new Date().getFullYear();
    return (ms: number) => {
      const d = new Date(ms);
      return (d.getFullYear() === year ? short : long).format(d);
    };
  }, [locale]);
}
