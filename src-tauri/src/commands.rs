//! The Tauri commands: each locks the vehicle and calls one of
//! `kordon_api::crew`'s operations. Errors cross as `ApiError`
//! (`{ code, message }`). Commands are `async` so they run on the async
//! runtime's threads, never on the window's.

use crate::state::{publish, AppState};
use kordon_api::crew;
use kordon_api::training;
use kordon_api::view::ScanInfo;
use kordon_api::wire::*;
use kordon_api::ApiError;
use kordon_model::{InspectionView, NewAnnotation};
use kordon_vehicle::Status;
use tauri::{AppHandle, State};

type Reply<T> = Result<T, ApiError>;

/// Signs an officer in. The first sign-in after the app starts opens the
/// data folder with the PIN (encrypting it first if it is not yet) and
/// starts the background work; a sign-in while locked unlocks.
#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    officer: String,
    pin: String,
) -> Reply<Session> {
    let _opening = state.opening.lock().await;
    if state.is_open() {
        let session = state.with_open_vehicle(|v| crew::sign_in(v, &officer, &pin))?;
        state.set_locked(false);
        return Ok(session);
    }
    let dir = state.dir.clone();
    let (vehicle, session) =
        tauri::async_runtime::spawn_blocking(move || crew::open_signed_in(&dir, &officer, &pin))
            .await
            .map_err(crate::state::internal)??;
    if state.opened(vehicle)? {
        crate::start_background(&app);
    }
    Ok(session)
}

/// Signs the officer out. A locked app stays locked: only a sign-in with
/// a PIN unlocks it.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Reply<()> {
    state.with_open_vehicle(crew::sign_out)
}

/// Officers who hold a key to this vehicle's data.
#[tauri::command]
pub async fn key_holders(state: State<'_, AppState>) -> Reply<KeyHolders> {
    state.with_vehicle(|v| crew::key_holders(v))
}

/// Gives an officer a key (the officer signed in confirms with their PIN).
#[tauri::command]
pub async fn add_officer(
    state: State<'_, AppState>,
    by_pin: String,
    officer: String,
    pin: String,
) -> Reply<KeyHolders> {
    state.with_vehicle(|v| crew::add_officer(v, &by_pin, &officer, &pin))
}

/// Removes an officer's key (the officer signed in confirms with their PIN).
#[tauri::command]
pub async fn remove_officer(
    state: State<'_, AppState>,
    by_pin: String,
    officer: String,
) -> Reply<KeyHolders> {
    state.with_vehicle(|v| crew::remove_officer(v, &by_pin, &officer))
}

/// Locks the app (idle time, a suspend, or the crew's choice): nothing of
/// the data is shown until an officer signs in again with their PIN.
#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> Reply<()> {
    if state.is_open() {
        state.set_locked(true);
    }
    Ok(())
}

/// Who is signed in: `None` before the data is opened or when nobody is.
#[tauri::command]
pub async fn session(state: State<'_, AppState>) -> Reply<Option<Session>> {
    // An opening under way (the PIN given at start) answers first.
    drop(state.opening.lock().await);
    if !state.is_open() {
        return Ok(None);
    }
    let locked = state.is_locked();
    let session = state.with_open_vehicle(|v| crew::session(v))?;
    Ok(session.map(|s| Session { locked, ..s }))
}

#[tauri::command]
pub async fn list_inspections(
    state: State<'_, AppState>,
    query: InspectionQuery,
) -> Reply<Vec<InspectionRow>> {
    state.with_vehicle(|v| crew::list_inspections(v, &query))
}

#[tauri::command]
pub async fn get_inspection(state: State<'_, AppState>, id: String) -> Reply<InspectionView> {
    state.with_vehicle(|v| crew::get_inspection(v, &id))
}

