//! The console's HTTP API against the real `kordon-server`: access
//! control route by route (from the checked-in OpenAPI document), bad
//! input, and a verdict that flows down to the vehicle and back.

use kordon_central::accounts::Role;
use kordon_e2e::{kordon_json, kordon_ok, Field};
use kordon_test_support::{text, wait_for};
use serde_json::{json, Value};
use std::time::Duration;

pub(crate) use kordon_e2e::http::{call, login, request, Session};

pub(crate) const PASSWORD: &str = "a long test password";

/// One account of each role, all with [`PASSWORD`]: `sup.kovalenko`,
/// `aud.melnyk`, `adm.shevchenko`, `tr.bondar`.
pub(crate) fn add_accounts(field: &Field) {
    for (name, role) in [
        ("sup.kovalenko", "supervisor"),
        ("aud.melnyk", "auditor"),
        ("adm.shevchenko", "administrator"),
        ("tr.bondar", "trainer"),
    ] {
        let mut cmd = std::process::Command::new(kordon_test_support::bin("kordon-server"));
        cmd.args(["user", "add", "--data"])
            .arg(&field.server_dir)
            .args([name, "--role", role])
            .env("KORDON_PASSWORD", PASSWORD);
        let o = kordon_test_support::run(&mut cmd);
        assert!(o.status.success(), "{}", text(&o));
    }
}

