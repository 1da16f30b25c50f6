//! `kordon-server migrate` against a real PostgreSQL (started for the
//! test): the schema applied once, the address from `--to` or
//! `KORDON_STORE`, and a database it cannot reach named without its
//! password.

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
    assert!(
        text(&first).contains("applied schema version 1"),
        "{}",
        text(&first)
    );
    assert_eq!(
        pg.sql(
            "kordon",
            "SELECT string_agg(version::text, ',') FROM kordon_schema"
        ),
        Ok("1".to_string())
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
