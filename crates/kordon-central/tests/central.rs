//! Central operations in-process: authorisation, forged records, down
//! paging, projection recovery, and a vehicle/server pair driven through
//! the sans-IO sessions with no sockets.

use kordon_central::{Central, RecordResult};
use kordon_model::*;
use kordon_proto::{
    ClientConfig, ClientEvent, ClientSession, RefusalCode, RejectCode, ServerEvent, ServerSession,
};
use kordon_record::{DeviceKey, Receipt, SignedRecord};
use kordon_store::{Origin, Store};
use std::time::Instant;

const NOW: i64 = 1_780_000_000_000;

fn officer(s: &str) -> OfficerId {
    OfficerId::new(s).expect("officer")
}

fn central(dir: &std::path::Path) -> Central {
    Central::init(&dir.join("srv"), "127.0.0.1:4433").expect("init")
}

/// A device enrolled on `c`, with its store.
fn enrolled(c: &mut Central, dir: &std::path::Path, name: &str) -> (DeviceKey, Store) {
    let key = DeviceKey::generate();
    let token = c.enroll(name, None, 1, NOW).expect("enroll");
    let secret = token.secret_bytes().expect("secret");
    c.authorize(&key.public(), Some(&secret), "test", NOW)
        .expect("db")
        .expect("authorised");
    let mut store = Store::open(
        &dir.join(format!("{name}-{}.sqlite", key.public().short())),
        key.public(),
    )
    .expect("store");
    // As a vehicle's store, which knows the server's key from its token.
    store.set_server_key(c.public_key());
    (key, store)
}

fn inspection(store: &mut Store, key: &DeviceKey, plate: &str) -> (InspectionId, SignedRecord) {
    let id = InspectionId::random();
    let input = NewInspection {
        tractor_plate: plate.into(),
        unit: "U".into(),
        ..Default::default()
    };
    let mut doc = InspectionDoc::create(key.public().as_bytes(), id, &input, &officer("OF-1"), NOW)
        .expect("create");
    let rec = store
        .commit_local(id, &mut doc, key, "OF-1", NOW)
        .expect("commit");
    (id, rec)
}

#[test]
fn tokens_are_single_use_expire_and_revocation_is_immediate() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let token = c.enroll("MOBILE-1", None, 1, NOW).expect("enroll");
    let secret = token.secret_bytes().expect("secret");
    let a = DeviceKey::generate().public();
    let b = DeviceKey::generate().public();

    let refused = c
        .authorize(&a, None, "p", NOW)
        .expect("db")
        .expect_err("no token, not enrolled");
    assert_eq!(refused.code, RefusalCode::NotEnrolled);
    assert!(
        c.authorize(&a, Some(&secret), "p", NOW)
            .expect("db")
            .expect("valid token")
            .newly_enrolled
    );
    assert!(
        !c.authorize(&a, None, "p", NOW)
            .expect("db")
            .expect("enrolled now")
            .newly_enrolled
    );
    let reused = c
        .authorize(&b, Some(&secret), "p", NOW)
        .expect("db")
        .expect_err("token used");
    assert_eq!(reused.code, RefusalCode::BadToken);

    let late = c
        .enroll("MOBILE-2", None, 1, NOW)
        .expect("enroll")
        .secret_bytes()
        .expect("secret");
    let expired = c
        .authorize(&b, Some(&late), "p", NOW + 3_600_001)
        .expect("db")
        .expect_err("expired");
    assert_eq!(expired.code, RefusalCode::BadToken);

    c.revoke("MOBILE-1", NOW).expect("revoke");
    let revoked = c
        .authorize(&a, None, "p", NOW)
        .expect("db")
        .expect_err("revoked");
    assert_eq!(revoked.code, RefusalCode::Revoked);
    assert_eq!(
        revoked.reason, "",
        "revoked from the command line: no reason"
    );
    assert!(c.revoke("NOBODY", NOW).is_err());
}

