//! The conformance suite: what every implementation of a port must do,
//! run by each backend's tests against a real engine (the SQLite file,
//! PostgreSQL), so no backend drifts from another. Each case starts from
//! an empty store made by the caller's `open`; a case panics, naming what
//! broke, on the first difference.

mod index;
pub mod records;
mod register;
mod trail;

pub use index::{index, IndexBackend, OpenIndex};
pub use records::{records, OpenLog};
pub use register::{register, Backend, OpenBackend};
pub use trail::{trail, OpenTrail, TrailBackend};

use crate::{AccountStore, NewAuditEntry, NewSession};

/// Opens a session for `user` as a login that read `password_ms`.
fn open_session(
    s: &dyn AccountStore,
    token: &[u8],
    user: &str,
    password_ms: i64,
    peer: Option<&str>,
    now_ms: i64,
) -> bool {
    let csrf = format!("csrf-{}", String::from_utf8_lossy(token));
    s.session_open(
        &NewSession {
            token_hash: token,
            user,
            csrf: &csrf,
            peer,
            password_ms,
        },
        now_ms,
    )
    .expect("session")
}

/// Runs every case of the accounts port.
pub fn accounts(open: &dyn Fn() -> Box<dyn AccountStore>) {
    accounts_are_added_once_and_listed_by_name(&*open());
    failed_logins_count_until_a_success(&*open());
    disabling_or_a_new_password_ends_the_sessions(&*open());
    sessions_are_found_touched_ended_and_expired(&*open());
    the_audit_trail_pages_newest_first(&*open());
    text_in_any_script_and_a_nul_is_kept_or_looked_up(&*open());
}

fn accounts_are_added_once_and_listed_by_name(s: &dyn AccountStore) {
    assert!(s
        .user_insert("sup.koval", "supervisor", "$argon2id$a", 1_000)
        .expect("insert"));
    assert!(
        !s.user_insert("sup.koval", "admin", "$argon2id$b", 2_000)
            .expect("again"),
        "a name is taken once"
    );
    assert!(s
        .user_insert("adm.bondar", "admin", "$argon2id$c", 3_000)
        .expect("insert"));
    assert!(s.user_insert("Zed", "auditor", "h", 3_000).expect("insert"));
    assert!(s
        .user_insert("юрій", "auditor", "h", 3_000)
        .expect("insert"));
    let koval = s.user("sup.koval").expect("user").expect("found");
    assert_eq!(
        (
            koval.role.as_str(),
            koval.password_hash.as_str(),
            koval.created_ms,
            koval.password_ms
        ),
        ("supervisor", "$argon2id$a", 1_000, 1_000),
        "the first insert stands"
    );
    assert_eq!(
        (koval.disabled_ms, koval.failed_logins, koval.last_failed_ms),
        (None, 0, None)
    );
    assert_eq!(s.user("nobody").expect("user"), None);
    let names: Vec<String> = s
        .users()
        .expect("users")
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(
        names,
        ["Zed", "adm.bondar", "sup.koval", "юрій"],
        "by name, byte by byte (capitals first, Cyrillic after Latin)"
    );
}

fn failed_logins_count_until_a_success(s: &dyn AccountStore) {
    s.user_insert("sup.koval", "supervisor", "h", 1_000)
        .expect("insert");
    for at in [2_000, 3_000, 4_000] {
        s.user_login_failed("sup.koval", at).expect("failed");
    }
    s.user_login_failed("nobody", 4_500)
        .expect("an unknown name changes nothing");
    let u = s.user("sup.koval").expect("user").expect("found");
    assert_eq!((u.failed_logins, u.last_failed_ms), (3, Some(4_000)));
    s.user_login_succeeded("sup.koval").expect("succeeded");
    let u = s.user("sup.koval").expect("user").expect("found");
    assert_eq!((u.failed_logins, u.last_failed_ms), (0, None));
}

