//! The transparency log with the real binaries: a vehicle syncs, the
//! server signs a checkpoint at the end of the session, and a third party
//! checks a record's inclusion and the log's consistency from what
//! `kordon-server log` prints, with nothing but the hashing rules of
//! `docs/transparency-log.md`.

use kordon_e2e::{kordon_ok, Field};
use kordon_record::Checkpoint;
use serde_json::Value;

fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|h| {
            let b = hex::decode(h.as_str().expect("hex")).expect("hex");
            <[u8; 32]>::try_from(b.as_slice()).expect("32 bytes")
        })
        .collect()
}

#[test]
fn a_third_party_checks_a_record_and_the_log_from_the_servers_output() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");
    let id = kordon_ok(&v, &["inspection", "new", "--plate", "AA1234BC"]);
    let _server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let early = Checkpoint::parse(&field.server_ok(&["log", "checkpoint"])).expect("checkpoint");
    assert!(early.size >= 1, "the session's records are in the log");

    kordon_ok(&v, &["decide", id.trim(), "--outcome", "release"]);
    kordon_ok(&v, &["sync"]);
    let export = v.join("export.json");
    kordon_ok(
        &v,
        &[
            "export",
            id.trim(),
            "--out",
            export.to_str().expect("utf-8 path"),
        ],
    );
    let exported: Value =
        serde_json::from_slice(&std::fs::read(&export).expect("export")).expect("json");
    let last = exported["records"]
        .as_array()
        .and_then(|r| r.last())
        .and_then(|r| r["id"].as_str())
        .expect("a record id")
        .to_string();

    let proof = field.server_json(&["log", "proof", "--record", &last, "--json"]);
    let cp = Checkpoint::parse(proof["checkpoint"].as_str().expect("text")).expect("checkpoint");
    let server_key = exported["server_key"].as_str().expect("server key");
    assert_eq!(hex::encode(cp.server.as_bytes()), server_key);
    cp.verify(&cp.server).expect("signed by the server");
    let leaf = hex::decode(proof["leaf"].as_str().expect("hex")).expect("hex");
    assert_eq!(leaf[0], 1, "a record leaf");
    assert_eq!(hex::encode(&leaf[1..]), last, "naming the record");
    kordon_log::verify_inclusion(
        &kordon_log::leaf_hash(&leaf),
        proof["leaf_index"].as_u64().expect("index"),
        cp.size,
        &hashes(&proof["path"]),
        &cp.head,
    )
    .expect("the record is in the log the checkpoint signs");

    let cons = field.server_json(&[
        "log",
        "consistency",
        "--from",
        &early.size.to_string(),
        "--to",
        &cp.size.to_string(),
        "--json",
    ]);
    kordon_log::verify_consistency(
        early.size,
        cp.size,
        &hashes(&cons["path"]),
        &early.head,
        &cp.head,
    )
    .expect("the later checkpoint extends the earlier one");
}
