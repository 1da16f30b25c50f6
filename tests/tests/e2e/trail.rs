//! The audit trail against the real server: records accepted, refusals
//! and console actions in one newest-first list; paging that neither
//! skips nor repeats; filters; the CSV export (itself audited); and no
//! route that writes to it.

use super::console::{field_with_inspection, login, request, Session, PASSWORD};
use kordon_e2e::{kordon, kordon_ok};
use kordon_test_support::text;
use serde_json::Value;

fn get(addr: &str, who: &Session, path: &str) -> (u16, Vec<u8>) {
    let r = request(addr, "GET", path, &[("Cookie", &who.cookie)], b"");
    (r.status, r.body)
}

fn page(addr: &str, who: &Session, query: &str) -> Value {
    let (status, body) = get(addr, who, &format!("/api/trail?{query}"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("a page")
}

fn events(page: &Value) -> Vec<Value> {
    page["events"].as_array().cloned().unwrap_or_default()
}

#[test]
fn the_trail_lists_records_refusals_and_console_actions_pages_filters_and_exports() {
    let (field, v, id) = field_with_inspection();
    let server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let addr = server.http_addr();
    let aud = login(&addr, "aud.melnyk", PASSWORD);

    // The vehicle's records, signed for its officer, under its unit.
    let all = page(&addr, &aud, "limit=1000");
    let records: Vec<Value> = events(&all)
        .into_iter()
        .filter(|e| e["kind"] == "record")
        .collect();
    assert!(records.len() >= 2, "{all}");
    let ops: Vec<&str> = records
        .iter()
        .filter_map(|e| e["operation"].as_str())
        .collect();
    assert!(
        ops.contains(&"create") && ops.contains(&"decide"),
        "{ops:?}"
    );
    for e in &records {
        assert_eq!(e["unit"], "MOBILE-3", "{e}");
        assert_eq!(e["actor"], "OF-1742", "{e}");
        assert_eq!(e["document"], id.as_str(), "{e}");
        assert_eq!(e["outcome"], "accepted");
        assert_eq!(e["record"].as_str().map(str::len), Some(64));
    }
    // The auditor's own login is there, newest first overall.
    let first = &events(&all)[0];
    assert_eq!(
        (first["kind"].as_str(), first["operation"].as_str()),
        (Some("console"), Some("login")),
        "{all}"
    );
    let times: Vec<i64> = events(&all)
        .iter()
        .filter_map(|e| e["at_ms"].as_i64())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );

    // Paging one event at a time gives the same list: nothing skipped or repeated.
    let mut paged = vec![];
    let mut after: Option<String> = None;
    loop {
        let q = match &after {
            Some(c) => format!("limit=1&after={c}"),
            None => "limit=1".into(),
        };
        let p = page(&addr, &aud, &q);
        paged.extend(events(&p));
        match p["next"].as_str() {
            Some(c) => after = Some(c.to_string()),
            None => break,
        }
        assert!(paged.len() <= events(&all).len(), "paging runs on");
    }
    let cursors = |xs: &[Value]| {
        xs.iter()
            .map(|e| e["cursor"].to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(cursors(&paged), cursors(&events(&all)));

    // A revoked vehicle's attempt is a refusal of its unit.
    field.server_ok(&["revoke", "--name", "MOBILE-3", "--reason", "trail test"]);
    kordon_ok(&v, &["inspection", "new", "--plate", "AA0002AA"]);
    let refused = kordon(&v, &["sync"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    let refusals = events(&page(&addr, &aud, "refused_only=true&unit=MOBILE-3"));
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0]["kind"], "refusal");
    assert_eq!(refusals[0]["operation"], "connection");
    assert!(
        refusals[0]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("trail test"),
        "{refusals:?}"
    );

    // Filters: by kind, by officer, by inspection, by time.
    let only_records = events(&page(&addr, &aud, "kind=record"));
    assert!(!only_records.is_empty() && only_records.iter().all(|e| e["kind"] == "record"));
    let by_officer = events(&page(&addr, &aud, "actor=OF-1742"));
    assert_eq!(by_officer.len(), records.len(), "{by_officer:?}");
    let by_doc = events(&page(&addr, &aud, &format!("document={id}")));
    assert_eq!(by_doc.len(), records.len());
    let newest = times[0];
    let later = events(&page(&addr, &aud, &format!("from_ms={}", newest + 1)));
    assert!(
        later
            .iter()
            .all(|e| e["at_ms"].as_i64().unwrap_or(0) > newest),
        "{later:?}"
    );
    let (status, body) = get(&addr, &aud, "/api/trail?after=not-a-cursor");
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));

    // The CSV holds every matching event, and the export is audited.
    let (status, body) = get(&addr, &aud, "/api/trail/csv?kind=record");
    assert_eq!(status, 200);
    let csv = String::from_utf8(body).expect("UTF-8");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time_utc,kind,actor,role,unit,signer,document,operation,outcome,detail,record,peer")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), only_records.len(), "{csv}");
    assert!(
        rows.iter()
            .all(|r| r.contains(",record,OF-1742,,MOBILE-3,")),
        "{csv}"
    );
    let exports: Vec<Value> = events(&page(&addr, &aud, "kind=console&actor=aud.melnyk"))
        .into_iter()
        .filter(|e| e["operation"] == "trail_export")
        .collect();
    assert_eq!(exports.len(), 1, "the export is in the trail");
    assert!(exports[0]["detail"]
        .as_str()
        .unwrap_or("")
        .contains("\"kind\":\"record\""));

    // Supervisors do not read it; no route writes to it.
    let sup = login(&addr, "sup.kovalenko", PASSWORD);
    assert_eq!(get(&addr, &sup, "/api/trail").0, 403);
    assert_eq!(get(&addr, &sup, "/api/trail/csv").0, 403);
    let doc: Value =
        serde_json::from_str(include_str!("../../../docs/api/openapi.json")).expect("openapi.json");
    for (path, methods) in doc["paths"].as_object().expect("paths") {
        if path.contains("trail") || path.contains("audit") {
            let methods: Vec<&String> = methods.as_object().expect("methods").keys().collect();
            assert_eq!(methods, ["get"], "{path} may only be read");
        }
    }
    // And the tables refuse changes below the API too.
    let db = rusqlite::Connection::open(field.server_dir.join("central.sqlite")).expect("db");
    for sql in [
        "DELETE FROM rejections",
        "UPDATE rejections SET reason = 'x'",
        "DELETE FROM audit",
        "UPDATE audit SET detail = 'x'",
    ] {
        assert!(db.execute(sql, []).is_err(), "{sql} must fail");
    }
}
