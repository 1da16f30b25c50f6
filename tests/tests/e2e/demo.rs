//! `make demo` in fast mode, as a newcomer runs it: the script with the
//! real binaries, then every step checked on what it left in the two
//! stores (not on what it printed): each truck's inspection at the centre
//! with its camera reads and its scan files, the hotlist hit answered, the
//! hidden goods marked and sent for a physical inspection, nothing left
//! waiting on the vehicle, the supervisor's review back on it, a trainee's
//! exercise scored, both data folders sound.

use kordon_e2e::{kordon_json, kordon_ok};
use kordon_test_support::{bin, text};
use serde_json::Value;
use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

/// Two TCP ports free at the time of the call, and different (both
/// listeners are held until both are known).
fn two_free_tcp_ports() -> (u16, u16) {
    let bind = || TcpListener::bind("127.0.0.1:0").expect("binding an ephemeral TCP port");
    let (a, b) = (bind(), bind());
    let port = |l: &TcpListener| l.local_addr().expect("local address").port();
    (port(&a), port(&b))
}

fn server_json(data: &Path, args: &[&str]) -> Value {
    let out = Command::new(bin("kordon-server"))
        .args(args)
        .arg("--data")
        .arg(data)
        .arg("--json")
        .output()
        .expect("run kordon-server");
    assert!(
        out.status.success(),
        "kordon-server {args:?}: {}",
        text(&out)
    );
    serde_json::from_slice(&out.stdout).expect("kordon-server JSON")
}

fn plate(v: &Value) -> String {
    v["canonical"].as_str().unwrap_or_default().to_string()
}

