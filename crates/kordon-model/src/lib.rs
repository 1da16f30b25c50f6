//! Kordon's domain model.
//!
//! One **inspection** is one Automerge document. This crate owns its schema
//! and the typed API over it: the vehicle (plates, ISO 6346 container codes,
//! declaration number), notes, unit, location, and the append-only lists of
//! decisions and reviews. Nothing here does I/O; callers pass the acting
//! device (as an Automerge actor), the officer and the time.
//!
//! - [`container`]: ISO 6346 container codes with check-digit validation.
//! - [`plate`]: licence plates, canonical form and the OCR-robust match key.
//! - [`facts`]: what the statistics count of one inspection.
//! - [`types`]: plain values (ids, outcomes, decisions, the derived view).
//! - [`doc`]: [`InspectionDoc`], the Automerge document and its operations.
//! - [`scan`]: scans attached to an inspection: blob references and metadata.
//! - [`annotation`]: the annotation layer, marks drawn on scans.
//! - [`anpr`]: camera reads in an inspection, and the crew's corrections.
//! - [`alert`]: hotlist alerts raised on an inspection, and responses.
//! - [`rules`]: the schema rules every receiver enforces on a change
//!   (append-only lists, fields fixed at creation, who may write what).
//! - [`hotlist`]: hotlists and risk profiles, the server's documents that
//!   vehicles match against.
//! - [`training`]: a trainee's attempt at a training exercise (answers per
//!   image), a document of its own that is never an inspection.

pub mod alert;
pub mod annotation;
pub mod anpr;
pub mod change_bound;
pub mod container;
pub mod doc;
pub mod facts;
mod fields;
pub mod hotlist;
pub mod plate;
pub mod projection;
pub mod rules;
pub mod scan;
pub mod training;
pub mod types;

pub use alert::{
    Alert, AlertResponse, AlertResponseKind, AlertSource, MatchTier, NewAlert, NewAlertResponse,
};
pub use annotation::{Annotation, AnnotationKind, NewAnnotation, Shape};
pub use anpr::{AnprRead, PlateRole, ReadCorrection, ReadImage, ReadImageKind};
pub use container::{ContainerCode, ContainerCodeError};
pub use doc::{change_graph_entry, change_operation, InspectionDoc, ModelError};
pub use facts::InspectionFacts;
pub use hotlist::{
    DocKind, EntryKind, HotlistDoc, HotlistEntry, HotlistView, NewHotlistEntry, NewRiskProfile,
    Priority, Removal, RiskProfile,
};
pub use plate::{Plate, PlateError};
pub use scan::{Energy, NewScan, Scan, ScanImage};
pub use training::{
    NewTrainingAnswer, TrainingAnswer, TrainingDecision, TrainingDoc, TrainingView,
};
pub use types::{
    Decision, InspectionId, InspectionView, Location, NewDecision, NewInspection, NewReview,
    OfficerId, Outcome, ReasonCode, Review, ReviewState, Verdict,
};
