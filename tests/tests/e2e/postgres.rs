//! `kordon-server migrate` against a real PostgreSQL (started for the
//! test): the schema applied once, the address from `--to` or
//! `KORDON_STORE`, and a database it cannot reach named without its
//! password; a server that worked on SQLite moved into it whole, and
//! checked.

use kordon_e2e::{kordon, kordon_ok, synth_scan, Field};
use kordon_test_support::postgres::Postgres;
use kordon_test_support::{bin, run, text};
use std::process::Command;

fn migrate(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    run(Command::new(bin("kordon-server"))
        .arg("migrate")
        .args(args)
        .env_remove("KORDON_STORE")
        .envs(env.iter().copied()))
}

#[test]
fn migrate_applies_the_schema_once() {
    let pg = Postgres::start();
    let url = pg.database("kordon");

    let first = migrate(&["--to", &url], &[]);
    assert!(first.status.success(), "{}", text(&first));
    let versions: Vec<String> = kordon_postgres::MIGRATIONS
        .iter()
        .map(|(v, _)| v.to_string())
        .collect();
    assert!(versions.len() >= 4, "{versions:?}");
    assert!(
        text(&first).contains(&format!("applied schema versions {}", versions.join(", "))),
        "{}",
        text(&first)
    );
    assert_eq!(
        pg.sql(
            "kordon",
            "SELECT string_agg(version::text, ',' ORDER BY version) FROM kordon_schema"
        ),
        Ok(versions.join(","))
    );

    let again = migrate(&[], &[("KORDON_STORE", &url)]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("is current"), "{}", text(&again));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let nowhere = format!("postgres://kordon:s3cret@127.0.0.1:{port}/kordon");
    let refused = migrate(&["--to", &nowhere], &[]);
    assert!(!refused.status.success());
    let said = text(&refused);
    assert!(said.contains(&format!("127.0.0.1:{port}")), "{said}");
    assert!(!said.contains("s3cret"), "{said}");
}

/// A server that worked on SQLite (two vehicles, one revoked and refused,
/// a scan, accounts, a pending enrollment, checkpoints and a witness) is
/// moved into PostgreSQL: what arrived is what left, the move says so,
/// and the log's latest checkpoint is there as the server signed it. A
/// second move into the same database is refused.
#[test]
fn a_server_moves_from_its_data_folder_into_postgresql_whole() {
    let pg = Postgres::start();
    let url = pg.database("kordon");
    let field = Field::new();
    crate::console::add_accounts(&field);
    let a = field.enrolled_vehicle("a", "MOBILE-1", "OF-17");
    let b = field.enrolled_vehicle("b", "MOBILE-2", "OF-18");
    field.server_ok(&["enroll", "--name", "MOBILE-3", "--addr", &field.addr]);
    let (high, low) = synth_scan(&field.vehicle_dir("drop"), "M", (320, 200), 3);
    let id = kordon_ok(&a, &["inspection", "new", "--plate", "AA0001BC"])
        .trim()
        .to_string();
    kordon_ok(
        &a,
        &[
            "scan",
            "add",
            &id,
            high.to_str().expect("path"),
            "--low",
            low.to_str().expect("path"),
        ],
    );
    kordon_ok(&b, &["inspection", "new", "--plate", "BB0002CC"]);
    let server = field.start_server();
    kordon_ok(&a, &["sync"]);
    kordon_ok(&b, &["sync"]);
    // Its checkpoint, reported at its next connection, is a witness.
    kordon_ok(&a, &["inspection", "new", "--plate", "AA0003BC"]);
    kordon_ok(&a, &["sync"]);
    field.server_ok(&["revoke", "--name", "MOBILE-2", "--reason", "lost"]);
    kordon_ok(&b, &["inspection", "new", "--plate", "BB0004CC"]);
    assert!(!kordon(&b, &["sync"]).status.success(), "refused");
    drop(server);
    let checkpoint = field.server_ok(&["log", "checkpoint"]);
    let devices = field.server_json(&["devices", "--json"]);

    let moved = run(Command::new(bin("kordon-server"))
        .args(["migrate", "--to", &url, "--json", "--from"])
        .arg(&field.server_dir)
        .env_remove("KORDON_STORE"));
    assert!(moved.status.success(), "{}", text(&moved));
    let summary: serde_json::Value =
        serde_json::from_slice(&moved.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&moved)));
    let n = |k: &str| {
        summary[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k}: {summary}"))
    };
    // Two inspections and a scan from `a`, one inspection from `b`; its
    // second was refused with its device.
    assert_eq!(n("records"), 4, "{summary}");
    assert_eq!(n("devices"), 2, "{summary}");
    assert_eq!(n("enrollments"), 3, "{summary}");
    assert_eq!(n("accounts"), 4, "{summary}");
    assert_eq!(n("blobs"), 2, "{summary}");
    assert!(n("checkpoints") >= 1, "{summary}");
    assert!(n("witnesses") >= 1, "{summary}");
    assert!(n("refusals") >= 1, "{summary}");
    assert!(n("audit_entries") >= 1, "{summary}");
    assert_eq!(
        n("log_leaves"),
        n("records") + n("refusals"),
        "a leaf for each record and each refusal: {summary}"
    );

    let count = |table: &str| {
        pg.sql("kordon", &format!("SELECT count(*) FROM {table}"))
            .expect("count")
            .parse::<u64>()
            .expect("a number")
    };
    assert_eq!(count("records"), n("records"));
    assert_eq!(count("log_leaves"), n("log_leaves"));
    assert_eq!(n("inspections"), 3, "indexed from the records: {summary}");
    assert_eq!(count("inspections"), 3);
    assert_eq!(count("devices"), 2);
    assert_eq!(
        pg.sql(
            "kordon",
            "SELECT text FROM log_checkpoints ORDER BY size DESC LIMIT 1"
        )
        .expect("checkpoint"),
        checkpoint.trim(),
        "the latest checkpoint, as the server signed it"
    );
    assert_eq!(
        pg.sql(
            "kordon",
            "SELECT revoked_reason FROM devices WHERE unit = 'MOBILE-2'"
        )
        .expect("reason"),
        "lost"
    );
    assert_eq!(devices.as_array().map(Vec::len), Some(2), "{devices}");

    let again = run(Command::new(bin("kordon-server"))
        .args(["migrate", "--to", &url, "--from"])
        .arg(&field.server_dir)
        .env_remove("KORDON_STORE"));
    assert!(!again.status.success());
    assert!(
        text(&again).contains("holds data already"),
        "{}",
        text(&again)
    );
    assert_eq!(count("records"), n("records"), "nothing added");
}
