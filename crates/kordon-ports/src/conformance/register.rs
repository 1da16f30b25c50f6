//! The register port's cases. The register reads the record log (who
//! follows which document, what goes down to whom) and the index (which
//! units read a hotlist), so a backend under test implements all three.

use super::records::{create, decide};
use crate::{
    Index, IngestOutcome, LastSync, NewEnrollment, Origin, RecordLog, Register, Standing, Stated,
    WipeTarget,
};
use kordon_model::Outcome;
use kordon_record::{DeviceKey, PublicKey};

/// A backend of the three ports.
pub trait Backend: Register + RecordLog + Index {}
impl<T: Register + RecordLog + Index> Backend for T {}

/// Opens an empty backend.
pub type OpenBackend<'a> = &'a dyn Fn() -> Box<dyn Backend>;

/// Runs every case of the register port.
pub fn register(open: OpenBackend<'_>) {
    an_enrollment_secret_enrolls_one_device_once(&mut *open());
    a_revocation_and_a_wipe_reach_what_they_name(&mut *open());
    what_a_vehicle_states_and_how_its_sessions_went_are_kept(&mut *open());
    a_device_reads_what_it_follows_and_gets_what_others_wrote(&mut *open());
    a_device_following_many_documents_gets_what_others_wrote(&mut *open());
    a_blob_is_registered_once(&mut *open());
}

fn enroll(r: &dyn Backend, unit: &str, secret: &[u8], device: &PublicKey, now_ms: i64) {
    r.enrollment_insert(&NewEnrollment {
        secret_hash: secret,
        unit,
        created_ms: now_ms,
        expires_ms: now_ms + 1_000,
        created_by: None,
    })
    .expect("insert");
    assert_eq!(
        r.enrollment_redeem(secret, device, now_ms).expect("redeem"),
        Some(unit.to_string())
    );
}

fn an_enrollment_secret_enrolls_one_device_once(r: &mut dyn Backend) {
    let (a, b) = (
        DeviceKey::generate().public(),
        DeviceKey::generate().public(),
    );
    let secret = [0xab; 32];
    r.enrollment_insert(&NewEnrollment {
        secret_hash: &secret,
        unit: "MOBILE-1",
        created_ms: 1_000,
        expires_ms: 5_000,
        created_by: Some("adm.bondar"),
    })
    .expect("insert");
    r.enrollment_insert(&NewEnrollment {
        secret_hash: &[0xcd; 32],
        unit: "MOBILE-2",
        created_ms: 2_000,
        expires_ms: 3_000,
        created_by: None,
    })
    .expect("insert");
    let pending = r.enrollments_pending(1_500).expect("pending");
    let ids: Vec<_> = pending.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        ["cdcdcdcdcdcdcdcd", "abababababababab"],
        "newest first"
    );
    assert_eq!(pending[1].created_by.as_deref(), Some("adm.bondar"));
    assert_eq!(
        r.enrollments_pending(3_000).expect("pending").len(),
        1,
        "an expired secret is no longer pending"
    );
    assert_eq!(r.device_standing(&a).expect("standing"), Standing::Unknown);
    assert_eq!(
        r.enrollment_redeem(&[0xcd; 32], &a, 3_000).expect("redeem"),
        None,
        "expired"
    );
    assert_eq!(
        r.enrollment_redeem(&[0xee; 32], &a, 1_500).expect("redeem"),
        None,
        "unknown"
    );
    assert_eq!(
        r.enrollment_redeem(&secret, &a, 1_500).expect("redeem"),
        Some("MOBILE-1".into())
    );
    assert_eq!(
        r.device_standing(&a).expect("standing"),
        Standing::Enrolled {
            unit: "MOBILE-1".into()
        }
    );
    assert_eq!(
        r.device_enrolled(&a).expect("enrolled"),
        Some(("MOBILE-1".into(), 1_500))
    );
    assert_eq!(
        r.enrollment_redeem(&secret, &b, 1_600).expect("again"),
        None,
        "used"
    );
    assert_eq!(r.device_unit(&b).expect("unit"), None);

    // A device enrolled already does not use up a second secret.
    let another = [0x11; 32];
    r.enrollment_insert(&NewEnrollment {
        secret_hash: &another,
        unit: "MOBILE-3",
        created_ms: 1_700,
        expires_ms: 9_000,
        created_by: None,
    })
    .expect("insert");
    assert_eq!(
        r.enrollment_redeem(&another, &a, 1_800).expect("redeem"),
        None
    );
    assert_eq!(
        r.device_unit(&a).expect("unit"),
        Some("MOBILE-1".into()),
        "its unit is unchanged"
    );
    let pending_ids = |r: &dyn Backend, now_ms: i64| -> Vec<String> {
        r.enrollments_pending(now_ms)
            .expect("pending")
            .into_iter()
            .map(|p| p.id)
            .collect()
    };
    assert_eq!(
        pending_ids(r, 1_800),
        ["cdcdcdcdcdcdcdcd", "1111111111111111"],
        "the secret is still usable"
    );
    // Cancelled by the first 8 bytes of its hash.
    assert_eq!(
        r.enrollment_cancel(&another[..8], Some("adm.bondar"), 1_900)
            .expect("cancel"),
        1
    );
    assert_eq!(
        r.enrollment_cancel(&another[..8], None, 1_950)
            .expect("cancel"),
        0
    );
    assert_eq!(
        r.enrollment_redeem(&another, &b, 2_000).expect("redeem"),
        None,
        "cancelled"
    );
    assert_eq!(pending_ids(r, 2_000), ["cdcdcdcdcdcdcdcd"]);
}

