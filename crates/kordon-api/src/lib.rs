//! The boundary between Kordon's operations and its UI.
//!
//! The crew's app (Tauri commands) and the supervisors' console (the
//! server's HTTP API, `kordon-http`) speak the same JSON: the types in [`wire`], the view
//! settings in [`view`], and one error body, [`ApiError`]: a stable
//! `code` and a human `message`. [`crew`] holds the vehicle-side
//! operations as the UI calls them, over [`kordon_vehicle::Vehicle`]; the
//! Tauri shell only locks the vehicle and calls them. [`console`] holds
//! the supervisors' operations over [`kordon_central::Central`], each with
//! the roles that may use it. [`training`] holds both sides of training
//! exercises: the trainee's in the app, the trainers' in the console.
//!
//! The UI's TypeScript types are generated from these Rust types
//! ([`bindings`]); a test fails when the checked-in file is stale.

pub mod audit;
pub mod bindings;
pub mod console;
pub mod crew;
mod error;
pub mod evidence;
pub mod fleet;
pub mod reads;
pub mod statistics;
pub mod tiles;
pub mod training;
pub mod view;
pub mod wire;

pub use error::ApiError;

/// An inspection id as the UI and the API give it: a hyphenated UUID
/// (36 characters), nothing around it.
pub(crate) fn inspection_id(id: &str) -> Result<kordon_model::InspectionId, ApiError> {
    let canonical = id.len() == 36 && id.as_bytes().iter().filter(|b| **b == b'-').count() == 4;
    canonical.then(|| id.parse().ok()).flatten().ok_or_else(|| {
        ApiError::invalid(format!(
            "{} is not an inspection id",
            kordon_plates::quoted(id)
        ))
    })
}
