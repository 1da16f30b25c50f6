//! Store behaviour against a real SQLite file.

use kordon_model::*;
use kordon_record::{DeviceKey, SignedRecord};
use kordon_store::{IngestOutcome, Origin, Query, Register, Store};

fn officer() -> OfficerId {
    OfficerId::new("OF-17").expect("officer")
}

fn new_inspection(plate: &str) -> NewInspection {
    NewInspection {
        tractor_plate: plate.into(),
        trailer_plate: Some("BC 0001 XX".into()),
        containers: vec!["CSQU3054383".into()],
        unit: "MOBILE-1".into(),
        ..Default::default()
    }
}

fn create(
    store: &mut Store,
    key: &DeviceKey,
    plate: &str,
    now: i64,
) -> (InspectionId, SignedRecord) {
    let id = InspectionId::random();
    let mut doc = InspectionDoc::create(
        key.public().as_bytes(),
        id,
        &new_inspection(plate),
        &officer(),
        now,
    )
    .expect("create");
    let rec = store
        .commit_local(id, &mut doc, key, "OF-17", now)
        .expect("commit");
    (id, rec)
}

fn decide(
    store: &mut Store,
    key: &DeviceKey,
    id: InspectionId,
    outcome: Outcome,
    now: i64,
) -> SignedRecord {
    let mut doc = store.load_doc(id).expect("load").expect("exists");
    doc.decide(
        &NewDecision {
            outcome,
            reasons: vec![],
            note: String::new(),
        },
        &officer(),
        now,
    )
    .expect("decide");
    store
        .commit_local(id, &mut doc, key, "OF-17", now)
        .expect("commit")
}

#[test]
fn local_commit_is_durable_and_reopens_from_records() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kordon.sqlite");
    let key = DeviceKey::generate();
    let id;
    {
        let mut store = Store::open(&path, key.public()).expect("open");
        id = create(&mut store, &key, "AA1234BC", 1_000).0;
        decide(&mut store, &key, id, Outcome::Detain, 2_000);
        assert_eq!(store.counts().expect("counts").pending, 2);
    }
    let mut store = Store::open(&path, key.public()).expect("reopen");
    let doc = store.load_doc(id).expect("load").expect("exists");
    let view = doc.view().expect("view");
    assert_eq!(view.current_outcome(), Some(Outcome::Detain));
    let records = store.records_of(id).expect("records");
    assert_eq!(records.len(), 2);
    for (r, receipt) in &records {
        r.verify().expect("stored records verify");
        assert!(receipt.is_none());
    }
    assert!(store
        .load_doc(InspectionId::random())
        .expect("load")
        .is_none());
}

#[test]
fn compacted_snapshot_plus_later_records_equals_full_replay() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = DeviceKey::generate();
    let mut store = Store::open(&dir.path().join("s.sqlite"), key.public()).expect("open");
    let (id, _) = create(&mut store, &key, "AA1234BC", 1_000);
    decide(&mut store, &key, id, Outcome::PhysicalInspection, 2_000);
    store.compact(id).expect("compact");
    decide(&mut store, &key, id, Outcome::Release, 3_000);
    drop(store);
    let mut store = Store::open(&dir.path().join("s.sqlite"), key.public()).expect("open");
    let v = store
        .load_doc(id)
        .expect("load")
        .expect("exists")
        .view()
        .expect("view");
    assert_eq!(v.decisions.len(), 2);
    assert_eq!(v.current_outcome(), Some(Outcome::Release));
}

#[test]
fn an_unreadable_snapshot_costs_a_replay_never_the_document() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = DeviceKey::generate();
    let path = dir.path().join("s.sqlite");
    let mut store = Store::open(&path, key.public()).expect("open");
    let (id, _) = create(&mut store, &key, "AA1234BC", 1_000);
    decide(&mut store, &key, id, Outcome::PhysicalInspection, 2_000);
    store.compact(id).expect("compact");
    decide(&mut store, &key, id, Outcome::Release, 3_000);
    drop(store);
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute("UPDATE snapshots SET bytes = x'00ff00ff'", [])
        .expect("damage the snapshot");
    let mut store = Store::open(&path, key.public()).expect("open");
    let v = store
        .load_doc(id)
        .expect("the document loads from its records")
        .expect("exists")
        .view()
        .expect("view");
    assert_eq!(v.decisions.len(), 2);
    assert_eq!(v.current_outcome(), Some(Outcome::Release));
}