fn a_revocation_and_a_wipe_reach_what_they_name(r: &mut dyn Backend) {
    let keys: Vec<PublicKey> = (0..3).map(|_| DeviceKey::generate().public()).collect();
    enroll(r, "MOBILE-1", &[1; 32], &keys[0], 1_000);
    enroll(r, "MOBILE-1", &[2; 32], &keys[1], 1_100);
    enroll(r, "MOBILE-2", &[3; 32], &keys[2], 1_200);
    r.enrollment_insert(&NewEnrollment {
        secret_hash: &[4; 32],
        unit: "MOBILE-1",
        created_ms: 1_300,
        expires_ms: 99_000,
        created_by: None,
    })
    .expect("insert");

    assert_eq!(
        r.device_revoke(&keys[0], "lost", Some("adm.bondar"), 2_000)
            .expect("revoke"),
        1
    );
    assert_eq!(
        r.device_revoke(&keys[0], "again", None, 2_100)
            .expect("revoke"),
        0,
        "revoked once"
    );
    assert_eq!(
        r.device_standing(&keys[0]).expect("standing"),
        Standing::Revoked {
            unit: "MOBILE-1".into(),
            reason: "lost".into(),
            wipe: false
        }
    );
    assert_eq!(
        r.unit_revoke("MOBILE-9", "", None, 2_200).expect("unit"),
        None
    );
    assert_eq!(
        r.unit_revoke("MOBILE-1", "unit stolen", None, 2_300)
            .expect("unit"),
        Some(1),
        "one device of the unit was still enrolled"
    );
    assert!(
        r.enrollments_pending(2_300).expect("pending").is_empty(),
        "the unit's unused secrets die with it"
    );
    assert!(matches!(
        r.device_standing(&keys[2]).expect("standing"),
        Standing::Enrolled { .. }
    ));

    // Prefixes of keys, in either case.
    let hex0 = keys[0].to_string();
    let prefix = &hex0[..10];
    assert_eq!(
        r.device_keys_starting(&prefix.to_ascii_uppercase())
            .expect("keys"),
        vec![keys[0]]
    );
    assert_eq!(r.device_keys_starting(prefix).expect("keys"), vec![keys[0]]);
    let mut all = r.device_keys_starting("").expect("keys");
    all.sort();
    let mut want = keys.clone();
    want.sort();
    assert_eq!(all, want);

    // A wipe reaches revoked devices only, once each.
    assert_eq!(
        r.wipe_order(WipeTarget::KeyPrefix(prefix), 3_000)
            .expect("wipe"),
        1
    );
    assert_eq!(
        r.wipe_order(WipeTarget::Unit("MOBILE-1"), 3_100)
            .expect("wipe"),
        1,
        "the other revoked device of the unit"
    );
    assert_eq!(
        r.wipe_order(WipeTarget::Unit("MOBILE-2"), 3_200)
            .expect("wipe"),
        0,
        "an enrolled device is not wiped"
    );
    assert!(matches!(
        r.device_standing(&keys[0]).expect("standing"),
        Standing::Revoked { wipe: true, .. }
    ));
    r.wipe_told(&keys[0], Some((7, 1_000_000)), 4_000)
        .expect("told");
    r.wipe_told(&keys[0], Some((0, 0)), 5_000).expect("told");
    let wipe = r
        .devices()
        .expect("devices")
        .into_iter()
        .find(|d| d.key == hex0)
        .and_then(|d| d.wipe)
        .expect("a wipe");
    assert_eq!(
        (
            wipe.ordered_ms,
            wipe.told_ms,
            wipe.backlog_records,
            wipe.backlog_scan_bytes
        ),
        (3_000, Some(4_000), Some(7), Some(1_000_000)),
        "the first telling is kept"
    );
}

