//! Scoring a trainee as threat image projection systems report it.
//!
//! Each image of an exercise either holds a projected item (a signal
//! image) or not (a noise image). The trainee answers each with a
//! decision (`clear` or `suspect`) and the areas they marked:
//! - a signal image is a **hit** when it is called suspect and a mark
//!   touches the item's box; called suspect with every mark elsewhere, it
//!   is a miss that is also counted as **mislocated**; called clear, a
//!   **miss**;
//! - a noise image called suspect (or marked) is a **false alarm**, else a
//!   **correct rejection**.
//!
//! The hit rate H = hits / signal images and the false-alarm rate
//! F = false alarms / noise images give the sensitivity
//! d′ = z(H) − z(F) (z the inverse of the standard normal distribution),
//! with the log-linear correction (Hautus 1995) so that rates of 0 and 1
//! give finite values: H and F are taken as (count + 0.5)/(n + 1) for d′.
//! An image left unanswered is scored as called clear, and listed.

use crate::exercise::Manifest;
use serde::{Deserialize, Serialize};

/// What the trainee called an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Clear,
    Suspect,
}

/// The trainee's answer on one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub name: String,
    pub decision: Decision,
    /// Marked areas, `[x, y, w, h]` in image pixels.
    #[serde(default)]
    pub marks: Vec<[f64; 4]>,
    /// Time spent on the image.
    #[serde(default)]
    pub time_ms: u64,
}

/// A trainee's answers to one exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Responses {
    pub format: String,
    pub trainee: String,
    pub images: Vec<Response>,
}

pub const RESPONSES_FORMAT: &str = "kordon-tip-responses/1";

/// The outcome on one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Hit,
    Miss,
    FalseAlarm,
    CorrectRejection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageScore {
    pub name: String,
    pub outcome: Outcome,
    /// A signal image called suspect with no mark on the item.
    pub mislocated: bool,
    pub time_ms: u64,
}

/// The exercise's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub trainee: String,
    pub images: Vec<ImageScore>,
    pub hits: u32,
    pub misses: u32,
    pub false_alarms: u32,
    pub correct_rejections: u32,
    /// Hits over signal images (none: no signal image).
    pub hit_rate: Option<f64>,
    /// False alarms over noise images.
    pub false_alarm_rate: Option<f64>,
    /// Sensitivity, with the log-linear correction; none without both
    /// signal and noise images.
    pub d_prime: Option<f64>,
    pub mean_time_ms: f64,
    /// Images of the exercise with no answer (scored as called clear).
    pub unanswered: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScoreError {
    #[error("the answers are not {RESPONSES_FORMAT} (found {0:?})")]
    Format(String),
    #[error("an answer names image {0:?}, which the exercise does not hold")]
    UnknownImage(String),
    #[error("image {0:?} is answered twice")]
    Twice(String),
    #[error("a mark on image {0:?} is not a finite box with a positive width and height")]
    BadMark(String),
}

/// Whether a marked area `[x, y, w, h]` overlaps an item's box.
pub fn touches(mark: &[f64; 4], bbox: &[u32; 4]) -> bool {
    let [x, y, w, h] = *mark;
    let (bx, by, bw, bh) = (
        f64::from(bbox[0]),
        f64::from(bbox[1]),
        f64::from(bbox[2]),
        f64::from(bbox[3]),
    );
    x < bx + bw && bx < x + w && y < by + bh && by < y + h
}