#[test]
fn the_fast_demo_leaves_every_step_in_the_stores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = dir.path().join("demo");
    let bins = bin("kordon").parent().expect("bin dir").to_path_buf();
    // Cargo builds this package's binaries for its tests: the demo's link
    // is beside kordon (whichever way the target folder is spelt).
    let link = Path::new(env!("CARGO_BIN_EXE_kordon-link"));
    assert!(
        bins.join("kordon-link").exists() && link.exists(),
        "kordon-link is built beside kordon"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (http, anpr) = two_free_tcp_ports();
    let out = Command::new("bash")
        .arg(root.join("scripts/demo.sh"))
        .arg("--fast")
        .current_dir(&root)
        .env("KORDON_BIN", &bins)
        .env("KORDON_DEMO_DIR", &demo)
        .env(
            "KORDON_DEMO_PORT",
            kordon_test_support::free_udp_port().to_string(),
        )
        .env("KORDON_DEMO_HTTP_PORT", http.to_string())
        .env("KORDON_DEMO_ANPR_PORT", anpr.to_string())
        .env("CI", "1")
        .output()
        .expect("run scripts/demo.sh");
    assert!(out.status.success(), "the demo failed:\n{}", text(&out));

    let vehicle = demo.join("vehicle-mobile-1");
    let server = demo.join("server");
    // The traffic the demo played, from the same generator and seed.
    let trucks = kordon_json(
        &vehicle,
        &["trucks", "--count", "4", "--seed", "2038", "--json"],
    );
    let trucks = trucks.as_array().expect("trucks");
    assert_eq!(trucks.len(), 4);

    let rows = server_json(&server, &["inspections"]);
    let rows = rows.as_array().expect("inspections");
    assert_eq!(
        rows.len(),
        trucks.len(),
        "one inspection per truck at the centre"
    );
    let stored: HashSet<String> = server_json(&server, &["blobs"])
        .as_array()
        .expect("blobs")
        .iter()
        .filter_map(|b| b["blob"].as_str().map(str::to_string))
        .collect();
    let mut reviewed = vec![];
    for (n, truck) in trucks.iter().enumerate() {
        let tractor = truck["tractor_plate"].as_str().expect("plate");
        let row = rows
            .iter()
            .find(|r| plate(&r["tractor_plate"]) == tractor)
            .unwrap_or_else(|| panic!("truck {} ({tractor}) is not at the centre", n + 1));
        // The camera read every plate of the truck, onto its inspection.
        let mut plates = vec![tractor.to_string()];
        plates.extend(truck["trailer_plate"].as_str().map(str::to_string));
        let read: Vec<String> = row["reads"]
            .as_array()
            .map(|r| r.iter().map(|r| plate(&r["plate"])).collect())
            .unwrap_or_default();
        assert_eq!(read, plates, "truck {}: the camera's reads", n + 1);
        // One dual-energy scan, both files stored at the centre.
        let scans = row["scans"].as_array().expect("scans");
        assert_eq!(scans.len(), 1, "truck {}: one scan", n + 1);
        let images = scans[0]["images"].as_array().expect("images");
        assert_eq!(images.len(), 2, "truck {}: high and low energy", n + 1);
        for image in images {
            let blob = image["blob"].as_str().expect("blob");
            assert!(
                stored.contains(blob),
                "truck {}: scan file {blob} at the centre",
                n + 1
            );
        }
        // Only the wanted tractor (truck 2) raised alerts; each answered.
        let alerts = row["alerts"].as_array().cloned().unwrap_or_default();
        if n + 1 == 2 {
            assert_eq!(alerts.len(), 2, "the typed plate and the read both matched");
            for a in &alerts {
                assert_eq!(a["response"]["response"], "confirmed", "{a}");
            }
        } else {
            assert!(alerts.is_empty(), "truck {}: no alert", n + 1);
        }
        // Hidden goods are marked and sent for a physical inspection.
        let concealed = truck["concealed"].as_bool().expect("concealed");
        let marks = row["annotations"].as_array().map_or(0, Vec::len);
        let outcome = row["decisions"][0]["outcome"].as_str().unwrap_or_default();
        if concealed {
            assert_eq!(marks, 1, "truck {}: the hidden goods are marked", n + 1);
            assert_eq!(outcome, "physical_inspection", "truck {}", n + 1);
        } else {
            assert_eq!(marks, 0, "truck {}", n + 1);
            let expected = if truck["undeclared"] == true {
                "refer"
            } else if n + 1 == 2 {
                "detain"
            } else {
                "release"
            };
            assert_eq!(outcome, expected, "truck {}", n + 1);
        }
        if row["reviews"].as_array().is_some_and(|r| !r.is_empty()) {
            reviewed.push(row["id"].as_str().expect("id").to_string());
        }
    }
    assert!(
        trucks.iter().any(|t| t["concealed"] == true),
        "the seed gives the demo something hidden to find"
    );

    // The review reached the vehicle, and nothing waits there.
    assert_eq!(reviewed.len(), 1, "one inspection reviewed");
    let there = kordon_json(&vehicle, &["inspection", "show", &reviewed[0]]);
    assert_eq!(there["reviews"][0]["verdict"], "agree", "{there}");
    let status = kordon_json(&vehicle, &["status", "--json"]);
    assert_eq!(status["pending"], 0, "{status}");
    assert_eq!(status["blobs"]["pending"], 0, "{status}");
    assert_eq!(status["blobs"]["delivered"], 8, "{status}");

    // The trainee's exercise: taken whole, scored as the script answered
    // (the first item found, the second missed, two clean images cleared),
    // and its records acknowledged above; the centre printed its score.
    let attempts = kordon_json(&vehicle, &["training", "attempts", "--json"]);
    assert_eq!(attempts.as_array().map(Vec::len), Some(1), "{attempts}");
    let score = &attempts[0]["score"];
    assert_eq!(attempts[0]["trainee"], "OF-3301");
    assert_eq!(attempts[0]["finished"], true);
    assert_eq!(
        [
            &score["hits"],
            &score["misses"],
            &score["false_alarms"],
            &score["correct_rejections"]
        ],
        [1, 1, 0, 2].map(Value::from).each_ref(),
        "{score}"
    );
    assert!(
        text(&out).contains("training, at the centre: OF-3301 (MOBILE-1), Study visit: 4/4 answered, 1 hits, 1 misses"),
        "the centre's score is in the summary:\n{}",
        text(&out)
    );

    // Both data folders pass their own checks.
    kordon_ok(&vehicle, &["check"]);
    let check = Command::new(bin("kordon-server"))
        .args(["check", "--data"])
        .arg(&server)
        .output()
        .expect("kordon-server check");
    assert!(check.status.success(), "{}", text(&check));
    // The evidence it exported verifies offline.
    let exported = std::fs::read_dir(&demo)
        .expect("demo dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("evidence-"))
        .count();
    assert_eq!(exported, 1, "the evidence bundle is written");
}
