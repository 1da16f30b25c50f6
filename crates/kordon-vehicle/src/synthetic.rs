//! Synthetic but realistic inspections, for demos, training and load tests:
//! Ukrainian plates (Latin look-alike letters, real region prefixes),
//! ISO 6346 container codes with correct check digits, declaration numbers,
//! and a decision mix like a real shift (mostly releases).

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
}