fn disabling_or_a_new_password_ends_the_sessions(s: &dyn AccountStore) {
    s.user_insert("sup.koval", "supervisor", "old", 1_000)
        .expect("insert");
    s.user_insert("sup.lysenko", "supervisor", "h", 1_000)
        .expect("insert");
    assert!(open_session(
        s,
        b"t1",
        "sup.koval",
        1_000,
        Some("10.0.0.1"),
        2_000
    ));
    assert!(open_session(s, b"t2", "sup.lysenko", 1_000, None, 2_000));
    s.user_login_failed("sup.koval", 2_500).expect("failed");

    assert!(s
        .user_set_password("sup.koval", "new", 3_000)
        .expect("password"));
    let u = s.user("sup.koval").expect("user").expect("found");
    assert_eq!(
        (
            u.password_hash.as_str(),
            u.password_ms,
            u.failed_logins,
            u.last_failed_ms
        ),
        ("new", 3_000, 0, None)
    );
    assert_eq!(u.created_ms, 1_000);
    assert_eq!(
        s.session(b"t1").expect("session"),
        None,
        "a new password ends its sessions"
    );
    assert!(
        s.session(b"t2").expect("session").is_some(),
        "not another account's"
    );
    assert!(!s.user_set_password("nobody", "x", 3_000).expect("password"));

    assert!(s.user_disable("sup.lysenko", 4_000).expect("disable"));
    assert!(s.user_disable("sup.lysenko", 5_000).expect("again"));
    let u = s.user("sup.lysenko").expect("user").expect("found");
    assert_eq!(u.disabled_ms, Some(4_000), "disabled when first disabled");
    assert_eq!(
        s.session(b"t2").expect("session"),
        None,
        "disabling ends its sessions"
    );
    assert!(
        !open_session(s, b"t4", "sup.koval", 1_000, None, 5_000),
        "a login that checked the password before it changed opens no session"
    );
    assert_eq!(s.session(b"t4").expect("session"), None);
    assert!(
        !open_session(s, b"t5", "sup.lysenko", 1_000, None, 5_000),
        "nor one of an account disabled since"
    );
    assert!(open_session(s, b"t3", "sup.koval", 3_000, None, 5_000));
    assert!(s.user_disable("sup.lysenko", 6_000).expect("again"));
    assert!(
        s.session(b"t3").expect("session").is_some(),
        "disabling ends that account's sessions only"
    );
    assert!(!s.user_disable("nobody", 4_000).expect("disable"));
}

fn sessions_are_found_touched_ended_and_expired(s: &dyn AccountStore) {
    s.user_insert("sup.koval", "supervisor", "h", 1_000)
        .expect("insert");
    assert!(
        !open_session(s, b"orphan", "nobody", 1_000, None, 1_000),
        "a session belongs to an account that exists"
    );
    assert!(open_session(s, b"old", "sup.koval", 1_000, None, 1_000));
    assert!(open_session(s, b"idle", "sup.koval", 1_000, None, 5_000));
    assert!(open_session(s, b"live", "sup.koval", 1_000, None, 5_000));
    assert!(open_session(s, b"gone", "sup.koval", 1_000, None, 5_000));
    s.session_touch(b"live", 9_000).expect("touch");
    s.session_touch(b"old", 9_000).expect("touch");
    let live = s.session(b"live").expect("session").expect("found");
    assert_eq!(
        (
            live.user.as_str(),
            live.csrf.as_str(),
            live.created_ms,
            live.last_seen_ms
        ),
        ("sup.koval", "csrf-live", 5_000, 9_000)
    );
    s.session_delete(b"gone").expect("delete");
    assert_eq!(s.session(b"gone").expect("session"), None);
    // Idle since before 8 000 (idle), or begun before 2 000 (old); not
    // one seen at 9 000 exactly, nor one begun at 5 000 exactly.
    assert_eq!(s.sessions_expire(8_000, 2_000).expect("expire"), 2);
    assert_eq!(
        s.sessions_expire(9_000, 5_000).expect("expire"),
        0,
        "the bounds are strict"
    );
    assert_eq!(s.session(b"idle").expect("session"), None);
    assert_eq!(s.session(b"old").expect("session"), None);
    assert!(s.session(b"live").expect("session").is_some());
}

