//! The schema rules every receiver enforces on a change, whoever sent it.
//!
//! A change is checked by what it does to the document it applies to (the
//! document as the receiver holds it, forked): never by trusting the
//! sender's code. The rules:
//!
//! 1. **Append-only lists** (`decisions`, `reviews`, `annotations`, `scans`,
//!    `reads`, `read_edits`, `alerts`, `alert_responses`): every entry the
//!    document held is still there, the same object, unchanged, in the same
//!    order; a change may only add entries. Replacing a list by a new one
//!    (even with copies of its entries) removes its entries, and is refused.
//! 2. **Fixed at creation**: `schema`, `id`, `created_ms`, `created_by` and
//!    `unit` never change once set.
//! 3. **Roles**: the server's key may add reviews and annotations and
//!    change nothing else; a device may change anything but reviews (and
//!    what rules 1 and 2 protect).
//! 4. A change must apply now: one whose dependencies the receiver does
//!    not hold is refused (records arrive in causal order from honest
//!    peers, so this only stops a change that could otherwise be applied
//!    later, unchecked).
//!
//! See `docs/signed-records.md` (schema rules).

use crate::doc::obj_in;
use crate::InspectionDoc;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, Value, ROOT};
use serde_json::{Map, Value as Json};

/// Lists nothing may remove from or edit in.
pub const APPEND_ONLY: [&str; 8] = [
    "decisions",
    "reviews",
    "annotations",
    "scans",
    "reads",
    "read_edits",
    "alerts",
    "alert_responses",
];

/// Root fields fixed at creation.
pub const FIXED: [&str; 5] = ["schema", "id", "created_ms", "created_by", "unit"];

/// Lists the server may add to; it may change nothing else.
const SERVER_MAY_ADD: [&str; 2] = ["reviews", "annotations"];