#[test]
fn the_fleet_shows_tokens_revocations_with_reasons_and_refused_attempts() {
    use kordon_central::{LastSync, RevokeTarget};
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    // Two tokens for one unit, one for another; one cancelled.
    let t1 = c
        .enroll_by("MOBILE-7", None, 24, Some("adm.bondar"), NOW)
        .expect("enroll");
    let t2 = c.enroll("MOBILE-7", None, 1, NOW + 1).expect("enroll");
    let t3 = c
        .enroll_by("MOBILE-8", None, 2, Some("adm.bondar"), NOW + 2)
        .expect("enroll");
    let pending = c.pending_enrollments(NOW + 3).expect("pending");
    assert_eq!(
        pending.iter().map(|p| p.unit.as_str()).collect::<Vec<_>>(),
        ["MOBILE-8", "MOBILE-7", "MOBILE-7"],
        "newest first"
    );
    assert_eq!(pending[0].created_by.as_deref(), Some("adm.bondar"));
    assert_eq!(pending[1].created_by, None);
    assert_eq!(pending[2].expires_ms, NOW + 24 * 3_600_000);
    let id2 = Central::enrollment_id(&t2).expect("id");
    assert!(pending.iter().any(|p| p.id == id2));
    c.cancel_enrollment(&id2, Some("adm.bondar"), NOW + 4)
        .expect("cancel");
    assert!(
        c.cancel_enrollment(&id2, None, NOW + 5).is_err(),
        "cancelled once"
    );
    assert_eq!(c.pending_enrollments(NOW + 5).expect("pending").len(), 2);
    let x = DeviceKey::generate().public();
    let cancelled = c
        .authorize(&x, Some(&t2.secret_bytes().expect("s")), "p", NOW + 5)
        .expect("db")
        .expect_err("a cancelled token is refused");
    assert_eq!(cancelled.code, RefusalCode::BadToken);
    // Bounds on what an administrator may ask.
    assert!(c.enroll("MOBILE-7", None, 0, NOW).is_err());
    assert!(c.enroll("MOBILE-7", None, 721, NOW).is_err());

    // Two devices of MOBILE-7, one of MOBILE-8.
    let a = DeviceKey::generate().public();
    let b = DeviceKey::generate().public();
    let d = DeviceKey::generate().public();
    let t1b = c.enroll("MOBILE-7", None, 1, NOW).expect("enroll");
    for (key, token) in [(&a, &t1), (&b, &t1b), (&d, &t3)] {
        c.authorize(key, Some(&token.secret_bytes().expect("s")), "p", NOW + 10)
            .expect("db")
            .expect("enrolled");
    }
    c.note_sync_finished(&a, NOW + 11).expect("finished");
    let by_key = |c: &Central, k: &kordon_record::PublicKey| {
        c.devices()
            .expect("devices")
            .into_iter()
            .find(|i| i.key == k.to_string())
            .expect("listed")
    };
    assert_eq!(by_key(&c, &a).last_sync, LastSync::Complete);
    assert_eq!(by_key(&c, &b).last_sync, LastSync::Interrupted);
    assert_eq!(
        by_key(&c, &a).fingerprint,
        kordon_central::fingerprint(&a.to_string())
    );
    assert_eq!(by_key(&c, &a).fingerprint.len(), 19);

    // One device, by a prefix of its key, with a reason.
    let prefix = &a.to_string()[..12];
    let n = c
        .revoke_with(
            &RevokeTarget::Device(prefix.into()),
            "планшет викрадено",
            Some("adm.bondar"),
            NOW + 20,
        )
        .expect("revoke one");
    assert_eq!(n, 1);
    let refused = c
        .authorize(&a, None, "p", NOW + 21)
        .expect("db")
        .expect_err("revoked");
    assert_eq!(refused.code, RefusalCode::Revoked);
    assert_eq!(
        refused.reason, "планшет викрадено",
        "the vehicle is told the reason as given"
    );
    c.authorize(&a, None, "p", NOW + 22)
        .expect("db")
        .expect_err("revoked");
    let info = by_key(&c, &a);
    assert_eq!(info.revoked_ms, Some(NOW + 20));
    assert_eq!(info.revoked_reason.as_deref(), Some("планшет викрадено"));
    assert_eq!(info.revoked_by.as_deref(), Some("adm.bondar"));
    assert_eq!(info.refused_count, 2);
    assert_eq!(info.last_refused_ms, Some(NOW + 22));
    assert_eq!(info.last_sync, LastSync::Refused);
    // Its unit-mate is untouched.
    assert!(c.authorize(&b, None, "p", NOW + 23).expect("db").is_ok());
    assert_eq!(by_key(&c, &b).refused_count, 0);

    // A whole unit; bad names are refused clearly.
    assert_eq!(
        c.revoke_with(
            &RevokeTarget::Unit("MOBILE-8".into()),
            "unit disbanded",
            None,
            NOW + 30
        )
        .expect("revoke unit"),
        1
    );
    assert!(c.authorize(&d, None, "p", NOW + 31).expect("db").is_err());
    assert!(c
        .revoke_with(&RevokeTarget::Device("xyz".into()), "r", None, NOW)
        .is_err());
    assert!(c
        .revoke_with(&RevokeTarget::Device("00000000".into()), "r", None, NOW)
        .is_err());
    assert!(c
        .revoke_with(
            &RevokeTarget::Unit("MOBILE-7".into()),
            &"x".repeat(201),
            None,
            NOW
        )
        .is_err());
}

#[test]
fn forged_and_malformed_records_are_rejected_one_by_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (key, mut store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let stranger = DeviceKey::generate();
    let good: Vec<SignedRecord> = (0..100)
        .map(|i| inspection(&mut store, &key, &format!("AA{i:04}BB")).1)
        .collect();

    let mut batch: Vec<Vec<u8>> = good.iter().map(|r| r.bytes().to_vec()).collect();
    batch[10] = b"garbage".to_vec();
    let n = batch[20].len();
    batch[20][n - 1] ^= 1; // signature
                           // A well-signed record from a device that is not enrolled.
    let (_, foreign) = inspection(
        &mut Store::open(&dir.path().join("x.sqlite"), stranger.public()).expect("store"),
        &stranger,
        "XX0000XX",
    );
    batch[30] = foreign.into_bytes();
    // The same change re-signed by the enrolled key is fine; a change by
    // another actor signed by the enrolled key is not.
    let (_, theirs) = inspection(
        &mut Store::open(&dir.path().join("y.sqlite"), stranger.public()).expect("store"),
        &stranger,
        "YY0000YY",
    );
    batch[40] = SignedRecord::sign(&key, theirs.doc_id(), "OF-1", NOW, theirs.payload())
        .expect("sign")
        .into_bytes();

    let results = c.accept_records(&key.public(), batch, NOW).expect("accept");
    let code = |i: usize| match &results[i] {
        RecordResult::Rejected { code, .. } => Some(*code),
        RecordResult::Accepted { .. } | RecordResult::Logged { .. } => None,
    };
    assert_eq!(code(10), Some(RejectCode::Malformed));
    assert_eq!(code(20), Some(RejectCode::BadSignature));
    assert_eq!(code(30), Some(RejectCode::UnknownSigner));
    assert_eq!(code(40), Some(RejectCode::InvalidChange));
    let accepted = results
        .iter()
        .filter(|r| matches!(r, RecordResult::Accepted { .. }))
        .count();
    assert_eq!(accepted, 96);
    for (i, r) in results.iter().enumerate() {
        if let RecordResult::Accepted { receipt } = r {
            let receipt = Receipt::parse(receipt).expect("receipt");
            receipt
                .verify(&c.public_key())
                .expect("signed by the server");
            assert_eq!(receipt.record_id, good[i].id());
        }
    }
    assert_eq!(c.inspections(&Default::default()).expect("list").len(), 96);

    // Re-sending is harmless and yields the very same receipts.
    let again = c
        .accept_records(&key.public(), vec![good[0].bytes().to_vec()], NOW + 5)
        .expect("accept");
    assert_eq!(again[0], results[0]);
}

