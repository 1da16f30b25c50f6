//! The plate formats Kordon recognises, and position-aware correction.
//!
//! A format is a list of patterns over the canonical (Latin, upper case,
//! no separators) text. A pattern is a string of slots:
//! - `U`: one of the 12 letters Ukrainian plates use (A B C E H I K M O P T X);
//! - `R`: one of the 12 letters Russian-format plates use (those and Y);
//! - `L`: any Latin letter;
//! - `D`: a digit;
//! - `X`: a letter or a digit;
//! - a lower-case letter: that letter, upper case, literally.
//!
//! Where a slot says letter or digit, a character OCR confuses with the
//! other kind is corrected (digit slot: O Q D→0, I L→1, Z→2, S→5, G→6,
//! B→8; letter slot: 0→O, 1→I, 2→Z, 5→S, 6→G, 8→B), and the corrections
//! are counted (at most [`MAX_CORRECTIONS`], and only for Ukrainian
//! formats: foreign ones must fit as read). [`recognise`] returns every
//! format the text fits in the order of [`FORMATS`] (Ukrainian before
//! foreign, specific before generic). The sources are in `docs/plates.md`.

/// A plate format.
#[derive(Debug, PartialEq, Eq)]
pub struct Format {
    /// Stable label key, e.g. `ua-civilian`.
    pub key: &'static str,
    /// ISO 3166 alpha-2 country, or `EU` for the generic form.
    pub country: &'static str,
    /// A short English name.
    pub name: &'static str,
    patterns: &'static [&'static str],
    /// Checks a candidate (corrected) text and names its region, if any.
    check: Check,
}

/// Most characters position-aware correction may change in one read.
pub const MAX_CORRECTIONS: usize = 2;

