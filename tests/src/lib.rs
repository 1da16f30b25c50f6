//! A field set-up for end-to-end tests: one server data directory, any
//! number of vehicle data directories, and the real binaries run against
//! them.

pub mod http;
pub mod statgen;

use kordon_test_support::object_storage::ObjectStorage;
use kordon_test_support::{bin, free_udp_port, run, text, ServerProcess};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[derive(Debug)]
pub struct Field {
    pub root: tempfile::TempDir,
    pub server_dir: PathBuf,
    pub addr: String,
    /// Environment of every server command (object storage's address
    /// and key, when the scans are kept there).
    pub server_env: Vec<(&'static str, String)>,
}

impl Field {
    /// A fresh server (initialised, not running) on a free loopback port.
    pub fn new() -> Field {
        Self::init(&[], vec![])
    }

    /// A fresh server whose scans are kept in `storage` under `prefix`.
    pub fn with_object_storage(storage: &ObjectStorage, prefix: &str) -> Field {
        Self::init(&["--blobs", &storage.url(prefix)], storage.env())
    }

    fn init(extra: &[&str], server_env: Vec<(&'static str, String)>) -> Field {
        let root = tempfile::tempdir().expect("tempdir");
        let server_dir = root.path().join("server");
        let addr = format!("127.0.0.1:{}", free_udp_port());
        let f = Field {
            root,
            server_dir,
            addr,
            server_env,
        };
        let mut args = vec!["init", "--public-addr", &f.addr];
        args.extend_from_slice(extra);
        f.server_ok(&args);
        f
    }

    pub fn vehicle_dir(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    pub fn start_server(&self) -> ServerProcess {
        self.start_server_with(&[])
    }

    /// The server with more arguments to `kordon-server run`.
    pub fn start_server_with(&self, extra: &[&str]) -> ServerProcess {
        ServerProcess::start_with_env(&self.server_dir, &self.addr, extra, &self.server_env)
    }

    /// `kordon-server <cmd> --data <server dir> <rest>`.
    pub fn server(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(bin("kordon-server"));
        cmd.arg(args[0])
            .arg("--data")
            .arg(&self.server_dir)
            .args(&args[1..])
            .envs(self.server_env.iter().map(|(k, v)| (k, v)));
        run(&mut cmd)
    }

    pub fn server_ok(&self, args: &[&str]) -> String {
        let o = self.server(args);
        assert!(
            o.status.success(),
            "kordon-server {args:?} failed: {}",
            text(&o)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Enrolls a new vehicle directory for `unit` and signs `officer` in.
    pub fn enrolled_vehicle(&self, name: &str, unit: &str, officer: &str) -> PathBuf {
        self.enrolled_vehicle_via(name, unit, officer, &self.addr)
    }

    /// As [`enrolled_vehicle`](Self::enrolled_vehicle), with the vehicle
    /// told to reach the server at `addr` (e.g. a link emulator).
    pub fn enrolled_vehicle_via(
        &self,
        name: &str,
        unit: &str,
        officer: &str,
        addr: &str,
    ) -> PathBuf {
        let dir = self.vehicle_dir(name);
        let token = self.server_ok(&["enroll", "--name", unit, "--addr", addr]);

        kordon_ok(&dir, &["enroll", token.trim()]);
        kordon_ok(&dir, &["signin", officer]);
        dir
    }

    /// A link emulator in front of the server, with `cfg` both ways.
    pub fn link(
        &self,
        cfg: kordon_test_support::link::LinkConfig,
        seed: u64,
    ) -> kordon_test_support::link::LinkEmulator {
        kordon_test_support::link::LinkEmulator::start(
            self.addr.parse().expect("server address"),
            cfg.clone(),
            cfg,
            seed,
        )
        .expect("link emulator")
    }

    pub fn server_json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.server_ok(args)).expect("server printed JSON")
    }
}

impl Default for Field {
    fn default() -> Self {
        Self::new()
    }
}

/// `kordon --data <dir> <args>`.
pub fn kordon(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin("kordon"));
    cmd.arg("--data")
        .arg(dir)
        .args(args)
        .env_remove("KORDON_OFFICER")
        .env_remove("KORDON_PIN");
    run(&mut cmd)
}

pub fn kordon_ok(dir: &Path, args: &[&str]) -> String {
    let o = kordon(dir, args);
    assert!(o.status.success(), "kordon {args:?} failed: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn kordon_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&kordon_ok(dir, args)).expect("kordon printed JSON")
}

/// Writes a synthetic dual-energy scan `NAME_high.tif` / `NAME_low.tif`
/// of `width` × `height` into `dir` with `kordon scan synth`; returns the
/// two paths.
pub fn synth_scan(
    dir: &Path,
    name: &str,
    (width, height): (u32, u32),
    seed: u64,
) -> (PathBuf, PathBuf) {
    let out = Command::new(bin("kordon"))
        .args(["scan", "synth", "--out"])
        .arg(dir)
        .args(["--name", name, "--seed", &seed.to_string()])
        .args([
            "--width",
            &width.to_string(),
            "--height",
            &height.to_string(),
        ])
        .output()
        .expect("kordon scan synth");
    assert!(out.status.success(), "kordon scan synth: {}", text(&out));
    (
        dir.join(format!("{name}_high.tif")),
        dir.join(format!("{name}_low.tif")),
    )
}
