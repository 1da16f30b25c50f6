//! `kordon anpr ...`: the endpoint ANPR cameras push to, on this vehicle.

use anyhow::Context;
use clap::Subcommand;
use kordon_anpr::drop_folder::DropFolder;
use kordon_anpr::ingest::{self, Camera};
use kordon_anpr::spool::{Processed, Spool, State};
use kordon_anpr::vehicle::VehicleSink;
use kordon_model::PlateRole;
use kordon_vehicle::{AttachRules, Vehicle};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum AnprCmd {
    /// Receive camera pushes on ADDR: each is stored durably and answered
    /// at once, then its reads are attached to inspections (a read joins
    /// the open inspection of its lane within the window, or opens one).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8091")]
        listen: SocketAddr,
        /// A camera that must give credentials (HTTP digest or basic):
        /// NAME:USER:PASSWORD (repeatable). With none, any push is taken.
        #[arg(long = "camera")]
        cameras: Vec<Camera>,
        /// Seconds within which reads are one passage.
        #[arg(long, default_value_t = 120)]
        window: u64,
        /// A camera that always reads one plate: CAMERA=tractor or
        /// CAMERA=trailer (repeatable; CAMERA as the read names it, or the
        /// configured NAME).
        #[arg(long = "camera-role", value_parser = parse_role)]
        roles: Vec<(String, PlateRole)>,
        /// Also take the files cameras drop into this folder (XML or JSON,
        /// as they would push them); each is removed once spooled.
        #[arg(long)]
        watch_folder: Option<std::path::PathBuf>,
        /// Seconds a dropped file must stay unchanged before it is taken.
        #[arg(long, default_value_t = 2.0)]
        settle: f64,
    },
    /// Attach what is spooled now, then stop.
    Process {
        #[arg(long, default_value_t = 120)]
        window: u64,
    },
    /// Pushes that could not be read, with why (kept as received).
    Refused,
}

fn parse_role(s: &str) -> Result<(String, PlateRole), String> {
    let (camera, role) = s
        .rsplit_once('=')
        .ok_or("expected CAMERA=tractor or CAMERA=trailer")?;
    let role = PlateRole::parse(role).ok_or("the role is tractor or trailer")?;
    Ok((camera.to_string(), role))
}

fn spool_of(data: &Path, v: &Vehicle) -> anyhow::Result<Spool> {
    let dir = data.join("anpr-spool");
    Spool::open_with(&dir, v.seal().clone())
        .with_context(|| format!("opening the ANPR spool {}", dir.display()))
}

fn report(p: &Processed, sink: &mut VehicleSink<'_>) {
    for id in sink.attached.drain(..) {
        say!("read attached to inspection {id}");
    }
    for (id, a) in sink.alerts.drain(..) {
        crate::alert_cmd::print_alert(&id, &a);
    }
    for (push, reason) in &p.refused {
        say!("push {push} refused: {reason}");
    }
}

fn process(v: &mut Vehicle, spool: &Spool, rules: &AttachRules) -> anyhow::Result<Processed> {
    let mut sink = VehicleSink::new(v, rules.clone());
    let p = spool.process(&mut sink)?;
    report(&p, &mut sink);
    Ok(p)
}

fn rules(window: u64, roles: Vec<(String, PlateRole)>) -> AttachRules {
    AttachRules {
        window_ms: i64::try_from(window.saturating_mul(1000)).unwrap_or(i64::MAX),
        camera_roles: roles,
    }
}

pub fn run(v: &mut Vehicle, data: &Path, cmd: AnprCmd) -> anyhow::Result<u8> {
    let spool = spool_of(data, v)?;
    match cmd {
        AnprCmd::Process { window } => {
            let p = process(v, &spool, &rules(window, vec![]))?;
            say!(
                "{} pushes attached, {} refused, {} left pending",
                p.attached,
                p.refused.len(),
                p.deferred
            );
        }
        AnprCmd::Refused => {
            for id in spool.ids(State::Refused)? {
                say!("{id}: {}", spool.reason(&id).unwrap_or_default().trim());
            }
        }
        AnprCmd::Serve {
            listen,
            cameras,
            window,
            roles,
            watch_folder,
            settle,
        } => {
            let rules = rules(window, roles);
            let mut folder = match watch_folder {
                Some(dir) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                    say!("taking the files cameras drop into {}", dir.display());
                    Some(DropFolder::new(
                        &dir,
                        Duration::from_secs_f64(settle.clamp(0.0, 3600.0)),
                    ))
                }
                None => None,
            };
            // What an earlier run left pending (a crash, a power cut) first.
            process(v, &spool, &rules)?;
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let stop = Arc::new(AtomicBool::new(false));
            let (wake_tx, wake_rx) = std::sync::mpsc::channel();
            let signal_stop = stop.clone();
            let signal_wake = wake_tx.clone();
            let (addr, _server) = rt
                .block_on(async {
                    let shutdown = async move {
                        shutdown_signal().await;
                        signal_stop.store(true, Ordering::SeqCst);
                        let _ = signal_wake.send(());
                    };
                    ingest::bind(
                        listen,
                        ingest::router(spool.clone(), cameras, Some(wake_tx)),
                        shutdown,
                    )
                    .await
                })
                .with_context(|| format!("listening on {listen}"))?;
            say!("anpr ingest listening on {addr}");
            while !stop.load(Ordering::SeqCst) {
                let _ = wake_rx.recv_timeout(Duration::from_secs(1));
                if let Some(f) = folder.as_mut() {
                    if let Err(e) =
                        f.poll(&spool, std::time::Instant::now(), kordon_vehicle::now_ms())
                    {
                        tracing::warn!(error = %e, "the drop folder could not be read");
                    }
                }
                if let Err(e) = process(v, &spool, &rules) {
                    tracing::warn!(error = %e, "ANPR processing failed; pushes stay spooled");
                }
            }
            say!("anpr ingest stopped");
        }
    }
    Ok(0)
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
