//! `kordon-server migrate` against a real PostgreSQL (started for the
//! test): the schema applied once, the address from `--to` or
//! `KORDON_STORE`, and a database it cannot reach named without its
//! password; a server that worked on SQLite moved into it whole, and
//! checked.

use kordon_e2e::{kordon, kordon_json, kordon_ok, synth_scan, Field};
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

    // Pointed at the database without moving, the folder's records would
    // be lost from sight: refused.
    let pointed = field.server(&["run", "--store", &url]);
    assert!(!pointed.status.success());
    assert!(
        text(&pointed).contains("move them first with kordon-server migrate --from"),
        "{}",
        text(&pointed)
    );

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

    // The folder now names the database: its commands and its server
    // work on what was moved, and what arrives next is kept there.
    assert_eq!(field.server_json(&["devices", "--json"]), devices);
    let server = field.start_server();
    kordon_ok(&a, &["inspection", "new", "--plate", "AA0005BC"]);
    kordon_ok(&a, &["sync"]);
    assert_eq!(
        count("records"),
        n("records") + 1,
        "the new record is in PostgreSQL"
    );
    // The server indexes a batch after answering it, in a pass of its own.
    kordon_test_support::wait_for(
        "the server to index the new inspection",
        std::time::Duration::from_secs(30),
        || (count("inspections") == 4).then_some(()),
    );
    drop(server);
    let listed = field.server_json(&["inspections", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(4), "{listed}");

    let again = run(Command::new(bin("kordon-server"))
        .args(["migrate", "--to", &url, "--from"])
        .arg(&field.server_dir)
        .env_remove("KORDON_STORE"));
    assert!(!again.status.success());
    assert!(
        text(&again).contains("are in PostgreSQL already"),
        "{}",
        text(&again)
    );
    assert_eq!(count("records"), n("records") + 1, "nothing added");
}

