//! Quoting a bad value in an error without echoing all of it.
//!
//! Errors about input from outside (a camera's push, a vehicle's record, a
//! typed field) end up in logs, in the audit trail and in the answer to
//! the peer. A hostile or broken sender can make the value as long as it
//! likes; an error quotes its first [`QUOTED_CHARS`] characters and says
//! how many more there were.

/// Characters of a bad value an error quotes.
pub const QUOTED_CHARS: usize = 40;

/// `value` as an error quotes it: in Rust string quotes, at most
/// [`QUOTED_CHARS`] characters, then how many more were left out.
pub fn quoted(value: &str) -> String {
    let mut head = value.char_indices().skip(QUOTED_CHARS);
    match head.next() {
        None => format!("{value:?}"),
        Some((cut, _)) => {
            let more = value[cut..].chars().count();
            format!("{:?}… ({more} more characters)", &value[..cut])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_quoted_whole_and_long_ones_cut() {
        assert_eq!(quoted("AA1234BB"), "\"AA1234BB\"");
        let forty = "Ж".repeat(40);
        assert_eq!(quoted(&forty), format!("\"{forty}\""));
        let long = "A".repeat(100_000);
        let q = quoted(&long);
        assert_eq!(
            q,
            format!("\"{}\"… (99960 more characters)", "A".repeat(40))
        );
        assert_eq!(
            quoted(&format!("{forty}ЖЖ")),
            format!("\"{forty}\"… (2 more characters)")
        );
    }
}