#[test]
fn a_small_order_r_signature_is_rejected_like_every_strict_verifier_would() {
    // Passes cofactored batch verification, fails strict verification: the
    // server must not receipt it (fuzz/regressions/record/small-order-r-signature).
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let key = DeviceKey::from_seed(&[0x2a; 32]);
    let secret = c
        .enroll("MOBILE-9", None, 1, NOW)
        .expect("enroll")
        .secret_bytes()
        .expect("secret");
    c.authorize(&key.public(), Some(&secret), "test", NOW)
        .expect("db")
        .expect("authorised");
    let forged = kordon_test_support::regressions("record")
        .into_iter()
        .find(|(name, _)| name == "small-order-r-signature")
        .expect("corpus file")
        .1;
    let honest = SignedRecord::sign(&key, [9; 16], "x", 1, b"y")
        .expect("sign")
        .into_bytes();
    let results = c
        .accept_records(&key.public(), vec![forged, honest], NOW)
        .expect("accept");
    assert!(
        matches!(
            &results[0],
            RecordResult::Rejected {
                code: RejectCode::BadSignature,
                ..
            }
        ),
        "{:?}",
        results[0]
    );
    // The honest neighbour is judged on its own (rejected only because its
    // payload is not an Automerge change).
    assert!(
        matches!(
            &results[1],
            RecordResult::Rejected {
                code: RejectCode::InvalidChange,
                ..
            }
        ),
        "{:?}",
        results[1]
    );
}

#[test]
fn a_unit_cannot_write_to_or_read_another_units_inspection() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (a, mut a_store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let (a2, mut a2_store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let (b, mut b_store) = enrolled(&mut c, dir.path(), "MOBILE-2");
    let (id, genesis) = inspection(&mut a_store, &a, "AA0001AA");
    c.accept_records(&a.public(), vec![genesis.bytes().to_vec()], NOW)
        .expect("accept");

    // Unit B learns the id, and writes into the inspection to follow it.
    b_store
        .ingest(std::slice::from_ref(&genesis), Origin::Remote, NOW)
        .expect("ingest");
    let mut doc = b_store.load_doc(id).expect("load").expect("doc");
    doc.decide(
        &NewDecision {
            outcome: Outcome::Release,
            reasons: vec![],
            note: String::new(),
        },
        &officer("X"),
        NOW,
    )
    .expect("decide");
    let intrusion = b_store
        .commit_local(id, &mut doc, &b, "X", NOW)
        .expect("commit");
    let results = c
        .accept_records(&b.public(), vec![intrusion.into_bytes()], NOW)
        .expect("accept");
    assert!(
        matches!(&results[0], RecordResult::Rejected { code: RejectCode::NotPermitted, reason, .. } if reason.contains("MOBILE-1")),
        "{results:?}"
    );
    c.review(
        id,
        &NewReview::plain(Verdict::Agree, String::new()),
        &officer("SUP"),
        NOW,
    )
    .expect("review");
    let (down, _, _) = c.down(&b.public(), 0).expect("down");
    assert!(
        down.is_empty(),
        "unit B does not follow unit A's inspection"
    );

    // A second device of unit A (a replacement tablet) may write to it.
    a2_store
        .ingest(&[genesis], Origin::Remote, NOW)
        .expect("ingest");
    let mut doc = a2_store.load_doc(id).expect("load").expect("doc");
    doc.decide(
        &NewDecision {
            outcome: Outcome::Detain,
            reasons: vec![],
            note: String::new(),
        },
        &officer("Y"),
        NOW,
    )
    .expect("decide");
    let ok = a2_store
        .commit_local(id, &mut doc, &a2, "Y", NOW)
        .expect("commit");
    let results = c
        .accept_records(&a2.public(), vec![ok.into_bytes()], NOW)
        .expect("accept");
    assert!(
        matches!(results[0], RecordResult::Accepted { .. }),
        "{results:?}"
    );
    let (down, _, _) = c.down(&a2.public(), 0).expect("down");
    assert_eq!(
        down.len(),
        2,
        "the genesis and the review flow to the unit's other device"
    );
}

#[test]
fn appended_but_unprojected_records_are_projected_when_the_server_reopens() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_key, records) = {
        let mut c = central(dir.path());
        let (key, mut store) = enrolled(&mut c, dir.path(), "MOBILE-1");
        let recs: Vec<SignedRecord> = (0..5)
            .map(|i| inspection(&mut store, &key, &format!("KA{i:04}KA")).1)
            .collect();
        (key, recs)
    };
    // Simulate a crash between append and projection: append directly.
    {
        let mut store = Store::open(
            &dir.path().join("srv").join("central.sqlite"),
            DeviceKey::generate().public(),
        )
        .expect("open");
        store
            .append(&records, Origin::Remote, NOW, None)
            .expect("append");
        assert_eq!(store.inspection_count().expect("count"), 0);
    }
    let mut c = Central::open(&dir.path().join("srv")).expect("reopen");
    assert_eq!(c.inspections(&Default::default()).expect("list").len(), 5);
}

#[test]
fn down_pages_follow_only_the_devices_documents() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (key, mut store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let (other, mut other_store) = enrolled(&mut c, dir.path(), "MOBILE-2");
    let mine: Vec<(InspectionId, SignedRecord)> = (0..600)
        .map(|i| inspection(&mut store, &key, &format!("AA{i:04}AA")))
        .collect();
    let (_, theirs) = inspection(&mut other_store, &other, "BB0000BB");
    for chunk in mine.chunks(256) {
        c.accept_records(
            &key.public(),
            chunk.iter().map(|(_, r)| r.bytes().to_vec()).collect(),
            NOW,
        )
        .expect("accept");
    }
    c.accept_records(&other.public(), vec![theirs.into_bytes()], NOW)
        .expect("accept");
    for (id, _) in &mine {
        c.review(
            *id,
            &NewReview::plain(Verdict::Agree, String::new()),
            &officer("SUP"),
            NOW,
        )
        .expect("review");
    }
    let mut cursor = 0;
    let mut got = 0;
    let mut pages = 0;
    loop {
        let (records, next, more) = c.down(&key.public(), cursor).expect("down");
        for r in &records {
            let r = SignedRecord::parse(r.clone()).expect("parse");
            assert_eq!(
                r.signer(),
                c.public_key(),
                "only others' records, and only for followed documents"
            );
        }
        got += records.len();
        pages += 1;
        assert!(next >= cursor);
        cursor = next;
        if !more {
            break;
        }
    }
    assert_eq!(got, 600);
    assert_eq!(pages, 2, "512 per page");
    let (records, _, more) = c.down(&key.public(), cursor).expect("down");
    assert!(
        records.is_empty() && !more,
        "nothing after the final cursor"
    );
}