#[test]
fn ingest_is_idempotent_and_rejects_foreign_actor_changes() {
    let dir = tempfile::tempdir().expect("tmp");
    let vehicle = DeviceKey::generate();
    let server = DeviceKey::generate();
    let mut local = Store::open(&dir.path().join("v.sqlite"), vehicle.public()).expect("open");
    let (id, r1) = create(&mut local, &vehicle, "AA1234BC", 1_000);
    let r2 = decide(&mut local, &vehicle, id, Outcome::Refer, 2_000);

    let mut central = Store::open(&dir.path().join("c.sqlite"), server.public()).expect("open");
    let out = central
        .ingest(&[r1.clone(), r2.clone()], Origin::Remote, 5_000)
        .expect("ingest");
    assert!(matches!(out[0], IngestOutcome::Stored { .. }));
    assert!(matches!(out[1], IngestOutcome::Stored { .. }));
    let again = central
        .ingest(&[r1.clone(), r2], Origin::Remote, 6_000)
        .expect("ingest");
    assert!(
        again.iter().all(|o| matches!(
            o,
            IngestOutcome::Duplicate {
                received_ms: 5_000,
                ..
            }
        )),
        "{again:?}"
    );
    assert_eq!(central.inspection_count().expect("count"), 1);

    // The same change re-signed by another key: the actor is not the signer.
    let stolen = SignedRecord::sign(&server, r1.doc_id(), "X", 7_000, r1.payload()).expect("sign");
    let out = central
        .ingest(&[stolen], Origin::Remote, 7_000)
        .expect("ingest");
    assert!(
        matches!(&out[0], IngestOutcome::Invalid(r) if r.contains("not by its signer")),
        "{out:?}"
    );
    assert_eq!(central.counts().expect("counts").rejected, 1);
    let v = central.query(&Query::default()).expect("query");
    assert_eq!(v[0].view.current_outcome(), Some(Outcome::Refer));
}

#[test]
fn queries_filter_by_plate_any_spelling_outcome_and_container() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = DeviceKey::generate();
    let mut store = Store::open(&dir.path().join("s.sqlite"), key.public()).expect("open");
    let (a, _) = create(&mut store, &key, "АА 1234 ВС", 1_000);
    let (_b, _) = create(&mut store, &key, "KA7777AA", 2_000);
    decide(&mut store, &key, a, Outcome::Detain, 3_000);
    let by_plate = store
        .query(&Query {
            plate: Some("aa1234bc".into()),
            ..Default::default()
        })
        .expect("q");
    assert_eq!(by_plate.len(), 1);
    assert_eq!(by_plate[0].view.id, a);
    let ocr = store
        .query(&Query {
            plate: Some("AA 1234 8C".into()),
            ..Default::default()
        })
        .expect("q");
    assert_eq!(ocr.len(), 1, "OCR confusion B/8 still matches");
    let detained = store
        .query(&Query {
            outcome: Some("detain".into()),
            ..Default::default()
        })
        .expect("q");
    assert_eq!(detained.len(), 1);
    let undecided = store
        .query(&Query {
            outcome: Some("none".into()),
            ..Default::default()
        })
        .expect("q");
    assert_eq!(undecided.len(), 1);
    let by_container = store
        .query(&Query {
            container: Some("csqu 305438 3".into()),
            ..Default::default()
        })
        .expect("q");
    assert_eq!(by_container.len(), 2);
    let by_day = store
        .query(&Query {
            day: Some("1970-01-01".into()),
            ..Default::default()
        })
        .expect("q");
    assert_eq!(by_day.len(), 2);
}

#[test]
fn receipts_clear_the_outbox() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = DeviceKey::generate();
    let server = DeviceKey::generate();
    let mut store = Store::open(&dir.path().join("s.sqlite"), key.public()).expect("open");
    let (_, r1) = create(&mut store, &key, "AA1234BC", 1_000);
    create(&mut store, &key, "AA1234BD", 1_000);
    let pending = store.pending(0, 10).expect("pending");
    assert_eq!(pending.len(), 2);
    let receipt = kordon_record::Receipt::sign(&server, r1.id(), 1, 9);
    assert_eq!(
        store
            .store_receipts(std::slice::from_ref(&receipt), 10)
            .expect("store"),
        1
    );
    assert_eq!(
        store.store_receipts(&[receipt], 11).expect("store"),
        0,
        "second time is a no-op"
    );
    let c = store.counts().expect("counts");
    assert_eq!((c.pending, c.acknowledged), (1, 1));
}