fn what_a_vehicle_states_and_how_its_sessions_went_are_kept(r: &mut dyn Backend) {
    let (a, b) = (DeviceKey::generate(), DeviceKey::generate().public());
    enroll(r, "MOBILE-2", &[1; 32], &a.public(), 1_000);
    enroll(r, "MOBILE-1", &[2; 32], &b, 1_100);
    let info = |r: &dyn Backend, key: &PublicKey| {
        r.devices()
            .expect("devices")
            .into_iter()
            .find(|d| d.key == key.to_string())
            .expect("listed")
    };
    let units = |r: &dyn Backend| -> Vec<String> {
        r.devices()
            .expect("devices")
            .into_iter()
            .map(|d| d.unit)
            .collect()
    };
    assert_eq!(units(r), ["MOBILE-1", "MOBILE-2"], "by unit");
    let first = info(r, &a.public());
    assert_eq!(first.last_sync, LastSync::Never);
    assert_eq!(first.fingerprint.len(), 19);
    assert_eq!((first.records, first.app_version.clone()), (0, None));

    r.device_seen(&a.public(), "198.51.100.7:4433", 2_000, true)
        .expect("seen");
    r.device_stated(
        &a.public(),
        &Stated {
            app_version: "1.4.2",
            backlog_records: 10,
            backlog_scan_bytes: 5_000,
            clock_offset_ms: -1_200,
        },
        2_000,
    )
    .expect("stated");
    assert_eq!(
        info(r, &a.public()).last_sync,
        LastSync::Interrupted,
        "started, not finished"
    );
    assert_eq!(
        r.device_backlog(&a.public()).expect("backlog"),
        Some((10, 5_000))
    );
    r.device_delivered(&a.public(), 4, 9_000)
        .expect("delivered");
    assert_eq!(
        r.device_backlog(&a.public()).expect("backlog"),
        Some((6, 0)),
        "never below zero"
    );
    r.device_sync_finished(&a.public(), 2_500)
        .expect("finished");
    let (mut doc, genesis) = create(&a, "AA1234BC", 2_100);
    let decision = decide(&a, &mut doc, Outcome::Release, 2_200);
    r.append(&[genesis, decision], Origin::Remote, 2_300, None)
        .expect("append");
    let seen = info(r, &a.public());
    assert_eq!(seen.last_sync, LastSync::Complete);
    assert_eq!(seen.last_addr.as_deref(), Some("198.51.100.7:4433"));
    assert_eq!(seen.last_seen_ms, Some(2_000));
    assert_eq!(seen.app_version.as_deref(), Some("1.4.2"));
    assert_eq!(seen.clock_offset_ms, Some(-1_200));
    assert_eq!(seen.stated_ms, Some(2_000));
    assert_eq!(seen.records, 2, "records stored from it");

    r.device_seen(&a.public(), "198.51.100.8:4433", 3_000, false)
        .expect("seen");
    assert_eq!(
        info(r, &a.public()).last_sync,
        LastSync::Complete,
        "a contact that starts no session changes no session"
    );
    r.device_refused(&a.public(), 4_000).expect("refused");
    r.device_refused(&a.public(), 4_100).expect("refused");
    let refused = info(r, &a.public());
    assert_eq!(refused.last_sync, LastSync::Refused);
    assert_eq!(
        (refused.refused_count, refused.last_refused_ms),
        (2, Some(4_100))
    );
    r.device_delivered(&b, 3, 300).expect("delivered");
    assert_eq!(
        r.device_backlog(&b).expect("backlog"),
        None,
        "a backlog never stated stays unstated"
    );
    assert_eq!(info(r, &b).backlog_records, None);

    // Units sort by their bytes, whatever the database's language.
    let (c, d) = (
        DeviceKey::generate().public(),
        DeviceKey::generate().public(),
    );
    enroll(r, "alpha", &[3; 32], &c, 1_200);
    enroll(r, "Beta", &[4; 32], &d, 1_300);
    assert_eq!(units(r), ["Beta", "MOBILE-1", "MOBILE-2", "alpha"]);
}