/// One sync between a vehicle store and the central through the sans-IO
/// sessions, bytes moved by hand: no sockets, no clock.
fn sync_in_memory(c: &mut Central, key: &DeviceKey, store: &mut Store, cursor: &mut u64) -> usize {
    let now = Instant::now();
    let mut client = ClientSession::new(
        ClientConfig {
            down_cursor: *cursor,
            check_log: true,
            // As a vehicle does with a server that negotiated it.
            records_with_hello: true,
            ..Default::default()
        },
        now,
    );
    let server_key = c.public_key();
    let mut server = ServerSession::new();
    let mut pending = store.pending(0, 10_000).expect("pending");
    let mut acked = 0;
    let mut asked = 0;
    let mut sent: std::collections::HashMap<u32, Vec<kordon_record::RecordId>> = Default::default();
    for _ in 0..1000 {
        while let Some(ev) = client.poll_event() {
            match ev {
                ClientEvent::Results { batch, results } => {
                    let ids = sent.remove(&batch).unwrap_or_default();
                    let mut receipts: Vec<Receipt> = vec![];
                    let mut logged = vec![];
                    for (id, r) in ids.iter().zip(results) {
                        match r {
                            RecordResult::Accepted { receipt } => receipts.extend(
                                Receipt::parse(&receipt)
                                    .ok()
                                    .filter(|rc| rc.record_id == *id),
                            ),
                            RecordResult::Logged {
                                record_id,
                                leaf_index,
                                leaf,
                            } => {
                                assert_eq!(record_id, id.0, "the answer names the record");
                                logged.push((*id, leaf_index, leaf));
                            }
                            RecordResult::Rejected { .. } => {}
                        }
                    }
                    assert!(
                        receipts.is_empty(),
                        "a vehicle saying HelloV2 gets no receipts"
                    );
                    acked += store.store_receipts(&receipts, 0).expect("receipts");
                    acked += store.store_log_acks(&logged).expect("acks");
                }
                ClientEvent::LogDue => {
                    let ask = kordon_proto::LogAsk {
                        known_size: 0,
                        proofs: store.records_wanting_proofs(4096).expect("wanting"),
                        record_sets: store.docs_wanting_record_sets(100).expect("docs"),
                        devices: store
                            .signers_wanting_entries(&server_key, 100)
                            .expect("signers"),
                    };
                    asked = ask.proofs.len();
                    client.ask_log(ask, now);
                }
                ClientEvent::Log(answer) => {
                    let cp =
                        kordon_record::Checkpoint::parse(&answer.checkpoint).expect("checkpoint");
                    cp.verify(&server_key).expect("signed by the server");
                    assert!(
                        answer.consistency.is_empty(),
                        "nothing to prove against size 0"
                    );
                    assert_eq!(cp.head, c.store().log_head(cp.size).expect("head"));
                    assert_eq!(
                        answer.inclusions.len(),
                        asked,
                        "a proof for every record asked"
                    );
                    for inc in &answer.inclusions {
                        kordon_log::verify_inclusion(
                            &kordon_log::leaf_hash(&inc.leaf),
                            inc.leaf_index,
                            cp.size,
                            &inc.path,
                            &cp.head,
                        )
                        .expect("each record is in the checkpoint");
                    }
                    for text in &answer.record_sets {
                        kordon_record::RecordSet::parse(text)
                            .expect("statement")
                            .verify(&server_key)
                            .expect("signed");
                    }
                    for text in &answer.devices {
                        let e = kordon_record::DeviceEntry::parse(text).expect("entry");
                        e.verify(&server_key).expect("signed");
                        assert_eq!(e.device, key.public());
                    }
                    client.log_checked(now);
                }
                ClientEvent::EarlyLog(_) => panic!("no early log ask was made"),
                ClientEvent::Down {
                    records,
                    cursor: next,
                    ..
                } => {
                    let parsed: Vec<SignedRecord> = records
                        .into_iter()
                        .map(|b| SignedRecord::parse(b).expect("parse"))
                        .collect();
                    parsed.iter().for_each(|r| r.verify().expect("verify"));
                    store.ingest(&parsed, Origin::Remote, 0).expect("ingest");
                    *cursor = next;
                    client.down_applied(next, now);
                }
                ClientEvent::Refused { reason, .. } => panic!("refused: {reason}"),
                ClientEvent::Welcomed { .. } | ClientEvent::Finished => {}
            }
        }
        while client.can_send() {
            if pending.is_empty() {
                client.finish_uploads();
                break;
            }
            let batch: Vec<_> = pending.drain(..pending.len().min(50)).collect();
            let n = client.send_records(batch.iter().map(|e| e.bytes.clone()).collect(), now);
            sent.insert(n, batch.iter().map(|e| e.id).collect());
        }
        let mut moved = false;
        while let Some(b) = client.poll_transmit() {
            moved = true;
            server.handle_bytes(&b).expect("server input");
        }
        while let Some(ev) = server.poll_event() {
            match ev {
                ServerEvent::Hello { enroll_secret, .. } => match c
                    .authorize(&key.public(), enroll_secret.as_deref(), "mem", NOW)
                    .expect("db")
                {
                    Ok(a) => server.welcome(&a.unit, 0).expect("what followed the Hello"),
                    Err(r) => server.refuse(r.code, &r.reason),
                },
                ServerEvent::Records { batch, records } => {
                    assert!(server.log_receipts());
                    let results = c
                        .accept_records_on_log(&key.public(), records, NOW)
                        .expect("accept");
                    c.project(NOW).expect("project");
                    server.results(batch, results);
                }
                ServerEvent::Pull { cursor } => {
                    let (records, next, more) = c.down(&key.public(), cursor).expect("down");
                    server.down(records, next, more);
                }
                ServerEvent::LogAsk(ask) => {
                    let answer = c.log_answer_v2(&key.public(), &ask, NOW).expect("answer");
                    server.log_answer(answer);
                }
                ServerEvent::Finished => {}
            }
        }
        while let Some(b) = server.poll_transmit() {
            moved = true;
            client.handle_bytes(&b, now).expect("client input");
        }
        if client.is_finished() && !moved {
            break;
        }
    }
    assert!(client.is_finished(), "session did not finish");
    acked
}

