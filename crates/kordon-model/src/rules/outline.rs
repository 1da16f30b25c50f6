//! [`Outline`]: what the rules need to know of a document, and the check of
//! a change's operations against it.
//!
//! An Automerge change is a list of operations, each numbered (its counter
//! and its author) and each naming the object it writes to, the key in it
//! (a map key, or the element of a list it inserts after or overwrites),
//! the operations it overwrites (its `pred`) and what it does (make an
//! object, put a value, delete). The outline knows every operation the
//! document holds and the place it wrote (object and key, or object and
//! element), and places every object: the root, one of the append-only
//! lists, inside an entry of one of them, or elsewhere under a root key.
//! A new change's operations are checked against it for structure (every
//! object, element and overwritten operation named is held, at the place
//! the operation writes, or made by the change itself) and for the rules.
//! That costs a small fraction of applying the change in Automerge, and
//! Automerge never sees a change that names what the document lacks.

use super::{RuleBroken, Writer, APPEND_ONLY, FIXED, SERVER_MAY_ADD};
use crate::ModelError;
use automerge::legacy::{ElementId, Key, ObjectId, Op, OpId, OpType};
use automerge::{ObjType, ScalarValue};
use std::collections::{HashMap, HashSet};

/// A change decoded to its operations, as the rules read it.
#[derive(Debug, Clone)]
pub struct ChangeOps {
    hash: [u8; 32],
    actor: Vec<u8>,
    seq: u64,
    start_op: u64,
    deps: Vec<[u8; 32]>,
    ops: Vec<Op>,
}

impl ChangeOps {
    /// Decodes a received change's bytes (held to the same bounds as every
    /// change a receiver reads; a malformed one is an error, never a
    /// panic), which must be Automerge's own encoding of its operations.
    pub fn decode(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::decode_with(bytes, true)
    }

    /// As [`decode`](Self::decode), for a change already held (read back
    /// from storage to build an outline): its encoding is not held to
    /// today's, so history written by an earlier encoder still folds in.
    pub fn decode_held(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::decode_with(bytes, false)
    }

    fn decode_with(bytes: &[u8], canonical_only: bool) -> Result<Self, ModelError> {
        let change = crate::doc::decode_change(bytes)?;
        let expanded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change.decode()))
            .map_err(|_| {
            ModelError::BadChange(
                "Automerge could not read its operations (a malformed change)".into(),
            )
        })?;
        // The bytes must be how Automerge itself writes these operations:
        // a document is saved re-encoded, and another encoding of the same
        // change (operations out of order, flags Automerge ignores) would
        // not load again under its hash.
        let canonical = !canonical_only
            || std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                automerge::Change::from(expanded.clone()).raw_bytes() == change.raw_bytes()
            }))
            .unwrap_or(false);
        if !canonical {
            return Err(ModelError::BadChange(
                "its bytes are not Automerge's own encoding of its operations".into(),
            ));
        }
        Ok(ChangeOps {
            hash: change.hash().0,
            actor: change.actor_id().to_bytes().to_vec(),
            seq: change.seq(),
            start_op: change.start_op().get(),
            deps: change.deps().iter().map(|h| h.0).collect(),
            ops: expanded.operations,
        })
    }

    /// The change's hash (how other changes name it as a dependency).
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The author's Automerge actor (for a record, its signer's key).
    pub fn actor(&self) -> &[u8] {
        &self.actor
    }

    /// The change's sequence number among its author's changes.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The change's sequence number and hash, as a store files it.
    pub fn meta(&self) -> crate::doc::ChangeMeta {
        crate::doc::ChangeMeta {
            seq: self.seq,
            hash: self.hash,
        }
    }

    /// The counter of the change's last operation (`start_op - 1` for a
    /// change without any).
    fn last_op(&self) -> u64 {
        self.start_op + self.ops.len() as u64 - 1
    }
}

