use super::*;
use crate::doc::obj_in;
use crate::{
    InspectionDoc, InspectionId, NewDecision, NewInspection, NewReview, OfficerId, Outcome, Verdict,
};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ROOT};
use proptest::prelude::*;

/// The outline of a document as a receiver builds it from its changes.
fn outline_of(doc: &mut InspectionDoc) -> Outline {
    let mut outline = Outline::new();
    for change in doc.doc.get_changes(&[]) {
        outline.fold(&ChangeOps::decode_held(change.raw_bytes()).expect("a held change decodes"));
    }
    outline
}

/// Checks a change on its operations, as receivers do, and with the
/// oracle (applied to a fork, compared before and after), which must
/// agree; returns the document with the change applied.
fn check_change(
    doc: &mut InspectionDoc,
    change: &[u8],
    writer: Writer,
) -> Result<InspectionDoc, RuleBroken> {
    let by_ops = match ChangeOps::decode(change) {
        Ok(ops) => outline_of(doc).check(&ops, writer),
        Err(e) => Err(RuleBroken::DoesNotApply(e.to_string())),
    };
    let by_apply = oracle::check_change(doc, change, writer);
    assert_eq!(
        by_ops,
        by_apply.as_ref().map(|_| ()).map_err(Clone::clone),
        "the check on operations and the oracle disagree"
    );
    by_apply
}

const DEVICE: [u8; 32] = [1; 32];
const SERVER: [u8; 32] = [2; 32];

fn officer() -> OfficerId {
    OfficerId::new("OF-1").expect("officer")
}

/// An inspection with one decision and one review, and the doc as the
/// receiver holds it.
fn decided() -> InspectionDoc {
    let input = NewInspection {
        tractor_plate: "AA1234BC".into(),
        unit: "MOBILE-1".into(),
        ..NewInspection::default()
    };
    let mut doc = InspectionDoc::create(&DEVICE, InspectionId::random(), &input, &officer(), 1)
        .expect("created");
    doc.decide(
        &NewDecision {
            outcome: Outcome::Detain,
            reasons: vec![],
            note: "undeclared".into(),
        },
        &officer(),
        2,
    )
    .expect("decided");
    let mut server = InspectionDoc::load(&doc.save(), &SERVER).expect("server copy");
    server
        .review(
            &NewReview {
                verdict: Verdict::Agree,
                comment: String::new(),
                outcome: None,
                reasons: vec![],
            },
            &officer(),
            3,
        )
        .expect("reviewed");
    let review = server.last_change().expect("review change");
    doc.apply_change(&review).expect("applied");
    doc
}

/// A change made as `actor` on a copy of `doc` by `edit`.
fn crafted(doc: &mut InspectionDoc, actor: &[u8], edit: impl FnOnce(&mut AutoCommit)) -> Vec<u8> {
    let mut copy = InspectionDoc::load(&doc.save(), actor).expect("copy");
    edit(&mut copy.doc);
    copy.doc.commit();
    copy.last_change().expect("a change")
}

fn list(d: &AutoCommit, name: &str) -> ObjId {
    obj_in(d, &ROOT, name).expect("list")
}

#[test]
fn honest_changes_pass() {
    let mut doc = decided();
    let (mut copy, decision) = with_a_new_decision(&mut doc);
    let mut doc = check_change(&mut doc, &decision, Writer::Device).expect("a new decision passes");
    copy.set_notes("seal checked", &officer(), 10)
        .expect("notes");
    let after = check_change(&mut doc, &copy.last_change().expect("c"), Writer::Device)
        .expect("a crew's notes pass");
    assert_eq!(after.view().expect("view").decisions.len(), 2);
    assert_eq!(after.view().expect("view").notes, "seal checked");
}

#[test]
fn deleting_a_decision_is_refused() {
    let mut doc = decided();
    let change = crafted(&mut doc, &DEVICE, |d| {
        let l = list(d, "decisions");
        d.delete(&l, 0).expect("delete");
    });
    assert_eq!(
        check_change(&mut doc, &change, Writer::Device).err(),
        Some(RuleBroken::EntryRemoved {
            list: "decisions",
            index: 0
        })
    );
    assert_eq!(
        doc.view().expect("view").decisions.len(),
        1,
        "the receiver's document is untouched"
    );
}

