//! Training exercises at the UI boundary: the trainee's operations in the
//! crew's app (start an exercise, answer image by image, see the score)
//! and the trainers' view in the console (every trainee's attempts over
//! time). Both score the signed answers against the truth the attempt
//! carries, with `kordon-training`, in [`attempt_view`]: the app and the
//! console cannot disagree.

use crate::console::{allow, Op};
use crate::ApiError;
use kordon_central::accounts::{Actor, Role};
use kordon_central::Central;
use kordon_model::{NewTrainingAnswer, TrainingDecision, TrainingView};
use kordon_store::TrainingQuery;
use kordon_training::attempt::{response, score_attempt};
use kordon_training::score::Outcome;
use kordon_vehicle::{now_ms, Vehicle};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Attempts the app lists.
pub const ATTEMPTS_LISTED: usize = 200;
/// Attempts the console reads for its view of trainees.
pub const ATTEMPTS_READ: usize = 10_000;

pub const TRAINING: Op = Op {
    name: "training",
    roles: &[Role::Trainer, Role::Supervisor, Role::Auditor],
};

/// How an answered image scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrainingOutcome {
    /// An item, found: called suspect with a mark on it.
    Hit,
    /// An item, not found (called clear, or marked elsewhere).
    Miss,
    /// No item, called suspect.
    FalseAlarm,
    /// No item, called clear.
    CorrectRejection,
}

/// The item an image held, shown once the image is answered.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TrainingItem {
    /// pistol, drug_bricks, lead_shield or ammunition.
    pub kind: String,
    /// `[x, y, w, h]` in image pixels.
    pub bbox: [u32; 4],
}

/// A trainee's answer to one image.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TrainingImageAnswer {
    pub decision: TrainingDecision,
    /// `[x, y, w, h]` in image pixels.
    pub marks: Vec<[f64; 4]>,
    #[ts(type = "number")]
    pub time_ms: u64,
    #[ts(type = "number")]
    pub answered_ms: i64,
}

/// One image of an attempt. What it held is given only once answered.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TrainingImage {
    pub name: String,
    /// The scan to open in the viewer (on the vehicle that took it).
    pub scan: String,
    pub width: u32,
    pub height: u32,
    pub answer: Option<TrainingImageAnswer>,
    pub outcome: Option<TrainingOutcome>,
    /// Called suspect with every mark off the item.
    pub mislocated: bool,
    pub item: Option<TrainingItem>,
}

/// A score as TIP systems report it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TrainingScore {
    /// Images scored: the answered ones.
    pub scored: u32,
    pub hits: u32,
    pub misses: u32,
    /// Misses called suspect but marked off the item.
    pub mislocated: u32,
    pub false_alarms: u32,
    pub correct_rejections: u32,
    /// Hits over images with an item.
    pub hit_rate: Option<f64>,
    /// False alarms over images without.
    pub false_alarm_rate: Option<f64>,
    /// Sensitivity (log-linear correction); only with images of both kinds.
    pub d_prime: Option<f64>,
    pub mean_time_ms: f64,
}

/// An attempt, whole: the app's exercise screen.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TrainingAttempt {
    pub summary: TrainingSummary,
    pub images: Vec<TrainingImage>,
}

/// An attempt in a list.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TrainingSummary {
    pub id: String,
    pub unit: String,
    pub trainee: String,
    pub name: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    /// When the last answer was given.
    #[ts(type = "number | null")]
    pub last_answer_ms: Option<i64>,
    pub total: u32,
    pub answered: u32,
    pub finished: bool,
    /// An item projected into a live scan the crew opened (one image),
    /// not an exercise.
    pub live: bool,
    /// Over the answered images; none before the first answer.
    pub score: Option<TrainingScore>,
}

/// One trainee's attempts, oldest first: progress over time.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TraineeProgress {
    pub trainee: String,
    pub units: Vec<String>,
    pub attempts: Vec<TrainingSummary>,
}

/// Starting an exercise: the folder a trainer's `kordon training build`
/// wrote (its `exercise.json` and images).
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct StartTrainingInput {
    pub folder: String,
    /// A name for the attempt (the folder's name when left out).
    pub name: Option<String>,
}

/// An answer to one image.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct TrainingAnswerInput {
    pub image: String,
    pub decision: TrainingDecision,
    /// `[x, y, w, h]` in image pixels.
    pub marks: Vec<[f64; 4]>,
    /// Time from the image being shown to the answer.
    #[ts(type = "number")]
    pub time_ms: u64,
}

/// The console's filter on trainees.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrainingQueryInput {
    /// Only this unit's attempts.
    pub unit: Option<String>,
    /// Only this trainee's attempts.
    pub trainee: Option<String>,
}

