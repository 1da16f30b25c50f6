//! The layering rules of `crates/README.md`, checked over `cargo metadata`.

use std::collections::BTreeMap;
use std::process::Command;

/// A dependency by name, and whether only a feature brings it in.
type Dep = (String, bool);

/// Each workspace member (by name) with its path and its normal (non-dev)
/// dependencies.
fn members() -> BTreeMap<String, (String, Vec<Dep>)> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let mut map = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        let deps = p["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].is_null())
            .filter_map(|d| {
                let optional = d["optional"].as_bool().unwrap_or(false);
                d["name"].as_str().map(|n| (n.to_string(), optional))
            })
            .collect();
        map.insert(
            p["name"].as_str().expect("name").to_string(),
            (p["manifest_path"].as_str().expect("path").to_string(), deps),
        );
    }
    map
}

#[test]
fn shared_crates_keep_to_their_layers() {
    let members = members();
    let shared: Vec<_> = members
        .iter()
        .filter(|(_, (path, _))| path.contains("/crates/"))
        .collect();
    assert!(
        shared.len() >= 10,
        "found only {} shared crates",
        shared.len()
    );
    let mut broken = vec![];
    for (name, (_, deps)) in &shared {
        for (dep, optional) in deps {
            let rule = if dep == "tauri"
                || dep.starts_with("tauri-")
                || dep == "wry"
                || dep == "tao"
            {
                Some("no Tauri in shared crates")
            } else if dep == "rusqlite" && name.as_str() != "kordon-store" {
                Some("SQL only behind the storage ports (SQLite: kordon-store)")
            } else if ["tokio-postgres", "deadpool-postgres", "postgres"].contains(&dep.as_str())
                && name.as_str() != "kordon-postgres"
            {
                Some("SQL only behind the storage ports (PostgreSQL: kordon-postgres)")
            } else if name.as_str() == "kordon-ports"
                && ![
                    "serde",
                    "serde_json",
                    "thiserror",
                    "time",
                    "ts-rs",
                    "utoipa",
                    "kordon-record",
                    "kordon-model",
                ]
                .contains(&dep.as_str())
                && !(*optional && dep == "kordon-log")
            {
                Some("the ports are traits and rows: no engine, no I/O (the conformance suite, behind its feature, may check proofs)")
            } else if (dep == "quinn" || dep == "tokio") && name.as_str() == "kordon-proto" {
                Some("the protocol core is sans-IO")
            } else if dep == "quinn"
                && !["kordon-transport", "kordon-bench"].contains(&name.as_str())
            {
                Some("only kordon-transport speaks QUIC")
            } else if dep == "axum" && !["kordon-http", "kordon-anpr"].contains(&name.as_str()) {
                Some("only kordon-http (the console) and kordon-anpr (the camera endpoint) serve HTTP")
            } else if [
                "chacha20poly1305",
                "aes-gcm",
                "ring",
                "tss-esapi",
                "secret-service",
            ]
            .contains(&dep.as_str())
                && name.as_str() != "kordon-vault"
            {
                Some("the cryptography of data at rest is kordon-vault's")
            } else if dep == "object_store" && name.as_str() != "kordon-objects" {
                Some("object storage only behind the blob port (kordon-objects)")
            } else if ["kordon-server", "kordon-app", "kordon-e2e"].contains(&dep.as_str()) {
                Some("no crate depends on a binary's wiring")
            } else {
                None
            };
            if let Some(rule) = rule {
                broken.push(format!("{name} depends on {dep}: {rule}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "layering rules broken (crates/README.md):\n{}",
        broken.join("\n")
    );
}
