//! Synthetic but realistic inspections, for demos, training and load tests:
//! Ukrainian plates (Latin look-alike letters, real region prefixes),
//! ISO 6346 container codes with correct check digits, declaration numbers,
//! and a decision mix like a real shift (mostly releases).
//!
//! [`trucks`] makes the traffic of a crossing for the demo and training:
//! Ukrainian and EU tractor and trailer plates in each country's real
//! format, container codes, declarations with declared goods, the kind of
//! vehicle (which the synthetic scanner renders) and whether it carries
//! something hidden.

use crate::{Vehicle, VehicleError};
use kordon_model::container::check_digit;
use kordon_model::{Location, NewDecision, NewInspection, OfficerId, Outcome, ReasonCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const REGIONS: [&str; 12] = [
    "AA", "KA", "BC", "AO", "BO", "AT", "KC", "AH", "BK", "BH", "CB", "AX",
];
const LETTERS: [char; 12] = ['A', 'B', 'C', 'E', 'H', 'I', 'K', 'M', 'O', 'P', 'T', 'X'];
const OWNERS: [&str; 6] = ["MSKU", "CSQU", "TGHU", "MSCU", "HLXU", "CMAU"];
const PLACES: [&str; 4] = ["Rava-Ruska", "Shehyni", "Krakivets", "Yahodyn"];
const REASONS: [&str; 5] = [
    "DENSITY_ANOMALY",
    "DOUBLE_WALL",
    "DECLARATION_MISMATCH",
    "HOTLIST",
    "ORGANIC_MASS",
];

fn plate(rng: &mut StdRng) -> String {
    let region = REGIONS[rng.gen_range(0..REGIONS.len())];
    let l = |rng: &mut StdRng| LETTERS[rng.gen_range(0..LETTERS.len())];
    format!(
        "{region}{:04}{}{}",
        rng.gen_range(0..10_000),
        l(rng),
        l(rng)
    )
}

fn container(rng: &mut StdRng) -> String {
    let first = format!(
        "{}{:06}",
        OWNERS[rng.gen_range(0..OWNERS.len())],
        rng.gen_range(0..1_000_000)
    );
    let digit = check_digit(&first);
    format!("{first}{digit}")
}

/// One synthetic inspection input and the decision a crew would take.
pub fn sample(rng: &mut StdRng, unit: &str) -> (NewInspection, NewDecision) {
    let containers = if rng.gen_bool(0.6) {
        vec![container(rng)]
    } else {
        vec![]
    };
    let place = PLACES[rng.gen_range(0..PLACES.len())];
    let input = NewInspection {
        tractor_plate: plate(rng),
        trailer_plate: rng.gen_bool(0.8).then(|| plate(rng)),
        containers,
        declaration: Some(format!(
            "UA209{:03}/2026/{:06}",
            rng.gen_range(0..1000),
            rng.gen_range(0..1_000_000)
        )),
        unit: unit.to_string(),
        crew: vec![],
        location: Location {
            place: Some(place.into()),
            lat: None,
            lon: None,
        },
        notes: String::new(),
    };
    let roll = rng.gen_range(0..100);
    let outcome = match roll {
        0..=84 => Outcome::Release,
        85..=94 => Outcome::PhysicalInspection,
        95..=97 => Outcome::Detain,
        _ => Outcome::Refer,
    };
    let reasons = if outcome == Outcome::Release {
        vec![]
    } else {
        REASONS
            .get(rng.gen_range(0..REASONS.len()))
            .and_then(|r| ReasonCode::new(r).ok())
            .into_iter()
            .collect()
    };
    (
        input,
        NewDecision {
            outcome,
            reasons,
            note: String::new(),
        },
    )
}

/// A country whose plates [`trucks`] writes, with the share of traffic.
const COUNTRIES: [(&str, u32); 6] = [
    ("UA", 55),
    ("PL", 15),
    ("RO", 8),
    ("HU", 8),
    ("SK", 7),
    ("MD", 7),
];
/// Polish plates: the characters after the district hold at most two
/// letters and never B, D, I, O or Z.
const PL_DISTRICTS: [&str; 8] = ["WA", "WX", "KR", "PO", "LU", "GD", "WR", "RZ"];
const PL_LETTERS: [char; 10] = ['A', 'C', 'E', 'F', 'G', 'H', 'K', 'L', 'S', 'T'];
const RO_COUNTIES: [&str; 6] = ["B", "CJ", "TM", "IS", "BV", "SV"];
const RO_LETTERS: [char; 25] = [
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'R', 'S', 'T',
    'U', 'V', 'W', 'X', 'Y', 'Z',
];
const RO_FIRST: [char; 23] = [
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'R', 'S', 'T', 'U', 'V',
    'W', 'X', 'Y', 'Z',
];
const SK_DISTRICTS: [&str; 6] = ["BA", "KE", "ZA", "NR", "PO", "TT"];
/// A Ukrainian trailer's series is issued from the end of the alphabet.
const UA_TRAILER_SERIES: [&str; 6] = ["XX", "XT", "XP", "XO", "XM", "XK"];
/// What a declaration says, for each mix of goods the scanner renders
/// (`kordon_xraysim::Load`, by name).
const DECLARED_GOODS: [(&str, [&str; 3]); 4] = [
    (
        "general_goods",
        ["furniture", "clothing", "household appliances"],
    ),
    (
        "food_and_drink",
        ["tinned food", "bottled water", "beer in bottles"],
    ),
    (
        "industrial",
        ["machine parts", "lubricating oil in drums", "car parts"],
    ),
    (
        "bulk",
        ["fertiliser in sacks", "grain in sacks", "cement in sacks"],
    ),
];

/// One truck arriving at the crossing, as the demo and training
/// exercises use it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Truck {
    /// 1, 2, ... in order of arrival.
    pub number: usize,
    /// Country of registration (ISO 3166 alpha-2).
    pub country: &'static str,
    pub tractor_plate: String,
    /// The semi-trailer's plate; none for a van.
    pub trailer_plate: Option<String>,
    /// ISO 6346 codes (a container trailer carries one).
    pub containers: Vec<String>,
    pub declaration: String,
    /// What the declaration says the load is.
    pub declared_goods: &'static str,
    /// What is loaded, as the scanner renders it (`general_goods`,
    /// `food_and_drink`, `industrial` or `bulk`).
    pub load: &'static str,
    /// The declaration names goods of another kind than the load.
    pub undeclared: bool,
    /// `container`, `box` or `van`: what the synthetic scanner renders.
    pub kind: &'static str,
    /// Whether something is hidden in the load.
    pub concealed: bool,
    /// Seed of its synthetic scan.
    pub scan_seed: u64,
}

