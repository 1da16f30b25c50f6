//! The canonical form of a plate and its match key.

/// Longest canonical plate (letters and digits).
pub const MAX_LEN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    #[error("plate is empty")]
    Empty,
    /// The plate as [`quoted`](crate::quoted) (long ones cut).
    #[error("plate {0} is too long (at most 16 letters and digits)")]
    TooLong(String),
    /// `raw` as [`quoted`](crate::quoted) (long ones cut).
    #[error("plate {raw} contains {ch:?}, which is not a letter or digit")]
    BadCharacter { raw: String, ch: char },
}

/// The Latin twin of a Cyrillic letter that looks Latin (upper case).
pub fn latin_twin(c: char) -> char {
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

/// The Cyrillic look-alike of a Latin capital (the inverse of
/// [`latin_twin`]); other characters are returned as they are. For
/// spelling a plate the way a Ukrainian keyboard types it.
pub fn cyrillic_twin(c: char) -> char {
    match c {
        'A' => 'А',
        'B' => 'В',
        'E' => 'Е',
        'I' => 'І',
        'K' => 'К',
        'M' => 'М',
        'H' => 'Н',
        'O' => 'О',
        'P' => 'Р',
        'C' => 'С',
        'T' => 'Т',
        'X' => 'Х',
        'Y' => 'У',
        other => other,
    }
}

/// The representative of the characters OCR confuses with `c`.
pub fn ocr_fold(c: char) -> char {
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

/// Separators people and cameras put inside plates.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '·' | '_' | '|')
}

/// The canonical form: upper case, separators removed, Cyrillic
/// look-alikes as Latin. Idempotent.
pub fn canonical(raw: &str) -> Result<String, PlateError> {
    let mut out = String::new();
    let bad = |ch| PlateError::BadCharacter {
        raw: crate::quoted(raw),
        ch,
    };
    for c in raw.chars() {
        if is_separator(c) {
            continue;
        }
        if !c.is_alphanumeric() {
            return Err(bad(c));
        }
        for u in c.to_uppercase() {
            // Case mapping can add combining marks (ῇ → Η͂Ι): the
            // canonical form must itself be letters and digits only.
            if !u.is_alphanumeric() {
                return Err(bad(c));
            }
            out.push(latin_twin(u));
        }
    }
    if out.is_empty() {
        return Err(PlateError::Empty);
    }
    if out.chars().count() > MAX_LEN {
        return Err(PlateError::TooLong(crate::quoted(raw)));
    }
    Ok(out)
}

/// The match key of a canonical plate.
pub fn key_of_canonical(canonical: &str) -> String {
    canonical.chars().map(ocr_fold).collect()
}

/// The match key of a plate in any spelling.
pub fn match_key(raw: &str) -> Result<String, PlateError> {
    canonical(raw).map(|c| key_of_canonical(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cyrillic_latin_and_separators_give_one_canonical_form() {
        assert_eq!(canonical("АА 1234 ВС").as_deref(), Ok("AA1234BC"));
        assert_eq!(canonical("aa-1234-bc").as_deref(), Ok("AA1234BC"));
        assert_eq!(canonical(" Aa.1234_Вс ").as_deref(), Ok("AA1234BC"));
        assert_eq!(canonical(" - "), Err(PlateError::Empty));
        assert!(matches!(
            canonical("AA/12"),
            Err(PlateError::BadCharacter { ch: '/', .. })
        ));
    }

    #[test]
    fn ocr_confusions_share_a_key() {
        assert_eq!(match_key("BO1234OI"), match_key("8012340I"));
        assert_ne!(canonical("BO1234OI"), canonical("8012340I"));
    }

    proptest! {
        #[test]
        fn canonical_is_idempotent(raw in "\\PC{0,24}") {
            if let Ok(c) = canonical(&raw) {
                prop_assert_eq!(canonical(&c), Ok(c.clone()));
                prop_assert_eq!(key_of_canonical(&key_of_canonical(&c)), key_of_canonical(&c));
            }
        }

        #[test]
        fn cyrillic_twins_round_trip(c in "[A-Z0-9]") {
            let c = c.chars().next().unwrap_or('A');
            prop_assert_eq!(latin_twin(cyrillic_twin(c)), c);
        }

        #[test]
        fn cyrillic_and_latin_spellings_share_a_key(
            plate in "[ABCEHIKMOPTX]{2}[0-9]{4}[ABCEHIKMOPTX]{2}",
            flips in proptest::collection::vec(any::<bool>(), 8),
        ) {
            let cyrillic: String = plate.chars().zip(flips).map(|(c, flip)| {
                if !flip { return c; }
                match c {
                    'A' => 'А', 'B' => 'В', 'C' => 'С', 'E' => 'Е', 'H' => 'Н', 'I' => 'І',
                    'K' => 'К', 'M' => 'М', 'O' => 'О', 'P' => 'Р', 'T' => 'Т', 'X' => 'Х',
                    d => d,
                }
            }).collect();
            prop_assert_eq!(canonical(&cyrillic), canonical(&plate));
            prop_assert_eq!(match_key(&cyrillic.to_lowercase()), match_key(&plate));
        }
    }
}
