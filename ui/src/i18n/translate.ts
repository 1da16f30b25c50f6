// The runtime: look a key up in the current language's table, fill in its
// {parameters}, and format dates, numbers and sizes the language's way.

import { en } from "./en.ts";
import type { Language, MessageKey, Messages, ParamArgs, ParamValue } from "./messages.ts";
import { uk } from "./uk.ts";

export const TABLES: Readonly<Record<Language, Messages>> = { uk, en };

/** BCP 47 locales for Intl: en-GB for 24-hour, day-first dates. */
export const LOCALES: Readonly<Record<Language, string>> = { uk: "uk-UA", en: "en-GB" };

/** Plain functions, not methods: components take them apart (`const { t } = useI18n()`). */
export interface Translator {
  readonly lang: Language;
  readonly locale: string;
  t: <K extends MessageKey>(key: K, ...params: ParamArgs<K>) => string;
  /** Date and time in the local time zone (or the one given at creation). */
  dateTime: (ms: number) => string;
  /** Date and time, short and numeric (dense tables). */
  dateTimeShort: (ms: number) => string;
  time: (ms: number) => string;
  number: (n: number) => string;
  /** A byte count in decimal units (kB, MB, GB). */
  bytes: (n: number) => string;
  /** A whole number of minutes in words ("5 minutes", "5 хвилин"). */
  minutes: (n: number) => string;
}

export interface TranslatorOptions {
  /** IANA time zone; the device's own when absent. */
  timeZone?: string;
}

/** Replaces each `{name}` by its value; unknown names are left as they are. */
export function interpolate(
  template: string,
  params: Readonly<Record<string, ParamValue>>,
  formatNumber: (n: number) => string,
): string {
  return template.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === "number" ? formatNumber(v) : v;
  });
}

const BYTE_UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"] as const;

export function createTranslator(lang: Language, opts: TranslatorOptions = {}): Translator {
  const locale = LOCALES[lang];
  const table = TABLES[lang];
  const zone = opts.timeZone === undefined ? {} : { timeZone: opts.timeZone };
  const numberFmt = new Intl.NumberFormat(locale);
  const dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium", ...zone });
  const dateTimeShortFmt = new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short", ...zone });
  const timeFmt = new Intl.DateTimeFormat(locale, { timeStyle: "short", ...zone });
  const minutesFmt = new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "long" });
  const number = (n: number): string => numberFmt.format(n);
  return {
    lang,
    locale,
    t<K extends MessageKey>(key: K, ...params: ParamArgs<K>): string {
      const template = table[key];
      const p: Readonly<Record<string, ParamValue>> = params[0] ?? {};
      return interpolate(template, p, number);
    },
    dateTime: (ms) => dateTimeFmt.format(new Date(ms)),
    dateTimeShort: (ms) => dateTimeShortFmt.format(new Date(ms)),
    time: (ms) => timeFmt.format(new Date(ms)),
    number,
    bytes(n) {
      let v = n;
      let i = 0;
      while (v >= 1000 && i < BYTE_UNITS.length - 1) {
        v /= 1000;
        i++;
      }
      return new Intl.NumberFormat(locale, {
        style: "unit",
        unit: BYTE_UNITS[i] ?? "byte",
        // Plain bytes in words ("0 bytes", "512 байтів"): the short form
        // of "byte" does not take the plural in English.
        unitDisplay: i === 0 ? "long" : "short",
        maximumFractionDigits: i === 0 ? 0 : 1,
      }).format(v);
    },
    minutes: (n) => minutesFmt.format(n),
  };
}