impl Format {
    /// Ukrainian formats (and the occupation-issued ones) are corrected by
    /// position; foreign ones must fit as read.
    fn corrects(&self) -> bool {
        self.country == "UA"
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Check {
    None,
    /// The first two letters are a Ukrainian region code.
    UaRegion,
    /// A region code, and a series of two Ukrainian letters (or, for
    /// electric vehicles since 2020, Y or Z and one).
    UaCivilian,
    /// The last 2–3 digits are a Russian "region" number given to an
    /// occupied Ukrainian territory.
    OccupiedRegion,
}

/// A format a text fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    pub format: &'static Format,
    /// The text with position-aware corrections applied.
    pub corrected: String,
    /// How many characters were corrected.
    pub corrections: usize,
    /// The region the format's code names, if any.
    pub region: Option<&'static Region>,
}

/// A region a plate's code names.
#[derive(Debug, PartialEq, Eq)]
pub struct Region {
    pub code: &'static str,
    pub name: &'static str,
    /// Under occupation, wholly or in part (labelled in alerts).
    pub occupied: Occupation,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Occupation {
    No,
    Partly,
    Wholly,
}

const UA_LETTERS: &str = "ABCEHIKMOPTX";
const RU_LETTERS: &str = "ABCEHKMOPTXY";

/// Every format, in the order [`recognise`] prefers them on a tie.
pub static FORMATS: &[Format] = &[
    Format {
        key: "ua-civilian",
        country: "UA",
        name: "Ukraine, civilian (2004 and 2015)",
        patterns: &["LLDDDDLL"],
        check: Check::UaCivilian,
    },
    Format {
        key: "ua-trailer",
        country: "UA",
        name: "Ukraine, trailer (series from X; a hint, see docs/plates.md)",
        patterns: &["LLDDDDxU"],
        check: Check::UaRegion,
    },
    Format {
        key: "ua-1995",
        country: "UA",
        name: "Ukraine, 1995 series",
        patterns: &["DDDDDDDUU", "DDDDDUU"],
        check: Check::None,
    },
    Format {
        key: "ua-transit",
        country: "UA",
        name: "Ukraine, transit (or a pre-2004 trailer)",
        patterns: &["DDDDUU"],
        check: Check::None,
    },
    Format {
        key: "ua-diplomatic",
        country: "UA",
        name: "Ukraine, diplomatic",
        patterns: &["dDDDDDD", "cdpDDD", "dpDDDDDD", "sDDDDDD"],
        check: Check::None,
    },
    Format {
        key: "ua-military",
        country: "UA",
        name: "Ukraine, Armed Forces (tentative pattern)",
        patterns: &["DDDDLD"],
        check: Check::None,
    },
    Format {
        key: "occupied-ru",
        country: "UA",
        name: "Issued by the occupation authorities (Russian format)",
        patterns: &["RDDDRRDD"],
        check: Check::OccupiedRegion,
    },
    Format {
        key: "occupied-dpr",
        country: "UA",
        name: "Issued by the self-styled DPR/LPR, 2014-2022",
        patterns: &["RDDDRRdpr", "RDDDRRlpr"],
        check: Check::None,
    },
    Format {
        key: "ro",
        country: "RO",
        name: "Romania",
        patterns: &["bDDLLL", "bDDDLLL", "LLDDLLL", "LLDDDLLL"],
        check: Check::None,
    },
    Format {
        key: "sk",
        country: "SK",
        name: "Slovakia (or Poland)",
        patterns: &["LLDDDLL"],
        check: Check::None,
    },
    Format {
        key: "pl",
        country: "PL",
        name: "Poland",
        patterns: &["LLDXXXX", "LLLXXXX", "LLLXXXXX"],
        check: Check::None,
    },
    Format {
        key: "hu",
        country: "HU",
        name: "Hungary (or Moldova)",
        patterns: &["LLLDDD", "LLLLDDD"],
        check: Check::None,
    },
    Format {
        key: "md",
        country: "MD",
        name: "Moldova (or Hungary)",
        patterns: &["LLLDDD", "LLLLD", "LLLLDD", "LLLLDDD"],
        check: Check::None,
    },
    Format {
        key: "eu-generic",
        country: "EU",
        name: "Other (generic European)",
        patterns: &[],
        check: Check::None,
    },
];

/// Ukrainian two-letter region codes (2004 system and the second codes
/// added later).
pub static UA_REGIONS: &[Region] = &[
    r("AA", "Kyiv", Occupation::No),
    r("KA", "Kyiv", Occupation::No),
    r("AB", "Vinnytsia Oblast", Occupation::No),
    r("KB", "Vinnytsia Oblast", Occupation::No),
    r("AC", "Volyn Oblast", Occupation::No),
    r("KC", "Volyn Oblast", Occupation::No),
    r("AE", "Dnipropetrovsk Oblast", Occupation::No),
    r("KE", "Dnipropetrovsk Oblast", Occupation::No),
    r("AH", "Donetsk Oblast", Occupation::Partly),
    r("KH", "Donetsk Oblast", Occupation::Partly),
    r("AI", "Kyiv Oblast", Occupation::No),
    r("KI", "Kyiv Oblast", Occupation::No),
    r("AK", "Autonomous Republic of Crimea", Occupation::Wholly),
    r("KK", "Autonomous Republic of Crimea", Occupation::Wholly),
    r("AM", "Zhytomyr Oblast", Occupation::No),
    r("KM", "Zhytomyr Oblast", Occupation::No),
    r("AO", "Zakarpattia Oblast", Occupation::No),
    r("KO", "Zakarpattia Oblast", Occupation::No),
    r("AP", "Zaporizhzhia Oblast", Occupation::Partly),
    r("KP", "Zaporizhzhia Oblast", Occupation::Partly),
    r("AT", "Ivano-Frankivsk Oblast", Occupation::No),
    r("KT", "Ivano-Frankivsk Oblast", Occupation::No),
    r("AX", "Kharkiv Oblast", Occupation::Partly),
    r("KX", "Kharkiv Oblast", Occupation::Partly),
    r("BA", "Kirovohrad Oblast", Occupation::No),
    r("HA", "Kirovohrad Oblast", Occupation::No),
    r("BB", "Luhansk Oblast", Occupation::Partly),
    r("HB", "Luhansk Oblast", Occupation::Partly),
    r("BC", "Lviv Oblast", Occupation::No),
    r("HC", "Lviv Oblast", Occupation::No),
    r("BE", "Mykolaiv Oblast", Occupation::No),
    r("HE", "Mykolaiv Oblast", Occupation::No),
    r("BH", "Odesa Oblast", Occupation::No),
    r("HH", "Odesa Oblast", Occupation::No),
    r("BI", "Poltava Oblast", Occupation::No),
    r("HI", "Poltava Oblast", Occupation::No),
    r("BK", "Rivne Oblast", Occupation::No),
    r("HK", "Rivne Oblast", Occupation::No),
    r("BM", "Sumy Oblast", Occupation::No),
    r("HM", "Sumy Oblast", Occupation::No),
    r("BO", "Ternopil Oblast", Occupation::No),
    r("HO", "Ternopil Oblast", Occupation::No),
    r("BT", "Kherson Oblast", Occupation::Partly),
    r("HT", "Kherson Oblast", Occupation::Partly),
    r("BX", "Khmelnytskyi Oblast", Occupation::No),
    r("HX", "Khmelnytskyi Oblast", Occupation::No),
    r("CA", "Cherkasy Oblast", Occupation::No),
    r("IA", "Cherkasy Oblast", Occupation::No),
    r("CB", "Chernihiv Oblast", Occupation::No),
    r("IB", "Chernihiv Oblast", Occupation::No),
    r("CE", "Chernivtsi Oblast", Occupation::No),
    r("IE", "Chernivtsi Oblast", Occupation::No),
    r("CH", "Sevastopol", Occupation::Wholly),
    r("IH", "Sevastopol", Occupation::Wholly),
    r(
        "II",
        "Ukraine-wide (state vehicles, withdrawn 2006)",
        Occupation::No,
    ),
    r("ED", "No region (registered online)", Occupation::No),
    r("DC", "No region (registered online)", Occupation::No),
    r("DI", "No region (registered through Diia)", Occupation::No),
    r("PD", "No region (registered through Diia)", Occupation::No),
];

/// Russian "region" numbers used on plates issued in occupied Ukrainian
/// territory.
pub static OCCUPIED_RU_REGIONS: &[Region] = &[
    r(
        "82",
        "Autonomous Republic of Crimea (occupation-issued)",
        Occupation::Wholly,
    ),
    r("92", "Sevastopol (occupation-issued)", Occupation::Wholly),
    r(
        "80",
        "Donetsk Oblast (occupation-issued)",
        Occupation::Partly,
    ),
    r(
        "81",
        "Luhansk Oblast (occupation-issued)",
        Occupation::Partly,
    ),
    r(
        "84",
        "Kherson Oblast (occupation-issued)",
        Occupation::Partly,
    ),
    r(
        "85",
        "Zaporizhzhia Oblast (occupation-issued)",
        Occupation::Partly,
    ),
];

const fn r(code: &'static str, name: &'static str, occupied: Occupation) -> Region {
    Region {
        code,
        name,
        occupied,
    }
}

fn as_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'Q' | 'D' => Some('0'),
        'I' | 'L' => Some('1'),
        'Z' => Some('2'),
        'S' => Some('5'),
        'G' => Some('6'),
        'B' => Some('8'),
        _ => None,
    }
}