#[test]
fn delivery_per_inspection_follows_receipts_and_refusals() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = DeviceKey::generate();
    let server = DeviceKey::generate();
    let mut store = Store::open(&dir.path().join("s.sqlite"), key.public()).expect("open");
    let (acked, r1) = create(&mut store, &key, "AA1234BC", 1_000);
    let (pending, _) = create(&mut store, &key, "AA1234BD", 1_000);
    decide(&mut store, &key, pending, Outcome::Release, 1_100);
    let (refused, r3) = create(&mut store, &key, "AA1234BE", 1_000);
    let receipt = kordon_record::Receipt::sign(&server, r1.id(), 1, 9);
    store.store_receipts(&[receipt], 10).expect("receipt");
    store
        .drop_refused(&r3.id(), "bad_signature", 11)
        .expect("refuse");

    let d = store.delivery_by_inspection().expect("delivery");
    assert!(!d.contains_key(&acked), "acknowledged: {d:?}");
    let p = d.get(&pending).expect("pending listed");
    assert_eq!((p.pending, p.rejected), (2, 0));
    let r = d.get(&refused).expect("refused listed");
    assert_eq!((r.pending, r.rejected), (0, 1));
}

#[test]
fn a_newer_schema_is_refused_not_mangled() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.sqlite");
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "user_version", 99)
        .expect("pragma");
    drop(conn);
    let err = Store::open(&path, DeviceKey::generate().public()).expect_err("too new");
    assert!(err.to_string().contains("newer Kordon"), "{err}");
}

#[test]
fn long_histories_are_compacted_automatically_and_reload_identically() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.sqlite");
    let key = DeviceKey::generate();
    let mut store = Store::open(&path, key.public()).expect("open");
    let (id, _) = create(&mut store, &key, "AA1234BC", 1_000);
    for i in 0..40 {
        decide(&mut store, &key, id, Outcome::Release, 2_000 + i);
    }
    drop(store);
    let snapshots = |p: &std::path::Path| -> i64 {
        rusqlite::Connection::open(p)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0)))
            .expect("count")
    };
    // Each decision cold-loads the document; past 32 records a snapshot
    // was written along the way.
    assert_eq!(snapshots(&path), 1);
    let mut store = Store::open(&path, key.public()).expect("reopen");
    let before = store
        .load_doc(id)
        .expect("load")
        .expect("doc")
        .view()
        .expect("view");
    drop(store);

    let mut store = Store::open(&path, key.public()).expect("reopen");
    let after = store
        .load_doc(id)
        .expect("load")
        .expect("doc")
        .view()
        .expect("view");
    assert_eq!(before, after);
    assert_eq!(after.decisions.len(), 40);
}

#[test]
fn two_programs_deciding_at_once_cannot_fork_the_document() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.sqlite");
    let key = DeviceKey::generate();
    let mut a = Store::open(&path, key.public()).expect("open a");
    let mut b = Store::open(&path, key.public()).expect("open b");
    let (id, _) = create(&mut a, &key, "AA1234BC", 1_000);
    // Both load the same state, both decide: the same actor and change seq.
    let mut doc_a = a.load_doc(id).expect("load").expect("doc");
    let mut doc_b = b.load_doc(id).expect("load").expect("doc");
    let d = |o| NewDecision {
        outcome: o,
        reasons: vec![],
        note: String::new(),
    };
    doc_a
        .decide(&d(Outcome::Release), &officer(), 2_000)
        .expect("decide");
    doc_b
        .decide(&d(Outcome::Detain), &officer(), 2_001)
        .expect("decide");
    a.commit_local(id, &mut doc_a, &key, "OF-17", 2_000)
        .expect("first commit");
    let err = b
        .commit_local(id, &mut doc_b, &key, "OF-17", 2_001)
        .expect_err("second must not fork");
    assert!(
        matches!(err, kordon_store::StoreError::Conflict(_)),
        "{err}"
    );
    // Retrying on fresh state works, and the document stays readable.
    decide(&mut b, &key, id, Outcome::Detain, 3_000);
    let v = a
        .load_doc(id)
        .expect("load")
        .expect("doc")
        .view()
        .expect("view");
    assert_eq!(v.decisions.len(), 2);
    let indexed = b.query(&Query::default()).expect("query");
    assert_eq!(
        indexed[0].view.decisions.len(),
        2,
        "index built from the log, not a stale copy"
    );
    assert_eq!(a.counts().expect("counts").pending, 3);
}