/// An operation's number in an outline: its counter and its author's
/// number in [`Outline::actors`] (`u32::MAX` for the author of a change
/// being checked that the outline has not seen yet).
type Id = (u64, u32);

/// The author number of a change's author not yet in the outline.
const NEW_AUTHOR: u32 = u32::MAX;

/// Where an operation writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    /// A key of a map (`None`: the root), by its name's number.
    Key(Option<Id>, u32),
    /// An element of a list or text: the object and the element (the
    /// operation that inserted it).
    Element(Id, Id),
}

/// The kinds of object the schema uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Map,
    List,
    Text,
}

/// Where an object lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// An append-only list at the root (its index in [`APPEND_ONLY`]).
    List(u8),
    /// An entry of an append-only list, or an object inside one: the list
    /// and the entry's element.
    Entry(u8, Id),
    /// Anything else: an object under this root key (its name's number).
    Free(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Object {
    place: Place,
    kind: Kind,
}

/// The object an operation writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Root,
    /// An object the document held before the change.
    Held(Id, Object),
    /// An object the change itself made.
    Made(Id, Object),
}

impl Target {
    fn id(&self) -> Option<Id> {
        match self {
            Target::Root => None,
            Target::Held(id, _) | Target::Made(id, _) => Some(*id),
        }
    }

    fn kind(&self) -> Kind {
        match self {
            Target::Root => Kind::Map,
            Target::Held(_, o) | Target::Made(_, o) => o.kind,
        }
    }
}

/// What the rules need to know of one document, folded from its changes.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    /// The hashes of the changes held.
    changes: HashSet<[u8; 32]>,
    /// Per change held: the highest operation counter in it and in all it
    /// depends on (a new change's operations are numbered above it).
    reach: HashMap<[u8; 32], u64>,
    /// Authors, numbered in the order first seen.
    actors: Vec<Vec<u8>>,
    actor_numbers: HashMap<Vec<u8>, u32>,
    /// Per author: the sequence number of its last change and the counter
    /// of its last operation.
    authored: HashMap<u32, (u64, u64)>,
    /// Every operation held, and where it wrote.
    ops: HashMap<Id, Slot>,
    /// Every object held: where it lives and what it is.
    objects: HashMap<Id, Object>,
    /// The list made at each append-only root key (the first one).
    lists: [Option<Id>; APPEND_ONLY.len()],
    /// The entries of each append-only list, in the order they came.
    entries: [Vec<Id>; APPEND_ONLY.len()],
    /// Each entry's list and its position there.
    entry_at: HashMap<Id, (u8, usize)>,
    /// Which fixed fields have been set.
    fixed: [bool; FIXED.len()],
    /// Map keys, numbered in the order first seen.
    names: Vec<String>,
    name_numbers: HashMap<String, u32>,
}

/// What a change being checked has made so far, by counter.
#[derive(Default)]
struct Made {
    slots: HashMap<u64, Slot>,
    objects: HashMap<u64, Object>,
    lists: [Option<u64>; APPEND_ONLY.len()],
    /// Map keys the outline has not seen, numbered after its own.
    names: HashMap<String, u32>,
}

fn broken(why: &str) -> RuleBroken {
    RuleBroken::DoesNotApply(why.to_string())
}

impl Outline {
    /// The outline of an empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the outline holds a change.
    pub fn holds(&self, hash: &[u8; 32]) -> bool {
        self.changes.contains(hash)
    }

    /// How many changes the outline holds.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether no change is held.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Checks a change by `writer` against the document as outlined, and
    /// on success folds it in. On an error the outline is unchanged.
    pub fn admit(&mut self, change: &ChangeOps, writer: Writer) -> Result<(), RuleBroken> {
        self.check(change, writer)?;
        self.fold(change);
        Ok(())
    }

