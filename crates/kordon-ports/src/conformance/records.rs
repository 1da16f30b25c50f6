//! The record log port's cases, and the records they build (for a
//! backend's own tests too).

use crate::{IngestOutcome, Origin, RecordLog};
use kordon_log::Leaf;
use kordon_model::{
    InspectionDoc, InspectionId, NewDecision, NewInspection, NewReview, OfficerId, Outcome, Verdict,
};
use kordon_record::{DeviceKey, SignedRecord};

/// Opens an empty record log whose server key is the given one.
pub type OpenLog<'a> = &'a dyn Fn(&DeviceKey) -> Box<dyn RecordLog>;

/// Runs every case of the record log port.
pub fn records(open: OpenLog<'_>) {
    accepted_records_get_positions_and_leaves(open);
    refusals_get_leaves_and_store_nothing(open);
    a_second_change_under_one_number_is_a_conflict(open);
    the_servers_key_keeps_the_servers_role(open);
    tree_heads_and_proofs_verify_at_every_size(open);
    a_checkpoint_is_kept_once_per_size(open);
    reading_by_cursor_visits_every_record_once(open);
    a_witness_is_kept_per_device_and_size(open);
}

fn officer() -> OfficerId {
    OfficerId::new("OF-17").expect("officer")
}

/// A new inspection, made by `key`'s device.
pub fn create(key: &DeviceKey, plate: &str, now_ms: i64) -> (InspectionDoc, SignedRecord) {
    let id = InspectionId::random();
    let mut doc = InspectionDoc::create(
        key.public().as_bytes(),
        id,
        &NewInspection {
            tractor_plate: plate.into(),
            containers: vec!["CSQU3054383".into()],
            unit: "MOBILE-1".into(),
            ..Default::default()
        },
        &officer(),
        now_ms,
    )
    .expect("create");
    let record = sign(key, &mut doc, now_ms);
    (doc, record)
}

/// The last change made to `doc`, signed by `key`.
pub fn sign(key: &DeviceKey, doc: &mut InspectionDoc, now_ms: i64) -> SignedRecord {
    let id = *doc.view().expect("view").id.as_bytes();
    let change = doc.last_change().expect("a change");
    SignedRecord::sign(key, id, "OF-17", now_ms, &change).expect("sign")
}

/// A decision on `doc`, signed by `key`.
pub fn decide(
    key: &DeviceKey,
    doc: &mut InspectionDoc,
    outcome: Outcome,
    now_ms: i64,
) -> SignedRecord {
    doc.decide(
        &NewDecision {
            outcome,
            reasons: vec![],
            note: String::new(),
        },
        &officer(),
        now_ms,
    )
    .expect("decide");
    sign(key, doc, now_ms)
}

/// A supervisor's review of `doc`, signed by `key`.
pub fn review(key: &DeviceKey, doc: &mut InspectionDoc, now_ms: i64) -> SignedRecord {
    doc.review(
        &NewReview::plain(Verdict::Agree, "seen"),
        &OfficerId::new("SUP-1").expect("officer"),
        now_ms,
    )
    .expect("review");
    sign(key, doc, now_ms)
}

/// The leaf that records `record`'s acceptance.
fn leaf_of(log: &dyn RecordLog, record: &SignedRecord) -> Leaf {
    let entry = log
        .log_entry_of(&record.id().0)
        .expect("entry")
        .expect("the record has a leaf");
    Leaf::parse(&entry.data).expect("a leaf")
}

fn accepted_records_get_positions_and_leaves(open: OpenLog<'_>) {
    let server = DeviceKey::generate();
    let mut log = open(&server);
    let device = DeviceKey::generate();
    let (mut doc, genesis) = create(&device, "AA1234BC", 1_000);
    let decision = decide(&device, &mut doc, Outcome::Detain, 2_000);
    let out = log
        .append(
            &[genesis.clone(), decision.clone()],
            Origin::Remote,
            5_000,
            Some(&device.public()),
        )
        .expect("append");
    let (s0, s1) = match &out[..] {
        [IngestOutcome::Stored {
            seq: s0,
            received_ms: 5_000,
            leaf: Some(l0),
        }, IngestOutcome::Stored {
            seq: s1,
            received_ms: 5_000,
            leaf: Some(l1),
        }] => {
            assert_eq!((l0.index, l1.index), (0, 1), "leaves from 0, in order");
            assert_eq!(
                Leaf::parse(&l0.data).expect("leaf"),
                Leaf::RecordAt {
                    id: genesis.id().0,
                    at_ms: 5_000
                }
            );
            (*s0, *s1)
        }
        other => panic!("both records are stored with a leaf each: {other:?}"),
    };
    assert!(s0 < s1, "positions increase in the batch's order");
    assert_eq!(log.log_size().expect("size"), 2);
    assert!(log.holds(&genesis.id()).expect("holds"));
    assert!(!log.holds(&create(&device, "X", 1).1.id()).expect("holds"));
    assert_eq!(
        leaf_of(&*log, &decision),
        Leaf::RecordAt {
            id: decision.id().0,
            at_ms: 5_000
        }
    );

    // The same records again: nothing new, not even a leaf.
    let again = log
        .append(std::slice::from_ref(&decision), Origin::Remote, 9_000, None)
        .expect("again");
    assert_eq!(
        again,
        vec![IngestOutcome::Duplicate {
            seq: s1,
            received_ms: 5_000
        }]
    );
    assert_eq!(log.log_size().expect("size"), 2, "a duplicate adds no leaf");

    let held = log
        .doc_records(&genesis.doc_id())
        .expect("the document's records");
    let ids: Vec<_> = held.iter().map(|h| (h.seq, h.record.id())).collect();
    assert_eq!(ids, vec![(s0, genesis.id()), (s1, decision.id())]);
    assert_eq!(held[0].record, genesis, "held byte for byte");
    assert!(log
        .doc_records(&[7; 16])
        .expect("an unknown document")
        .is_empty());
}