#[test]
fn vehicle_and_server_converge_through_the_sans_io_sessions() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (key, mut store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let mut cursor = 0;
    let ids: Vec<InspectionId> = (0..120)
        .map(|i| inspection(&mut store, &key, &format!("AA{i:04}CC")).0)
        .collect();
    assert_eq!(sync_in_memory(&mut c, &key, &mut store, &mut cursor), 120);

    // Concurrent edits: the crew decides, the supervisor reviews.
    let id = ids[7];
    let mut doc = store.load_doc(id).expect("load").expect("doc");
    doc.decide(
        &NewDecision {
            outcome: Outcome::Detain,
            reasons: vec![],
            note: "n".into(),
        },
        &officer("OF-1"),
        NOW + 1,
    )
    .expect("decide");
    store
        .commit_local(id, &mut doc, &key, "OF-1", NOW + 1)
        .expect("commit");
    c.review(
        id,
        &NewReview {
            verdict: Verdict::Overrule,
            comment: "release it".into(),
            outcome: Some(Outcome::Release),
            reasons: vec![],
        },
        &officer("SUP"),
        NOW + 2,
    )
    .expect("review");

    assert_eq!(sync_in_memory(&mut c, &key, &mut store, &mut cursor), 1);
    let (server_doc, server_heads) = c.document(id).expect("doc");
    let mut local = store.load_doc(id).expect("load").expect("doc");
    assert_eq!(local.heads(), server_heads);
    assert_eq!(local.to_json(), server_doc);
    let view = local.view().expect("view");
    assert_eq!((view.decisions.len(), view.reviews.len()), (1, 1));
    assert_eq!(store.counts().expect("counts").pending, 0);
    // A third sync has nothing to do.
    assert_eq!(sync_in_memory(&mut c, &key, &mut store, &mut cursor), 0);
}

#[path = "central/blob_pair.rs"]
mod blob_pair;

#[test]
fn hotlists_are_written_by_the_server_only_and_go_down_to_their_units() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (north_key, _) = enrolled(&mut c, dir.path(), "NORTH");
    let (south_key, mut south_store) = enrolled(&mut c, dir.path(), "SOUTH");
    let entry = |value: &str| NewHotlistEntry {
        value: value.into(),
        reason: "stolen".into(),
        priority: Some(Priority::High),
        ..Default::default()
    };
    let everyone = c
        .hotlist_add("wanted", &[], &entry("AA1234BC"), &officer("SUP-07"), NOW)
        .expect("added");
    c.hotlist_add(
        "north",
        &["NORTH".into()],
        &entry("KA7777AA"),
        &officer("SUP-07"),
        NOW,
    )
    .expect("added");
    let ids_down = |c: &mut Central, key: &DeviceKey| -> std::collections::HashSet<[u8; 16]> {
        let (records, _, more) = c.down(&key.public(), 0).expect("down");
        assert!(!more);
        records
            .into_iter()
            .map(|b| SignedRecord::parse(b).expect("record").doc_id())
            .collect()
    };
    let north = ids_down(&mut c, &north_key);
    let south = ids_down(&mut c, &south_key);
    assert_eq!(north.len(), 2, "both lists reach NORTH");
    assert_eq!(south.len(), 1, "only the fleet-wide list reaches SOUTH");
    let wanted: uuid::Uuid = everyone.list_id.parse().expect("uuid");
    assert!(south.contains(wanted.as_bytes()));

    // A device cannot write to a list, nor make one of its own.
    let (records, _, _) = c.down(&south_key.public(), 0).expect("down");
    for r in &records {
        south_store
            .ingest(
                &[SignedRecord::parse(r.clone()).expect("record")],
                Origin::Remote,
                NOW,
            )
            .expect("stored");
    }
    let mut list = south_store
        .load_hotlist(wanted)
        .expect("load")
        .expect("held by the vehicle");
    list.add_entry(&entry("BC0001AA"), &officer("OF-1"), NOW)
        .expect("a local change");
    let change = list.last_change().expect("change");
    let forged =
        SignedRecord::sign(&south_key, *wanted.as_bytes(), "OF-1", NOW, &change).expect("signed");
    let own = {
        let id = kordon_model::hotlist::new_hotlist_id();
        let mut doc = HotlistDoc::create(
            south_key.public().as_bytes(),
            "mine",
            &[],
            &officer("OF-1"),
            NOW,
        )
        .expect("created");
        let change = doc.last_change().expect("change");
        SignedRecord::sign(&south_key, *id.as_bytes(), "OF-1", NOW, &change).expect("signed")
    };
    let results = c
        .accept_records(
            &south_key.public(),
            vec![forged.bytes().to_vec(), own.bytes().to_vec()],
            NOW,
        )
        .expect("answered");
    for r in results {
        match r {
            RecordResult::Rejected { code, reason, .. } => {
                assert_eq!(code, RejectCode::NotPermitted);
                assert!(reason.contains("server only"), "{reason}");
            }
            other => panic!("a device's hotlist record was accepted: {other:?}"),
        }
    }
    assert_eq!(
        c.hotlists().expect("lists")[1].entries.len(),
        1,
        "the list on the server is unchanged"
    );
}

/// A change made on a copy of `doc` as `key`, by `edit` on the raw
/// Automerge document (as a hostile device or server would craft it).
fn crafted(
    doc: &mut InspectionDoc,
    key: &DeviceKey,
    id: InspectionId,
    edit: impl FnOnce(&mut automerge::AutoCommit),
) -> SignedRecord {
    let mut am = automerge::AutoCommit::load(&doc.save())
        .expect("load")
        .with_actor(automerge::ActorId::from(key.public().as_bytes().as_slice()));
    edit(&mut am);
    am.commit();
    let change = am
        .get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec();
    SignedRecord::sign(key, *id.as_bytes(), "OF-1", NOW + 9, &change).expect("signed")
}

