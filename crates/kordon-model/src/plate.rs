//! Licence plates.
//!
//! Ukrainian plates mix Cyrillic letters that look Latin
//! (А В Е І К М Н О Р С Т Х). A plate keeps three forms:
//! - `raw`: exactly what was typed or read;
//! - `canonical`: upper case, separators removed, Cyrillic look-alikes mapped
//!   to their Latin twins, so `АА 1234 ВС` and `AA1234BC` are one plate;
//! - `key`: the canonical form with OCR confusions folded (O→0, I→1, B→8,
//!   S→5, Z→2, Q→0, D→0, G→6), used only for matching (hotlists, history).

use serde::{Deserialize, Serialize};

/// A plate in its three forms. Built only through [`Plate::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Plate {
    pub raw: String,
    pub canonical: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    #[error("plate is empty")]
    Empty,
    #[error("plate {0:?} is too long (at most 16 letters and digits)")]
    TooLong(String),
    #[error("plate {raw:?} contains {ch:?}, which is not a letter or digit")]
    BadCharacter { raw: String, ch: char },
}

/// Maps Cyrillic letters that look Latin to the Latin letter.
fn latin_twin(c: char) -> char {
    match c {
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'І' => 'I',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'Х' => 'X',
        'У' => 'Y',
        other => other,
    }
}

/// Folds characters OCR confuses into one representative.
fn ocr_fold(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' => '1',
        'B' => '8',
        'S' => '5',
        'Z' => '2',
        'G' => '6',
        other => other,
    }
}

impl Plate {
    pub fn parse(raw: &str) -> Result<Self, PlateError> {
        let mut canonical = String::new();
        for c in raw.chars() {
            if c.is_whitespace() || c == '-' || c == '.' || c == '·' {
                continue;
            }
            if !c.is_alphanumeric() {
                return Err(PlateError::BadCharacter {
                    raw: raw.to_string(),
                    ch: c,
                });
            }
            for u in c.to_uppercase() {
                // Case mapping can add combining marks (ῇ → Η͂Ι): the
                // canonical form must itself be letters and digits only.
                if !u.is_alphanumeric() {
                    return Err(PlateError::BadCharacter {
                        raw: raw.to_string(),
                        ch: c,
                    });
                }
                canonical.push(latin_twin(u));
            }
        }
        if canonical.is_empty() {
            return Err(PlateError::Empty);
        }
        if canonical.chars().count() > 16 {
            return Err(PlateError::TooLong(raw.to_string()));
        }
        let key = canonical.chars().map(ocr_fold).collect();
        Ok(Plate {
            raw: raw.trim().to_string(),
            canonical,
            key,
        })
    }

    /// The match key for a free-text query (same folding as stored plates).
    pub fn key_of(query: &str) -> Option<String> {
        Plate::parse(query).ok().map(|p| p.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cyrillic_and_latin_spellings_share_canonical_form() {
        let cyr = Plate::parse("АА 1234 ВС").expect("valid");
        let lat = Plate::parse("aa-1234-bc").expect("valid");
        assert_eq!(cyr.canonical, "AA1234BC");
        assert_eq!(cyr.canonical, lat.canonical);
        assert_eq!(cyr.raw, "АА 1234 ВС");
    }

    #[test]
    fn ocr_confusions_share_a_key_but_not_a_canonical_form() {
        let a = Plate::parse("BO1234OI").expect("valid");
        let b = Plate::parse("8012340I").expect("valid");
        assert_ne!(a.canonical, b.canonical);
        assert_eq!(a.key, b.key);
    }

    #[test]
    fn a_letter_whose_upper_case_adds_a_combining_mark_is_refused() {
        // Found by the property test: 'ῇ' upper-cases to "Η\u{342}Ι".
        assert!(matches!(
            Plate::parse("AA1ῇ"),
            Err(PlateError::BadCharacter { ch: 'ῇ', .. })
        ));
    }

    #[test]
    fn bad_plates_are_refused() {
        assert_eq!(Plate::parse("  - "), Err(PlateError::Empty));
        assert!(matches!(
            Plate::parse("AA12;34"),
            Err(PlateError::BadCharacter { ch: ';', .. })
        ));
        assert!(matches!(
            Plate::parse("A".repeat(17).as_str()),
            Err(PlateError::TooLong(_))
        ));
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_key_is_idempotent(s in "\\PC{0,24}") {
            if let Ok(p) = Plate::parse(&s) {
                let again = Plate::parse(&p.canonical).expect("canonical form re-parses");
                prop_assert_eq!(&again.canonical, &p.canonical);
                prop_assert_eq!(&again.key, &p.key);
            }
        }
    }
}
