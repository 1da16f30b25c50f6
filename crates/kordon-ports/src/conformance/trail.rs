//! The trail port's cases. The trail reads the record log, the register
//! (which unit a signer belongs to) and the console's audit trail, so a
//! backend under test implements all four.

use super::records::{create, decide};
use crate::trail::{Trail, TrailFilter, TrailPosition, TRAIL_RANK_REFUSAL};
use crate::{AccountStore, NewAuditEntry, NewEnrollment, Origin, RecordLog, Register};
use kordon_model::Outcome;
use kordon_record::DeviceKey;

/// A backend of the four ports.
pub trait TrailBackend: Trail + RecordLog + Register + AccountStore {}
impl<T: Trail + RecordLog + Register + AccountStore> TrailBackend for T {}

/// Opens an empty backend.
pub type OpenTrail<'a> = &'a dyn Fn() -> Box<dyn TrailBackend>;

/// Runs every case of the trail port.
pub fn trail(open: OpenTrail<'_>) {
    each_source_reads_newest_first_filtered_and_from_a_position(&mut *open());
}

fn enroll(s: &dyn TrailBackend, unit: &str, secret: &[u8], device: &DeviceKey) {
    s.enrollment_insert(&NewEnrollment {
        secret_hash: secret,
        unit,
        created_ms: 0,
        expires_ms: 1_000_000,
        created_by: None,
    })
    .expect("insert");
    assert!(s
        .enrollment_redeem(secret, &device.public(), 10)
        .expect("redeem")
        .is_some());
}

fn each_source_reads_newest_first_filtered_and_from_a_position(s: &mut dyn TrailBackend) {
    let (north, south) = (DeviceKey::generate(), DeviceKey::generate());
    enroll(s, "MOBILE-1", &[1; 32], &north);
    enroll(s, "MOBILE-2", &[2; 32], &south);
    let (mut a, a0) = create(&north, "AA1234BC", 100);
    let a1 = decide(&north, &mut a, Outcome::Release, 200);
    let (_, b0) = create(&south, "BB1234BC", 300);
    s.append(std::slice::from_ref(&a0), Origin::Remote, 1_000, None)
        .expect("append");
    s.append(&[a1.clone(), b0.clone()], Origin::Remote, 2_000, None)
        .expect("append");
    s.refuse(Some(&b0.id()), Some(&south.public()), None, "a copy", 1_500)
        .expect("refuse");
    s.refuse(None, None, Some("198.51.100.7:4433"), "not enrolled", 2_500)
        .expect("refuse");
    for (actor, refused, at) in [("sup.koval", false, 1_200), ("sup.bondar", true, 2_200)] {
        s.audit_append(
            &NewAuditEntry {
                actor: Some(actor),
                action: "login",
                refused,
                detail: "",
                ..Default::default()
            },
            at,
        )
        .expect("audit");
    }

    let all = TrailFilter {
        limit: 10,
        ..Default::default()
    };
    let ids = |f: &TrailFilter<'_>| -> Vec<Vec<u8>> {
        s.trail_records(f)
            .expect("records")
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    let [a0, a1, b0] = [&a0, &a1, &b0].map(|r| r.id().0.to_vec());
    assert_eq!(
        ids(&all),
        [b0.clone(), a1.clone(), a0.clone()],
        "by the time received, then position"
    );
    let records = s.trail_records(&all).expect("records");
    assert_eq!(
        (records[2].received_ms, records[2].officer.as_str()),
        (1_000, "OF-17")
    );
    assert_eq!(records[2].signer, north.public().0.to_vec());
    assert!(!records[2].bytes.is_empty());
    assert_eq!(
        ids(&TrailFilter {
            unit: Some("MOBILE-1"),
            ..all.clone()
        }),
        [a1.clone(), a0.clone()]
    );
    assert_eq!(
        ids(&TrailFilter {
            actor: Some("nobody"),
            ..all.clone()
        }),
        Vec::<Vec<u8>>::new()
    );
    assert_eq!(
        ids(&TrailFilter {
            document: Some(records[2].doc_id.clone().try_into().expect("16 bytes")),
            ..all.clone()
        }),
        [a1.clone(), a0.clone()]
    );
    assert_eq!(
        ids(&TrailFilter {
            from_ms: Some(1_000),
            to_ms: Some(2_000),
            ..all.clone()
        }),
        vec![a0.clone()],
        "from inclusive, to exclusive"
    );
    let newest = &records[0];
    assert_eq!(
        ids(&TrailFilter {
            after: Some(TrailPosition {
                at_ms: newest.received_ms,
                rank: 0,
                n: newest.seq
            }),
            ..all.clone()
        }),
        [a1.clone(), a0.clone()],
        "strictly after a position"
    );
    assert_eq!(
        ids(&TrailFilter {
            after: Some(TrailPosition {
                at_ms: 2_000,
                rank: TRAIL_RANK_REFUSAL,
                n: 0
            }),
            limit: 1,
            ..all.clone()
        }),
        vec![b0.clone()],
        "a record of the same millisecond ranks after a refusal; at most the limit"
    );

    let refusals = s.trail_refusals(&all).expect("refusals");
    let reasons: Vec<&str> = refusals.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons, ["not enrolled", "a copy"]);
    assert_eq!(refusals[0].peer.as_deref(), Some("198.51.100.7:4433"));
    assert_eq!(refusals[1].record.as_deref(), Some(&b0[..]));
    let south_only: Vec<String> = s
        .trail_refusals(&TrailFilter {
            unit: Some("MOBILE-2"),
            ..all.clone()
        })
        .expect("refusals")
        .into_iter()
        .map(|r| r.reason)
        .collect();
    assert_eq!(
        south_only,
        ["a copy"],
        "a refusal naming no signer has no unit"
    );

    let console = |f: &TrailFilter<'_>| -> Vec<String> {
        s.trail_console(f)
            .expect("console")
            .into_iter()
            .filter_map(|e| e.actor)
            .collect()
    };
    assert_eq!(console(&all), ["sup.bondar", "sup.koval"]);
    assert_eq!(
        console(&TrailFilter {
            refused_only: true,
            ..all.clone()
        }),
        ["sup.bondar"]
    );
    assert_eq!(
        console(&TrailFilter {
            actor: Some("sup.koval"),
            ..all.clone()
        }),
        ["sup.koval"]
    );
}
