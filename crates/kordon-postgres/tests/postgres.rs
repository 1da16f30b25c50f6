//! The PostgreSQL backend against a real PostgreSQL (started for the
//! test, in a throwaway folder): the ports' conformance suites, the
//! schema's versions, and what the database itself refuses.

use kordon_ports::AccountStore;
use kordon_postgres::{migrate, PgError, PgStore, MIGRATIONS};
use kordon_test_support::postgres::Postgres;
use std::cell::Cell;

#[test]
fn the_postgres_store_passes_the_accounts_conformance_suite() {
    let pg = Postgres::start();
    let n = Cell::new(0);
    kordon_ports::conformance::accounts(&|| {
        n.set(n.get() + 1);
        let url = pg.database(&format!("accounts{}", n.get()));
        migrate(&url).expect("migrate");
        Box::new(PgStore::open(&url).expect("open"))
    });
}

/// A database is opened only at this Kordon's schema: behind, it says to
/// migrate; migrating applies each version once, also when two processes
/// migrate at once; ahead, it is refused untouched.
#[test]
fn the_schema_is_versioned_and_migrated_once() {
    let pg = Postgres::start();
    let url = pg.database("kordon");
    match PgStore::open(&url) {
        Err(PgError::Schema { found: 0, what, .. }) => assert!(what.contains("migrate"), "{what}"),
        other => panic!("an empty database opened: {other:?}"),
    }
    let all: Vec<i32> = MIGRATIONS.iter().map(|(v, _)| *v).collect();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| migrate(&url).expect("migrate a"));
        let b = s.spawn(|| migrate(&url).expect("migrate b"));
        (a.join().expect("a"), b.join().expect("b"))
    });
    let mut both = [a, b].concat();
    both.sort_unstable();
    assert_eq!(both, all, "each version applied once, by one of the two");
    assert_eq!(migrate(&url).expect("again"), Vec::<i32>::new());
    PgStore::open(&url).expect("open");

    pg.sql("kordon", "INSERT INTO kordon_schema VALUES (9999, 0)")
        .expect("a newer Kordon");
    match PgStore::open(&url) {
        Err(PgError::Schema { found: 9999, .. }) => {}
        other => panic!("a newer schema opened: {other:?}"),
    }
    assert!(matches!(
        migrate(&url),
        Err(PgError::Schema { found: 9999, .. })
    ));
}

/// The audit trail cannot be changed, even by a program with the
/// database's own password: the triggers refuse it.
#[test]
fn the_audit_trail_is_append_only_in_the_database() {
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let store = PgStore::open(&url).expect("open");
    store
        .audit_append(
            &kordon_ports::NewAuditEntry {
                action: "login",
                detail: "",
                ..Default::default()
            },
            1_000,
        )
        .expect("append");
    for sql in [
        "UPDATE audit SET detail = 'nothing happened'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ] {
        let e = pg.sql("kordon", sql).expect_err(sql);
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(store.audit(None, 10).expect("audit").len(), 1);
}

/// A database that does not answer: a clear error naming it (without its
/// password), not a hang or a panic.
#[test]
fn an_unreachable_database_is_reported_plainly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("postgres://kordon:s3cret@127.0.0.1:{port}/kordon");
    let e = PgStore::open(&url).expect_err("nothing listens");
    let text = e.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

/// A database that cannot hold every script (not UTF-8) is refused at
/// open, saying why, before any name is written into it.
#[test]
fn a_database_not_in_utf8_is_refused() {
    let pg = Postgres::start();
    pg.sql(
        "postgres",
        "CREATE DATABASE latin ENCODING 'LATIN1' TEMPLATE template0",
    )
    .expect("a LATIN1 database");
    let url = pg.url("latin");
    migrate(&url).expect("migrate");
    let e = PgStore::open(&url).expect_err("LATIN1");
    assert!(e.to_string().contains("UTF8"), "{e}");
}

/// Another process changes an account's password while a login that
/// checked the old one opens its session: the session waits for that
/// change and is then refused, so none outlives the password it was
/// opened with.
#[test]
fn a_session_does_not_outlive_a_password_changed_by_another_process() {
    use kordon_ports::NewSession;
    use std::io::Write;
    use std::time::Duration;

    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let store = PgStore::open(&url).expect("open");
    store
        .user_insert("sup.koval", "supervisor", "old", 1_000)
        .expect("insert");

    // The other process: a password change, begun and not committed.
    // psql says `updated` once the UPDATE has run and holds the row (a
    // session "idle in transaction" may only have run the BEGIN).
    let mut other = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("psql");
    let mut input = other.stdin.take().expect("stdin");
    let mut said = std::io::BufReader::new(other.stdout.take().expect("stdout"));
    writeln!(
        input,
        "BEGIN;\nUPDATE users SET password_hash = 'new', password_ms = 2000 WHERE name = 'sup.koval';\n\\echo updated"
    )
    .expect("write");
    input.flush().expect("flush");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut said, &mut line).expect("psql answers");
    assert_eq!(line.trim(), "updated", "the change did not run");
    let waiting = |state: &str| {
        pg.sql(
            "kordon",
            &format!("SELECT count(*) FROM pg_stat_activity WHERE datname = 'kordon' AND {state}"),
        )
        .ok()
        .filter(|n| n.as_str() != "0")
    };

    std::thread::scope(|s| {
        let login = s.spawn(|| {
            store.session_open(
                &NewSession {
                    token_hash: b"t1",
                    user: "sup.koval",
                    csrf: "c",
                    peer: None,
                    password_ms: 1_000,
                },
                3_000,
            )
        });
        kordon_test_support::wait_for(
            "the login to wait for the change",
            Duration::from_secs(30),
            || waiting("wait_event_type = 'Lock'"),
        );
        writeln!(
            input,
            "DELETE FROM sessions WHERE \"user\" = 'sup.koval'; COMMIT;"
        )
        .expect("write");
        input.flush().expect("flush");
        let opened = login.join().expect("login").expect("session_open");
        assert!(!opened, "a session was opened with the old password");
    });
    drop(input);
    other.wait().expect("psql ends");
    assert_eq!(store.session(b"t1").expect("session"), None);
}
