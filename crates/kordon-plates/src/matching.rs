//! Tiered matching of reads and typed plates against hotlist entries.
//!
//! Three tiers, each labelled on the hit:
//! - [`Tier::Exact`]: the same canonical text (any spelling, separators,
//!   Cyrillic or Latin);
//! - [`Tier::OcrEquivalent`]: the same match key — the texts differ only
//!   in characters OCR confuses (0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B);
//! - [`Tier::OneEdit`]: the match keys are one edit apart (a character
//!   misread as another, dropped, or added).
//!
//! The index keeps three hash maps: canonical text → entries, match key →
//! entries, and every *deletion variant* of each key (the key with one
//! character removed) → entries. Two keys are at most one edit apart
//! exactly when they are equal, one is a deletion variant of the other, or
//! they share a deletion variant at the same position; so a lookup is the
//! query key and its n deletion variants, about ten hash probes for a
//! plate, whatever the size of the list. Candidates from shared variants
//! are confirmed with a direct one-edit check.

use crate::text::{canonical, key_of_canonical, PlateError};
use std::collections::{HashMap, HashSet};

/// How a read matched an entry, from the strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Exact,
    OcrEquivalent,
    OneEdit,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Exact => "exact",
            Tier::OcrEquivalent => "ocr_equivalent",
            Tier::OneEdit => "one_edit",
        }
    }
}

/// A matched entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'a, T> {
    pub tier: Tier,
    pub entry: &'a T,
}

/// Hotlist entries indexed by their plate or container text.
#[derive(Debug)]
pub struct MatchIndex<T> {
    entries: Vec<T>,
    by_canonical: HashMap<String, Vec<u32>>,
    by_key: HashMap<String, Vec<u32>>,
    /// Deletion variant → (entry, position of the deleted character).
    by_deletion: HashMap<String, Vec<(u32, u8)>>,
}

impl<T> Default for MatchIndex<T> {
    fn default() -> Self {
        MatchIndex {
            entries: vec![],
            by_canonical: HashMap::new(),
            by_key: HashMap::new(),
            by_deletion: HashMap::new(),
        }
    }
}

/// The key with the character at each position removed.
fn deletions(key: &[char]) -> impl Iterator<Item = (u8, String)> + '_ {
    (0..key.len()).map(move |i| {
        let variant: String = key[..i].iter().chain(&key[i + 1..]).collect();
        (i as u8, variant)
    })
}

/// Whether `a` and `b` are exactly one substitution apart.
fn one_substitution(a: &[char], b: &[char]) -> bool {
    a.len() == b.len() && a.iter().zip(b).filter(|(x, y)| x != y).count() == 1
}

impl<T> MatchIndex<T> {
    pub fn new() -> Self {
        MatchIndex::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[T] {
        &self.entries
    }

    /// Adds an entry under `text` (a plate or container code in any
    /// spelling).
    pub fn insert(&mut self, text: &str, entry: T) -> Result<(), PlateError> {
        let canonical = canonical(text)?;
        let key = key_of_canonical(&canonical);
        let id = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.entries.push(entry);
        self.by_canonical.entry(canonical).or_default().push(id);
        let chars: Vec<char> = key.chars().collect();
        for (pos, variant) in deletions(&chars) {
            self.by_deletion.entry(variant).or_default().push((id, pos));
        }
        self.by_key.entry(key).or_default().push(id);
        Ok(())
    }

    /// Every entry `text` matches, each once at its strongest tier,
    /// strongest first. A text that is not a plate matches nothing.
    pub fn find(&self, text: &str) -> Vec<Hit<'_, T>> {
        self.find_within(text, Tier::OneEdit)
    }

    /// As [`find`](Self::find), but only tiers up to `weakest`.
    pub fn find_within(&self, text: &str, weakest: Tier) -> Vec<Hit<'_, T>> {
        let Ok(canonical) = canonical(text) else {
            return vec![];
        };
        let key = key_of_canonical(&canonical);
        let mut seen: HashSet<u32> = HashSet::new();
        let mut hits: Vec<(Tier, u32)> = vec![];
        let mut add = |tier: Tier, ids: &mut dyn Iterator<Item = u32>| {
            for id in ids {
                if seen.insert(id) {
                    hits.push((tier, id));
                }
            }
        };
        if let Some(ids) = self.by_canonical.get(&canonical) {
            add(Tier::Exact, &mut ids.iter().copied());
        }
        if weakest >= Tier::OcrEquivalent {
            if let Some(ids) = self.by_key.get(&key) {
                add(Tier::OcrEquivalent, &mut ids.iter().copied());
            }
        }
        if weakest >= Tier::OneEdit {
            let chars: Vec<char> = key.chars().collect();
            // The query has one character more than the entry.
            for (_, variant) in deletions(&chars) {
                if let Some(ids) = self.by_key.get(&variant) {
                    add(Tier::OneEdit, &mut ids.iter().copied());
                }
            }
            // The entry has one character more than the query.
            if let Some(ids) = self.by_deletion.get(&key) {
                add(Tier::OneEdit, &mut ids.iter().map(|(id, _)| *id));
            }
            // One substitution: a shared deletion variant, same position.
            for (pos, variant) in deletions(&chars) {
                if let Some(ids) = self.by_deletion.get(&variant) {
                    let mut same_place = ids.iter().filter(|(_, p)| *p == pos).map(|(id, _)| *id);
                    add(Tier::OneEdit, &mut same_place);
                }
            }
        }
        hits.sort_by_key(|(tier, id)| (*tier, *id));
        hits.into_iter()
            .filter_map(|(tier, id)| {
                self.entries
                    .get(id as usize)
                    .map(|entry| Hit { tier, entry })
            })
            .collect()
    }
}