fn obj(d: &automerge::AutoCommit, parent: &automerge::ObjId, key: &str) -> automerge::ObjId {
    use automerge::ReadDoc;
    match d.get(parent, key) {
        Ok(Some((automerge::Value::Object(_), id))) => id,
        _ => panic!("no object {key}"),
    }
}

fn first(d: &automerge::AutoCommit, list: &automerge::ObjId) -> automerge::ObjId {
    use automerge::ReadDoc;
    match d.get(list, 0) {
        Ok(Some((automerge::Value::Object(_), id))) => id,
        _ => panic!("no first entry"),
    }
}

#[test]
fn changes_that_break_the_schema_rules_are_refused_by_the_server_and_by_a_vehicle() {
    use automerge::transaction::Transactable;
    use automerge::ROOT;
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (key, mut store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let (id, genesis) = inspection(&mut store, &key, "AA1234BC");
    let mut doc = store.load_doc(id).expect("load").expect("doc");
    doc.decide(
        &NewDecision {
            outcome: Outcome::Detain,
            reasons: vec![],
            note: "undeclared cigarettes".into(),
        },
        &officer("OF-1"),
        NOW + 1,
    )
    .expect("decide");
    let decision = store
        .commit_local(id, &mut doc, &key, "OF-1", NOW + 1)
        .expect("commit");
    doc.add_scan(
        &NewScan {
            images: vec![ScanImage {
                blob: "ab".repeat(32),
                size: 1000,
                width: 600,
                height: 200,
                bits: 16,
                channels: 1,
                format: "tiff".into(),
                energy: Energy::Single,
            }],
            ..NewScan::default()
        },
        &officer("OF-1"),
        NOW + 2,
    )
    .expect("scan");
    let scan = store
        .commit_local(id, &mut doc, &key, "OF-1", NOW + 2)
        .expect("commit");
    let accepted = c
        .accept_records(
            &key.public(),
            vec![
                genesis.bytes().to_vec(),
                decision.bytes().to_vec(),
                scan.bytes().to_vec(),
            ],
            NOW,
        )
        .expect("accept");
    assert!(accepted
        .iter()
        .all(|r| matches!(r, RecordResult::Accepted { .. })));
    c.project(NOW).expect("project");
    c.review(
        id,
        &NewReview {
            verdict: Verdict::Agree,
            comment: String::new(),
            outcome: None,
            reasons: vec![],
        },
        &officer("SUP"),
        NOW + 3,
    )
    .expect("review");
    let (server_json, _) = c.document(id).expect("doc");
    let mut server_doc =
        InspectionDoc::load(&automerge_save(&mut c, id), &[0; 32]).expect("server's document");

    let delete_decision = crafted(&mut server_doc, &key, id, |d| {
        let l = obj(d, &ROOT, "decisions");
        d.delete(&l, 0).expect("delete");
    });
    let rewrite_scan = crafted(&mut server_doc, &key, id, |d| {
        let scans = obj(d, &ROOT, "scans");
        let images = obj(d, &first(d, &scans), "images");
        let image = first(d, &images);
        d.put(&image, "blob", "00".repeat(32)).expect("put");
    });
    let move_unit = crafted(&mut server_doc, &key, id, |d| {
        d.put(ROOT, "unit", "MOBILE-9").expect("put");
    });
    let edit_verdict = crafted(&mut server_doc, &key, id, |d| {
        let reviews = obj(d, &ROOT, "reviews");
        let r = first(d, &reviews);
        d.put(&r, "verdict", "overrule").expect("put");
    });
    let results = c
        .accept_records(
            &key.public(),
            [&delete_decision, &rewrite_scan, &move_unit, &edit_verdict]
                .iter()
                .map(|r| r.bytes().to_vec())
                .collect(),
            NOW + 10,
        )
        .expect("answered");
    let reasons: Vec<String> = results
        .iter()
        .map(|r| match r {
            RecordResult::Rejected {
                code: RejectCode::BreaksRules,
                reason,
                ..
            } => reason.clone(),
            other => panic!("a rule-breaking change got {other:?}"),
        })
        .collect();
    assert!(
        reasons[0].contains("removes or replaces decisions entry 0"),
        "{}",
        reasons[0]
    );
    assert!(reasons[1].contains("edits scans entry 0"), "{}", reasons[1]);
    assert!(reasons[2].contains("alters unit"), "{}", reasons[2]);
    assert!(
        reasons[3].contains("edits reviews entry 0"),
        "{}",
        reasons[3]
    );
    let (after, _) = c.document(id).expect("doc");
    assert_eq!(after, server_json, "the server's document is as it was");
    let trail: Vec<String> = c
        .storage()
        .sqlite("the test")
        .expect("SQLite")
        .recent_rejections(10)
        .expect("trail")
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    assert!(
        trail.iter().any(|r| r.contains("breaks the schema rules")),
        "kept in the audit trail: {trail:?}"
    );

    // The same changes coming down from a compromised server, now signed
    // with the server's key: a vehicle refuses them too.
    let server_key = DeviceKey::load_or_create(&dir.path().join("srv").join("server.key"))
        .expect("the server's key");
    let (down, _, _) = c.down(&key.public(), 0).expect("down");
    for r in down {
        store
            .ingest(
                &[SignedRecord::parse(r).expect("record")],
                Origin::Remote,
                NOW,
            )
            .expect("the review arrives");
    }
    let before = store
        .load_doc(id)
        .expect("load")
        .expect("doc")
        .view()
        .expect("view");
    assert_eq!((before.decisions.len(), before.reviews.len()), (1, 1));
    let mut vehicle_doc = store.load_doc(id).expect("load").expect("doc");
    let hostile = [
        crafted(&mut vehicle_doc, &server_key, id, |d| {
            let l = obj(d, &ROOT, "decisions");
            d.delete(&l, 0).expect("delete");
        }),
        crafted(&mut vehicle_doc, &server_key, id, |d| {
            let reviews = obj(d, &ROOT, "reviews");
            d.put(first(d, &reviews), "verdict", "return").expect("put");
        }),
        crafted(&mut vehicle_doc, &server_key, id, |d| {
            let scans = obj(d, &ROOT, "scans");
            let images = obj(d, &first(d, &scans), "images");
            d.put(first(d, &images), "blob", "11".repeat(32))
                .expect("put");
        }),
        crafted(&mut vehicle_doc, &server_key, id, |d| {
            d.put(ROOT, "unit", "MOBILE-9").expect("put");
        }),
    ];
    let outcomes = store
        .ingest(&hostile, Origin::Remote, NOW + 20)
        .expect("answered");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, kordon_store::IngestOutcome::BreaksRules(_))),
        "{outcomes:?}"
    );
    let after = store
        .load_doc(id)
        .expect("load")
        .expect("doc")
        .view()
        .expect("view");
    assert_eq!(after, before, "the vehicle's view keeps every entry");
}