/// Scores `answers` against the exercise's ground truth.
pub fn score(exercise: &Manifest, answers: &Responses) -> Result<Score, ScoreError> {
    if answers.format != RESPONSES_FORMAT {
        return Err(ScoreError::Format(answers.format.clone()));
    }
    let mut by_name = std::collections::HashMap::new();
    for r in &answers.images {
        if !exercise.images.iter().any(|i| i.name == r.name) {
            return Err(ScoreError::UnknownImage(r.name.clone()));
        }
        if r.marks
            .iter()
            .any(|m| m.iter().any(|v| !v.is_finite()) || m[2] <= 0.0 || m[3] <= 0.0)
        {
            return Err(ScoreError::BadMark(r.name.clone()));
        }
        if by_name.insert(r.name.as_str(), r).is_some() {
            return Err(ScoreError::Twice(r.name.clone()));
        }
    }
    let mut out = Score {
        trainee: answers.trainee.clone(),
        images: vec![],
        hits: 0,
        misses: 0,
        false_alarms: 0,
        correct_rejections: 0,
        hit_rate: None,
        false_alarm_rate: None,
        d_prime: None,
        mean_time_ms: 0.0,
        unanswered: vec![],
    };
    let mut time_total = 0u64;
    for image in &exercise.images {
        let answer = by_name.get(image.name.as_str());
        if answer.is_none() {
            out.unanswered.push(image.name.clone());
        }
        let suspect =
            answer.is_some_and(|a| a.decision == Decision::Suspect || !a.marks.is_empty());
        let time_ms = answer.map_or(0, |a| a.time_ms);
        time_total = time_total.saturating_add(time_ms);
        let (outcome, mislocated) = match &image.item {
            Some(item) => {
                let located =
                    answer.is_some_and(|a| a.marks.iter().any(|m| touches(m, &item.bbox)));
                match (suspect, located) {
                    (true, true) => (Outcome::Hit, false),
                    (true, false) => (Outcome::Miss, true),
                    (false, _) => (Outcome::Miss, false),
                }
            }
            None if suspect => (Outcome::FalseAlarm, false),
            None => (Outcome::CorrectRejection, false),
        };
        match outcome {
            Outcome::Hit => out.hits += 1,
            Outcome::Miss => out.misses += 1,
            Outcome::FalseAlarm => out.false_alarms += 1,
            Outcome::CorrectRejection => out.correct_rejections += 1,
        }
        out.images.push(ImageScore {
            name: image.name.clone(),
            outcome,
            mislocated,
            time_ms,
        });
    }
    let signal = f64::from(out.hits + out.misses);
    let noise = f64::from(out.false_alarms + out.correct_rejections);
    out.hit_rate = (signal > 0.0).then(|| f64::from(out.hits) / signal);
    out.false_alarm_rate = (noise > 0.0).then(|| f64::from(out.false_alarms) / noise);
    let h = (f64::from(out.hits) + 0.5) / (signal + 1.0);
    let f = (f64::from(out.false_alarms) + 0.5) / (noise + 1.0);
    out.d_prime = (signal > 0.0 && noise > 0.0).then(|| inverse_normal(h) - inverse_normal(f));
    let answered = exercise.images.len() - out.unanswered.len();
    if answered > 0 {
        out.mean_time_ms = time_total as f64 / answered as f64;
    }
    Ok(out)
}