#[test]
fn editing_a_reviews_verdict_is_refused_even_for_the_server() {
    let mut doc = decided();
    let change = crafted(&mut doc, &SERVER, |d| {
        let l = list(d, "reviews");
        let r = crate::doc::obj_at(d, &l, 0).expect("review");
        d.put(&r, "verdict", "overrule").expect("put");
    });
    assert!(matches!(
        check_change(&mut doc, &change, Writer::Server),
        Err(RuleBroken::EntryEdited {
            list: "reviews",
            ..
        })
    ));
}

#[test]
fn replacing_a_list_with_copies_is_refused() {
    let mut doc = decided();
    let change = crafted(&mut doc, &DEVICE, |d| {
        let fresh = d
            .put_object(ROOT, "decisions", ObjType::List)
            .expect("new list");
        let e = d.insert_object(&fresh, 0, ObjType::Map).expect("entry");
        d.put(&e, "outcome", "release").expect("put");
    });
    assert!(matches!(
        check_change(&mut doc, &change, Writer::Device),
        Err(RuleBroken::EntryRemoved {
            list: "decisions",
            ..
        })
    ));
}

#[test]
fn rewriting_a_scan_hash_is_refused() {
    let mut doc = decided();
    let mut copy = InspectionDoc::load(&doc.save(), &DEVICE).expect("copy");
    let scan = crate::NewScan {
        images: vec![crate::ScanImage {
            blob: "ab".repeat(32),
            size: 1000,
            width: 600,
            height: 200,
            bits: 16,
            channels: 1,
            format: "tiff".into(),
            energy: crate::Energy::Single,
        }],
        ..crate::NewScan::default()
    };
    copy.add_scan(&scan, &officer(), 4).expect("scan");
    let add = copy.last_change().expect("c");
    let mut doc = check_change(&mut doc, &add, Writer::Device).expect("adding a scan passes");
    let change = crafted(&mut doc, &DEVICE, |d| {
        let l = list(d, "scans");
        let s = crate::doc::obj_at(d, &l, 0).expect("scan");
        let images = obj_in(d, &s, "images").expect("images");
        let i = crate::doc::obj_at(d, &images, 0).expect("image");
        d.put(&i, "blob", "00".repeat(32)).expect("put");
    });
    assert!(matches!(
        check_change(&mut doc, &change, Writer::Device),
        Err(RuleBroken::EntryEdited { list: "scans", .. })
    ));
}

#[test]
fn changing_the_unit_is_refused() {
    let mut doc = decided();
    let change = crafted(&mut doc, &DEVICE, |d| {
        d.put(ROOT, "unit", "OTHER").expect("put");
    });
    assert_eq!(
        check_change(&mut doc, &change, Writer::Device).err(),
        Some(RuleBroken::FixedField { field: "unit" })
    );
}

#[test]
fn roles_are_kept_apart() {
    let mut doc = decided();
    let mut server = InspectionDoc::load(&doc.save(), &SERVER).expect("copy");
    server
        .decide(
            &NewDecision {
                outcome: Outcome::Release,
                reasons: vec![],
                note: String::new(),
            },
            &officer(),
            4,
        )
        .expect("a decision made with the server's key");
    assert!(matches!(
        check_change(&mut doc, &server.last_change().expect("c"), Writer::Server),
        Err(RuleBroken::ServerMayNot { .. })
    ));
    let notes = crafted(&mut doc, &SERVER, |d| {
        let n = obj_in(d, &ROOT, "notes").expect("notes");
        d.splice_text(&n, 0, 0, "x").expect("splice");
    });
    assert!(matches!(
        check_change(&mut doc, &notes, Writer::Server),
        Err(RuleBroken::ServerMayNot { part }) if part == "notes"
    ));
    let mut device = InspectionDoc::load(&doc.save(), &DEVICE).expect("copy");
    device
        .review(
            &NewReview {
                verdict: Verdict::Agree,
                comment: String::new(),
                outcome: None,
                reasons: vec![],
            },
            &officer(),
            5,
        )
        .expect("a review made with a device's key");
    assert_eq!(
        check_change(&mut doc, &device.last_change().expect("c"), Writer::Device).err(),
        Some(RuleBroken::DeviceMayNot { list: "reviews" })
    );
}