fn as_letter(c: char) -> Option<char> {
    match c {
        'A'..='Z' => Some(c),
        '0' => Some('O'),
        '1' => Some('I'),
        '2' => Some('Z'),
        '5' => Some('S'),
        '6' => Some('G'),
        '8' => Some('B'),
        _ => None,
    }
}

/// Fits `text` to one pattern: the corrected text and the corrections.
fn fit(text: &[char], pattern: &str) -> Option<(String, usize)> {
    if pattern.chars().count() != text.len() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut corrections = 0;
    for (&c, slot) in text.iter().zip(pattern.chars()) {
        let fixed = match slot {
            'D' => as_digit(c)?,
            'L' => as_letter(c)?,
            'U' => as_letter(c).filter(|l| UA_LETTERS.contains(*l))?,
            'R' => as_letter(c).filter(|l| RU_LETTERS.contains(*l))?,
            'X' => c.is_ascii_alphanumeric().then_some(c)?,
            literal => {
                let want = literal.to_ascii_uppercase();
                if c == want || as_letter(c) == Some(want) || as_digit(c) == Some(want) {
                    want
                } else {
                    return None;
                }
            }
        };
        if fixed != c {
            corrections += 1;
        }
        out.push(fixed);
    }
    Some((out, corrections))
}

fn ua_region(text: &str) -> Result<Option<&'static Region>, ()> {
    UA_REGIONS
        .iter()
        .find(|r| text.get(..2) == Some(r.code))
        .map(Some)
        .ok_or(())
}

fn region_of(check: Check, text: &str) -> Result<Option<&'static Region>, ()> {
    match check {
        Check::None => Ok(None),
        Check::UaRegion => ua_region(text),
        Check::UaCivilian => {
            let series: Vec<char> = text.chars().skip(6).collect();
            let ua = |c: &char| UA_LETTERS.contains(*c);
            let fits = match series.as_slice() {
                [a, b] => (ua(a) || *a == 'Y' || *a == 'Z') && ua(b),
                _ => false,
            };
            if fits {
                ua_region(text)
            } else {
                Err(())
            }
        }
        Check::OccupiedRegion => {
            let digits = text.get(6..).unwrap_or("");
            OCCUPIED_RU_REGIONS
                .iter()
                .find(|r| digits == r.code)
                .map(Some)
                .ok_or(())
        }
    }
}

