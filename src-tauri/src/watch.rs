//! Scan imports inside the app: from the UI (a file picked or dropped) and
//! from the watch folder. Both run on worker threads with their own
//! connection to the store, and report progress as `ImportEvent`s.
//!
//! The watch folder is kept in the store (`app.watch_folder`,
//! `app.watch_inspection`), so it resumes when the app restarts; what it
//! has imported is remembered per file by `kordon_vehicle::Watcher`.

use crate::state::{event, AppState};
use kordon_api::wire::{ImportEvent, ImportScanInput, ImportStage, ScanImported, WatchState};
use kordon_api::{crew, ApiError};
use kordon_vehicle::{now_ms, Vehicle, WatchOptions, Watcher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

const FOLDER: &str = "app.watch_folder";
const INSPECTION: &str = "app.watch_inspection";
const POLL: Duration = Duration::from_secs(1);

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn emit(app: &AppHandle, e: &ImportEvent) {
    if let Err(err) = app.emit(event::IMPORT, e) {
        tracing::warn!("import event not delivered to the UI: {err}");
    }
}

/// Imports files the crew chose, on a worker thread.
pub async fn import_now(
    app: &AppHandle,
    mut v: Vehicle,
    id: &str,
    input: ImportScanInput,
) -> Result<ScanImported, ApiError> {
    let file = file_name(&input.path);
    let mut progress = ImportEvent {
        file,
        stage: ImportStage::Started,
        inspection: Some(id.to_string()),
        scan: None,
        error: None,
    };
    emit(app, &progress);
    let id2 = id.to_string();
    let result =
        tauri::async_runtime::spawn_blocking(move || crew::import_scan(&mut v, &id2, &input))
            .await
            .map_err(crate::state::internal)
            .and_then(|r| r);
    match &result {
        Ok(done) => {
            progress.stage = ImportStage::Done;
            progress.scan = Some(done.scan.id.clone());
        }
        Err(e) => {
            progress.stage = ImportStage::Failed;
            progress.error = Some(e.clone());
        }
    }
    emit(app, &progress);
    result
}

/// A running watch folder.
#[derive(Debug)]
pub struct WatchTask {
    state: WatchState,
    stop: Arc<AtomicBool>,
}

impl Drop for WatchTask {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

pub fn current(state: &AppState) -> Result<WatchState, ApiError> {
    let task = state.watch.lock().map_err(crate::state::internal)?;
    Ok(task.as_ref().map(|t| t.state.clone()).unwrap_or_default())
}

/// Starts, moves or stops the watch folder, and remembers the choice.
pub fn set(app: &AppHandle, want: WatchState) -> Result<WatchState, ApiError> {
    let state = app.state::<AppState>();
    // A relative folder typed in is taken from where the app was started.
    let folder = want
        .folder
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(crate::typed_path);
    let folder = folder.as_deref();
    let inspection = want
        .inspection
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty());
    if let Some(f) = folder {
        if !Path::new(f).is_dir() {
            return Err(ApiError::invalid(format!("{f} is not a folder")));
        }
    }
    if let Some(i) = inspection {
        i.parse::<kordon_model::InspectionId>()
            .map_err(|_| ApiError::invalid(format!("{i:?} is not an inspection id")))?;
    }
    state.with_vehicle(|v| {
        let store = v.store();
        let put = |k: &str, val: Option<&str>| match val {
            Some(x) => store.set_meta(k, x),
            None => store.delete_meta(k),
        };
        put(FOLDER, folder)
            .and_then(|_| put(INSPECTION, inspection))
            .map_err(|e| ApiError::from(kordon_vehicle::VehicleError::from(e)))
    })?;
    let clean = WatchState {
        folder: folder.map(str::to_string),
        inspection: inspection.map(str::to_string),
    };
    let mut slot = state.watch.lock().map_err(crate::state::internal)?;
    *slot = None; // stops the old one
    if let Some(f) = &clean.folder {
        *slot = Some(start(
            app.clone(),
            state.reopen()?,
            PathBuf::from(f),
            clean.clone(),
        ));
    }
    Ok(clean)
}

/// Restarts the watch folder the crew left running.
pub fn resume(app: &AppHandle) {
    let state = app.state::<AppState>();
    let saved = state.with_vehicle(|v| {
        let get = |k| v.store().get_meta(k).ok().flatten();
        Ok(WatchState {
            folder: get(FOLDER),
            inspection: get(INSPECTION),
        })
    });
    if let Ok(saved) = saved {
        if saved.folder.is_some() {
            if let Err(e) = set(app, saved) {
                tracing::warn!("watch folder not resumed: {e}");
            }
        }
    }
}

fn start(app: AppHandle, mut v: Vehicle, folder: PathBuf, state: WatchState) -> WatchTask {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let inspection = state.inspection.as_deref().and_then(|i| i.parse().ok());
    std::thread::spawn(move || {
        let opts = WatchOptions {
            inspection,
            ..WatchOptions::default()
        };
        let mut watcher = Watcher::new();
        while !stopped.load(Ordering::Relaxed) && !v.is_wiped() {
            // Files wait while nobody is signed in: every scan is attributed.
            if let Ok(Some(officer)) = v.officer() {
                match watcher.pass(&mut v, &folder, &opts, &officer, now_ms()) {
                    Ok(entries) => {
                        let any = !entries.is_empty();
                        for e in entries {
                            let failed = e.outcome == "failed";
                            emit(
                                &app,
                                &ImportEvent {
                                    file: file_name(&e.path),
                                    stage: if failed {
                                        ImportStage::Failed
                                    } else {
                                        ImportStage::Done
                                    },
                                    inspection: None,
                                    scan: None,
                                    error: failed.then(|| ApiError::invalid(e.detail.clone())),
                                },
                            );
                        }
                        if let Some(s) = app.try_state::<AppState>().filter(|_| any) {
                            s.changed(&app);
                        }
                    }
                    Err(e) => tracing::warn!("watch folder pass failed: {e}"),
                }
            }
            std::thread::sleep(POLL);
        }
    });
    WatchTask { state, stop }
}
