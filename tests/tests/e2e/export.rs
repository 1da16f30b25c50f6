//! Exports a third party can trust (`docs/signed-records.md` §5): a real
//! vehicle's export of an inspection a supervisor overruled verifies with
//! `kordon verify` and with `tools/verify_export.py` against the pinned
//! server key, in evidence mode; and every way an independent verifier
//! found to make a file that should not verify (a dropped record with a
//! mended view, a signer nobody enrolled, a swapped server key, stripped
//! proofs, extra fields, duplicates, a non-canonical id, a flipped byte in
//! a proof or a checkpoint) is refused by both, naming what is wrong.

use base64::Engine;
use kordon_e2e::{kordon, kordon_ok, Field};
use kordon_model::{InspectionDoc, NewReview, OfficerId, Verdict};
use kordon_record::{DeviceKey, SignedRecord};
use kordon_test_support::{text, ServerProcess};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

struct Case {
    field: Field,
    vehicle: PathBuf,
    export: Value,
    server_key: String,
    _server: ServerProcess,
}

/// A vehicle inspects and decides, a supervisor overrules, the vehicle
/// syncs and exports.
fn case() -> Case {
    let field = Field::new();
    let vehicle = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");
    let server = field.start_server();
    let id = kordon_ok(&vehicle, &["inspection", "new", "--plate", "AA1234BC"])
        .trim()
        .to_string();
    kordon_ok(&vehicle, &["decide", &id, "--outcome", "release"]);
    kordon_ok(&vehicle, &["sync"]);
    field.server_ok(&[
        "review",
        &id,
        "--verdict",
        "overrule",
        "--outcome",
        "physical_inspection",
        "--reason",
        "DOUBLE_WALL",
        "--comment",
        "Rear wall too thick",
        "--supervisor",
        "SUP-2",
    ]);
    kordon_ok(&vehicle, &["sync"]);
    let path = vehicle.join("export.json");
    kordon_ok(
        &vehicle,
        &["export", &id, "--out", path.to_str().expect("utf-8 path")],
    );
    let export: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let checkpoint = field.server_ok(&["log", "checkpoint"]);
    let server_key = checkpoint
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("kordon/"))
        .expect("the checkpoint names the server key")
        .to_string();
    Case {
        field,
        vehicle,
        export,
        server_key,
        _server: server,
    }
}

impl Case {
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.field.root.path().join(format!("{name}.json"));
        std::fs::write(&path, bytes).expect("write");
        path
    }

    /// Both verifiers on one file: (ours, theirs).
    fn verify_bytes(&self, name: &str, bytes: &[u8], evidence: bool) -> (Output, Output) {
        let path = self.write(name, bytes);
        let path = path.to_str().expect("utf-8 path");
        let mut args = vec!["verify", path, "--server-key", &self.server_key];
        if evidence {
            args.push("--evidence");
        }
        let ours = kordon(&self.vehicle, &args);
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/verify_export.py");
        let mut py = Command::new("python3");
        py.arg(&script).arg("--server-key").arg(&self.server_key);
        if evidence {
            py.arg("--evidence");
        }
        let theirs = py.arg(path).output().expect("python3 runs");
        (ours, theirs)
    }

    fn verify(&self, name: &str, file: &Value, evidence: bool) -> (Output, Output) {
        self.verify_bytes(
            name,
            &serde_json::to_vec_pretty(file).expect("json"),
            evidence,
        )
    }

    /// Both verifiers refuse the file and name `phrase`.
    fn refused(&self, name: &str, file: &Value, evidence: bool, phrase: &str) {
        let (ours, theirs) = self.verify(name, file, evidence);
        refused_by_both(name, &ours, &theirs, phrase);
    }
}

fn refused_by_both(name: &str, ours: &Output, theirs: &Output, phrase: &str) {
    assert_eq!(
        ours.status.code(),
        Some(4),
        "{name}: kordon verify: {}",
        text(ours)
    );
    assert!(
        String::from_utf8_lossy(&ours.stdout).contains(phrase),
        "{name}: kordon verify does not say {phrase:?}: {}",
        text(ours)
    );
    assert_eq!(
        theirs.status.code(),
        Some(1),
        "{name}: verify_export.py: {}",
        text(theirs)
    );
    assert!(
        String::from_utf8_lossy(&theirs.stdout).contains(phrase),
        "{name}: verify_export.py does not say {phrase:?}: {}",
        text(theirs)
    );
}