fn refusals_get_leaves_and_store_nothing(open: OpenLog<'_>) {
    let server = DeviceKey::generate();
    let mut log = open(&server);
    let device = DeviceKey::generate();
    let (mut doc, genesis) = create(&device, "AA1234BC", 1_000);
    let not_a_change =
        SignedRecord::sign(&device, genesis.doc_id(), "OF-17", 1_500, b"not a change")
            .expect("sign");
    // A device may not write a supervisor's review.
    let reviewed = review(&device, &mut doc, 2_000);
    let out = log
        .append(
            &[genesis.clone(), not_a_change.clone(), reviewed.clone()],
            Origin::Remote,
            5_000,
            None,
        )
        .expect("append");
    assert!(matches!(out[0], IngestOutcome::Stored { .. }), "{out:?}");
    assert!(matches!(out[1], IngestOutcome::Invalid(_)), "{out:?}");
    assert!(
        matches!(&out[2], IngestOutcome::BreaksRules(r) if r.contains("review")),
        "{out:?}"
    );
    assert!(!log.holds(&not_a_change.id()).expect("holds"));
    assert!(!log.holds(&reviewed.id()).expect("holds"));
    assert_eq!(log.log_size().expect("size"), 3, "one leaf each");
    assert!(
        log.log_entry_of(&reviewed.id().0).expect("entry").is_none(),
        "a refused record has no acceptance leaf"
    );
    // Leaf 2 is the refusal of the review, with its reason.
    let proof = log.log_inclusion(2, 3).expect("proof").expect("a leaf");
    let head = log.log_head(3).expect("head");
    let refusal = Leaf::Refusal {
        record: Some(reviewed.id().0),
        at_ms: 5_000,
        reason: match &out[2] {
            IngestOutcome::BreaksRules(r) => format!("breaks the schema rules: {r}"),
            _ => unreachable!(),
        },
    };
    kordon_log::verify_inclusion(
        &kordon_log::leaf_hash(&refusal.to_bytes()),
        2,
        3,
        &proof,
        &head,
    )
    .expect("leaf 2 is the review's refusal, with its reason");

    // A refusal the caller made itself.
    log.refuse(
        Some(&genesis.id()),
        Some(&device.public()),
        Some("198.51.100.7"),
        "the signer is revoked",
        6_000,
    )
    .expect("refuse");
    assert_eq!(log.log_size().expect("size"), 4);
    let leaf = Leaf::Refusal {
        record: Some(genesis.id().0),
        at_ms: 6_000,
        reason: "the signer is revoked".into(),
    };
    let proof = log.log_inclusion(3, 4).expect("proof").expect("a leaf");
    kordon_log::verify_inclusion(
        &kordon_log::leaf_hash(&leaf.to_bytes()),
        3,
        4,
        &proof,
        &log.log_head(4).expect("head"),
    )
    .expect("leaf 3 is the refusal");
}

