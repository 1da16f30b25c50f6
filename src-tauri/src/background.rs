//! Sync with the server, in the background, for as long as the app runs:
//! `Vehicle::sync_in_background` (kordon-vehicle's `sync_loop`), on its
//! own connection to the store, each update pushed to the UI as a
//! `SyncEvent`.

use crate::state::{publish, AppState};
use kordon_vehicle::SyncOptions;
use std::time::Duration;
use tauri::{AppHandle, Manager};

pub fn spawn_sync(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        let wake = state.wake.clone();
        let mut vehicle = match state.reopen() {
            Ok(v) => v,
            Err(e) => {
                tracing::error!("background sync cannot open the store: {e}");
                return;
            }
        };
        let opts = SyncOptions {
            connect_timeout: Duration::from_secs(5),
            ..SyncOptions::default()
        };
        vehicle
            .sync_in_background(&opts, &wake, |update| publish(&app, update.into()))
            .await;
        // The loop ends only when the centre had this vehicle's data
        // destroyed: the keys are erased; close what is open.
        if vehicle.is_wiped() {
            drop(vehicle);
            state.close();
            tracing::warn!("this vehicle's data was wiped as the centre ordered");
        }
    });
}