    /// Checks a change by `writer` against the document as outlined,
    /// changing nothing.
    pub fn check(&self, change: &ChangeOps, writer: Writer) -> Result<(), RuleBroken> {
        if change.deps.iter().any(|d| !self.changes.contains(d)) {
            return Err(RuleBroken::MissingDependencies);
        }
        if change.start_op <= self.reach_of(&change.deps) {
            return Err(broken(
                "its operations are numbered below those of the changes it builds on",
            ));
        }
        let me = self.actor_numbers.get(&change.actor).copied();
        let (last_seq, last_op) = me
            .and_then(|a| self.authored.get(&a).copied())
            .unwrap_or((0, 0));
        if change.last_op() > u64::from(u32::MAX) {
            return Err(broken(
                "its operation numbers run past what Automerge can hold",
            ));
        }
        if Some(change.seq) != last_seq.checked_add(1) {
            return Err(RuleBroken::DoesNotApply(format!(
                "it is change {} of its author, whose last change held is {last_seq}",
                change.seq
            )));
        }
        if change.start_op <= last_op {
            return Err(broken(
                "its operations reuse numbers its author has already used",
            ));
        }
        let mut made = Made::default();
        for (i, op) in change.ops.iter().enumerate() {
            let id = (change.start_op + i as u64, me.unwrap_or(NEW_AUTHOR));
            self.check_op(op, id, change, &mut made, writer)?;
        }
        Ok(())
    }

    /// Checks one operation (number `id`) of a change; records what it
    /// made in `made`.
    fn check_op(
        &self,
        op: &Op,
        id: Id,
        change: &ChangeOps,
        made: &mut Made,
        writer: Writer,
    ) -> Result<(), RuleBroken> {
        let make = match &op.action {
            OpType::Make(ObjType::Map) => Some(Kind::Map),
            OpType::Make(ObjType::List) => Some(Kind::List),
            OpType::Make(ObjType::Text) => Some(Kind::Text),
            OpType::Put(ScalarValue::Counter(_))
            | OpType::Make(ObjType::Table)
            | OpType::Increment(_)
            | OpType::MarkBegin(_)
            | OpType::MarkEnd(_) => {
                return Err(broken(
                    "it uses what the schema does not (a counter, a mark or a table)",
                ))
            }
            OpType::Put(_) | OpType::Delete => None,
        };
        // A deletion removes what it names, nothing else; an insertion puts
        // a value or makes an object.
        if matches!(op.action, OpType::Delete) && (op.insert || op.pred.is_empty()) {
            return Err(broken(
                "a deletion that inserts, or names nothing to delete",
            ));
        }
        if op
            .pred
            .iter()
            .zip(op.pred.iter().skip(1))
            .any(|(a, b)| a == b)
        {
            return Err(broken("it names an overwritten operation twice"));
        }
        let target = self.target_of(&op.obj, change, made)?;
        let slot = self.slot_of(op, id, target, change, made)?;
        if target.kind() == Kind::Text
            && !matches!(
                (&op.action, op.insert),
                (OpType::Put(ScalarValue::Str(_)), true) | (OpType::Delete, false)
            )
        {
            return Err(broken(
                "it writes to text other than by inserting or deleting characters",
            ));
        }
        // What it overwrites must be at the very place it writes: an
        // insertion overwrites nothing.
        if op.insert && !op.pred.is_empty() {
            return Err(broken("an insertion that claims to overwrite operations"));
        }
        for p in op.pred.iter() {
            let (pid, own) = self.resolve(p, change, me_of(id))?;
            let at = match own {
                true if pid.0 < id.0 => made.slots.get(&pid.0),
                true => None,
                false => self.ops.get(&pid),
            };
            if at != Some(&slot) {
                return Err(broken(
                    "it overwrites an operation that is not at the place it writes",
                ));
            }
        }
        let child = self.check_rules(op, id, target, slot, made, writer)?;
        // A deletion is no value a later operation may name.
        if !matches!(op.action, OpType::Delete) {
            made.slots.insert(id.0, slot);
        }
        if let Some(kind) = make {
            made.objects.insert(id.0, Object { place: child, kind });
            if let (Target::Root, Place::List(l)) = (target, child) {
                made.lists[l as usize] = Some(id.0);
            }
        }
        Ok(())
    }

