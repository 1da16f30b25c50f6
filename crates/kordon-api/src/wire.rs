//! What crosses the UI boundary, besides the model's own types
//! (`InspectionView`, `Scan`, `Annotation`, ...), which cross as they are.

use kordon_model::{Location, Outcome, Scan};
use kordon_store::IndexRow;
use serde::{Deserialize, Serialize};

/// The officer signed in on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Session {
    pub officer: String,
    /// True when this sign-in set the officer's PIN (first time here).
    pub pin_set: bool,
    /// True while the app is locked (after idle time, or a suspend): the
    /// screens show nothing of the data until an officer's PIN unlocks it.
    pub locked: bool,
}

/// Officers who hold a key to this vehicle's encrypted data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct KeyHolders {
    /// Those known by name: every officer added, or who unlocked, here
    /// since the data was encrypted.
    pub officers: Vec<String>,
    /// How many keys there are (more than the names when a key was made
    /// on another copy of the data).
    pub keys: u32,
}

/// A query over the vehicle's inspections. Absent fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct InspectionQuery {
    /// Tractor or trailer plate in any spelling, matched by key.
    pub plate: Option<String>,
    /// Container code, exact (separators and case ignored).
    pub container: Option<String>,
    /// UTC day of creation, YYYY-MM-DD.
    pub day: Option<String>,
    /// Current outcome, or "none" for undecided.
    pub outcome: Option<String>,
    pub limit: Option<u32>,
}

/// How far an inspection's records got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RecordSync {
    /// Some records wait for the server's receipt.
    Pending,
    /// Every record has a receipt.
    Acknowledged,
    /// The server refused a record (the reason is in the vehicle's log).
    Rejected,
}

/// A queue row: the index row and its delivery.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct InspectionRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub row: IndexRow,
    pub sync: RecordSync,
    /// Records of this inspection without a receipt.
    pub pending: u32,
}

/// A new inspection as the crew types it; unit and crew come from the
/// vehicle's enrollment and the officer signed in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct NewInspectionInput {
    pub tractor_plate: String,
    pub trailer_plate: Option<String>,
    pub containers: Vec<String>,
    pub declaration: Option<String>,
    pub location: Location,
    pub notes: String,
}

/// A decision; `reasons` are reason codes (`DENSITY_ANOMALY`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct NewDecisionInput {
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    pub note: String,
}

/// The crew's correction of a camera's read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReadCorrectionInput {
    /// The read's id (`PUSH#N`).
    pub read: String,
    /// The plate as it really is.
    pub text: String,
}

/// Image files on the vehicle's disk to import as one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportScanInput {
    /// The single or high-energy image.
    pub path: String,
    /// The low-energy image of a dual-energy pair.
    pub low: Option<String>,
    pub pixel_mm: Option<f64>,
    pub scanner: Option<String>,
}

/// A finished import.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ScanImported {
    pub inspection: String,
    pub scan: Scan,
    /// Levels of the tile pyramid.
    pub levels: u32,
    /// From reading the file to the first tile being readable.
    #[ts(type = "number")]
    pub first_tile_ms: u64,
}

/// The app's watch folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct WatchState {
    /// None: not watching.
    pub folder: Option<String>,
    /// The inspection new scans go to; None: the newest undecided one.
    pub inspection: Option<String>,
}

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportStage {
    Started,
    Done,
    Failed,
}

/// Progress of an import, from the UI or the watch folder.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ImportEvent {
    /// File name.
    pub file: String,
    pub stage: ImportStage,
    pub inspection: Option<String>,
    pub scan: Option<String>,
    /// Set when `stage` is `failed`.
    pub error: Option<crate::ApiError>,
}

/// State of the link, as the background sync sees it.
pub use kordon_vehicle::Link;

/// Hotlist alerts a camera's read just raised (the app's banner and
/// sound); the inspection holds them, with their ids, for the response.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AlertEvent {
    pub inspection: String,
    pub alerts: Vec<kordon_model::NewAlert>,
}

/// What the background sync reports, after every pass and on every change.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SyncEvent {
    pub link: Link,
    pub status: kordon_vehicle::Status,
    /// The last pass's failure, in words.
    pub error: Option<crate::ApiError>,
}

impl From<kordon_vehicle::SyncUpdate> for SyncEvent {
    fn from(u: kordon_vehicle::SyncUpdate) -> Self {
        SyncEvent {
            link: u.link,
            status: u.status,
            error: u.error.map(crate::ApiError::from),
        }
    }
}

impl InspectionRow {
    pub fn new(row: IndexRow, delivery: Option<kordon_store::Delivery>) -> Self {
        let d = delivery.unwrap_or_default();
        let sync = if d.rejected > 0 {
            RecordSync::Rejected
        } else if d.pending > 0 {
            RecordSync::Pending
        } else {
            RecordSync::Acknowledged
        };
        InspectionRow {
            row,
            sync,
            pending: u32::try_from(d.pending).unwrap_or(u32::MAX),
        }
    }
}
