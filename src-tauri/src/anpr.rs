//! The ANPR ingest inside the app: cameras on the vehicle's network push
//! to it while the crew works, and every hotlist hit reaches the screen as
//! an `AlertEvent` (banner and sound) the moment its read is attached.
//!
//! Off unless an address is given: `--anpr-listen ADDR` or
//! `KORDON_ANPR_LISTEN`; cameras with credentials in `KORDON_ANPR_CAMERAS`
//! (`NAME:USER:PASSWORD`, comma-separated). Pushes are spooled in the data
//! folder (`anpr-spool/`) before the camera gets its answer and attached
//! on a worker thread with its own connection to the store, so a crash or
//! a power cut loses none, and the spool is drained again at start.

use crate::state::{event, AppState};
use kordon_anpr::ingest::{self, Camera};
use kordon_anpr::spool::Spool;
use kordon_anpr::vehicle::VehicleSink;
use kordon_api::wire::AlertEvent;
use kordon_vehicle::{AttachRules, Vehicle};
use std::net::SocketAddr;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

fn listen_addr() -> Option<SocketAddr> {
    let given =
        crate::arg_value("--anpr-listen").or_else(|| std::env::var_os("KORDON_ANPR_LISTEN"))?;
    let given = given.to_string_lossy();
    match given.parse() {
        Ok(a) => Some(a),
        Err(e) => {
            tracing::error!(%given, error = %e, "the ANPR listen address is not HOST:PORT; the ingest is off");
            None
        }
    }
}

fn cameras() -> Vec<Camera> {
    std::env::var("KORDON_ANPR_CAMERAS")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| match s.trim().parse() {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!(error = %e, "a camera in KORDON_ANPR_CAMERAS is left out");
                None
            }
        })
        .collect()
}

/// Starts the ingest if an address is configured.
pub fn start(app: &AppHandle) {
    let Some(listen) = listen_addr() else {
        return;
    };
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let dir = state.dir.clone();
    let vehicle = match state.reopen() {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "the ANPR worker cannot open the store; the ingest is off");
            return;
        }
    };
    let spool = match Spool::open_with(&dir.join("anpr-spool"), vehicle.seal().clone()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the ANPR spool cannot be opened; the ingest is off");
            return;
        }
    };
    let (wake_tx, wake_rx) = std::sync::mpsc::channel::<()>();
    let router = ingest::router(spool.clone(), cameras(), Some(wake_tx));
    // Stops taking pushes when the data is closed (a remote wipe).
    let closed = state.closed.clone();
    tauri::async_runtime::spawn(async move {
        match ingest::bind(listen, router, async move { closed.notified().await }).await {
            Ok((addr, _task)) => tracing::info!(%addr, "ANPR ingest listening"),
            Err(e) => tracing::error!(%listen, error = %e, "the ANPR ingest cannot listen"),
        }
    });
    let app = app.clone();
    std::thread::spawn(move || attach_loop(&app, vehicle, &spool, &wake_rx));
}

/// Attaches spooled pushes as they come (and what a crash left pending).
fn attach_loop(
    app: &AppHandle,
    mut vehicle: Vehicle,
    spool: &Spool,
    wake: &std::sync::mpsc::Receiver<()>,
) {
    let rules = AttachRules::default();
    // Until the centre has the data destroyed: the key goes with `vehicle`.
    while !vehicle.is_wiped() {
        let mut sink = VehicleSink::new(&mut vehicle, rules.clone());
        match spool.process(&mut sink) {
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "ANPR processing failed; pushes stay spooled"),
        }
        let attached = !sink.attached.is_empty();
        let mut by_inspection: Vec<AlertEvent> = vec![];
        for (inspection, alert) in sink.alerts.drain(..) {
            match by_inspection
                .iter_mut()
                .find(|e| e.inspection == inspection)
            {
                Some(e) => e.alerts.push(alert),
                None => by_inspection.push(AlertEvent {
                    inspection,
                    alerts: vec![alert],
                }),
            }
        }
        if attached {
            if let Some(state) = app.try_state::<AppState>() {
                state.changed(app);
            }
        }
        for e in by_inspection {
            if let Err(err) = app.emit(event::ALERT, &e) {
                tracing::warn!("alert event not delivered to the UI: {err}");
            }
        }
        // Woken by each push; a second's poll catches anything missed.
        let _ = wake.recv_timeout(Duration::from_secs(1));
    }
}
