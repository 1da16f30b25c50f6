//! `kordon-app`: the crew's app. Wiring only: the work is done by
//! `kordon-api`'s crew operations over a `kordon-vehicle` data directory.
//!
//! - [`commands`]: the Tauri commands, one line each over `kordon_api::crew`;
//! - [`tiles`]: the `kordon:` URI scheme serving rendered scan tiles;
//! - [`background`]: sync with the server, pushed to the UI as events;
//! - [`watch`]: the watch folder, running inside the app;
//! - [`anpr`]: the ANPR ingest cameras push to, with hotlist alerts as
//!   events (on when `--anpr-listen ADDR` or `KORDON_ANPR_LISTEN` is given).
//!
//! The data directory is `--data DIR`, else `KORDON_DATA`, else the
//! platform's app data folder. Nothing of it is opened until an officer
//! signs in (or `KORDON_OFFICER` and `KORDON_PIN` are set at start).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod anpr;
mod background;
mod commands;
mod state;
mod tiles;
mod watch;

use anyhow::Context;
use state::AppState;
use std::path::PathBuf;
use std::time::Instant;
use tauri::Manager;

/// The value after `--NAME` on the command line, if given.
pub(crate) fn arg_value(name: &str) -> Option<std::ffi::OsString> {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == name {
            return args.next();
        }
    }
    None
}

fn data_dir_from_args() -> Option<PathBuf> {
    arg_value("--data")
        .or_else(|| std::env::var_os("KORDON_DATA"))
        .map(|dir| from_launch_dir(PathBuf::from(dir)))
}

/// A relative path (given at launch, or typed by the crew), taken from the
/// folder the app was launched in. The AppImage's start script runs the
/// app from inside the image (WebKit finds its helper processes from
/// there) and names the launch folder in `KORDON_LAUNCH_DIR`.
fn from_launch_dir(path: PathBuf) -> PathBuf {
    match std::env::var_os("KORDON_LAUNCH_DIR") {
        Some(dir) if path.is_relative() => PathBuf::from(dir).join(path),
        _ => path,
    }
}

/// A path the crew typed in (a scan's file, the watch folder), relative
/// ones taken from the launch folder ([`from_launch_dir`]); blank stays
/// blank, for the operation to refuse.
pub(crate) fn typed_path(path: &str) -> String {
    if path.trim().is_empty() {
        return path.to_string();
    }
    from_launch_dir(path.into()).to_string_lossy().into_owned()
}

/// WebKitGTK's accelerated compositing draws through OpenGL; where there is
/// no GPU (a vehicle's rugged PC, a virtual display) that is Mesa's
/// software renderer, which more than doubles the web process's memory and
/// buys nothing for this UI (one 2D canvas for scans). Off unless the user
/// asks for it (`KORDON_GPU_COMPOSITING=1`) or set WebKit's variable.
fn choose_compositing() {
    const WEBKIT: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os("KORDON_GPU_COMPOSITING").is_none() && std::env::var_os(WEBKIT).is_none() {
        // Before any thread starts: the environment is read by WebKit only.
        std::env::set_var(WEBKIT, "1");
    }
}

/// The work that runs beside the screens once an officer's PIN has opened
/// the data: sync, the watch folder, the ANPR ingest.
pub(crate) fn start_background(app: &tauri::AppHandle) {
    background::spawn_sync(app.clone());
    watch::resume(app);
    anpr::start(app);
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    choose_compositing();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KORDON_LOG")
                .unwrap_or_else(|_| "warn,kordon=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let explicit = data_dir_from_args();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .register_asynchronous_uri_scheme_protocol("kordon", |ctx, request, responder| {
            tiles::serve(ctx.app_handle(), request, responder)
        })
        .invoke_handler(tauri::generate_handler![
            commands::sign_in,
            commands::sign_out,
            commands::lock,
            commands::key_holders,
            commands::add_officer,
            commands::remove_officer,
            commands::session,
            commands::list_inspections,
            commands::get_inspection,
            commands::create_inspection,
            commands::decide,
            commands::set_notes,
            commands::annotate,
            commands::vehicle_history,
            commands::scan_info,
            commands::import_scan,
            commands::watch_state,
            commands::set_watch,
            commands::status,
            commands::enroll,
            commands::sync_now,
            commands::sync_state,
            commands::ui_ready,
            commands::respond_to_alert,
            commands::correct_read,
            commands::detach_read,
            commands::hotlists,
            commands::start_training,
            commands::answer_training,
            commands::training_attempt,
            commands::training_attempts,
            commands::live_tip_rate,
            commands::set_live_tip_rate,
            commands::live_tip,
            commands::live_tip_mark,
            commands::live_tip_missed,
        ])
        .setup(move |app| {
            let dir = match explicit.clone() {
                Some(d) => d,
                None => app
                    .path()
                    .app_data_dir()
                    .context("no app data folder on this system; pass --data DIR")?,
            };
            let state = AppState::new(&dir, started)
                .with_context(|| format!("cannot use the data folder {}", dir.display()))?;
            tracing::info!(data = %dir.display(), "kordon-app started");
            // Started with an officer and their PIN (a kiosk, a benchmark):
            // opened as if that officer had signed in, beside the window's
            // start (the PIN's Argon2id takes as long as WebKit's start);
            // the UI's first question (`session`) waits for it.
            let given = (std::env::var("KORDON_OFFICER"), std::env::var("KORDON_PIN"));
            let opening = match &given {
                (Ok(_), Ok(_)) => state.opening.clone().try_lock_owned().ok(),
                _ => None,
            };
            app.manage(state);
            if let (Some(guard), (Ok(officer), Ok(pin))) = (opening, given) {
                let app = app.handle().clone();
                std::thread::spawn(move || {
                    let opened = kordon_api::crew::open_signed_in(&dir, &officer, &pin)
                        .and_then(|(vehicle, _)| app.state::<AppState>().opened(vehicle));
                    match opened {
                        Ok(first) => {
                            drop(guard);
                            if first {
                                start_background(&app);
                            }
                        }
                        Err(e) => {
                            tracing::error!(
                                "opening {} as {officer} with the PIN given at start: {}",
                                dir.display(),
                                e.message
                            );
                            // Before the UI hears anything: no sign-in
                            // screen flashes on the way out.
                            app.exit(1);
                            drop(guard);
                        }
                    }
                });
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .context("the app stopped with an error")
}