#[test]
fn a_change_whose_dependencies_are_missing_is_refused() {
    let mut doc = decided();
    let mut copy = InspectionDoc::load(&doc.save(), &DEVICE).expect("copy");
    copy.set_notes("one", &officer(), 4).expect("notes");
    copy.set_notes("two", &officer(), 5).expect("notes");
    let second = copy.last_change().expect("c");
    assert_eq!(
        check_change(&mut doc, &second, Writer::Device).err(),
        Some(RuleBroken::MissingDependencies)
    );
}

/// What a sender does in one change, honest or hostile.
#[derive(Debug, Clone)]
enum Act {
    Decide,
    Notes(String),
    AddScan(u8),
    Review,
    Annotate {
        by_server: bool,
    },
    DeleteEntry {
        list: usize,
        index: usize,
        by_server: bool,
    },
    EditEntry {
        list: usize,
        index: usize,
        by_server: bool,
    },
    ReplaceList {
        list: usize,
        by_server: bool,
    },
    PutFixed {
        field: usize,
        by_server: bool,
    },
    PutRoot {
        key: usize,
        by_server: bool,
    },
    AddTo {
        list: usize,
        by_server: bool,
    },
    EditNotes {
        by_server: bool,
    },
}

impl Act {
    /// Whether honest code does this (and so it must pass).
    fn honest(&self) -> bool {
        matches!(
            self,
            Act::Decide | Act::Notes(_) | Act::AddScan(_) | Act::Review | Act::Annotate { .. }
        )
    }

    fn writer(&self) -> Writer {
        let by_server = match self {
            Act::Review => true,
            Act::Decide | Act::Notes(_) | Act::AddScan(_) => false,
            Act::Annotate { by_server }
            | Act::DeleteEntry { by_server, .. }
            | Act::EditEntry { by_server, .. }
            | Act::ReplaceList { by_server, .. }
            | Act::PutFixed { by_server, .. }
            | Act::PutRoot { by_server, .. }
            | Act::AddTo { by_server, .. }
            | Act::EditNotes { by_server } => *by_server,
        };
        if by_server {
            Writer::Server
        } else {
            Writer::Device
        }
    }
}

fn act() -> impl Strategy<Value = Act> {
    let list = 0..APPEND_ONLY.len();
    prop_oneof![
        Just(Act::Decide),
        "[a-z ]{0,12}".prop_map(Act::Notes),
        any::<u8>().prop_map(Act::AddScan),
        Just(Act::Review),
        any::<bool>().prop_map(|by_server| Act::Annotate { by_server }),
        (list.clone(), 0..3usize, any::<bool>()).prop_map(|(list, index, by_server)| {
            Act::DeleteEntry {
                list,
                index,
                by_server,
            }
        }),
        (list.clone(), 0..3usize, any::<bool>()).prop_map(|(list, index, by_server)| {
            Act::EditEntry {
                list,
                index,
                by_server,
            }
        }),
        (list.clone(), any::<bool>())
            .prop_map(|(list, by_server)| Act::ReplaceList { list, by_server }),
        (0..FIXED.len(), any::<bool>())
            .prop_map(|(field, by_server)| Act::PutFixed { field, by_server }),
        (0..3usize, any::<bool>()).prop_map(|(key, by_server)| Act::PutRoot { key, by_server }),
        (list, any::<bool>()).prop_map(|(list, by_server)| Act::AddTo { list, by_server }),
        any::<bool>().prop_map(|by_server| Act::EditNotes { by_server }),
    ]
}