/// The inverse of the standard normal distribution function, for p in
/// (0, 1) (Acklam's rational approximation; relative error below 1.2e-9).
pub fn inverse_normal(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let low = 0.024_25;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::{ManifestImage, PlacedItem, EXERCISE_FORMAT};
    use crate::items::ThreatKind;

    #[test]
    fn the_inverse_normal_gives_the_table_values() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.025, -1.959_963_984_540_054),
            (0.841_344_746_068_542_9, 1.0),
            (0.001, -3.090_232_306_167_813),
            (0.999_9, 3.719_016_485_455_709),
        ] {
            assert!(
                (inverse_normal(p) - z).abs() < 1e-6,
                "z({p}) = {} not {z}",
                inverse_normal(p)
            );
        }
    }

    fn exercise() -> Manifest {
        let image = |n: u32, item: bool| ManifestImage {
            name: format!("EX_{n:04}"),
            source: "s".into(),
            width: 1000,
            height: 400,
            item: item.then(|| PlacedItem {
                kind: ThreatKind::Pistol,
                material: "steel".into(),
                bbox: [100, 100, 50, 40],
            }),
        };
        Manifest {
            format: EXERCISE_FORMAT.into(),
            seed: 1,
            images: (1..=8).map(|n| image(n, n <= 4)).collect(),
        }
    }

    fn answer(n: u32, decision: Decision, marks: Vec<[f64; 4]>) -> Response {
        Response {
            name: format!("EX_{n:04}"),
            decision,
            marks,
            time_ms: 1000 * u64::from(n),
        }
    }

    #[test]
    fn a_scripted_trainee_gets_the_expected_counts_and_d_prime() {
        use Decision::{Clear, Suspect};
        let on_item = vec![[120.0, 110.0, 10.0, 10.0]];
        let elsewhere = vec![[600.0, 300.0, 20.0, 20.0]];
        let answers = Responses {
            format: RESPONSES_FORMAT.into(),
            trainee: "OF-17".into(),
            images: vec![
                answer(1, Suspect, on_item.clone()),   // hit
                answer(2, Suspect, on_item.clone()),   // hit
                answer(3, Suspect, elsewhere.clone()), // mislocated: miss
                answer(4, Clear, vec![]),              // miss
                answer(5, Suspect, elsewhere),         // false alarm
                answer(6, Clear, vec![]),              // correct rejection
                answer(7, Clear, vec![]),              // correct rejection
                                                       // 8 unanswered: correct rejection
            ],
        };
        let s = score(&exercise(), &answers).expect("scored");
        assert_eq!(
            (s.hits, s.misses, s.false_alarms, s.correct_rejections),
            (2, 2, 1, 3)
        );
        assert_eq!(s.hit_rate, Some(0.5));
        assert_eq!(s.false_alarm_rate, Some(0.25));
        assert!(s.images[2].mislocated && !s.images[3].mislocated);
        assert_eq!(s.unanswered, ["EX_0008"]);
        // d′ = z(2.5/5) − z(1.5/5) = 0 − (−0.5244005) = 0.5244005.
        let d = s.d_prime.expect("d′");
        assert!((d - 0.524_400_5).abs() < 1e-6, "{d}");
        assert!((s.mean_time_ms - 4000.0).abs() < 1e-9, "{}", s.mean_time_ms);
    }

    proptest::proptest! {
        /// Whatever a trainee answers, every image gets one outcome, the
        /// counts add up, and d′ is finite.
        #[test]
        fn any_answers_score_every_image_once(
            answers in proptest::collection::vec(
                (1u32..=8, proptest::bool::ANY, proptest::collection::vec((0.0f64..1000.0, 0.0f64..400.0, 0.1f64..300.0, 0.1f64..300.0), 0..3), 0u64..100_000),
                0..8,
            )
        ) {
            let mut seen = std::collections::HashSet::new();
            let images: Vec<Response> = answers
                .into_iter()
                .filter(|(n, ..)| seen.insert(*n))
                .map(|(n, suspect, marks, time_ms)| Response {
                    name: format!("EX_{n:04}"),
                    decision: if suspect { Decision::Suspect } else { Decision::Clear },
                    marks: marks.into_iter().map(|(x, y, w, h)| [x, y, w, h]).collect(),
                    time_ms,
                })
                .collect();
            let answered = images.len();
            let s = score(&exercise(), &Responses { format: RESPONSES_FORMAT.into(), trainee: "T".into(), images })
                .expect("valid answers score");
            proptest::prop_assert_eq!(s.images.len(), 8);
            proptest::prop_assert_eq!(s.hits + s.misses, 4);
            proptest::prop_assert_eq!(s.false_alarms + s.correct_rejections, 4);
            proptest::prop_assert_eq!(s.unanswered.len(), 8 - answered);
            proptest::prop_assert!(s.d_prime.is_some_and(f64::is_finite));
        }
    }

    #[test]
    fn a_perfect_trainee_has_a_finite_d_prime_and_bad_answers_are_refused() {
        let answers = Responses {
            format: RESPONSES_FORMAT.into(),
            trainee: "OF-1".into(),
            images: (1..=8)
                .map(|n| {
                    if n <= 4 {
                        answer(n, Decision::Suspect, vec![[100.0, 100.0, 5.0, 5.0]])
                    } else {
                        answer(n, Decision::Clear, vec![])
                    }
                })
                .collect(),
        };
        let s = score(&exercise(), &answers).expect("scored");
        assert_eq!((s.hits, s.false_alarms), (4, 0));
        // z(4.5/5) − z(0.5/5) = 2 · 1.2815516.
        let d = s.d_prime.expect("d′");
        assert!((d - 2.563_103_1).abs() < 1e-6, "{d}");

        let mut twice = answers.clone();
        twice.images.push(answer(1, Decision::Clear, vec![]));
        assert_eq!(
            score(&exercise(), &twice),
            Err(ScoreError::Twice("EX_0001".into()))
        );
        let mut unknown = answers.clone();
        unknown.images[0].name = "EX_9999".into();
        assert!(matches!(
            score(&exercise(), &unknown),
            Err(ScoreError::UnknownImage(_))
        ));
        let mut bad = answers.clone();
        bad.images[0].marks = vec![[f64::NAN, 0.0, 1.0, 1.0]];
        assert!(matches!(
            score(&exercise(), &bad),
            Err(ScoreError::BadMark(_))
        ));
        let mut format = answers;
        format.format = "other/1".into();
        assert!(matches!(
            score(&exercise(), &format),
            Err(ScoreError::Format(_))
        ));
    }
}