fn records(file: &Value) -> Vec<SignedRecord> {
    file["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            let b = base64::engine::general_purpose::STANDARD
                .decode(r["record"].as_str().expect("base64"))
                .expect("base64");
            SignedRecord::parse(b).expect("record")
        })
        .collect()
}

/// The document the records rebuild, acting as `actor`.
fn rebuild(records: &[SignedRecord], actor: &[u8]) -> InspectionDoc {
    let mut doc = InspectionDoc::empty(actor);
    for r in records {
        doc.apply_signed_change(r.payload(), r.signer().as_bytes())
            .expect("applies");
    }
    doc
}

fn view_of(doc: &InspectionDoc) -> Value {
    serde_json::to_value(doc.view().expect("view")).expect("json")
}

#[test]
fn an_export_verifies_in_evidence_mode_and_every_crafted_file_is_refused_by_both_verifiers() {
    let c = case();
    let good = c.export.clone();
    assert_eq!(good["format"], "kordon-export/2");
    assert_eq!(good["server_key"], c.server_key.as_str());
    let n = good["records"].as_array().expect("records").len();
    assert_eq!(n, 3, "create, decide, and the supervisor's overrule");
    assert!(good["record_set"].is_string(), "the server's statement");
    assert_eq!(
        good["devices"].as_array().map(Vec::len),
        Some(1),
        "the vehicle's entry"
    );
    assert!(
        good["records"]
            .as_array()
            .expect("records")
            .iter()
            .all(|r| r["log"].is_object() && r["receipt"].is_null()),
        "every record proven in the log, none by a per-record receipt"
    );

    // The untouched file: verified by both, in evidence mode.
    let (ours, theirs) = c.verify("good", &good, true);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours));
    assert_eq!(theirs.status.code(), Some(0), "{}", text(&theirs));
    // On the vehicle, the key it was enrolled with is the pinned one.
    let path = c.write(
        "good-pinned-by-enrollment",
        &serde_json::to_vec(&good).expect("json"),
    );
    kordon_ok(
        &c.vehicle,
        &["verify", path.to_str().expect("path"), "--evidence"],
    );

    // Without a pinned key nothing is accepted.
    let elsewhere = c.field.root.path().join("no-vehicle-here");
    let unpinned = kordon(&elsewhere, &["verify", path.to_str().expect("path")]);
    assert_eq!(unpinned.status.code(), Some(2), "{}", text(&unpinned));
    assert!(text(&unpinned).contains("server key is not pinned"));
    assert!(!elsewhere.exists(), "verify creates no data folder");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/verify_export.py");
    let theirs = Command::new("python3")
        .arg(&script)
        .arg(&path)
        .output()
        .expect("python3");
    assert_eq!(theirs.status.code(), Some(1), "{}", text(&theirs));
    assert!(text(&theirs).contains("server key is not pinned"));

    // (a) The overrule dropped, and the view mended to match: the
    // server's record-set statement names the missing change.
    let all = records(&good);
    let mut dropped = good.clone();
    dropped["records"].as_array_mut().expect("records").pop();
    dropped["view"] = view_of(&rebuild(&all[..n - 1], &[0; 32]));
    c.refused("dropped-last-record", &dropped, false, "is not in the file");

    // (b) A review signed by a key nobody enrolled, with a matching view.
    let rogue = DeviceKey::generate();
    let mut doc = rebuild(&all, rogue.public().as_bytes());
    doc.review(
        &NewReview::plain(Verdict::Agree, "all fine"),
        &OfficerId::new("SUP-9").expect("officer"),
        1_790_000_000_000,
    )
    .expect("review");
    let change = doc.last_change().expect("a change");
    let forged = SignedRecord::sign(&rogue, all[0].doc_id(), "SUP-9", 1_790_000_000_000, &change)
        .expect("signed");
    let mut unenrolled = good.clone();
    unenrolled["records"]
        .as_array_mut()
        .expect("records")
        .push(serde_json::json!({
            "id": forged.id().to_string(),
            "signer": forged.signer().to_string(),
            "officer": "SUP-9",
            "created_ms": 1_790_000_000_000i64,
            "record": base64::engine::general_purpose::STANDARD.encode(forged.bytes()),
            "receipt": null,
            "log": null,
        }));
    unenrolled["view"] = view_of(&doc);
    c.refused(
        "unenrolled-signer",
        &unenrolled,
        false,
        "not in the device register",
    );
    // ... and the same with the file's server key swapped to that key and
    // everything the real server signed removed.
    let mut swapped = unenrolled.clone();
    swapped["server_key"] = rogue.public().to_string().into();
    swapped["checkpoints"] = serde_json::json!([]);
    swapped["record_set"] = Value::Null;
    swapped["devices"] = serde_json::json!([]);
    for r in swapped["records"].as_array_mut().expect("records") {
        r["log"] = Value::Null;
        r["receipt"] = Value::Null;
    }
    c.refused("swapped-server-key", &swapped, false, "server_key");

    // (c) Proofs stripped: reported, and refused in evidence mode.
    let mut stripped = good.clone();
    for r in stripped["records"].as_array_mut().expect("records") {
        r["log"] = Value::Null;
    }
    let (ours, theirs) = c.verify("stripped-lenient", &stripped, false);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours));
    assert_eq!(theirs.status.code(), Some(0), "{}", text(&theirs));
    assert!(text(&ours).contains("not acknowledged") && text(&theirs).contains("not acknowledged"));
    c.refused("stripped", &stripped, true, "not acknowledged");

    // Unknown fields, in the view and in a record; a renamed key.
    let mut extra = good.clone();
    extra["view"]["verified_by"] = "someone".into();
    c.refused("extra-view-field", &extra, false, "unknown field");
    let mut extra = good.clone();
    extra["records"][0]["note"] = "trust me".into();
    c.refused("extra-record-field", &extra, false, "unknown field");
    let mut renamed = good.clone();
    let r0 = renamed["records"][0].as_object_mut().expect("object");
    let receipt = r0.remove("receipt").expect("receipt key");
    r0.insert("reciept".into(), receipt);
    c.refused("renamed-receipt-key", &renamed, false, "unknown field");

    // Duplicates: a record twice; a key twice.
    let mut twice = good.clone();
    let first = twice["records"][0].clone();
    twice["records"]
        .as_array_mut()
        .expect("records")
        .push(first);
    c.refused("duplicate-record", &twice, false, "duplicate record");
    let pretty = serde_json::to_string_pretty(&good).expect("json");
    let doubled = pretty.replacen('{', "{\n  \"format\": \"kordon-export/2\",", 1);
    let (ours, theirs) = c.verify_bytes("duplicate-key", doubled.as_bytes(), false);
    refused_by_both("duplicate-key", &ours, &theirs, "duplicate key");

    // A non-canonical inspection id.
    let mut upper = good.clone();
    upper["inspection"] = good["inspection"]
        .as_str()
        .expect("id")
        .to_uppercase()
        .into();
    c.refused("upper-case-uuid", &upper, false, "not a lower-case");

    // A flipped byte in an inclusion path, and in a checkpoint.
    let mut flipped = good.clone();
    let h = flipped["records"][0]["log"]["path"][0]
        .as_str()
        .expect("a path of at least one hash")
        .to_string();
    let flip = |s: &str| {
        let mut b = s.as_bytes().to_vec();
        b[10] = if b[10] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).expect("ascii")
    };
    flipped["records"][0]["log"]["path"][0] = flip(&h).into();
    c.refused("flipped-proof", &flipped, false, "inclusion proof");
    let mut flipped = good.clone();
    let cp = flipped["checkpoints"][0]
        .as_str()
        .expect("a checkpoint")
        .to_string();
    let head_at = cp.find('\n').expect("lines") + 1;
    let head_at = head_at + cp[head_at..].find('\n').expect("lines") + 1;
    let mut b = cp.into_bytes();
    b[head_at + 3] = if b[head_at + 3] == b'0' { b'1' } else { b'0' };
    flipped["checkpoints"][0] = String::from_utf8(b).expect("ascii").into();
    c.refused("flipped-checkpoint", &flipped, false, "checkpoint");
}
