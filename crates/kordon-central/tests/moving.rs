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