/// Every format `canonical` (see [`crate::canonical`]) fits, best first.
/// A text no specific format fits is `eu-generic` when it is 2 to 10
/// letters and digits with at least one digit; otherwise nothing.
pub fn recognise(canonical: &str) -> Vec<Recognised> {
    let text: Vec<char> = canonical.chars().collect();
    let mut found: Vec<(usize, usize, Recognised)> = vec![];
    for (order, format) in FORMATS.iter().enumerate() {
        let mut best: Option<Recognised> = None;
        for pattern in format.patterns {
            let Some((corrected, corrections)) = fit(&text, pattern) else {
                continue;
            };
            let allowed = if format.corrects() {
                MAX_CORRECTIONS
            } else {
                0
            };
            if corrections > allowed {
                continue;
            }
            let Ok(region) = region_of(format.check, &corrected) else {
                continue;
            };
            if best.as_ref().is_none_or(|b| corrections < b.corrections) {
                best = Some(Recognised {
                    format,
                    corrected,
                    corrections,
                    region,
                });
            }
        }
        if let Some(b) = best {
            found.push((b.corrections, order, b));
        }
    }
    if found.is_empty() && generic(&text) {
        if let Some(format) = FORMATS.iter().find(|f| f.key == "eu-generic") {
            found.push((
                0,
                FORMATS.len(),
                Recognised {
                    format,
                    corrected: canonical.to_string(),
                    corrections: 0,
                    region: None,
                },
            ));
        }
    }
    found.sort_by_key(|(corrections, order, _)| (*order, *corrections));
    found.into_iter().map(|(_, _, r)| r).collect()
}

fn generic(text: &[char]) -> bool {
    (2..=10).contains(&text.len())
        && text.iter().all(|c| c.is_ascii_alphanumeric())
        && text.iter().any(|c| c.is_ascii_digit())
}

/// The best reading of a plate: the first of [`recognise`].
pub fn best(canonical: &str) -> Option<Recognised> {
    recognise(canonical).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Option<&'static str> {
        best(text).map(|r| r.format.key)
    }

    #[test]
    fn ukrainian_civilian_plates_name_their_region() {
        let r = best("AA1234BC").expect("recognised");
        assert_eq!(r.format.key, "ua-civilian");
        assert_eq!(r.region.map(|r| r.name), Some("Kyiv"));
        assert_eq!(r.corrections, 0);
        let crimea = best("AK0001AA").expect("recognised");
        assert_eq!(crimea.region.map(|r| r.occupied), Some(Occupation::Wholly));
    }

    #[test]
    fn position_aware_correction_fixes_letters_and_digits() {
        // A camera read O for 0 in the digits and 8 for B in the series.
        let r = best("AAO2348C").expect("recognised");
        assert_eq!(r.format.key, "ua-civilian");
        assert_eq!(r.corrected, "AA0234BC");
        assert_eq!(r.corrections, 2);
    }

    #[test]
    fn other_ukrainian_formats() {
        assert_eq!(key("0784022PE"), Some("ua-1995"));
        assert_eq!(key("84022PE"), Some("ua-1995"));
        assert_eq!(key("6808XO"), Some("ua-transit"));
        assert_eq!(key("D123456"), Some("ua-diplomatic"));
        assert_eq!(key("A123BC82"), Some("occupied-ru"));
        assert_eq!(key("A123BC83"), Some("eu-generic"));
        assert_eq!(key("A123BCDPR"), Some("occupied-dpr"));
        // Electric vehicles: series from Z or Y.
        assert_eq!(key("AA1234ZB"), Some("ua-civilian"));
        // A civilian plate with an X series may be a trailer: both listed.
        let both: Vec<&str> = recognise("AA1234XA").iter().map(|r| r.format.key).collect();
        assert_eq!(both, ["ua-civilian", "ua-trailer"]);
    }

    #[test]
    fn foreign_and_generic() {
        assert_eq!(key("WX12345"), Some("pl"));
        assert_eq!(key("B123ABC"), Some("ro"));
        let hu_md: Vec<&str> = recognise("ABC123").iter().map(|r| r.format.key).collect();
        assert_eq!(hu_md, ["hu", "md"]);
        assert_eq!(
            key("QWERTY99"),
            Some("pl"),
            "a district and five characters"
        );
        assert_eq!(key("123ABC4567"), Some("eu-generic"));
        assert_eq!(key("ABCDEF"), None);
    }
}