fn a_second_change_under_one_number_is_a_conflict(open: OpenLog<'_>) {
    let server = DeviceKey::generate();
    let mut log = open(&server);
    let device = DeviceKey::generate();
    let (mut doc, genesis) = create(&device, "AA1234BC", 1_000);
    // Two copies of the document as the device left it: each makes "its
    // next change", under the same number.
    let saved = doc.save();
    let mut other = InspectionDoc::load(&saved, device.public().as_bytes()).expect("load");
    let first = decide(&device, &mut doc, Outcome::Release, 2_000);
    let second = decide(&device, &mut other, Outcome::Detain, 2_001);
    let out = log
        .append(&[genesis, first.clone()], Origin::Remote, 5_000, None)
        .expect("append");
    assert!(matches!(out[1], IngestOutcome::Stored { .. }), "{out:?}");
    let out = log
        .append(std::slice::from_ref(&second), Origin::Remote, 6_000, None)
        .expect("append");
    assert!(
        matches!(&out[0], IngestOutcome::Invalid(r) if r.contains("conflicting change")),
        "{out:?}"
    );
    assert!(!log.holds(&second.id()).expect("holds"));
    // In one batch too.
    let mut log = open(&server);
    let (mut doc, genesis) = create(&device, "AA1234BC", 1_000);
    let mut other = InspectionDoc::load(&doc.save(), device.public().as_bytes()).expect("load");
    let first = decide(&device, &mut doc, Outcome::Release, 2_000);
    let second = decide(&device, &mut other, Outcome::Detain, 2_001);
    let out = log
        .append(&[genesis, first, second], Origin::Remote, 5_000, None)
        .expect("append");
    assert!(
        matches!(&out[2], IngestOutcome::Invalid(r) if r.contains("conflicting change")),
        "{out:?}"
    );
}

fn the_servers_key_keeps_the_servers_role(open: OpenLog<'_>) {
    let server = DeviceKey::generate();
    let mut log = open(&server);
    let device = DeviceKey::generate();
    let (doc, genesis) = create(&device, "AA1234BC", 1_000);
    log.append(&[genesis], Origin::Remote, 5_000, None)
        .expect("append");
    let saved = {
        let mut doc = doc;
        doc.save()
    };
    let mut as_server = InspectionDoc::load(&saved, server.public().as_bytes()).expect("load");
    let review = review(&server, &mut as_server, 6_000);
    let decision = decide(&server, &mut as_server, Outcome::Release, 7_000);
    let out = log
        .append(&[review, decision], Origin::Local, 8_000, None)
        .expect("append");
    assert!(
        matches!(out[0], IngestOutcome::Stored { .. }),
        "the server reviews: {out:?}"
    );
    assert!(
        matches!(out[1], IngestOutcome::BreaksRules(_)),
        "the server does not decide: {out:?}"
    );
}

fn tree_heads_and_proofs_verify_at_every_size(open: OpenLog<'_>) {
    let server = DeviceKey::generate();
    let mut log = open(&server);
    let device = DeviceKey::generate();
    // 11 leaves over several batches, refusals among them: each leaf's
    // bytes as the port must have written them.
    let mut leaves: Vec<Vec<u8>> = vec![];
    let (mut all_ids, mut docs) = (vec![], vec![]);
    for batch in 0..4i64 {
        let (mut doc, genesis) = create(&device, "AA1234BC", 1_000 + batch);
        let decision = decide(&device, &mut doc, Outcome::Detain, 2_000 + batch);
        let bad = review(&device, &mut doc, 3_000 + batch);
        let records = if batch == 3 {
            vec![genesis, decision]
        } else {
            vec![genesis, decision, bad]
        };
        let ids: Vec<_> = records.iter().map(|r| r.id().0).collect();
        all_ids.extend(ids.iter().copied());
        docs.push(doc_id_of(&records));
        let out = log
            .append(&records, Origin::Remote, 5_000 + batch, None)
            .expect("append");
        for (outcome, id) in out.into_iter().zip(ids) {
            match outcome {
                IngestOutcome::Stored {
                    leaf: Some(leaf), ..
                } => {
                    assert_eq!(leaf.index as usize, leaves.len());
                    leaves.push(leaf.data);
                }
                IngestOutcome::BreaksRules(reason) => leaves.push(
                    Leaf::Refusal {
                        record: Some(id),
                        at_ms: 5_000 + batch,
                        reason: format!("breaks the schema rules: {reason}"),
                    }
                    .to_bytes(),
                ),
                other => panic!("{other:?}"),
            }
        }
    }
    let n = log.log_size().expect("size");
    assert_eq!(n, 11);
    let hashes: Vec<[u8; 32]> = leaves.iter().map(|d| kordon_log::leaf_hash(d)).collect();
    for size in 1..=n {
        let head = log.log_head(size).expect("head");
        assert_eq!(
            head,
            kordon_log::root(&hashes[..size as usize]),
            "the head of {size} leaves"
        );
        for index in 0..size {
            let proof = log
                .log_inclusion(index, size)
                .expect("proof")
                .expect("a leaf");
            kordon_log::verify_inclusion(&hashes[index as usize], index, size, &proof, &head)
                .unwrap_or_else(|e| panic!("leaf {index} in {size}: {e}"));
        }
        for first in 1..=size {
            let proof = log
                .log_consistency(first, size)
                .expect("proof")
                .expect("sizes");
            kordon_log::verify_consistency(
                first,
                size,
                &proof,
                &log.log_head(first).expect("head"),
                &head,
            )
            .unwrap_or_else(|e| panic!("{first} to {size}: {e}"));
        }
    }
    // Asked of many at once, the same answers as one by one.
    for size in 1..=n {
        let indexes: Vec<u64> = (0..=size).rev().collect();
        let singles: Vec<_> = indexes
            .iter()
            .map(|i| log.log_inclusion(*i, size).expect("proof"))
            .collect();
        assert_eq!(
            log.log_inclusions(&indexes, size).expect("proofs"),
            singles,
            "paths in a tree of {size}"
        );
    }
    all_ids.push([9; 32]);
    let entries = log.log_entries_of(&all_ids).expect("entries");
    assert_eq!(entries.len(), 8, "the accepted records' leaves alone");
    for id in &all_ids {
        assert_eq!(
            entries.get(id),
            log.log_entry_of(id).expect("entry").as_ref()
        );
    }
    docs.push([7; 16]);
    let held = log.docs_records(&docs).expect("records");
    assert_eq!(held.len(), 4, "a document not held is left out");
    for doc in &docs[..4] {
        assert_eq!(held.get(doc), Some(&log.doc_records(doc).expect("records")));
    }
    assert_eq!(log.log_inclusion(n, n).expect("proof"), None);
    assert_eq!(log.log_consistency(0, n).expect("proof"), None);
    assert_eq!(log.log_consistency(n, n - 1).expect("proof"), None);
    assert_eq!(
        log.log_head(0).expect("head"),
        kordon_log::root(&[]),
        "the empty tree"
    );
}