/// The change `act` makes on a copy of `held`, or None when it makes none
/// (nothing to edit, say).
fn change_for(held: &mut InspectionDoc, act: &Act) -> Option<Vec<u8>> {
    let actor: &[u8] = match act.writer() {
        Writer::Server => &SERVER,
        Writer::Device => &DEVICE,
    };
    let mut copy = InspectionDoc::load(&held.save(), actor).expect("copy");
    let officer = officer();
    let made = match act {
        Act::Decide => copy
            .decide(
                &NewDecision {
                    outcome: Outcome::Release,
                    reasons: vec![],
                    note: String::new(),
                },
                &officer,
                10,
            )
            .is_ok(),
        Act::Notes(text) => copy.set_notes(text, &officer, 11).is_ok(),
        Act::AddScan(n) => copy
            .add_scan(
                &crate::NewScan {
                    images: vec![crate::ScanImage {
                        blob: format!("{n:02x}").repeat(32),
                        size: 1000,
                        width: 600,
                        height: 200,
                        bits: 16,
                        channels: 1,
                        format: "tiff".into(),
                        energy: crate::Energy::Single,
                    }],
                    ..crate::NewScan::default()
                },
                &officer,
                12,
            )
            .is_ok(),
        Act::Review => copy
            .review(&NewReview::plain(Verdict::Agree, "ok"), &officer, 13)
            .is_ok(),
        Act::Annotate { .. } => {
            let scans = copy.view().map(|v| v.scans).unwrap_or_default();
            match scans.first() {
                Some(scan) => copy
                    .annotate(
                        &crate::NewAnnotation {
                            scan: scan.id.clone(),
                            kind: crate::AnnotationKind::Void,
                            shape: crate::Shape::Rect {
                                x: 1.0,
                                y: 1.0,
                                w: 5.0,
                                h: 5.0,
                            },
                            label: String::new(),
                        },
                        &officer,
                        14,
                    )
                    .is_ok(),
                None => false,
            }
        }
        Act::DeleteEntry { list, index, .. } => {
            let d = &mut copy.doc;
            match obj_in(d, &ROOT, APPEND_ONLY[*list]) {
                Some(l) if d.length(&l) > *index => d.delete(&l, *index).is_ok(),
                _ => false,
            }
        }
        Act::EditEntry { list, index, .. } => {
            let d = &mut copy.doc;
            match obj_in(d, &ROOT, APPEND_ONLY[*list]) {
                Some(l) if d.length(&l) > *index => match d.get(&l, *index) {
                    Ok(Some((automerge::Value::Object(_), entry))) => {
                        d.put(&entry, "note", "rewritten").is_ok()
                    }
                    _ => d.put(&l, *index, "rewritten").is_ok(),
                },
                _ => false,
            }
        }
        Act::ReplaceList { list, .. } => {
            let d = &mut copy.doc;
            d.put_object(ROOT, APPEND_ONLY[*list], ObjType::List)
                .and_then(|l| d.insert_object(&l, 0, ObjType::Map))
                .is_ok()
        }
        Act::PutFixed { field, .. } => copy.doc.put(ROOT, FIXED[*field], "other").is_ok(),
        Act::PutRoot { key, .. } => copy
            .doc
            .put(ROOT, ["status", "vehicle", "extra"][*key], "x")
            .is_ok(),
        Act::AddTo { list, .. } => {
            let d = &mut copy.doc;
            match obj_in(d, &ROOT, APPEND_ONLY[*list]) {
                Some(l) => {
                    let at = d.length(&l);
                    d.insert_object(&l, at, ObjType::Map)
                        .and_then(|e| d.put(&e, "added_by", "X"))
                        .is_ok()
                }
                None => false,
            }
        }
        Act::EditNotes { .. } => {
            let d = &mut copy.doc;
            match obj_in(d, &ROOT, "notes") {
                Some(n) => d.splice_text(&n, 0, 0, "x").is_ok(),
                None => false,
            }
        }
    };
    if !made {
        return None;
    }
    copy.doc.commit();
    copy.last_change()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Over random sequences of honest and hostile changes: the check on
    /// operations is at least as strict as the oracle, passes every honest
    /// change, and an outline kept change by change equals one rebuilt.
    #[test]
    fn the_check_on_operations_is_as_strict_as_applying(acts in proptest::collection::vec(act(), 1..14)) {
        let mut held = decided();
        let mut outline = outline_of(&mut held);
        for act in &acts {
            let Some(change) = change_for(&mut held, act) else { continue };
            let writer = act.writer();
            let ops = ChangeOps::decode(&change).expect("an honest encoder's change decodes");
            if outline.holds(&ops.hash()) {
                // No new change was made (notes set to what they were).
                continue;
            }
            let by_ops = outline.check(&ops, writer);
            let by_apply = oracle::check_change(&mut held, &change, writer);
            if act.honest() {
                prop_assert!(by_ops.is_ok(), "{act:?} refused: {by_ops:?}");
            }
            if by_ops.is_ok() {
                prop_assert!(by_apply.is_ok(), "{act:?} passed on its operations but not applied: {by_apply:?}");
            }
            if let Ok(after) = by_apply {
                if by_ops.is_ok() {
                    outline.admit(&ops, writer).expect("checked");
                    held = after;
                }
            }
            prop_assert_eq!(outline.len(), outline_of(&mut held).len());
        }
    }
}