/// Who signed a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// An enrolled device (a vehicle).
    Device,
    /// The server's own key (supervisors' reviews and marks).
    Server,
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleBroken {
    #[error("the change removes or replaces {list} entry {index}")]
    EntryRemoved { list: &'static str, index: usize },
    #[error("the change edits {list} entry {index}, which is append-only")]
    EntryEdited { list: &'static str, index: usize },
    #[error("the change reorders the entries of {list}")]
    Reordered { list: &'static str },
    #[error("the change alters {field}, which is fixed at creation")]
    FixedField { field: &'static str },
    #[error("a device may not add to {list} (the server's key writes it)")]
    DeviceMayNot { list: &'static str },
    #[error(
        "the server's key may only add reviews and annotations; this change also alters {part}"
    )]
    ServerMayNot { part: String },
    #[error("the change depends on changes this receiver does not hold")]
    MissingDependencies,
    #[error("the change does not apply: {0}")]
    DoesNotApply(String),
}

/// Checks `change` against `doc` (the receiver's current state of the
/// document) as written by `writer`, applying it to `doc`. On an error the
/// document may hold the refused change: the caller must discard it.
pub fn apply_checked(
    doc: &mut InspectionDoc,
    change: &[u8],
    writer: Writer,
) -> Result<(), RuleBroken> {
    let decoded =
        crate::doc::decode_change(change).map_err(|e| RuleBroken::DoesNotApply(e.to_string()))?;
    let hash = decoded.hash();
    let before = Snapshot::of(&doc.doc, writer);
    crate::doc::apply_guarded(&mut doc.doc, vec![decoded])
        .map_err(|e| RuleBroken::DoesNotApply(e.to_string()))?;
    // Applied, it is a head (nothing can depend on it yet); waiting for
    // its dependencies, it is not.
    if !doc.doc.get_heads().contains(&hash) {
        return Err(RuleBroken::MissingDependencies);
    }
    before.check(&doc.doc, writer)
}

/// As [`apply_checked`], leaving `doc` untouched: returns the document
/// with the change applied.
pub fn check_change(
    doc: &mut InspectionDoc,
    change: &[u8],
    writer: Writer,
) -> Result<InspectionDoc, RuleBroken> {
    let mut after = doc.fork();
    apply_checked(&mut after, change, writer)?;
    Ok(after)
}

/// An append-only list as held before a change: its name, its object and
/// its entries (each element's id and content).
type HeldList = (&'static str, ObjId, Vec<(ObjId, Json)>);

/// What the rules protect, read from the document before a change.
struct Snapshot {
    fixed: Vec<(&'static str, Json)>,
    lists: Vec<HeldList>,
    /// For the server's changes: everything it may not touch.
    rest: Option<Map<String, Json>>,
}

impl Snapshot {
    fn of(d: &AutoCommit, writer: Writer) -> Snapshot {
        Snapshot {
            fixed: FIXED
                .iter()
                .filter_map(|f| scalar_json(d, &ROOT, f).map(|j| (*f, j)))
                .collect(),
            lists: APPEND_ONLY
                .iter()
                .filter_map(|l| obj_in(d, &ROOT, l).map(|id| (*l, id.clone(), entries(d, &id))))
                .collect(),
            rest: (writer == Writer::Server).then(|| without_server_lists(d)),
        }
    }

    fn check(&self, after: &AutoCommit, writer: Writer) -> Result<(), RuleBroken> {
        for (field, was) in &self.fixed {
            if scalar_json(after, &ROOT, field).as_ref() != Some(was) {
                return Err(RuleBroken::FixedField { field });
            }
        }
        for list in APPEND_ONLY {
            let held = self.lists.iter().find(|(l, _, _)| *l == list);
            let added = appended(held, after, list)?;
            if added == 0 {
                continue;
            }
            match writer {
                Writer::Device if list == "reviews" => {
                    return Err(RuleBroken::DeviceMayNot { list })
                }
                Writer::Server if !SERVER_MAY_ADD.contains(&list) => {
                    return Err(RuleBroken::ServerMayNot {
                        part: list.to_string(),
                    })
                }
                _ => {}
            }
        }
        if let Some(b) = &self.rest {
            // Everything but the lists it may add to is as it was.
            let a = without_server_lists(after);
            if *b != a {
                let part = differing_key(b, &a).unwrap_or_else(|| "the document".into());
                return Err(RuleBroken::ServerMayNot { part });
            }
        }
        Ok(())
    }
}

/// How many entries `list` gained; an error if any entry it held is gone,
/// changed or moved.
fn appended(
    held: Option<&HeldList>,
    after: &AutoCommit,
    list: &'static str,
) -> Result<usize, RuleBroken> {
    let now = obj_in(after, &ROOT, list);
    let count = |l: &Option<ObjId>| l.as_ref().map(|l| after.length(l)).unwrap_or(0);
    let Some((_, was, old)) = held else {
        return Ok(count(&now));
    };
    if old.is_empty() {
        // An empty list replaced by another loses nothing; what it gained
        // is what the new one holds.
        return Ok(count(&now));
    }
    let Some(now) = now.filter(|l| l == was) else {
        return Err(RuleBroken::EntryRemoved { list, index: 0 });
    };
    let new = entries(after, &now);
    let mut last = None;
    for (index, (id, content)) in old.iter().enumerate() {
        let Some(pos) = new.iter().position(|(i, _)| i == id) else {
            return Err(RuleBroken::EntryRemoved { list, index });
        };
        if new[pos].1 != *content {
            return Err(RuleBroken::EntryEdited { list, index });
        }
        if last.is_some_and(|l| pos <= l) {
            return Err(RuleBroken::Reordered { list });
        }
        last = Some(pos);
    }
    Ok(new.len() - old.len())
}

/// A list's entries: each element's id and its content as JSON.
fn entries(d: &AutoCommit, list: &ObjId) -> Vec<(ObjId, Json)> {
    (0..d.length(list))
        .filter_map(|i| match d.get(list, i) {
            Ok(Some((value, id))) => Some((id.clone(), value_json(d, value, &id))),
            _ => None,
        })
        .collect()
}

fn scalar_json(d: &AutoCommit, obj: &ObjId, key: &str) -> Option<Json> {
    match d.get(obj, key) {
        Ok(Some((value, id))) => Some(value_json(d, value, &id)),
        _ => None,
    }
}

fn value_json(d: &AutoCommit, value: Value<'_>, id: &ObjId) -> Json {
    match value {
        Value::Object(_) => subtree(d, id),
        Value::Scalar(s) => scalar(&s),
    }
}

fn scalar(s: &automerge::ScalarValue) -> Json {
    use automerge::ScalarValue as S;
    match s {
        S::Str(t) => Json::String(t.to_string()),
        S::Int(i) | S::Timestamp(i) => Json::from(*i),
        S::Uint(u) => Json::from(*u),
        S::F64(f) => Json::from(*f),
        S::Boolean(b) => Json::Bool(*b),
        S::Null => Json::Null,
        S::Bytes(b) => Json::String(hex_of(b)),
        other => Json::String(format!("{other:?}")),
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An object and everything under it, as JSON (ids left out: an edit in
/// place shows as a different value, a replaced object as a missing id).
fn subtree(d: &AutoCommit, obj: &ObjId) -> Json {
    match d.object_type(obj) {
        Ok(ObjType::Map) | Ok(ObjType::Table) => {
            let mut m = Map::new();
            for key in d.keys(obj) {
                if let Ok(Some((value, id))) = d.get(obj, key.as_str()) {
                    m.insert(key.clone(), value_json(d, value, &id));
                }
            }
            Json::Object(m)
        }
        Ok(ObjType::List) => Json::Array(entries(d, obj).into_iter().map(|(_, j)| j).collect()),
        Ok(ObjType::Text) => Json::String(d.text(obj).unwrap_or_default()),
        Err(_) => Json::Null,
    }
}

/// The root without the lists the server may add to.
fn without_server_lists(d: &AutoCommit) -> Map<String, Json> {
    let mut m = match subtree(d, &ROOT) {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    for list in SERVER_MAY_ADD {
        m.remove(list);
    }
    m
}

fn differing_key(a: &Map<String, Json>, b: &Map<String, Json>) -> Option<String> {
    a.keys()
        .chain(b.keys())
        .find(|k| a.get(*k) != b.get(*k))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InspectionId, NewDecision, NewInspection, NewReview, OfficerId, Outcome, Verdict};
    use automerge::transaction::Transactable;

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
    fn crafted(
        doc: &mut InspectionDoc,
        actor: &[u8],
        edit: impl FnOnce(&mut AutoCommit),
    ) -> Vec<u8> {
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
        let mut copy = InspectionDoc::load(&doc.save(), &DEVICE).expect("copy");
        copy.decide(
            &NewDecision {
                outcome: Outcome::Release,
                reasons: vec![],
                note: String::new(),
            },
            &officer(),
            4,
        )
        .expect("decided");
        let decision = copy.last_change().expect("c");
        let mut doc =
            check_change(&mut doc, &decision, Writer::Device).expect("a new decision passes");
        copy.set_notes("seal checked", &officer(), 5)
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
}
