// Message keys and their parameters, derived from the English table.

import { en } from "./en.ts";

export type MessageKey = keyof typeof en;

/** A complete table: every key of en.ts, each a string. */
export type Messages = { readonly [K in MessageKey]: string };

/** The `{name}` parameters of a message template, as a union of names. */
export type ParamsOf<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? P | ParamsOf<Rest>
  : never;

export type ParamValue = string | number;

/** The parameters `t(key, ...)` takes for a key: none, or all of them. */
export type ParamArgs<K extends MessageKey> = [ParamsOf<(typeof en)[K]>] extends [never]
  ? []
  : [params: Record<ParamsOf<(typeof en)[K]>, ParamValue>];

export const LANGUAGES = ["uk", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(s: string): s is Language {
  return (LANGUAGES as readonly string[]).includes(s);
}

/** The `{name}` parameters of a template at run time, sorted, without repeats. */
export function paramNames(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(/\{([^{}]+)\}/g)) {
    if (m[1] !== undefined) names.add(m[1]);
  }
  return [...names].sort();
}

/** Keys of messages without parameters (for tables of labels). */
export type PlainMessageKey = { [K in MessageKey]: ParamArgs<K> extends [] ? K : never }[MessageKey];
