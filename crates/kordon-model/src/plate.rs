//! Licence plates.
//!
//! Ukrainian plates mix Cyrillic letters that look Latin
//! (А В Е І К М Н О Р С Т Х). A plate keeps three forms:
//! - `raw`: exactly what was typed or read;
//! - `canonical`: upper case, separators removed, Cyrillic look-alikes mapped
//!   to their Latin twins, so `АА 1234 ВС` and `AA1234BC` are one plate;
//! - `key`: the canonical form with OCR confusions folded (O→0, I→1, B→8,
//!   S→5, Z→2, Q→0, D→0, G→6), used only for matching (hotlists, history).
//!
//! Both are made by `kordon-plates`, which the hotlist matcher shares.

use serde::{Deserialize, Serialize};

pub use kordon_plates::PlateError;

/// A plate in its three forms. Built only through [`Plate::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Plate {
    pub raw: String,
    pub canonical: String,
    pub key: String,
}

impl Plate {
    /// The three forms of `raw` (see `kordon_plates::text`, the one place
    /// they are made).
    pub fn parse(raw: &str) -> Result<Self, PlateError> {
        let canonical = kordon_plates::canonical(raw)?;
        let key = kordon_plates::text::key_of_canonical(&canonical);
        Ok(Plate {
            raw: raw.trim().to_string(),
            canonical,
            key,
        })
    }

    /// The match key for a free-text query (same folding as stored plates).
    pub fn key_of(query: &str) -> Option<String> {
        kordon_plates::match_key(query).ok()
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

    #[test]
    fn a_100_kb_plate_is_quoted_cut_short_not_echoed_back() {
        for bad in ["A".repeat(100_000), format!("A;{}", "Б".repeat(50_000))] {
            let e = Plate::parse(&bad).expect_err("refused").to_string();
            assert!(e.len() < 200, "{} bytes: {e:.300}", e.len());
            assert!(e.contains("more characters)"), "{e}");
        }
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