fn a_device_reads_what_it_follows_and_gets_what_others_wrote(r: &mut dyn Backend) {
    let (a, b) = (DeviceKey::generate(), DeviceKey::generate());
    enroll(r, "MOBILE-1", &[1; 32], &a.public(), 1_000);
    enroll(r, "MOBILE-1", &[2; 32], &b.public(), 1_000);
    let (mut doc, genesis) = create(&a, "AA1234BC", 1_100);
    let doc_id = genesis.doc_id();
    let out = r
        .append(
            std::slice::from_ref(&genesis),
            Origin::Remote,
            1_200,
            Some(&a.public()),
        )
        .expect("append");
    assert!(matches!(out[0], IngestOutcome::Stored { .. }));
    assert!(r.device_reads_doc(&a.public(), &doc_id).expect("reads"));
    assert!(!r.device_reads_doc(&b.public(), &doc_id).expect("reads"));
    assert!(r
        .device_reads_record(&a.public(), &genesis.id().0)
        .expect("reads"));
    assert!(!r
        .device_reads_record(&b.public(), &genesis.id().0)
        .expect("reads"));
    assert!(!r
        .device_reads_record(&a.public(), &[9; 32])
        .expect("an unknown record"));
    assert_eq!(r.doc_starter(&doc_id).expect("starter"), Some(a.public()));
    assert_eq!(r.doc_starter(&[9; 16]).expect("starter"), None);
    assert!(r
        .signs_where_device_reads(&b.public(), &b.public())
        .expect("itself"));
    assert!(!r
        .signs_where_device_reads(&b.public(), &a.public())
        .expect("a stranger"));

    // Nothing goes down to `a` of its own; its cursor moves to the head
    // (of what the index has seen: the server projects before paging).
    r.project(2_000).expect("project");
    let page = r.records_down(&a.public(), 0, 10, 1 << 20).expect("down");
    assert!(page.records.is_empty() && !page.more);
    let head = page.cursor;
    assert!(head >= 1, "the cursor is at the head");

    // `b` takes the document over (continuing it as its own copy) and
    // writes to it three times: it follows it now, and those records go
    // down to `a`.
    let saved = doc.save();
    let mut theirs =
        kordon_model::InspectionDoc::load(&saved, b.public().as_bytes()).expect("load");
    let written: Vec<_> = (0..3)
        .map(|i| decide(&b, &mut theirs, Outcome::Detain, 2_000 + i))
        .collect();
    let out = r
        .append(&written, Origin::Remote, 2_100, Some(&b.public()))
        .expect("append");
    assert!(
        out.iter()
            .all(|o| matches!(o, IngestOutcome::Stored { .. })),
        "{out:?}"
    );
    assert!(r.device_reads_doc(&b.public(), &doc_id).expect("reads"));
    assert!(r
        .signs_where_device_reads(&b.public(), &a.public())
        .expect("a signer of a document it follows"));
    let sizes: Vec<usize> = written.iter().map(|w| w.bytes().len()).collect();
    r.project(2_200).expect("project");

    // Two at most per page.
    let first = r.records_down(&a.public(), head, 2, 1 << 20).expect("down");
    assert_eq!(first.records.len(), 2);
    assert!(first.more);
    assert_eq!(first.records[0], written[0].bytes());
    let second = r
        .records_down(&a.public(), first.cursor, 2, 1 << 20)
        .expect("down");
    assert_eq!(second.records, vec![written[2].bytes().to_vec()]);
    assert!(!second.more);
    assert!(second.cursor > first.cursor);
    // By bytes: a page holds what fits, and one record alone even if it
    // does not.
    let tight = r
        .records_down(&a.public(), head, 10, sizes[0] + sizes[1] - 1)
        .expect("down");
    assert_eq!(tight.records.len(), 1);
    assert!(tight.more);
    let tiny = r.records_down(&a.public(), head, 10, 1).expect("down");
    assert_eq!(tiny.records.len(), 1, "one record alone");
    // Nothing of its own goes down to `b`.
    let to_b = r.records_down(&b.public(), 0, 10, 1 << 20).expect("down");
    assert_eq!(to_b.records, vec![genesis.bytes().to_vec()]);

    // Asked of many at once, the same answers as one by one.
    let (_, other) = create(&b, "BB5678CE", 2_300);
    r.append(
        std::slice::from_ref(&other),
        Origin::Remote,
        2_400,
        Some(&b.public()),
    )
    .expect("append");
    let docs = [doc_id, other.doc_id(), [9; 16]];
    let ids = [genesis.id().0, written[1].id().0, other.id().0, [9; 32]];
    assert_eq!(
        r.docs_device_reads(&a.public(), &docs).expect("reads"),
        [doc_id].into()
    );
    assert_eq!(
        r.docs_device_reads(&b.public(), &docs).expect("reads"),
        [doc_id, other.doc_id()].into()
    );
    assert_eq!(
        r.records_device_reads(&a.public(), &ids).expect("reads"),
        [genesis.id().0, written[1].id().0].into()
    );
    assert_eq!(
        r.records_device_reads(&b.public(), &ids).expect("reads"),
        ids[..3].iter().copied().collect()
    );
    assert_eq!(
        r.doc_starters(&docs).expect("starters"),
        [(doc_id, a.public()), (other.doc_id(), b.public())].into()
    );
}

