//! Helpers for tests that run Kordon's real binaries: locating (and
//! building) them, temporary data directories, free ports, a server
//! process that is killed on drop, and waiting on conditions with a
//! deadline instead of sleeping.

pub mod link;
pub mod object_storage;
pub mod postgres;

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

static BUILD: Once = Once::new();

/// The workspace's target directory for the running profile.
fn bin_dir() -> PathBuf {
    // Test executables live in target/<profile>/deps/, the benchmark's
    // next to the binaries in target/<profile>/.
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().unwrap_or(Path::new(""));
    match dir.file_name() {
        Some(name) if name == "deps" => dir.parent().unwrap_or(dir).to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// A tool a `make` target installed under `target/tools/` (`relative`
/// to it), or the path in the environment variable `env` when it is set.
pub fn installed_tool(env: &str, relative: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let target = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("tools").join(relative)
}

/// Path of a workspace binary, building the binaries once if needed.
///
/// The build is the workspace's `cargo build --bins`, as `make build` runs
/// it: the same packages give the same features, so after `make build` this
/// compiles nothing, and the target folder holds one set of binaries, not
/// one per selection of packages.
pub fn bin(name: &str) -> PathBuf {
    BUILD.call_once(|| {
        let release = bin_dir().ends_with("release");
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(["build", "--quiet", "--locked", "--workspace", "--bins"]);
        // Not the variables cargo sets for the running test: some build
        // scripts (ring's) rerun when CARGO_MANIFEST_DIR changes, and all
        // that depends on them would build again, here and at the next
        // `make build`.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if [
                "CARGO_MANIFEST_",
                "CARGO_PKG_",
                "CARGO_BIN_",
                "CARGO_CRATE_",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
            ]
            .iter()
            .any(|p| name.starts_with(p))
            {
                cmd.env_remove(name.as_ref());
            }
        }
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("running cargo build for the binaries");
        assert!(
            status.success(),
            "building the workspace's binaries failed (the crew's app needs ui/dist: run `make build`)"
        );
    });
    let p = bin_dir().join(name);
    assert!(p.exists(), "{} was not built", p.display());
    p
}

/// A UDP port on 127.0.0.1 free at the time of the call.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("binding an ephemeral UDP port")
}

/// Polls `cond` until it returns `Some`, or panics with `what` at the deadline.
pub fn wait_for<T>(what: &str, timeout: Duration, mut cond: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = cond() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs a command to completion, capturing its output.
pub fn run(cmd: &mut Command) -> Output {
    no_machine_binding(cmd);
    cmd.output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"))
}

/// Text of stdout and stderr, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A running `kordon-server run`, killed when dropped. Its log lines are
/// collected for assertions.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    pub addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts the server on `addr` and waits until it says it listens.
    pub fn start(data: &Path, addr: &str) -> ServerProcess {
        Self::start_with(data, addr, &[])
    }

    /// As [`start`](Self::start), with more arguments to `kordon-server run`.
    pub fn start_with(data: &Path, addr: &str, extra: &[&str]) -> ServerProcess {
        Self::start_with_env(data, addr, extra, &[])
    }

    /// As [`start_with`](Self::start_with), with more environment.
    pub fn start_with_env(
        data: &Path,
        addr: &str,
        extra: &[&str],
        env: &[(&str, String)],
    ) -> ServerProcess {
        Self::start_program(&bin("kordon-server"), data, addr, extra, env)
    }

    /// As [`start_with_env`](Self::start_with_env), running `program`
    /// (a `kordon-server` built apart, as a benchmark's).
    pub fn start_program(
        program: &Path,
        data: &Path,
        addr: &str,
        extra: &[&str],
        env: &[(&str, String)],
    ) -> ServerProcess {
        let mut child = Command::new(program)
            .args(["run", "--data"])
            .arg(data)
            .args(["--listen", addr])
            // Any free port for the console, so servers of parallel tests
            // do not collide; `http_addr` tells which.
            .args(["--http", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("KORDON_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting kordon-server");
        let log = Arc::new(Mutex::new(Vec::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let Ok(mut l) = log.lock() {
                        l.push(line);
                    }
                }
            });
        }
        let server = ServerProcess {
            child,
            addr: addr.to_string(),
            log,
        };
        wait_for("the server to listen", Duration::from_secs(20), || {
            server.log_contains("listening on").then_some(())
        });
        server
    }

    /// The console's address (`host:port`), from the server's own words.
    pub fn http_addr(&self) -> String {
        self.said_addr("console at http://")
    }

    /// The metrics listener's address (`host:port`; started with
    /// `--metrics`).
    pub fn metrics_addr(&self) -> String {
        self.said_addr("metrics at http://")
    }

    /// The `host:port` the server printed after `prefix`.
    fn said_addr(&self, prefix: &str) -> String {
        wait_for(prefix, Duration::from_secs(20), || {
            self.log.lock().ok().and_then(|l| {
                l.iter().find_map(|line| {
                    line.split(prefix)
                        .nth(1)
                        .and_then(|rest| rest.split('/').next())
                        .map(str::to_string)
                })
            })
        })
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    pub fn log_contains(&self, needle: &str) -> bool {
        self.log
            .lock()
            .map(|l| l.iter().any(|line| line.contains(needle)))
            .unwrap_or(false)
    }

    /// The process's id (to read its CPU time and memory).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running (it has not exited).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the server with SIGKILL (a power cut, as far as it knows).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The files of `fuzz/regressions/<target>/`: (name, bytes), sorted.
/// Past crashers and hostile seeds that every build must refuse cleanly.
pub fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no regression inputs in {}", dir.display());
    out
}

/// A folder of the real test material (camera events, scanner images,
/// plate photos), read in place: `KORDON_REALDATA`, or `../shared/realdata`
/// beside the project. `None` (and a line saying the test is skipped) when
/// it is absent.
pub fn realdata(sub: &str) -> Option<PathBuf> {
    let folder = std::env::var_os("KORDON_REALDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/realdata"
            ))
        })
        .join(sub);
    if folder.is_dir() {
        Some(folder)
    } else {
        println!(
            "real data test skipped: {} not found (set KORDON_REALDATA)",
            folder.display()
        );
        None
    }
}

/// Keeps a vehicle's keys made by `cmd` off the machine's TPM and desktop
/// keyring (a developer's own), unless the test says which to use.
pub fn no_machine_binding(cmd: &mut Command) {
    let set: Vec<_> = cmd.get_envs().map(|(k, _)| k.to_os_string()).collect();
    for var in ["KORDON_TPM", "KORDON_KEYRING"] {
        if !set.iter().any(|k| k == var) {
            cmd.env(var, "off");
        }
    }
}