#[test]
fn a_malformed_change_is_an_error_not_a_panic() {
    for (name, bytes) in kordon_test_support::regressions("change") {
        for mut held in [InspectionDoc::empty(&DEVICE), decided()] {
            let outline = outline_of(&mut held);
            let verdict = ChangeOps::decode(&bytes)
                .map_err(|e| RuleBroken::DoesNotApply(e.to_string()))
                .and_then(|c| outline.check(&c, Writer::Device));
            assert!(
                verdict.is_err(),
                "change regression {name} passed the rules"
            );
        }
    }
    assert!(ChangeOps::decode(b"not a change").is_err());
}

#[test]
fn a_change_after_one_the_receiver_lacks_waits_for_it() {
    let mut doc = decided();
    // The second change writes to an object the first made: without the
    // first, it is refused; with it, it passes.
    let mut sender = InspectionDoc::load(&doc.save(), &DEVICE).expect("copy");
    let extra = sender
        .doc
        .put_object(ROOT, "extra", ObjType::Map)
        .expect("map");
    sender.doc.commit();
    let first = sender.last_change().expect("first");
    sender.doc.put(&extra, "k", "v").expect("put");
    sender.doc.commit();
    let second = sender.last_change().expect("second");
    let outline = outline_of(&mut doc);
    let ops = ChangeOps::decode(&second).expect("decodes");
    assert_eq!(
        outline.check(&ops, Writer::Device),
        Err(RuleBroken::MissingDependencies)
    );
    let mut with_first = outline.clone();
    with_first
        .admit(&ChangeOps::decode(&first).expect("decodes"), Writer::Device)
        .expect("a new root map passes");
    with_first
        .check(&ops, Writer::Device)
        .expect("with its dependency held, it passes");
}

/// The operation number of an object (or entry) as Automerge names it in
/// a change.
fn op_of(id: &ObjId) -> automerge::legacy::OpId {
    match id {
        ObjId::Id(counter, actor, _) => automerge::legacy::OpId(*counter, actor.clone()),
        ObjId::Root => panic!("the root is no operation"),
    }
}

/// An honest change rewritten operation by operation, as a hostile sender
/// can: Automerge's own encoder never makes such changes.
fn tampered(change: &[u8], edit: impl FnOnce(&mut automerge::ExpandedChange)) -> Vec<u8> {
    let mut expanded = automerge::Change::from_bytes(change.to_vec())
        .expect("an honest change")
        .decode();
    edit(&mut expanded);
    expanded.hash = None;
    automerge::Change::from(expanded).raw_bytes().to_vec()
}

/// A new decision by the device, as a change to tamper with.
fn a_new_decision(doc: &mut InspectionDoc) -> Vec<u8> {
    with_a_new_decision(doc).1
}

/// The device's copy of `doc` with a new decision, and that decision's
/// change.
fn with_a_new_decision(doc: &mut InspectionDoc) -> (InspectionDoc, Vec<u8>) {
    let mut copy = InspectionDoc::load(&doc.save(), &DEVICE).expect("copy");
    copy.decide(
        &NewDecision {
            outcome: Outcome::Release,
            reasons: vec![],
            note: String::new(),
        },
        &officer(),
        9,
    )
    .expect("decided");
    let change = copy.last_change().expect("c");
    (copy, change)
}

fn outline_refuses(doc: &mut InspectionDoc, change: &[u8], writer: Writer) -> RuleBroken {
    let ops = ChangeOps::decode(change).expect("a well-formed change");
    outline_of(doc)
        .check(&ops, writer)
        .expect_err("the check on operations must refuse it")
}

#[test]
fn an_insertion_that_claims_to_overwrite_a_decision_is_refused() {
    let mut doc = decided();
    let first = op_of(&crate::doc::obj_at(&doc.doc, &list(&doc.doc, "decisions"), 0).expect("d"));
    let change = tampered(&a_new_decision(&mut doc), |c| {
        let insert = c
            .operations
            .iter_mut()
            .find(|o| o.insert)
            .expect("the insertion");
        insert.pred = vec![first.clone()].into();
    });
    // Applied, Automerge takes the claim at its word: the decision held
    // is gone from the document.
    let mut applied = doc.fork();
    if applied.apply_change(&change).is_ok() {
        assert!(applied.view().map(|v| v.decisions.len()).unwrap_or(0) < 2);
    }
    assert!(matches!(
        outline_refuses(&mut doc, &change, Writer::Device),
        RuleBroken::DoesNotApply(_)
    ));
}

