//! The link as the crew's app shows it: `kordon sync --live` runs the
//! app's background sync (`Vehicle::sync_in_background`) and prints each
//! update. Through the link emulator, a cut shows as offline and the return
//! as online within seconds (the figures are in BENCHMARKS.md), the records
//! made during the outage go as soon as the link is back, and all of it
//! over the one connection held since the start.

use kordon_e2e::{kordon_ok, Field};
use kordon_test_support::bin;
use kordon_test_support::link::LinkConfig;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `kordon sync --live --json`, its updates read on a thread.
struct Live {
    child: Child,
    updates: mpsc::Receiver<serde_json::Value>,
}

impl Live {
    fn start(dir: &std::path::Path) -> Live {
        let mut child = Command::new(bin("kordon"))
            .arg("--data")
            .arg(dir)
            .args(["sync", "--live", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawning kordon sync --live");
        let out = child.stdout.take().expect("stdout");
        let (tx, updates) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                let update = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON update ({e}): {line}"));
                if tx.send(update).is_err() {
                    return;
                }
            }
        });
        Live { child, updates }
    }

    /// The first update for which `want` holds, within `within`.
    fn until(
        &self,
        what: &str,
        within: Duration,
        want: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.updates.recv_timeout(left) {
                Ok(u) if want(&u) => return u,
                Ok(_) => {}
                Err(_) => panic!("no update showing {what} within {within:?}"),
            }
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn link_is(u: &serde_json::Value, link: &str) -> bool {
    u["link"] == link
}

fn pending(u: &serde_json::Value) -> u64 {
    u["status"]["pending"].as_u64().expect("status.pending")
}

#[test]
fn a_live_sync_shows_a_cut_and_a_return_at_once_and_sends_what_waited_over_the_same_connection() {
    let field = Field::new();
    let server = field.start_server();
    let link = field.link(
        LinkConfig {
            delay: Duration::from_millis(50),
            ..LinkConfig::default()
        },
        11,
    );
    let v = field.enrolled_vehicle_via("vehicle", "MOBILE-LIVE", "OF-1", &link.addr().to_string());
    kordon_ok(&v, &["generate", "--count", "3", "--seed", "1"]);

    let t0 = Instant::now();
    let live = Live::start(&v);
    let first = live.until("everything delivered", Duration::from_secs(30), |u| {
        link_is(u, "online") && pending(u) == 0
    });
    let acknowledged = first["status"]["acknowledged"]
        .as_u64()
        .expect("acknowledged");
    eprintln!("live_link: first sync done at {:?}", t0.elapsed());
    let paths = link.paths_opened();

    // Cut: offline within seconds, with no pass needed to notice. The
    // app's sync runs a pass every 15 s, so only the held connection's
    // pings can show it this soon.
    link.set_cut(true);
    let offline = live.until("offline after the cut", Duration::from_secs(5), |u| {
        link_is(u, "offline")
    });
    assert!(
        offline["error"].is_null(),
        "shown by the link watch, not a failed pass: {offline}"
    );

    // Work goes on meanwhile.
    kordon_ok(&v, &["generate", "--count", "2", "--seed", "2"]);

    // Return: a pass at once, and what waited is delivered.
    link.set_cut(false);
    eprintln!("live_link: restored at {:?}", t0.elapsed());
    live.until("syncing after the return", Duration::from_secs(5), |u| {
        link_is(u, "syncing") || link_is(u, "online")
    });
    live.until(
        "the outage's records delivered",
        Duration::from_secs(10),
        |u| {
            link_is(u, "online")
                && pending(u) == 0
                && u["status"]["acknowledged"].as_u64() > Some(acknowledged)
        },
    );
    eprintln!("live_link: delivered at {:?}", t0.elapsed());
    assert_eq!(
        link.paths_opened(),
        paths,
        "the held connection carried on: no new connection was opened"
    );
    // The vehicle first, then the server, then the link between them.
    drop(live);
    drop(server);
    drop(link);
}

#[test]
fn a_live_sync_the_server_refuses_waits_before_it_tries_again() {
    let field = Field::new();
    let server = field.start_server();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-GONE", "OF-1");
    kordon_ok(&v, &["sync"]);
    field.server_ok(&[
        "revoke",
        "--name",
        "MOBILE-GONE",
        "--reason",
        "vehicle lost",
    ]);

    // The connection is made, then the Hello refused: the loop says so and
    // waits (15 s, as after any pass the server answered) before the next
    // try, instead of reconnecting at once
    // (each try a handshake the server pays for, and the carrier's shared
    // address nearer its limit).
    let live = Live::start(&v);
    let refused = live.until("the refusal", Duration::from_secs(10), |u| {
        u["error"]["code"] == "revoked"
    });
    assert_eq!(refused["error"]["message"], "vehicle lost", "{refused}");
    let quiet_until = Instant::now() + Duration::from_secs(4);
    let mut tries = 0;
    while let Ok(u) = live
        .updates
        .recv_timeout(quiet_until.saturating_duration_since(Instant::now()))
    {
        if link_is(&u, "syncing") {
            tries += 1;
        }
    }
    assert_eq!(tries, 0, "no new pass within 4 s of a refusal");
    drop(live);
    drop(server);
}