/// A centre of two server processes on one PostgreSQL and one object
/// store, each with its own copy of the server's folder (key, certificate,
/// settings): a vehicle enrolled with both addresses sends its records
/// and a large scan through process A; A is killed mid-scan; the vehicle
/// finishes through B without sending again what A acknowledged; the
/// console on B shows the inspection and the scan's tiles; the export
/// verifies (every receipt and inclusion proof against one checkpoint),
/// and the checkpoints A and B signed are one log.
#[test]
fn two_processes_on_postgresql_and_object_storage_serve_one_centre() {
    use crate::console::{call, first_scan_ready, login, PASSWORD};
    use crate::scans::{
        add_scan, finish_with, new_inspection, scan_blob, server_received, spawn_sync, synth,
    };
    use kordon_test_support::object_storage::ObjectStorage;
    use kordon_test_support::{free_udp_port, wait_for};
    use std::time::Duration;

    let pg = Postgres::start();
    let url = pg.database("kordon");
    let applied = migrate(&["--to", &url], &[]);
    assert!(applied.status.success(), "{}", text(&applied));
    let storage = ObjectStorage::start("kordon-scans");

    let root = tempfile::tempdir().expect("tempdir");
    let (dir_a, dir_b) = (root.path().join("a"), root.path().join("b"));
    let addr_a = format!("127.0.0.1:{}", free_udp_port());
    let addr_b = format!("127.0.0.1:{}", free_udp_port());
    let init = run(Command::new(bin("kordon-server"))
        .args(["init", "--data"])
        .arg(&dir_a)
        .args(["--public-addr", &format!("{addr_a},{addr_b}")])
        .args(["--blobs", &storage.url("centre")])
        .env("KORDON_STORE", url.replace("kordon@", "kordon:s3cret@"))
        .envs(storage.env()));
    assert!(init.status.success(), "{}", text(&init));
    // The folder names the database, not its password (the test cluster
    // trusts loopback, so none is needed).
    let settings = std::fs::read_to_string(dir_a.join("server.json")).expect("server.json");
    assert!(settings.contains(&url), "{settings}");
    assert!(
        !settings.contains("s3cret") && !text(&init).contains("s3cret"),
        "{settings}"
    );
    assert!(
        text(&init).contains("records kept at postgres://"),
        "{}",
        text(&init)
    );
    assert!(
        !dir_a.join("central.sqlite").exists(),
        "nothing is kept in the folder's SQLite file"
    );
    // B's folder: the same server (its key and certificate, which the
    // vehicles pin), its settings naming the same database and bucket.
    std::fs::create_dir_all(&dir_b).expect("b");
    for f in ["server.key", "server.crt", "server.json"] {
        std::fs::copy(dir_a.join(f), dir_b.join(f)).expect("copied");
    }
    let field_a = Field {
        root,
        server_dir: dir_a.clone(),
        addr: addr_a.clone(),
        server_env: storage.env(),
    };
    let mut field_b = Field {
        root: tempfile::tempdir().expect("tempdir"),
        server_dir: dir_b.clone(),
        addr: addr_b.clone(),
        server_env: storage.env(),
    };
    // Accounts made through A's folder log in on B.
    crate::console::add_accounts(&field_a);

    let mut a = field_a.start_server();
    let b = field_b.start_server();
    let token = field_a.server_ok(&["enroll", "--name", "MOBILE-21"]);
    let v = field_a.vehicle_dir("vehicle");
    kordon_ok(&v, &["enroll", token.trim()]);
    kordon_ok(&v, &["signin", "OF-21"]);
    let id = new_inspection(&v, "AI0021KK");
    let file = synth(&v, "pg", 6_000, 6_000, 21); // 72 MB
    let size = std::fs::metadata(&file).expect("scan").len();
    let blob = scan_blob(&add_scan(&v, &id, &file));
    let mut sync = spawn_sync(&v, &["--max-rate", "64mbit", "--retry-for", "120"]);
    let acked = wait_for(
        "part of the scan to be acknowledged by process A",
        Duration::from_secs(60),
        || {
            let done = kordon_json(&v, &["status", "--json"])["blobs"]["bytes_done"].as_u64()?;
            (done >= 16 << 20).then_some(done)
        },
    );
    a.kill();
    let at_kill = kordon_json(&v, &["status", "--json"])["blobs"]["bytes_done"]
        .as_u64()
        .expect("bytes_done");
    assert!(
        at_kill < size,
        "A was killed mid-scan ({at_kill} of {size} bytes)"
    );
    let acked = acked.max(at_kill);

    let (code, err) = finish_with(&mut sync, Duration::from_secs(180));
    assert_eq!(code, Some(0), "sync did not complete through B: {err}");
    let mut out = String::new();
    if let Some(mut o) = sync.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut o, &mut out);
    }
    let resent: u64 = serde_json::Deserializer::from_str(&out)
        .into_iter::<serde_json::Value>()
        .map_while(Result::ok)
        .map(|r| r["blobs"]["bytes_sent"].as_u64().expect("bytes_sent"))
        .sum();
    eprintln!("acknowledged by A: {acked} of {size} bytes; sent to B afterwards: {resent}");
    assert!(
        resent <= size - acked,
        "B was sent {resent} bytes, more than the {} A had not acknowledged",
        size - acked
    );
    // The register, read through B's folder, holds the scan whole.
    field_b.server_env = storage.env();
    let (stored, received) = server_received(&field_b, &blob);
    assert_eq!(stored, size);
    assert!(received >= size, "{received} of {size}");
    assert!(
        !dir_a.join("blobs").join(&blob[..2]).join(&blob).exists()
            && !dir_b.join("blobs").join(&blob[..2]).join(&blob).exists(),
        "the scan is in the object store, in neither folder"
    );

    // The console on B: the inspection in the queue, the scan's tiles.
    let http = b.http_addr();
    let sup = login(&http, "sup.kovalenko", PASSWORD);
    let queue = call(
        &http,
        &sup,
        "GET",
        "/api/inspections",
        &serde_json::Value::Null,
    );
    assert_eq!(
        queue.status,
        200,
        "{}",
        String::from_utf8_lossy(&queue.body)
    );
    assert!(
        String::from_utf8_lossy(&queue.body).contains(&id),
        "B's queue shows the inspection: {}",
        String::from_utf8_lossy(&queue.body)
    );
    let scan = first_scan_ready(&http, &sup, &id, Duration::from_secs(120));
    let tile = call(
        &http,
        &sup,
        "GET",
        &format!("/api/scans/{scan}/tiles/0/0/0"),
        &serde_json::Value::Null,
    );
    assert_eq!(tile.status, 200, "{}", String::from_utf8_lossy(&tile.body));
    assert!(!tile.body.is_empty(), "a tile image");

    // A review on B goes down to the vehicle through B; the export it
    // then makes verifies: each record's receipt under the server's key
    // and its inclusion in one checkpoint of the one log.
    let r = call(
        &http,
        &sup,
        "POST",
        &format!("/api/inspections/{id}/reviews"),
        &serde_json::json!({
            "verdict": "agree", "comment": "Clear", "reasons": [], "outcome": null
        }),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    kordon_ok(&v, &["sync"]);
    let shown = kordon_json(&v, &["inspection", "show", &id]);
    assert_eq!(
        shown["reviews"][0]["supervisor"], "sup.kovalenko",
        "{shown}"
    );
    let export = field_a.root.path().join("export.json");
    kordon_ok(
        &v,
        &["export", &id, "--out", export.to_str().expect("path")],
    );
    kordon_ok(&v, &["verify", export.to_str().expect("path")]);

    // A, restarted, signs a checkpoint of the same log B wrote to: the
    // checkpoint B signed earlier is consistent with it.
    use kordon_record::Checkpoint;
    let signed = |text: &str| {
        let cp = Checkpoint::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        cp.verify(&cp.server).expect("signed by the server");
        cp
    };
    let early = signed(&field_b.server_ok(&["log", "checkpoint"]));
    kordon_ok(&v, &["inspection", "new", "--plate", "AI0022KK"]);
    let a = field_a.start_server();
    kordon_ok(&v, &["sync"]);
    let late = signed(&field_a.server_ok(&["log", "checkpoint"]));
    assert_eq!(early.server, late.server, "one server key");
    assert!(
        late.size > early.size,
        "the log grew: {} then {}",
        early.size,
        late.size
    );
    let proof = field_a.server_json(&[
        "log",
        "consistency",
        "--from",
        &early.size.to_string(),
        "--to",
        &late.size.to_string(),
        "--json",
    ]);
    let path: Vec<[u8; 32]> = proof["path"]
        .as_array()
        .expect("a path")
        .iter()
        .map(|h| {
            let b = hex::decode(h.as_str().expect("hex")).expect("hex");
            <[u8; 32]>::try_from(b.as_slice()).expect("32 bytes")
        })
        .collect();
    kordon_log::verify_consistency(early.size, late.size, &path, &early.head, &late.head)
        .expect("what A signed extends what B signed");

    // A new server (a new key) is not started on the centre's database.
    let other = run(Command::new(bin("kordon-server"))
        .args(["init", "--data"])
        .arg(field_b.root.path().join("other"))
        .args(["--public-addr", "127.0.0.1:4433", "--store", &url])
        .env_remove("KORDON_STORE"));
    assert!(!other.status.success());
    assert!(
        text(&other).contains("holds a server's records already"),
        "{}",
        text(&other)
    );
    drop((a, b));
}