#[test]
fn a_conflicting_change_from_a_peer_is_refused_and_the_document_stays_readable() {
    let dir = tempfile::tempdir().expect("tmp");
    let vehicle = DeviceKey::generate();
    let mut local = Store::open(&dir.path().join("v.sqlite"), vehicle.public()).expect("open");
    let (id, genesis) = create(&mut local, &vehicle, "AA1234BC", 1_000);
    // Two different changes with the vehicle's next seq, from two copies.
    let mut one = local.load_doc(id).expect("load").expect("doc");
    let mut two = local.load_doc(id).expect("load").expect("doc");
    let d = |o| NewDecision {
        outcome: o,
        reasons: vec![],
        note: String::new(),
    };
    one.decide(&d(Outcome::Release), &officer(), 2_000)
        .expect("decide");
    two.decide(&d(Outcome::Detain), &officer(), 2_000)
        .expect("decide");
    let sign = |doc: &mut InspectionDoc| {
        SignedRecord::sign(
            &vehicle,
            *id.as_bytes(),
            "OF-17",
            2_000,
            &doc.last_change().expect("change"),
        )
        .expect("sign")
    };
    let (r1, r2) = (sign(&mut one), sign(&mut two));

    let mut central =
        Store::open(&dir.path().join("c.sqlite"), DeviceKey::generate().public()).expect("open");
    let out = central
        .ingest(&[genesis, r1, r2], Origin::Remote, 5_000)
        .expect("ingest");
    assert!(matches!(out[1], IngestOutcome::Stored { .. }));
    assert!(
        matches!(&out[2], IngestOutcome::Invalid(r) if r.contains("conflicting change")),
        "{out:?}"
    );
    let v = central
        .load_doc(id)
        .expect("load")
        .expect("doc")
        .view()
        .expect("view");
    assert_eq!(v.current_outcome(), Some(Outcome::Release));
}

#[test]
fn scans_queue_their_blobs_until_the_server_confirms_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = DeviceKey::generate();
    let mut store = Store::open(&dir.path().join("v.sqlite"), key.public()).expect("open");
    let (id, _) = create(&mut store, &key, "AA1234BB", 1_000);
    let image = |c: char, energy| ScanImage {
        blob: c.to_string().repeat(64),
        size: 5_000,
        width: 100,
        height: 50,
        bits: 16,
        channels: 1,
        format: "tiff".into(),
        energy,
    };
    let mut doc = store.load_doc(id).expect("load").expect("exists");
    let scan = NewScan {
        images: vec![image('a', Energy::High), image('b', Energy::Low)],
        ..NewScan::default()
    };
    doc.add_scan(&scan, &officer(), 2_000).expect("scan");
    store
        .commit_local(id, &mut doc, &key, "OF-17", 2_000)
        .expect("commit");

    let queued = store.blobs_to_send().expect("queue");
    assert_eq!(queued.len(), 2);
    assert_eq!((queued[0].size, queued[0].done), (5_000, 0));
    assert!(store
        .blob_referenced_by_unit(&"a".repeat(64), 5_000, "MOBILE-1")
        .expect("ref"));
    assert!(!store
        .blob_referenced_by_unit(&"a".repeat(64), 4_999, "MOBILE-1")
        .expect("ref"));
    assert!(!store
        .blob_referenced_by_unit(&"a".repeat(64), 5_000, "MOBILE-2")
        .expect("ref"));

    store
        .blob_progress(&"a".repeat(64), 5_000, 2_048)
        .expect("progress");
    let c = store.blob_counts(|_| true).expect("counts");
    assert_eq!(
        (c.pending, c.bytes_pending, c.bytes_done),
        (2, 7_952, 2_048)
    );
    store
        .blob_delivered(&"a".repeat(64), 5_000, 3_000)
        .expect("done");
    let c = store.blob_counts(|b| b.starts_with('b')).expect("counts");
    assert_eq!((c.pending, c.delivered, c.bytes_done), (1, 1, 5_000));
    assert_eq!(store.blobs_to_send().expect("queue").len(), 1);
    assert_eq!(store.requeue_blobs().expect("requeue"), 1);
    assert_eq!(store.blobs_to_send().expect("queue").len(), 2);
}