    /// The rules for one operation writing at `slot` of `target`; returns
    /// where an object it makes lives.
    fn check_rules(
        &self,
        op: &Op,
        id: Id,
        target: Target,
        slot: Slot,
        made: &Made,
        writer: Writer,
    ) -> Result<Place, RuleBroken> {
        match target {
            Target::Root => {
                let Key::Map(key) = &op.key else {
                    return Err(broken("it writes to the root by list position"));
                };
                if let Some(f) = FIXED.iter().position(|k| *k == key.as_str()) {
                    if self.fixed[f] {
                        return Err(RuleBroken::FixedField { field: FIXED[f] });
                    }
                }
                if let Some(l) = APPEND_ONLY.iter().position(|k| *k == key.as_str()) {
                    let list = APPEND_ONLY[l];
                    if !self.entries[l].is_empty() {
                        return Err(RuleBroken::EntryRemoved { list, index: 0 });
                    }
                    if writer == Writer::Server && !SERVER_MAY_ADD.contains(&list) {
                        return Err(RuleBroken::ServerMayNot {
                            part: list.to_string(),
                        });
                    }
                    let first = self.lists[l].is_none() && made.lists[l].is_none();
                    if !first || !matches!(op.action, OpType::Make(ObjType::List)) {
                        return Err(RuleBroken::ListReplaced { list });
                    }
                    return Ok(Place::List(l as u8));
                }
                if writer == Writer::Server {
                    return Err(RuleBroken::ServerMayNot {
                        part: key.to_string(),
                    });
                }
                let Slot::Key(_, name) = slot else {
                    return Err(broken("it writes to the root by list position"));
                };
                Ok(Place::Free(name))
            }
            Target::Held(
                list_id,
                Object {
                    place: Place::List(l),
                    ..
                },
            )
            | Target::Made(
                list_id,
                Object {
                    place: Place::List(l),
                    ..
                },
            ) => {
                let list = APPEND_ONLY[l as usize];
                let live = match target {
                    Target::Held(..) => self.lists[l as usize] == Some(list_id),
                    _ => made.lists[l as usize] == Some(list_id.0),
                };
                if !live {
                    return Err(RuleBroken::ListReplaced { list });
                }
                if op.insert {
                    super::may_add(writer, list)?;
                    return Ok(Place::Entry(l, id));
                }
                let Slot::Element(_, element) = slot else {
                    return Err(broken("it writes to a list by a map key"));
                };
                if let Some((_, index)) = self.entry_at.get(&element) {
                    return Err(match op.action {
                        OpType::Delete => RuleBroken::EntryRemoved {
                            list,
                            index: *index,
                        },
                        _ => RuleBroken::EntryEdited {
                            list,
                            index: *index,
                        },
                    });
                }
                // An element this change inserted (`slot_of` made sure).
                Ok(Place::Entry(l, element))
            }
            Target::Held(
                _,
                Object {
                    place: Place::Entry(l, entry),
                    ..
                },
            ) => Err(RuleBroken::EntryEdited {
                list: APPEND_ONLY[l as usize],
                index: self.entry_at.get(&entry).map(|(_, i)| *i).unwrap_or(0),
            }),
            Target::Held(
                _,
                Object {
                    place: Place::Free(name),
                    ..
                },
            ) => {
                if writer == Writer::Server {
                    return Err(RuleBroken::ServerMayNot {
                        part: self.name(name).to_string(),
                    });
                }
                Ok(Place::Free(name))
            }
            // Inside what this change made, anything goes: where it was
            // made was checked.
            Target::Made(_, object) => Ok(object.place),
        }
    }