/// Whether two match keys are at most one edit apart (for checks).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b || one_substitution(&a, &b) {
        return true;
    }
    let (short, long) = if a.len() < b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    long.len() == short.len() + 1
        && (0..long.len()).any(|i| long[..i].iter().chain(&long[i + 1..]).eq(short.iter()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::match_key;
    use proptest::prelude::*;

    const CONFUSIONS: &[(char, char)] = &[
        ('0', 'O'),
        ('O', '0'),
        ('0', 'D'),
        ('0', 'Q'),
        ('1', 'I'),
        ('I', '1'),
        ('1', 'L'),
        ('2', 'Z'),
        ('Z', '2'),
        ('5', 'S'),
        ('S', '5'),
        ('6', 'G'),
        ('G', '6'),
        ('8', 'B'),
        ('B', '8'),
    ];

    fn index(plates: &[&str]) -> MatchIndex<String> {
        let mut ix = MatchIndex::new();
        for p in plates {
            ix.insert(p, p.to_string()).expect("plate");
        }
        ix
    }

    fn tiers(ix: &MatchIndex<String>, q: &str) -> Vec<(Tier, String)> {
        ix.find(q)
            .into_iter()
            .map(|h| (h.tier, h.entry.clone()))
            .collect()
    }

    #[test]
    fn each_tier_is_labelled() {
        let ix = index(&["AA1234BC", "KA0001AA"]);
        assert_eq!(
            tiers(&ix, "аа 1234 вс"),
            vec![(Tier::Exact, "AA1234BC".into())]
        );
        assert_eq!(
            tiers(&ix, "AA12348C"),
            vec![(Tier::OcrEquivalent, "AA1234BC".into())]
        );
        assert_eq!(
            tiers(&ix, "AA1235BC"),
            vec![(Tier::OneEdit, "AA1234BC".into())]
        );
        assert_eq!(
            tiers(&ix, "AA234BC"),
            vec![(Tier::OneEdit, "AA1234BC".into())]
        );
        assert_eq!(
            tiers(&ix, "AA12344BC"),
            vec![(Tier::OneEdit, "AA1234BC".into())]
        );
        assert!(tiers(&ix, "AA9934BC").is_empty(), "two edits away");
        assert!(tiers(&ix, "<>").is_empty());
    }

    #[test]
    fn an_entry_is_reported_once_at_its_strongest_tier() {
        let ix = index(&["AA1234BC", "AA1234BC"]);
        let hits = ix.find("AA1234BC");
        assert_eq!(hits.len(), 2);
        assert!(hits.iter().all(|h| h.tier == Tier::Exact));
    }

    proptest! {
        #[test]
        fn every_single_ocr_confusion_matches_as_ocr_equivalent(
            plate in "[ABCEHIKMOPTX]{2}[0-9]{4}[ABCEHIKMOPTX]{2}",
            at in 0usize..8,
            pick in 0usize..CONFUSIONS.len(),
        ) {
            let ix = index(&[&plate]);
            let chars: Vec<char> = plate.chars().collect();
            // Apply the first confusion that fits the character at `at`.
            let fits: Vec<&(char, char)> = CONFUSIONS.iter().filter(|(from, _)| *from == chars[at]).collect();
            prop_assume!(!fits.is_empty());
            let (_, to) = fits[pick % fits.len()];
            let mut misread = chars.clone();
            misread[at] = *to;
            let misread: String = misread.into_iter().collect();
            let hits = ix.find(&misread);
            prop_assert_eq!(hits.len(), 1);
            prop_assert_eq!(hits[0].tier, Tier::OcrEquivalent);
        }

        #[test]
        fn distinct_plates_do_not_collide_at_the_exact_tier(
            a in "[ABCEHIKMOPTX]{2}[0-9]{4}[ABCEHIKMOPTX]{2}",
            b in "[ABCEHIKMOPTX]{2}[0-9]{4}[ABCEHIKMOPTX]{2}",
        ) {
            prop_assume!(a != b);
            let ix = index(&[&a]);
            prop_assert!(ix.find_within(&b, Tier::Exact).is_empty());
        }

        #[test]
        fn a_typed_plate_with_spaces_and_dashes_matches_exactly(
            plate in "[ABCEHIKMOPTX]{2}[0-9]{4}[ABCEHIKMOPTX]{2}",
            sep in "[ -]{1,2}",
        ) {
            let ix = index(&[&plate]);
            let typed = format!("{}{sep}{}{sep}{}", &plate[..2], &plate[2..6], plate[6..].to_lowercase());
            let hits = ix.find(&typed);
            prop_assert_eq!(hits.first().map(|h| h.tier), Some(Tier::Exact));
        }

        #[test]
        fn one_edit_hits_are_exactly_the_keys_one_edit_away(
            entries in proptest::collection::vec("[A-Z0-9]{3,8}", 1..40),
            query in "[A-Z0-9]{2,9}",
        ) {
            let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
            let ix = index(&refs);
            let qk = match_key(&query).expect("key");
            let found: HashSet<String> = ix.find(&query).into_iter().map(|h| h.entry.clone()).collect();
            for e in &entries {
                let ek = match_key(e).expect("key");
                prop_assert_eq!(found.contains(e), within_one_edit(&qk, &ek), "entry {} query {}", e, query);
            }
        }
    }
}
