//! What the app holds while it runs.

use kordon_api::wire::{Link, SyncEvent};
use kordon_api::ApiError;
use kordon_vehicle::Vehicle;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tauri::{AppHandle, Emitter, Manager};

/// Events pushed to the UI.
pub mod event {
    /// A `SyncEvent`.
    pub const SYNC: &str = "kordon:sync";
    /// An `ImportEvent`.
    pub const IMPORT: &str = "kordon:import";
    /// An `AlertEvent`: a camera's read hit a hotlist.
    pub const ALERT: &str = "kordon:alert";
}

#[derive(Debug)]
pub struct AppState {
    pub dir: PathBuf,
    vehicle: Mutex<Vehicle>,
    /// Wakes the sync loop (a local change, "sync now").
    pub wake: Arc<tokio::sync::Notify>,
    /// The last sync event, for a UI that subscribes late.
    pub last_sync: Mutex<Option<SyncEvent>>,
    pub watch: Mutex<Option<crate::watch::WatchTask>>,
    pub tiles: kordon_api::tiles::PyramidCache,
    pub started: Instant,
}

pub fn internal<E: std::fmt::Display>(e: E) -> ApiError {
    ApiError::internal(e.to_string())
}

impl AppState {
    pub fn open(dir: &Path, started: Instant) -> Result<Self, ApiError> {
        let vehicle = Vehicle::open(dir)?;
        Ok(AppState {
            dir: dir.to_path_buf(),
            vehicle: Mutex::new(vehicle),
            wake: Arc::new(tokio::sync::Notify::new()),
            last_sync: Mutex::new(None),
            watch: Mutex::new(None),
            tiles: kordon_api::tiles::PyramidCache::default(),
            started,
        })
    }

    /// Runs `f` on the app's vehicle (one operation at a time).
    pub fn with_vehicle<T>(
        &self,
        f: impl FnOnce(&mut Vehicle) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut v = self
            .vehicle
            .lock()
            .map_err(|_| internal("the vehicle store lock was poisoned"))?;
        f(&mut v)
    }

    /// A local change was committed: show the new backlog now and let the
    /// sync loop deliver it.
    pub fn changed(&self, app: &AppHandle) {
        self.wake.notify_one();
        let link = self
            .last_sync
            .lock()
            .ok()
            .and_then(|l| l.as_ref().map(|e| e.link))
            .unwrap_or(Link::Offline);
        let error = self
            .last_sync
            .lock()
            .ok()
            .and_then(|l| l.as_ref().and_then(|e| e.error.clone()));
        if let Ok(status) = self.with_vehicle(|v| Ok(v.status()?)) {
            publish(
                app,
                SyncEvent {
                    link,
                    status,
                    error,
                },
            );
        }
    }
}

/// Sends a sync event to the UI and keeps it as the latest.
pub fn publish(app: &AppHandle, event: SyncEvent) {
    if let Some(state) = app.try_state::<AppState>() {
        if let Ok(mut last) = state.last_sync.lock() {
            *last = Some(event.clone());
        }
    }
    if let Err(e) = app.emit(event::SYNC, &event) {
        tracing::warn!("sync event not delivered to the UI: {e}");
    }
}