    /// Where an operation (number `id`) writes, once its key is checked
    /// against its object: a map key of a map, or an element of a list or
    /// text that the object holds (or, inserting, after one it holds, or
    /// at its head).
    fn slot_of(
        &self,
        op: &Op,
        id: Id,
        target: Target,
        change: &ChangeOps,
        made: &mut Made,
    ) -> Result<Slot, RuleBroken> {
        let obj = target.id();
        match (&op.key, target.kind()) {
            (Key::Map(key), Kind::Map) if !op.insert => {
                let name = match self.name_numbers.get(key.as_str()) {
                    Some(n) => *n,
                    None => {
                        let next = (self.names.len() + made.names.len()) as u32;
                        *made.names.entry(key.to_string()).or_insert(next)
                    }
                };
                Ok(Slot::Key(obj, name))
            }
            (Key::Seq(element), Kind::List | Kind::Text) => {
                let Some(obj) = obj else {
                    return Err(broken("it writes to the root by list position"));
                };
                let element = match element {
                    ElementId::Head if op.insert => None,
                    ElementId::Head => return Err(broken("it overwrites the head of a list")),
                    ElementId::Id(e) => {
                        let (eid, own) = self.resolve(e, change, me_of(id))?;
                        let at = match own {
                            true if eid.0 < id.0 => made.slots.get(&eid.0),
                            true => None,
                            false => self.ops.get(&eid),
                        };
                        if at != Some(&Slot::Element(obj, eid)) {
                            return Err(broken("it names an element its list does not hold"));
                        }
                        Some(eid)
                    }
                };
                match (op.insert, element) {
                    (true, _) => Ok(Slot::Element(obj, id)),
                    (false, Some(e)) => Ok(Slot::Element(obj, e)),
                    (false, None) => Err(broken("it overwrites the head of a list")),
                }
            }
            _ => Err(broken(
                "its key does not fit its object (a map key on a list, or the reverse)",
            )),
        }
    }

    /// Folds a change into the outline without checking it: a change
    /// already accepted (read back from storage), or one just admitted.
    /// What it cannot place (a change stored before the rules, naming
    /// what the outline lacks) is left out.
    pub fn fold(&mut self, change: &ChangeOps) {
        if !self.changes.insert(change.hash) {
            return;
        }
        let reach = self.reach_of(&change.deps).max(change.last_op());
        self.reach.insert(change.hash, reach);
        let author = self.actor_number(&change.actor);
        let last_op = change.last_op();
        let entry = self.authored.entry(author).or_insert((0, 0));
        *entry = (entry.0.max(change.seq), entry.1.max(last_op));
        for (i, op) in change.ops.iter().enumerate() {
            let id = (change.start_op + i as u64, author);
            self.fold_op(op, id);
        }
    }

    fn fold_op(&mut self, op: &Op, id: Id) {
        let (obj, parent) = match &op.obj {
            ObjectId::Root => (None, None),
            ObjectId::Id(obj) => match self
                .id_of(obj)
                .and_then(|o| self.objects.get(&o).map(|p| (o, *p)))
            {
                Some((o, object)) => (Some(o), Some(object)),
                None => return,
            },
        };
        let slot = match &op.key {
            Key::Map(key) => Slot::Key(obj, self.name_number_or_new(key)),
            Key::Seq(element) => {
                let Some(obj) = obj else { return };
                match (op.insert, element) {
                    (true, _) => Slot::Element(obj, id),
                    (false, ElementId::Id(e)) => match self.id_of(e) {
                        Some(e) => Slot::Element(obj, e),
                        None => return,
                    },
                    (false, ElementId::Head) => return,
                }
            }
        };
        if !matches!(op.action, OpType::Delete) {
            self.ops.insert(id, slot);
        }
        let child = match parent {
            None => {
                let Key::Map(key) = &op.key else { return };
                if let Some(f) = FIXED.iter().position(|k| *k == key.as_str()) {
                    self.fixed[f] = true;
                }
                match APPEND_ONLY.iter().position(|k| *k == key.as_str()) {
                    Some(l) => {
                        if matches!(op.action, OpType::Make(_)) && self.lists[l].is_none() {
                            self.lists[l] = Some(id);
                        }
                        Place::List(l as u8)
                    }
                    None => Place::Free(self.name_number_or_new(key)),
                }
            }
            Some(Object {
                place: Place::List(l),
                ..
            }) => {
                let Slot::Element(_, element) = slot else {
                    return;
                };
                if op.insert {
                    let index = self.entries[l as usize].len();
                    self.entries[l as usize].push(id);
                    self.entry_at.insert(id, (l, index));
                }
                Place::Entry(l, element)
            }
            Some(object) => object.place,
        };
        let kind = match op.action {
            OpType::Make(ObjType::List) => Kind::List,
            OpType::Make(ObjType::Text) => Kind::Text,
            OpType::Make(_) => Kind::Map,
            _ => return,
        };
        self.objects.insert(id, Object { place: child, kind });
    }