#[test]
fn a_version_4_store_gains_plate_keys_and_alert_counts_on_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.sqlite");
    let key = DeviceKey::generate();
    let mut store = Store::open(&path, key.public()).expect("open");
    let (old, _) = create(&mut store, &key, "AA1234BC", 1_000);
    create(&mut store, &key, "KA0001AA", 2_000);
    drop(store);
    // As a store written before v5 looked.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(
        "DROP TABLE log_leaves; DROP TABLE log_nodes; DROP TABLE log_checkpoints;
         DROP TABLE held_checkpoints; DROP TABLE record_proofs; DROP TABLE record_sets;
         DROP TABLE device_entries; DROP TABLE log_witnesses; DROP TABLE proof_misses;
         DROP TABLE hotlists; DROP TABLE inspection_plates;
         DROP INDEX inspections_alerts;
         ALTER TABLE inspections DROP COLUMN alerts;
         ALTER TABLE inspections DROP COLUMN open_alerts;
         PRAGMA user_version = 4;",
    )
    .expect("back to v4");
    drop(conn);
    let store = Store::open(&path, key.public()).expect("reopened and migrated");
    let found = store
        .query(&Query {
            plate: Some("аа 1234 вс".into()),
            ..Query::default()
        })
        .expect("query");
    assert_eq!(found.len(), 1, "found by its plate key after the migration");
    assert_eq!(found[0].view.id, old);
    assert_eq!(store.hotlists_version().expect("version"), 0);
}

#[test]
fn a_version_8_store_gains_the_statistics_facts_on_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.sqlite");
    let key = DeviceKey::generate();
    let mut store = Store::open(&path, key.public()).expect("open");
    create(&mut store, &key, "AA1234BC", 1_000);
    create(&mut store, &key, "KA0001AA", 2_000);
    let period = kordon_store::StatsQuery {
        from: "1970-01-01".into(),
        to: "1970-01-02".into(),
        unit: None,
    };
    let before = store.statistics(&period).expect("statistics");
    assert_eq!(before.total.inspections, 2);
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch("DROP TABLE inspection_stats; PRAGMA user_version = 8;")
        .expect("back to v8");
    drop(conn);
    let store = Store::open(&path, key.public()).expect("reopened and migrated");
    let after = store.statistics(&period).expect("statistics");
    assert_eq!(after, before, "the same figures from the migrated facts");
    assert_eq!(after.by_day.len(), 2);
    assert_eq!(after.by_day[1].counts.inspections, 0);
}

/// A record the server said it stored as a leaf, but cannot prove is in
/// its log, goes back to the outbox to be sent again; records the server
/// had no proof for are asked about after the others.
#[test]
fn a_leaf_the_server_cannot_prove_sends_the_record_again_and_misses_are_asked_last() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = DeviceKey::generate();
    let mut store = Store::open(&dir.path().join("v.sqlite"), key.public()).expect("open");
    let (_, a) = create(&mut store, &key, "AA1111AA", 1_000);
    let (_, b) = create(&mut store, &key, "BB2222BB", 2_000);
    let (_, c) = create(&mut store, &key, "CC3333CC", 3_000);
    assert_eq!(store.counts().expect("counts").pending, 3);
    // The server answers each with a leaf: out of the outbox.
    let acks: Vec<_> = [&a, &b, &c]
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id(), i as u64, vec![3u8; 41]))
        .collect();
    store.store_log_acks(&acks).expect("acks");
    assert_eq!(store.counts().expect("counts").pending, 0);
    assert_eq!(
        store.records_wanting_proofs(10).expect("wanting"),
        vec![a.id().0, b.id().0, c.id().0],
        "all three want their inclusion path, oldest first"
    );
    // Its checkpoint of 2 leaves proves nothing for a and b (leaves 0 and
    // 1, which it covers): they go back to the outbox. c (leaf 2) is
    // beyond that checkpoint: not a lie, it waits.
    let requeued = store
        .note_unproven(&[a.id().0, b.id().0, c.id().0], 2, 10_000)
        .expect("noted");
    assert_eq!(requeued, 2);
    let pending: Vec<_> = store
        .pending(0, 10)
        .expect("pending")
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(pending, vec![a.id(), b.id()]);
    // A record asked about without an answer comes after those never
    // asked about.
    let (_, d) = create(&mut store, &key, "DD4444DD", 4_000);
    store
        .store_log_acks(&[(d.id(), 3, vec![3u8; 41])])
        .expect("ack");
    assert_eq!(
        store.records_wanting_proofs(10).expect("wanting"),
        vec![d.id().0, c.id().0],
        "d, never asked about, first; a and b are in the outbox again"
    );
}

