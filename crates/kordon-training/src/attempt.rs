//! An exercise as a trainee's attempt carries it, and the attempt's score.
//!
//! When a trainee starts an exercise, the device stores its images as scans
//! of its own (not attached to any inspection) and records the attempt
//! with [`AttemptExercise`]: the exercise's ground truth and, per image,
//! the scan the trainee is shown. The truth travels with the attempt so
//! the centre scores it the same way the app does, from the signed
//! answers, without trusting a score the device computed.

use crate::exercise::{Manifest, EXERCISE_FORMAT};
use crate::score::{score, Decision, Response, Responses, Score, ScoreError, RESPONSES_FORMAT};
use serde::{Deserialize, Serialize};

pub const ATTEMPT_FORMAT: &str = "kordon-tip-attempt/1";
/// Most images an exercise may hold.
pub const MAX_IMAGES: usize = 200;

/// The scan shown for one image: its files' content hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownImage {
    pub name: String,
    /// The high-energy file's hash: the scan's id on the device.
    pub high: String,
    pub low: String,
}

/// An exercise as an attempt holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptExercise {
    pub format: String,
    pub manifest: Manifest,
    /// In the manifest's order.
    pub shown: Vec<ShownImage>,
    /// Set for an item projected into a real scan during live work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveScan>,
}

/// The real scan a live projection was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveScan {
    /// The inspection being worked on.
    pub inspection: String,
    /// The scan's id.
    pub scan: String,
    /// Its pixel size, as the scanner gave it: the projection measures
    /// the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pixel_mm: Option<f64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttemptError {
    #[error("not an exercise: {0}")]
    NotAnExercise(String),
    #[error("the exercise holds no image")]
    Empty,
    #[error("the exercise holds {0} images; at most {MAX_IMAGES} are taken")]
    TooMany(usize),
    #[error("image name {0:?} is not a plain name (letters, digits, '_' and '-')")]
    BadName(String),
    #[error("image {0:?} is named twice")]
    Twice(String),
    #[error(transparent)]
    Score(#[from] ScoreError),
}

/// Checks an exercise's ground truth before it is taken: its format, its
/// size, and image names that are plain file-name stems, each once.
pub fn check_manifest(m: &Manifest) -> Result<(), AttemptError> {
    if m.format != EXERCISE_FORMAT {
        return Err(AttemptError::NotAnExercise(format!(
            "its format is {:?}, not {EXERCISE_FORMAT}",
            m.format
        )));
    }
    if m.images.is_empty() {
        return Err(AttemptError::Empty);
    }
    if m.images.len() > MAX_IMAGES {
        return Err(AttemptError::TooMany(m.images.len()));
    }
    let mut seen = std::collections::HashSet::new();
    for i in &m.images {
        let plain = !i.name.is_empty()
            && i.name.len() <= 64
            && i.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !plain {
            return Err(AttemptError::BadName(i.name.clone()));
        }
        if !seen.insert(i.name.as_str()) {
            return Err(AttemptError::Twice(i.name.clone()));
        }
    }
    Ok(())
}

impl AttemptExercise {
    /// Reads an attempt's exercise text.
    pub fn parse(json: &str) -> Result<Self, AttemptError> {
        let e: AttemptExercise =
            serde_json::from_str(json).map_err(|e| AttemptError::NotAnExercise(e.to_string()))?;
        if e.format != ATTEMPT_FORMAT {
            return Err(AttemptError::NotAnExercise(format!(
                "its format is {:?}, not {ATTEMPT_FORMAT}",
                e.format
            )));
        }
        check_manifest(&e.manifest)?;
        Ok(e)
    }