fn doc_id_of(records: &[SignedRecord]) -> [u8; 16] {
    records[0].doc_id()
}

fn a_checkpoint_is_kept_once_per_size(open: OpenLog<'_>) {
    let server = DeviceKey::generate();
    let log = open(&server);
    assert_eq!(log.latest_checkpoint().expect("latest"), None);
    log.put_checkpoint(3, 1_000, "three").expect("put");
    log.put_checkpoint(3, 2_000, "three again").expect("put");
    log.put_checkpoint(12, 3_000, "twelve").expect("put");
    log.put_checkpoint(7, 4_000, "seven").expect("put");
    assert_eq!(
        log.latest_checkpoint().expect("latest"),
        Some((12, "twelve".into()))
    );
    assert_eq!(
        log.checkpoint_at(3).expect("at"),
        Some("three".into()),
        "the first kept stays"
    );
    assert_eq!(log.checkpoint_at(4).expect("at"), None);
}

fn reading_by_cursor_visits_every_record_once(open: OpenLog<'_>) {
    let server = DeviceKey::generate();
    let mut log = open(&server);
    let device = DeviceKey::generate();
    let mut ids = vec![];
    for i in 0..5 {
        let (mut doc, genesis) = create(&device, "AA1234BC", 1_000 + i);
        let decision = decide(&device, &mut doc, Outcome::Release, 2_000 + i);
        ids.push(genesis.id());
        ids.push(decision.id());
        log.append(&[genesis, decision], Origin::Remote, 5_000 + i, None)
            .expect("append");
    }
    let mut read = vec![];
    let mut cursor = 0;
    loop {
        let page = log.records_after(cursor, 3).expect("page");
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        cursor = last.seq;
        read.extend(page.into_iter().map(|h| h.record.id()));
    }
    assert_eq!(read, ids);
}

fn a_witness_is_kept_per_device_and_size(open: OpenLog<'_>) {
    let server = DeviceKey::generate();
    let log = open(&server);
    let (a, b) = (
        DeviceKey::generate().public(),
        DeviceKey::generate().public(),
    );
    assert!(log.witnesses().expect("witnesses").is_empty());
    log.put_witness(&a, 5, 1_000, "consistent", "five")
        .expect("put");
    log.put_witness(&b, 5, 2_000, "a fork", "five, forked")
        .expect("put");
    log.put_witness(&a, 5, 3_000, "consistent", "five again")
        .expect("put");
    log.put_witness(&a, 7, 2_500, "consistent", "seven")
        .expect("put");
    let got: Vec<_> = log
        .witnesses()
        .expect("witnesses")
        .into_iter()
        .map(|w| (w.device, w.size, w.at_ms, w.verdict, w.checkpoint))
        .collect();
    let w = |k: &kordon_record::PublicKey, size, at, verdict: &str, text: &str| {
        (
            k.to_string(),
            size,
            at,
            verdict.to_string(),
            text.to_string(),
        )
    };
    assert_eq!(
        got,
        [
            w(&a, 5, 3_000, "consistent", "five again"),
            w(&a, 7, 2_500, "consistent", "seven"),
            w(&b, 5, 2_000, "a fork", "five, forked"),
        ],
        "latest first; one per device and size, the latest report kept"
    );
}
