//! `kordon-server`: the central sync server.
//!
//! Thin wiring over `kordon-central` and `kordon-http`: parse the command,
//! open the data directory, call one operation, print the result. `run`
//! serves QUIC (vehicles) and HTTP (the supervisors' console) until
//! SIGINT/SIGTERM.

use anyhow::Context;
use clap::{Parser, Subcommand};
use kordon_central::accounts::Role;
use kordon_central::admission::Limits;
use kordon_central::{now_ms, Central};
use kordon_model::{InspectionId, NewReview, OfficerId, Outcome, ReasonCode, Verdict};
use kordon_store::Query;
use std::net::SocketAddr;
use std::path::PathBuf;

mod config;
mod journal;

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

#[derive(Parser, Debug)]
#[command(name = "kordon-server", version, about = "Kordon central sync server")]
struct Cli {
    /// Where the records, index, devices and accounts are: PostgreSQL at
    /// postgres://USER@HOST[:PORT]/DATABASE (its schema applied by
    /// `migrate --to`). Without it, where the data folder's server.json
    /// says, else the folder's SQLite file. `run --store` records it in a
    /// new server's folder, so the other commands find it too.
    #[arg(long, global = true, env = "KORDON_STORE", value_name = "postgres://…")]
    store: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// Handles on PostgreSQL the vehicles' sessions share (its pool holds
/// twelve connections per process).
const QUIC_HANDLES_POSTGRES: usize = 8;

/// Opens the server in `data`, its records at `store` when one is given.
fn open(data: &std::path::Path, store: Option<&str>) -> anyhow::Result<Central> {
    Central::open_with(data, store)
        .with_context(|| format!("opening server data {}", data.display()))
}

/// What the sync endpoint lets peers hold (see `kordon_central::admission`).
#[derive(clap::Args, Debug)]
struct SyncLimits {
    /// Most connections held at once, vehicles and callers not yet known.
    #[arg(long, default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Most connections waiting to authenticate, in all; the oldest is
    /// dropped to make room for a new one.
    #[arg(long, default_value_t = Limits::default().max_pending)]
    max_pending: usize,
    /// Most connections waiting to authenticate from one address.
    #[arg(long, default_value_t = Limits::default().max_pending_per_address)]
    max_pending_per_address: usize,
    /// Most connections from one address (vehicles behind one NAT share it).
    #[arg(long, default_value_t = Limits::default().max_per_address)]
    max_per_address: usize,
    /// Most connections of one device; its newest replaces its oldest.
    #[arg(long, default_value_t = Limits::default().max_per_device)]
    max_per_device: usize,
    /// New connections one address may open at once ...
    #[arg(long, default_value_t = Limits::default().new_per_address_burst)]
    new_per_address_burst: u32,
    /// ... and then a minute.
    #[arg(long, default_value_t = Limits::default().new_per_address_per_min)]
    new_per_address_per_min: u32,
    /// Seconds a connection has, from its first packet, to authenticate.
    #[arg(long, default_value_t = Limits::default().auth_timeout.as_secs_f64())]
    auth_timeout_secs: f64,
    /// MiB held in messages still arriving, over all vehicles.
    #[arg(long, default_value_t = Limits::default().partial_budget >> 20)]
    partial_budget_mib: usize,
    /// Seconds any message may take; after that it must keep
    /// --min-message-rate.
    #[arg(long, default_value_t = Limits::default().message_grace.as_secs_f64())]
    message_grace_secs: f64,
    /// Bytes a second a message must average once its grace is over.
    #[arg(long, default_value_t = Limits::default().min_message_rate)]
    min_message_rate: u64,
}

/// A positive number of seconds, at most a day.
fn seconds(what: &str, s: f64) -> anyhow::Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero() && d.as_secs() <= 86_400)
        .with_context(|| {
            format!("--{what} must be a number of seconds above 0 and at most 86400, not {s}")
        })
}

impl TryFrom<SyncLimits> for Limits {
    type Error = anyhow::Error;