fn the_audit_trail_pages_newest_first(s: &dyn AccountStore) {
    let entry = |action: &'static str, refused: bool| NewAuditEntry {
        actor: Some("sup.koval"),
        role: Some("supervisor"),
        action,
        target: Some("an inspection"),
        refused,
        detail: "what it said",
        peer: Some("10.0.0.1"),
    };
    s.audit_append(&entry("login", false), 1_000)
        .expect("append");
    s.audit_append(&entry("review", true), 2_000)
        .expect("append");
    s.audit_append_all(&[
        (3_000, entry("annotate", false)),
        (2_500, entry("logout", false)),
    ])
    .expect("append all");
    s.audit_append_all(&[]).expect("nothing to append");
    let all = s.audit(None, 10).expect("audit");
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["logout", "annotate", "review", "login"],
        "newest appended first"
    );
    assert!(all.windows(2).all(|w| w[0].n > w[1].n), "numbered in order");
    let review = &all[2];
    assert_eq!(
        (
            review.at_ms,
            review.outcome.as_str(),
            review.detail.as_str()
        ),
        (2_000, "refused", "what it said")
    );
    assert_eq!(
        (
            review.actor.as_deref(),
            review.role.as_deref(),
            review.target.as_deref(),
            review.peer.as_deref()
        ),
        (
            Some("sup.koval"),
            Some("supervisor"),
            Some("an inspection"),
            Some("10.0.0.1")
        )
    );
    assert_eq!(all[3].outcome, "ok");
    let times: Vec<i64> = all.iter().map(|e| e.at_ms).collect();
    assert_eq!(times, [2_500, 3_000, 2_000, 1_000], "each at its own time");
    let page = s.audit(Some(all[1].n), 2).expect("page");
    assert_eq!(page, all[2..4].to_vec(), "the page before an entry");
    assert_eq!(
        s.audit(None, 1).expect("page"),
        all[..1].to_vec(),
        "at most the limit"
    );
    assert_eq!(
        s.audit(Some(all[0].n), 1).expect("page"),
        all[1..2].to_vec()
    );
    assert_eq!(s.audit(Some(all[3].n), 10).expect("page"), vec![]);
}

fn text_in_any_script_and_a_nul_is_kept_or_looked_up(s: &dyn AccountStore) {
    // Nothing given: nothing stored, not an empty text.
    s.audit_append(
        &NewAuditEntry {
            action: "logout",
            detail: "",
            ..Default::default()
        },
        1_000,
    )
    .expect("append");
    let bare = &s.audit(None, 1).expect("audit")[0];
    assert_eq!(
        (
            bare.actor.as_deref(),
            bare.role.as_deref(),
            bare.target.as_deref(),
            bare.peer.as_deref()
        ),
        (None, None, None, None)
    );
    assert_eq!((bare.detail.as_str(), bare.outcome.as_str()), ("", "ok"));

    s.user_insert("оператор.Ковальчук", "supervisor", "h", 1_000)
        .expect("insert");
    assert!(s.user("оператор.Ковальчук").expect("user").is_some());
    // A NUL (a hostile login name, a detail copied from a request) is no
    // reason for a storage error: an unknown name, an entry kept.
    assert_eq!(
        s.user("sup\0koval")
            .expect("a name with a NUL is looked up"),
        None
    );
    s.user_login_failed("sup\0koval", 2_000)
        .expect("counted against nobody");
    s.audit_append(
        &NewAuditEntry {
            actor: Some("sup\0koval"),
            action: "login",
            refused: true,
            detail: "wrong\0password",
            ..Default::default()
        },
        2_000,
    )
    .expect("an entry with a NUL is kept");
    let kept = &s.audit(None, 1).expect("audit")[0];
    assert!(
        kept.detail.starts_with("wrong") && kept.detail.ends_with("password"),
        "{kept:?}"
    );
}
