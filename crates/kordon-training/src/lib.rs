//! Training in the spirit of threat image projection (TIP).
//!
//! A trainer builds an exercise from scans: about half get one threat item
//! (a pistol, drug bricks, a lead container, ammunition: [`items`])
//! projected at a known place in the attenuation domain ([`project`]: the
//! item's transmission multiplies the scan's on each beam, with that
//! beam's coefficient, so the item keeps its material's colours and the
//! load stays visible through it). The exercise's ground truth is a
//! manifest ([`exercise`]). A trainee's answers (a decision and the areas
//! marked, per image) are scored as TIP systems report it: hits, misses,
//! false alarms, time per image, hit rate against false-alarm rate and d′
//! ([`score`]). An attempt ([`attempt`]) carries the exercise's truth and
//! the scans shown, so the centre scores the signed answers itself.
//!
//! Pure: pixels in, pixels and numbers out; reading and writing files is
//! the caller's.

pub mod attempt;
pub mod exercise;
pub mod items;
pub mod project;
pub mod score;

pub use attempt::{AttemptError, AttemptExercise, LiveScan, ShownImage, ATTEMPT_FORMAT};
pub use exercise::{build, manifest, ExerciseError, ExerciseImage, Manifest, SourceScan, Spec};
pub use items::ThreatKind;
pub use score::{score, Decision, Response, Responses, Score, ScoreError};
