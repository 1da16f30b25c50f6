//! ISO 6346 freight container codes.
//!
//! A code is three letters of owner code, one letter of equipment category
//! (`U`, `J` or `Z`), a six-digit serial number and a check digit. The check
//! digit is the weighted sum of the first ten characters modulo 11 (10 maps
//! to 0). Letters take the values 10..=38 skipping multiples of 11.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A validated ISO 6346 container code, stored without spaces, upper case.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[ts(type = "string")]
#[schema(value_type = String)]
#[serde(try_from = "String", into = "String")]
pub struct ContainerCode(String);

/// Why a string is not a valid container code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerCodeError {
    #[error("container code must have 11 characters (4 letters, 7 digits), got {0}")]
    Length(usize),
    #[error("container code must start with 4 letters (owner code and category), got {0:?}")]
    Owner(String),
    #[error("equipment category must be U, J or Z, got {0:?}")]
    Category(char),
    #[error("container code must end with 7 digits, got {0:?}")]
    Serial(String),
    #[error("check digit is {found}, expected {expected} for {code}")]
    CheckDigit {
        code: String,
        found: u32,
        expected: u32,
    },
}

fn letter_value(c: char) -> u32 {
    // A=10, then skip 11, 22, 33.
    let mut v = 10;
    for l in 'A'..c {
        let _ = l;
        v += 1;
        if v % 11 == 0 {
            v += 1;
        }
    }
    v
}

/// The check digit for the first ten characters of a code (already validated
/// as four ASCII upper-case letters and six ASCII digits).
pub fn check_digit(first_ten: &str) -> u32 {
    let sum: u32 = first_ten
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let v = if c.is_ascii_digit() {
                c.to_digit(10).unwrap_or(0)
            } else {
                letter_value(c)
            };
            v << i
        })
        .sum();
    (sum % 11) % 10
}

impl ContainerCode {
    /// Parses a code, tolerating spaces, dashes and lower case
    /// (`"msku 907032-3"` is `MSKU9070323`).
    pub fn parse(input: &str) -> Result<Self, ContainerCodeError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '/')
            .flat_map(char::to_uppercase)
            .collect();
        let n = s.chars().count();
        if n != 11 {
            return Err(ContainerCodeError::Length(n));
        }
        let owner: String = s.chars().take(4).collect();
        if !owner.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(ContainerCodeError::Owner(owner));
        }
        let category = owner.chars().nth(3).unwrap_or(' ');
        if !matches!(category, 'U' | 'J' | 'Z') {
            return Err(ContainerCodeError::Category(category));
        }
        let serial: String = s.chars().skip(4).collect();
        if !serial.chars().all(|c| c.is_ascii_digit()) {
            return Err(ContainerCodeError::Serial(serial));
        }
        let expected = check_digit(&s[..10]);
        let found = s[10..]
            .chars()
            .next()
            .and_then(|c| c.to_digit(10))
            .unwrap_or(99);
        if found != expected {
            return Err(ContainerCodeError::CheckDigit {
                code: s,
                found,
                expected,
            });
        }
        Ok(ContainerCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContainerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ContainerCode {
    type Error = ContainerCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ContainerCode::parse(&s)
    }
}

impl From<ContainerCode> for String {
    fn from(c: ContainerCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn letter_values_skip_multiples_of_eleven() {
        assert_eq!(letter_value('A'), 10);
        assert_eq!(letter_value('B'), 12);
        assert_eq!(letter_value('K'), 21);
        assert_eq!(letter_value('L'), 23);
        assert_eq!(letter_value('U'), 32);
        assert_eq!(letter_value('V'), 34);
        assert_eq!(letter_value('Z'), 38);
    }

    #[test]
    fn known_codes_validate() {
        // Codes from ISO 6346 examples and real containers.
        for code in ["CSQU3054383", "MSKU9070323", "TGHU7599834", "BICU1234565"] {
            assert!(ContainerCode::parse(code).is_ok(), "{code}");
        }
        assert_eq!(
            ContainerCode::parse("cs qu 305438-3").map(|c| c.to_string()),
            Ok("CSQU3054383".to_string())
        );
    }

    #[test]
    fn wrong_check_digit_is_refused_with_expected_digit() {
        assert_eq!(
            ContainerCode::parse("CSQU3054384"),
            Err(ContainerCodeError::CheckDigit {
                code: "CSQU3054384".into(),
                found: 4,
                expected: 3
            })
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        assert!(matches!(
            ContainerCode::parse("CSQ3054383"),
            Err(ContainerCodeError::Length(10))
        ));
        assert!(matches!(
            ContainerCode::parse("CSQX3054383"),
            Err(ContainerCodeError::Category('X'))
        ));
        assert!(matches!(
            ContainerCode::parse("C5QU3054383"),
            Err(ContainerCodeError::Owner(_))
        ));
        assert!(matches!(
            ContainerCode::parse("CSQU30543A3"),
            Err(ContainerCodeError::Serial(_))
        ));
        assert!(matches!(
            ContainerCode::parse("ЦSQU3054383"),
            Err(ContainerCodeError::Owner(_))
        ));
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = ContainerCode::parse(&s);
        }

        #[test]
        fn every_computed_check_digit_validates(owner in "[A-Z]{3}", cat in "[UJZ]", serial in "[0-9]{6}") {
            let first = format!("{owner}{cat}{serial}");
            let code = format!("{first}{}", check_digit(&first));
            prop_assert!(ContainerCode::parse(&code).is_ok());
            // Any other final digit is refused.
            let wrong = (check_digit(&first) + 1) % 10;
            let wrong_code = format!("{first}{wrong}");
            prop_assert!(ContainerCode::parse(&wrong_code).is_err());
        }
    }
}
