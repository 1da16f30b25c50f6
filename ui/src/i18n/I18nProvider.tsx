// The current language for React components: `useI18n()` gives the
// translator and a way to switch language at run time.

import { createContext, useContext, useMemo, type ReactNode } from "react";
import type { Language } from "./messages.ts";
import { createTranslator, type Translator, type TranslatorOptions } from "./translate.ts";

export interface I18n extends Translator {
  setLanguage: (lang: Language) => void;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider(props: {
  lang: Language;
  onLanguageChange: (lang: Language) => void;
  options?: TranslatorOptions;
  children: ReactNode;
}): ReactNode {
  const { lang, onLanguageChange, options, children } = props;
  const timeZone = options?.timeZone;
  const value = useMemo<I18n>(() => {
    const tr = createTranslator(lang, timeZone === undefined ? {} : { timeZone });
    return { ...tr, setLanguage: onLanguageChange };
  }, [lang, onLanguageChange, timeZone]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (v === null) throw new Error("useI18n outside I18nProvider");
  return v;
}
