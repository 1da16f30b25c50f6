//! A real PostgreSQL for tests: Debian's server binaries (`initdb`,
//! `pg_ctl`), a cluster in a throwaway folder, listening on a loopback
//! port of its own and a socket folder of its own, trusting local
//! connections of its superuser `kordon`. Stopped (and its folder removed)
//! on drop.
//!
//! `make test` installs Debian's `postgresql`; `KORDON_PG_BIN` names
//! another folder of server binaries. PostgreSQL refuses to run as root:
//! as root, the cluster belongs to (and runs as) the `postgres` user the
//! package makes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running PostgreSQL cluster.
#[derive(Debug)]
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// Who runs the server's programs (`postgres` when the tests run as
    /// root, else nobody else).
    run_as: Option<String>,
    pub port: u16,
}

/// The folder of PostgreSQL's server binaries: `KORDON_PG_BIN`, or the
/// newest under `/usr/lib/postgresql/*/bin`.
pub fn pg_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KORDON_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Postgres {
    /// Makes a cluster and starts it, without flushing to disk (`fsync`
    /// off: tests need its semantics, not its durability); panics, saying
    /// what to install, if PostgreSQL is missing.
    pub fn start() -> Postgres {
        Self::launch(false, "")
    }

    /// As [`start`](Self::start), flushing every commit to disk as a
    /// production server does (`fsync` on): for benchmarks.
    pub fn start_durable() -> Postgres {
        Self::launch(true, "")
    }

    /// As [`start_durable`](Self::start_durable), with `pg_stat_statements`
    /// loaded (see [`statements`](Self::statements)): for a benchmark that
    /// says where the database's time went.
    pub fn start_durable_with_statements() -> Postgres {
        Self::launch(
            true,
            " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all",
        )
    }

    fn launch(durable: bool, extra: &str) -> Postgres {
        let bin = pg_bin().expect(
            "PostgreSQL's server binaries were not found (make test installs Debian's postgresql; \
             or set KORDON_PG_BIN)",
        );
        let dir = tempfile::Builder::new()
            .prefix("kordon-pg-")
            .tempdir()
            .expect("a folder for the cluster");
        let run_as = is_root().then(|| "postgres".to_string());
        if run_as.is_some() {
            // The server's own user must own its folder (and reach it).
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "chown of the cluster's folder to postgres failed"
            );
        }
        let data = dir.path().join("data");
        let out = run(
            &bin,
            run_as.as_deref(),
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "kordon",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        assert!(out.status.success(), "initdb: {}", crate::text(&out));
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_tcp_port();
            let opts = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync={} -c max_connections=200{extra}",
                dir.path().display(),
                if durable { "on" } else { "off" }
            );
            let log = dir.path().join("server.log");
            let out = run(
                &bin,
                run_as.as_deref(),
                "pg_ctl",
                &[
                    "-D",
                    &data.display().to_string(),
                    "-o",
                    &opts,
                    "-l",
                    &log.display().to_string(),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            );
            if out.status.success() {
                return Postgres {
                    dir,
                    bin,
                    run_as,
                    port,
                };
            }
            last = format!(
                "{}\n{}",
                crate::text(&out),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start: {last}");
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `postgres://kordon@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://kordon@127.0.0.1:{}/{db}", self.port)
    }

    /// Makes a database and returns its URL.
    pub fn database(&self, name: &str) -> String {
        self.sql("postgres", &format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        self.url(name)
    }

    /// Makes a database whose text sorts and changes case by a language's
    /// rules (ICU, `locale` such as `uk-UA`), and returns its URL.
    pub fn icu_database(&self, name: &str, locale: &str) -> String {
        self.sql(
            "postgres",
            &format!(
                "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'
                 LOCALE_PROVIDER icu ICU_LOCALE '{locale}' LOCALE 'C'"
            ),
        )
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name} (ICU {locale}): {e}"));
        self.url(name)
    }

    /// `psql` on database `db` (the cluster's own, when its folder has
    /// one), quiet and unaligned, stopping at the first error: given `-c
    /// SQL`, or statements on its input (a session that holds a lock).
    pub fn psql(&self, db: &str) -> Command {
        let psql = Some(self.bin.join("psql"))
            .filter(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from("psql"));
        let mut cmd = Command::new(psql);
        cmd.args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url(db));
        cmd
    }

    /// Runs `sql` in database `db` with [`psql`](Self::psql): its output,
    /// or its error.
    pub fn sql(&self, db: &str, sql: &str) -> Result<String, String> {
        let out = self
            .psql(db)
            .arg("-c")
            .arg(sql)
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Forgets what `pg_stat_statements` counted so far, making the
    /// extension in database `db` first (a cluster from
    /// [`start_durable_with_statements`](Self::start_durable_with_statements)).
    pub fn reset_statements(&self, db: &str) -> Result<(), String> {
        self.sql(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")?;
        self.sql(db, "SELECT pg_stat_statements_reset()").map(drop)
    }

    /// The `top` statements run in database `db` since
    /// [`reset_statements`](Self::reset_statements), by their total
    /// execution time: `(calls, total ms, rows, text)`, the text on one
    /// line and cut to 160 characters.
    pub fn statements(&self, db: &str, top: usize) -> Result<Vec<(u64, f64, u64, String)>, String> {
        let out = self.sql(
            db,
            &format!(
                "SELECT s.calls, round(s.total_exec_time::numeric, 1), s.rows,
                        left(regexp_replace(s.query, '\\s+', ' ', 'g'), 160)
                 FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                 WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'
                 ORDER BY s.total_exec_time DESC LIMIT {top}"
            ),
        )?;
        Ok(out
            .lines()
            .filter_map(|l| {
                let mut f = l.splitn(4, '|');
                Some((
                    f.next()?.parse().ok()?,
                    f.next()?.parse().ok()?,
                    f.next()?.parse().ok()?,
                    f.next()?.to_string(),
                ))
            })
            .collect())
    }

    pub fn folder(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = run(
            &self.bin,
            self.run_as.as_deref(),
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

/// Runs one of PostgreSQL's programs, as `run_as` if given.
fn run(bin: &Path, run_as: Option<&str>, program: &str, args: &[&str]) -> Output {
    let exe = bin.join(program);
    let mut cmd = match run_as {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    cmd.args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", exe.display()))
}

/// A loopback TCP port free a moment ago.
fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("binding an ephemeral TCP port")
}
