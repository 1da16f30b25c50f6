//! What the app holds while it runs.

use kordon_api::wire::{Link, SyncEvent};
use kordon_api::ApiError;
use kordon_vehicle::Vehicle;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// The data folder, once an officer's PIN has opened it: nothing of
    /// the data is readable before (the folder is encrypted).
    vehicle: Mutex<Option<Vehicle>>,
    /// Locked after idle time or a suspend: the data stays open for the
    /// background work (sync, watch folder, ANPR), the screens show none
    /// of it until an officer's PIN unlocks.
    locked: AtomicBool,
    /// Whether the background work was started (at the first unlock).
    background: AtomicBool,
    /// One first opening at a time (two sign-ins at a cold start, or a
    /// sign-in and the opening with the PIN given at start).
    pub opening: Arc<tokio::sync::Mutex<()>>,
    /// Told when the data is closed (a remote wipe): the background work
    /// that holds the key stops.
    pub closed: Arc<tokio::sync::Notify>,
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

/// The data is not open, or the app is locked.
pub fn locked() -> ApiError {
    ApiError::from(kordon_vehicle::VehicleError::Locked)
}

impl AppState {
    /// The app's state over the data folder `dir`, opened at the first
    /// sign-in ([`AppState::open_signed_in`]).
    pub fn new(dir: &Path, started: Instant) -> Result<Self, ApiError> {
        Ok(AppState {
            dir: dir.to_path_buf(),
            vehicle: Mutex::new(None),
            locked: AtomicBool::new(false),
            background: AtomicBool::new(false),
            opening: Arc::new(tokio::sync::Mutex::new(())),
            closed: Arc::new(tokio::sync::Notify::new()),
            wake: Arc::new(tokio::sync::Notify::new()),
            last_sync: Mutex::new(None),
            watch: Mutex::new(None),
            tiles: kordon_api::tiles::PyramidCache::default(),
            started,
        })
    }

    /// Runs `f` on the app's vehicle (one operation at a time); refused
    /// while the data is not open or the app is locked.
    pub fn with_vehicle<T>(
        &self,
        f: impl FnOnce(&mut Vehicle) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        if self.is_locked() {
            return Err(locked());
        }
        self.with_open_vehicle(f)
    }

    /// As [`with_vehicle`](Self::with_vehicle), also while locked (to
    /// unlock, to say who is signed in).
    pub fn with_open_vehicle<T>(
        &self,
        f: impl FnOnce(&mut Vehicle) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut v = self
            .vehicle
            .lock()
            .map_err(|_| internal("the vehicle store lock was poisoned"))?;
        match v.as_mut() {
            Some(v) => f(v),
            None => Err(locked()),
        }
    }

    /// Whether the data folder is open (an officer's PIN opened it).
    pub fn is_open(&self) -> bool {
        self.vehicle.lock().is_ok_and(|v| v.is_some())
    }

    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::SeqCst)
    }

    pub fn set_locked(&self, locked: bool) {
        self.locked.store(locked, Ordering::SeqCst);
    }

    /// Holds the vehicle an officer's PIN opened; says whether the
    /// background work is still to be started (the first time only).
    pub fn opened(&self, vehicle: Vehicle) -> Result<bool, ApiError> {
        *self
            .vehicle
            .lock()
            .map_err(|_| internal("the vehicle store lock was poisoned"))? = Some(vehicle);
        self.set_locked(false);
        Ok(!self.background.swap(true, Ordering::SeqCst))
    }

    /// Closes the data folder (after a remote wipe): every screen is
    /// refused from now on.
    pub fn close(&self) {
        if let Ok(mut v) = self.vehicle.lock() {
            *v = None;
        }
        if let Ok(mut watch) = self.watch.lock() {
            *watch = None;
        }
        self.tiles.clear();
        self.closed.notify_waiters();
    }

    /// Another handle on the open data folder, for background work.
    pub fn reopen(&self) -> Result<Vehicle, ApiError> {
        self.with_open_vehicle(|v| Ok(v.reopen()?))
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
