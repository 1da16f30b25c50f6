//! `kordon`: the vehicle's headless command line.
//!
//! Every command works on one data directory (`--data`, default
//! `$KORDON_DATA` or `./kordon-data`). Writes are attributed to the officer
//! signed in with `kordon signin`, or to `--officer`.
//!
//! Exit codes: 0 success; 1 sync incomplete (records still pending);
//! 2 server unreachable; 3 refused by the server; 4 invalid input;
//! 5 any other failure. `kordon verify`: 0 verified; 4 refused; 2 no
//! server key pinned (give `--server-key`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use kordon_model::{InspectionId, Location, NewDecision, NewInspection, Outcome, ReasonCode};
use kordon_store::Query;
use kordon_vehicle::{now_ms, SyncOptions, Vehicle, VehicleError};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `println!` that ends the process quietly when stdout is closed (e.g.
/// piped into `head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod alert_cmd;
mod anpr_cmd;
mod scan_cmd;
mod training_cmd;

#[derive(Parser, Debug)]
#[command(
    name = "kordon",
    version,
    about = "Kordon vehicle field kit (headless)"
)]
struct Cli {
    /// Vehicle data directory.
    #[arg(
        long,
        global = true,
        env = "KORDON_DATA",
        default_value = "kordon-data"
    )]
    data: PathBuf,
    /// Officer making this change (overrides the one signed in).
    #[arg(long, global = true, env = "KORDON_OFFICER")]
    officer: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum OfficerCmd {
    /// Give OFFICER a key to this vehicle's data under their PIN
    /// (--new-pin or KORDON_NEW_PIN). One who holds a key already is
    /// refused.
    Add {
        #[arg(value_name = "OFFICER")]
        who: String,
        #[arg(long, env = "KORDON_NEW_PIN", hide_env_values = true)]
        new_pin: String,
    },
    /// Remove OFFICER's key: their PIN opens nothing here from now on. The
    /// last key stays.
    Remove {
        #[arg(value_name = "OFFICER")]
        who: String,
    },
    /// Officers who hold a key here.
    List,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Store the enrollment token from the server; completes on the next sync.
    Enroll { token: String },
    /// Sign an officer in on this device. With a PIN (or `KORDON_PIN`), the
    /// first sign-in sets the officer's PIN and later ones must match it; an
    /// officer who has a PIN here cannot sign in without it.
    Signin {
        #[arg(value_name = "OFFICER")]
        who: String,
        #[arg(long, env = "KORDON_PIN", hide_env_values = true)]
        pin: Option<String>,
    },
    /// Sign the current officer out.
    Signout,
    /// Encrypt this vehicle's data in place (or create it encrypted), with
    /// the officer's (--officer or KORDON_OFFICER) key slot first under
    /// their PIN (--pin or KORDON_PIN). Safe to cut at any instant: run it
    /// again, or unlock, and it finishes. From then on every command needs
    /// an officer who holds a key here and their PIN (KORDON_PIN).
    Encrypt {
        #[arg(long, env = "KORDON_PIN", hide_env_values = true)]
        pin: Option<String>,
    },
    /// Rotate the data key: everything re-encrypted under a new one, so a
    /// key read before (through a PIN since removed) opens nothing. Stop
    /// the app first. Afterwards only this officer (--officer or
    /// KORDON_OFFICER, PIN from KORDON_PIN) holds a key; the others get
    /// theirs at their next sign-in on the unlocked vehicle, or by `kordon
    /// officer add`. Safe to cut: run it again, or unlock, and it finishes.
    Rekey,
    /// Check that the officer (--officer or KORDON_OFFICER) and their PIN
    /// (KORDON_PIN) open this vehicle's encrypted data, and say who holds
    /// a key here.
    Unlock,
    /// Officers' keys to this vehicle's encrypted data.
    #[command(subcommand)]
    Officer(OfficerCmd),
    /// Create, show or list inspections.
    #[command(subcommand)]
    Inspection(InspectionCmd),
    /// Record a decision on an inspection (append-only).
    Decide {
        id: InspectionId,
        /// release, physical_inspection, detain or refer.
        #[arg(long)]
        outcome: String,
        /// Reason code (repeatable), e.g. DENSITY_ANOMALY.
        #[arg(long = "reason")]
        reasons: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Replace an inspection's notes.
    Notes { id: InspectionId, text: String },
    /// Import scans, render their tiles, make synthetic ones.
    #[command(subcommand)]
    Scan(scan_cmd::ScanCmd),
    /// Import the scans a scanner drops into FOLDER, each file once (also
    /// across restarts), once it is complete. `NAME_high.EXT` and
    /// `NAME_low.EXT` make one dual-energy scan.
    Watch {
        folder: PathBuf,
        /// Attach to this inspection (default: the newest undecided one).
        #[arg(long)]
        inspection: Option<InspectionId>,
        /// Seconds a file must stay unchanged before it is taken.
        #[arg(long, default_value_t = 2.0)]
        settle: f64,
        /// Seconds between looks at the folder.
        #[arg(long, default_value_t = 1.0)]
        poll: f64,
        /// Seconds half of a dual-energy pair waits for the other half.
        #[arg(long, default_value_t = 60.0)]
        pair_timeout: f64,
        #[arg(long)]
        scanner: Option<String>,
        #[arg(long)]
        pixel_mm: Option<f64>,
        /// Import what is there now, then stop.
        #[arg(long)]
        once: bool,
    },
    /// Sync with the server. One pass by default; exit 0 only if every
    /// record was acknowledged.
    Sync {
        /// Keep syncing: retry with backoff until everything is acknowledged
        /// or this many seconds have passed.
        #[arg(long)]
        retry_for: Option<u64>,
        /// Stay running and sync every N seconds (with backoff on failure).
        #[arg(long)]
        watch: Option<u64>,
        /// Stay running and sync as the crew's app does: hold the
        /// connection, show each change of the link within a second, sync
        /// at once when it returns and every 15 s while it is up. One line
        /// per update: before and after each pass, and at each change of
        /// the link (with --json, a JSON object per line).
        #[arg(long, conflicts_with_all = ["watch", "retry_for"])]
        live: bool,
        #[arg(long, default_value_t = 10)]
        connect_timeout: u64,
        /// Records per upload batch.
        #[arg(long, default_value_t = 256)]
        batch_size: usize,
        /// Upload batches in flight at once.
        #[arg(long, default_value_t = 8)]
        window: usize,
        /// Offer every record again, acknowledged or not (after the server
        /// was restored from an older backup); duplicates are harmless.
        #[arg(long)]
        full: bool,
        /// Records only: leave scan blobs for a later sync.
        #[arg(long)]
        no_blobs: bool,
        /// Cap on the bandwidth scan blobs may use, e.g. `2mbit`, `512kbit`
        /// or bits per second.
        #[arg(long)]
        max_rate: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Device, enrollment and sync state.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Check the data folder after a crash or a power cut: records,
    /// signatures, receipts, derived rows, every scan file hashed again.
    /// Exit 0 when sound, 7 with the findings listed.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Write an inspection's signed records and receipts to a file.
    Export {
        id: InspectionId,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an export file offline against a pinned server key:
    /// signatures, the signers' register, receipts and inclusion proofs,
    /// completeness against the server's statement, reconstruction.
    Verify {
        file: PathBuf,
        /// The server's public key (hex, as `kordon-server init` prints
        /// it). Default: the key this vehicle (`--data`) was enrolled with.
        #[arg(long)]
        server_key: Option<String>,
        /// Evidence mode: refuse records the server has not acknowledged
        /// or that its record-set statement does not cover.
        #[arg(long)]
        evidence: bool,
        #[arg(long)]
        json: bool,
    },
    /// The whole Automerge document of an inspection as JSON, with heads.
    Document { id: InspectionId },
    /// ANPR cameras: the endpoint they push to, the spool, refused pushes.
    #[command(subcommand)]
    Anpr(anpr_cmd::AnprCmd),
    /// Hotlist alerts: list them, record the crew's response.
    #[command(subcommand)]
    Alert(alert_cmd::AlertCmd),
    /// A camera's read on an inspection: correct it, or detach it.
    #[command(subcommand)]
    Read(alert_cmd::ReadCmd),
    /// The hotlists this vehicle holds, as the server last sent them.
    Hotlists {
        #[arg(long)]
        json: bool,
    },
    /// Threat image projection exercises for trainers: build one from
    /// scans, score a trainee's answers.
    #[command(subcommand)]
    Training(training_cmd::TrainingCmd),
    /// Print synthetic trucks arriving at a crossing (plates in Ukrainian
    /// and EU formats, container codes, declarations, what the scanner will
    /// see), deterministic from the seed. Creates nothing.
    Trucks {
        #[arg(long, default_value_t = 10)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Create synthetic inspections (with decisions) for demos and training.
    Generate {
        #[arg(long, default_value_t = 10)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
enum InspectionCmd {
    /// Open a new inspection; prints its id.
    New {
        /// Tractor (truck) plate, Cyrillic or Latin.
        #[arg(long)]
        plate: String,
        #[arg(long)]
        trailer: Option<String>,
        /// ISO 6346 container code (repeatable); the check digit is verified.
        #[arg(long = "container")]
        containers: Vec<String>,
        #[arg(long)]
        declaration: Option<String>,
        /// Unit (defaults to the enrolled unit).
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, default_value = "")]
        notes: String,
        #[arg(long)]
        place: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        lat: Option<f64>,
        #[arg(long, allow_hyphen_values = true)]
        lon: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Show one inspection.
    Show { id: InspectionId },
    /// List inspections, newest first.
    List {
        #[arg(long)]
        plate: Option<String>,
        #[arg(long)]
        container: Option<String>,
        /// UTC day, YYYY-MM-DD.
        #[arg(long)]
        day: Option<String>,
        /// Current outcome, or `none` for undecided.
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long)]
        json: bool,
    },
}

fn exit_code(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<VehicleError>().map(VehicleError::code) {
        Some("unreachable" | "server_unavailable") => 2,
        Some("refused" | "revoked" | "wiped") => 3,
        Some("invalid_input" | "bad_token" | "not_signed_in" | "not_enrolled" | "not_found") => 4,
        Some("server_log") => 6,
        _ => 5,
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KORDON_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("kordon: {e:#}");
            ExitCode::from(exit_code(&e))
        }
    }
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    say!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// `kordon verify FILE`: checks an export offline. Reads the data folder
/// only for the pinned server key, and never creates it.
fn verify_file(
    file: &std::path::Path,
    data: &std::path::Path,
    server_key: Option<&str>,
    evidence: bool,
    json: bool,
) -> anyhow::Result<u8> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let pinned = match server_key {
        Some(k) => Some(
            k.parse::<kordon_record::PublicKey>()
                .map_err(|e| anyhow::anyhow!("--server-key {k:?}: {e}"))?,
        ),
        None => {
            let officer = std::env::var("KORDON_OFFICER").ok();
            let pin = std::env::var("KORDON_PIN").ok();
            Vehicle::enrolled_server_key(data, officer.as_deref().zip(pin.as_deref()))
        }
    };
    let opts = kordon_vehicle::VerifyOptions {
        server_key: pinned,
        evidence,
    };
    // An export, or an evidence bundle (a zip) holding one with its scans.
    let verdict = kordon_evidence::verify_any_bytes(&bytes, &opts);
    if json {
        print_json(&verdict)?;
    } else {
        say!(
            "records {}  signatures valid {}  in the server's log {}  receipts valid {}  rebuilds the inspection: {}",
            verdict.records,
            verdict.signatures_valid,
            verdict.proofs_valid,
            verdict.receipts_valid,
            if verdict.view_matches { "yes" } else { "NO" }
        );
        if let Some(n) = verdict.scan_files {
            say!("scan files matching their signed BLAKE3 hashes: {n}");
        }
        if let Some(k) = pinned {
            say!("server key pinned: {k}");
        }
        if let (Some(covered), Some(size), Some(at)) = (
            verdict.covered,
            verdict.record_set_log_size,
            verdict.record_set_at_ms,
        ) {
            say!(
                "complete as of the server's statement at log size {size} ({}): {covered} records",
                format_ms(at)
            );
        }
        for w in &verdict.warnings {
            say!("warning: {w}");
        }
        for p in &verdict.problems {
            say!("problem: {p}");
        }
    }
    Ok(match (pinned, verdict.ok()) {
        (None, _) => 2,
        (Some(_), true) => 0,
        (Some(_), false) => 4,
    })
}

/// Opens the data folder: an encrypted one with an officer's PIN (the one
/// signing in, or --officer / KORDON_OFFICER with KORDON_PIN).
fn open_vehicle(cli: &Cli) -> Result<Vehicle, VehicleError> {
    if !Vehicle::is_encrypted(&cli.data) {
        if matches!(cli.command, Command::Unlock | Command::Officer(_)) {
            return Err(VehicleError::Invalid(
                "this vehicle's data is not encrypted: run `kordon encrypt` first".into(),
            ));
        }
        return Vehicle::open(&cli.data);
    }
    let (officer, pin) = match &cli.command {
        Command::Signin {
            who,
            pin: Some(pin),
        } => (who.clone(), pin.clone()),
        _ => match (cli.officer.clone(), std::env::var("KORDON_PIN").ok()) {
            (Some(officer), Some(pin)) => (officer, pin),
            _ => {
                return Err(VehicleError::Invalid(
                    "this vehicle's data is encrypted: name an officer who holds a key \
                     (--officer or KORDON_OFFICER) and give their PIN (KORDON_PIN)"
                        .into(),
                ))
            }
        },
    };
    Vehicle::unlock(&cli.data, &officer, &pin)
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let cli = match cli.command {
        // Files in, files out: no data folder.
        Command::Training(cmd) if !cmd.needs_vehicle() => return training_cmd::run(cmd),
        command => Cli { command, ..cli },
    };
    // Commands that only read or write their own files: no data folder is
    // opened (or created) for them.
    match &cli.command {
        Command::Verify {
            file,
            server_key,
            evidence,
            json,
        } => {
            return verify_file(file, &cli.data, server_key.as_deref(), *evidence, *json);
        }
        Command::Scan(cmd @ scan_cmd::ScanCmd::Synth { .. }) => {
            scan_cmd::synth_cmd(cmd)?;
            return Ok(0);
        }
        Command::Trucks { count, seed, json } => {
            let trucks = kordon_vehicle::synthetic::trucks(*count, *seed);
            if *json {
                print_json(&trucks)?;
            } else {
                for t in &trucks {
                    say!(
                        "{:>3}  {}  {:<10} {:<10} {:<9} {:<12} {}{}",
                        t.number,
                        t.country,
                        t.tractor_plate,
                        t.trailer_plate.as_deref().unwrap_or("-"),
                        t.kind,
                        t.containers.first().map_or("-", String::as_str),
                        t.declared_goods,
                        if t.concealed {
                            "  (hides something)"
                        } else {
                            ""
                        }
                    );
                }
            }
            return Ok(0);
        }
        _ => {}
    }
    if let Command::Encrypt { pin } = &cli.command {
        let officer = cli
            .officer
            .as_deref()
            .context("name the officer whose key comes first: --officer or KORDON_OFFICER")?;
        let pin = pin
            .as_deref()
            .context("give that officer's PIN: --pin or KORDON_PIN")?;
        let done = Vehicle::encrypt(&cli.data, officer, pin)
            .with_context(|| format!("encrypting vehicle data {}", cli.data.display()))?;
        if done.already {
            say!(
                "vehicle data {} was encrypted already; {officer}'s PIN opens it",
                cli.data.display()
            );
            return Ok(0);
        }
        say!(
            "vehicle data {} is encrypted{}: {} files sealed{}; it opens with {officer}'s PIN",
            cli.data.display(),
            if done.resumed {
                " (an earlier run was finished)"
            } else {
                ""
            },
            done.files,
            if done.database {
                ", database encrypted"
            } else {
                ""
            },
        );
        return Ok(0);
    }
    if let Command::Rekey = &cli.command {
        let officer = cli
            .officer
            .as_deref()
            .context("name the officer who rotates the key: --officer or KORDON_OFFICER")?;
        let pin = std::env::var("KORDON_PIN").context("give that officer's PIN: KORDON_PIN")?;
        let done = Vehicle::rekey(&cli.data, officer, &pin)
            .with_context(|| format!("rotating the data key of {}", cli.data.display()))?;
        say!(
            "the data key of {} is new{}: {} files sealed again; only {officer} holds a key now",
            cli.data.display(),
            if done.resumed {
                " (an earlier run was finished)"
            } else {
                ""
            },
            done.files
        );
        return Ok(0);
    }
    let mut v = open_vehicle(&cli)
        .with_context(|| format!("opening vehicle data {}", cli.data.display()))?;
    let officer = || v.acting_officer(cli.officer.as_deref());
    match cli.command {
        Command::Enroll { token } => {
            let t = v.enroll(&token)?;
            say!(
                "enrollment stored for unit {} (server {}); it completes on the next sync",
                t.unit,
                t.addr
            );
        }
        Command::Signin { who: officer, pin } => {
            let id = kordon_model::OfficerId::new(&officer).map_err(VehicleError::Invalid)?;
            match pin {
                Some(pin) => {
                    let how = v.sign_in_with_pin(&officer, &pin, now_ms())?;
                    if how == kordon_vehicle::SignIn::PinSet {
                        say!("PIN set for {id}");
                    }
                }
                None if v.has_pin(&id)? => {
                    return Err(VehicleError::Invalid(format!(
                        "officer {id} has a PIN on this vehicle: pass --pin (or set KORDON_PIN)"
                    ))
                    .into())
                }
                None => {
                    v.sign_in(&officer)?;
                }
            }
            say!("signed in: {id}");
        }
        Command::Signout => {
            v.sign_out()?;
            say!("signed out");
        }
        Command::Encrypt { .. } | Command::Rekey => {}
        Command::Unlock => {
            let (names, slots) = v.key_holders()?;
            say!(
                "unlocked; {slots} officer key(s) here{}; {}",
                if names.is_empty() {
                    String::new()
                } else {
                    format!(", known: {}", names.join(", "))
                },
                match v.machine_binding().as_deref() {
                    Some("tpm2") => "bound to this machine's TPM",
                    Some(_) => "bound to this machine's keyring (it has no TPM)",
                    None => "not bound to a machine (made where neither a TPM nor a keyring answered; `kordon rekey` binds them where one does)",
                }
            );
        }
        Command::Officer(cmd) => match cmd {
            OfficerCmd::Add { who, new_pin } => {
                v.add_officer(&who, &new_pin)?;
                say!("{who} holds a key to this vehicle's data");
            }
            OfficerCmd::Remove { who } => {
                v.remove_officer(&who)?;
                say!("{who}'s key is removed: their PIN opens nothing here");
            }
            OfficerCmd::List => {
                let (names, slots) = v.key_holders()?;
                for n in &names {
                    say!("{n}");
                }
                if names.len() < slots {
                    say!(
                        "({} more key(s) of officers not seen here)",
                        slots - names.len()
                    );
                }
            }
        },
        Command::Inspection(InspectionCmd::New {
            plate,
            trailer,
            containers,
            declaration,
            unit,
            notes,
            place,
            lat,
            lon,
            json,
        }) => {
            let officer = officer()?;
            let unit = match unit {
                Some(u) => u,
                None => v.status()?.unit.ok_or_else(|| {
                    VehicleError::Invalid("no unit: enroll this vehicle or pass --unit".into())
                })?,
            };
            let input = NewInspection {
                tractor_plate: plate,
                trailer_plate: trailer,
                containers,
                declaration,
                unit,
                crew: vec![officer.to_string()],
                location: Location { place, lat, lon },
                notes,
            };
            let view = v.create_inspection(&input, &officer, now_ms())?;
            if json {
                print_json(&view)?;
            } else {
                say!("{}", view.id);
            }
        }
        Command::Inspection(InspectionCmd::Show { id }) => print_json(&v.show(id)?)?,
        Command::Inspection(InspectionCmd::List {
            plate,
            container,
            day,
            outcome,
            limit,
            json,
        }) => {
            let rows = v.list(&Query {
                plate,
                container,
                day,
                outcome,
                plate_key: None,
                limit,
            })?;
            if json {
                print_json(&rows)?;
            } else {
                for r in rows {
                    let (plate, outcome) = (r.view.plate_label(), r.view.outcome_label());
                    say!(
                        "{}  {:<12} {:<20} decisions={} reviews={}",
                        r.view.id,
                        plate,
                        outcome,
                        r.view.decisions.len(),
                        r.view.reviews.len()
                    );
                }
            }
        }
        Command::Decide {
            id,
            outcome,
            reasons,
            note,
        } => {
            let officer = officer()?;
            let outcome: Outcome = outcome.parse().map_err(VehicleError::Invalid)?;
            let reasons = reasons
                .iter()
                .map(|r| ReasonCode::new(r))
                .collect::<Result<Vec<_>, _>>()
                .map_err(VehicleError::Invalid)?;
            let view = v.decide(
                id,
                &NewDecision {
                    outcome,
                    reasons,
                    note,
                },
                &officer,
                now_ms(),
            )?;
            say!(
                "{}: {} ({} decisions)",
                id,
                outcome.as_str(),
                view.decisions.len()
            );
        }
        Command::Scan(cmd) => return scan_cmd::run_scan(&mut v, cmd, cli.officer.as_deref()),
        Command::Watch {
            folder,
            inspection,
            settle,
            poll,
            pair_timeout,
            scanner,
            pixel_mm,
            once,
        } => {
            let secs = |s: f64| Duration::from_secs_f64(s.clamp(0.0, 86_400.0));
            let opts = kordon_vehicle::WatchOptions {
                inspection,
                settle: secs(settle),
                pair_timeout: secs(pair_timeout),
                details: kordon_vehicle::ScanDetails {
                    scanner,
                    captured_ms: None,
                    pixel_mm,
                },
            };
            return scan_cmd::run_watch(
                &mut v,
                folder,
                opts,
                cli.officer.as_deref(),
                secs(poll),
                once,
            );
        }
        Command::Notes { id, text } => {
            let officer = officer()?;
            v.set_notes(id, &text, &officer, now_ms())?;
            say!("{id}: notes saved");
        }
        Command::Sync {
            retry_for,
            watch,
            live,
            connect_timeout,
            batch_size,
            window,
            full,
            no_blobs,
            max_rate,
            json,
        } => {
            let max_rate_bps = max_rate.as_deref().map(parse_rate).transpose()?;
            if full {
                let n = v.resync_everything()?;
                eprintln!("kordon: offering every record again ({n} acknowledged ones re-queued)");
            }
            let opts = SyncOptions {
                connect_timeout: Duration::from_secs(connect_timeout),
                batch_size: batch_size.max(1),
                window: window.max(1),
                blobs: !no_blobs,
                max_rate_bps,
                ..Default::default()
            };
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            if live {
                rt.block_on(sync_live(&mut v, &opts, json));
                return Ok(0);
            }
            return rt.block_on(sync_command(&mut v, &opts, retry_for, watch, json));
        }
        Command::Check { json } => {
            let report = v.check()?;
            if json {
                print_json(&report)?;
            } else {
                say!("{report}");
            }
            return Ok(if report.is_sound() { 0 } else { 7 });
        }
        Command::Status { json } => {
            let s = v.status()?;
            if json {
                print_json(&s)?;
            } else {
                say!("device       {}", s.device);
                say!("unit         {}", s.unit.as_deref().unwrap_or("-"));
                say!(
                    "enrolled     {}",
                    if s.enrolled {
                        "yes"
                    } else {
                        "not yet (completes on next sync)"
                    }
                );
                say!("server       {}", s.server.as_deref().unwrap_or("-"));
                say!(
                    "officer      {}",
                    s.officer.as_deref().unwrap_or("(nobody signed in)")
                );
                say!("inspections  {}", s.inspections);
                say!("pending      {}", s.pending);
                say!("acknowledged {}", s.acknowledged);
                say!("received     {}", s.received);
                say!("rejected     {}", s.rejected);
                say!(
                    "scans        {} pending ({} to send, {} sent), {} delivered",
                    s.blobs.pending,
                    bytes_label(s.blobs.bytes_pending),
                    bytes_label(s.blobs.bytes_done),
                    s.blobs.delivered
                );
                say!(
                    "last sync    {}",
                    s.last_sync_ms
                        .map(format_ms)
                        .unwrap_or_else(|| "never".into())
                );
                if let Some(d) = s.disk {
                    say!(
                        "disk         {} free of {}{}",
                        bytes_label(d.free_bytes),
                        bytes_label(d.total_bytes),
                        if d.low {
                            " (LOW: free space, or new records and scans cannot be saved)"
                        } else {
                            ""
                        }
                    );
                }
                if let Some(e) = s.last_error {
                    say!("last error   {e}");
                }
            }
        }
        Command::Export { id, out } => {
            let file = v.export(id, now_ms())?;
            let json = serde_json::to_vec_pretty(&file)?;
            std::fs::write(&out, json).with_context(|| format!("writing {}", out.display()))?;
            let acked = file
                .records
                .iter()
                .filter(|r| r.receipt.is_some() || r.log.is_some())
                .count();
            say!(
                "{}: {} records ({} with the server's proof) written to {}",
                id,
                file.records.len(),
                acked,
                out.display()
            );
        }
        Command::Verify {
            file,
            server_key,
            evidence,
            json,
        } => return verify_file(&file, &cli.data, server_key.as_deref(), evidence, json),
        // Answered before the data folder was opened.
        Command::Trucks { .. } => {}
        Command::Training(cmd) => {
            return training_cmd::run_on_vehicle(cmd, &mut v, cli.officer.as_deref())
        }
        Command::Generate { count, seed } => {
            let officer = officer()?;
            let unit = v.status()?.unit.unwrap_or_else(|| "TRAINING".into());
            let ids = v.generate(count, seed, &unit, &officer, now_ms())?;
            say!(
                "created {} synthetic inspections ({} signed records)",
                ids.len(),
                ids.len() * 2
            );
        }
        Command::Anpr(cmd) => return anpr_cmd::run(&mut v, &cli.data, cmd),
        Command::Alert(cmd) => return alert_cmd::alert(&mut v, cmd, cli.officer.as_deref()),
        Command::Read(cmd) => return alert_cmd::read(&mut v, cmd, cli.officer.as_deref()),
        Command::Hotlists { json } => return alert_cmd::hotlists(&v, json),
        Command::Document { id } => {
            let (doc, heads) = v.document(id)?;
            print_json(&serde_json::json!({ "heads": heads, "document": doc }))?;
        }
    }
    Ok(0)
}

/// `2mbit`, `512kbit`, `10mbps`, `1.5M` or plain bits per second.
fn parse_rate(s: &str) -> Result<u64, VehicleError> {
    let t = s.trim().to_ascii_lowercase();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let mult = match unit.trim() {
        "" | "bit" | "bps" => 1.0,
        "k" | "kbit" | "kbps" => 1e3,
        "m" | "mbit" | "mbps" => 1e6,
        "g" | "gbit" | "gbps" => 1e9,
        _ => 0.0,
    };
    match num.parse::<f64>() {
        Ok(n) if mult > 0.0 && n * mult >= 8_000.0 => Ok((n * mult) as u64),
        _ => Err(VehicleError::Invalid(format!(
            "--max-rate {s:?}: expected e.g. 2mbit, 512kbit (at least 8kbit)"
        ))),
    }
}

/// Bytes for people: `12.3 MB`.
fn bytes_label(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} kB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

fn format_ms(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// The first wait before trying again after a failed pass.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between tries: a link that returns is used within
/// this (a try costs a few packets; waiting longer saves nothing).
const LONGEST_RETRY: Duration = Duration::from_secs(15);

/// `kordon sync --live`: the app's background sync, its updates printed,
/// until Ctrl-C or SIGTERM (the server is then told the connection is over).
async fn sync_live(v: &mut Vehicle, opts: &SyncOptions, json: bool) {
    let wake = tokio::sync::Notify::new();
    let print = |u: kordon_vehicle::SyncUpdate| {
        if json {
            match serde_json::to_string(&u) {
                Ok(line) => say!("{line}"),
                Err(e) => eprintln!("kordon: sync: {e}"),
            }
        } else {
            let link = match u.link {
                kordon_vehicle::Link::Online => "online",
                kordon_vehicle::Link::Offline => "offline",
                kordon_vehicle::Link::Syncing => "syncing",
            };
            let error = u
                .error
                .map(|p| format!(" · {}: {}", p.code, p.message))
                .unwrap_or_default();
            say!(
                "{link} · {} records and {} scans pending{error}",
                u.status.pending,
                u.status.blobs.pending
            );
        }
    };
    tokio::select! {
        _ = v.sync_in_background(opts, &wake, print) => {}
        _ = anpr_cmd::shutdown_signal() => {}
    }
    v.drop_connection().await;
}

/// One pass, or passes with exponential backoff (1 s doubling to 15 s).
async fn sync_command(
    v: &mut Vehicle,
    opts: &SyncOptions,
    retry_for: Option<u64>,
    watch: Option<u64>,
    json: bool,
) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let mut backoff = FIRST_RETRY;
    loop {
        let result = v.sync_once(opts).await;
        match &result {
            Ok(r) => {
                if json {
                    print_json(r)?;
                } else {
                    say!(
                        "sync: sent {}, acknowledged {}, received {}, refused {}, pending {}; scans delivered {} ({}), pending {}",
                        r.sent,
                        r.acknowledged,
                        r.received,
                        r.refused.len(),
                        r.pending,
                        r.blobs.delivered,
                        bytes_label(r.blobs.bytes_sent),
                        r.blobs_pending
                    );
                    for (blob, reason) in &r.blobs.declined {
                        say!("server declined scan blob {blob}: {reason}");
                    }
                    for f in &r.refused {
                        say!("refused record {}: {}", f.id, f.reason);
                    }
                }
                backoff = FIRST_RETRY;
            }
            Err(e) if watch.is_some() || retry_for.is_some() => {
                eprintln!("kordon: sync: {e} (will retry)")
            }
            Err(_) => {}
        }
        let done = matches!(&result, Ok(r) if r.complete);
        let refused = matches!(
            &result,
            Err(VehicleError::Refused { .. } | VehicleError::Revoked { .. })
        );
        if let Some(every) = watch {
            let wait = if result.is_ok() {
                Duration::from_secs(every)
            } else {
                backoff
            };
            backoff = (backoff * 2).min(LONGEST_RETRY);
            tokio::time::sleep(wait).await;
            continue;
        }
        let in_time = retry_for.is_some_and(|s| started.elapsed() < Duration::from_secs(s));
        if done || refused || !in_time {
            return match result {
                Ok(r) if r.complete => Ok(0),
                Ok(_) => Ok(1),
                Err(e) => Err(e.into()),
            };
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(LONGEST_RETRY);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