/// The findings' kinds, for asserting on.
fn finding_kinds(store: &Store, server: Option<&kordon_record::PublicKey>) -> Vec<&'static str> {
    let report = store.check(server).expect("check");
    report.findings.iter().map(|f| f.kind).collect()
}

#[test]
fn the_check_passes_a_sound_store_and_names_each_kind_of_damage() {
    let dir = tempfile::tempdir().expect("tmp");
    let vehicle = DeviceKey::generate();
    let server = DeviceKey::generate();
    let mut local = Store::open(&dir.path().join("v.sqlite"), vehicle.public()).expect("open");
    let (id, r1) = create(&mut local, &vehicle, "AA1234BC", 1_000);
    let r2 = decide(&mut local, &vehicle, id, Outcome::Refer, 2_000);
    local.compact(id).expect("compact");
    let r3 = decide(&mut local, &vehicle, id, Outcome::Release, 3_000);
    let receipt = kordon_record::Receipt::sign(&server, r1.id(), 1, 9);
    local.store_receipts(&[receipt], 10).expect("receipt");

    let mut central = Store::open(&dir.path().join("c.sqlite"), server.public()).expect("open");
    central.enable_log();
    central
        .ingest(&[r1, r2, r3], Origin::Remote, 5_000)
        .expect("ingest");

    let report = local.check(Some(&server.public())).expect("check");
    assert_eq!(
        (report.records, report.receipts, report.documents),
        (3, 1, 1)
    );
    assert!(report.findings.is_empty(), "{report:?}");
    let report = central.check(Some(&server.public())).expect("check");
    assert_eq!((report.records, report.log_leaves), (3, 3));
    assert!(report.findings.is_empty(), "{report:?}");

    // A receipt under another key than the pinned one.
    let stranger = DeviceKey::generate().public();
    assert_eq!(finding_kinds(&local, Some(&stranger)), ["receipt"]);

    // A derived row that is not what its records make.
    local
        .connection()
        .execute(
            "UPDATE inspections SET view = json_set(view, '$.unit', 'ELSEWHERE')",
            [],
        )
        .expect("tamper");
    assert_eq!(finding_kinds(&local, None), ["projection"]);

    // A record's bytes altered in place: its signature no longer holds.
    // The last byte is flipped, not overwritten: a signature ends in any
    // byte, zero among them, and overwriting a zero with a zero alters
    // nothing.
    let altered = central
        .connection()
        .execute(
            "UPDATE records SET bytes = CAST(substr(bytes, 1, length(bytes) - 1) \
             || (CASE WHEN substr(bytes, -1) = x'00' THEN x'01' ELSE x'00' END) AS BLOB) \
             WHERE seq = 2",
            [],
        )
        .expect("tamper");
    assert_eq!(altered, 1);
    let kinds = finding_kinds(&central, Some(&server.public()));
    assert!(
        kinds.contains(&"signature") || kinds.contains(&"record"),
        "{kinds:?}"
    );

    // A snapshot holding changes its records do not.
    let mut other = InspectionDoc::create(
        vehicle.public().as_bytes(),
        id,
        &new_inspection("BB0000BB"),
        &officer(),
        4_000,
    )
    .expect("create");
    local
        .connection()
        .execute("UPDATE snapshots SET bytes = ?1", [other.save()])
        .expect("tamper");
    assert!(finding_kinds(&local, None).contains(&"snapshot"));
}