fn automerge_save(c: &mut Central, id: InspectionId) -> Vec<u8> {
    kordon_ports::load_document(c.store(), id.as_bytes(), &c.public_key())
        .expect("load")
        .expect("doc")
        .save()
}

#[test]
fn the_log_holds_every_accepted_record_and_refusal_and_its_proofs_verify() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (key, mut store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let records: Vec<SignedRecord> = (0..5)
        .map(|i| inspection(&mut store, &key, &format!("AA{i:04}BC")).1)
        .collect();
    let first = c
        .accept_records(
            &key.public(),
            records[..3].iter().map(|r| r.bytes().to_vec()).collect(),
            NOW,
        )
        .expect("accepted");
    assert_eq!(first.len(), 3);
    let early = c.checkpoint(NOW).expect("checkpoint");
    // Two more records, one of them twice (no second leaf), and garbage
    // (a refusal leaf).
    c.accept_records(
        &key.public(),
        vec![
            records[3].bytes().to_vec(),
            records[4].bytes().to_vec(),
            records[4].bytes().to_vec(),
            b"not a record".to_vec(),
        ],
        NOW + 1,
    )
    .expect("answered");
    let late = c.checkpoint(NOW + 2).expect("checkpoint");
    assert_eq!(early.size, 3, "three records");
    assert_eq!(
        late.size, 6,
        "five records and one refusal, the duplicate not again"
    );
    let server = c.public_key();
    late.verify(&server).expect("signed by the server");
    assert_eq!(
        c.checkpoint(NOW + 3).expect("again"),
        late,
        "no new checkpoint while the log has not grown"
    );

    for (i, r) in records.iter().enumerate() {
        let received = if i < 3 { NOW } else { NOW + 1 };
        let p = c.inclusion_proof(&r.id(), NOW + 4).expect("proof");
        let cp = kordon_record::Checkpoint::parse(&p.checkpoint).expect("checkpoint text");
        cp.verify(&server).expect("signed");
        let leaf = hex::decode(&p.leaf).expect("hex");
        assert_eq!(
            kordon_log::Leaf::parse(&leaf),
            Ok(kordon_log::Leaf::RecordAt {
                id: r.id().0,
                at_ms: received
            }),
            "a record leaf naming the record and when it was received"
        );
        let path: Vec<[u8; 32]> = p
            .path
            .iter()
            .map(|h| <[u8; 32]>::try_from(hex::decode(h).expect("hex").as_slice()).expect("32"))
            .collect();
        kordon_log::verify_inclusion(
            &kordon_log::leaf_hash(&leaf),
            p.leaf_index,
            cp.size,
            &path,
            &cp.head,
        )
        .expect("the inclusion proof verifies");
        let mut forged = leaf.clone();
        forged[5] ^= 1;
        assert!(kordon_log::verify_inclusion(
            &kordon_log::leaf_hash(&forged),
            p.leaf_index,
            cp.size,
            &path,
            &cp.head
        )
        .is_err());
    }
    let cons = c.consistency_proof(early.size, late.size).expect("proof");
    let path: Vec<[u8; 32]> = cons
        .path
        .iter()
        .map(|h| <[u8; 32]>::try_from(hex::decode(h).expect("hex").as_slice()).expect("32"))
        .collect();
    kordon_log::verify_consistency(early.size, late.size, &path, &early.head, &late.head)
        .expect("the later checkpoint extends the earlier one");
    assert_eq!(cons.from_checkpoint, Some(early.to_text()));

    // The log refuses to be rewritten, even by a program on the server.
    let tampered = c
        .storage()
        .sqlite("the test")
        .expect("SQLite")
        .connection()
        .execute("DELETE FROM log_leaves WHERE idx = 0", []);
    assert!(tampered.is_err(), "leaves cannot be deleted");
}

/// A blob stream opened after the record session finished (the vehicle
/// sends its scans last) leaves that session complete; what it delivered
/// comes off the backlog the vehicle stated.
#[test]
fn a_blob_stream_after_the_session_keeps_it_complete() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (key, _store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let device = key.public();
    c.authorize(&device, None, "test", NOW + 1_000)
        .expect("db")
        .expect("authorised");
    c.note_sync_finished(&device, NOW + 1_000)
        .expect("finished");
    c.authorize_blob_stream(&device, "test", NOW + 2_000)
        .expect("db")
        .expect("authorised");
    let info = c.devices().expect("devices").remove(0);
    assert_eq!(info.last_sync, kordon_central::LastSync::Complete);
    assert_eq!(info.last_seen_ms, Some(NOW + 2_000));

    // A new session that has not finished is interrupted.
    c.authorize(&device, None, "test", NOW + 3_000)
        .expect("db")
        .expect("authorised");
    let info = c.devices().expect("devices").remove(0);
    assert_eq!(info.last_sync, kordon_central::LastSync::Interrupted);
}