#[tauri::command]
pub async fn create_inspection(
    app: AppHandle,
    state: State<'_, AppState>,
    input: NewInspectionInput,
) -> Reply<InspectionView> {
    let view = state.with_vehicle(|v| crew::create_inspection(v, &input))?;
    state.changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn decide(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    decision: NewDecisionInput,
) -> Reply<InspectionView> {
    let view = state.with_vehicle(|v| crew::decide(v, &id, &decision))?;
    state.changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn set_notes(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    text: String,
) -> Reply<InspectionView> {
    let view = state.with_vehicle(|v| crew::set_notes(v, &id, &text))?;
    state.changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn annotate(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    input: NewAnnotation,
) -> Reply<InspectionView> {
    let view = state.with_vehicle(|v| crew::annotate(v, &id, &input))?;
    state.changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn vehicle_history(state: State<'_, AppState>, id: String) -> Reply<Vec<InspectionRow>> {
    state.with_vehicle(|v| crew::vehicle_history(v, &id))
}

#[tauri::command]
pub async fn scan_info(state: State<'_, AppState>, scan: String) -> Reply<ScanInfo> {
    state.with_vehicle(|v| crew::scan_info(v, &scan))
}

/// Imports on a worker thread with its own connection to the store, so the
/// crew can go on working while a large scan is decoded and tiled.
#[tauri::command]
pub async fn import_scan(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    mut input: ImportScanInput,
) -> Reply<ScanImported> {
    if state.is_locked() {
        return Err(crate::state::locked());
    }
    input.path = crate::typed_path(&input.path);
    input.low = input.low.as_deref().map(crate::typed_path);
    let done = crate::watch::import_now(&app, state.reopen()?, &id, input).await?;
    state.changed(&app);
    Ok(done)
}

#[tauri::command]
pub async fn watch_state(state: State<'_, AppState>) -> Reply<WatchState> {
    if state.is_locked() || !state.is_open() {
        return Err(crate::state::locked());
    }
    crate::watch::current(&state)
}

#[tauri::command]
pub async fn set_watch(app: AppHandle, want: WatchState) -> Reply<WatchState> {
    crate::watch::set(&app, want)
}

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Reply<Status> {
    state.with_vehicle(|v| Ok(v.status()?))
}

#[tauri::command]
pub async fn enroll(app: AppHandle, state: State<'_, AppState>, token: String) -> Reply<Status> {
    let status = state.with_vehicle(|v| crew::enroll(v, &token))?;
    state.changed(&app);
    Ok(status)
}

/// Wakes the sync loop; the outcome arrives as a sync event.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Reply<()> {
    state.wake.notify_one();
    Ok(())
}

/// The latest sync event (for a UI that has just subscribed).
#[tauri::command]
pub async fn sync_state(app: AppHandle, state: State<'_, AppState>) -> Reply<SyncEvent> {
    if state.is_locked() || !state.is_open() {
        return Err(crate::state::locked());
    }
    let last = state
        .last_sync
        .lock()
        .map_err(crate::state::internal)?
        .clone();
    match last {
        Some(e) => Ok(e),
        None => {
            let status = state.with_vehicle(|v| Ok(v.status()?))?;
            let event = SyncEvent {
                link: Link::Offline,
                status,
                error: None,
            };
            publish(&app, event.clone());
            Ok(event)
        }
    }
}

/// The UI reports a screen ready (for the start-up benchmark): logged with
/// the time since the process started. With `KORDON_REPORT_READY` set, the
/// app also prints it as one JSON line on stdout; with
/// `KORDON_EXIT_WHEN_READY` set to that stage, it then exits.
#[tauri::command]
pub async fn ui_ready(app: AppHandle, state: State<'_, AppState>, stage: String) -> Reply<()> {
    let ms = state.started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(stage = %stage, ms, "ui ready");
    let exit = std::env::var("KORDON_EXIT_WHEN_READY").ok().as_deref() == Some(stage.as_str());
    if exit || std::env::var_os("KORDON_REPORT_READY").is_some() {
        println!("{}", serde_json::json!({ "stage": stage, "ms": ms }));
    }
    if exit {
        app.exit(0);
    }
    Ok(())
}

#[tauri::command]
pub async fn respond_to_alert(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    response: kordon_model::NewAlertResponse,
) -> Reply<InspectionView> {
    let view = state.with_vehicle(|v| crew::respond_to_alert(v, &id, &response))?;
    state.changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn correct_read(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    input: ReadCorrectionInput,
) -> Reply<InspectionView> {
    let view = state.with_vehicle(|v| crew::correct_read(v, &id, &input))?;
    state.changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn detach_read(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    read: String,
) -> Reply<InspectionView> {
    let view = state.with_vehicle(|v| crew::detach_read(v, &id, &read))?;
    state.changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn hotlists(state: State<'_, AppState>) -> Reply<Vec<kordon_model::HotlistView>> {
    state.with_vehicle(|v| crew::hotlists(v))
}

#[tauri::command]
pub async fn start_training(
    app: AppHandle,
    state: State<'_, AppState>,
    input: training::StartTrainingInput,
) -> Reply<training::TrainingAttempt> {
    let attempt = state.with_vehicle(|v| training::start_training(v, &input))?;
    state.changed(&app);
    Ok(attempt)
}

#[tauri::command]
pub async fn answer_training(
    app: AppHandle,
    state: State<'_, AppState>,
    attempt: String,
    answer: training::TrainingAnswerInput,
) -> Reply<training::TrainingAttempt> {
    let view = state.with_vehicle(|v| training::answer_training(v, &attempt, &answer))?;
    state.changed(&app);
    Ok(view)
}

#[tauri::command]
pub async fn training_attempt(
    state: State<'_, AppState>,
    attempt: String,
) -> Reply<training::TrainingAttempt> {
    state.with_vehicle(|v| training::training_attempt(v, &attempt))
}

#[tauri::command]
pub async fn training_attempts(
    state: State<'_, AppState>,
) -> Reply<Vec<training::TrainingSummary>> {
    state.with_vehicle(|v| training::training_attempts(v))
}

#[tauri::command]
pub async fn live_tip_rate(state: State<'_, AppState>) -> Reply<f64> {
    state.with_vehicle(|v| training::live_tip_rate(v))
}

#[tauri::command]
pub async fn set_live_tip_rate(state: State<'_, AppState>, rate: f64) -> Reply<f64> {
    state.with_vehicle(|v| training::set_live_tip_rate(v, rate))
}

/// Not announced as a change: a projection is shown by the screen that
/// asked for it, and is only recorded for the trainers.
#[tauri::command]
pub async fn live_tip(
    state: State<'_, AppState>,
    inspection: String,
    scan: String,
) -> Reply<Option<training::TrainingAttempt>> {
    state.with_vehicle(|v| training::live_tip(v, &inspection, &scan))
}

#[tauri::command]
pub async fn live_tip_mark(
    app: AppHandle,
    state: State<'_, AppState>,
    attempt: String,
    input: training::LiveTipMarkInput,
) -> Reply<Option<training::TrainingAttempt>> {
    let hit = state.with_vehicle(|v| training::live_tip_mark(v, &attempt, &input))?;
    state.changed(&app);
    Ok(hit)
}

#[tauri::command]
pub async fn live_tip_missed(
    app: AppHandle,
    state: State<'_, AppState>,
    attempt: String,
    time_ms: u64,
) -> Reply<training::TrainingAttempt> {
    let missed = state.with_vehicle(|v| training::live_tip_missed(v, &attempt, time_ms))?;
    state.changed(&app);
    Ok(missed)
}
