//! Plain values of the domain: ids, outcomes, decisions and reviews, and the
//! derived [`InspectionView`] that lists, indexes and exports use.

use crate::{ContainerCode, Plate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An inspection's id: a random UUID, also the Automerge document's id.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ts_rs::TS,
    utoipa::ToSchema,
)]
#[serde(transparent)]
#[ts(type = "string")]
#[schema(value_type = String, format = Uuid)]
pub struct InspectionId(pub uuid::Uuid);

impl InspectionId {
    /// Parses only the canonical text form: lower case, hyphenated.
    pub fn parse_canonical(s: &str) -> Option<Self> {
        let id = uuid::Uuid::parse_str(s).ok()?;
        (id.hyphenated().to_string() == s).then_some(InspectionId(id))
    }

    pub fn random() -> Self {
        InspectionId(uuid::Uuid::new_v4())
    }
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
    pub fn from_bytes(b: [u8; 16]) -> Self {
        InspectionId(uuid::Uuid::from_bytes(b))
    }
}

impl fmt::Display for InspectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for InspectionId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(InspectionId)
    }
}

/// The officer who made a change: a badge or service number, as signed in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OfficerId(String);

impl OfficerId {
    /// 1 to 64 characters, no control characters.
    pub fn new(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > 64 || s.chars().any(char::is_control) {
            return Err(format!(
                "officer id {s:?} must be 1 to 64 printable characters"
            ));
        }
        Ok(OfficerId(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OfficerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the crew decided about the vehicle.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Release,
    PhysicalInspection,
    Detain,
    Refer,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Release,
        Outcome::PhysicalInspection,
        Outcome::Detain,
        Outcome::Refer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Release => "release",
            Outcome::PhysicalInspection => "physical_inspection",
            Outcome::Detain => "detain",
            Outcome::Refer => "refer",
        }
    }
}

impl FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown outcome {s:?}; expected release, physical_inspection, detain or refer"
                )
            })
    }
}

/// A reason code from the risk catalogue: upper-case letters, digits, `_`
/// and `-`, 1 to 32 characters (e.g. `DENSITY_ANOMALY`, `HOTLIST-7`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReasonCode(String);

impl ReasonCode {
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(ReasonCode(s.to_string()))
        } else {
            Err(format!(
                "reason code {s:?} must be 1 to 32 of A-Z, 0-9, '_' or '-'"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A supervisor's verdict on the crew's decision.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agree,
    Overrule,
    Return,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agree => "agree",
            Verdict::Overrule => "overrule",
            Verdict::Return => "return",
        }
    }
}

impl FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "agree" => Ok(Verdict::Agree),
            "overrule" => Ok(Verdict::Overrule),
            "return" => Ok(Verdict::Return),
            _ => Err(format!(
                "unknown verdict {s:?}; expected agree, overrule or return"
            )),
        }
    }
}

/// Where the inspection took place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, ts_rs::TS, utoipa::ToSchema)]
pub struct Location {
    /// Border crossing point or place name.
    pub place: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// What is needed to open an inspection. Plates and codes are given as typed
/// and validated when the document is created.
#[derive(Debug, Clone, Default)]
pub struct NewInspection {
    pub tractor_plate: String,
    pub trailer_plate: Option<String>,
    pub containers: Vec<String>,
    pub declaration: Option<String>,
    pub unit: String,
    pub crew: Vec<String>,
    pub location: Location,
    pub notes: String,
}

/// A decision to append.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub outcome: Outcome,
    pub reasons: Vec<ReasonCode>,
    pub note: String,
}

/// A review to append. An overrule names the outcome that replaces the
/// crew's (and may give reason codes); overrule and return need a comment.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub verdict: Verdict,
    pub comment: String,
    pub outcome: Option<Outcome>,
    pub reasons: Vec<ReasonCode>,
}

impl NewReview {
    /// An agreement or a return: no outcome of its own.
    pub fn plain(verdict: Verdict, comment: impl Into<String>) -> Self {
        NewReview {
            verdict,
            comment: comment.into(),
            outcome: None,
            reasons: vec![],
        }
    }

    /// The rules a review follows whoever makes it: an overrule names an
    /// outcome and says why; a return says what the crew should do; only
    /// an overrule carries an outcome or reasons.
    pub fn check(&self) -> Result<(), String> {
        let commented = !self.comment.trim().is_empty();
        match self.verdict {
            Verdict::Overrule if self.outcome.is_none() => {
                Err("an overrule needs the outcome that replaces the crew's".into())
            }
            Verdict::Overrule | Verdict::Return if !commented => Err(format!(
                "a verdict of {} needs a comment for the crew",
                self.verdict.as_str()
            )),
            Verdict::Agree | Verdict::Return
                if self.outcome.is_some() || !self.reasons.is_empty() =>
            {
                Err(format!(
                    "only an overrule carries an outcome or reasons, not {}",
                    self.verdict.as_str()
                ))
            }
            _ => Ok(()),
        }
    }
}