fn outcome(o: Outcome) -> TrainingOutcome {
    match o {
        Outcome::Hit => TrainingOutcome::Hit,
        Outcome::Miss => TrainingOutcome::Miss,
        Outcome::FalseAlarm => TrainingOutcome::FalseAlarm,
        Outcome::CorrectRejection => TrainingOutcome::CorrectRejection,
    }
}

/// An attempt as the UI shows it, scored from its answers and the truth it
/// carries. An attempt whose exercise no longer reads is an error.
pub fn attempt_view(v: &TrainingView) -> Result<TrainingAttempt, ApiError> {
    let scored = score_attempt(
        &v.exercise,
        &v.trainee,
        v.answers.iter().map(|a| {
            response(
                &a.image,
                a.decision == TrainingDecision::Suspect,
                &a.marks,
                a.time_ms,
            )
        }),
    )
    .map_err(|e| ApiError::new("invalid_input", format!("attempt {}: {e}", v.id)))?;
    let (exercise, score) = (&scored.exercise, scored.score);
    let manifest = &exercise.manifest;
    let answers: Vec<_> = v
        .answers
        .iter()
        .filter(|a| scored.answers.iter().any(|s| s.name == a.image))
        .collect();
    let images = manifest
        .images
        .iter()
        .map(|i| {
            let answer = answers.iter().find(|a| a.image == i.name);
            let scored = score
                .as_ref()
                .and_then(|s| s.images.iter().find(|s| s.name == i.name));
            TrainingImage {
                name: i.name.clone(),
                scan: exercise
                    .shown(&i.name)
                    .map(|s| s.high.clone())
                    .unwrap_or_default(),
                width: i.width,
                height: i.height,
                answer: answer.map(|a| TrainingImageAnswer {
                    decision: a.decision,
                    marks: a.marks.clone(),
                    time_ms: a.time_ms,
                    answered_ms: a.answered_ms,
                }),
                outcome: scored.map(|s| outcome(s.outcome)),
                mislocated: scored.is_some_and(|s| s.mislocated),
                item: answer.and(i.item.as_ref()).map(|item| TrainingItem {
                    kind: item.kind.name().to_string(),
                    bbox: item.bbox,
                }),
            }
        })
        .collect::<Vec<_>>();
    let total = images.len() as u32;
    let answered = answers.len() as u32;
    let summary = TrainingSummary {
        id: v.id.clone(),
        unit: v.unit.clone(),
        trainee: v.trainee.clone(),
        name: v.name.clone(),
        created_ms: v.created_ms,
        last_answer_ms: answers.iter().map(|a| a.answered_ms).max(),
        total,
        answered,
        finished: answered == total,
        live: exercise.live.is_some(),
        score: score.map(|s| TrainingScore {
            scored: answered,
            hits: s.hits,
            misses: s.misses,
            mislocated: s.images.iter().filter(|i| i.mislocated).count() as u32,
            false_alarms: s.false_alarms,
            correct_rejections: s.correct_rejections,
            hit_rate: s.hit_rate,
            false_alarm_rate: s.false_alarm_rate,
            d_prime: s.d_prime,
            mean_time_ms: s.mean_time_ms,
        }),
    };
    Ok(TrainingAttempt { summary, images })
}

// The trainee's operations (the crew's app, and `kordon training`).

/// Starts an exercise for the officer signed in. One signed record.
pub fn start_training(
    v: &mut Vehicle,
    input: &StartTrainingInput,
) -> Result<TrainingAttempt, ApiError> {
    let officer = v.acting_officer(None)?;
    let view = v.start_training(
        Path::new(input.folder.trim()),
        input.name.as_deref(),
        &officer,
        now_ms(),
    )?;
    attempt_view(&view)
}

/// Records the answer to one image. One signed record.
pub fn answer_training(
    v: &mut Vehicle,
    attempt: &str,
    input: &TrainingAnswerInput,
) -> Result<TrainingAttempt, ApiError> {
    let officer = v.acting_officer(None)?;
    let answer = NewTrainingAnswer {
        image: input.image.clone(),
        decision: input.decision,
        marks: input.marks.clone(),
        time_ms: input.time_ms,
    };
    let view = v.answer_training(attempt, &answer, &officer, now_ms())?;
    attempt_view(&view)
}

/// A projection into a live scan still to be answered is kept from the
/// training screens: it would give the projection away.
fn hidden(a: &TrainingAttempt) -> bool {
    a.summary.live && !a.summary.finished
}

pub fn training_attempt(v: &Vehicle, attempt: &str) -> Result<TrainingAttempt, ApiError> {
    let a = attempt_view(&v.training_attempt(attempt)?)?;
    if hidden(&a) {
        return Err(ApiError::new(
            "not_found",
            format!("training attempt {attempt} not found on this vehicle"),
        ));
    }
    Ok(a)
}

/// The attempts taken on this vehicle, newest first (a projection into a
/// live scan only once answered).
pub fn training_attempts(v: &Vehicle) -> Result<Vec<TrainingSummary>, ApiError> {
    Ok(v.training_attempts(ATTEMPTS_LISTED)?
        .iter()
        .filter_map(|a| attempt_view(a).ok())
        .filter(|a| !hidden(a))
        .map(|a| a.summary)
        .collect())
}

