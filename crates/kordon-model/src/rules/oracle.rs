//! The rules checked the slow way, as a test oracle: the change is applied
//! to a fork of the document and what the rules protect is compared
//! before and after. [`Outline`](super::Outline) must be at least as
//! strict as this on every change (`tests.rs` checks it on random ones).

use super::{RuleBroken, Writer, APPEND_ONLY, FIXED, SERVER_MAY_ADD};
use crate::doc::obj_in;
use crate::InspectionDoc;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, Value, ROOT};
use serde_json::{Map, Value as Json};

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
            super::may_add(writer, list)?;
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