/// A training attempt: derived into its own row (never the inspections'
/// index), its answers kept, and the server's key may not write it.
#[test]
fn training_attempts_are_derived_apart_and_written_by_devices_only() {
    let dir = tempfile::tempdir().expect("tmp");
    let vehicle = DeviceKey::generate();
    let server = DeviceKey::generate();
    let mut local = Store::open(&dir.path().join("v.sqlite"), vehicle.public()).expect("open");
    let id = kordon_model::training::new_training_id();
    let mut doc = TrainingDoc::create(
        vehicle.public().as_bytes(),
        id,
        "MOBILE-1",
        "Week 1",
        r#"{"shown":[]}"#,
        &officer(),
        1_000,
    )
    .expect("create");
    let r1 = local
        .commit_training(id, &mut doc, &vehicle, "OF-17", 1_000)
        .expect("commit");
    let answer = NewTrainingAnswer {
        image: "TIP_0001".into(),
        decision: TrainingDecision::Suspect,
        marks: vec![[1.0, 2.0, 3.0, 4.0]],
        time_ms: 700,
    };
    doc.answer(&answer, &officer(), 2_000).expect("answer");
    let r2 = local
        .commit_training(id, &mut doc, &vehicle, "OF-17", 2_000)
        .expect("commit");
    assert_eq!(local.inspection_count().expect("count"), 0);
    let held = local.training_attempt(&id).expect("read").expect("a row");
    assert_eq!(held.answers.len(), 1);

    let mut central = Store::open(&dir.path().join("c.sqlite"), server.public()).expect("open");
    central.set_server_key(server.public());
    let out = central
        .ingest(&[r1, r2], Origin::Remote, 5_000)
        .expect("ingest");
    assert!(
        out.iter()
            .all(|o| matches!(o, IngestOutcome::Stored { .. })),
        "{out:?}"
    );
    let rows = central
        .training_attempts(&kordon_store::TrainingQuery {
            trainee: Some("OF-17".into()),
            limit: 10,
            ..Default::default()
        })
        .expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].answers[0].marks, vec![[1.0, 2.0, 3.0, 4.0]]);
    assert_eq!(central.inspection_count().expect("count"), 0);

    // An answer signed by the server's key is refused, whatever it says.
    let saved = central
        .load_doc(InspectionId::from_bytes(*id.as_bytes()))
        .expect("load")
        .expect("held")
        .save();
    let mut as_server =
        TrainingDoc::from(InspectionDoc::load(&saved, server.public().as_bytes()).expect("load"));
    as_server
        .answer(
            &NewTrainingAnswer {
                image: "TIP_0002".into(),
                ..answer
            },
            &officer(),
            6_000,
        )
        .expect("answer");
    let change = as_server.last_change().expect("change");
    let rec = SignedRecord::sign(&server, *id.as_bytes(), "srv", 6_000, &change).expect("sign");
    let out = central
        .ingest(&[rec], Origin::Remote, 6_000)
        .expect("ingest");
    assert!(
        matches!(&out[0], IngestOutcome::BreaksRules(r) if r.contains("trainee's device only")),
        "{out:?}"
    );
    let rows = central.training_attempt(&id).expect("read").expect("row");
    assert_eq!(rows.answers.len(), 1, "the forged answer is not held");
}

/// A store that took an attempt's records before it knew attempts (v9)
/// derives the attempt's row when it opens as v10.
#[test]
fn a_version_9_store_derives_the_attempts_it_already_holds_on_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.sqlite");
    let key = DeviceKey::generate();
    let mut store = Store::open(&path, key.public()).expect("open");
    let id = kordon_model::training::new_training_id();
    let mut doc = TrainingDoc::create(
        key.public().as_bytes(),
        id,
        "MOBILE-1",
        "Week 1",
        "{}",
        &officer(),
        1_000,
    )
    .expect("create");
    store
        .commit_training(id, &mut doc, &key, "OF-17", 1_000)
        .expect("commit");
    let before = store.training_attempt(&id).expect("read").expect("row");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch("DROP TABLE training; PRAGMA user_version = 9;")
        .expect("back to v9");
    drop(conn);
    let store = Store::open(&path, key.public()).expect("reopened and migrated");
    let after = store.training_attempt(&id).expect("read");
    assert_eq!(after, Some(before));
    assert!(store.check(None).expect("check").findings.is_empty());
}

