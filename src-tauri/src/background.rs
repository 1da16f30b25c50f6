//! Sync with the server, in the background, for as long as the app runs.
//!
//! The loop has its own connection to the store. It runs a pass when woken
//! (a local change, "sync now") or when its timer fires: every 15 s while
//! the server answers, backing off from 5 s to 15 s while it does not.
//! Before and after every pass it pushes a `SyncEvent` to the UI.

use crate::state::{publish, AppState};
use kordon_api::wire::{Link, SyncEvent};
use kordon_api::ApiError;
use kordon_vehicle::{SyncOptions, Vehicle, VehicleError};
use std::time::Duration;
use tauri::{AppHandle, Manager};

const ONLINE_EVERY: Duration = Duration::from_secs(15);
const FIRST_RETRY: Duration = Duration::from_secs(5);
/// A returning link is noticed within this; a try costs a few packets.
const LONGEST_RETRY: Duration = Duration::from_secs(15);

/// The link is down (as opposed to the server refusing us): worth retrying.
fn offline(e: &VehicleError) -> bool {
    matches!(e.code(), "unreachable" | "sync_failed")
}

pub fn spawn_sync(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        let dir = state.dir.clone();
        let wake = state.wake.clone();
        let mut vehicle = match Vehicle::open(&dir) {
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
        let mut retry = FIRST_RETRY;
        loop {
            let wait = match pass(&app, &mut vehicle, &opts).await {
                Some(Link::Online) => {
                    retry = FIRST_RETRY;
                    ONLINE_EVERY
                }
                Some(_) => {
                    let w = retry;
                    retry = (retry * 2).min(LONGEST_RETRY);
                    w
                }
                None => LONGEST_RETRY,
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
}

/// One pass; `None` when there is nothing to sync with (not enrolled).
async fn pass(app: &AppHandle, v: &mut Vehicle, opts: &SyncOptions) -> Option<Link> {
    let status = v.status().ok()?;
    if status.server.is_none() {
        publish(
            app,
            SyncEvent {
                link: Link::Offline,
                status,
                error: None,
            },
        );
        return None;
    }
    publish(
        app,
        SyncEvent {
            link: Link::Syncing,
            status,
            error: None,
        },
    );
    let outcome = v.sync_once(opts).await;
    let (link, error) = match outcome {
        Ok(report) if report.complete => (Link::Online, None),
        Ok(report) => (
            Link::Online,
            Some(ApiError {
                code: "sync_incomplete".into(),
                message: format!(
                    "{} records and {} scans still to deliver; {} refused by the server",
                    report.pending,
                    report.blobs_pending,
                    report.refused.len()
                ),
            }),
        ),
        Err(e) if offline(&e) => (Link::Offline, Some(ApiError::from(e))),
        Err(e) => (Link::Online, Some(ApiError::from(e))),
    };
    let status = v.status().ok()?;
    publish(
        app,
        SyncEvent {
            link,
            status,
            error,
        },
    );
    Some(link)
}
