//! Licence plates as ANPR cameras read them and crews type them.
//!
//! - [`text`]: the canonical form (upper case, separators gone, the 12
//!   Cyrillic letters that look Latin — А В Е І К М Н О Р С Т Х — mapped to
//!   their Latin twins) and the **match key** (the canonical form with the
//!   characters OCR confuses folded together: 0/O/D/Q, 1/I/L, 2/Z, 5/S,
//!   6/G, 8/B).
//! - [`format`]: the plate formats Kordon recognises (Ukrainian civilian,
//!   1995, trailer, transit, military, diplomatic, occupation-issued, and
//!   common foreign ones), with position-aware correction where a format
//!   says a position holds a letter or a digit (`docs/plates.md`).
//! - [`matching`]: an index of hotlist entries that finds, for a read or a
//!   typed plate, every entry it matches and how: exactly, OCR-equivalent,
//!   or one edit away.
//!
//! - [`quoted`]: a bad value as an error quotes it, cut short.
//!
//! Pure: no I/O, no clock; every vehicle and the server run the same code.

pub mod format;
pub mod matching;
mod quote;
pub mod text;

pub use format::{recognise, Recognised};
pub use matching::{Hit, MatchIndex, Tier};
pub use quote::{quoted, QUOTED_CHARS};
pub use text::{canonical, match_key, PlateError};
