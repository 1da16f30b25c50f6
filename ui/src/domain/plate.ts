// Licence plates, mirroring crates/kordon-model/src/plate.rs.
//
// Ukrainian plates mix Cyrillic letters that look Latin (А В Е І К М Н О Р
// С Т Х, and У as Rust also maps it). A plate has three forms:
// - raw: exactly what was typed or read (trimmed);
// - canonical: upper case, separators removed, Cyrillic look-alikes mapped
//   to their Latin twins, so "АА 1234 ВС" and "aa-1234-bc" are one plate;
// - key: the canonical form with OCR confusions folded, for matching only.

import { codePoints, isRustAlphanumeric, isRustWhitespace } from "./unicode.ts";

export const PLATE_MAX_LENGTH = 16;

export interface ParsedPlate {
  readonly raw: string;
  readonly canonical: string;
  readonly key: string;
}

export type PlateError =
  | { readonly kind: "empty" }
  | { readonly kind: "too_long"; readonly length: number }
  | { readonly kind: "bad_character"; readonly ch: string };

export type PlateResult =
  | { readonly ok: true; readonly plate: ParsedPlate }
  | { readonly ok: false; readonly error: PlateError };

const LATIN_TWIN: Readonly<Record<string, string>> = {
  А: "A",
  В: "B",
  Е: "E",
  І: "I",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  У: "Y",
};

const OCR_FOLD: Readonly<Record<string, string>> = {
  O: "0",
  Q: "0",
  D: "0",
  I: "1",
  L: "1",
  B: "8",
  S: "5",
  Z: "2",
  G: "6",
};

const isSeparator = (c: string): boolean =>
  isRustWhitespace(c) || c === "-" || c === "." || c === "·";

/** Parses a plate as Rust's `Plate::parse` does. */
export function parsePlate(raw: string): PlateResult {
  let canonical = "";
  for (const c of codePoints(raw)) {
    if (isSeparator(c)) continue;
    if (!isRustAlphanumeric(c)) return { ok: false, error: { kind: "bad_character", ch: c } };
    for (const u of codePoints(c.toUpperCase())) {
      // Case mapping can add combining marks: the canonical form must
      // itself be letters and digits only.
      if (!isRustAlphanumeric(u)) return { ok: false, error: { kind: "bad_character", ch: c } };
      canonical += LATIN_TWIN[u] ?? u;
    }
  }
  const length = codePoints(canonical).length;
  if (length === 0) return { ok: false, error: { kind: "empty" } };
  if (length > PLATE_MAX_LENGTH) return { ok: false, error: { kind: "too_long", length } };
  return { ok: true, plate: { raw: raw.trim(), canonical, key: matchKey(canonical) } };
}

/** Folds OCR confusions (O/Q/D→0, I/L→1, B→8, S→5, Z→2, G→6). */
export function matchKey(canonical: string): string {
  return codePoints(canonical)
    .map((c) => OCR_FOLD[c] ?? c)
    .join("");
}

/** The canonical form, or null when the text is not a plate. */
export function canonicalPlate(raw: string): string | null {
  const r = parsePlate(raw);
  return r.ok ? r.plate.canonical : null;
}

/** The match key of a free-text query (as Rust's `Plate::key_of`). */
export function plateKeyOf(query: string): string | null {
  const r = parsePlate(query);
  return r.ok ? r.plate.key : null;
}