/// An attempt is written by the device that started it alone; one that
/// names another document's id derives no row; the console cannot review
/// it; and it is listed under the unit of the device that started it,
/// whatever unit it claims.
#[test]
fn a_training_attempt_is_its_starting_devices_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (a, mut a_store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let (a2, mut a2_store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let (b, mut b_store) = enrolled(&mut c, dir.path(), "MOBILE-2");
    let start = |key: &DeviceKey, store: &mut Store, id: uuid::Uuid, unit: &str| {
        let mut doc = TrainingDoc::create(
            key.public().as_bytes(),
            id,
            unit,
            "Week 1",
            "{}",
            &officer("OF-7"),
            NOW,
        )
        .expect("create");
        let rec = store
            .commit_training(id, &mut doc, key, "OF-7", NOW)
            .expect("commit");
        (doc, rec)
    };
    let accept = |c: &mut Central, key: &DeviceKey, rec: SignedRecord| {
        c.accept_records(&key.public(), vec![rec.into_bytes()], NOW)
            .expect("accept")
            .remove(0)
    };
    let id = kordon_model::training::new_training_id();
    let (_, genesis) = start(&a, &mut a_store, id, "MOBILE-1");
    assert!(matches!(
        accept(&mut c, &a, genesis.clone()),
        RecordResult::Accepted { .. }
    ));

    // Another device of the same unit may not answer in it.
    a2_store
        .ingest(std::slice::from_ref(&genesis), Origin::Remote, NOW)
        .expect("ingest");
    let mut doc: TrainingDoc = a2_store
        .load_doc(InspectionId::from_bytes(*id.as_bytes()))
        .expect("load")
        .expect("held")
        .into();
    let answer = NewTrainingAnswer {
        image: "TIP_0001".into(),
        decision: TrainingDecision::Suspect,
        marks: vec![],
        time_ms: 1,
    };
    doc.answer(&answer, &officer("OF-8"), NOW).expect("answer");
    let foreign = a2_store
        .commit_training(id, &mut doc, &a2, "OF-8", NOW)
        .expect("commit");
    let r = accept(&mut c, &a2, foreign);
    assert!(
        matches!(&r, RecordResult::Rejected { code: RejectCode::NotPermitted, reason, .. } if reason.contains("started on")),
        "{r:?}"
    );

    // The console's review of an attempt is refused: it is no inspection.
    let refused = c.review(
        InspectionId::from_bytes(*id.as_bytes()),
        &NewReview::plain(Verdict::Agree, String::new()),
        &officer("SUP"),
        NOW,
    );
    assert!(refused.is_err(), "{refused:?}");

    // A unit B device claims unit A, and another attempt's id: listed under
    // its own unit, and the copy naming A's attempt derives no row.
    let (_, claimed) = start(
        &b,
        &mut b_store,
        kordon_model::training::new_training_id(),
        "MOBILE-1",
    );
    assert!(matches!(
        accept(&mut c, &b, claimed.clone()),
        RecordResult::Accepted { .. }
    ));
    let other = kordon_model::training::new_training_id();
    let mut d = automerge::AutoCommit::new()
        .with_actor(automerge::ActorId::from(b.public().as_bytes().as_slice()));
    {
        use automerge::transaction::Transactable;
        d.put(automerge::ROOT, "schema", 1_i64).expect("put");
        d.put(automerge::ROOT, "id", id.to_string()).expect("put");
        d.put(automerge::ROOT, "unit", "MOBILE-1").expect("put");
        d.put(automerge::ROOT, "created_ms", NOW).expect("put");
        d.put(automerge::ROOT, "created_by", "OF-7").expect("put");
        d.put(automerge::ROOT, "name", "Forged").expect("put");
        d.put(automerge::ROOT, "exercise", "{}").expect("put");
        d.put_object(automerge::ROOT, "answers", automerge::ObjType::List)
            .expect("put");
    }
    d.commit();
    let change = d
        .get_last_local_change()
        .expect("change")
        .raw_bytes()
        .to_vec();
    let forged = SignedRecord::sign(&b, *other.as_bytes(), "OF-7", NOW, &change).expect("sign");
    assert!(matches!(
        accept(&mut c, &b, forged),
        RecordResult::Accepted { .. }
    ));
    let rows = c
        .training_attempts(&kordon_store::TrainingQuery {
            limit: 10,
            ..Default::default()
        })
        .expect("list");
    assert_eq!(rows.len(), 2, "the forged copy derives no row: {rows:?}");
    let units: Vec<_> = rows
        .iter()
        .map(|(v, unit)| (v.id.clone(), v.unit.clone(), unit.clone()))
        .collect();
    let claimed_id = uuid::Uuid::from_bytes(claimed.doc_id()).to_string();
    assert!(
        units.contains(&(claimed_id, "MOBILE-1".into(), Some("MOBILE-2".into()))),
        "the claim is kept, the unit that counts is the starter's: {units:?}"
    );
}

/// A document whose own `id` names another unit's inspection does not
/// overwrite that inspection's row in the index: rows are keyed by the
/// document they come from.
#[test]
fn a_document_claiming_another_inspections_id_derives_no_row() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = central(dir.path());
    let (a, mut a_store) = enrolled(&mut c, dir.path(), "MOBILE-1");
    let (b, mut b_store) = enrolled(&mut c, dir.path(), "MOBILE-2");
    let (id, genesis) = inspection(&mut a_store, &a, "AA0001AA");
    c.accept_records(&a.public(), vec![genesis.into_bytes()], NOW)
        .expect("accept");
    let input = NewInspection {
        tractor_plate: "BB9999BB".into(),
        unit: "U".into(),
        ..Default::default()
    };
    let mut doc = InspectionDoc::create(b.public().as_bytes(), id, &input, &officer("X"), NOW)
        .expect("create");
    let elsewhere = InspectionId::random();
    let rec = b_store
        .commit_local(elsewhere, &mut doc, &b, "X", NOW)
        .expect("commit");
    c.accept_records(&b.public(), vec![rec.into_bytes()], NOW)
        .expect("accept");
    let rows = c
        .inspections(&kordon_store::Query::default())
        .expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].view.id, id);
    assert_eq!(
        rows[0]
            .view
            .tractor_plate
            .as_ref()
            .map(|p| p.canonical.clone()),
        Some("AA0001AA".into())
    );
}
