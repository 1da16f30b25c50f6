//! Machines for tests, each a real implementation in its own processes
//! with its state in a throwaway folder: a software TPM 2.0 (`swtpm`, on
//! loopback) and a desktop session's keyring (a session `dbus-daemon` and
//! `gnome-keyring-daemon`). Two of them are two machines; restarting a TPM
//! on its folder is the same machine after a power cycle.

use crate::Machine;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `swtpm`.
#[derive(Debug)]
pub struct SoftTpm {
    state: tempfile::TempDir,
    child: Child,
    port: u16,
}

fn free_port_pair() -> std::io::Result<u16> {
    // swtpm takes a server port and a control port; find two in a row.
    for _ in 0..50 {
        let a = TcpListener::bind("127.0.0.1:0")?;
        let port = a.local_addr()?.port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return Ok(port);
        }
    }
    Err(std::io::Error::other("no two free ports in a row"))
}

impl SoftTpm {
    /// A new TPM (a new machine).
    pub fn start() -> Result<SoftTpm, String> {
        let state = tempfile::tempdir().map_err(|e| format!("a folder for swtpm: {e}"))?;
        Self::start_on(state)
    }

    fn start_on(mut state: tempfile::TempDir) -> Result<SoftTpm, String> {
        // One start at a time in this process: two TPMs picking ports at
        // once could pick the same, and one test would talk to the other's.
        static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = STARTING.lock().unwrap_or_else(|e| e.into_inner());
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port_pair().map_err(|e| e.to_string())?;
            let child = spawn(state.path(), port)?;
            let mut tpm = SoftTpm { state, child, port };
            match tpm.wait_ready() {
                Ok(()) => return Ok(tpm),
                Err(e) => {
                    last = e;
                    let _ = tpm.child.kill();
                    let _ = tpm.child.wait();
                    state = std::mem::replace(
                        &mut tpm.state,
                        tempfile::tempdir().map_err(|e| e.to_string())?,
                    );
                }
            }
        }
        Err(format!("swtpm did not start: {last}"))
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("swtpm exited: {status}"));
            }
            if crate::machine_answers(&self.machine()) {
                // Answered: by ours, if ours still runs (another's on a
                // port ours failed to take would answer too).
                std::thread::sleep(Duration::from_millis(50));
                return match self.child.try_wait() {
                    Ok(None) => Ok(()),
                    _ => Err("swtpm exited: its port was taken".into()),
                };
            }
            if Instant::now() > deadline {
                return Err("swtpm did not answer within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its TCTI (what `KORDON_TPM` takes).
    pub fn tcti(&self) -> String {
        format!("swtpm:host=127.0.0.1,port={}", self.port)
    }

    /// It, as the machine key slots bind to.
    pub fn machine(&self) -> Machine {
        Machine::tpm(&self.tcti())
    }

    /// Where it keeps its state.
    pub fn state(&self) -> &Path {
        self.state.path()
    }

    /// Stops it and starts it again on the same state: the same machine
    /// after a power cycle (on another port).
    pub fn restart(mut self) -> Result<SoftTpm, String> {
        self.stop();
        let state = std::mem::replace(
            &mut self.state,
            tempfile::tempdir().map_err(|e| e.to_string())?,
        );
        Self::start_on(state)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(state: &Path, port: u16) -> Result<Child, String> {
    let dir: PathBuf = state.to_path_buf();
    Command::new("swtpm")
        .arg("socket")
        .arg("--tpm2")
        .arg("--tpmstate")
        .arg(format!("dir={}", dir.display()))
        .arg("--server")
        .arg(format!("type=tcp,port={port},bindaddr=127.0.0.1"))
        .arg("--ctrl")
        .arg(format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1))
        .arg("--flags")
        .arg("not-need-init,startup-clear")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("swtpm cannot be started ({e}): `make deps` installs it"))
}

impl Drop for SoftTpm {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A desktop session's keyring: a session bus and GNOME Keyring on it,
/// its login keyring (under a test password) in a throwaway folder.
#[derive(Debug)]
pub struct SoftKeyring {
    home: tempfile::TempDir,
    bus: Child,
    keyring: Option<Child>,
    address: String,
}

impl SoftKeyring {
    /// A new session with an unlocked login keyring.
    pub fn start() -> Result<SoftKeyring, String> {
        use std::io::{BufRead, Write};
        let home = tempfile::tempdir().map_err(|e| format!("a folder for the keyring: {e}"))?;
        let run = home.path().join("run");
        std::fs::create_dir_all(&run).map_err(|e| e.to_string())?;
        // A session bus that starts no services of its own: a keyring
        // asked for before ours is up must not be started by the bus
        // (with the system's folders and no login keyring).
        let config = home.path().join("session.conf");
        std::fs::write(
            &config,
            format!(
                "<busconfig><type>session</type><listen>unix:path={}</listen>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>",
                run.join("bus").display()
            ),
        )
        .map_err(|e| e.to_string())?;
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .arg("--print-address=1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("dbus-daemon cannot be started ({e}): `make deps` installs it"))?;
        let out = bus.stdout.take();
        let mut session = SoftKeyring {
            home,
            bus,
            keyring: None,
            address: String::new(),
        };
        if let Some(out) = out {
            std::io::BufReader::new(out)
                .read_line(&mut session.address)
                .map_err(|e| e.to_string())?;
        }
        session.address = session.address.trim().to_string();
        if session.address.is_empty() {
            return Err("dbus-daemon gave no address".into());
        }
        let mut keyring = Command::new("gnome-keyring-daemon")
            .arg("--foreground")
            .arg("--components=secrets")
            .arg("--unlock")
            .env("HOME", session.home.path())
            .env("XDG_DATA_HOME", session.home.path().join("data"))
            .env("XDG_RUNTIME_DIR", &run)
            .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("gnome-keyring-daemon cannot be started ({e}): `make deps` installs it")
            })?;
        // The login password, on its standard input, then closed.
        if let Some(mut stdin) = keyring.stdin.take() {
            stdin
                .write_all(b"kordon-test-login")
                .map_err(|e| e.to_string())?;
        }
        session.keyring = Some(keyring);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !crate::machine_answers(&session.machine()) {
            if Instant::now() > deadline {
                return Err("the keyring did not answer within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(session)
    }

    /// The session bus's address (what `DBUS_SESSION_BUS_ADDRESS` takes).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// It, as the machine key slots bind to.
    pub fn machine(&self) -> Machine {
        Machine::keyring_at(&self.address)
    }

    /// How many secrets of Kordon's it holds (one per set of key slots
    /// bound to it).
    pub fn kordon_entries(&self) -> Result<usize, String> {
        crate::machine::keyring::kordon_entries(Some(&self.address))
    }
}

impl Drop for SoftKeyring {
    fn drop(&mut self) {
        if let Some(k) = self.keyring.as_mut() {
            let _ = k.kill();
            let _ = k.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