#[test]
fn overwriting_a_list_from_another_key_is_refused() {
    let mut doc = decided();
    let decisions = op_of(&list(&doc.doc, "decisions"));
    let created_by = {
        let (_, id) = doc.doc.get(ROOT, "created_by").expect("read").expect("set");
        op_of(&id)
    };
    for pred in [decisions, created_by] {
        let change = crafted(&mut doc, &DEVICE, |d| {
            d.put(ROOT, "zz", "x").expect("put");
        });
        let change = tampered(&change, |c| {
            c.operations[0].pred = vec![pred.clone()].into();
        });
        assert!(matches!(
            outline_refuses(&mut doc, &change, Writer::Device),
            RuleBroken::DoesNotApply(_)
        ));
    }
}

#[test]
fn naming_what_the_document_lacks_is_refused_without_a_panic() {
    let mut doc = decided();
    let stranger = automerge::ActorId::from(&[9u8; 32][..]);
    let notes = crafted(&mut doc, &DEVICE, |d| {
        let n = obj_in(d, &ROOT, "notes").expect("notes");
        d.splice_text(&n, 0, 0, "x").expect("splice");
    });
    // An element of an author the document does not know.
    let change = tampered(&notes, |c| {
        c.operations[0].key = automerge::legacy::Key::Seq(automerge::legacy::ElementId::Id(
            automerge::legacy::OpId(7, stranger.clone()),
        ));
    });
    assert!(matches!(
        outline_refuses(&mut doc, &change, Writer::Device),
        RuleBroken::DoesNotApply(_)
    ));
    // A decision inserted after an element of another list.
    let scan_list = op_of(&list(&doc.doc, "reviews"));
    let review = op_of(&crate::doc::obj_at(&doc.doc, &list(&doc.doc, "reviews"), 0).expect("r"));
    let change = tampered(&a_new_decision(&mut doc), |c| {
        let insert = c
            .operations
            .iter_mut()
            .find(|o| o.insert)
            .expect("the insertion");
        insert.key = automerge::legacy::Key::Seq(automerge::legacy::ElementId::Id(review.clone()));
    });
    assert!(matches!(
        outline_refuses(&mut doc, &change, Writer::Device),
        RuleBroken::DoesNotApply(_)
    ));
    // An object of an unknown author.
    let change = tampered(&a_new_decision(&mut doc), |c| {
        c.operations[0].obj =
            automerge::legacy::ObjectId::Id(automerge::legacy::OpId(scan_list.0, stranger.clone()));
    });
    assert!(matches!(
        outline_refuses(&mut doc, &change, Writer::Device),
        RuleBroken::DoesNotApply(_)
    ));
}

#[test]
fn an_empty_list_is_not_replaced_and_reviews_stay_a_list() {
    let input = NewInspection {
        tractor_plate: "AA1234BC".into(),
        unit: "MOBILE-1".into(),
        ..NewInspection::default()
    };
    let mut doc = InspectionDoc::create(&DEVICE, InspectionId::random(), &input, &officer(), 1)
        .expect("created");
    for (name, writer, actor) in [
        ("scans", Writer::Device, DEVICE),
        ("reviews", Writer::Device, DEVICE),
        ("annotations", Writer::Server, SERVER),
    ] {
        let change = crafted(&mut doc, &actor, |d| {
            d.put_object(ROOT, name, ObjType::Map)
                .expect("a map where the list was");
        });
        assert!(
            matches!(
                outline_refuses(&mut doc, &change, writer),
                RuleBroken::ListReplaced { .. }
            ),
            "{name}"
        );
    }
}

/// One way a hostile sender rewrites an operation of an honest change.
#[derive(Debug, Clone)]
enum Mutation {
    /// Claim to overwrite one of the operations the document holds.
    Pred(usize),
    ClearPred,
    FlipInsert,
    Delete,
    /// Write at the head of a list, after a held element, or at a map key.
    Head,
    Element(usize),
    MapKey,
    /// Write to the root, or to an object the document holds.
    Root,
    Object(usize),
    /// Move the change's operation numbers.
    StartOp(i8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0..6usize).prop_map(Mutation::Pred),
        Just(Mutation::ClearPred),
        Just(Mutation::FlipInsert),
        Just(Mutation::Delete),
        Just(Mutation::Head),
        (0..6usize).prop_map(Mutation::Element),
        Just(Mutation::MapKey),
        Just(Mutation::Root),
        (0..6usize).prop_map(Mutation::Object),
        any::<i8>().prop_map(Mutation::StartOp),
    ]
}