    pub fn to_json(&self) -> String {
        // A struct of strings, numbers and lists always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The image shown as the scan `high`.
    pub fn shown(&self, name: &str) -> Option<&ShownImage> {
        self.shown.iter().find(|s| s.name == name)
    }
}

/// The score of the answers given so far: over the answered images only
/// while the attempt is under way (an image not yet reached is no miss),
/// over every image once all are answered. `None` before the first answer.
pub fn score_so_far(
    exercise: &Manifest,
    trainee: &str,
    answers: &[Response],
) -> Result<Option<Score>, ScoreError> {
    if answers.is_empty() {
        return Ok(None);
    }
    let mut answered = exercise.clone();
    answered
        .images
        .retain(|i| answers.iter().any(|a| a.name == i.name));
    let responses = Responses {
        format: RESPONSES_FORMAT.into(),
        trainee: trainee.into(),
        images: answers.to_vec(),
    };
    score(&answered, &responses).map(Some)
}

/// An attempt scored: the exercise it carries, the answers to its images
/// (the first per image, in the order given; answers to images it lacks
/// left out) and the score so far ([`score_so_far`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredAttempt {
    pub exercise: AttemptExercise,
    pub answers: Vec<Response>,
    pub score: Option<Score>,
}

/// Scores an attempt from its exercise text and its answers.
pub fn score_attempt(
    exercise: &str,
    trainee: &str,
    answers: impl IntoIterator<Item = Response>,
) -> Result<ScoredAttempt, AttemptError> {
    let exercise = AttemptExercise::parse(exercise)?;
    let mut kept: Vec<Response> = vec![];
    for a in answers {
        let known = exercise.manifest.images.iter().any(|i| i.name == a.name);
        if known && !kept.iter().any(|k| k.name == a.name) {
            kept.push(a);
        }
    }
    let score = score_so_far(&exercise.manifest, trainee, &kept)?;
    Ok(ScoredAttempt {
        exercise,
        answers: kept,
        score,
    })
}

/// One answer as the scorer takes it.
pub fn response(name: &str, suspect: bool, marks: &[[f64; 4]], time_ms: u64) -> Response {
    Response {
        name: name.into(),
        decision: if suspect {
            Decision::Suspect
        } else {
            Decision::Clear
        },
        marks: marks.to_vec(),
        time_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::{ManifestImage, PlacedItem};
    use crate::ThreatKind;

    fn manifest() -> Manifest {
        let image = |name: &str, item: bool| ManifestImage {
            name: name.into(),
            source: "s".into(),
            width: 100,
            height: 50,
            item: item.then(|| PlacedItem {
                kind: ThreatKind::Pistol,
                material: "steel".into(),
                bbox: [10, 10, 20, 20],
            }),
        };
        Manifest {
            format: EXERCISE_FORMAT.into(),
            seed: 1,
            images: vec![image("TIP_0001", true), image("TIP_0002", false)],
        }
    }

    #[test]
    fn a_score_so_far_counts_only_what_was_answered() {
        let m = manifest();
        assert_eq!(score_so_far(&m, "T", &[]).expect("score"), None);
        let one = [response("TIP_0001", true, &[[12.0, 12.0, 5.0, 5.0]], 3_000)];
        let s = score_so_far(&m, "T", &one).expect("score").expect("some");
        assert_eq!((s.hits, s.misses, s.false_alarms), (1, 0, 0));
        assert!(s.unanswered.is_empty(), "an image not reached is no miss");
        assert_eq!(s.d_prime, None, "no noise image answered yet");
        let both = [
            one[0].clone(),
            response("TIP_0002", true, &[[50.0, 20.0, 5.0, 5.0]], 1_000),
        ];
        let s = score_so_far(&m, "T", &both).expect("score").expect("some");
        assert_eq!((s.hits, s.false_alarms), (1, 1));
        assert!(s.d_prime.is_some());
    }

    #[test]
    fn exercises_are_checked_before_they_are_taken() {
        let mut m = manifest();
        assert_eq!(check_manifest(&m), Ok(()));
        m.images[1].name = "../etc".into();
        assert!(matches!(check_manifest(&m), Err(AttemptError::BadName(_))));
        m.images[1].name = "TIP_0001".into();
        assert!(matches!(check_manifest(&m), Err(AttemptError::Twice(_))));
        m.images.clear();
        assert_eq!(check_manifest(&m), Err(AttemptError::Empty));
        let e = AttemptExercise {
            format: ATTEMPT_FORMAT.into(),
            manifest: manifest(),
            shown: vec![],
            live: None,
        };
        assert_eq!(AttemptExercise::parse(&e.to_json()), Ok(e));
        assert!(AttemptExercise::parse("{}").is_err());
    }
}