    fn try_from(l: SyncLimits) -> anyhow::Result<Limits> {
        Ok(Limits {
            max_connections: l.max_connections,
            max_pending: l.max_pending,
            max_pending_per_address: l.max_pending_per_address,
            max_per_address: l.max_per_address,
            max_per_device: l.max_per_device,
            new_per_address_burst: l.new_per_address_burst,
            new_per_address_per_min: l.new_per_address_per_min,
            auth_timeout: seconds("auth-timeout-secs", l.auth_timeout_secs)?,
            partial_budget: l.partial_budget_mib.saturating_mul(1 << 20),
            message_grace: seconds("message-grace-secs", l.message_grace_secs)?,
            min_message_rate: l.min_message_rate,
        })
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The transparency log: checkpoints and proofs for third parties.
    Log {
        /// The server data directory (before or after the subcommand).
        #[arg(long, global = true)]
        data: Option<PathBuf>,
        #[command(subcommand)]
        command: log_cmd::LogCommand,
    },
    /// Hotlists and risk profiles, sent down to the vehicles.
    Hotlist {
        /// The server data directory (before or after the subcommand).
        #[arg(long, global = true)]
        data: Option<PathBuf>,
        #[command(subcommand)]
        command: hotlist_cmd::HotlistCommand,
    },
    /// Create a server data directory (key, certificate, database).
    Init {
        #[arg(long)]
        data: PathBuf,
        /// Address vehicles will use to reach this server (host:port),
        /// written into enrollment tokens. Give it more than once (or
        /// comma-separated) for a server reached several ways: vehicles
        /// try the addresses in turn, in this order until one has
        /// answered, then that one first.
        #[arg(long, default_value = "127.0.0.1:4433", value_delimiter = ',')]
        public_addr: Vec<String>,
        /// Keep scan blobs in S3-compatible object storage at
        /// s3://BUCKET/PREFIX instead of the data folder's blobs/ (endpoint
        /// and credentials from AWS_ENDPOINT_URL, AWS_REGION,
        /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
        #[arg(long, value_name = "s3://BUCKET/PREFIX")]
        blobs: Option<String>,
    },
    /// Serve vehicles over QUIC and the supervisors' console over HTTP.
    Run {
        /// A TOML file with these settings (see packaging/server.toml); an
        /// option given here wins over the file.
        #[arg(long, env = "KORDON_CONFIG", value_name = "FILE")]
        config: Option<PathBuf>,
        /// The server's data folder (or `data` in the config file).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Scan blobs in S3-compatible object storage at s3://BUCKET/PREFIX
        /// (as `init --blobs`); recorded in the data folder, so the other
        /// commands find them too.
        #[arg(long, value_name = "s3://BUCKET/PREFIX")]
        blobs: Option<String>,
        #[arg(long, default_value = "0.0.0.0:4433")]
        listen: SocketAddr,
        /// Address of the console and its API.
        #[arg(long, default_value = "127.0.0.1:8080")]
        http: SocketAddr,
        /// TLS certificate chain (PEM) for the console; with --tls-key.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM) for the console; with --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve the console without TLS on an address other than loopback
        /// (passwords and sessions then cross the network in clear).
        #[arg(long)]
        insecure_http: bool,
        /// Logs as JSON lines (for log shippers); the same as `--log json`.
        #[arg(long)]
        log_json: bool,
        /// How logs are written to stderr: `text`, `json`, or `journald`
        /// (no timestamps, each line with its syslog priority, which the
        /// journal reads). Default: journald when run by systemd with
        /// stderr to the journal, else text.
        #[arg(long, value_enum)]
        log: Option<LogFormat>,
        /// Also serve GET /metrics (Prometheus text format) on this address,
        /// without a session, for Prometheus to scrape: loopback or a
        /// monitoring network. Administrators can read it on --http too.
        #[arg(long, value_name = "ADDR")]
        metrics: Option<SocketAddr>,
        #[command(flatten)]
        limits: SyncLimits,
    },
    /// Console accounts: supervisors, administrators, auditors.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create a one-time enrollment token for a unit; prints the token.
    Enroll {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        name: String,
        /// Address to put in the token (default: those given at init);
        /// more than once (or comma-separated): the vehicle tries them in
        /// turn.
        #[arg(long, value_delimiter = ',')]
        addr: Vec<String>,
        #[arg(long, default_value_t = 72)]
        ttl_hours: u32,
        /// Also write the token as a QR code (SVG) to this file, for the
        /// crew's app to read in Settings.
        #[arg(long, value_name = "FILE")]
        qr: Option<PathBuf>,
    },
    /// Revoke every device of a unit (--name), or one device (--device):
    /// refused at their next connection, told the reason.
    Revoke {
        #[arg(long)]
        data: PathBuf,
        /// The unit whose devices are revoked.
        #[arg(long, required_unless_present = "device", conflicts_with = "device")]
        name: Option<String>,
        /// One device, by its key (64 hex digits, or a prefix of 8 or more).
        #[arg(long)]
        device: Option<String>,
        /// Why: the vehicle's crew is told this at its next connection.
        #[arg(long, default_value = "")]
        reason: String,
        /// Also destroy the vehicle's data: at its next connection it is
        /// told, states what it still held unsent (counts, not content; see
        /// `devices`), and erases its keys, so nothing on it decrypts any
        /// more. What the server acknowledged is safe here.
        #[arg(long)]
        wipe: bool,
    },
    /// Write the evidence bundle of one inspection: a zip with its signed
    /// records and proofs, the original scan files, overviews with the
    /// marks, and a README on checking it (`kordon verify FILE`).
    Bundle {
        #[arg(long)]
        data: PathBuf,
        /// The inspection's id.
        id: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check the data folder after a crash or a power cut: records,
    /// receipts, derived rows, the transparency log, every scan file
    /// hashed again. Exit 0 when sound, 1 with the findings listed.
    Check {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List enrolled devices.
    Devices {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List inspections that reached the server.
    Inspections {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        plate: Option<String>,
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long)]
        day: Option<String>,
    },
    /// Record a supervisor's review of an inspection (flows to the vehicle).
    Review {
        #[arg(long)]
        data: PathBuf,
        id: InspectionId,
        /// agree, overrule or return.
        #[arg(long)]
        verdict: String,
        /// The outcome that replaces the crew's (overrule only).
        #[arg(long)]
        outcome: Option<String>,
        /// Reason codes of an overrule (repeat or separate with commas).
        #[arg(long, value_delimiter = ',')]
        reason: Vec<String>,
        #[arg(long, default_value = "")]
        comment: String,
        #[arg(long)]
        supervisor: String,
    },
    /// The whole Automerge document of an inspection as JSON, with heads.
    Document {
        #[arg(long)]
        data: PathBuf,
        id: InspectionId,
    },
    /// Copy the data folder to OUT while the server runs: its key and
    /// certificate, one consistent snapshot of the database, and every scan
    /// file checked against its hash. Into an earlier backup of the same
    /// server, only the new scan files are copied. Restore: docs/operations.md.
    Backup {
        #[arg(long)]
        data: PathBuf,
        /// The backup folder, made if missing (best on another disk).
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Scan blobs received, newest first, with what the link cost.
    Blobs {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Refused records and connections, newest first.
    Rejections {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Bring a PostgreSQL database to this version's schema: each version
    /// it lacks, in order, once (several servers migrating at once take
    /// turns). A database made by a newer Kordon is refused, untouched.
    /// With --from, then move a server's storage from its data folder into
    /// it (it must be empty) and check every record, the log's heads,
    /// checkpoints, devices, accounts and audit trail after the move.
    Migrate {
        /// The database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.
        #[arg(long, env = "KORDON_STORE", value_name = "postgres://…")]
        to: String,
        /// The data folder of the server to move (stop it first: what it
        /// accepts after the move's snapshot is not moved).
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
        /// Print the move's summary as JSON.
        #[arg(long)]
        json: bool,
        /// With --from: move nothing, only check that the database holds
        /// what the data folder holds (after a move).
        #[arg(long, requires = "from")]
        check: bool,
    },
}

mod hotlist_cmd;
mod log_cmd;

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add an account. The password comes from --password-file, or
    /// KORDON_PASSWORD, or is asked for.
    Add {
        #[arg(long)]
        data: PathBuf,
        name: String,
        /// supervisor, administrator, auditor or trainer.
        #[arg(long)]
        role: String,
        /// A file whose first line is the password.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List accounts.
    List {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        #[arg(long)]
        data: PathBuf,
        name: String,
    },
    /// Set a new password (as for `add`); the account's sessions end.
    Passwd {
        #[arg(long)]
        data: PathBuf,
        name: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

/// A password from a file's first line, `KORDON_PASSWORD`, or the
/// terminal (asked twice, not echoed).
fn password(file: Option<&PathBuf>) -> anyhow::Result<String> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the password from {}", path.display()))?;
        return Ok(text.lines().next().unwrap_or_default().to_string());
    }
    if let Ok(p) = std::env::var("KORDON_PASSWORD") {
        return Ok(p);
    }
    let first = rpassword::prompt_password("password: ").context("reading the password")?;
    let again = rpassword::prompt_password("again: ").context("reading the password")?;
    anyhow::ensure!(
        first == again,
        "the two passwords differ; nothing was changed"
    );
    Ok(first)
}

fn user_command(command: UserCommand, store: Option<&str>) -> anyhow::Result<()> {
    let open = |data: &PathBuf| open(data, store);
    match command {
        UserCommand::Add {
            data,
            name,
            role,
            password_file,
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let c = open(&data)?;
            c.user_add(&name, role, &password(password_file.as_ref())?, now_ms())?;
            say!("account {name} added ({role})");
        }
        UserCommand::List { data, json } => {
            let users = open(&data)?.users()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                for u in users {
                    let state = if u.disabled_ms.is_some() {
                        "disabled"
                    } else {
                        "active"
                    };
                    say!("{:<24} {:<14} {}", u.name, u.role.as_str(), state);
                }
            }
        }
        UserCommand::Disable { data, name } => {
            open(&data)?.user_disable(&name, now_ms())?;
            say!("account {name} disabled; its sessions ended");
        }
        UserCommand::Passwd {
            data,
            name,
            password_file,
        } => {
            open(&data)?.user_passwd(&name, &password(password_file.as_ref())?, now_ms())?;
            say!("password of {name} changed; its sessions ended");
        }
    }
    Ok(())
}

/// How `run` writes its logs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
    Journald,
}

/// The command line, with `run --config FILE`'s settings added as the
/// options they stand for.
fn parse_cli() -> anyhow::Result<Cli> {
    use clap::{CommandFactory, FromArgMatches};
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let matches = Cli::command().get_matches_from(&args);
    if let Some(("run", run)) = matches.subcommand() {
        if let Some(path) = run.get_one::<PathBuf>("config") {
            args.extend(config::extra_args::<Cli>(path, run)?);
            return Ok(Cli::parse_from(args));
        }
    }
    Ok(Cli::from_arg_matches(&matches)?)
}

fn main() -> std::process::ExitCode {
    match parse_cli().and_then(run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kordon-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let format = match cli.command {
        Command::Run { log: Some(f), .. } => f,
        Command::Run { log_json: true, .. } => LogFormat::Json,
        _ if journal::stderr_is_the_journal() => LogFormat::Journald,
        _ => LogFormat::Text,
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("KORDON_LOG").unwrap_or_else(|_| "info".into());
    match format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        LogFormat::Journald => tracing_subscriber::fmt()
            .event_format(journal::WithPriority(
                tracing_subscriber::fmt::format()
                    .without_time()
                    .with_ansi(false),
            ))
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    let store = cli.store.as_deref();
    let open = |data: &PathBuf| open(data, store);
    match cli.command {
        Command::Init {
            data,
            public_addr,
            blobs,
        } => {
            let c = Central::init_with(&data, &public_addr, blobs.as_deref(), store)
                .with_context(|| format!("initialising {}", data.display()))?;
            say!("server initialised in {}", data.display());
            say!("records kept at {}", c.store_location());
            if let Some(url) = &blobs {
                say!("scans kept at {url}");
            }
            say!("public key   {}", c.public_key());
            say!("certificate  sha256:{}", hex_fp(&c.fingerprint()));
            say!("vehicles reach it at {}", public_addr.join(", then "));
        }
        Command::Run {
            data,
            blobs,
            config,
            listen,
            http,
            tls_cert,
            tls_key,
            insecure_http,
            metrics,
            limits,
            ..
        } => {
            let Some(data) = data else {
                anyhow::bail!(match config {
                    Some(f) => format!("no data folder: give --data, or data in {}", f.display()),
                    None => "no data folder: give --data DIR (or --config FILE with data)".into(),
                });
            };
            if let Some(url) = &blobs {
                Central::keep_blobs_at(&data, url, store)
                    .with_context(|| format!("keeping the scans of {} at {url}", data.display()))?;
            }
            if let Some(url) = store {
                Central::keep_store_at(&data, url).with_context(|| {
                    format!("keeping the records of {} in PostgreSQL", data.display())
                })?;
            }
            let limits = Limits::try_from(limits)?;
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(kordon_http::Tls { cert, key }),
                _ => None,
            };
            anyhow::ensure!(
                tls.is_some() || http.ip().is_loopback() || insecure_http,
                "the console on {http} would carry passwords in clear: give --tls-cert and --tls-key, \
                 listen on loopback behind a TLS proxy, or accept the risk with --insecure-http"
            );
            let mut central = open(&data)?;
            let scans = central.blob_store()?;
            scans
                .ready()
                .with_context(|| format!("reaching the scan storage {}", scans.location()))?;
            let builder = kordon_central::scans::PyramidBuilder::start(&central)
                .context("starting the scan pyramid builder")?;
            central.set_pyramid_builder(builder);
            // One set of metrics for the process (every handle reopened
            // from `central` shares it): the QUIC side counts records and
            // vehicles, the console counts requests.
            central.set_metrics(std::sync::Arc::new(kordon_central::metrics::Metrics::new()));
            let console = central.reopen()?;
            // On PostgreSQL each operation waits on the network: the
            // vehicles' sessions share a few handles (on one pool), so one
            // vehicle's wait is not every vehicle's. A SQLite file takes
            // one writer at a time: one handle.
            let mut quic = vec![];
            if central.storage().is_postgres() {
                for _ in 1..QUIC_HANDLES_POSTGRES {
                    quic.push(central.reopen()?);
                }
            }
            if !kordon_http::assets::console_present() {
                tracing::warn!("the console was not built into this server (run `make build`); the API works without it");
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let endpoint = kordon_central::serve::bind(&central, listen)?;
                let local = endpoint.local_addr()?;
                tracing::info!(%local, key = %central.public_key(), "serving");
                let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
                let scheme = if tls.is_some() { "https" } else { "http" };
                let console_http = kordon_http::Http::new(console, scheme == "https");
                let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
                if let Some(addr) = metrics {
                    let (metrics_local, _task) = kordon_http::metrics_routes::bind_open(
                        addr,
                        console_http.clone(),
                        async move {
                            let _ = metrics_stopped.await;
                        },
                    )
                    .await?;
                    say!("metrics at http://{metrics_local}/metrics");
                }
                let (http_local, http_task) =
                    kordon_http::bind(http, tls, console_http, async move {
                        let _ = http_stopped.await;
                    })
                    .await?;
                say!("kordon-server listening on {local}");
                say!("console at {scheme}://{http_local}/");
                quic.insert(0, central);
                let server = tokio::spawn(kordon_central::serve::serve_with(
                    endpoint.clone(),
                    quic,
                    limits,
                ));
                shutdown_signal().await;
                tracing::info!("shutting down");
                let _ = stop_http.send(());
                let _ = stop_metrics.send(());
                endpoint.close(0u32.into(), b"server shutting down");
                let _ =
                    tokio::time::timeout(std::time::Duration::from_secs(3), endpoint.wait_idle())
                        .await;
                let _ = tokio::time::timeout(std::time::Duration::from_secs(3), http_task).await;
                server.abort();
                anyhow::Ok(())
            })?;
        }
        Command::User { command } => user_command(command, store)?,
        Command::Log { data, command } => {
            let data = data.context("--data DIR is required: the server data directory")?;
            log_cmd::run(&mut open(&data)?, command)?
        }
        Command::Hotlist { data, command } => {
            let data = data.context("--data DIR is required: the server data directory")?;
            hotlist_cmd::run(&mut open(&data)?, command)?
        }
        Command::Enroll {
            data,
            name,
            addr,
            ttl_hours,
            qr,
        } => {
            let c = open(&data)?;
            let token = c.enroll_at(&name, &addr, ttl_hours, None, now_ms())?;
            eprintln!("one-time enrollment for unit {name}, valid {ttl_hours} h; give this token to the vehicle:");
            let text = token.encode();
            if let Some(path) = qr {
                let svg = kordon_api::fleet::token_qr_svg(&text)?;
                std::fs::write(&path, svg)
                    .with_context(|| format!("writing the QR code to {}", path.display()))?;
                eprintln!("and as a QR code in {}", path.display());
            }
            say!("{text}");
        }
        Command::Revoke {
            data,
            name,
            device,
            reason,
            wipe,
        } => {
            let c = open(&data)?;
            let target = match (name, device) {
                (Some(unit), _) => kordon_central::RevokeTarget::Unit(unit),
                (None, Some(key)) => kordon_central::RevokeTarget::Device(key),
                (None, None) => anyhow::bail!("name a unit (--name) or a device (--device)"),
            };
            let n = c.revoke_with(&target, &reason, None, now_ms())?;
            if wipe {
                let w = c.order_wipe(&target, now_ms())?;
                say!("{w} device(s) will erase their data at their next connection");
            }
            match &target {
                kordon_central::RevokeTarget::Unit(unit) => {
                    say!("revoked {n} device(s) of unit {unit}")
                }
                kordon_central::RevokeTarget::Device(key) => say!("revoked {n} device ({key})"),
            }
        }
        Command::Bundle { data, id, out } => {
            let mut c = open(&data)?;
            let bundle = kordon_api::evidence::build_bundle(&mut c, &id)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            std::fs::write(&out, &bundle.bytes)
                .with_context(|| format!("writing {}", out.display()))?;
            say!(
                "evidence bundle of inspection {id}: {} ({} bytes)",
                out.display(),
                bundle.bytes.len()
            );
        }
        Command::Check { data, json } => {
            let report = open(&data)?.check()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                say!("{report}");
            }
            if !report.is_sound() {
                anyhow::bail!("{} finding(s) in {}", report.findings.len(), data.display());
            }
        }
        Command::Devices { data, json } => {
            let c = open(&data)?;
            let devices = c.devices()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&devices)?);
            } else {
                for d in devices {
                    let state = if d.revoked_ms.is_some() {
                        "revoked"
                    } else {
                        "enrolled"
                    };
                    let refused = if d.refused_count > 0 {
                        format!(" refused={}", d.refused_count)
                    } else {
                        String::new()
                    };
                    let backlog = match (d.backlog_records, d.backlog_scan_bytes) {
                        (Some(r), Some(b)) => format!("{r} records, {b} scan bytes"),
                        _ => "unknown".into(),
                    };
                    say!(
                        "{:<16} {}  {:<8} records={} last_seen={} version={} backlog={}",
                        d.unit,
                        &d.key[..16],
                        state,
                        d.records,
                        d.last_seen_ms
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| "never".into()),
                        d.app_version.as_deref().unwrap_or("unknown"),
                        backlog
                    );
                    if let Some(w) = &d.wipe {
                        match (w.told_ms, w.backlog_records, w.backlog_scan_bytes) {
                            (Some(t), Some(r), Some(b)) => say!(
                                "{:<16} wipe told at {t}; it held {r} records and {b} scan bytes unsent",
                                ""
                            ),
                            (Some(t), _, _) => say!(
                                "{:<16} wipe told at {t}; it stated no backlog",
                                ""
                            ),
                            _ => say!("{:<16} wipe ordered: not told yet (it has not connected since)", ""),
                        }
                    }
                    if refused.is_empty() && d.revoked_reason.as_deref().unwrap_or("").is_empty() {
                        continue;
                    }
                    say!(
                        "{:<16} revoked: {}{refused}",
                        "",
                        d.revoked_reason.as_deref().unwrap_or("")
                    );
                }
            }
        }
        Command::Inspections {
            data,
            json,
            plate,
            outcome,
            day,
        } => {
            let mut c = open(&data)?;
            let rows = c.inspections(&Query {
                plate,
                outcome,
                day,
                ..Default::default()
            })?;
            if json {
                say!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for r in rows {
                    let (plate, outcome) = (r.view.plate_label(), r.view.outcome_label());
                    say!(
                        "{}  {:<10} {:<12} {:<20} decisions={} reviews={}",
                        r.view.id,
                        r.view.unit,
                        plate,
                        outcome,
                        r.view.decisions.len(),
                        r.view.reviews.len()
                    );
                }
            }
        }
        Command::Review {
            data,
            id,
            verdict,
            outcome,
            reason,
            comment,
            supervisor,
        } => {
            let mut c = open(&data)?;
            let review = NewReview {
                verdict: verdict.parse::<Verdict>().map_err(anyhow::Error::msg)?,
                comment,
                outcome: outcome
                    .map(|o| o.parse::<Outcome>())
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
                reasons: reason
                    .iter()
                    .map(|r| ReasonCode::new(r))
                    .collect::<Result<_, _>>()
                    .map_err(anyhow::Error::msg)?,
            };
            review.check().map_err(anyhow::Error::msg)?;
            let supervisor = OfficerId::new(&supervisor).map_err(anyhow::Error::msg)?;
            let record = c.review(id, &review, &supervisor, now_ms())?;
            say!("review recorded for {id} (record {})", record.id());
        }
        Command::Document { data, id } => {
            let mut c = open(&data)?;
            let (doc, heads) = c.document(id)?;
            say!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "heads": heads, "document": doc })
                )?
            );
        }
        Command::Backup { data, out, json } => {
            let started = std::time::Instant::now();
            let summary = open(&data)?
                .backup(&out, now_ms())
                .with_context(|| format!("backing up {} to {}", data.display(), out.display()))?;
            if json {
                say!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                say!(
                    "backup of {} in {}: database snapshot (log size {}), {} scan files copied ({} bytes), {} already there; {:.1} s",
                    data.display(),
                    out.display(),
                    summary.log_size,
                    summary.blobs_copied,
                    summary.bytes_copied,
                    summary.blobs_kept,
                    started.elapsed().as_secs_f64()
                );
                if let Some(at) = &summary.scans_kept_at {
                    say!(
                        "the scan files are kept at {at}: back that storage up with its own tools"
                    );
                }
                for blob in &summary.missing {
                    say!("MISSING in the data folder: scan file {blob}");
                }
                for blob in &summary.damaged {
                    say!("DAMAGED in the data folder: scan file {blob}");
                }
            }
            anyhow::ensure!(
                summary.is_whole(),
                "the backup in {} holds everything but {} scan files missing and {} damaged in the data folder; run `kordon-server check`",
                out.display(),
                summary.missing.len(),
                summary.damaged.len()
            );
        }
        Command::Migrate {
            to,
            from,
            json,
            check,
        } => {
            let applied = kordon_postgres::migrate(&to).context("migrating the database")?;
            match applied.as_slice() {
                _ if json && from.is_some() => {}
                _ if json => say!(
                    "{}",
                    serde_json::json!({
                        "applied": applied,
                        "schema_version": kordon_postgres::schema_version(),
                    })
                ),
                [] => say!(
                    "the database's schema is current (version {})",
                    kordon_postgres::schema_version()
                ),
                versions => say!(
                    "applied schema version{} {}; the database is at version {}",
                    if versions.len() > 1 { "s" } else { "" },
                    versions
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    kordon_postgres::schema_version()
                ),
            }
            if let Some(dir) = from {
                // The folder's own records, whatever address a command
                // line or the environment gives.
                let c = Central::open_local(&dir)
                    .with_context(|| format!("opening server data {}", dir.display()))?;
                let mut dest =
                    kordon_postgres::PgStore::open(&to).context("opening the database")?;
                if !check && c.config().store.is_some() {
                    anyhow::bail!(
                        "the records of {} are in PostgreSQL already ({} names the store); \
                         its SQLite file is what it held before",
                        dir.display(),
                        dir.join("server.json").display()
                    );
                }
                if check {
                    c.check_moved(&mut dest).with_context(|| {
                        format!("checking the database against {}", dir.display())
                    })?;
                    say!("the database holds what {} holds", dir.display());
                    return Ok(());
                }
                let started = std::time::Instant::now();
                let moved = c
                    .move_storage(&mut dest)
                    .with_context(|| format!("moving {} into the database", dir.display()))?;
                drop(c);
                Central::record_store(&dir, &to)
                    .with_context(|| format!("recording the database in {}", dir.display()))?;
                if json {
                    say!("{}", serde_json::to_string_pretty(&moved)?);
                } else {
                    say!(
                        "moved {} and checked it: {} records, {} log leaves, {} checkpoints, {} refusals, \
                         {} witnesses, {} devices, {} enrollments, {} documents followed, {} scans received, \
                         {} accounts, {} audit entries; {} inspections indexed from the records; {:.1} s",
                        dir.display(),
                        moved.records,
                        moved.log_leaves,
                        moved.checkpoints,
                        moved.refusals,
                        moved.witnesses,
                        moved.devices,
                        moved.enrollments,
                        moved.follows,
                        moved.blobs,
                        moved.accounts,
                        moved.audit_entries,
                        moved.inspections,
                        started.elapsed().as_secs_f64()
                    );
                    say!(
                        "console sessions were not moved (people log in again); the scan files stay where \
                         the server's configuration keeps them"
                    );
                    say!(
                        "from now on every command given --data {} reaches the database ({} stays as it was)",
                        dir.display(),
                        dir.join("central.sqlite").display()
                    );
                }
            }
        }
        Command::Blobs { data, json } => {
            let c = open(&data)?;
            let blobs = c.blobs()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&blobs)?);
            } else {
                for b in blobs {
                    say!(
                        "{}  {} bytes  received {} bytes  from {}",
                        b.blob,
                        b.size,
                        b.received,
                        &b.device[..16.min(b.device.len())]
                    );
                }
            }
        }
        Command::Rejections { data, limit } => {
            let c = open(&data)?;
            let filter = kordon_store::TrailFilter {
                limit: limit.min(u32::MAX as usize) as u32,
                ..Default::default()
            };
            for r in c.store().trail_refusals(&filter)? {
                say!("{}  {}", r.at_ms, r.reason);
            }
        }
    }
    Ok(())
}

fn hex_fp(fp: &[u8; 32]) -> String {
    fp.iter().map(|b| format!("{b:02x}")).collect()
}

async fn shutdown_signal() {
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
