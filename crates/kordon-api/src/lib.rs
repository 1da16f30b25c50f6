//! The boundary between Kordon's operations and its UI.
//!
//! The crew's app (Tauri commands) and, later, the supervisor console (the
//! server's HTTP API) speak the same JSON: the types in [`wire`], the view
//! settings in [`view`], and one error body, [`ApiError`]: a stable
//! `code` and a human `message`. [`crew`] holds the vehicle-side
//! operations as the UI calls them, over [`kordon_vehicle::Vehicle`]; the
//! Tauri shell only locks the vehicle and calls them.
//!
//! The UI's TypeScript types are generated from these Rust types
//! ([`bindings`]); a test fails when the checked-in file is stale.

pub mod bindings;
pub mod crew;
mod error;
pub mod view;
pub mod wire;

pub use error::ApiError;
