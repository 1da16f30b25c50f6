//! `GET /metrics` against the real server: scraped from the separate
//! listener with no session and parsed as Prometheus would parse it; its
//! counters move as records arrive and are refused and as vehicles are
//! turned away; on the console's listener only an administrator reads it.

use super::console::{login, request};
use kordon_e2e::{kordon, kordon_ok, Field};
use kordon_test_support::{text, wait_for};
use std::collections::HashMap;
use std::time::Duration;

/// Every sample, by name and labels (`name{k="v",...}`, labels sorted).
pub(super) fn scrape(addr: &str, cookie: Option<&str>) -> HashMap<String, f64> {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    let r = request(addr, "GET", "/metrics", &headers, b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.headers
            .to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{}",
        r.headers
    );
    let body = String::from_utf8(r.body).expect("metrics are UTF-8");
    let parsed = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string())))
        .expect("the metrics parse as the Prometheus text format");
    parsed
        .samples
        .into_iter()
        .map(|s| {
            let mut labels: Vec<String> = s
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{v}\""))
                .collect();
            labels.sort();
            let key = if labels.is_empty() {
                s.metric
            } else {
                format!("{}{{{}}}", s.metric, labels.join(","))
            };
            let value = match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                prometheus_parse::Value::Histogram(h) => h.last().map_or(0.0, |b| b.count),
                prometheus_parse::Value::Summary(_) => f64::NAN,
            };
            (key, value)
        })
        .collect()
}

pub(super) fn get(m: &HashMap<String, f64>, key: &str) -> f64 {
    m.get(key).copied().unwrap_or(0.0)
}

#[test]
fn metrics_parse_and_their_counters_move_as_records_arrive_and_are_refused() {
    let field = Field::new();
    let mut cmd = std::process::Command::new(kordon_test_support::bin("kordon-server"));
    cmd.args(["user", "add", "--data"])
        .arg(&field.server_dir)
        .args(["adm.metrics", "--role", "administrator"])
        .env("KORDON_PASSWORD", "a long metrics password");
    let o = kordon_test_support::run(&mut cmd);
    assert!(o.status.success(), "{}", text(&o));
    let mut cmd = std::process::Command::new(kordon_test_support::bin("kordon-server"));
    cmd.args(["user", "add", "--data"])
        .arg(&field.server_dir)
        .args(["sup.metrics", "--role", "supervisor"])
        .env("KORDON_PASSWORD", "a long metrics password");
    assert!(kordon_test_support::run(&mut cmd).status.success());

    let server = field.start_server_with(&["--metrics", "127.0.0.1:0"]);
    let metrics = server.metrics_addr();
    let before = scrape(&metrics, None);
    assert_eq!(
        get(&before, "kordon_records_accepted_total"),
        0.0,
        "{before:?}"
    );
    assert_eq!(get(&before, "kordon_vehicles_connected"), 0.0);
    assert_eq!(get(&before, "kordon_projection_lag_records"), 0.0);

    // Four inspections; one record's signature broken on the vehicle.
    let v = field.enrolled_vehicle("vehicle", "MOBILE-M", "OF-5");
    let ids: Vec<String> = (0..4)
        .map(|i| {
            kordon_ok(
                &v,
                &["inspection", "new", "--plate", &format!("KA{i:04}MM")],
            )
            .trim()
            .to_string()
        })
        .collect();
    let db = rusqlite::Connection::open(v.join("vehicle.sqlite")).expect("open db");
    let (seq, mut bytes): (i64, Vec<u8>) = db
        .query_row(
            "SELECT seq, bytes FROM records ORDER BY seq LIMIT 1 OFFSET 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a record");
    let n = bytes.len();
    bytes[n - 1] ^= 0x01; // the signature
    db.execute(
        "UPDATE records SET bytes = ?1 WHERE seq = ?2",
        rusqlite::params![bytes, seq],
    )
    .expect("tamper");
    drop(db);
    let out = kordon(&v, &["sync"]);
    assert_eq!(out.status.code(), Some(1), "one refusal: {}", text(&out));

    let after = scrape(&metrics, None);
    assert_eq!(
        get(&after, "kordon_records_accepted_total"),
        3.0,
        "{after:?}"
    );
    assert_eq!(
        get(
            &after,
            "kordon_records_refused_total{reason=\"bad_signature\"}"
        ),
        1.0,
        "{after:?}"
    );
    assert!(
        get(&after, "kordon_ingest_seconds_count") >= 1.0,
        "{after:?}"
    );
    // The server projects after each batch, off the session's path: no
    // reader asks for it here, the lag only falls by the server's own pass.
    wait_for(
        "the server's projection to catch up after the sync",
        Duration::from_secs(20),
        || (get(&scrape(&metrics, None), "kordon_projection_lag_records") == 0.0).then_some(()),
    );
    wait_for(
        "the vehicle's connection to close",
        Duration::from_secs(20),
        || (get(&scrape(&metrics, None), "kordon_vehicles_connected") == 0.0).then_some(()),
    );

    // A scan: its bytes are counted as they arrive.
    let id = &ids[0];
    let (high, _) = kordon_e2e::synth_scan(&field.vehicle_dir("drop"), "M", (400, 200), 9);
    kordon_ok(&v, &["scan", "add", id, high.to_str().expect("path")]);
    let scan_bytes = std::fs::metadata(&high).expect("scan file").len() as f64;
    let _ = kordon(&v, &["sync"]);
    let with_scan = scrape(&metrics, None);
    assert!(
        get(&with_scan, "kordon_blob_bytes_received_total") >= scan_bytes,
        "{} bytes received, the scan has {scan_bytes}",
        get(&with_scan, "kordon_blob_bytes_received_total")
    );

    // A revoked vehicle's attempt is counted by reason.
    field.server_ok(&["revoke", "--name", "MOBILE-M", "--reason", "metrics test"]);
    let refused = kordon(&v, &["sync"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    let last = scrape(&metrics, None);
    assert_eq!(
        get(
            &last,
            "kordon_connections_refused_total{reason=\"revoked\"}"
        ),
        1.0,
        "{last:?}"
    );

    // On the console's listener: an administrator reads it, others not.
    let http = server.http_addr();
    assert_eq!(request(&http, "GET", "/metrics", &[], b"").status, 401);
    let sup = login(&http, "sup.metrics", "a long metrics password");
    let r = request(&http, "GET", "/metrics", &[("Cookie", &sup.cookie)], b"");
    assert_eq!(r.status, 403);
    let adm = login(&http, "adm.metrics", "a long metrics password");
    let console = scrape(&http, Some(&adm.cookie));
    assert_eq!(
        get(&console, "kordon_records_accepted_total"),
        get(&last, "kordon_records_accepted_total")
    );
    assert!(
        get(
            &console,
            "kordon_http_requests_total{route=\"/metrics\",status=\"403\"}"
        ) >= 1.0
            && get(
                &console,
                "kordon_http_requests_total{route=\"/api/login\",status=\"200\"}"
            ) >= 2.0,
        "{console:?}"
    );
}