// Projection in live work (the crew's app).

/// A mark the crew made on a scan with a live projection.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
pub struct LiveTipMarkInput {
    /// `[x, y, w, h]` in image pixels.
    pub mark: [f64; 4],
    /// Time from the scan being shown to the mark.
    #[ts(type = "number")]
    pub time_ms: u64,
}

/// The share of opened scans that get a projected item (0: off).
pub fn live_tip_rate(v: &Vehicle) -> Result<f64, ApiError> {
    Ok(v.live_tip_rate()?)
}

pub fn set_live_tip_rate(v: &mut Vehicle, rate: f64) -> Result<f64, ApiError> {
    v.set_live_tip_rate(rate)?;
    Ok(v.live_tip_rate()?)
}

/// As the crew opens scan `scan` of inspection `inspection`: the live
/// projection to show instead (its one image's `scan`), if any. Nothing
/// of it is revealed until the crew marks the item or decides.
pub fn live_tip(
    v: &mut Vehicle,
    inspection: &str,
    scan: &str,
) -> Result<Option<TrainingAttempt>, ApiError> {
    let officer = v.acting_officer(None)?;
    let id = crate::inspection_id(inspection)?;
    v.live_tip(id, scan, &officer, now_ms())?
        .map(|a| attempt_view(&a))
        .transpose()
}

/// A mark on a scan showing a live projection: the attempt, answered and
/// revealed, when the mark is on the item (not the inspection's: nothing
/// is recorded on it); `None` when it is elsewhere (the crew's own mark,
/// to record on the inspection as usual).
pub fn live_tip_mark(
    v: &mut Vehicle,
    attempt: &str,
    input: &LiveTipMarkInput,
) -> Result<Option<TrainingAttempt>, ApiError> {
    let officer = v.acting_officer(None)?;
    v.live_tip_mark(attempt, input.mark, input.time_ms, &officer, now_ms())?
        .map(|a| attempt_view(&a))
        .transpose()
}

/// The crew decided with the projected item unmarked: the miss, revealed.
pub fn live_tip_missed(
    v: &mut Vehicle,
    attempt: &str,
    time_ms: u64,
) -> Result<TrainingAttempt, ApiError> {
    let officer = v.acting_officer(None)?;
    attempt_view(&v.live_tip_missed(attempt, time_ms, &officer, now_ms())?)
}

// The trainers' view (the console).

/// Every trainee's attempts (the unit's or the trainee's, if asked),
/// oldest first, trainees by name.
pub fn trainees(
    c: &mut Central,
    who: &Actor,
    q: &TrainingQueryInput,
) -> Result<Vec<TraineeProgress>, ApiError> {
    allow(who, &TRAINING)?;
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let unit = clean(&q.unit);
    let rows = c.training_attempts(&TrainingQuery {
        trainee: clean(&q.trainee),
        unit: None,
        limit: ATTEMPTS_READ,
    })?;
    let mut by_trainee: std::collections::BTreeMap<String, TraineeProgress> = Default::default();
    for (row, owner) in rows.iter().rev() {
        // An attempt whose exercise does not read is left out, not fatal.
        let Ok(mut a) = attempt_view(row) else {
            continue;
        };
        // The unit of the device that started it, not the one it claims.
        let Some(owner) = owner else { continue };
        a.summary.unit = owner.clone();
        if unit.as_ref().is_some_and(|u| u != owner) {
            continue;
        }
        let p = by_trainee
            .entry(a.summary.trainee.clone())
            .or_insert_with(|| TraineeProgress {
                trainee: a.summary.trainee.clone(),
                units: vec![],
                attempts: vec![],
            });
        if !p.units.contains(&a.summary.unit) {
            p.units.push(a.summary.unit.clone());
        }
        p.attempts.push(a.summary);
    }
    Ok(by_trainee.into_values().collect())
}

/// One attempt, whole (the console's detail of an attempt).
pub fn trainee_attempt(
    c: &mut Central,
    who: &Actor,
    id: &str,
) -> Result<TrainingAttempt, ApiError> {
    allow(who, &TRAINING)?;
    let parsed = uuid::Uuid::parse_str(id)
        .ok()
        .filter(|u| kordon_model::DocKind::of(u.as_bytes()) == kordon_model::DocKind::Training)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "{} is not a training attempt's id",
                kordon_plates::quoted(id)
            ))
        })?;
    let (row, owner) = c.training_attempt(&parsed)?.ok_or_else(|| {
        ApiError::new("not_found", format!("training attempt {id} does not exist"))
    })?;
    let mut a = attempt_view(&row)?;
    if let Some(owner) = owner {
        a.summary.unit = owner;
    }
    Ok(a)
}
