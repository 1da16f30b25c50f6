// ISO 6346 freight container codes, mirroring
// crates/kordon-model/src/container.rs.
//
// A code is three letters of owner code, one letter of equipment category
// (U, J or Z), a six-digit serial number and a check digit. The check digit
// is sum(value_i * 2^i) over the first ten characters, mod 11, mod 10.
// Letters take the values 10..=38, skipping multiples of 11.
//
// Input is normalised as in Rust: whitespace, '-' and '/' are dropped and
// letters upper-cased ("cs qu 305438-3" is CSQU3054383). A code is valid
// here exactly when Rust's `ContainerCode::parse` accepts it. The reasons
// differ in one deliberate way, for live feedback while typing: a bad
// character is reported as soon as it is typed, before the code is complete.

import { codePoints, isRustWhitespace } from "./unicode.ts";

export const CONTAINER_CODE_LENGTH = 11;

export type ContainerCheck =
  /** Nothing typed yet (only separators). */
  | { readonly kind: "empty" }
  /** So far so good, but fewer than 11 characters. */
  | { readonly kind: "incomplete"; readonly code: string; readonly length: number }
  /** More than 11 characters. */
  | { readonly kind: "too_long"; readonly code: string; readonly length: number }
  /** One of the first three characters is not a letter A–Z. */
  | { readonly kind: "bad_owner"; readonly code: string; readonly owner: string }
  /** The fourth character is a letter other than U, J or Z. */
  | { readonly kind: "bad_category"; readonly code: string; readonly category: string }
  /** One of the last seven characters is not a digit 0–9. */
  | { readonly kind: "bad_digits"; readonly code: string; readonly serial: string }
  /** Well formed, but the check digit does not match. */
  | {
      readonly kind: "wrong_check_digit";
      readonly code: string;
      readonly found: number;
      readonly expected: number;
    }
  | { readonly kind: "valid"; readonly code: string };

export type ContainerCheckKind = ContainerCheck["kind"];

const isLetter = (c: string): boolean => c >= "A" && c <= "Z" && c.length === 1;
const isDigit = (c: string): boolean => c >= "0" && c <= "9" && c.length === 1;

/** A=10, B=12, ..., K=21, L=23, ..., U=32, V=34, ..., Z=38. */
export function letterValue(letter: string): number {
  let v = 10;
  for (let c = "A".charCodeAt(0); c < letter.charCodeAt(0); c++) {
    v += 1;
    if (v % 11 === 0) v += 1;
  }
  return v;
}

/** The check digit for four letters and six digits (already validated). */
export function checkDigit(firstTen: string): number {
  let sum = 0;
  codePoints(firstTen).forEach((c, i) => {
    const v = isDigit(c) ? Number(c) : letterValue(c);
    sum += v * 2 ** i;
  });
  return (sum % 11) % 10;
}

/** Upper case, with whitespace, '-' and '/' removed (as Rust does). */
export function normaliseContainerCode(input: string): string {
  return codePoints(input)
    .filter((c) => !isRustWhitespace(c) && c !== "-" && c !== "/")
    .map((c) => c.toUpperCase())
    .join("");
}

/** Checks a container code as typed so far. */
export function checkContainerCode(input: string): ContainerCheck {
  const code = normaliseContainerCode(input);
  const chars = codePoints(code);
  if (chars.length === 0) return { kind: "empty" };

  const owner = chars.slice(0, 4).join("");
  const serial = chars.slice(4).join("");
  for (const [i, c] of chars.slice(0, CONTAINER_CODE_LENGTH).entries()) {
    if (i < 3 && !isLetter(c)) return { kind: "bad_owner", code, owner };
    if (i === 3 && !isLetter(c)) return { kind: "bad_owner", code, owner };
    if (i === 3 && c !== "U" && c !== "J" && c !== "Z") {
      return { kind: "bad_category", code, category: c };
    }
    if (i >= 4 && !isDigit(c)) return { kind: "bad_digits", code, serial };
  }
  if (chars.length < CONTAINER_CODE_LENGTH) {
    return { kind: "incomplete", code, length: chars.length };
  }
  if (chars.length > CONTAINER_CODE_LENGTH) {
    return { kind: "too_long", code, length: chars.length };
  }
  const expected = checkDigit(chars.slice(0, 10).join(""));
  const found = Number(chars[10]);
  if (found !== expected) {
    return { kind: "wrong_check_digit", code, found, expected };
  }
  return { kind: "valid", code };
}

/** The canonical code if valid, else null. */
export function parseContainerCode(input: string): string | null {
  const r = checkContainerCode(input);
  return r.kind === "valid" ? r.code : null;
}