/// A server's register in its first shape (as the earliest servers made
/// it): opened, its devices and secrets are kept and given the columns
/// added since; the enrollment secret still works once. A vehicle's
/// database has no register at all.
#[test]
fn a_register_made_by_an_older_server_is_kept_and_completed() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("central.sqlite");
    let server = DeviceKey::generate();
    let vehicle = DeviceKey::generate();
    let plain = Store::open(&path, server.public()).expect("create");
    assert!(
        plain.devices().is_err(),
        "no register until the server opens it"
    );
    drop(plain);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(
        "CREATE TABLE devices (key BLOB PRIMARY KEY, unit TEXT NOT NULL,
             enrolled_ms INTEGER NOT NULL, revoked_ms INTEGER, last_seen_ms INTEGER,
             last_addr TEXT, last_cursor INTEGER);
         CREATE TABLE enrollments (secret_hash BLOB PRIMARY KEY, unit TEXT NOT NULL,
             created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER,
             used_by BLOB);",
    )
    .expect("the older shape");
    conn.execute(
        "INSERT INTO devices (key, unit, enrolled_ms, last_addr) VALUES (?1, 'MOBILE-1', 5, 'x')",
        [&vehicle.public().0[..]],
    )
    .expect("device");
    conn.execute(
        "INSERT INTO enrollments (secret_hash, unit, created_ms, expires_ms)
         VALUES (x'0102030405060708aa', 'MOBILE-2', 1, 9000)",
        [],
    )
    .expect("secret");
    drop(conn);

    let store = Store::open(&path, server.public()).expect("reopen");
    store.open_register().expect("complete the register");
    let devices = store.devices().expect("devices");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].unit, "MOBILE-1");
    assert_eq!(devices[0].refused_count, 0);
    assert_eq!(devices[0].last_sync, kordon_store::LastSync::Never);
    assert_eq!(
        store.device_standing(&vehicle.public()).expect("standing"),
        kordon_store::Standing::Enrolled {
            unit: "MOBILE-1".into()
        }
    );
    let pending = store.enrollments_pending(100).expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].created_by, None);
    let newcomer = DeviceKey::generate().public();
    let hash = hex::decode("0102030405060708aa").expect("hex");
    assert_eq!(
        store
            .enrollment_redeem(&hash, &newcomer, 200)
            .expect("redeem"),
        Some("MOBILE-2".into())
    );
    assert_eq!(
        store
            .enrollment_redeem(&hash, &newcomer, 201)
            .expect("again"),
        None
    );
    drop(store);
    // Opened again: nothing to do, nothing lost.
    let store = Store::open(&path, server.public()).expect("reopen");
    store.open_register().expect("again");
    assert_eq!(store.devices().expect("devices").len(), 2);
}

/// Revoking a unit: its devices and its unused secrets in one go; a unit
/// the register does not know is told apart from one revoked already.
#[test]
fn a_unit_is_revoked_with_its_unused_secrets() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = DeviceKey::generate();
    let store = Store::open(&dir.path().join("c.sqlite"), server.public()).expect("open");
    store.open_register().expect("register");
    let device = DeviceKey::generate().public();
    for (hash, unit) in [(&[1u8; 32], "MOBILE-1"), (&[2u8; 32], "MOBILE-1")] {
        store
            .enrollment_insert(&kordon_store::NewEnrollment {
                secret_hash: hash,
                unit,
                created_ms: 1,
                expires_ms: 10_000,
                created_by: Some("adm"),
            })
            .expect("insert");
    }
    assert_eq!(
        store.unit_revoke("MOBILE-1", "", None, 5).expect("revoke"),
        None
    );
    assert_eq!(
        store
            .enrollment_redeem(&[1u8; 32], &device, 10)
            .expect("redeem"),
        Some("MOBILE-1".into())
    );
    assert_eq!(
        store
            .unit_revoke("MOBILE-1", "lost", Some("adm"), 20)
            .expect("revoke"),
        Some(1)
    );
    assert_eq!(store.enrollments_pending(30).expect("pending"), vec![]);
    assert_eq!(
        store
            .enrollment_redeem(&[2u8; 32], &DeviceKey::generate().public(), 40)
            .expect("redeem"),
        None,
        "the unit's unused secret died with it"
    );
    assert_eq!(
        store
            .unit_revoke("MOBILE-1", "again", None, 50)
            .expect("revoke"),
        Some(0)
    );
    assert!(matches!(
        store.device_standing(&device).expect("standing"),
        kordon_store::Standing::Revoked { reason, wipe: false, .. } if reason == "lost"
    ));
}