/// One entry of the append-only decision list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Decision {
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    pub note: String,
    pub officer: String,
    /// Unix time in milliseconds, from the deciding device's clock.
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// One entry of the append-only review list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Review {
    pub verdict: Verdict,
    pub comment: String,
    pub supervisor: String,
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The outcome an overrule puts in place of the crew's.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// Reason codes of an overrule.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// How many decisions the supervisor saw when reviewing: a decision
    /// beyond them is the crew's answer (independent of either clock).
    /// None in reviews written before it was recorded.
    #[serde(default)]
    pub decisions_seen: Option<u32>,
}

/// Where an inspection stands with the supervisors, from its latest review.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Unreviewed,
    Agreed,
    Overruled,
    /// Returned to the crew, who have not decided again since.
    Returned,
    /// Returned to the crew, who have since recorded a new decision.
    Answered,
}

impl ReviewState {
    pub const ALL: [ReviewState; 5] = [
        ReviewState::Unreviewed,
        ReviewState::Agreed,
        ReviewState::Overruled,
        ReviewState::Returned,
        ReviewState::Answered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Unreviewed => "unreviewed",
            ReviewState::Agreed => "agreed",
            ReviewState::Overruled => "overruled",
            ReviewState::Returned => "returned",
            ReviewState::Answered => "answered",
        }
    }
}

impl FromStr for ReviewState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReviewState::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown review state {s:?}; expected unreviewed, agreed, overruled, returned or answered")
            })
    }
}

/// The inspection as read from its document: what lists, indexes, exports
/// and screens show. Derived, never stored as the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct InspectionView {
    pub id: InspectionId,
    #[ts(type = "number")]
    pub created_ms: i64,
    pub created_by: String,
    pub unit: String,
    pub crew: Vec<String>,
    pub location: Location,
    pub tractor_plate: Option<Plate>,
    pub trailer_plate: Option<Plate>,
    pub containers: Vec<ContainerCode>,
    pub declaration: Option<String>,
    pub notes: String,
    pub decisions: Vec<Decision>,
    pub reviews: Vec<Review>,
    /// Scans attached to the inspection, in the order they were added.
    #[serde(default)]
    pub scans: Vec<crate::Scan>,
    /// The annotation layer: marks drawn on the scans, append-only.
    #[serde(default)]
    pub annotations: Vec<crate::Annotation>,
    /// What ANPR cameras read, as they read it, in the order attached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<crate::AnprRead>>", optional)]
    pub reads: Vec<crate::AnprRead>,
    /// Hotlist and risk-profile alerts, each with the crew's latest response.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<crate::Alert>>", optional)]
    pub alerts: Vec<crate::Alert>,
    /// Entries of the document that do not follow the schema and were left
    /// out of this view (they remain in the signed records).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub problems: Vec<String>,
}

impl InspectionView {
    /// The tractor plate's canonical form, or `-`, for one-line listings.
    pub fn plate_label(&self) -> &str {
        self.tractor_plate
            .as_ref()
            .map(|p| p.canonical.as_str())
            .unwrap_or("-")
    }

    /// The current outcome, or `undecided`, for one-line listings.
    pub fn outcome_label(&self) -> &'static str {
        self.current_outcome()
            .map(Outcome::as_str)
            .unwrap_or("undecided")
    }

    /// The current outcome: an overrule made after the crew's last
    /// decision stands; otherwise the latest decision by time (ties broken
    /// by list order, which Automerge makes identical on every replica).
    pub fn current_outcome(&self) -> Option<Outcome> {
        if let Some(r) = self.latest_review() {
            let seen = r.decisions_seen.unwrap_or(0) as usize;
            if r.verdict == Verdict::Overrule && seen >= self.decisions.len() {
                if let Some(o) = r.outcome {
                    return Some(o);
                }
            }
        }
        self.decisions
            .iter()
            .enumerate()
            .max_by_key(|(i, d)| (d.at_ms, *i))
            .map(|(_, d)| d.outcome)
    }

    /// The latest review by time (ties by list order).
    pub fn latest_review(&self) -> Option<&Review> {
        self.reviews
            .iter()
            .enumerate()
            .max_by_key(|(i, r)| (r.at_ms, *i))
            .map(|(_, r)| r)
    }

    /// Where the inspection stands with the supervisors: from its latest
    /// review; a return is answered once the crew has decided again
    /// (counted, not timed, so clocks on either side do not matter).
    pub fn review_state(&self) -> ReviewState {
        match self.latest_review() {
            None => ReviewState::Unreviewed,
            Some(r) => match r.verdict {
                Verdict::Agree => ReviewState::Agreed,
                Verdict::Overrule => ReviewState::Overruled,
                Verdict::Return => {
                    if self.decisions.len() > r.decisions_seen.unwrap_or(0) as usize {
                        ReviewState::Answered
                    } else {
                        ReviewState::Returned
                    }
                }
            },
        }
    }
}
