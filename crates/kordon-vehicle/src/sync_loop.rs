//! Sync in the background for as long as the caller runs it: the crew's
//! app does, and so does `kordon sync --live` on a vehicle without one.
//!
//! The loop holds its connection to the server between passes
//! (`SyncOptions::hold_connection`), which pings every 100 ms
//! (`kordon_transport::link`): the link shows offline within a second of
//! going and, within a second of its return, syncing (a pass starts at
//! once; online when it ends). While the held link is down no pass is
//! tried: the update says offline. A pass also runs when woken (a local
//! change, "sync now") and every 15 s while the server answers. When the
//! held connection ends (the server restarted, or 30 s without an answer)
//! it tries to connect again at once, then backs off from 5 s to 15 s
//! between tries. Before and after every pass, and at each change of the
//! link between up and down, it hands a [`SyncUpdate`] to the caller.

use crate::{LinkState, Status, SyncOptions, Vehicle, VehicleError};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::{watch, Notify};

const ONLINE_EVERY: Duration = Duration::from_secs(15);
const FIRST_RETRY: Duration = Duration::from_secs(5);
/// A returning link is noticed within this once no connection is held; a
/// try costs a few packets.
const LONGEST_RETRY: Duration = Duration::from_secs(15);

/// The state of the link, as the background sync shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    Online,
    Offline,
    Syncing,
}

/// An error as screens and JSON show it: a stable code (see
/// `VehicleError::code`) and words. For `revoked`, the words are the
/// administrator's reason as it was given ("" if none), which the UI puts
/// in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: String,
    pub message: String,
}

impl From<&VehicleError> for Problem {
    fn from(e: &VehicleError) -> Self {
        let message = match e {
            VehicleError::Revoked { reason } => reason.clone(),
            _ => e.to_string(),
        };
        Problem {
            code: e.code().to_string(),
            message,
        }
    }
}

/// What the loop reports: before and after each pass, and at each change
/// of the link.
#[derive(Debug, Clone, Serialize)]
pub struct SyncUpdate {
    pub link: Link,
    pub status: Status,
    pub error: Option<Problem>,
}

impl Vehicle {
    /// Syncs until the future is dropped (see the module's overview).
    /// `opts.hold_connection` is set whatever the caller passed.
    pub async fn sync_in_background(
        &mut self,
        opts: &SyncOptions,
        wake: &Notify,
        mut on_update: impl FnMut(SyncUpdate),
    ) {
        let opts = SyncOptions {
            hold_connection: true,
            ..opts.clone()
        };
        let mut link = self.link();
        let mut retry = FIRST_RETRY;
        loop {
            let shown = self.pass(&opts, &mut link, &mut on_update).await;
            // The centre had this vehicle's data destroyed: nothing more.
            if self.is_wiped() {
                return;
            }
            // What the pass itself did to the link (a connection made, or
            // dropped on an error) is no news for the wait below.
            let after = *link.borrow_and_update();
            let wait = match shown {
                Some(Link::Online) => {
                    retry = FIRST_RETRY;
                    ONLINE_EVERY
                }
                Some(_) if after == LinkState::Down => LONGEST_RETRY,
                Some(_) => {
                    let w = retry;
                    retry = (retry * 2).min(LONGEST_RETRY);
                    w
                }
                None => LONGEST_RETRY,
            };
            let deadline = tokio::time::Instant::now() + wait;
            // Until the timer, a wake, the held link coming back, or the
            // server restarting.
            loop {
                tokio::select! {
                    _ = wake.notified() => break,
                    _ = tokio::time::sleep_until(deadline) => break,
                    changed = link.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        let now = *link.borrow_and_update();
                        match now {
                            LinkState::Up => break,
                            LinkState::Down => {
                                if let Ok(status) = self.status() {
                                    on_update(SyncUpdate { link: Link::Offline, status, error: None });
                                }
                            }
                            // A restarted server (or 30 s of silence):
                            // reconnect now rather than at the next pass.
                            // Not when the server closed it on purpose.
                            LinkState::Closed if self.reconnect_now() => break,
                            LinkState::Closed => {}
                        }
                    }
                }
            }
        }
    }

    /// One pass; `None` when there is nothing to sync with (not enrolled).
    /// While it runs, a change of the link is shown at once: offline when
    /// it goes, syncing again when it returns.
    async fn pass(
        &mut self,
        opts: &SyncOptions,
        link: &mut watch::Receiver<LinkState>,
        on_update: &mut impl FnMut(SyncUpdate),
    ) -> Option<Link> {
        let status = self.status().ok()?;
        if status.server.is_none() {
            on_update(SyncUpdate {
                link: Link::Offline,
                status,
                error: None,
            });
            return None;
        }
        if *link.borrow_and_update() == LinkState::Down {
            // Held, and silent: nothing to try until it answers again.
            on_update(SyncUpdate {
                link: Link::Offline,
                status,
                error: None,
            });
            return Some(Link::Offline);
        }
        on_update(SyncUpdate {
            link: Link::Syncing,
            status: status.clone(),
            error: None,
        });
        let outcome = {
            let sync = self.sync_once(opts);
            tokio::pin!(sync);
            loop {
                tokio::select! {
                    outcome = &mut sync => break outcome,
                    changed = link.changed() => {
                        if changed.is_err() {
                            break sync.await;
                        }
                        let shown = match *link.borrow_and_update() {
                            LinkState::Down => Link::Offline,
                            LinkState::Up => Link::Syncing,
                            LinkState::Closed => continue,
                        };
                        on_update(SyncUpdate { link: shown, status: status.clone(), error: None });
                    }
                }
            }
        };
        let (shown, error) = match outcome {
            Ok(report) if report.complete => (Link::Online, None),
            Ok(report) => (
                Link::Online,
                Some(Problem {
                    code: "sync_incomplete".into(),
                    message: format!(
                        "{} records and {} scans still to deliver; {} refused by the server",
                        report.pending,
                        report.blobs_pending,
                        report.refused.len()
                    ),
                }),
            ),
            Err(e) if e.is_offline() => (Link::Offline, Some(Problem::from(&e))),
            Err(e) => (Link::Online, Some(Problem::from(&e))),
        };
        let status = self.status().ok()?;
        on_update(SyncUpdate {
            link: shown,
            status,
            error,
        });
        Some(shown)
    }
}