/// A server with one synced inspection (with a decision) from a vehicle,
/// and an account of each role.
/// The id of inspection `id`'s first scan, once the console shows its
/// tiles built.
pub(crate) fn first_scan_ready(
    addr: &str,
    session: &Session,
    id: &str,
    within: Duration,
) -> String {
    let shown = call(
        addr,
        session,
        "GET",
        &format!("/api/inspections/{id}"),
        &Value::Null,
    )
    .json();
    let scan = shown["view"]["scans"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the console shows no scan: {shown}"))
        .to_string();
    wait_for("the scan's tiles", within, || {
        let r = call(
            addr,
            session,
            "GET",
            &format!("/api/scans/{scan}"),
            &Value::Null,
        );
        (r.json()["state"] == "ready").then_some(())
    });
    scan
}

pub(crate) fn field_with_inspection() -> (Field, std::path::PathBuf, String) {
    let field = Field::new();
    add_accounts(&field);
    let v = field.enrolled_vehicle("vehicle", "MOBILE-3", "OF-1742");
    let id = kordon_ok(
        &v,
        &[
            "inspection",
            "new",
            "--plate",
            "АА 1234 ВС",
            "--container",
            "CSQU3054383",
        ],
    )
    .trim()
    .to_string();
    kordon_ok(
        &v,
        &[
            "decide",
            &id,
            "--outcome",
            "release",
            "--reason",
            "NO_FINDINGS",
        ],
    );
    (field, v, id)
}

fn concrete(path: &str, id: &str) -> String {
    path.replace("{id}", id)
        .replace("{scan}", &"ab".repeat(32))
        .replace("{level}", "0")
        .replace("{x}", "0")
        .replace("{y}", "0")
}

#[test]
fn every_route_refuses_the_anonymous_the_wrong_role_stale_sessions_and_forgery() {
    let (field, v, id) = field_with_inspection();
    let server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let addr = server.http_addr();

    let doc: Value =
        serde_json::from_str(include_str!("../../../docs/api/openapi.json")).expect("openapi.json");
    let paths = doc["paths"].as_object().expect("paths");
    let ops: std::collections::HashMap<&str, Option<kordon_api::console::Op>> =
        kordon_http::routes::ROUTE_OPS.iter().copied().collect();
    let sessions: Vec<(Role, Session)> = [
        (Role::Supervisor, "sup.kovalenko"),
        (Role::Auditor, "aud.melnyk"),
        (Role::Administrator, "adm.shevchenko"),
        (Role::Trainer, "tr.bondar"),
    ]
    .into_iter()
    .map(|(role, name)| (role, login(&addr, name, PASSWORD)))
    .collect();
    let stale = Session {
        cookie: format!("kordon_session={}", "0f".repeat(32)),
        csrf: "0".repeat(32),
    };

    let mut checked = 0;
    for (path, methods) in paths {
        for (method, op) in methods.as_object().expect("methods") {
            let method = method.to_ascii_uppercase();
            let op_id = op["operationId"].as_str().expect("operationId");
            let needs = ops
                .get(op_id)
                .unwrap_or_else(|| panic!("{op_id} is documented but has no entry in ROUTE_OPS"));
            let url = concrete(path, &id);
            let changes = method != "GET";
            if op_id == "login" {
                continue;
            }
            if op_id == "logout" {
                // Checked below, once the other routes are done.
                let r = request(&addr, &method, &url, &[], b"{}");
                assert_eq!(r.status, 401, "anonymous logout");
                checked += 1;
                continue;
            }
            // Anonymous, and a session the server does not know.
            let r = request(&addr, &method, &url, &[], b"{}");
            assert_eq!(
                (r.status, r.code().as_str()),
                (401, "unauthenticated"),
                "anonymous {method} {url}"
            );
            let r = call(&addr, &stale, &method, &url, &json!({}));
            assert_eq!(r.status, 401, "stale session {method} {url}");
            for (role, s) in &sessions {
                let r = call(&addr, s, &method, &url, &json!({}));
                let allowed = needs.is_none_or(|o| o.roles.contains(role));
                if allowed {
                    assert!(
                        !matches!(r.status, 401 | 403),
                        "{role} {method} {url}: {}",
                        r.status
                    );
                } else {
                    assert_eq!(
                        (r.status, r.code().as_str()),
                        (403, "forbidden"),
                        "{role} {method} {url}"
                    );
                }
                if changes && allowed && op_id != "logout" {
                    // The right role, from another site, or without the token.
                    let body = b"{}";
                    let r = request(
                        &addr,
                        &method,
                        &url,
                        &[
                            ("Cookie", &s.cookie),
                            ("X-Kordon-CSRF", &s.csrf),
                            ("Origin", "http://evil.example"),
                            ("Content-Type", "application/json"),
                        ],
                        body,
                    );
                    assert_eq!(
                        (r.status, r.code().as_str()),
                        (403, "csrf"),
                        "cross-site {method} {url}"
                    );
                    let r = request(
                        &addr,
                        &method,
                        &url,
                        &[("Cookie", &s.cookie), ("Content-Type", "application/json")],
                        body,
                    );
                    assert_eq!(
                        (r.status, r.code().as_str()),
                        (403, "csrf"),
                        "no CSRF token {method} {url}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 13, "only {checked} routes documented");
    // Login itself refuses another site.
    let r = request(
        &addr,
        "POST",
        "/api/login",
        &[
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/json"),
        ],
        json!({"name": "sup.kovalenko", "password": PASSWORD})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.code(), "csrf");

    // Logging out needs the CSRF token too, and ends the session.
    let aud = login(&addr, "aud.melnyk", PASSWORD);
    let r = request(
        &addr,
        "POST",
        "/api/logout",
        &[("Cookie", &aud.cookie)],
        b"",
    );
    assert_eq!(r.code(), "csrf");
    assert_eq!(
        call(&addr, &aud, "POST", "/api/logout", &Value::Null).status,
        204
    );
    assert_eq!(
        call(&addr, &aud, "GET", "/api/me", &Value::Null).status,
        401
    );

    // A disabled account's session ends at once.
    let sup = &sessions[0].1;
    assert_eq!(call(&addr, sup, "GET", "/api/me", &Value::Null).status, 200);
    let mut cmd = std::process::Command::new(kordon_test_support::bin("kordon-server"));
    cmd.args(["user", "disable", "--data"])
        .arg(&field.server_dir)
        .arg("sup.kovalenko");
    let o = kordon_test_support::run(&mut cmd);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(call(&addr, sup, "GET", "/api/me", &Value::Null).status, 401);

    // Refusals are in the audit trail, which no route can change.
    let trail = call(
        &addr,
        &sessions[1].1,
        "GET",
        "/api/audit?limit=1000",
        &Value::Null,
    )
    .json();
    let entries = trail.as_array().expect("audit entries");
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "refused" && e["outcome"] == "refused"),
        "{trail}"
    );
    assert!(entries
        .iter()
        .any(|e| e["action"] == "login" && e["actor"] == "aud.melnyk"));
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let r = call(&addr, &sessions[2].1, method, "/api/audit", &json!({}));
        assert!(r.status >= 400, "{method} /api/audit: {}", r.status);
    }
}

#[test]
fn bad_input_gets_a_clear_4xx_and_the_server_carries_on() {
    let (field, v, id) = field_with_inspection();
    let server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let addr = server.http_addr();
    let s = login(&addr, "sup.kovalenko", PASSWORD);
    let review = format!("/api/inspections/{id}/reviews");
    let huge = format!("{{\"comment\": \"{}\"}}", "x".repeat(200_000));
    let cases: Vec<(&str, String, Vec<u8>, u16, &str)> = vec![
        (
            "POST",
            review.clone(),
            b"{not json".to_vec(),
            400,
            "invalid_input",
        ),
        (
            "POST",
            review.clone(),
            br#"{"verdict": 5}"#.to_vec(),
            400,
            "invalid_input",
        ),
        (
            "POST",
            review.clone(),
            br#"{"verdict": "overrule", "comment": "no outcome"}"#.to_vec(),
            400,
            "invalid_input",
        ),
        (
            "POST",
            review.clone(),
            br#"{"verdict": "return", "comment": " "}"#.to_vec(),
            400,
            "invalid_input",
        ),
        ("POST", review.clone(), huge.into_bytes(), 413, "too_large"),
        (
            "POST",
            "/api/inspections/not-a-uuid/reviews".into(),
            br#"{"verdict":"agree"}"#.to_vec(),
            400,
            "invalid_input",
        ),
        (
            "GET",
            "/api/inspections/00000000-0000-4000-8000-000000000000".into(),
            vec![],
            404,
            "not_found",
        ),
        (
            "GET",
            "/api/inspections?limit=abc".into(),
            vec![],
            400,
            "invalid_input",
        ),
        (
            "GET",
            "/api/inspections?from=yesterday".into(),
            vec![],
            400,
            "invalid_input",
        ),
        (
            "GET",
            "/api/inspections?review=maybe".into(),
            vec![],
            400,
            "invalid_input",
        ),
        (
            "GET",
            "/api/scans/..%2F..%2Fserver.key/tiles/0/0/0".into(),
            vec![],
            400,
            "invalid_input",
        ),
        (
            "GET",
            format!("/api/scans/{}/tiles/0/0/-1", "ab".repeat(32)),
            vec![],
            400,
            "invalid_input",
        ),
        (
            "GET",
            format!("/api/scans/{}/tiles/0/0/0?w=1,0", "ab".repeat(32)),
            vec![],
            400,
            "invalid_input",
        ),
        (
            "GET",
            format!("/api/scans/{}/tiles/0/0/0?cm=../../x", "ab".repeat(32)),
            vec![],
            400,
            "invalid_input",
        ),
        (
            "GET",
            format!("/api/scans/{}", "ab".repeat(32)),
            vec![],
            404,
            "not_found",
        ),
        ("GET", "/api/no/such/route".into(), vec![], 404, "not_found"),
    ];
    for (method, path, body, status, code) in cases {
        let r = request(
            &addr,
            method,
            &path,
            &[
                ("Cookie", &s.cookie),
                ("X-Kordon-CSRF", &s.csrf),
                ("Content-Type", "application/json"),
            ],
            &body,
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (status, code),
            "{method} {path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert!(
            !r.json()["message"].as_str().unwrap_or_default().is_empty(),
            "{method} {path}: no message"
        );
    }
    // Still serving, and nothing was recorded by the refused requests.
    let shown = call(
        &addr,
        &s,
        "GET",
        &format!("/api/inspections/{id}"),
        &Value::Null,
    )
    .json();
    assert_eq!(shown["view"]["reviews"], json!([]), "{shown}");
    assert!(!server.log_contains("panicked"), "{}", server.log());
}

#[test]
fn a_verdict_from_the_console_reaches_the_crew_and_their_answer_comes_back() {
    let (field, v, id) = field_with_inspection();
    let server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let addr = server.http_addr();
    let s = login(&addr, "sup.kovalenko", PASSWORD);

    let page = call(
        &addr,
        &s,
        "GET",
        "/api/inspections?plate=AA1234BC&review=unreviewed",
        &Value::Null,
    )
    .json();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["counts"]["review"]["unreviewed"], 1);

    let r = call(
        &addr,
        &s,
        "POST",
        &format!("/api/inspections/{id}/reviews"),
        &json!({
            "verdict": "return", "comment": "Scan the trailer again, please", "reasons": [], "outcome": null
        }),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["review_state"], "returned");
    let records = r.json()["records"].as_array().cloned().unwrap_or_default();
    assert!(
        records.iter().any(|rec| rec["op"] == "review"
            && rec["signer_unit"].is_null()
            && rec["officer"] == "sup.kovalenko"),
        "{records:?}"
    );

    // Down to the vehicle: the review, signed by the server, for the supervisor.
    kordon_ok(&v, &["sync"]);
    let shown = kordon_json(&v, &["inspection", "show", &id]);
    assert_eq!(shown["reviews"][0]["verdict"], "return", "{shown}");
    assert_eq!(shown["reviews"][0]["supervisor"], "sup.kovalenko");
    let export = field.root.path().join("export.json");
    kordon_ok(
        &v,
        &["export", &id, "--out", export.to_str().expect("path")],
    );
    kordon_ok(&v, &["verify", export.to_str().expect("path")]);

    // The crew answers with a new decision; the console shows it answered.
    kordon_ok(
        &v,
        &[
            "decide",
            &id,
            "--outcome",
            "physical_inspection",
            "--reason",
            "DENSITY_ANOMALY",
            "--note",
            "Rescanned: dense block",
        ],
    );
    kordon_ok(&v, &["sync"]);
    wait_for(
        "the console to show the answer",
        Duration::from_secs(20),
        || {
            let row = call(
                &addr,
                &s,
                "GET",
                &format!("/api/inspections/{id}"),
                &Value::Null,
            )
            .json();
            (row["review_state"] == "answered").then_some(())
        },
    );
    let page = call(
        &addr,
        &s,
        "GET",
        "/api/inspections?review=answered",
        &Value::Null,
    )
    .json();
    assert_eq!(page["total"], 1, "{page}");

    // An overrule replaces the outcome everywhere.
    let r = call(
        &addr,
        &s,
        "POST",
        &format!("/api/inspections/{id}/reviews"),
        &json!({
            "verdict": "overrule", "outcome": "detain", "reasons": ["DENSITY_ANOMALY"], "comment": "Detain: undeclared goods"
        }),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    kordon_ok(&v, &["sync"]);
    let listed = kordon_json(&v, &["inspection", "list", "--outcome", "detain", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let trail = call(
        &addr,
        &login(&addr, "aud.melnyk", PASSWORD),
        "GET",
        "/api/audit",
        &Value::Null,
    )
    .json();
    let reviews = trail
        .as_array()
        .map(|a| a.iter().filter(|e| e["action"] == "review").count());
    assert_eq!(reviews, Some(2), "{trail}");
}