fn rng_pick_index(rng: &mut StdRng, len: usize) -> usize {
    rng.gen_range(0..len)
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

fn letters(rng: &mut StdRng, alphabet: &[char], n: usize) -> String {
    (0..n).map(|_| pick(rng, alphabet)).collect()
}

const LATIN: [char; 26] = [
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S',
    'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
];

/// A plate of `country` in its current format (see docs/plates.md).
fn plate_of(country: &str, trailer: bool, rng: &mut StdRng) -> String {
    match country {
        "PL" => {
            let district = pick(rng, &PL_DISTRICTS);
            if rng.gen_bool(0.5) {
                format!("{district}{:05}", rng.gen_range(1..100_000))
            } else {
                format!(
                    "{district}{:03}{}",
                    rng.gen_range(1..1000),
                    letters(rng, &PL_LETTERS, 2)
                )
            }
        }
        "RO" => {
            let county = pick(rng, &RO_COUNTIES);
            let number = if county == "B" {
                format!("{:03}", rng.gen_range(100..1000))
            } else {
                format!("{:02}", rng.gen_range(1..100))
            };
            // Romanian series letters: no Q, and never I or O first.
            let first = pick(rng, &RO_FIRST);
            format!("{county}{number}{first}{}", letters(rng, &RO_LETTERS, 2))
        }
        "HU" => format!("{}{:03}", letters(rng, &LATIN, 3), rng.gen_range(1..1000)),
        "SK" => format!(
            "{}{:03}{}",
            pick(rng, &SK_DISTRICTS),
            rng.gen_range(1..1000),
            letters(rng, &LATIN, 2)
        ),
        "MD" => format!("{}{:03}", letters(rng, &LATIN, 3), rng.gen_range(1..1000)),
        _ if trailer => format!(
            "{}{:04}{}",
            pick(rng, &REGIONS),
            rng.gen_range(1..10_000),
            pick(rng, &UA_TRAILER_SERIES)
        ),
        _ => plate(rng),
    }
}

/// `count` trucks arriving at a crossing, deterministic for `seed`: mostly
/// Ukrainian, the rest from the neighbouring EU countries and Moldova;
/// container trailers, box trailers and a few vans; about one in three
/// hides something.
pub fn trucks(count: usize, seed: u64) -> Vec<Truck> {
    let mut rng = StdRng::seed_from_u64(seed);
    // The load and its declaration, on a stream of their own.
    let mut load_rng = StdRng::seed_from_u64(seed ^ 0x10ad_0000_0000_0000);
    let total: u32 = COUNTRIES.iter().map(|(_, w)| w).sum();
    (1..=count)
        .map(|number| {
            let mut roll = rng.gen_range(0..total);
            let country = COUNTRIES
                .iter()
                .find(|(_, w)| {
                    let here = roll < *w;
                    roll = roll.saturating_sub(*w);
                    here
                })
                .map_or("UA", |(c, _)| c);
            let kind = match rng.gen_range(0..10) {
                0..=4 => "container",
                5..=8 => "box",
                _ => "van",
            };
            let tractor_plate = plate_of(country, false, &mut rng);
            let trailer_plate = (kind != "van").then(|| plate_of(country, true, &mut rng));
            let load = rng_pick_index(&mut load_rng, DECLARED_GOODS.len());
            let undeclared = load_rng.gen_bool(0.15);
            let declared = if undeclared {
                (load + load_rng.gen_range(1..DECLARED_GOODS.len())) % DECLARED_GOODS.len()
            } else {
                load
            };
            let declared_goods = pick(&mut load_rng, &DECLARED_GOODS[declared].1);
            let containers = if kind == "container" {
                vec![container(&mut rng)]
            } else {
                vec![]
            };
            Truck {
                number,
                country,
                tractor_plate,
                trailer_plate,
                containers,
                declaration: format!(
                    "UA209{:03}/2026/{:06}",
                    rng.gen_range(0..1000),
                    rng.gen_range(0..1_000_000)
                ),
                declared_goods,
                load: DECLARED_GOODS[load].0,
                undeclared,
                kind,
                concealed: rng.gen_bool(0.35),
                scan_seed: rng.gen(),
            }
        })
        .collect()
}

impl Vehicle {
    /// Creates `count` synthetic inspections, each with a decision (two
    /// signed records each). Deterministic for a given `seed`.
    pub fn generate(
        &mut self,
        count: usize,
        seed: u64,
        unit: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Vec<String>, VehicleError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let (input, decision) = sample(&mut rng, unit);
            let t = now_ms + i as i64;
            let view = self.create_inspection(&input, officer, t)?;
            self.decide(view.id, &decision, officer, t + 1)?;
            ids.push(view.id.to_string());
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kordon_model::ContainerCode;

    #[test]
    fn generated_values_pass_the_model_validators() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..500 {
            let (input, _) = sample(&mut rng, "U");
            assert!(kordon_model::Plate::parse(&input.tractor_plate).is_ok());
            for c in &input.containers {
                assert!(ContainerCode::parse(c).is_ok(), "{c}");
            }
        }
    }

    /// Each plate is recognised as its country's format, not only as
    /// "some text", and every container code carries its check digit.
    #[test]
    fn trucks_carry_plates_in_their_countrys_format_and_valid_codes() {
        let all = trucks(400, 11);
        assert_eq!(all, trucks(400, 11), "deterministic from the seed");
        assert_ne!(all, trucks(400, 12));
        let mut countries = std::collections::BTreeSet::new();
        let (mut concealed, mut vans) = (0, 0);
        for t in &all {
            countries.insert(t.country);
            let expected = match t.country {
                "UA" => "ua-",
                other => &other.to_ascii_lowercase(),
            };
            for p in std::iter::once(&t.tractor_plate).chain(&t.trailer_plate) {
                let canonical = kordon_plates::canonical(p).expect("canonical");
                let keys: Vec<&str> = kordon_plates::format::recognise(&canonical)
                    .iter()
                    .map(|r| r.format.key)
                    .collect();
                assert!(
                    keys.iter().any(|k| k.starts_with(expected)),
                    "{} plate {p} recognised as {keys:?}",
                    t.country
                );
                assert!(kordon_model::Plate::parse(p).is_ok());
            }
            if t.country == "UA" {
                if let Some(trailer) = &t.trailer_plate {
                    assert!(trailer[6..].starts_with('X'), "{trailer}");
                }
            }
            for c in &t.containers {
                assert!(ContainerCode::parse(c).is_ok(), "{c}");
            }
            assert_eq!(t.kind == "container", t.containers.len() == 1);
            assert_eq!(t.kind == "van", t.trailer_plate.is_none());
            concealed += usize::from(t.concealed);
            vans += usize::from(t.kind == "van");
        }
        assert_eq!(countries.len(), COUNTRIES.len(), "{countries:?}");
        // The declaration matches the load unless it is marked undeclared.
        let mut undeclared = 0;
        for t in &all {
            let listed = DECLARED_GOODS
                .iter()
                .find(|(load, _)| *load == t.load)
                .is_some_and(|(_, goods)| goods.contains(&t.declared_goods));
            assert_eq!(listed, !t.undeclared, "{t:?}");
            undeclared += usize::from(t.undeclared);
        }
        assert!(
            (20..110).contains(&undeclared),
            "{undeclared} of 400 undeclared"
        );
        assert!(
            (80..200).contains(&concealed),
            "{concealed} of 400 hide something"
        );
        assert!((10..80).contains(&vans), "{vans} vans");
    }
}