/// Operations the document holds that an attacker would aim at: the
/// decisions list, its first entry, the reviews list, its first entry, the
/// notes and the operation that set `created_by`.
fn targets(doc: &InspectionDoc) -> Vec<automerge::legacy::OpId> {
    let d = &doc.doc;
    let decisions = list(d, "decisions");
    let reviews = list(d, "reviews");
    let created_by = d.get(ROOT, "created_by").expect("read").expect("set").1;
    vec![
        op_of(&decisions),
        op_of(&crate::doc::obj_at(d, &decisions, 0).expect("decision")),
        op_of(&reviews),
        op_of(&crate::doc::obj_at(d, &reviews, 0).expect("review")),
        op_of(&obj_in(d, &ROOT, "notes").expect("notes")),
        op_of(&created_by),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Honest changes rewritten at random, operation by operation: what
    /// the check on operations lets through, Automerge applies, the
    /// document saves and loads again, it keeps every decision and review
    /// it held, and the oracle lets it through too.
    #[test]
    fn what_passes_applies_keeps_everything_and_loads_again(
        base in 0..3usize,
        mutations in proptest::collection::vec((0..8usize, mutation()), 1..4),
    ) {
        let mut held = decided();
        let targets = targets(&held);
        let (honest, writer) = match base {
            0 => (a_new_decision(&mut held), Writer::Device),
            1 => (
                crafted(&mut held, &DEVICE, |d| {
                    let n = obj_in(d, &ROOT, "notes").expect("notes");
                    d.splice_text(&n, 0, 0, "ab").expect("splice");
                }),
                Writer::Device,
            ),
            _ => {
                let mut server = InspectionDoc::load(&held.save(), &SERVER).expect("copy");
                server
                    .review(&NewReview::plain(Verdict::Agree, "ok"), &officer(), 9)
                    .expect("review");
                (server.last_change().expect("c"), Writer::Server)
            }
        };
        let change = tampered(&honest, |c| {
            for (at, m) in &mutations {
                if let Mutation::StartOp(by) = m {
                    let start = c.start_op.get() as i64 + i64::from(*by);
                    if let Some(s) = u64::try_from(start).ok().and_then(std::num::NonZeroU64::new) {
                        c.start_op = s;
                    }
                    continue;
                }
                let n = c.operations.len();
                let Some(op) = c.operations.get_mut(at % n.max(1)) else { continue };
                use automerge::legacy::{ElementId, Key, ObjectId};
                match m {
                    Mutation::Pred(t) => op.pred = vec![targets[*t].clone()].into(),
                    Mutation::ClearPred => op.pred = vec![].into(),
                    Mutation::FlipInsert => op.insert = !op.insert,
                    Mutation::Delete => op.action = automerge::legacy::OpType::Delete,
                    Mutation::Head => op.key = Key::Seq(ElementId::Head),
                    Mutation::Element(t) => op.key = Key::Seq(ElementId::Id(targets[*t].clone())),
                    Mutation::MapKey => op.key = Key::Map("outcome".into()),
                    Mutation::Root => op.obj = ObjectId::Root,
                    Mutation::Object(t) => op.obj = ObjectId::Id(targets[*t].clone()),
                    Mutation::StartOp(_) => {}
                }
            }
        });
        let Ok(ops) = ChangeOps::decode(&change) else { return Ok(()) };
        if outline_of(&mut held).check(&ops, writer).is_err() {
            return Ok(());
        }
        let before = held.view().expect("view");
        let after = oracle::check_change(&mut held, &change, writer);
        prop_assert!(after.is_ok(), "passed on its operations, refused applied: {:?}", after.err());
        let mut after = after.expect("checked");
        let reloaded = InspectionDoc::load(&after.save(), &DEVICE);
        prop_assert!(reloaded.is_ok(), "the document no longer loads: {:?}", reloaded.err());
        let view = reloaded.expect("loaded").view().expect("view");
        prop_assert!(view.decisions.len() >= before.decisions.len());
        prop_assert!(view.reviews.len() >= before.reviews.len());
    }
}
