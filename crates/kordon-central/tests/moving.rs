//! A server's storage moved into PostgreSQL (started for the test) when
//! what it holds came from hostile input: a login attempted under a name
//! holding a NUL, which PostgreSQL cannot keep as text, is in the audit
//! trail. The move keeps it (with U+FFFD in the NUL's place) and its
//! check passes.

use kordon_central::Central;
use kordon_postgres::{migrate, PgStore};
use kordon_test_support::postgres::Postgres;

#[test]
fn a_name_holding_a_nul_moves_and_checks() {
    let dir = tempfile::tempdir().expect("tmp");
    let central = Central::init(&dir.path().join("server"), "127.0.0.1:4433").expect("init");
    assert!(central
        .login("ev\0il", "guess", Some("198.51.100.7:5000"), 1_000)
        .is_err());
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let mut dest = PgStore::open(&url).expect("open");
    let moved = central.move_storage(&mut dest).expect("the move");
    assert_eq!(moved.audit_entries, 1, "{moved:?}");
    central.check_moved(&mut dest).expect("the check, again");
    assert_eq!(
        pg.sql("kordon", "SELECT actor FROM audit").expect("actor"),
        "ev\u{FFFD}il"
    );
}

/// What the server wrote itself (a hotlist, signed by its key: records
/// of origin `local`) is indexed on the destination too: the move's
/// index check compares the hotlists.
#[test]
fn a_server_with_its_own_hotlist_moves_and_checks() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut central = Central::init(&dir.path().join("server"), "127.0.0.1:4433").expect("init");
    central
        .hotlist_add(
            "Wanted",
            &[],
            &kordon_model::NewHotlistEntry {
                value: "AA1234BC".into(),
                reason: "stolen".into(),
                priority: None,
                valid_from_ms: None,
                valid_until_ms: None,
            },
            &kordon_model::OfficerId::new("SUP-1").expect("officer"),
            1_000,
        )
        .expect("a hotlist");
    let pg = Postgres::start();
    let url = pg.database("kordon");
    migrate(&url).expect("migrate");
    let mut dest = PgStore::open(&url).expect("open");
    central.move_storage(&mut dest).expect("the move");
    assert_eq!(
        pg.sql("kordon", "SELECT name FROM hotlists")
            .expect("hotlists"),
        "Wanted"
    );
}
