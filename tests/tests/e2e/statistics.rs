//! Statistics against the real server: a seeded history made by two
//! vehicles and a supervisor through the real protocol, and every figure
//! of the JSON and of each CSV table equal to what the history's own
//! ledger counts.

use super::console::{add_accounts, login, request, Session, PASSWORD};
use super::scans::synth;
use kordon_e2e::statgen::{self, History};
use kordon_e2e::Field;
use serde_json::Value;

fn get(addr: &str, who: &Session, path: &str) -> (u16, Vec<u8>) {
    let r = request(addr, "GET", path, &[("Cookie", &who.cookie)], b"");
    (r.status, r.body)
}

/// Asserts that `actual` holds every value of `expected` (numbers equal,
/// floats within rounding), naming where they differ.
fn same(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                same(v, a.get(k).unwrap_or(&Value::Null), &format!("{at}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(
                e.len(),
                a.len(),
                "{at}: {} rows, expected {}",
                a.len(),
                e.len()
            );
            for (i, (e, a)) in e.iter().zip(a).enumerate() {
                same(e, a, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(e), Value::Number(a)) if e.is_f64() || a.is_f64() => {
            let (e, a) = (
                e.as_f64().unwrap_or(f64::NAN),
                a.as_f64().unwrap_or(f64::NAN),
            );
            assert!((e - a).abs() < 1e-9, "{at}: {a}, expected {e}");
        }
        _ => assert_eq!(expected, actual, "{at}"),
    }
}

/// A figure as the CSV writes it: counts and means as integers, rates
/// with four decimals, nothing for what was not counted.
fn csv_cell(v: &Value, column: &str) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) if column == "agreement_rate" || column == "scans_per_inspection" => {
            format!("{:.4}", n.as_f64().unwrap_or(f64::NAN))
        }
        other => other.to_string(),
    }
}

fn check_csv(addr: &str, who: &Session, period: &str, table: &str, rows: &Value) {
    let (status, body) = get(
        addr,
        who,
        &format!("/api/statistics/csv?{period}&table={table}"),
    );
    assert_eq!(status, 200, "{table}: {}", String::from_utf8_lossy(&body));
    let mut r = csv::Reader::from_reader(body.as_slice());
    let header: Vec<String> = r
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    let lines: Vec<csv::StringRecord> = r.records().map(|l| l.expect("a CSV row")).collect();
    let rows = rows.as_array().expect("rows");
    assert_eq!(lines.len(), rows.len(), "{table}: rows");
    for (i, (line, row)) in lines.iter().zip(rows).enumerate() {
        assert_eq!(line.len(), header.len(), "{table} row {i}");
        for (column, cell) in header.iter().zip(line.iter()) {
            let want = csv_cell(row.get(column).unwrap_or(&Value::Null), column);
            assert_eq!(cell, want, "{table} row {i} column {column}");
        }
    }
}

#[test]
fn statistics_equal_what_a_seeded_history_did() {
    let field = Field::new();
    add_accounts(&field);
    let server = field.start_server();
    let addr = server.http_addr();
    let north = field.enrolled_vehicle("north", "NORTH-1", "NORTH-1-OF-1");
    let south = field.enrolled_vehicle("south", "SOUTH-2", "SOUTH-2-OF-1");
    let scans = vec![
        synth(&north, "a", 320, 120, 1),
        synth(&north, "b", 320, 120, 2),
    ];
    let first_day = time::Date::from_calendar_date(2026, time::Month::March, 2).expect("day");
    let made = statgen::make(&History {
        http: addr.clone(),
        supervisor: "sup.kovalenko".into(),
        password: PASSWORD.into(),
        kordon: kordon_test_support::bin("kordon"),
        vehicles: vec![(north, "NORTH-1".into()), (south, "SOUTH-2".into())],
        scans,
        seed: 20_260_302,
        first_day,
        days: 6,
        per_day: 5,
    });
    assert!(made.inspections >= 20, "a history of {}", made.inspections);
    let e = &made.expected;
    // The seed gives a history with every kind of figure in it.
    for k in [
        "overruled",
        "returned",
        "returns_answered",
        "timed_decisions",
        "hotlist_hits",
        "undecided",
    ] {
        assert!(
            e["total"][k].as_i64().unwrap_or(0) > 0,
            "no {k} in {}",
            e["total"]
        );
    }

    let sup = login(&addr, "sup.kovalenko", PASSWORD);
    let period = format!("from={}&to={}", made.from, made.to);
    let (status, body) = get(&addr, &sup, &format!("/api/statistics?{period}"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let actual: Value = serde_json::from_slice(&body).expect("statistics");
    same(e, &actual, "statistics");

    for (table, rows) in [
        ("days", &e["by_day"]),
        ("units", &e["by_unit"]),
        ("day_units", &e["by_day_unit"]),
        ("officers", &e["officers"]),
    ] {
        check_csv(&addr, &sup, &period, table, rows);
    }

    // One unit: its row of the units table is the whole.
    let (status, body) = get(
        &addr,
        &sup,
        &format!("/api/statistics?{period}&unit=SOUTH-2"),
    );
    assert_eq!(status, 200);
    let south_only: Value = serde_json::from_slice(&body).expect("statistics");
    let south_row = e["by_unit"]
        .as_array()
        .and_then(|u| u.iter().find(|r| r["unit"] == "SOUTH-2"))
        .expect("SOUTH-2 in the history");
    let mut whole = south_row.clone();
    whole.as_object_mut().map(|o| o.remove("unit"));
    same(&whole, &south_only["total"], "SOUTH-2 total");
    assert_eq!(south_only["by_unit"].as_array().map(Vec::len), Some(1));

    // The days before the history count nothing, and each is listed.
    let (status, body) = get(&addr, &sup, "/api/statistics?from=2026-02-01&to=2026-02-28");
    assert_eq!(status, 200);
    let before: Value = serde_json::from_slice(&body).expect("statistics");
    assert_eq!(before["total"]["inspections"], 0);
    assert_eq!(before["by_day"].as_array().map(Vec::len), Some(28));
    assert_eq!(before["total"]["agreement_rate"], Value::Null);

    // Auditors read them; administrators may not; a bad period is refused.
    let aud = login(&addr, "aud.melnyk", PASSWORD);
    assert_eq!(
        get(&addr, &aud, &format!("/api/statistics?{period}")).0,
        200
    );
    let adm = login(&addr, "adm.shevchenko", PASSWORD);
    assert_eq!(
        get(&addr, &adm, &format!("/api/statistics?{period}")).0,
        403
    );
    for bad in [
        "from=2026-03-08&to=2026-03-01&table=days",
        "from=2025-01-01&to=2026-03-01&table=days",
        "from=2026-02-30&to=2026-03-01&table=days",
        "from=2026-03-01&table=days",
        "from=2026-03-01&to=2026-03-02",
        "from=2026-03-01&to=2026-03-02&table=weeks",
    ] {
        let (status, body) = get(&addr, &sup, &format!("/api/statistics/csv?{bad}"));
        assert_eq!(status, 400, "{bad}: {}", String::from_utf8_lossy(&body));
    }
    for bad in ["from=2026-03-08&to=2026-03-01", "to=2026-03-01"] {
        let (status, _) = get(&addr, &sup, &format!("/api/statistics?{bad}"));
        assert_eq!(status, 400, "{bad}");
    }
    drop(server);
}