/// A vehicle long in service follows thousands of documents (a backend
/// may find what goes down to it another way than for a new one).
fn a_device_following_many_documents_gets_what_others_wrote(r: &mut dyn Backend) {
    let (a, b) = (DeviceKey::generate(), DeviceKey::generate());
    enroll(r, "MOBILE-1", &[1; 32], &a.public(), 1_000);
    enroll(r, "MOBILE-1", &[2; 32], &b.public(), 1_000);
    let mut made: Vec<_> = (0..1_200)
        .map(|i| create(&a, "AA1234BC", 1_100 + i))
        .collect();
    let genesis: Vec<_> = made.iter().map(|(_, g)| g.clone()).collect();
    r.append(&genesis, Origin::Remote, 2_000, Some(&a.public()))
        .expect("append");
    r.project(2_100).expect("project");
    let start = r.records_down(&a.public(), 0, 10, 1 << 20).expect("down");
    assert!(start.records.is_empty() && !start.more);
    // `b` writes to three of them, far apart.
    let mut written = vec![];
    for n in [0usize, 600, 1_199] {
        let doc = &mut made[n].0;
        let mut theirs =
            kordon_model::InspectionDoc::load(&doc.save(), b.public().as_bytes()).expect("load");
        written.push(decide(&b, &mut theirs, Outcome::Release, 3_000 + n as i64));
    }
    r.append(&written, Origin::Remote, 3_100, Some(&b.public()))
        .expect("append");
    r.project(3_200).expect("project");
    let mut got = vec![];
    let mut cursor = 0;
    loop {
        let page = r
            .records_down(&a.public(), cursor, 2, 1 << 20)
            .expect("down");
        got.extend(page.records);
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    let wanted: Vec<Vec<u8>> = written.iter().map(|w| w.bytes().to_vec()).collect();
    assert_eq!(got, wanted, "what b wrote, in order, and nothing else");
    // From its cursor on, nothing more.
    let after = r
        .records_down(&a.public(), cursor, 10, 1 << 20)
        .expect("down");
    assert!(after.records.is_empty() && !after.more);
}

fn a_blob_is_registered_once(r: &mut dyn Backend) {
    let a = DeviceKey::generate().public();
    r.blob_arrived("aa11", 1_000, 1_500, &a, 5_000)
        .expect("arrived");
    r.blob_arrived("aa11", 1_000, 9_999, &a, 6_000)
        .expect("again");
    r.blob_arrived("bb22", 10, 10, &a, 7_000).expect("arrived");
    let blobs = r.blobs_received().expect("blobs");
    let got: Vec<_> = blobs
        .iter()
        .map(|b| (b.blob.as_str(), b.size, b.received, b.stored_ms))
        .collect();
    assert_eq!(
        got,
        [("bb22", 10, 10, 7_000), ("aa11", 1_000, 1_500, 5_000)],
        "newest first; the first arrival kept"
    );
    assert_eq!(blobs[0].device, a.to_string());
}