    /// An operation named by a change: its number, and whether it is one
    /// of the change's own. Naming an author the document does not know
    /// is an error.
    fn resolve(&self, op: &OpId, change: &ChangeOps, me: u32) -> Result<(Id, bool), RuleBroken> {
        if op.actor().to_bytes() == change.actor.as_slice() && op.counter() >= change.start_op {
            return Ok(((op.counter(), me), true));
        }
        match self.id_of(op) {
            // What a change builds on comes before it.
            Some(id) if id.0 < change.start_op => Ok((id, false)),
            Some(_) => Err(broken("it names an operation numbered after its own")),
            None => Err(broken(
                "it names an operation by an author the document does not know",
            )),
        }
    }

    /// What an operation's object is.
    fn target_of(
        &self,
        obj: &ObjectId,
        change: &ChangeOps,
        made: &Made,
    ) -> Result<Target, RuleBroken> {
        let ObjectId::Id(obj) = obj else {
            return Ok(Target::Root);
        };
        let me = self
            .actor_numbers
            .get(&change.actor)
            .copied()
            .unwrap_or(NEW_AUTHOR);
        let (id, own) = self.resolve(obj, change, me)?;
        let found = match own {
            true => made.objects.get(&id.0).map(|o| Target::Made(id, *o)),
            false => self.objects.get(&id).map(|o| Target::Held(id, *o)),
        };
        found.ok_or_else(|| broken("it writes to an object the document does not hold"))
    }

    /// The highest operation counter in `deps` and all they depend on.
    fn reach_of(&self, deps: &[[u8; 32]]) -> u64 {
        deps.iter()
            .filter_map(|d| self.reach.get(d))
            .copied()
            .max()
            .unwrap_or(0)
    }

    fn id_of(&self, op: &OpId) -> Option<Id> {
        self.actor_numbers
            .get(op.actor().to_bytes())
            .map(|a| (op.counter(), *a))
    }

    fn actor_number(&mut self, actor: &[u8]) -> u32 {
        if let Some(n) = self.actor_numbers.get(actor) {
            return *n;
        }
        let n = self.actors.len() as u32;
        self.actors.push(actor.to_vec());
        self.actor_numbers.insert(actor.to_vec(), n);
        n
    }

    fn name_number_or_new(&mut self, key: &str) -> u32 {
        if let Some(n) = self.name_numbers.get(key) {
            return *n;
        }
        let n = self.names.len() as u32;
        self.names.push(key.to_string());
        self.name_numbers.insert(key.to_string(), n);
        n
    }

    fn name(&self, number: u32) -> &str {
        self.names
            .get(number as usize)
            .map(String::as_str)
            .unwrap_or("the document")
    }
}

/// The author number inside an operation number.
fn me_of(id: Id) -> u32 {
    id.1
}
