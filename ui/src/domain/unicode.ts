// Character classes as Rust's `char` methods define them, so that the UI
// accepts and refuses exactly what the Rust model does.

// Rust `char::is_whitespace`: the Unicode White_Space property. (JavaScript's
// `\s` differs: it lacks U+0085 and adds U+FEFF.)
const WHITE_SPACE = /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]$/u;

// Rust `char::is_alphanumeric`: Alphabetic, or general category Nd, Nl, No.
const ALPHANUMERIC = /^[\p{Alphabetic}\p{N}]$/u;

/** True for one code point that Rust's `char::is_whitespace` accepts. */
export function isRustWhitespace(ch: string): boolean {
  return WHITE_SPACE.test(ch);
}

/** True for one code point that Rust's `char::is_alphanumeric` accepts. */
export function isRustAlphanumeric(ch: string): boolean {
  return ALPHANUMERIC.test(ch);
}

/** The code points of a string (what Rust's `chars()` iterates). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}
