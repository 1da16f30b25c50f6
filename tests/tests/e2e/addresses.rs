//! A server reached at several addresses: the token carries them all, and
//! a vehicle tries them in turn, so one dead address (a process down, a
//! network path cut) does not keep it from syncing through another.

use super::server_record_count;
use kordon_e2e::{kordon, kordon_json, kordon_ok, Field};
use kordon_test_support::{free_udp_port, text};
use kordon_transport::EnrollmentToken;

#[test]
fn a_vehicle_syncs_through_the_next_address_when_the_first_is_dead() {
    let field = Field::new();
    // Nothing answers there: a port taken and let go.
    let dead = format!("127.0.0.1:{}", free_udp_port());
    let token = field.server_ok(&[
        "enroll",
        "--name",
        "MOBILE-4",
        "--addr",
        &dead,
        "--addr",
        &field.addr,
    ]);
    let decoded = EnrollmentToken::decode(token.trim()).expect("token");
    assert_eq!(decoded.addresses(), [dead.as_str(), field.addr.as_str()]);

    let v = field.vehicle_dir("vehicle");
    kordon_ok(&v, &["enroll", token.trim()]);
    kordon_ok(&v, &["signin", "OF-4"]);
    let id = kordon_ok(
        &v,
        &[
            "inspection",
            "new",
            "--plate",
            "АА1234ВС",
            "--container",
            "CSQU3054383",
        ],
    );
    kordon_ok(
        &v,
        &[
            "decide",
            id.trim(),
            "--outcome",
            "release",
            "--reason",
            "R-1",
        ],
    );

    // No server at either address: the error names both.
    assert_eq!(
        kordon_json(&v, &["status", "--json"])["server"],
        dead.as_str()
    );
    let offline = kordon(&v, &["sync", "--connect-timeout", "1"]);
    assert_eq!(offline.status.code(), Some(2), "{}", text(&offline));
    let said = text(&offline);
    assert!(said.contains(&dead) && said.contains(&field.addr), "{said}");

    // The server up at the second address: the sync goes through it,
    // the first costing one connect timeout.
    let _server = field.start_server();
    let synced = kordon(&v, &["sync", "--json", "--connect-timeout", "1"]);
    assert_eq!(synced.status.code(), Some(0), "{}", text(&synced));
    let status = kordon_json(&v, &["status", "--json"]);
    assert_eq!(status["pending"], 0, "{status}");
    assert_eq!(server_record_count(&field), 2);
    // The address that answered is the one tried first from now on.
    assert_eq!(status["server"], field.addr.as_str(), "{status}");
}

/// The addresses given at `init` go into every token the server makes,
/// in order; an address that is not host:port is refused there, before
/// any token carries it.
#[test]
fn the_addresses_given_at_init_go_into_every_token() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = root.path().join("server");
    let init = |addrs: &str| {
        kordon_test_support::run(
            std::process::Command::new(kordon_test_support::bin("kordon-server"))
                .args(["init", "--data"])
                .arg(&dir)
                .args(["--public-addr", addrs]),
        )
    };
    let refused = init("centre.example:4433,centre-backup");
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("centre-backup"),
        "{}",
        text(&refused)
    );
    assert!(!dir.join("server.key").exists(), "nothing written");

    let made = init("centre.example:4433,10.20.0.5:4433");
    assert!(made.status.success(), "{}", text(&made));
    let enroll = kordon_test_support::run(
        std::process::Command::new(kordon_test_support::bin("kordon-server"))
            .args(["enroll", "--data"])
            .arg(&dir)
            .args(["--name", "MOBILE-5"]),
    );
    assert!(enroll.status.success(), "{}", text(&enroll));
    let token =
        EnrollmentToken::decode(String::from_utf8_lossy(&enroll.stdout).trim()).expect("token");
    assert_eq!(token.addresses(), ["centre.example:4433", "10.20.0.5:4433"]);
}
